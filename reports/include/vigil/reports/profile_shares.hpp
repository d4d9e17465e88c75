#pragma once
// Where a profile's time went, by function: self and total shares, and how
// they moved between two profiles with a test of whether the move is more
// than sampling noise.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vigil/reports/profile.hpp"

namespace vigil::reports {

// The name a frame goes by in folded stacks, flame graphs and share tables:
// its function, else "module+0xoffset" (module's file name), else "??".
std::string frame_name(const Frame& f);

std::uint64_t total_samples(const Profile& p);

struct FunctionShare {
  std::string function;
  std::uint64_t self = 0;   // samples where it was running
  std::uint64_t total = 0;  // samples where it was on the stack, once per stack even when recursive
  double self_share = 0;    // fractions of all samples
  double total_share = 0;
};

// Every function of the profile, largest self first (then total, then name).
std::vector<FunctionShare> function_shares(const Profile& p);

struct ShareChange {
  std::string function;
  std::uint64_t base_self = 0, current_self = 0, base_total = 0, current_total = 0;  // samples
  double base_self_share = 0, current_self_share = 0;  // fractions
  double base_total_share = 0, current_total_share = 0;
  double self_change = 0;   // points: (current - base) share x 100
  double total_change = 0;
  // Two-proportion z-test on the sample counts, two-sided, adjusted (Holm)
  // over every share tested in the pair of profiles.
  double self_p = 1, total_p = 1;
  bool self_significant = false, total_significant = false;
  bool significant() const { return self_significant || total_significant; }
};

// Every function of either profile, largest |self change| first (then
// |total change|). A profile without samples changes nothing.
std::vector<ShareChange> profile_changes(const Profile& base, const Profile& current, double alpha = 0.05);

// Two-sided p of the two-proportion z-test of x1 of n1 against x2 of n2
// (pooled variance); 1 when either n is 0 or the pooled share is 0 or 1.
double two_proportion_p(std::uint64_t x1, std::uint64_t n1, std::uint64_t x2, std::uint64_t n2);

}  // namespace vigil::reports
