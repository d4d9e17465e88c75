#include "callgrind_run.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "vigil/profilers/benchmark_count.hpp"

namespace vigil::profilers::detail {

namespace fs = std::filesystem;

RunFolder::RunFolder() {
  std::string pattern = "/tmp/vigil-count-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw CountError("cannot create a folder under /tmp");
  path_ = pattern;
}

RunFolder::~RunFolder() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path RunFolder::link_program(const fs::path& target) const {
  const fs::path link = path_ / "program";
  std::error_code ec;
  fs::create_symlink(target, link, ec);
  if (ec) throw CountError(fmt::format("cannot link {}: {}", link.string(), ec.message()));
  return link;
}

std::vector<std::string> callgrind_argv(const fs::path& valgrind, const RunFolder& folder,
                                        const std::vector<std::string>& options, const fs::path& program,
                                        const std::vector<std::string>& args) {
  std::vector<std::string> argv = {valgrind.string(),
                                   "--tool=callgrind",
                                   "--vgdb=no",
                                   "--cache-sim=yes",
                                   std::string("--I1=") + kI1Cache,
                                   std::string("--D1=") + kD1Cache,
                                   std::string("--LL=") + kLLCache,
                                   "--callgrind-out-file=" + (folder.path() / "cg.out").string()};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(folder.link_program(program).string());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

fs::path resolve_program(const std::string& given) {
  fs::path program = given;
  if (given.find('/') == std::string::npos) {
    program = find_on_path(given);
    if (program.empty()) throw CountError(fmt::format("{}: not found (give a path, or a name on PATH)", given));
  }
  std::error_code ec;
  if (!fs::is_regular_file(program, ec)) throw CountError(fmt::format("{}: no such file", given));
  if (::access(program.c_str(), X_OK) != 0) throw CountError(fmt::format("{}: not executable", given));
  return fs::canonical(program, ec);
}

fs::path find_valgrind() {
  fs::path valgrind = find_on_path("valgrind");
  if (valgrind.empty()) throw CountError("valgrind not found on PATH (Debian package valgrind)");
  return valgrind;
}

std::vector<CallgrindDump> read_dumps(const RunFolder& folder, bool functions, bool stopped) {
  std::vector<std::pair<int, fs::path>> files;
  for (const auto& entry : fs::directory_iterator(folder.path())) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("cg.out.")) continue;
    const std::string number = name.substr(7);
    if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) continue;
    files.emplace_back(std::stoi(number), entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<CallgrindDump> dumps;
  for (std::size_t i = 0; i < files.size(); ++i) {
    try {
      dumps.push_back(read_callgrind_dump(files[i].second, functions));
    } catch (const CallgrindFormatError&) {
      if (stopped && i + 1 == files.size()) break;
      throw;
    }
  }
  return dumps;
}

CallgrindDump read_dump(const RunFolder& folder, int part) {
  return read_callgrind_dump(folder.path() / fmt::format("cg.out.{}", part));
}

std::string with_last_message(const std::string& what, const FixedRunResult& r) {
  for (auto it = r.stderr_tail.rbegin(); it != r.stderr_tail.rend(); ++it) {
    if (it->empty() || it->starts_with("-- LOG(")) continue;
    return what + ": " + *it;
  }
  return what;
}

}  // namespace vigil::profilers::detail
