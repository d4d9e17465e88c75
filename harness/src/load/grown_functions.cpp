#include "vigil/harness/load/grown_functions.hpp"

#include <fmt/format.h>

#include "vigil/reports/diff.hpp"

namespace vigil::harness::load {
namespace {

namespace rp = vigil::reports;

// What `vigil-report diff` uses when no thresholds are given.
constexpr double kAlpha = 0.05;
constexpr double kThresholdPoints = 5;

}  // namespace

std::vector<rp::ShareChange> grown_functions(const rp::Profile& first, const rp::Profile& last) {
  const rp::ProfileComparison c = rp::compare_profiles("server", first, last, nullptr, kThresholdPoints, kAlpha);
  std::vector<rp::ShareChange> grown;
  for (const auto& change : c.changes) {
    if (change.significant() && rp::profile_change_status(c, change) != "shrank") grown.push_back(change);
  }
  return grown;
}

void name_grown_functions(std::vector<rp::Finding>& findings, const rp::Profile& first, const rp::Profile& last,
                          std::size_t most) {
  for (auto& f : findings) {
    if (f.kind != "degradation") continue;
    const auto grown = grown_functions(first, last);
    const std::uint64_t n_first = rp::total_samples(first), n_last = rp::total_samples(last);
    if (grown.empty()) {
      f.message += fmt::format("; no function's share of the server's CPU samples grew beyond sampling noise from "
                               "the first judged window's profile to the last's ({} -> {} samples)",
                               n_first, n_last);
    } else {
      std::vector<std::string> named;
      for (std::size_t i = 0; i < grown.size() && i < most; ++i) named.push_back(rp::format_share_change(grown[i]));
      f.message += fmt::format("; from the first judged window's CPU profile to the last's ({} -> {} samples) {} "
                               "function(s) grew: {}{}",
                               n_first, n_last, grown.size(), fmt::join(named, "; "),
                               grown.size() > most ? fmt::format("; and {} more", grown.size() - most) : "");
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : grown) {
      list.push_back({{"function", c.function},
                      {"self_share_first", c.base_self_share},
                      {"self_share_last", c.current_self_share},
                      {"self_p", c.self_p},
                      {"total_share_first", c.base_total_share},
                      {"total_share_last", c.current_total_share},
                      {"total_p", c.total_p}});
    }
    f.extra["grown_functions"] = std::move(list);
    f.extra["profile_samples"] = {{"first_window", n_first}, {"last_window", n_last}};
  }
}

}  // namespace vigil::harness::load
