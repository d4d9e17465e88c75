// A user's program: a request loop with a leak, marking each cycle with
// vigil_cycle(), and writing a report of its own with vigil::reports.
//   vigil_consumer [REPORT.json]
#include <vigil/cycle.h>

#include <cstdio>

#include "vigil/reports/report.hpp"

namespace {

char* volatile g_last;  // keeps the allocations from being optimized away

__attribute__((noinline)) void handle_request() { g_last = new char[64]; }  // never freed

}  // namespace

int main(int argc, char** argv) {
  constexpr int kCycles = 20;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    for (int i = 0; i < 100; ++i) handle_request();
    vigil_cycle();
  }
  if (argc > 1) {
    vigil::reports::Report report = vigil::reports::make_report("consumer");
    report.set_metric("consumer.cycles", kCycles, "cycles", vigil::reports::Better::None);
    report.verdict = vigil::reports::Verdict::Pass;
    vigil::reports::write_report(report, argv[1]);
  }
  std::puts("consumer: done");
  return 0;
}
