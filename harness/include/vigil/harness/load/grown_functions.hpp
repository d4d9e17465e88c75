#pragma once
// Where a degraded server's time went: the functions whose share of its CPU
// samples grew significantly from the profile of the first judged window to
// that of the last, as `vigil-report diff` of the two profiles names them
// (reports::compare_profiles: two-proportion z-test on the sample counts,
// Holm-adjusted). Named in the degradation finding only: without one,
// nothing is claimed.

#include <cstddef>
#include <vector>

#include "vigil/reports/profile.hpp"
#include "vigil/reports/profile_shares.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::harness::load {

// The functions whose self or total share grew significantly, in
// compare_profiles' order (largest self change first).
std::vector<reports::ShareChange> grown_functions(const reports::Profile& first, const reports::Profile& last);

// Names in the "degradation" finding of `findings`, if there is one, the
// first `most` functions that grew (its message) and all of them (its
// extra "grown_functions"), or that none grew beyond sampling noise.
void name_grown_functions(std::vector<reports::Finding>& findings, const reports::Profile& first,
                          const reports::Profile& last, std::size_t most = 3);

}  // namespace vigil::harness::load
