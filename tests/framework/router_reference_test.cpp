// The router against a brute-force reference: every route's pattern is
// matched on its own, and among the routes that match, precedence decides
// (at the first segment where two patterns differ: static text, then
// `:param`, then `*catchall`; parameters and catch-alls differ by kind, not
// by name). Thousands of paths near the GitHub route set (exact, truncated,
// extended, segments swapped, short ones) and near random route sets must
// give the same route and the same parameters, under that route's own
// names, both ways; and no path may match two routes that tie.

#include <algorithm>
#include <map>
#include <random>
#include <set>
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

std::vector<std::string_view> pattern_segments(std::string_view pattern) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  for (;;) {
    const auto stop = pattern.find('/', start);
    out.push_back(pattern.substr(start, stop == std::string_view::npos ? stop : stop - start));
    if (stop == std::string_view::npos) return out;
    start = stop + 1;
  }
}

int rank(std::string_view segment) {
  if (!segment.empty() && segment[0] == ':') return 2;
  if (!segment.empty() && segment[0] == '*') return 3;
  return 1;
}

// Compares `a` and `b`, both matching one path, at their first segment of
// different kinds: < 0 when `a` takes precedence, > 0 when `b` does. 0 when
// there is none: matching one path, their static segments have the same
// text, so they differ in parameter names at most and tie.
int compare_precedence(std::string_view a, std::string_view b) {
  const auto sa = pattern_segments(a), sb = pattern_segments(b);
  for (std::size_t i = 0; i < std::min(sa.size(), sb.size()); ++i) {
    if (rank(sa[i]) != rank(sb[i])) return rank(sa[i]) - rank(sb[i]);
  }
  return 0;
}

// Shape of a pattern: its parameter and catch-all names dropped.
std::string shape_of(std::string_view pattern) {
  std::string out;
  for (const auto segment : pattern_segments(pattern)) {
    out += '/';
    out += rank(segment) == 1 ? segment : segment.substr(0, 1);
  }
  return out;
}

const Route* reference_match(const Router& router, Method method, std::string_view path,
                             std::vector<Param>& params) {
  const Route* best = nullptr;
  std::vector<Param> candidate;
  for (const auto& route : router.routes()) {
    candidate.clear();
    if (route->method != method || !pattern_matches(route->pattern, path, candidate)) continue;
    const int order = best == nullptr ? -1 : compare_precedence(route->pattern, best->pattern);
    if (order == 0) {
      ADD_FAILURE() << to_string(method) << " " << path << " matches " << describe(*route) << " and "
                    << describe(*best) << ", which tie: the router should have refused one";
    }
    if (order < 0) {
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

// Random routes over a few words, with parameters and catch-alls beside
// static segments at every depth, so lookups often take a static branch
// that fails deeper down and must fall back. Words of 1 to 41 bytes, some
// differing only in their middle, test every way a segment is compared.
const std::vector<std::string> kWords = {"a", "b", "ab", "new", "eight-ch", "nine-char",
                                         "sixteen-chars-ok", "seventeen-chars-x", "seventeeN-chars-x",
                                         "a-segment-that-is-forty-one-bytes-long-!!",
                                         "a-segment-THAT-is-forty-one-bytes-long-!!"};

// A random pattern of 1 to 5 segments; `name(d)` names a parameter or
// catch-all at depth d.
template <typename Rng, typename Name>
std::string random_pattern(Rng& pick, Name&& name) {
  std::string pattern;
  const std::size_t depth = 1 + pick(5);
  for (std::size_t d = 0; d < depth; ++d) {
    const std::size_t kind = pick(10);
    if (kind < 6) {
      pattern += "/" + kWords[pick(kWords.size())];
    } else if (kind < 9 || d + 1 < depth || d == 0) {  // no catch-all of everything
      pattern += "/:" + name(d);
    } else {
      pattern += "/*" + name(d);
    }
  }
  if (pattern.find('*') == std::string::npos && pick(8) == 0) pattern += "/";
  return pattern;
}

// Random paths over the same words, then one example path per route.
template <typename Rng>
std::vector<std::pair<Method, std::string>> random_probes(Rng& pick, const Router& router) {
  std::vector<std::pair<Method, std::string>> probes;
  for (int i = 0; i < 6000; ++i) {
    std::string path;
    const std::size_t depth = pick(8);
    for (std::size_t d = 0; d < depth; ++d) {
      const std::size_t kind = pick(10);
      path += "/";
      if (kind < 7) {
        path += kWords[pick(kWords.size())];
      } else if (kind < 9) {
        path += "v" + std::to_string(pick(100));
      }  // else: an empty segment
    }
    if (path.empty() || pick(10) == 0) path += "/";
    probes.emplace_back(Method::GET, path);
  }
  for (const auto& route : router.routes()) probes.emplace_back(Method::GET, example_path(route->pattern, 3));
  return probes;
}

TEST(RouterReference, AgreesWithBruteForceWhereBranchesDeadEnd) {
  std::mt19937_64 rng(7);
  auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  Router router;
  for (RouteId id = 0; router.size() < 300 && id < 2000; ++id) {
    // Names by depth: the same position always has the same name.
    const auto pattern = random_pattern(pick, [](std::size_t d) { return "p" + std::to_string(d); });
    if (auto error = router.add(Method::GET, pattern, id)) {
      ASSERT_EQ(error->kind, RouteError::Kind::Duplicate) << error->message;
    }
  }
  ASSERT_EQ(router.size(), 300u);
  const auto probes = random_probes(pick, router);
  std::size_t found = 0;
  ASSERT_NO_FATAL_FAILURE(expect_agreement(router, probes, found));
  EXPECT_GT(found, probes.size() / 4);
  EXPECT_LT(found, probes.size());
}

TEST(RouterReference, AgreesWithBruteForceWhereParameterNamesDifferAtOnePosition) {
  // As above, but each parameter takes one of four names at random, so
  // routes through one position name it differently: every such set is
  // accepted unless two patterns have the same shape, and each match
  // carries its own route's names.
  const std::vector<std::string> names = {"id", "user_id", "name", "key"};
  for (const std::uint64_t seed : {11u, 12u, 13u}) {
    std::mt19937_64 rng(seed);
    auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    Router router;
    std::size_t conflicts = 0;
    for (RouteId id = 0; router.size() < 300 && id < 3000; ++id) {
      // The depth keeps a name once per pattern.
      const auto pattern = random_pattern(pick, [&](std::size_t d) { return names[pick(names.size())] + std::to_string(d); });
      auto error = router.add(Method::GET, pattern, id);
      if (!error) continue;
      // Refused only when both patterns match the same paths, naming both.
      ASSERT_NE(error->kind, RouteError::Kind::BadPattern) << error->message;
      ASSERT_NE(error->existing, nullptr) << error->message;
      ASSERT_EQ(shape_of(error->existing->pattern), shape_of(pattern)) << error->message;
      EXPECT_NE(error->message.find(describe(*error->existing)), std::string::npos) << error->message;
      EXPECT_EQ(error->message.rfind("GET " + pattern + " ", 0), 0u) << error->message;
      conflicts += error->kind == RouteError::Kind::Conflict;
    }
    ASSERT_EQ(router.size(), 300u);
    EXPECT_GT(conflicts, 0u) << "seed " << seed << ": real ambiguities must be tried too";

    // Positions (a shape of the pattern up to a parameter) that routes name
    // differently: the set must have many of them.
    std::map<std::string, std::set<std::string>> names_at;
    for (const auto& route : router.routes()) {
      const auto segments = pattern_segments(route->pattern);
      std::string prefix;
      for (const auto segment : segments) {
        prefix += '/';
        prefix += rank(segment) == 1 ? segment : segment.substr(0, 1);
        if (rank(segment) != 1) names_at[prefix].insert(std::string(segment.substr(1)));
      }
    }
    const auto mixed = std::count_if(names_at.begin(), names_at.end(), [](const auto& p) { return p.second.size() > 1; });
    EXPECT_GT(mixed, 20) << "seed " << seed;

    const auto probes = random_probes(pick, router);
    std::size_t found = 0;
    ASSERT_NO_FATAL_FAILURE(expect_agreement(router, probes, found)) << "seed " << seed;
    EXPECT_GT(found, probes.size() / 4);
    EXPECT_LT(found, probes.size());
  }
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
