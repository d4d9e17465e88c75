#pragma once
// Turns an exception thrown by the rest of the chain into a 500.

#include <atomic>
#include <cstdint>
#include <string_view>

#include "vigil/framework/pipeline/middleware.hpp"

namespace vigil::framework {

// Catches anything the rest of the chain throws and answers 500.
class RecoveryMiddleware : public Middleware {
 public:
  std::string_view name() const override { return "recovery"; }
  void handle(Event& e, const Next& next) override;
  std::uint64_t recovered() const { return recovered_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> recovered_{0};
};

}  // namespace vigil::framework
