#include "vigil/profilers/symbolizer.hpp"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <cstdlib>
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

// Name of a subprogram or inlined-subroutine DIE, through abstract origins
// and specifications; the mangled linkage name when there is one.
std::string die_function_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  for (int name_attr : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name}) {
    if (dwarf_attr_integrate(die, name_attr, &attr)) {
      if (const char* s = dwarf_formstring(&attr)) return demangle(s);
    }
  }
  return {};
}

bool is_function_scope(Dwarf_Die* die) {
  const int tag = dwarf_tag(die);
  return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
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
  return f;
}

struct Symbolizer::Impl {
  Dwfl* dwfl = nullptr;
  std::unordered_map<std::uint64_t, std::vector<SymbolizedFrame>> cache;
};

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
  if (!mod) {
    frames.push_back(base);
    return impl_->cache[return_address] = frames;
  }
  Dwarf_Addr mod_start = 0;
  const char* mod_name = dwfl_module_info(mod, nullptr, &mod_start, nullptr, nullptr, nullptr, nullptr, nullptr);
  base.module = mod_name ? mod_name : "";
  GElf_Addr bias = 0;
  if (dwfl_module_getelf(mod, &bias)) base.offset = return_address - bias;
  if (const char* sym = dwfl_module_addrname(mod, pc)) base.function = demangle(sym);

  // File and line of the innermost code at pc.
  std::string file;
  int line = 0;
  if (Dwfl_Line* l = dwfl_module_getsrc(mod, pc)) {
    if (const char* f = dwfl_lineinfo(l, nullptr, &line, nullptr, nullptr, nullptr)) file = f;
  }

  // Expand inlined calls: each inlined_subroutine scope is a frame whose
  // caller's line is its DW_AT_call_file/DW_AT_call_line.
  Dwarf_Addr die_bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(mod, pc, &die_bias);
  Dwarf_Die* scopes = nullptr;
  const int nscopes = cu ? dwarf_getscopes(cu, pc - die_bias, &scopes) : 0;
  Dwarf_Files* files = nullptr;
  std::size_t nfiles = 0;
  if (cu) dwarf_getsrcfiles(cu, &files, &nfiles);
  for (int i = 0; i < nscopes; ++i) {
    Dwarf_Die* scope = &scopes[i];
    if (!is_function_scope(scope)) continue;
    SymbolizedFrame f = base;
    f.file = file;
    f.line = line;
    const bool inlined = dwarf_tag(scope) == DW_TAG_inlined_subroutine;
    f.inlined = inlined;
    std::string name = die_function_name(scope);
    // The outermost function: the ELF symbol is the most precise name.
    if (!inlined && !base.function.empty()) name = base.function;
    f.function = name.empty() ? base.function : name;
    frames.push_back(f);
    if (!inlined) break;
    Dwarf_Attribute attr;
    Dwarf_Word call_file = 0, call_line = 0;
    if (dwarf_formudata(dwarf_attr(scope, DW_AT_call_file, &attr), &call_file) == 0 && files) {
      const char* cf = dwarf_filesrc(files, call_file, nullptr, nullptr);
      file = cf ? cf : "";
    }
    if (dwarf_formudata(dwarf_attr(scope, DW_AT_call_line, &attr), &call_line) == 0)
      line = static_cast<int>(call_line);
  }
  std::free(scopes);
  if (frames.empty()) {
    base.file = file;
    base.line = line;
    frames.push_back(base);
  }
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
