// JSON rendering of a typical API response (an object with a nested array
// of objects) with JsonWriter into a reused buffer, and with nlohmann::json
// building and dumping the same document, for scale.

#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "alloc_counter.hpp"
#include "vigil/framework/text/json_writer.hpp"

namespace {

constexpr int kItems = 10;

void render(std::string& out) {
  vigil::framework::JsonWriter w(out);
  w.begin_object()
      .field("id", 1296269)
      .field("name", "Hello-World")
      .field("full_name", "octocat/Hello-World")
      .field("private", false)
      .field("description", "This your first repo!\n\"quoted\"")
      .field("stars", 80)
      .field("score", 0.875);
  w.key("issues").begin_array();
  for (int i = 0; i < kItems; ++i) {
    w.begin_object().field("number", i).field("title", "Found a bug").field("open", i % 2 == 0).end_object();
  }
  w.end_array().end_object();
}

void BM_JsonRenderWriter(benchmark::State& state) {
  std::string out;
  render(out);  // grow the buffer once
  vigil::bench::AllocationScope allocations(state);
  for (auto _ : state) {
    out.clear();
    render(out);
    benchmark::DoNotOptimize(out.data());
  }
  allocations.report();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_JsonRenderWriter);

void BM_JsonRenderNlohmann(benchmark::State& state) {
  vigil::bench::AllocationScope allocations(state);
  std::size_t size = 0;
  for (auto _ : state) {
    nlohmann::json doc = {{"id", 1296269},
                          {"name", "Hello-World"},
                          {"full_name", "octocat/Hello-World"},
                          {"private", false},
                          {"description", "This your first repo!\n\"quoted\""},
                          {"stars", 80},
                          {"score", 0.875}};
    auto& issues = doc["issues"] = nlohmann::json::array();
    for (int i = 0; i < kItems; ++i) {
      issues.push_back({{"number", i}, {"title", "Found a bug"}, {"open", i % 2 == 0}});
    }
    const std::string out = doc.dump();
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  allocations.report();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_JsonRenderNlohmann);

}  // namespace
