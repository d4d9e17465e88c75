#include "vigil/profilers/site_growth.hpp"

#include <algorithm>

namespace vigil::profilers {
namespace {

// Where the block count last rose to a new high in the judged window (index
// into the whole series): after it the site holds a bounded number of blocks.
std::size_t blocks_settled_at(std::span<const double> blocks, std::size_t first) {
  std::size_t settled = first;
  double high = first < blocks.size() ? blocks[first] : 0;
  for (std::size_t t = first + 1; t < blocks.size(); ++t) {
    if (blocks[t] > high) {
      high = blocks[t];
      settled = t;
    }
  }
  return settled;
}

// Bytes grown since `from`: the lowest of the last eighth of the series
// against the value at `from` (what the site kept, not a passing high).
double bytes_grown_since(std::span<const double> bytes, std::size_t from) {
  const std::size_t tail = std::max<std::size_t>(1, (bytes.size() - from) / 8);
  const double late_low = *std::min_element(bytes.end() - static_cast<std::ptrdiff_t>(tail), bytes.end());
  return late_low - bytes[from];
}

// The blocks, bytes and drift rules; the slight rule comes after.
void decide(SiteJudgement& site, std::span<const double> live_bytes, std::span<const double> live_blocks,
            const GrowthOptions& options) {
  // Rule: a block count that keeps rising is a leak, whatever the bytes do
  // (as long as they grow faster than the floor asked for).
  if (site.blocks.growing) {
    if (site.bytes.fit.slope > options.min_slope) {
      site.outcome = SiteOutcome::Leak;
      site.shape = site.blocks.shape;
      site.in_blocks = true;
    }
    return;
  }
  if (site.bytes.fit.slope <= options.min_slope) {
    site.shape = site.bytes.shape;
    return;
  }
  // Rule: blocks that come one at a time, each twice the size of the last
  // (an arena or pool whose chunks double), keep no pace in number: their
  // bytes do, and a doubling there is a leak.
  if (site.blocks.shape == GrowthShape::TooShort && site.bytes.growing && site.bytes.shape == GrowthShape::Doubling) {
    site.outcome = SiteOutcome::Leak;
    site.shape = GrowthShape::Doubling;
    return;
  }
  // A block count that rose once or twice, not stopped: whether it is bounded
  // is what the run cannot tell.
  if (site.blocks.shape == GrowthShape::TooShort) {
    site.outcome = SiteOutcome::TooShort;
    site.shape = GrowthShape::TooShort;
    site.in_blocks = true;
    return;
  }
  if (!site.bytes.growing && site.bytes.shape != GrowthShape::TooShort) {
    site.shape = site.bytes.shape;
    return;
  }

  // Rule: with the block count bounded, bytes must grow by a real share of
  // what the blocks held when their count settled. Sizes that creep (keys a
  // character longer as ids grow, strings reallocated a little larger) gain
  // a few percent; a block reallocated ever larger gains multiples of itself.
  const std::size_t settled = std::min(blocks_settled_at(live_blocks, site.blocks.fit.first), live_bytes.size() - 1);
  site.bytes_when_settled = live_bytes[settled];
  if (site.bytes_when_settled > 0) {
    site.drift = bytes_grown_since(live_bytes, settled) / site.bytes_when_settled;
    if (site.drift < options.max_drift) {
      site.shape = GrowthShape::Drift;
      return;
    }
  }
  // Rule: two alike rises on the beat stand for an arena's chunks, which add
  // blocks. Over a block count that stays put they are buffers reallocated
  // larger once each (a string and the one it is swapped with meeting a
  // bigger body): as few as that cannot tell.
  if (site.bytes.growing && site.bytes.steps.rises.size() >= options.min_rises) {
    site.outcome = SiteOutcome::Leak;
    site.shape = site.bytes.shape;
    return;
  }
  site.outcome = SiteOutcome::TooShort;
  site.shape = GrowthShape::TooShort;
}

}  // namespace

SiteJudgement judge_site(std::span<const double> live_bytes, std::span<const double> live_blocks,
                         double run_live_bytes, const GrowthOptions& options) {
  SiteJudgement site;
  GrowthOptions block_options = options;
  block_options.min_slope = 0;  // a block count has no size floor: any steady rise counts
  site.blocks = judge_growth(live_blocks, block_options);
  site.bytes = judge_growth(live_bytes, options);
  if (live_bytes.empty()) return site;
  decide(site, live_bytes, live_blocks, options);

  // Rule: a few rises are the highs of a bounded workload (a pool meeting a
  // bigger burst, a map reallocated when one queue beats its record) as often
  // as a leak: they count only when what they hold is a real share of the
  // site's own memory and of the run's. More rises count whatever their size.
  if (site.outcome != SiteOutcome::Clean) {
    const GrowthVerdict& view = site.in_blocks ? site.blocks : site.bytes;
    const double held = site.bytes.fit.held_growth;
    const bool slight = held < options.slight_share * run_live_bytes || held < options.max_drift * site.bytes.fit.start;
    // ... but a site too short to tell that at least doubled what it held is
    // said so: a leak that has only begun is that small against the run.
    const bool doubled = site.bytes.fit.start > 0 && held >= site.bytes.fit.start;
    const bool undecided_and_doubled = site.outcome == SiteOutcome::TooShort && doubled;
    if (slight && view.steps.rises.size() < options.few_rises && !undecided_and_doubled) {
      site.outcome = SiteOutcome::Clean;
      site.shape = GrowthShape::Slight;
    }
  }
  return site;
}

}  // namespace vigil::profilers
