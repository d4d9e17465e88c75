#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "vigil/profilers/launcher.hpp"

namespace vp = vigil::profilers;

namespace {

std::filesystem::path temp_dir(const std::string& name) {
  const auto dir =
      std::filesystem::path(testing::TempDir()) / ("vigil-launch-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

vp::RunOptions options_for(const std::string& name) {
  vp::RunOptions o;
  o.output_dir = temp_dir(name);
  o.preload_library = VIGIL_TEST_PRELOAD;
  o.interval = std::chrono::milliseconds(0);
  return o;
}

}  // namespace

TEST(Launcher, EnvironmentCarriesEveryOption) {
  vp::RunOptions o;
  o.output_dir = "/tmp/out";
  o.stack_depth = 16;
  o.interval = std::chrono::milliseconds(250);
  o.sample_bytes = 4096;
  o.unwind = vp::UnwindMethod::Libunwind;
  const auto env = vp::preload_environment(o);
  for (const char* want : {"VIGIL_OUTPUT=/tmp/out", "VIGIL_STACK_DEPTH=16", "VIGIL_INTERVAL_MS=250",
                           "VIGIL_SAMPLE_BYTES=4096", "VIGIL_UNWIND=libunwind"})
    EXPECT_NE(std::find(env.begin(), env.end(), want), env.end()) << want;
}

TEST(Launcher, TakesTheUnwindMethodFromItsEnvironmentUnlessTold) {
  vp::RunOptions o;
  o.output_dir = "/tmp/out";
  auto unwind_of = [&] {
    const auto env = vp::preload_environment(o);
    const auto it = std::find_if(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("VIGIL_UNWIND="); });
    return it == env.end() ? std::string() : *it;
  };
  ::unsetenv("VIGIL_UNWIND");
  EXPECT_EQ(unwind_of(), "VIGIL_UNWIND=fp");
  ::setenv("VIGIL_UNWIND", "libunwind", 1);
  EXPECT_EQ(unwind_of(), "VIGIL_UNWIND=libunwind");
  o.unwind = vp::UnwindMethod::FramePointer;
  EXPECT_EQ(unwind_of(), "VIGIL_UNWIND=fp");
  o.unwind.reset();
  ::setenv("VIGIL_UNWIND", "dwarf", 1);
  EXPECT_THROW(vp::preload_environment(o), vp::LaunchError);
  ::unsetenv("VIGIL_UNWIND");
}

TEST(Launcher, KillsATargetOverItsTimeLimit) {
  auto o = options_for("limit");
  o.time_limit = std::chrono::milliseconds(200);
  const auto r = vp::run_with_preload({"/bin/sleep", "30"}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.describe(), "killed: over the time limit");
}

TEST(Launcher, ReportsExitCodesAndSignals) {
  auto ok = vp::run_with_preload({"/bin/sh", "-c", "exit 0"}, options_for("ok"));
  EXPECT_TRUE(ok.ok());
  EXPECT_GT(ok.pid, 0);
  auto three = vp::run_with_preload({"/bin/sh", "-c", "exit 3"}, options_for("three"));
  EXPECT_TRUE(three.exited);
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_EQ(three.describe(), "exit code 3");
  auto killed = vp::run_with_preload({"/bin/sh", "-c", "kill -TERM $$"}, options_for("killed"));
  EXPECT_FALSE(killed.exited);
  EXPECT_EQ(killed.signal, SIGTERM);
}

TEST(Launcher, PassesThePreloadAndRedirectsOutput) {
  auto o = options_for("env");
  o.stdout_file = o.output_dir / "stdout.txt";
  std::filesystem::create_directories(o.output_dir);
  const auto r = vp::run_with_preload({"/bin/sh", "-c", "echo \"$LD_PRELOAD|$VIGIL_OUTPUT\""}, o);
  ASSERT_TRUE(r.ok());
  std::ifstream in(*o.stdout_file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("libvigil_preload.so|"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(std::filesystem::absolute(o.output_dir).string()), std::string::npos);
}

TEST(Launcher, RefusesBadRequests) {
  EXPECT_THROW(vp::run_with_preload({}, options_for("empty")), vp::LaunchError);
  auto no_dir = options_for("nodir");
  no_dir.output_dir.clear();
  EXPECT_THROW(vp::run_with_preload({"/bin/true"}, no_dir), vp::LaunchError);
  auto bad_depth = options_for("depth");
  bad_depth.stack_depth = 0;
  EXPECT_THROW(vp::run_with_preload({"/bin/true"}, bad_depth), vp::LaunchError);
  EXPECT_THROW(vp::run_with_preload({"/nonexistent/program"}, options_for("missing")), vp::LaunchError);
  auto bad_lib = options_for("lib");
  bad_lib.preload_library = "/nonexistent/libvigil_preload.so";
  EXPECT_THROW(vp::run_with_preload({"/bin/true"}, bad_lib), vp::LaunchError);
}

TEST(Launcher, FindsTheBuiltLibrary) {
  const auto path = vp::find_preload_library();
  EXPECT_EQ(path.filename(), "libvigil_preload.so");
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(vp::find_preload_library(std::filesystem::path(VIGIL_TEST_PRELOAD)),
            std::filesystem::absolute(VIGIL_TEST_PRELOAD));
}
