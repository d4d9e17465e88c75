#include "vigil/framework/http/response_writer.hpp"

#include <charconv>
#include <chrono>

namespace vigil::framework::http {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string_view DateCache::now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (t != second_) {
    second_ = t;
    std::tm tm{};
    gmtime_r(&t, &tm);
    length_ = std::strftime(text_, sizeof text_, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  }
  return {text_, length_};
}

namespace {

void append_number(std::string& out, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

void append_status_line(std::string& out, int status) {
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(status));
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\nServer: vigil\r\nDate: ");
}

// 1xx, 204 and 304 responses carry neither a body nor Content-Length.
bool status_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

}  // namespace

void append_response(std::string& out, const Response& response, ResponseFraming framing,
                     std::string_view date) {
  append_status_line(out, response.status);
  out.append(date);
  out.append("\r\n");
  if (!response.content_type.empty()) {
    out.append("Content-Type: ");
    out.append(response.content_type);
    out.append("\r\n");
  }
  bool body = status_has_body(response.status);
  if (body) {
    out.append("Content-Length: ");
    append_number(out, response.body.size());
    out.append("\r\n");
  }
  out.append(response.extra_headers);
  if (!framing.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (framing.version_minor == 0) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if (body && !framing.head_request) out.append(response.body);
}

void append_error_response(std::string& out, int status, std::string_view reason,
                           std::string_view date) {
  append_status_line(out, status);
  out.append(date);
  out.append("\r\nContent-Type: text/plain\r\nContent-Length: ");
  append_number(out, reason.size() + 1);
  out.append("\r\nConnection: close\r\n\r\n");
  out.append(reason);
  out.push_back('\n');
}

}  // namespace vigil::framework::http
