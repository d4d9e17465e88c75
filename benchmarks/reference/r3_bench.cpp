// The GitHub API set through r3 (c9s/r3, Debian's libr3), the C router the
// routing targets are set against, in the same run as BM_RouteGithubAll.
// Parameters are `{name}` in r3; a lookup creates and frees a match entry,
// as r3's API requires for methods and captured values.

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

extern "C" {
#include <r3.h>
}

#include "../alloc_counter.hpp"
#include "../per_lookup.hpp"
#include "../route_sets.hpp"
#include "vigil/framework/routing/route_table.hpp"
#include "vigil/harness/data_files.hpp"

namespace vigil::bench {
namespace {

using framework::Method;

int r3_method(Method m) {
  switch (m) {
    case Method::GET: return METHOD_GET;
    case Method::POST: return METHOD_POST;
    case Method::PUT: return METHOD_PUT;
    case Method::DELETE: return METHOD_DELETE;
    case Method::PATCH: return METHOD_PATCH;
    case Method::HEAD: return METHOD_HEAD;
    default: return METHOD_OPTIONS;
  }
}

// ":name" -> "{name}"; the set has no catch-alls.
std::string r3_pattern(const std::string& path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != ':') {
      out.push_back(path[i]);
      continue;
    }
    auto stop = path.find('/', i);
    if (stop == std::string::npos) stop = path.size();
    out += "{" + path.substr(i + 1, stop - i - 1) + "}";
    i = stop - 1;
  }
  return out;
}

struct R3Set {
  node* tree = nullptr;
  std::deque<std::string> patterns;  // r3 keeps pointers into them
  std::vector<std::pair<int, std::string>> requests;
};

const R3Set& r3_set() {
  static const R3Set set = [] {
    R3Set s;
    s.tree = r3_tree_create(10);
    auto table = framework::load_route_table(harness::github_api_routes_file());
    if (!table.ok()) {
      std::fprintf(stderr, "r3_bench: %s\n", table.error.c_str());
      std::abort();
    }
    for (const auto& line : table.lines) {
      const auto& pattern = s.patterns.emplace_back(r3_pattern(line.path));
      r3_tree_insert_routel(s.tree, r3_method(line.method), pattern.c_str(), static_cast<int>(pattern.size()),
                            const_cast<std::string*>(&pattern));
      s.requests.emplace_back(r3_method(line.method), framework::example_path(line.path, 1));
    }
    char* error = nullptr;
    if (r3_tree_compile(s.tree, &error) != 0) {
      std::fprintf(stderr, "r3_bench: r3 refused the set: %s\n", error ? error : "?");
      std::abort();
    }
    return s;
  }();
  return set;
}

void BM_RouteGithubAllR3(benchmark::State& state) {
  const auto& set = r3_set();
  std::size_t found = 0;
  AllocationScope allocs(state);
  for (auto _ : state) {
    for (const auto& [method, path] : set.requests) {
      match_entry* entry = match_entry_createl(path.c_str(), static_cast<int>(path.size()));
      entry->request_method = method;
      found += r3_tree_match_route(set.tree, entry) != nullptr;
      match_entry_free(entry);
    }
  }
  allocs.report();
  if (found != state.iterations() * set.requests.size()) state.SkipWithError("r3 missed a route");
  report_per_lookup(state, set.requests.size());
}
BENCHMARK(BM_RouteGithubAllR3);

// The same registration as BM_RouteRegister: every route inserted in an
// empty tree, then r3_tree_compile.
void BM_RouteRegisterR3(benchmark::State& state) {
  const auto lines = versioned_github_routes(static_cast<std::size_t>(state.range(0)));
  std::vector<std::string> patterns;  // r3 keeps pointers into them
  patterns.reserve(lines.size());
  for (const auto& line : lines) patterns.push_back(r3_pattern(line.path));
  AllocationScope allocs(state);
  for (auto _ : state) {
    node* tree = r3_tree_create(10);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      r3_tree_insert_routel(tree, r3_method(lines[i].method), patterns[i].c_str(),
                            static_cast<int>(patterns[i].size()), &patterns[i]);
    }
    char* error = nullptr;
    const int compiled = r3_tree_compile(tree, &error);
    state.PauseTiming();
    r3_tree_free(tree);
    state.ResumeTiming();
    if (compiled != 0) {
      state.SkipWithError("r3 refused the set");
      return;
    }
  }
  allocs.report();
  state.counters["routes"] = static_cast<double>(lines.size());
}
BENCHMARK(BM_RouteRegisterR3)->Arg(10'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::bench
