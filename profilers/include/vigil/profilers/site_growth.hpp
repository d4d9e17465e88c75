#pragma once
// Growth judgement of one allocation site, its live bytes and its live blocks
// judged apart:
//  - blocks that keep growing (many small blocks, chunks, nodes) are a leak;
//  - bytes that keep growing while the blocks do not (one block reallocated
//    larger, a buffer doubling) are a leak when they outgrow the blocks' size
//    by a real share; a bounded number of blocks whose sizes creep up (ids
//    and keys a character longer) is size drift, not a leak;
//  - a few rises that hold under half the site's own bytes or under 1% of
//    the run's are slight: the highs of a bounded workload (a pool meeting a
//    bigger burst) look like that, and so does a leak too small to matter
//    yet; they need twice the rises before they are called a leak;
//  - either view too short to tell (and no drift, nothing slight) is said so.

#include <span>

#include "vigil/profilers/growth.hpp"

namespace vigil::profilers {

enum class SiteOutcome { Clean, Leak, TooShort };

struct SiteJudgement {
  SiteOutcome outcome = SiteOutcome::Clean;
  GrowthShape shape = GrowthShape::Flat;  // of the view that decided
  bool in_blocks = false;   // the number of blocks grows (else their sizes)
  GrowthVerdict bytes;
  GrowthVerdict blocks;
  double bytes_when_settled = 0;  // live bytes when the block count last rose (drift's yardstick)
  double drift = 0;               // bytes grown since then, as a share of them
};

// Judges a site's series (one value per cycle each, same length);
// `run_live_bytes` is the whole run's live memory at the end.
SiteJudgement judge_site(std::span<const double> live_bytes, std::span<const double> live_blocks,
                         double run_live_bytes, const GrowthOptions& options);

}  // namespace vigil::profilers
