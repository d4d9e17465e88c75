// libFuzzer target for the HTTP/1.1 request parser: target vigil_parser_fuzz
// of a VIGIL_FUZZ build (scripts/fuzz-parser: clang, libFuzzer, ASan+UBSan).
//
// Besides memory safety it checks two properties on every input:
//  - feeding the bytes in pieces (sizes drawn from the input's first byte)
//    gives the same outcome as feeding them at once (see same_outcome);
//  - every view of a complete request lies inside the buffer, and the body
//    respects the limit.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "vigil/framework/http/parser.hpp"

namespace {

using vigil::framework::http::Limits;
using vigil::framework::http::ParseStatus;
using vigil::framework::http::Request;
using vigil::framework::http::RequestParser;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_inside(std::string_view view, const std::string& buffer) {
  if (view.empty()) return;
  check(view.data() >= buffer.data() && view.data() + view.size() <= buffer.data() + buffer.size());
}

// What one request parsed to: status, error code or the request's content.
struct Outcome {
  ParseStatus status = ParseStatus::Incomplete;
  int error = 0;
  std::string method, path, query, body;
  std::size_t headers = 0;
  bool keep_alive = false;
  bool operator==(const Outcome&) const = default;
};

// Delivered in pieces, a head over the size limit may be refused (431) before
// the byte that makes it malformed (400) arrives; any other difference is a bug.
bool same_outcome(const std::vector<Outcome>& a, const std::vector<Outcome>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    bool limit_race = a[i].status == ParseStatus::Error && b[i].status == ParseStatus::Error &&
                      (a[i].error == 431 || b[i].error == 431);
    if (!limit_race) return false;
  }
  return true;
}

Outcome capture(const RequestParser& parser, ParseStatus status, const std::string& buffer,
                const Limits& limits) {
  Outcome o;
  o.status = status;
  if (status == ParseStatus::Error) {
    o.error = parser.error_status();
    check(o.error == 400 || o.error == 413 || o.error == 431 || o.error == 501 || o.error == 505);
  }
  if (status != ParseStatus::Complete) return o;
  const Request& r = parser.request();
  check(parser.consumed() <= buffer.size());
  for (std::string_view v : {r.method, r.target, r.path, r.query, r.body}) check_inside(v, buffer);
  for (const auto& h : r.headers) {
    check_inside(h.name, buffer);
    check_inside(h.value, buffer);
  }
  check(r.body.size() <= limits.max_body_bytes);
  check(r.headers.size() <= limits.max_headers);
  o.method = r.method;
  o.path = r.path;
  o.query = r.query;
  o.body = r.body;
  o.headers = r.headers.size();
  o.keep_alive = r.keep_alive;
  return o;
}

// Parses every pipelined request of `input`, delivering `step` bytes at a
// time (0: all at once).
std::vector<Outcome> run(const std::uint8_t* data, std::size_t size, std::size_t step,
                         const Limits& limits) {
  std::vector<Outcome> outcomes;
  RequestParser parser(limits);
  std::string buffer;
  std::size_t fed = 0;
  for (int guard = 0; guard < 1000; ++guard) {
    ParseStatus status = parser.parse(buffer.data(), buffer.size());
    while (status == ParseStatus::Incomplete && fed < size) {
      std::size_t n = step == 0 ? size - fed : std::min(step, size - fed);
      buffer.append(reinterpret_cast<const char*>(data) + fed, n);
      fed += n;
      status = parser.parse(buffer.data(), buffer.size());
      if (status == ParseStatus::Incomplete) {
        buffer.resize(buffer.size() - parser.compact(buffer.data(), buffer.size()));
      }
    }
    outcomes.push_back(capture(parser, status, buffer, limits));
    if (status != ParseStatus::Complete) break;
    buffer.erase(0, parser.consumed());
    parser.reset();
    if (buffer.empty() && fed == size) break;
  }
  return outcomes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t step = data[0] % 17 + 1;
  Limits limits;
  limits.max_body_bytes = 4096;  // small, so that 413 is reachable
  std::vector<Outcome> whole = run(data + 1, size - 1, 0, limits);
  std::vector<Outcome> pieces = run(data + 1, size - 1, step, limits);
  check(same_outcome(whole, pieces));
  return 0;
}
