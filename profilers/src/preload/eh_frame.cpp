#include "eh_frame.hpp"

#include <link.h>

#include <cstring>
#include <limits>

namespace vigil::preload {
namespace {

// Pointer encodings (DW_EH_PE_*): the low nibble is the format, bits 4-6
// what the value is relative to.
constexpr std::uint8_t kFormatMask = 0x0f, kRelativeMask = 0x70, kIndirect = 0x80, kOmit = 0xff;
constexpr std::uint8_t kAbsolute = 0x00, kULeb = 0x01, kUData2 = 0x02, kUData4 = 0x03, kUData8 = 0x04,
                       kSLeb = 0x09, kSData2 = 0x0a, kSData4 = 0x0b, kSData8 = 0x0c;
constexpr std::uint8_t kPcRelative = 0x10, kDataRelative = 0x30;
// What the search table of every GNU linker's .eh_frame_hdr uses.
constexpr std::uint8_t kTableEncoding = kDataRelative | kSData4;

// DWARF register numbers of x86-64.
constexpr std::uint64_t kRbp = 6, kRsp = 7;

constexpr unsigned kStateStack = 8;  // DW_CFA_remember_state nesting gcc never comes near

// A little-endian reader that never reads past `end`; once a read would,
// it stays failed and returns zeros.
class Reader {
 public:
  Reader(const std::uint8_t* p, const std::uint8_t* end) : p_(p), end_(end) {
    if (p_ > end_) fail();
  }
  bool ok() const { return ok_; }
  bool done() const { return !ok_ || p_ >= end_; }
  const std::uint8_t* at() const { return p_; }

  template <typename T>
  T fixed() {
    T v{};
    if (!ok_ || static_cast<std::size_t>(end_ - p_) < sizeof(T)) return fail(), v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  std::uint64_t uleb() {
    std::uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
      const auto b = fixed<std::uint8_t>();
      if (shift < 64) v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return fail(), 0;
  }
  std::int64_t sleb() {
    std::uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
      const auto b = fixed<std::uint8_t>();
      if (shift < 64) v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        if ((b & 0x40) && shift + 7 < 64) v |= ~std::uint64_t{0} << (shift + 7);
        return static_cast<std::int64_t>(v);
      }
    }
    return fail(), 0;
  }
  void skip(std::uint64_t n) {
    if (!ok_ || static_cast<std::uint64_t>(end_ - p_) < n) return fail();
    p_ += n;
  }
  // A value in the format part of `encoding`.
  std::uint64_t value(std::uint8_t encoding) {
    switch (encoding & kFormatMask) {
      case kAbsolute:
      case kUData8:
      case kSData8: return fixed<std::uint64_t>();
      case kULeb: return uleb();
      case kUData2: return fixed<std::uint16_t>();
      case kUData4: return fixed<std::uint32_t>();
      case kSLeb: return static_cast<std::uint64_t>(sleb());
      case kSData2: return static_cast<std::uint64_t>(static_cast<std::int64_t>(fixed<std::int16_t>()));
      case kSData4: return static_cast<std::uint64_t>(static_cast<std::int64_t>(fixed<std::int32_t>()));
      default: return fail(), 0;
    }
  }
  // An address in `encoding`: pc-relative to where it is stored, or
  // data-relative to `data_base`. Indirect addresses are never needed here
  // (only personality routines use them) and count as malformed.
  std::uintptr_t address(std::uint8_t encoding, std::uintptr_t data_base) {
    const auto here = reinterpret_cast<std::uintptr_t>(p_);
    const std::uint64_t v = value(encoding);
    if (encoding & kIndirect) return fail(), 0;
    switch (encoding & kRelativeMask) {
      case 0: return v;
      case kPcRelative: return here + v;
      case kDataRelative: return data_base + v;
      default: return fail(), 0;
    }
  }

 private:
  void fail() { ok_ = false; }
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  bool ok_ = true;
};

// The length field that opens every CIE and FDE. The 64-bit format
// (0xffffffff) is never emitted for .eh_frame by GNU tools: not followed.
const std::uint8_t* record_end(Reader& r) {
  const auto length = r.fixed<std::uint32_t>();
  if (!r.ok() || length == 0 || length == 0xffffffffu) return nullptr;
  return r.at() + length;
}

}  // namespace

struct EhFrame::Cie {
  std::uint64_t code_align = 1;
  std::int64_t data_align = 1;
  std::uint64_t return_register = 16;
  std::uint8_t fde_encoding = kAbsolute;
  bool augmented = false;  // 'z': FDEs carry augmentation data to skip
  bool signal_frame = false;
  const std::uint8_t* program = nullptr;
  const std::uint8_t* end = nullptr;
};

struct EhFrame::Fde {
  Cie cie;
  std::uintptr_t start = 0;
  std::uint64_t range = 0;
  const std::uint8_t* program = nullptr;
  const std::uint8_t* end = nullptr;
};

struct EhFrame::Row {
  struct Saved {
    enum Kind : std::uint8_t { Unchanged, Undefined, AtOffset, Other } kind = Unchanged;
    std::int64_t offset = 0;
  };
  std::uint64_t cfa_register = ~std::uint64_t{0};
  std::int64_t cfa_offset = 0;
  bool cfa_expression = false;
  Saved rbp, ra;
};

EhFrame::EhFrame(const std::uint8_t* hdr, std::uintptr_t lo, std::uintptr_t hi) : hdr_(hdr), lo_(lo), hi_(hi) {
  const auto start = reinterpret_cast<std::uintptr_t>(hdr);
  if (!hdr || start < lo || start >= hi) return;
  Reader r(hdr, reinterpret_cast<const std::uint8_t*>(hi));
  const auto version = r.fixed<std::uint8_t>();
  const auto frame_encoding = r.fixed<std::uint8_t>();
  const auto count_encoding = r.fixed<std::uint8_t>();
  const auto table_encoding = r.fixed<std::uint8_t>();
  if (!r.ok() || version != 1 || frame_encoding == kOmit || count_encoding == kOmit ||
      table_encoding != kTableEncoding)
    return;
  r.address(frame_encoding, start);
  const std::uint64_t count = r.address(count_encoding, start);
  const std::uint8_t* table = r.at();
  if (!r.ok() || count == 0 || count > (hi - reinterpret_cast<std::uintptr_t>(table)) / 8) return;
  table_ = table;
  count_ = static_cast<std::size_t>(count);
}

EhFrame::Location EhFrame::locate(const dl_phdr_info& module) {
  const ElfW(Phdr)* eh_frame = nullptr;
  for (int i = 0; i < module.dlpi_phnum; ++i)
    if (module.dlpi_phdr[i].p_type == PT_GNU_EH_FRAME) eh_frame = &module.dlpi_phdr[i];
  const std::uintptr_t hdr = eh_frame ? module.dlpi_addr + eh_frame->p_vaddr : 0;
  // The loaded segment that holds the header (and .eh_frame beside it).
  for (int i = 0; eh_frame && i < module.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = module.dlpi_phdr[i];
    const std::uintptr_t lo = module.dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && hdr >= lo && hdr < lo + ph.p_memsz)
      return Location{reinterpret_cast<const std::uint8_t*>(hdr), lo, lo + ph.p_memsz};
  }
  return Location{};
}

const std::uint8_t* EhFrame::fde_at(std::size_t index) const {
  std::int32_t offset;
  std::memcpy(&offset, table_ + index * 8 + 4, sizeof offset);
  const std::uintptr_t fde = reinterpret_cast<std::uintptr_t>(hdr_) + static_cast<std::intptr_t>(offset);
  return fde >= lo_ && fde < hi_ ? reinterpret_cast<const std::uint8_t*>(fde) : nullptr;
}

const std::uint8_t* EhFrame::find_fde(std::uintptr_t address) const {
  const auto base = reinterpret_cast<std::uintptr_t>(hdr_);
  // The last entry whose function starts at or below `address`.
  std::size_t a = 0, b = count_;
  while (a < b) {
    const std::size_t mid = a + (b - a) / 2;
    std::int32_t start;
    std::memcpy(&start, table_ + mid * 8, sizeof start);
    if (base + static_cast<std::intptr_t>(start) <= address) a = mid + 1;
    else b = mid;
  }
  return a == 0 ? nullptr : fde_at(a - 1);
}

bool EhFrame::parse_cie(const std::uint8_t* cie, Cie& out) const {
  const auto* segment_end = reinterpret_cast<const std::uint8_t*>(hi_);
  Reader head(cie, segment_end);
  const std::uint8_t* end = record_end(head);
  if (!end || end > segment_end) return false;
  Reader r(head.at(), end);
  const auto id = r.fixed<std::uint32_t>();
  const auto version = r.fixed<std::uint8_t>();
  if (!r.ok() || id != 0 || (version != 1 && version != 3)) return false;
  const auto* augmentation = r.at();
  while (r.fixed<std::uint8_t>() != 0 && r.ok()) {
  }
  if (!r.ok()) return false;
  const std::size_t augmentation_length = static_cast<std::size_t>(r.at() - augmentation) - 1;
  if (augmentation_length > 0 && augmentation[0] != 'z') return false;  // e.g. the obsolete "eh"
  out.code_align = r.uleb();
  out.data_align = r.sleb();
  out.return_register = version == 1 ? r.fixed<std::uint8_t>() : r.uleb();
  if (augmentation_length > 0) {
    out.augmented = true;
    const std::uint64_t data_length = r.uleb();
    Reader data(r.at(), end);
    r.skip(data_length);
    for (std::size_t i = 1; i < augmentation_length && data.ok(); ++i) {
      switch (augmentation[i]) {
        case 'L': data.fixed<std::uint8_t>(); break;
        case 'P': data.value(data.fixed<std::uint8_t>()); break;
        case 'R': out.fde_encoding = data.fixed<std::uint8_t>(); break;
        case 'S': out.signal_frame = true; break;
        default: i = augmentation_length; break;  // unknown: the rest is skipped by its length
      }
    }
    if (!data.ok()) return false;
  }
  out.program = r.at();
  out.end = end;
  return r.ok();
}

bool EhFrame::parse_fde(const std::uint8_t* fde, Fde& out) const {
  const auto* segment_end = reinterpret_cast<const std::uint8_t*>(hi_);
  Reader head(fde, segment_end);
  const std::uint8_t* end = record_end(head);
  if (!end || end > segment_end) return false;
  Reader r(head.at(), end);
  const auto* cie_pointer_field = r.at();
  const auto cie_offset = r.fixed<std::uint32_t>();
  if (!r.ok() || cie_offset == 0) return false;  // a CIE, not an FDE
  const auto cie_at = reinterpret_cast<std::uintptr_t>(cie_pointer_field) - cie_offset;
  if (cie_at < lo_ || cie_at >= hi_ || !parse_cie(reinterpret_cast<const std::uint8_t*>(cie_at), out.cie)) return false;
  out.start = r.address(out.cie.fde_encoding, 0);
  out.range = r.value(out.cie.fde_encoding);
  if (out.cie.augmented) r.skip(r.uleb());
  out.program = r.at();
  out.end = end;
  return r.ok() && !out.cie.signal_frame;
}

// Runs call-frame instructions into a row, up to the row of one address
// (or through the whole program), with the CIE's row as the one
// DW_CFA_restore goes back to.
class EhFrame::RowBuilder {
 public:
  RowBuilder(const Cie& cie, std::uintptr_t start, std::uintptr_t address, Row& row, FrameShape* shape)
      : cie_(cie), address_(address), whole_(address == 0), location_(start), row_(row), shape_(shape) {}

  // False on a malformed or unknown instruction.
  bool run(Reader program, const Row* restore_from) {
    restore_from_ = restore_from;
    while (!program.done()) {
      switch (execute(program)) {
        case Step::Next: break;
        case Step::Complete: return true;
        case Step::Bad: return false;
      }
      if (shape_ && !row_.cfa_expression) {
        if (row_.cfa_register == kRbp) shape_->from_rbp = true;
        if (row_.cfa_register == kRbp || row_.cfa_offset > 8) shape_->has_frame = true;
      }
    }
    return program.ok();
  }

 private:
  enum class Step { Next, Complete, Bad };

  Row::Saved* rule_of(std::uint64_t reg) {
    if (reg == kRbp) return &row_.rbp;
    if (reg == cie_.return_register) return &row_.ra;
    return nullptr;  // registers the walk does not need
  }
  void set(std::uint64_t reg, Row::Saved::Kind kind, std::int64_t offset = 0) {
    if (Row::Saved* s = rule_of(reg)) *s = Row::Saved{kind, offset};
  }
  void restore(std::uint64_t reg) {
    Row::Saved* s = rule_of(reg);
    if (s && restore_from_) *s = reg == kRbp ? restore_from_->rbp : restore_from_->ra;
  }
  // Complete once the next row starts past the address.
  Step advance(std::uint64_t delta) {
    if (!whole_ && delta * cie_.code_align > address_ - location_) return Step::Complete;
    location_ += delta * cie_.code_align;
    return Step::Next;
  }
  void define_cfa(std::uint64_t reg, std::int64_t offset) {
    row_.cfa_register = reg;
    row_.cfa_offset = offset;
    row_.cfa_expression = false;
  }
  std::int64_t factored(std::uint64_t v) const { return static_cast<std::int64_t>(v) * cie_.data_align; }

  // One instruction (DW_CFA_*).
  Step execute(Reader& p) {
    const auto op = p.fixed<std::uint8_t>();
    const std::uint8_t low = op & 0x3f;
    switch (op & 0xc0) {
      case 0x40: return advance(low);                                       // advance_loc
      case 0x80: set(low, Row::Saved::AtOffset, factored(p.uleb())); return Step::Next;  // offset
      case 0xc0: restore(low); return Step::Next;                           // restore
      default: break;
    }
    switch (op) {
      case 0x00: return Step::Next;  // nop
      case 0x01: {                   // set_loc
        const std::uintptr_t to = p.address(cie_.fde_encoding, 0);
        if (to < location_) return Step::Bad;
        if (!whole_ && to > address_) return Step::Complete;
        location_ = to;
        return Step::Next;
      }
      case 0x02: return advance(p.fixed<std::uint8_t>());   // advance_loc1
      case 0x03: return advance(p.fixed<std::uint16_t>());  // advance_loc2
      case 0x04: return advance(p.fixed<std::uint32_t>());  // advance_loc4
      case 0x05: {                                          // offset_extended
        const auto reg = p.uleb();
        set(reg, Row::Saved::AtOffset, factored(p.uleb()));
        return Step::Next;
      }
      case 0x06: restore(p.uleb()); return Step::Next;                   // restore_extended
      case 0x07: set(p.uleb(), Row::Saved::Undefined); return Step::Next;  // undefined
      case 0x08: set(p.uleb(), Row::Saved::Unchanged); return Step::Next;  // same_value
      case 0x09: {                                                       // register: in another register
        const auto reg = p.uleb();
        p.uleb();
        set(reg, Row::Saved::Other);
        return Step::Next;
      }
      case 0x0a:  // remember_state
        if (depth_ == kStateStack) return Step::Bad;
        stack_[depth_++] = row_;
        return Step::Next;
      case 0x0b:  // restore_state
        if (depth_ == 0) return Step::Bad;
        row_ = stack_[--depth_];
        return Step::Next;
      case 0x0c: {  // def_cfa
        const auto reg = p.uleb();
        define_cfa(reg, static_cast<std::int64_t>(p.uleb()));
        return Step::Next;
      }
      case 0x0d: define_cfa(p.uleb(), row_.cfa_offset); return Step::Next;      // def_cfa_register
      case 0x0e: row_.cfa_offset = static_cast<std::int64_t>(p.uleb()); return Step::Next;  // def_cfa_offset
      case 0x0f:  // def_cfa_expression
        p.skip(p.uleb());
        row_.cfa_expression = true;
        return Step::Next;
      case 0x10:    // expression
      case 0x16: {  // val_expression
        const auto reg = p.uleb();
        p.skip(p.uleb());
        set(reg, Row::Saved::Other);
        return Step::Next;
      }
      case 0x11: {  // offset_extended_sf
        const auto reg = p.uleb();
        set(reg, Row::Saved::AtOffset, p.sleb() * cie_.data_align);
        return Step::Next;
      }
      case 0x12: {  // def_cfa_sf
        const auto reg = p.uleb();
        define_cfa(reg, p.sleb() * cie_.data_align);
        return Step::Next;
      }
      case 0x13: row_.cfa_offset = p.sleb() * cie_.data_align; return Step::Next;  // def_cfa_offset_sf
      case 0x14:    // val_offset
      case 0x15: {  // val_offset_sf
        const auto reg = p.uleb();
        if (op == 0x14) p.uleb();
        else p.sleb();
        set(reg, Row::Saved::Other);
        return Step::Next;
      }
      case 0x2e: p.uleb(); return Step::Next;  // GNU_args_size
      case 0x2f: {                             // GNU_negative_offset_extended
        const auto reg = p.uleb();
        set(reg, Row::Saved::AtOffset, -factored(p.uleb()));
        return Step::Next;
      }
      default: return Step::Bad;
    }
  }

  const Cie& cie_;
  const std::uintptr_t address_;
  const bool whole_;
  std::uintptr_t location_;
  Row& row_;
  FrameShape* shape_;
  const Row* restore_from_ = nullptr;
  Row stack_[kStateStack];
  unsigned depth_ = 0;
};

bool EhFrame::run_fde(const std::uint8_t* fde, std::uintptr_t address, Row& row, FrameShape* shape) const {
  Fde f;
  if (!parse_fde(fde, f)) return false;
  if (address != 0 && (address < f.start || address - f.start >= f.range)) return false;
  RowBuilder builder(f.cie, f.start, address, row, shape);
  if (!builder.run(Reader(f.cie.program, f.cie.end), nullptr)) return false;
  const Row initial = row;
  return builder.run(Reader(f.program, f.end), &initial);
}

FrameRule EhFrame::rule_for_return_address(std::uintptr_t return_address) const {
  FrameRule rule;
  if (!valid() || return_address == 0) return rule;
  const std::uintptr_t call = return_address - 1;
  const std::uint8_t* fde = find_fde(call);
  Row row;
  if (!fde || !run_fde(fde, call, row, nullptr)) return rule;
  const bool cfa_ok = !row.cfa_expression && (row.cfa_register == kRsp || row.cfa_register == kRbp);
  const bool ra_ok = row.ra.kind == Row::Saved::AtOffset;
  const bool rbp_ok = row.rbp.kind != Row::Saved::Other;
  constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
  auto fits = [&](std::int64_t v) { return v >= -kMax && v <= kMax; };
  if (!cfa_ok || !ra_ok || !rbp_ok || !fits(row.cfa_offset) || !fits(row.ra.offset) || !fits(row.rbp.offset))
    return rule;
  rule.usable = true;
  rule.cfa_from_rbp = row.cfa_register == kRbp;
  rule.cfa_offset = static_cast<std::int32_t>(row.cfa_offset);
  rule.ra_offset = static_cast<std::int32_t>(row.ra.offset);
  rule.rbp_saved = row.rbp.kind == Row::Saved::AtOffset;
  rule.rbp_offset = static_cast<std::int32_t>(row.rbp.offset);
  return rule;
}

unsigned EhFrame::count_frame_pointer_functions(unsigned samples, unsigned* examined) const {
  unsigned with = 0, seen = 0;
  for (unsigned i = 0; valid() && i < samples; ++i) {
    const std::size_t index = samples >= count_ ? i : static_cast<std::size_t>(i) * count_ / samples;
    if (index >= count_) break;
    const std::uint8_t* fde = fde_at(index);
    Row row;
    FrameShape shape;
    if (!fde || !run_fde(fde, 0, row, &shape) || !shape.has_frame) continue;
    ++seen;
    if (shape.from_rbp) ++with;
  }
  *examined = seen;
  return with;
}

}  // namespace vigil::preload
