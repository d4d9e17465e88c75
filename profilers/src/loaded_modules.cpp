#include "vigil/profilers/loaded_modules.hpp"

#include <link.h>
#include <unistd.h>

namespace vigil::profilers {
namespace {

int add_module(dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::vector<Module>*>(data);
  Module m;
  m.bias = info->dlpi_addr;
  if (info->dlpi_name && *info->dlpi_name) {
    m.path = info->dlpi_name;
  } else {
    // The main program has no name here.
    char exe[4096];
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    m.path.assign(exe, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    Module::Range r;
    r.start = info->dlpi_addr + ph.p_vaddr;
    r.end = r.start + ph.p_memsz;
    r.readable = ph.p_flags & PF_R;
    r.writable = ph.p_flags & PF_W;
    r.executable = ph.p_flags & PF_X;
    m.ranges.push_back(r);
  }
  if (!m.path.empty()) out->push_back(std::move(m));
  return 0;
}

}  // namespace

std::vector<Module> loaded_modules() {
  std::vector<Module> modules;
  ::dl_iterate_phdr(add_module, &modules);
  return modules;
}

}  // namespace vigil::profilers
