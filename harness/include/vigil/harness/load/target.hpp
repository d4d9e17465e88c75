#pragma once
// Where the load goes: an http:// URL on a loopback address. vigil-load
// loads only this machine (127.0.0.0/8, ::1, or a name that resolves to
// nothing else), so a mistyped URL can never flood someone else's server.

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace vigil::harness::load {

struct Target {
  std::string host;  // as given, for the Host header
  std::uint16_t port = 80;
  std::string path = "/";  // path and query of the URL
  sockaddr_storage address{};
  socklen_t address_length = 0;

  std::string host_header() const;  // "host:port"
  std::string url() const;          // "http://host:port/path"
};

bool is_loopback(const sockaddr* address);

// Parses "http://HOST[:PORT][/PATH]" and resolves HOST; the reason on error
// (not http, bad port, unresolvable, not loopback).
std::variant<Target, std::string> parse_target(std::string_view url);

// The loopback target of a server this tool started on `port`.
Target loopback_target(std::uint16_t port, std::string path = "/");

}  // namespace vigil::harness::load
