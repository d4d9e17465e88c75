#pragma once
// Request ids: taken from the client when sane, else generated inline.

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "vigil/framework/pipeline/middleware.hpp"

namespace vigil::framework {

// Takes X-Request-Id from the request when present and sane, or generates
// "<prefix>-<counter in hex>" inline; echoes it as the X-Request-Id header.
class RequestIdMiddleware : public Middleware {
 public:
  explicit RequestIdMiddleware(Formatting formatting = Formatting::ReuseBuffers);
  std::string_view name() const override { return "request-id"; }
  void handle(Event& e, const Next& next) override;

 private:
  std::array<char, 8> prefix_{};  // per-process random hex
  std::atomic<std::uint64_t> counter_{0};
  bool fresh_strings_;
};

}  // namespace vigil::framework
