#pragma once
// An HTTP request as the parser hands it to the application, and the response
// the application fills. Header-only: the request pipeline (vigil_framework)
// uses these types without depending on the socket layer (vigil_http).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "vigil/framework/text/ascii.hpp"
#include "vigil/framework/text/field.hpp"

namespace vigil::framework::http {

using vigil::framework::iequals;

// A header field as parsed: views into the connection's buffer.
using Header = Field;

// Views into the connection's buffer: valid until the next request is parsed.
struct Request {
  std::string_view method;  // e.g. "GET"
  std::string_view target;  // as sent, e.g. "/users/7?x=1"
  std::string_view path;    // target without the query, e.g. "/users/7"
  std::string_view query;   // after '?', without it; empty if none
  int version_minor = 1;    // HTTP/1.<minor>
  std::span<const Header> headers;
  std::string_view body;    // decoded (chunked bodies are de-chunked)
  bool keep_alive = true;

  // First header with that name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const {
    for (const Header& h : headers) {
      if (iequals(h.name, name)) return h.value;
    }
    return {};
  }
};

// Filled by the application; reused across requests so that its strings keep
// their capacity (no allocation per request once warm).
struct Response {
  int status = 200;
  // Must point to storage that outlives the response (a literal, typically);
  // empty when the Content-Type line is among extra_headers instead.
  std::string_view content_type = "text/plain";
  std::string body;
  // Extra header lines, already formatted as "Name: value\r\n".
  std::string extra_headers;
  // Ask the server to close the connection after this response.
  bool close = false;

  void add_header(std::string_view name, std::string_view value) {
    extra_headers.append(name);
    extra_headers.append(": ");
    extra_headers.append(value);
    extra_headers.append("\r\n");
  }

  void clear() {
    status = 200;
    content_type = "text/plain";
    body.clear();
    extra_headers.clear();
    close = false;
  }
};

}  // namespace vigil::framework::http
