// The default middleware chain (request id, logger, recovery, CORS, rate
// limiter) around a trivial handler: with vigil-bench's --defect set, and
// always with fresh heap strings (middleware-alloc), so the defect's cost
// shows side by side.

#include <benchmark/benchmark.h>

#include "alloc_counter.hpp"
#include "core_options.hpp"
#include "vigil/framework/pipeline/middleware/default_chain.hpp"

namespace {

using namespace vigil::framework;

void run_chain(benchmark::State& state, Formatting formatting) {
  RingLogSink sink(64);
  RateLimitOptions rate;  // a budget the benchmark never exhausts
  rate.tokens_per_second = 1e12;
  rate.burst = 1e12;
  const Chain chain = make_default_chain(sink, formatting, {}, rate);
  Event e;
  auto handler = [](Event& ev) {
    ev.response.status = 200;
    ev.response.body.assign("{\"ok\":true}");
  };
  auto one_request = [&] {
    e.reset();
    e.method = "GET";
    e.path = "/repos/octocat/hello-world";
    e.remote_addr = "127.0.0.1:50412";
    e.headers.add("Host", "localhost");
    e.headers.add("Origin", "https://app.example");
    chain.run(e, handler);
  };
  one_request();  // grow the event's buffers once
  vigil::bench::AllocationScope allocations(state);
  for (auto _ : state) {
    one_request();
    benchmark::DoNotOptimize(e.response.status);
  }
  allocations.report();
}

void BM_MiddlewareChain(benchmark::State& state) { run_chain(state, vigil::bench::core_options().formatting); }
BENCHMARK(BM_MiddlewareChain);

void BM_MiddlewareChainAllocDefect(benchmark::State& state) {
  run_chain(state, Formatting::FreshHeapStrings);  // what middleware-alloc switches on
}
BENCHMARK(BM_MiddlewareChainAllocDefect);

}  // namespace
