// vigil-server's CPU profile endpoint: answered on the debug listener while
// the service's own loop keeps serving; bad input refused.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "support/tool_run.hpp"
#include "vigil/reports/profile_io.hpp"

namespace {

// GET `target` on 127.0.0.1:port with Connection: close; the whole answer.
std::string http_get(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return {};
  }
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

class ServerProfile : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string out = (dir_ / "server.out").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> args = {VIGIL_SERVER, "--port", "0", "--debug-port", "0", "--threads", "1"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, VIGIL_SERVER, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    // The two first lines: the service's port, then "debug <port>".
    for (int i = 0; i < 1000 && debug_port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::ifstream in(out);
      std::string debug;
      if (in >> port_ >> debug >> debug_port_) break;
      port_ = debug_port_ = 0;
    }
    ASSERT_NE(debug_port_, 0) << vigil::test::read_text_file(out);
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  vigil::test::ScratchDir dir_{"vigil-server-profile"};
  pid_t pid_ = -1;
  int port_ = 0, debug_port_ = 0;
};

TEST_F(ServerProfile, ServesWhileAProfileIsTaken) {
  auto profile = std::async(std::launch::async, [&] { return http_get(debug_port_, "/debug/pprof/folded?seconds=2"); });
  // The service answers while the profile is still being taken.
  int answered = 0, failed = 0;
  while (profile.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
    ++(http_get(port_, "/json").starts_with("HTTP/1.1 200") ? answered : failed);
  EXPECT_GT(answered, 20);
  EXPECT_EQ(failed, 0);
  const std::string answer = profile.get();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer.substr(0, 200);
  // The requests above ran through the service's loop: their stacks are in the profile.
  EXPECT_NE(answer.find("vigil::framework::http::Server::Loop::run"), std::string::npos) << answer.substr(0, 2000);
}

TEST_F(ServerProfile, AnswersTheReportsFormOfAProfileForPartOfASecond) {
  const auto started = std::chrono::steady_clock::now();
  auto profile = std::async(std::launch::async,
                            [&] { return http_get(debug_port_, "/debug/pprof/profile?seconds=0.5&format=json"); });
  while (profile.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) http_get(port_, "/json");
  const std::string answer = profile.get();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
  ASSERT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer.substr(0, 200);
  EXPECT_NE(answer.find("application/json"), std::string::npos) << answer.substr(0, 200);
  const auto body = answer.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  const vigil::reports::Profile p = vigil::reports::from_profile_json(answer.substr(body + 4));
  EXPECT_GT(p.period_seconds, 0);
}

TEST_F(ServerProfile, RefusesABadDurationOrFormat) {
  EXPECT_TRUE(http_get(debug_port_, "/debug/pprof/profile?seconds=1&format=svg").starts_with("HTTP/1.1 400"));
  for (const char* seconds : {"0", "0.001", "61", "60.5", "-1", "abc", "nan", "inf", "1s", "99999999999999999999"})
    EXPECT_TRUE(http_get(debug_port_, std::string("/debug/pprof/folded?seconds=") + seconds).starts_with("HTTP/1.1 400"))
        << seconds;
  for (const char* hz : {"0", "10001", "-5", "1.5", "abc", ""})
    EXPECT_TRUE(http_get(debug_port_, std::string("/debug/pprof/folded?seconds=1&hz=") + hz).starts_with("HTTP/1.1 400"))
        << hz;
}

// ?hz= reaches the profiler: at 20 Hz a sample stands for at least 1/20 s of
// CPU time (more when the kernel's tick delays it), at the default 99 Hz for ~1/99.
TEST_F(ServerProfile, SamplesAtTheRateAsked) {
  auto profile = std::async(std::launch::async,
                            [&] { return http_get(debug_port_, "/debug/pprof/profile?seconds=0.5&hz=20&format=json"); });
  while (profile.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) http_get(port_, "/json");
  const std::string answer = profile.get();
  ASSERT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer.substr(0, 200);
  const vigil::reports::Profile p = vigil::reports::from_profile_json(answer.substr(answer.find("\r\n\r\n") + 4));
  EXPECT_GE(p.period_seconds, 0.05 * 0.999);
}

}  // namespace
