#pragma once
// Turns a site's raw return addresses into readable frames after the run
// (never on the hot path), using the capture's module map and elfutils' libdw:
// demangled function, file and line where debug info exists, module and
// offset otherwise. Inlined calls are expanded into frames of their own
// (innermost first), so a std::string built inside handle_request() still
// names handle_request() with its file:line. Frames of the tracker and of the
// allocator entry points (malloc family, operator new/delete) are dropped.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vigil/profilers/capture.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::profilers {

struct SymbolizedFrame {
  std::uint64_t address = 0;  // run-time return address
  std::string function;       // demangled; empty when unknown
  std::string file;           // empty when unknown
  int line = 0;               // 0 when unknown
  std::string module;         // path of the ELF object
  std::uint64_t offset = 0;   // address - load bias (ELF virtual address)
  bool inlined = false;       // an inlined call inside the next frame
  reports::Frame to_report_frame() const;
};

class Symbolizer {
 public:
  // Builds the address space from `modules` (a capture's module map).
  explicit Symbolizer(const std::vector<Module>& modules);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // All frames of one return address, innermost first: one per inlined call
  // (inlined = true; line from the line table for the innermost, the call
  // line for the others), then the function they were all inlined into.
  std::vector<SymbolizedFrame> symbolize(std::uint64_t return_address);
  // A whole stack, innermost first, tracker and allocator frames dropped;
  // results are cached per address.
  std::vector<SymbolizedFrame> symbolize_stack(const std::vector<std::uint64_t>& return_addresses);
  std::vector<reports::Frame> report_stack(const std::vector<std::uint64_t>& return_addresses);

  // True for frames that belong to the allocator or the tracker.
  static bool is_allocator_frame(const SymbolizedFrame& f);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "demangled" or the input when it is not a mangled C++ name.
std::string demangle(const std::string& name);

}  // namespace vigil::profilers
