#pragma once
// Socket plumbing the two servers share (the event-loop Server and the
// ThreadPerConnectionServer): errors that name what failed, peers' names,
// listening sockets.

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <system_error>

namespace vigil::framework::http {

// A std::system_error of errno, saying what failed.
std::system_error os_error(const std::string& what);

// "127.0.0.1:5000" or "[::1]:5000".
std::string format_address(const sockaddr_storage& addr);

struct Listener {
  int fd = -1;
  std::uint16_t port = 0;  // the bound port (the kernel's pick for port 0)
};

// A listening socket on host:port (a numeric IPv4 or IPv6 address; port 0:
// a free one), with SO_REUSEPORT so that more listeners can join the port.
// `socket_flags` are or-ed into the socket type (SOCK_NONBLOCK). Throws
// std::system_error naming the address.
Listener open_listener(const std::string& host, std::uint16_t port, int backlog, int socket_flags);

}  // namespace vigil::framework::http
