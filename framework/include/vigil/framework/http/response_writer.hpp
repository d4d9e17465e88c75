#pragma once
// Serializes responses into a connection's output buffer (appended, so that
// pipelined responses leave in one write), with a Date header cached per
// second.

#include <ctime>
#include <string>
#include <string_view>

#include "vigil/framework/http/message.hpp"

namespace vigil::framework::http {

// "OK", "Not Found", ...; "Unknown" for codes without a phrase here.
std::string_view reason_phrase(int status);

// The IMF-fixdate of the current second, e.g. "Mon, 23 Nov 2026 09:38:07 GMT",
// reformatted only when the second changes. One per thread.
class DateCache {
 public:
  std::string_view now();

 private:
  std::time_t second_ = -1;
  char text_[32] = {};
  std::size_t length_ = 0;
};

struct ResponseFraming {
  bool head_request = false;  // HEAD: headers only
  bool keep_alive = true;     // false: "Connection: close"
  int version_minor = 1;      // HTTP/1.0 keep-alive must be announced
};

void append_response(std::string& out, const Response& response, ResponseFraming framing,
                     std::string_view date);

// A short text/plain response for errors the server answers itself; always
// closes the connection.
void append_error_response(std::string& out, int status, std::string_view reason,
                           std::string_view date);

}  // namespace vigil::framework::http
