#include "vigil/harness/load/target.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <charconv>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace vigil::harness::load {

std::string Target::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  return v6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

std::string Target::url() const { return fmt::format("http://{}{}", host_header(), path); }

bool is_loopback(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    // ::ffff:127.x.y.z, an IPv4 loopback address written as IPv6.
    return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

std::variant<Target, std::string> parse_target(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return fmt::format("expected an http:// URL, got \"{}\" (https is not supported)", url);
  }
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  Target t;
  t.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string_view host = authority, port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fmt::format("unterminated IPv6 address in \"{}\"", url);
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fmt::format("bad address in \"{}\"", url);
      port_text = after.substr(1);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host.empty()) return fmt::format("no host in \"{}\"", url);
  if (authority.find('@') != std::string_view::npos) return fmt::format("user info is not supported in \"{}\"", url);
  if (!port_text.empty() || authority.back() == ':') {
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return fmt::format("bad port \"{}\" in \"{}\" (1 to 65535)", port_text, url);
    }
    t.port = static_cast<std::uint16_t>(port);
  }
  t.host = std::string(host);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(t.port);
  if (int rc = ::getaddrinfo(t.host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return fmt::format("cannot resolve \"{}\": {}", t.host, ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, ::freeaddrinfo);
  // Every address the name resolves to must be loopback: a name that also
  // resolves elsewhere is refused whole.
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (!is_loopback(a->ai_addr)) {
      char text[INET6_ADDRSTRLEN] = "?";
      const void* raw = a->ai_family == AF_INET
                            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr)
                            : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr);
      ::inet_ntop(a->ai_family, raw, text, sizeof text);
      return fmt::format("refusing {}: {} is not a loopback address (vigil-load loads this machine only)",
                         url, text);
    }
  }
  std::memcpy(&t.address, found->ai_addr, found->ai_addrlen);
  t.address_length = found->ai_addrlen;
  return t;
}

Target loopback_target(std::uint16_t port, std::string path) {
  Target t;
  t.host = "127.0.0.1";
  t.port = port;
  t.path = std::move(path);
  auto* in = reinterpret_cast<sockaddr_in*>(&t.address);
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  t.address_length = sizeof(sockaddr_in);
  return t;
}

}  // namespace vigil::harness::load
