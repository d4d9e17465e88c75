#include "vigil/profilers/symbolizer.hpp"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <string_view>
#include <unordered_map>

namespace vigil::profilers {
namespace {

constexpr std::string_view kPreloadName = "libvigil_preload.so";

const Dwfl_Callbacks kCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

struct FreeDeleter {
  void operator()(Dwarf_Die* p) const { std::free(p); }
};

// A DIE chain as libdw returns it (malloc'd), innermost first.
struct Scopes {
  std::unique_ptr<Dwarf_Die, FreeDeleter> dies;
  int count = 0;
  Dwarf_Die* at(int i) const { return dies.get() + i; }
};

Scopes scopes_at(Dwarf_Die* cu, Dwarf_Addr pc) {
  Dwarf_Die* dies = nullptr;
  Scopes s;
  s.count = dwarf_getscopes(cu, pc, &dies);
  s.dies.reset(dies);
  return s;
}

Scopes scopes_around(Dwarf_Die* die) {
  Dwarf_Die* dies = nullptr;
  Scopes s;
  s.count = dwarf_getscopes_die(die, &dies);
  s.dies.reset(dies);
  return s;
}

// The scopes that contain pc as the CU lays them out: each inlined instance
// inside the one it was inlined into, out to the subprogram. dwarf_getscopes
// alone stops at the innermost inlined instance and goes on with the scopes
// of that function's abstract definition, which loses every caller between.
Scopes concrete_scopes_at(Dwarf_Die* cu, Dwarf_Addr pc) {
  Scopes at_pc = scopes_at(cu, pc);
  for (int i = 0; i < at_pc.count; ++i) {
    const int tag = dwarf_tag(at_pc.at(i));
    if (tag == DW_TAG_subprogram) break;  // nothing inlined at pc
    if (tag != DW_TAG_inlined_subroutine) continue;
    Dwarf_Die innermost = *at_pc.at(i);
    Scopes chain = scopes_around(&innermost);
    if (chain.count > 0) return chain;
    break;
  }
  return at_pc;
}

std::vector<Dwarf_Die> to_vector(const Scopes& scopes) {
  if (scopes.count <= 0) return {};
  return std::vector<Dwarf_Die>(scopes.at(0), scopes.at(scopes.count));
}

// The defining functions of a CU by address range (one entry per range: a
// function with a .cold part has two), sorted by start.
struct FunctionRange {
  Dwarf_Addr low = 0, high = 0;
  Dwarf_Die die;
};
using FunctionIndex = std::vector<FunctionRange>;

FunctionIndex index_functions(Dwarf_Die* cu) {
  FunctionIndex index;
  auto add = [](Dwarf_Die* function, void* arg) -> int {
    auto* out = static_cast<FunctionIndex*>(arg);
    Dwarf_Addr base = 0, low = 0, high = 0;
    for (ptrdiff_t at = 0; (at = dwarf_ranges(function, at, &base, &low, &high)) > 0;)
      out->push_back({low, high, *function});
    return DWARF_CB_OK;
  };
  dwarf_getfuncs(cu, add, &index, 0);
  std::sort(index.begin(), index.end(), [](const auto& a, const auto& b) { return a.low < b.low; });
  return index;
}

const Dwarf_Die* function_at(const FunctionIndex& index, Dwarf_Addr pc) {
  auto it = std::upper_bound(index.begin(), index.end(), pc, [](Dwarf_Addr a, const auto& r) { return a < r.low; });
  if (it == index.begin() || pc >= std::prev(it)->high) return nullptr;
  return &std::prev(it)->die;
}

bool is_code_scope(int tag) {
  return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block || tag == DW_TAG_try_block ||
         tag == DW_TAG_catch_block;
}

// From a function down through the blocks and inlined instances that contain
// pc; innermost first, the function last.
std::vector<Dwarf_Die> scopes_within(Dwarf_Die function, Dwarf_Addr pc) {
  std::vector<Dwarf_Die> chain{function};
  for (int depth = 0; depth < 256; ++depth) {  // bounded: malformed DWARF
    Dwarf_Die child;
    bool inside = false;
    if (dwarf_child(&chain.back(), &child) == 0) {
      do {
        inside = is_code_scope(dwarf_tag(&child)) && dwarf_haspc(&child, pc) == 1;
      } while (!inside && dwarf_siblingof(&child, &child) == 0);
    }
    if (!inside) break;
    chain.push_back(child);
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

// What `die` is an instance of: through DW_AT_abstract_origin (inlined and
// out-of-line copies) and DW_AT_specification (a member defined outside its
// class), to the declaration that sits inside its namespaces and classes.
Dwarf_Die declaration_of(Dwarf_Die die) {
  for (int hop = 0; hop < 8; ++hop) {  // bounded: malformed DWARF may loop
    Dwarf_Attribute attr;
    Dwarf_Die next;
    const bool linked = dwarf_attr(&die, DW_AT_abstract_origin, &attr) || dwarf_attr(&die, DW_AT_specification, &attr);
    if (!linked || !dwarf_formref_die(&attr, &next)) break;
    die = next;
  }
  return die;
}

bool is_named_scope(int tag) {
  return tag == DW_TAG_namespace || tag == DW_TAG_class_type || tag == DW_TAG_structure_type ||
         tag == DW_TAG_union_type || tag == DW_TAG_subprogram;
}

// DW_AT_name qualified by the enclosing namespaces and classes, for functions
// without a linkage name (GCC gives none to the unified constructors and
// destructors that it inlines, nor to C functions).
std::string qualified_name(Dwarf_Die* declaration) {
  const char* name = dwarf_diename(declaration);
  if (!name) return {};
  std::string qualified = name;
  const Scopes parents = scopes_around(declaration);
  for (int i = 1; i < parents.count; ++i) {
    Dwarf_Die* parent = parents.at(i);
    if (!is_named_scope(dwarf_tag(parent))) continue;
    const char* parent_name = dwarf_diename(parent);
    // Unnamed scopes spelled as the demangler spells them.
    const std::string prefix = parent_name ? parent_name
                               : dwarf_tag(parent) == DW_TAG_namespace ? "(anonymous namespace)"
                                                                      : "{unnamed type}";
    qualified = prefix + "::" + qualified;
  }
  return qualified;
}

std::string call_file(Dwarf_Die* inlined, Dwarf_Files* files) {
  Dwarf_Attribute attr;
  Dwarf_Word index = 0;
  if (!files || dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &index) != 0) return {};
  const char* file = dwarf_filesrc(files, index, nullptr, nullptr);
  return file ? file : "";
}

int call_line(Dwarf_Die* inlined) {
  Dwarf_Attribute attr;
  Dwarf_Word line = 0;
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &line) != 0) return 0;
  return static_cast<int>(line);
}

}  // namespace

std::string demangle(const std::string& name) {
  if (!name.starts_with("_Z")) return name;
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !out) return name;
  std::string result(out);
  std::free(out);
  return result;
}

reports::Frame SymbolizedFrame::to_report_frame() const {
  reports::Frame f;
  f.function = function;
  f.file = file;
  f.line = line;
  f.module = module;
  f.offset = offset;
  f.inlined = inlined;
  return f;
}

struct Symbolizer::Impl {
  Dwfl* dwfl = nullptr;
  std::unordered_map<std::uint64_t, std::vector<SymbolizedFrame>> cache;
  // Function names by declaration DIE: qualifying a name walks its CU.
  std::unordered_map<const void*, std::string> names;
  // Function indexes by CU DIE, built on a CU's first lookup.
  std::unordered_map<const void*, FunctionIndex> functions;

  std::string function_name(Dwarf_Die* scope);
  std::vector<Dwarf_Die> scopes_at(Dwarf_Die* cu, Dwarf_Addr pc);
  std::vector<SymbolizedFrame> debug_frames(const SymbolizedFrame& base, Dwfl_Module* mod, Dwarf_Addr pc);
};

std::string Symbolizer::Impl::function_name(Dwarf_Die* scope) {
  Dwarf_Attribute attr;
  for (int name_attr : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (dwarf_attr_integrate(scope, name_attr, &attr)) {
      if (const char* s = dwarf_formstring(&attr)) return demangle(s);
    }
  }
  Dwarf_Die declaration = declaration_of(*scope);
  auto [it, inserted] = names.try_emplace(declaration.addr);
  if (inserted) it->second = qualified_name(&declaration);
  return it->second;
}

// The scopes that contain pc, innermost first. dwarf_getscopes walks the
// whole CU for every address; the CU's function index makes a lookup a
// binary search and a walk down one function. Code outside any indexed
// function (assembly, odd DWARF) goes the long way.
std::vector<Dwarf_Die> Symbolizer::Impl::scopes_at(Dwarf_Die* cu, Dwarf_Addr pc) {
  auto [it, inserted] = functions.try_emplace(cu->addr);
  if (inserted) it->second = index_functions(cu);
  if (const Dwarf_Die* function = function_at(it->second, pc)) return scopes_within(*function, pc);
  return to_vector(concrete_scopes_at(cu, pc));
}

// Frames from DWARF, innermost first: one per inlined instance that contains
// pc, then the function they were inlined into. The innermost line comes
// from the line table; each outer frame's line is the call site recorded on
// the inlined instance inside it. Empty when pc has no debug info.
std::vector<SymbolizedFrame> Symbolizer::Impl::debug_frames(const SymbolizedFrame& base, Dwfl_Module* mod,
                                                            Dwarf_Addr pc) {
  Dwarf_Addr die_bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(mod, pc, &die_bias);
  if (!cu) return {};
  std::vector<Dwarf_Die> scopes = scopes_at(cu, pc - die_bias);
  // No scope at pc: the CU does not cover it (code without debug info that
  // sits between CUs), and a line-table lookup would name a neighbour's line.
  if (scopes.empty()) return {};

  std::string file;
  int line = 0;
  if (Dwfl_Line* l = dwfl_module_getsrc(mod, pc)) {
    if (const char* f = dwfl_lineinfo(l, nullptr, &line, nullptr, nullptr, nullptr)) file = f;
  }
  Dwarf_Files* files = nullptr;
  std::size_t nfiles = 0;
  if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0) files = nullptr;

  std::vector<SymbolizedFrame> frames;
  for (Dwarf_Die& die : scopes) {
    Dwarf_Die* scope = &die;
    const int tag = dwarf_tag(scope);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
    SymbolizedFrame f = base;
    f.file = file;
    f.line = line;
    if (tag == DW_TAG_subprogram) {
      // The ELF symbol names the outermost function best (clones, .cold parts).
      if (f.function.empty()) f.function = function_name(scope);
      frames.push_back(std::move(f));
      break;
    }
    f.function = function_name(scope);
    f.inlined = true;
    frames.push_back(std::move(f));
    file = call_file(scope, files);
    line = call_line(scope);
  }
  if (frames.empty()) {  // line info without a function DIE (assembly)
    SymbolizedFrame f = base;
    f.file = file;
    f.line = line;
    frames.push_back(std::move(f));
  }
  return frames;
}

Symbolizer::Symbolizer(const std::vector<Module>& modules) : impl_(std::make_unique<Impl>()) {
  impl_->dwfl = dwfl_begin(&kCallbacks);
  if (!impl_->dwfl) return;
  dwfl_report_begin(impl_->dwfl);
  for (const auto& m : modules) {
    if (m.path.empty() || m.path.front() != '/') continue;  // [vdso] and the like are not files
    // add_p_vaddr: `bias` is added to the ELF addresses, as dl_iterate_phdr's dlpi_addr.
    dwfl_report_elf(impl_->dwfl, m.path.c_str(), m.path.c_str(), -1, m.bias, true);
  }
  dwfl_report_end(impl_->dwfl, nullptr, nullptr);
}

Symbolizer::~Symbolizer() {
  if (impl_->dwfl) dwfl_end(impl_->dwfl);
}

std::vector<SymbolizedFrame> Symbolizer::symbolize(std::uint64_t return_address) {
  if (auto it = impl_->cache.find(return_address); it != impl_->cache.end()) return it->second;
  SymbolizedFrame base;
  base.address = return_address;
  base.offset = return_address;
  // A return address points after the call; the call itself is one byte back.
  const Dwarf_Addr pc = return_address > 0 ? return_address - 1 : 0;
  Dwfl_Module* mod = impl_->dwfl ? dwfl_addrmodule(impl_->dwfl, pc) : nullptr;
  std::vector<SymbolizedFrame> frames;
  if (mod) {
    const char* mod_name = dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    base.module = mod_name ? mod_name : "";
    GElf_Addr bias = 0;
    if (dwfl_module_getelf(mod, &bias)) base.offset = return_address - bias;
    if (const char* sym = dwfl_module_addrname(mod, pc)) base.function = demangle(sym);
    frames = impl_->debug_frames(base, mod, pc);
  }
  if (frames.empty()) frames.push_back(base);
  return impl_->cache[return_address] = frames;
}

bool Symbolizer::is_allocator_frame(const SymbolizedFrame& f) {
  const std::string_view module(f.module);
  if (module.ends_with(kPreloadName)) return true;
  const std::string_view fn(f.function);
  if (fn.starts_with("operator new") || fn.starts_with("operator delete")) return true;
  for (std::string_view name : {"malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign",
                                "aligned_alloc", "memalign", "valloc", "pvalloc", "__libc_malloc",
                                "__libc_calloc", "__libc_realloc", "__libc_memalign"}) {
    if (fn == name) return true;
  }
  return false;
}

std::vector<SymbolizedFrame> Symbolizer::symbolize_stack(const std::vector<std::uint64_t>& return_addresses) {
  std::vector<SymbolizedFrame> out;
  for (const auto address : return_addresses)
    for (auto& f : symbolize(address))
      if (!is_allocator_frame(f)) out.push_back(std::move(f));
  return out;
}

std::vector<reports::Frame> Symbolizer::report_stack(const std::vector<std::uint64_t>& return_addresses) {
  std::vector<reports::Frame> out;
  for (const auto& f : symbolize_stack(return_addresses)) out.push_back(f.to_report_frame());
  return out;
}

}  // namespace vigil::profilers
