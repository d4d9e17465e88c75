#pragma once
// Each function's own instructions over a set of Callgrind dumps, per
// iteration (or per execution): where a count's instructions went.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "vigil/profilers/callgrind_dump.hpp"

namespace vigil::profilers {

struct FunctionShare {
  std::string function;  // as Callgrind names it
  std::string module;    // file name of the binary or library
  std::string file;      // source file, when known
  double instructions = 0;  // its own instructions per iteration (or execution)
};

class FunctionTally {
 public:
  // Adds (sign 1) or subtracts (sign -1) the own instructions of every
  // function of `dump`.
  void add(const CallgrindDump& dump, double sign = 1);
  // Totals over `divisor`, largest |instructions| first; shares under 0.005
  // instructions are left out, and at most 50 kept.
  std::vector<FunctionShare> shares(double divisor) const;

 private:
  std::map<std::pair<std::string, std::string>, FunctionShare> tally_;  // (object, function)
};

}  // namespace vigil::profilers
