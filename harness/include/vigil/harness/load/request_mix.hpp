#pragma once
// What the generator sends: one request, or a weighted list of them read
// from a file, one per line:
//
//   [METHOD] PATH [WEIGHT]     e.g. "GET /users/:id 3", "/json", "POST /echo"
//
// A path segment ":name" or "*name" (the route syntax of the GitHub API set,
// shared/data/github_api_routes.txt) is filled with a random number in
// [1, param_values] on every request, so one line stands for many paths.
// Lines starting with '#' and blank lines are skipped.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vigil::harness::load {

struct RequestLine {
  std::string method = "GET";
  std::string path;    // as written, with its :param / *param segments
  double weight = 1;
};

struct RequestShape {
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent with Content-Length when not empty
  std::string host_header;           // "host:port"
  std::uint64_t param_values = 1'000'000;
};

// A small, fast random source, one per connection.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, n), n > 0.
  std::uint64_t below(std::uint64_t n);

 private:
  std::uint64_t state_;
};

class RequestMix {
 public:
  // Throws std::invalid_argument on a bad line or shape.
  RequestMix(std::vector<RequestLine> lines, RequestShape shape);

  // The reference service's GET routes, equally weighted: "/", "/json" and
  // "/users/:id" (what vigil-load sends to the vigil-server it starts).
  static std::vector<RequestLine> reference_service();

  // Appends the bytes of one request, drawn by weight, to `out`; returns
  // whether it is a HEAD request (its response has no body).
  bool append_next(std::string& out, SplitMix64& random) const;

  std::size_t size() const { return templates_.size(); }
  const std::vector<RequestLine>& lines() const { return lines_; }

 private:
  struct Piece {
    std::string text;    // literal bytes
    bool param = false;  // a random number goes here instead
  };
  struct Template {
    std::vector<Piece> pieces;  // request line up to the path's end, then the rest
    bool head = false;
  };

  std::vector<RequestLine> lines_;
  RequestShape shape_;
  std::vector<Template> templates_;
  std::vector<double> cumulative_;  // cumulative weights, for the draw
};

// Reads a request file; the reason (with the line number) when it is bad.
std::variant<std::vector<RequestLine>, std::string> load_request_lines(const std::filesystem::path& file,
                                                                      const std::string& default_method);

// The reason a header is not "Name: value" with a token name and no CR/LF.
std::string header_problem(std::string_view header);
// The reason a method is not an HTTP token (upper-case letters).
std::string method_problem(std::string_view method);

}  // namespace vigil::harness::load
