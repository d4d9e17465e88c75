#include "sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>

namespace vigil::framework::http {

std::system_error os_error(const std::string& what) {
  return std::system_error(errno, std::generic_category(), what);
}

std::string format_address(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a.sin6_port));
  }
  const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
  inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(a.sin_port));
}

Listener open_listener(const std::string& host, std::uint16_t port, int backlog, int socket_flags) {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  if (host.find(':') != std::string::npos) {
    auto& a = reinterpret_cast<sockaddr_in6&>(addr);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    if (inet_pton(AF_INET6, host.c_str(), &a.sin6_addr) != 1) {
      errno = EINVAL;
      throw os_error("not a numeric IPv6 address: " + host);
    }
    addr_len = sizeof a;
  } else {
    auto& a = reinterpret_cast<sockaddr_in&>(addr);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
      errno = EINVAL;
      throw os_error("not a numeric IPv4 address: " + host);
    }
    addr_len = sizeof a;
  }
  const std::string where = host + ":" + std::to_string(port);
  Listener l;
  l.fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | socket_flags, 0);
  if (l.fd < 0) throw os_error("socket");
  try {
    int one = 1;
    setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(l.fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) throw os_error("SO_REUSEPORT");
    if (bind(l.fd, reinterpret_cast<sockaddr*>(&addr), addr_len) < 0) throw os_error("cannot bind " + where);
    if (::listen(l.fd, backlog) < 0) throw os_error("cannot listen on " + where);
  } catch (...) {
    ::close(l.fd);
    throw;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(l.fd, reinterpret_cast<sockaddr*>(&bound), &len);
  l.port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                             : reinterpret_cast<sockaddr_in&>(bound).sin_port);
  return l;
}

}  // namespace vigil::framework::http
