#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "vigil/profilers/capture.hpp"

namespace vp = vigil::profilers;

namespace {

class CaptureReader : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(testing::TempDir()) /
           ("vigil-capture-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::filesystem::path dir_;
};

const char* kCapture =
    "vigil-capture 1\n"
    "process 42 7 0 32 /usr/bin/my program\n"
    "site 0 0\n"
    "site 1 2 401000 402000\n"
    "snapshot 0 1000 cycle 3 100 2 150 3\n"
    "s 1 100 2 150 3\n"
    "module 0 /usr/bin/my program\n"
    "range 400000 403000 r-x\n"
    "range 600000 601000 rw-\n"
    "module 7f0000000000 /lib/libc.so.6\n"
    "range 7f0000001000 7f0000009000 r-x\n"
    "end-snapshot\n"
    "site 2 1 401500\n"
    "snapshot 1 2000 exit 1 300 3 350 4\n"
    "s 1 100 2 150 3\n"
    "s 2 200 1 200 1\n"
    "end-snapshot\n"
    "exit 1\n"
    "x 2 200 1 0 0\n"
    "x 1 0 0 100 2\n"
    "end-exit\n";

}  // namespace

TEST_F(CaptureReader, ReadsEveryRecord) {
  const auto cap = vp::read_capture_file(write("vigil-42.capture", kCapture));
  EXPECT_EQ(cap.pid, 42);
  EXPECT_EQ(cap.ppid, 7);
  EXPECT_EQ(cap.exe, "/usr/bin/my program");
  EXPECT_EQ(cap.stack_depth, 32u);
  EXPECT_EQ(cap.sample_bytes, 0u);
  ASSERT_EQ(cap.sites.size(), 3u);
  EXPECT_EQ(cap.site(1)->frames, (std::vector<std::uint64_t>{0x401000, 0x402000}));
  EXPECT_EQ(cap.site(9), nullptr);
  ASSERT_EQ(cap.snapshots.size(), 2u);
  const auto& s0 = cap.snapshots[0];
  EXPECT_EQ(s0.trigger, vp::SnapshotTrigger::Cycle);
  EXPECT_EQ(s0.threads, 3u);
  EXPECT_EQ(s0.live_bytes, 100u);
  EXPECT_EQ(s0.total_blocks, 3u);
  ASSERT_EQ(s0.sites.size(), 1u);
  EXPECT_EQ(s0.sites[0].live_blocks, 2u);
  EXPECT_EQ(cap.snapshots[1].trigger, vp::SnapshotTrigger::Exit);
  EXPECT_EQ(cap.snapshots[1].sites.size(), 2u);
  // The exit snapshot wrote no module map: the last one written is kept.
  ASSERT_EQ(cap.modules.size(), 2u);
  EXPECT_EQ(cap.modules[0].path, "/usr/bin/my program");
  EXPECT_TRUE(cap.modules[0].ranges[1].writable);
  EXPECT_FALSE(cap.modules[0].ranges[1].executable);
  EXPECT_EQ(cap.module_of(0x401234), &cap.modules[0]);
  EXPECT_EQ(cap.module_of(0x7f0000002000)->path, "/lib/libc.so.6");
  EXPECT_EQ(cap.module_of(0x10), nullptr);
  ASSERT_TRUE(cap.exit.has_value());
  EXPECT_TRUE(cap.exit->scanned);
  ASSERT_EQ(cap.exit->sites.size(), 2u);
  EXPECT_EQ(cap.exit->sites[0].site, 1u);  // sorted by site
  EXPECT_EQ(cap.exit->unreachable_bytes(), 200u);
  EXPECT_EQ(cap.exit->unreachable_blocks(), 1u);
  EXPECT_EQ(cap.exit->reachable_bytes(), 100u);
  EXPECT_EQ(cap.exit->reachable_blocks(), 2u);
}

TEST_F(CaptureReader, DropsARecordCutShortByADyingProcess) {
  std::string text = kCapture;
  text = text.substr(0, text.find("exit 1\n"));
  text += "snapshot 2 3000 timer 1 1 1 1 1\ns 1 1 1 1";  // cut mid-line, no end
  const auto cap = vp::read_capture_file(write("vigil-42.capture", text));
  EXPECT_EQ(cap.snapshots.size(), 2u);
  EXPECT_FALSE(cap.exit.has_value());
}

TEST_F(CaptureReader, RejectsMalformedInput) {
  EXPECT_THROW(vp::read_capture_file(dir_ / "missing.capture"), vp::CaptureError);
  EXPECT_THROW(vp::read_capture_file(write("a", "")), vp::CaptureError);
  EXPECT_THROW(vp::read_capture_file(write("b", "not a capture\n")), vp::CaptureError);
  EXPECT_THROW(vp::read_capture_file(write("c", "vigil-capture 1\nsnapshot 0 x cycle 1 1 1 1 1\n")),
               vp::CaptureError);
  EXPECT_THROW(vp::read_capture_file(write("d", "vigil-capture 1\ns 1 1 1 1 1\n")), vp::CaptureError);
  EXPECT_THROW(vp::read_capture_file(write("e", "vigil-capture 1\nsite 1 3 10 20\n")), vp::CaptureError);
  EXPECT_THROW(vp::read_capture_file(write("f", "vigil-capture 1\nsnapshot 0 1 cycle 1 1 1 1 1\ns 5 1 1 1 1\n")),
               vp::CaptureError);
  EXPECT_THROW(vp::read_capture_file(write("g", "vigil-capture 1\nbogus\n")), vp::CaptureError);
  EXPECT_THROW(vp::read_capture_file(write("h", "vigil-capture 1\nsnapshot 0 1 sometimes 1 1 1 1 1\n")),
               vp::CaptureError);
  try {
    vp::read_capture_file(write("i", "vigil-capture 1\nbogus\n"));
  } catch (const vp::CaptureError& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
  }
}

TEST_F(CaptureReader, ListsAndPicksCapturesByPidAndGeneration) {
  const std::string minimal = "vigil-capture 1\nprocess 1 0 0 32 /x\n";
  write("vigil-20.capture", minimal);
  write("vigil-10.1.capture", minimal);
  write("vigil-10.capture", minimal);
  write("vigil-10.2.capture", minimal);
  write("unrelated.txt", "x");
  write("vigil-abc.capture", minimal);
  const auto files = vp::list_captures(dir_);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].pid, 10);
  EXPECT_EQ(files[0].generation, 0u);
  EXPECT_EQ(files[2].generation, 2u);
  EXPECT_EQ(files[3].pid, 20);
  EXPECT_EQ(vp::read_capture(dir_, 10).file.filename(), "vigil-10.2.capture");
  EXPECT_EQ(vp::read_capture(dir_).file.filename(), "vigil-10.2.capture");
  EXPECT_EQ(vp::read_capture(dir_, 20).file.filename(), "vigil-20.capture");
  EXPECT_THROW(vp::read_capture(dir_, 30), vp::CaptureError);
  EXPECT_THROW(vp::read_capture(dir_ / "nowhere"), vp::CaptureError);
  std::filesystem::create_directories(dir_ / "empty");
  EXPECT_THROW(vp::read_capture(dir_ / "empty"), vp::CaptureError);
}
