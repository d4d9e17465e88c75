#pragma once
// HTTP request methods known to the router.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::framework {

enum class Method : std::uint8_t { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, CONNECT, TRACE };

inline constexpr std::size_t kMethodCount = 9;

// Exact, case-sensitive token match ("GET", not "get"), as RFC 9110 requires.
std::optional<Method> parse_method(std::string_view text);
std::string_view to_string(Method m);

}  // namespace vigil::framework
