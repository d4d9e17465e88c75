// The router against a brute-force reference: every route's pattern is
// matched on its own, and among the routes that match, precedence decides
// (at the first place two patterns differ: pattern end, then static text,
// then `:param`, then `*catchall`). Thousands of paths near the GitHub route
// set (exact, truncated, extended, segments swapped, short ones) must give
// the same route and the same parameters both ways.

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/framework/routing/route_table.hpp"
#include "vigil/framework/routing/router.hpp"
#include "vigil/harness/data_files.hpp"

namespace vigil::framework {
namespace {

// Does `pattern` match all of `path`? Fills `params` in path order.
bool pattern_matches(std::string_view pattern, std::string_view path, std::vector<Param>& params) {
  std::size_t i = 0, j = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == ':' || c == '*') {
      std::size_t name_end = pattern.find('/', i);
      if (name_end == std::string_view::npos) name_end = pattern.size();
      const auto name = pattern.substr(i + 1, name_end - i - 1);
      if (c == '*') {
        params.push_back({name, path.substr(j)});
        return true;
      }
      std::size_t stop = path.find('/', j);
      if (stop == std::string_view::npos) stop = path.size();
      if (stop == j) return false;  // a parameter is never empty
      params.push_back({name, path.substr(j, stop - j)});
      i = name_end;
      j = stop;
      continue;
    }
    if (j >= path.size() || path[j] != c) return false;
    ++i;
    ++j;
  }
  return j == path.size();
}

int rank(std::string_view pattern, std::size_t at) {
  if (at == pattern.size()) return 0;
  if (pattern[at] == ':') return 2;
  if (pattern[at] == '*') return 3;
  return 1;
}

// True when `a` takes precedence over `b` (both match the same path).
bool precedes(std::string_view a, std::string_view b) {
  std::size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
  return rank(a, at) < rank(b, at);
}

const Route* reference_match(const Router& router, Method method, std::string_view path,
                             std::vector<Param>& params) {
  const Route* best = nullptr;
  std::vector<Param> candidate;
  for (const auto& route : router.routes()) {
    candidate.clear();
    if (route->method != method || !pattern_matches(route->pattern, path, candidate)) continue;
    if (best == nullptr || precedes(route->pattern, best->pattern)) {
      best = route.get();
      params = candidate;
    }
  }
  return best;
}

std::vector<std::string> segments_of(const std::vector<RouteLine>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    std::size_t start = 1;
    while (start < line.path.size()) {
      auto stop = line.path.find('/', start);
      if (stop == std::string::npos) stop = line.path.size();
      if (line.path[start] != ':' && line.path[start] != '*') out.push_back(line.path.substr(start, stop - start));
      start = stop + 1;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Paths near the route set: each example path, then mutations of it.
std::vector<std::pair<Method, std::string>> probe_paths(const std::vector<RouteLine>& lines) {
  const auto words = segments_of(lines);
  std::mt19937_64 rng(20261123);
  auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::vector<std::pair<Method, std::string>> out;
  for (const auto& line : lines) {
    for (unsigned long variant : {1ul, 22ul}) {
      const auto path = example_path(line.path, variant);
      out.emplace_back(line.method, path);
      for (int k = 0; k < 6; ++k) {
        std::string p = path;
        switch (pick(6)) {
          case 0: p.resize(pick(p.size() + 1)); break;                  // truncated
          case 1: p += pick(2) ? "/" : "x"; break;                      // one byte more
          case 2: p += "/" + words[pick(words.size())]; break;          // one segment more
          case 3: {                                                     // a segment swapped for a static word
            const auto slash = p.rfind('/', pick(p.size()));
            const auto stop = p.find('/', slash + 1);
            p.replace(slash + 1, (stop == std::string::npos ? p.size() : stop) - slash - 1,
                      words[pick(words.size())]);
            break;
          }
          case 4: p.insert(pick(p.size() + 1), "/"); break;             // an empty segment
          default: p = "/" + words[pick(words.size())]; break;          // short, static-looking
        }
        out.emplace_back(static_cast<Method>(pick(3) == 0 ? pick(kMethodCount) : static_cast<std::size_t>(line.method)),
                         p);
      }
    }
  }
  for (const char* p : {"", "/", "//", "/a", "/user", "/users", "/usersx", "/repos/", "/gists/x/star/"}) {
    out.emplace_back(Method::GET, p);
  }
  return out;
}

// Matches every probe both ways; `found` counts those that found a route.
void expect_agreement(const Router& router, const std::vector<std::pair<Method, std::string>>& probes,
                      std::size_t& found) {
  found = 0;
  Params params;
  std::vector<Param> expected_params;
  for (const auto& [method, path] : probes) {
    // A copy sized exactly, so reads past the end show under ASan.
    const std::string exact(path);
    expected_params.clear();
    const Route* expected = reference_match(router, method, exact, expected_params);
    const Route* got = router.match(method, exact, params);
    ASSERT_EQ(got, expected) << to_string(method) << " " << exact << ": router "
                             << (got ? describe(*got) : "<none>") << ", reference "
                             << (expected ? describe(*expected) : "<none>");
    if (got == nullptr) {
      EXPECT_TRUE(params.empty());
      continue;
    }
    ++found;
    ASSERT_EQ(params.size(), expected_params.size()) << exact;
    for (std::size_t i = 0; i < params.size(); ++i) {
      EXPECT_EQ(params[i].name, expected_params[i].name) << exact;
      EXPECT_EQ(params[i].value, expected_params[i].value) << exact;
    }
  }
}

TEST(RouterReference, AgreesWithBruteForceAroundTheGithubSet) {
  auto table = load_route_table(harness::github_api_routes_file());
  ASSERT_TRUE(table.ok()) << table.error;
  Router router;
  ASSERT_FALSE(add_routes(router, table.lines));
  const auto probes = probe_paths(table.lines);
  ASSERT_GT(probes.size(), 2000u);
  std::size_t found = 0;
  ASSERT_NO_FATAL_FAILURE(expect_agreement(router, probes, found));
  // The mutations must not all miss: both outcomes are exercised.
  EXPECT_GT(found, probes.size() / 5);
  EXPECT_LT(found, probes.size());
}

TEST(RouterReference, AgreesWithBruteForceWhereBranchesDeadEnd) {
  // Random routes over a few words, with parameters and catch-alls beside
  // static segments at every depth, so lookups often take a static branch
  // that fails deeper down and must fall back. Words of 1 to 41 bytes, some
  // differing only in their middle, test every way a segment is compared.
  const std::vector<std::string> words = {"a", "b", "ab", "new", "eight-ch", "nine-char",
                                          "sixteen-chars-ok", "seventeen-chars-x", "seventeeN-chars-x",
                                          "a-segment-that-is-forty-one-bytes-long-!!",
                                          "a-segment-THAT-is-forty-one-bytes-long-!!"};
  std::mt19937_64 rng(7);
  auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  Router router;
  for (RouteId id = 0; router.size() < 300 && id < 2000; ++id) {
    std::string pattern;
    const std::size_t depth = 1 + pick(5);
    for (std::size_t d = 0; d < depth; ++d) {
      const std::size_t kind = pick(10);
      // Names by depth: the same position always has the same name, so no
      // two routes conflict.
      if (kind < 6) {
        pattern += "/" + words[pick(words.size())];
      } else if (kind < 9 || d + 1 < depth || d == 0) {  // no catch-all of everything
        pattern += "/:p" + std::to_string(d);
      } else {
        pattern += "/*rest" + std::to_string(d);
      }
    }
    if (pattern.find('*') == std::string::npos && pick(8) == 0) pattern += "/";
    if (auto error = router.add(Method::GET, pattern, id)) {
      ASSERT_EQ(error->kind, RouteError::Kind::Duplicate) << error->message;
    }
  }
  ASSERT_EQ(router.size(), 300u);

  std::vector<std::pair<Method, std::string>> probes;
  for (int i = 0; i < 6000; ++i) {
    std::string path;
    const std::size_t depth = pick(8);
    for (std::size_t d = 0; d < depth; ++d) {
      const std::size_t kind = pick(10);
      path += "/";
      if (kind < 7) {
        path += words[pick(words.size())];
      } else if (kind < 9) {
        path += "v" + std::to_string(pick(100));
      }  // else: an empty segment
    }
    if (path.empty() || pick(10) == 0) path += "/";
    probes.emplace_back(Method::GET, path);
  }
  for (const auto& route : router.routes()) probes.emplace_back(Method::GET, example_path(route->pattern, 3));
  std::size_t found = 0;
  ASSERT_NO_FATAL_FAILURE(expect_agreement(router, probes, found));
  EXPECT_GT(found, probes.size() / 4);
  EXPECT_LT(found, probes.size());
}

TEST(RouterReference, StaticRoutesWinOverParametersAtEveryLength) {
  // Static paths of every length from 1 to 40 bytes beside a parameter route
  // that also matches them: the static route must win, its neighbours not.
  Router router;
  ASSERT_FALSE(router.add(Method::GET, "/:any", 0));
  ASSERT_FALSE(router.add(Method::GET, "/s/*rest", 1));
  std::vector<std::string> statics;
  for (std::size_t len = 1; len <= 40; ++len) {
    std::string p = "/s/";
    for (std::size_t i = 0; i < len; ++i) p.push_back(static_cast<char>('a' + (i * 7 + len) % 26));
    statics.push_back(p);
    ASSERT_FALSE(router.add(Method::GET, p, static_cast<RouteId>(len + 1)));
    ASSERT_FALSE(router.add(Method::POST, "/" + p.substr(3), static_cast<RouteId>(len + 100)));
  }
  Params params;
  for (std::size_t len = 1; len <= 40; ++len) {
    const std::string exact = statics[len - 1];
    const Route* r = router.match(Method::GET, exact, params);
    ASSERT_NE(r, nullptr) << exact;
    EXPECT_EQ(r->id, len + 1) << exact;
    EXPECT_TRUE(params.empty());
    const std::string longer = exact + "z";
    r = router.match(Method::GET, longer, params);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->id, 1u) << longer;
    EXPECT_EQ(params.get("rest"), longer.substr(3));
    const std::string post_path = "/" + exact.substr(3);
    EXPECT_EQ(router.match(Method::POST, post_path, params)->id, len + 100);
    EXPECT_EQ(router.match(Method::PUT, post_path, params), nullptr);
    const std::string shorter = post_path.substr(0, post_path.size() - 1);
    r = router.match(Method::GET, shorter, params);
    if (len == 1) {
      EXPECT_EQ(r, nullptr) << shorter;  // "/": a parameter is never empty
      continue;
    }
    ASSERT_NE(r, nullptr) << shorter;
    EXPECT_EQ(r->id, 0u) << shorter;
    EXPECT_EQ(params.get("any"), shorter.substr(1));
  }
}

}  // namespace
}  // namespace vigil::framework
