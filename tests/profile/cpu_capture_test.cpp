// The cpu-profile record: written by the preload's RecordWriter, read back
// by the capture reader; a record cut short is dropped whole.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/tool_run.hpp"
#include "vigil/profilers/capture.hpp"
#include "vigil/profilers/capture_format.hpp"

namespace {

namespace vp = vigil::profilers;

// A RecordWriter sink into a string.
struct StringSink {
  std::string text_;
  StringSink& text(std::string_view s) {
    text_.append(s);
    return *this;
  }
  StringSink& ch(char c) {
    text_.push_back(c);
    return *this;
  }
  StringSink& dec(std::uint64_t v) { return text(std::to_string(v)); }
  StringSink& hex(std::uint64_t v) {
    char buf[24];
    return text(std::string_view(buf, static_cast<std::size_t>(std::snprintf(buf, sizeof buf, "%lx", v))));
  }
};

std::string cpu_capture() {
  StringSink sink;
  vp::capture_format::RecordWriter<StringSink> w(sink);
  w.header();
  w.process(42, 7, 0, 64, "/usr/bin/my program");
  w.cpu_profile(99, 2, 2, 3);
  const std::uintptr_t one[] = {0x401001, 0x402002}, two[] = {0x7f0000001234};
  w.cpu_sample(1, one, 2);
  w.cpu_sample(5, two, 1);
  w.module(0, "/usr/bin/my program");
  w.range(0x400000, 0x403000, true, false, true);
  w.end_cpu_profile();
  return sink.text_;
}

TEST(CpuCapture, ReadsBackWhatThePreloadWrites) {
  vigil::test::ScratchDir dir("vigil-cpu-capture");
  const auto file = dir.write("vigil-42.capture", cpu_capture());
  const vp::Capture c = vp::read_capture_file(file);
  EXPECT_EQ(c.pid, 42);
  ASSERT_TRUE(c.cpu);
  EXPECT_EQ(c.cpu->hz, 99u);
  EXPECT_EQ(c.cpu->threads, 2u);
  EXPECT_EQ(c.cpu->samples, 2u);
  EXPECT_EQ(c.cpu->dropped, 3u);
  ASSERT_EQ(c.cpu->stacks.size(), 2u);
  EXPECT_EQ(c.cpu->stacks[0].weight, 1u);
  EXPECT_EQ(c.cpu->stacks[0].frames, (std::vector<std::uint64_t>{0x401001, 0x402002}));
  EXPECT_EQ(c.cpu->stacks[1].weight, 5u);
  EXPECT_EQ(c.cpu->stacks[1].frames, (std::vector<std::uint64_t>{0x7f0000001234}));
  ASSERT_EQ(c.modules.size(), 1u);
  EXPECT_EQ(c.modules[0].path, "/usr/bin/my program");
  EXPECT_TRUE(c.snapshots.empty());
}

TEST(CpuCapture, DropsAProfileCutShortAndRefusesABadSample) {
  vigil::test::ScratchDir dir("vigil-cpu-capture");
  std::string text = cpu_capture();
  const std::string cut = text.substr(0, text.find("end-cpu-profile"));
  EXPECT_FALSE(vp::read_capture_file(dir.write("vigil-1.capture", cut)).cpu);
  std::string bad = text;
  bad.replace(bad.find("cpu 5 1"), 7, "cpu 5 2");
  EXPECT_THROW(vp::read_capture_file(dir.write("vigil-2.capture", bad)), vp::CaptureError);
  EXPECT_THROW(vp::read_capture_file(dir.write("vigil-3.capture", "vigil-capture 1\ncpu 1 1 400000\n")),
               vp::CaptureError);
}

}  // namespace
