#include "vigil/framework/routing/method.hpp"

#include <array>

namespace vigil::framework {
namespace {

constexpr std::array<std::string_view, kMethodCount> kNames = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"};

}  // namespace

std::optional<Method> parse_method(std::string_view text) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == text) return static_cast<Method>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Method m) { return kNames[static_cast<std::size_t>(m)]; }

}  // namespace vigil::framework
