#pragma once
// Runs a program with arguments, capturing stdout, stderr and the exit code,
// with a time limit (the child is killed when it runs over).

#include <string>
#include <vector>

namespace vigil::reports::test {

struct ProgramResult {
  int exit_code = -1;  // -1: did not exit normally (killed, timed out)
  std::string out, err;
};

ProgramResult run_program(const std::vector<std::string>& argv, int timeout_seconds);

}  // namespace vigil::reports::test
