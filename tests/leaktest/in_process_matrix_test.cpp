// The quick part of scripts/leak-matrix, in CI: the in-process core at 200
// requests per cycle for 100 cycles, and in the shortest runs of the matrix
// (30 cycles at 20 and at 200 requests: a doubling there shows 2 or 3
// times), clean in each scenario and with each leak defect of the catalog
// alone. A defect must be an error finding naming
// its allocating function (thread-leak: a thread-leak finding naming the
// batch worker); the clean core must have no error finding and no warning.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "leak_test_run.hpp"

namespace {

using vigil::reports::Finding;
using vigil::reports::Severity;

struct MatrixCase {
  const char* scenario;
  const char* defect;    // nullptr: the clean core
  const char* function;  // a frame the finding must name
};

// As in scripts/leak-matrix.
const MatrixCase kCases[] = {
    {"api", nullptr, nullptr},
    {"random-paths", nullptr, nullptr},
    {"burst", nullptr, nullptr},
    {"api", "event-pool-leak", "Event::own_context_entry"},
    {"random-paths", "route-cache-unbounded", "RouteCache::lookup"},
    {"burst", "history-unbounded", "BufferHistory::record"},
    {"api", "thread-leak", "BatchWorker::"},
    {"api", "arena-no-reset", "Arena::new_block"},
};

bool is_verdict(const Finding& f) {
  return f.severity == Severity::Error && (f.kind == "leak" || f.kind == "thread-leak") && !f.extra.contains("at_exit");
}

void expect_every_defect_flagged_and_the_clean_core_clean(const char* requests_per_cycle, const char* cycles) {
  const vigil::test::ScratchDir dir{"vigil-leak-matrix"};
  for (const MatrixCase& c : kCases) {
    std::vector<std::string> args = {"--scenario", c.scenario, "--cycles", cycles, "--requests-per-cycle",
                                     requests_per_cycle};
    if (c.defect != nullptr) args.insert(args.end(), {"--defect", c.defect});
    const vigil::test::LeakTestRun r = vigil::test::run_leak_test(args, dir);
    const std::string name = std::string(c.scenario) + " " + (c.defect ? c.defect : "clean") + " at " +
                             requests_per_cycle + " x " + cycles;
    ASSERT_TRUE(r.report) << name << "\n" << vigil::test::describe(r);
    std::size_t verdicts = 0, named = 0, warnings = 0;
    for (const Finding& f : r.report->findings) {
      verdicts += is_verdict(f) ? 1 : 0;
      named += is_verdict(f) && c.function != nullptr && vigil::test::stack_names(f, c.function) ? 1 : 0;
      warnings += f.severity == Severity::Warning ? 1 : 0;
    }
    if (c.defect == nullptr) {
      EXPECT_EQ(r.exit_code, 0) << name << "\n" << vigil::test::describe(r);
      EXPECT_EQ(verdicts, 0u) << name << "\n" << vigil::test::describe(r);
      EXPECT_EQ(warnings, 0u) << name << "\n" << vigil::test::describe(r);
    } else {
      EXPECT_EQ(r.exit_code, 1) << name << "\n" << vigil::test::describe(r);
      EXPECT_GE(named, 1u) << name << " should name " << c.function << "\n" << vigil::test::describe(r);
    }
  }
}

TEST(InProcessMatrix, At200RequestsFor100CyclesEveryDefectIsFlaggedAndTheCleanCoreIsClean) {
  expect_every_defect_flagged_and_the_clean_core_clean("200", "100");
}

TEST(InProcessMatrix, At20RequestsFor30CyclesEveryDefectIsFlaggedAndTheCleanCoreIsClean) {
  expect_every_defect_flagged_and_the_clean_core_clean("20", "30");
}

TEST(InProcessMatrix, At200RequestsFor30CyclesEveryDefectIsFlaggedAndTheCleanCoreIsClean) {
  expect_every_defect_flagged_and_the_clean_core_clean("200", "30");
}

}  // namespace
