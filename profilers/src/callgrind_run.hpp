#pragma once
// What vigil-count's two modes (Google Benchmark loops, marked regions) share
// to run a program under Callgrind the same way every time: a fresh folder
// of fixed-length path holding a symlink to the program (so argv[0], and with
// it the start of the stack, has the same length wherever the program lives),
// Callgrind's command line with a fixed simulated cache, and the dumps left.

#include <filesystem>
#include <string>
#include <vector>

#include "vigil/profilers/callgrind_dump.hpp"
#include "vigil/profilers/fixed_run.hpp"

namespace vigil::profilers::detail {

// /tmp/vigil-count-XXXXXX, removed with its contents.
class RunFolder {
 public:
  RunFolder();
  ~RunFolder();
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // A symlink "program" in the folder to `target`.
  std::filesystem::path link_program(const std::filesystem::path& target) const;

 private:
  std::filesystem::path path_;
};

// valgrind --tool=callgrind with the cache simulation and `options`, writing
// its dumps into `folder`, then the program and its arguments.
std::vector<std::string> callgrind_argv(const std::filesystem::path& valgrind, const RunFolder& folder,
                                        const std::vector<std::string>& options, const std::filesystem::path& program,
                                        const std::vector<std::string>& args);

// The program's path (as given, or found on PATH), absolute; throws
// CountError when it is missing or not executable.
std::filesystem::path resolve_program(const std::string& given);
// valgrind on PATH; throws CountError when it is not installed.
std::filesystem::path find_valgrind();

// The dumps in `folder`, in order; with `functions` false only their
// headers. A stopped program may leave its last dump half written: with
// `stopped`, a last dump that does not parse is left out.
std::vector<CallgrindDump> read_dumps(const RunFolder& folder, bool functions, bool stopped);
CallgrindDump read_dump(const RunFolder& folder, int part);

// "WHAT: <the program's last line of stderr that is not a log line>".
std::string with_last_message(const std::string& what, const FixedRunResult& r);

}  // namespace vigil::profilers::detail
