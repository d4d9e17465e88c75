#pragma once
// Reads one Callgrind output file (a "dump"): which event ended it, its
// totals, and the exclusive cost of every function in it. The format is
// Callgrind's own (valgrind.org/docs/manual/cl-format.html), with or without
// name compression.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/profilers/event_counts.hpp"

namespace vigil::profilers {

class CallgrindFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FunctionCost {
  std::string function;  // as Callgrind names it (demangled, with parameters)
  std::string object;    // the binary or library it lives in
  std::string file;      // its source file; empty when unknown ("???")
  EventCounts self;      // exclusive: the cost of its own instructions, not of its callees
};

struct CallgrindDump {
  int part = 0;          // dump number within the run (1, 2, ...)
  std::string creator;   // the tool and its version, e.g. "callgrind-3.19.0"
  std::string trigger;   // what ended it, e.g. "--dump-before=benchmark::State::FinishKeepRunning()"
  EventCounts totals;
  std::vector<FunctionCost> functions;  // one entry per (object, function), in file order
};

// Throws CallgrindFormatError naming the line of the first problem. With
// `functions` false only the header is read (part, trigger, totals).
CallgrindDump parse_callgrind_dump(std::string_view text, bool functions = true);
CallgrindDump read_callgrind_dump(const std::filesystem::path& path, bool functions = true);

}  // namespace vigil::profilers
