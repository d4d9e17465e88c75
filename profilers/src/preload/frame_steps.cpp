#include "frame_steps.hpp"

#include <link.h>

#include "mapped_memory.hpp"

namespace vigil::preload {

FrameSteps g_frame_steps;

namespace {

bool fits_slots(std::int32_t offset, int bits) {
  const std::int32_t slots = offset / 8, limit = 1 << (bits - 1);
  return offset % 8 == 0 && slots >= -limit && slots < limit;
}

struct RuleSearch {
  std::uintptr_t address;
  FrameRule rule;
};

int rule_of_module(dl_phdr_info* info, size_t, void* data) {
  auto* search = static_cast<RuleSearch*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    // The call is the instruction before the return address.
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && search->address > lo && search->address <= lo + ph.p_memsz) {
      search->rule = EhFrame::of(*info).rule_for_return_address(search->address);
      return 1;
    }
  }
  return 0;
}

const CodeRange* code_of(std::uintptr_t return_address, Lookup lookup) {
  // The call is the instruction before the return address.
  const CodeRange* code = g_code_map.find(return_address - 1);
  if (!code && lookup == Lookup::Locked && g_code_map.refresh()) code = g_code_map.find(return_address - 1);
  if (!code && lookup == Lookup::InPlace) g_code_map_stale.store(true, std::memory_order_relaxed);
  return code;
}

}  // namespace

FrameRule read_frame_rule(std::uintptr_t return_address) {
  RuleSearch search{return_address, {}};
  ::dl_iterate_phdr(rule_of_module, &search);
  return search.rule;
}

bool FrameSteps::init() {
  if (slots_) return true;
  slots_ = static_cast<Slot*>(map_memory(sizeof(Slot) << kSlotBits));
  return slots_ != nullptr;
}

bool FrameSteps::pack(const FrameRule& r, std::uint64_t* out) {
  if (!r.usable) {
    *out = 0;
    return true;
  }
  if (!fits_slots(r.ra_offset, 8) || !fits_slots(r.rbp_offset, 12)) return false;
  *out = kUsable | (r.cfa_from_rbp ? kFromRbp : 0) | (r.rbp_saved ? kRbpSaved : 0) |
         (static_cast<std::uint64_t>(static_cast<std::uint8_t>(r.ra_offset / 8)) << 4) |
         (static_cast<std::uint64_t>(static_cast<std::uint16_t>(r.rbp_offset / 8) & 0xfff) << 12) |
         (static_cast<std::uint64_t>(static_cast<std::uint32_t>(r.cfa_offset)) << 32);
  return true;
}

FrameStep FrameSteps::find_and_remember(Slot& slot, std::uintptr_t return_address, Lookup lookup) {
  FrameStep step;
  step.code = code_of(return_address, lookup);
  if (step.code && !step.code->frame_pointers) {
    if (lookup == Lookup::Locked) {
      step.rule = read_frame_rule(return_address);
    } else {
      const CodeRange& c = *step.code;
      step.rule = EhFrame(c.eh_frame_hdr, c.eh_frame_lo, c.eh_frame_hi).rule_for_return_address(return_address);
    }
  }
  std::uint64_t packed;
  if (pack(step.rule, &packed)) {
    const auto where = reinterpret_cast<std::uintptr_t>(step.code);
    slot.rule.store(packed, std::memory_order_relaxed);
    slot.code.store(where, std::memory_order_relaxed);
    slot.check.store(return_address ^ scramble(packed ^ where), std::memory_order_relaxed);
  }
  return step;
}

void FrameSteps::clear() {
  for (std::size_t i = 0; slots_ && i < (std::size_t{1} << kSlotBits); ++i)
    slots_[i].check.store(0, std::memory_order_relaxed);
}

}  // namespace vigil::preload
