// vigil-leak-test must never change what the program under it does. Each
// case runs an ordinary program of the machine (scripts/setup installs
// them) bare, then under vigil-leak-test in every mode — exact,
// --sample-bytes 32768, and VIGIL_UNWIND=libunwind — each in a fresh
// folder, and checks that the exit code, the output and the files written
// are those of the bare run, and that the tool itself ran (exit 0 or 1, a
// report naming the target's result).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/tool_run.hpp"

namespace fs = std::filesystem;
using vigil::test::read_text_file;
using vigil::test::ScratchDir;

namespace {

constexpr std::chrono::seconds kLimit{180};

using Inputs = std::function<void(const fs::path& dir)>;  // writes them into the run's folder

struct Program {
  std::string name;
  std::vector<std::string> argv;     // "{dir}" stands for the run's folder
  Inputs prepare;
  std::vector<std::string> outputs;  // files written, compared byte for byte
  bool optional;                     // skipped when not installed (chromium)
};

// gtest names a failing case by this.
void PrintTo(const Program& p, std::ostream* os) { *os << p.name; }

const Inputs kNoInputs = [](const fs::path&) {};

Program program(std::string name, std::vector<std::string> argv, Inputs prepare = kNoInputs,
                std::vector<std::string> outputs = {}, bool optional = false) {
  return Program{std::move(name), std::move(argv), std::move(prepare), std::move(outputs), optional};
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

// Runs `command` bare in `dir`, for the inputs a case needs (git history).
void run_in(const fs::path& dir, const std::string& command) {
  const std::string line = "cd '" + dir.string() + "' && " + command + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(line.c_str()), 0) << line;
}

const char* kAssembly = R"(	.text
	.globl	scale
	.type	scale, @function
scale:
	leal	(%rdi,%rdi,2), %eax
	ret
	.section	.rodata
message:
	.string	"assembled under the preload"
)";

const char* kC = R"(#include <stdio.h>
#include <string.h>
struct entry { const char* key; int value; };
static int compare(const void* a, const void* b) {
  return strcmp(((const struct entry*)a)->key, ((const struct entry*)b)->key);
}
int table(struct entry* e, int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) sum += e[i].value * (i + 1);
  qsort(e, n, sizeof *e, compare);
  return sum;
}
int main(void) {
  struct entry e[] = {{"b", 2}, {"a", 1}, {"c", 3}};
  printf("%d %s\n", table(e, 3), e[0].key);
  return 0;
}
)";

const char* kCxx = R"(#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>
template <typename T> struct Node { T value; std::vector<std::unique_ptr<Node>> children; };
int main() {
  std::map<std::string, int> words;
  for (const char* w : {"leak", "test", "leak", "vigil", "test", "leak"}) ++words[w];
  Node<int> root{1, {}};
  for (int i = 0; i < 3; ++i) root.children.push_back(std::make_unique<Node<int>>(Node<int>{i, {}}));
  for (const auto& [w, n] : words) std::cout << w << '=' << n << ' ';
  std::cout << root.children.size() << '\n';
}
)";

const char* kPython = R"(import threading
import multiprocessing

def square(n):
    return n * n

totals = [0] * 4
def work(i):
    totals[i] = sum(j * i for j in range(20000))

threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("threads", totals)
with multiprocessing.get_context("fork").Pool(3) as pool:
    print("pool", sum(pool.map(square, range(2000))))
)";

const char* kMakefile = R"(PARTS := a b c d
all: joined.txt
	@cat joined.txt
%.part:
	@echo "part $*" > $@
joined.txt: $(PARTS:%=%.part)
	@cat $^ | sort -r > $@
)";

const char* kPage = "<html><body><h1 id=\"t\">vigil</h1><p>under the preload</p></body></html>\n";

std::vector<Program> programs() {
  auto git_history = [](const fs::path& d) {
    const std::string git =
        "GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z' "
        "git -c user.name=vigil -c user.email=vigil@example.org -c init.defaultBranch=main ";
    fs::create_directories(d / "repo");
    write(d / "repo/a.txt", "one\ntwo\n");
    run_in(d / "repo", git + "init -q && " + git + "add a.txt && " + git + "commit -qm first");
    write(d / "repo/a.txt", "one\ntwo\nthree\n");
    write(d / "repo/b.txt", "new file\n");
    run_in(d / "repo", git + "add -A && " + git + "commit -qm second");
  };
  auto numbers = [](const fs::path& d) {
    std::string text;
    std::uint64_t x = 7;
    for (int i = 0; i < 200000; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      text += std::to_string(x >> 40) + "\n";
    }
    write(d / "numbers.txt", text);
  };
  auto tiny_project = [](const fs::path& d) {
    write(d / "CMakeLists.txt", "cmake_minimum_required(VERSION 3.13)\nproject(tiny C CXX)\nadd_executable(tiny main.cpp)\n");
    write(d / "main.cpp", "int main() { return 0; }\n");
  };
  auto page = [](const fs::path& d) { write(d / "page.html", kPage); };
  return {
      program("gnu-as", {"/usr/bin/as", "t.s", "-o", "t.o"},
              [](const fs::path& d) { write(d / "t.s", kAssembly); }, {"t.o"}),
      program("gcc", {"/usr/bin/gcc", "-O2", "-c", "t.c", "-o", "t.o"},
              [](const fs::path& d) { write(d / "t.c", kC); }, {"t.o"}),
      program("g++", {"/usr/bin/g++", "-O2", "-std=c++17", "t.cpp", "-o", "t"},
              [](const fs::path& d) { write(d / "t.cpp", kCxx); }, {"t"}),
      program("cmake", {"/usr/bin/cmake", "-S", ".", "-B", "build", "-G", "Unix Makefiles"}, tiny_project,
              {"build/Makefile"}),
      program("python3", {"/usr/bin/python3", "script.py"},
              [](const fs::path& d) { write(d / "script.py", kPython); }),
      program("perl", {"/usr/bin/perl", "-e",
                       "my %h; $h{$_ % 7} .= chr(97 + $_ % 26) for 1..50000;"
                       "print join(',', map { \"$_=\" . length($h{$_}) } sort keys %h), \"\\n\""}),
      program("git", {"/usr/bin/git", "-C", "repo", "log", "--stat", "-p", "--format=%H %an %s"}, git_history),
      program("make", {"/usr/bin/make", "-s"}, [](const fs::path& d) { write(d / "Makefile", kMakefile); },
              {"joined.txt"}),
      program("sort", {"/usr/bin/sort", "-n", "-r", "numbers.txt"}, numbers),
      program("tar",
              {"/usr/bin/tar", "-cf", "a.tar", "--sort=name", "--mtime=2024-01-01", "--owner=0", "--group=0",
               "--numeric-owner", "data"},
              [](const fs::path& d) {
                for (int i = 0; i < 20; ++i) write(d / "data" / ("f" + std::to_string(i)), std::string(100 * i, 'x'));
              },
              {"a.tar"}),
      program("bash", {"/usr/bin/bash", "-c",
                       "for i in $(seq 1 300); do s=$((s + i)); done; echo $s; a=(x y z); echo ${#a[@]}; "
                       "f() { echo \"f $1\"; }; f arg; (echo sub; echo shell) | sort -r; echo $(echo nested)"}),
      program("curl", {"/usr/bin/curl", "-s", "file://{dir}/page.html"}, page),
      program("chromium",
              {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--user-data-dir={dir}/profile", "--dump-dom", "file://{dir}/page.html"},
              page, {}, true),
  };
}

struct Mode {
  std::string name;
  std::vector<std::string> options;  // of vigil-leak-test
  std::vector<std::string> env;
};

const Mode kModes[] = {
    {"exact", {}, {}},
    {"sampled", {"--sample-bytes", "32768"}, {}},
    {"libunwind", {}, {"VIGIL_UNWIND=libunwind"}},
};

std::vector<std::string> in_folder(const std::vector<std::string>& argv, const fs::path& dir) {
  std::vector<std::string> out;
  for (std::string a : argv) {
    for (std::size_t at; (at = a.find("{dir}")) != std::string::npos;) a.replace(at, 5, dir.string());
    out.push_back(a);
  }
  return out;
}

// `text` with the run's folder written "{dir}" (cmake prints and writes it).
std::string without_folder(std::string text, const fs::path& dir) {
  const std::string path = dir.string();
  for (std::size_t at; (at = text.find(path)) != std::string::npos;) text.replace(at, path.size(), "{dir}");
  return text;
}

// What a run left: exit code, stdout, the files it wrote.
struct Outcome {
  int exit_code = -1;
  std::string out;
  std::vector<std::string> files;
};

Outcome run(const Program& p, const ScratchDir& scratch, const std::string& label, const Mode* mode) {
  const fs::path dir = scratch / label;
  fs::create_directories(dir);
  p.prepare(dir);
  const std::vector<std::string> argv = in_folder(p.argv, dir);
  Outcome o;
  if (!mode) {
    const auto r = vigil::test::run_tool(argv[0], {argv.begin() + 1, argv.end()}, scratch, kLimit, dir);
    EXPECT_FALSE(r.timed_out) << p.name << " bare";
    o.exit_code = r.exit_code;
    o.out = r.out;
  } else {
    std::vector<std::string> args = mode->options;
    const fs::path report = scratch / (label + ".json");
    args.insert(args.end(), {"--json", report.string(), "--"});
    args.insert(args.end(), argv.begin(), argv.end());
    const auto r = vigil::test::run_tool(VIGIL_LEAK_TEST_TOOL, args, scratch, kLimit, dir, mode->env);
    EXPECT_FALSE(r.timed_out) << p.name << " " << mode->name;
    // The tool ran: 0 clean, 1 a leak or the target failed, never 2.
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << p.name << " " << mode->name << ": " << r.err;
    // Its summary follows the target's output on the shared stdout.
    std::string summary_start = "vigil-leak-test: ";
    for (std::size_t i = 0; i < argv.size(); ++i) summary_start += (i ? " " : "") + argv[i];
    const auto at = r.out.rfind(summary_start + " (");
    EXPECT_NE(at, std::string::npos) << p.name << " " << mode->name << ": no summary in\n" << r.out;
    o.out = r.out.substr(0, at == std::string::npos ? r.out.size() : at);
    const auto parsed = nlohmann::json::parse(read_text_file(report), nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << p.name << " " << mode->name << ": no report";
    if (!parsed.is_discarded()) {
      const std::string result = parsed["config"]["target"]["result"];
      o.exit_code = result.starts_with("exit code ") ? std::stoi(result.substr(10)) : -2;
    }
  }
  o.out = without_folder(o.out, dir);
  for (const std::string& f : p.outputs) o.files.push_back(without_folder(read_text_file(dir / f), dir));
  return o;
}

class Programs : public testing::TestWithParam<Program> {};

TEST_P(Programs, RunAsTheyDoBareInEveryMode) {
  const Program& p = GetParam();
  if (!fs::exists(p.argv[0])) {
    if (p.optional) GTEST_SKIP() << p.argv[0] << " is not installed";
    FAIL() << p.argv[0] << " is missing (scripts/setup installs it)";
  }
  ScratchDir scratch("vigil-programs");
  const Outcome bare = run(p, scratch, "bare", nullptr);
  ASSERT_EQ(bare.exit_code, 0) << p.name << " fails bare";
  for (const Mode& mode : kModes) {
    const Outcome under = run(p, scratch, mode.name, &mode);
    EXPECT_EQ(under.exit_code, bare.exit_code) << p.name << " " << mode.name;
    EXPECT_EQ(under.out, bare.out) << p.name << " " << mode.name;
    for (std::size_t i = 0; i < p.outputs.size(); ++i) {
      EXPECT_FALSE(bare.files[i].empty()) << p.outputs[i];
      EXPECT_TRUE(under.files[i] == bare.files[i]) << p.name << " " << mode.name << ": " << p.outputs[i] << " differs";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ordinary, Programs, testing::ValuesIn(programs()),
                         [](const testing::TestParamInfo<Program>& info) {
                           std::string name;
                           for (char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
