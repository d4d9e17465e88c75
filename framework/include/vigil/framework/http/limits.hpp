#pragma once
// Limits and timeouts of the HTTP/1.1 server: what a client may send, and how
// long it may take. Defaults follow the reference server's specification.

#include <chrono>
#include <cstddef>

namespace vigil::framework::http {

struct Limits {
  std::size_t max_head_bytes = 8 * 1024;    // request line + header fields; over it: 431
  std::size_t max_headers = 100;            // header field count; over it: 431
  std::size_t max_body_bytes = 1024 * 1024;  // decoded body; over it: 413
};

struct Timeouts {
  // From the first byte of a request until its head is complete (slowloris).
  std::chrono::milliseconds header{10'000};
  // Keep-alive connection with nothing buffered, or a body that stopped arriving.
  std::chrono::milliseconds idle{60'000};
  // After SIGINT/SIGTERM, how long in-flight requests may take to finish.
  std::chrono::milliseconds shutdown_grace{10'000};
};

}  // namespace vigil::framework::http
