#include "vigil/harness/load/request_mix.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace vigil::harness::load {
namespace {

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string path_problem(std::string_view path) {
  if (path.empty() || path.front() != '/') return fmt::format("path \"{}\" does not start with '/'", path);
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return fmt::format("path \"{}\" holds a space or control character", path);
    }
  }
  return {};
}

bool is_method_word(std::string_view word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t SplitMix64::below(std::uint64_t n) {
  // Multiply-shift: uniform enough for picking paths, no division.
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
}

std::string header_problem(std::string_view header) {
  const std::size_t colon = header.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fmt::format("header \"{}\" is not \"Name: value\"", header);
  }
  if (!std::all_of(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(colon), is_token_char)) {
    return fmt::format("header name \"{}\" is not an HTTP token", header.substr(0, colon));
  }
  if (header.find_first_of("\r\n") != std::string_view::npos) {
    return fmt::format("header \"{}\" holds a line break", header);
  }
  return {};
}

std::string method_problem(std::string_view method) {
  if (!is_method_word(method)) return fmt::format("method \"{}\" is not upper-case letters (GET, POST, ...)", method);
  return {};
}

RequestMix::RequestMix(std::vector<RequestLine> lines, RequestShape shape)
    : lines_(std::move(lines)), shape_(std::move(shape)) {
  if (lines_.empty()) throw std::invalid_argument("no requests to send");
  if (shape_.param_values == 0) throw std::invalid_argument("param values must be at least 1");
  for (const auto& h : shape_.headers) {
    if (auto problem = header_problem(h); !problem.empty()) throw std::invalid_argument(problem);
  }
  // Everything after the path is the same for every request.
  std::string tail = fmt::format(" HTTP/1.1\r\nHost: {}\r\n", shape_.host_header);
  for (const auto& h : shape_.headers) tail += h + "\r\n";
  if (!shape_.body.empty()) tail += fmt::format("Content-Length: {}\r\n", shape_.body.size());
  tail += "\r\n";
  tail += shape_.body;

  double total = 0;
  for (const auto& line : lines_) {
    if (auto problem = method_problem(line.method); !problem.empty()) throw std::invalid_argument(problem);
    if (auto problem = path_problem(line.path); !problem.empty()) throw std::invalid_argument(problem);
    if (!(line.weight > 0) || !std::isfinite(line.weight)) {
      throw std::invalid_argument(fmt::format("weight of \"{}\" must be a positive number", line.path));
    }
    Template t;
    t.head = line.method == "HEAD";
    std::string literal = line.method + " ";
    std::string_view path = line.path;
    // Split into segments; a segment starting with ':' or '*' (up to '/' or
    // '?') is a parameter.
    std::size_t i = 0;
    while (i < path.size()) {
      const bool segment_start = path[i] == '/' && i + 1 < path.size() && (path[i + 1] == ':' || path[i + 1] == '*');
      if (!segment_start) {
        literal += path[i++];
        continue;
      }
      literal += '/';
      t.pieces.push_back({std::move(literal), false});
      literal.clear();
      t.pieces.push_back({{}, true});
      i += 1;
      while (i < path.size() && path[i] != '/' && path[i] != '?') ++i;
    }
    literal += tail;
    t.pieces.push_back({std::move(literal), false});
    templates_.push_back(std::move(t));
    total += line.weight;
    cumulative_.push_back(total);
  }
}

std::vector<RequestLine> RequestMix::reference_service() {
  return {{"GET", "/", 1}, {"GET", "/json", 1}, {"GET", "/users/:id", 1}};
}

bool RequestMix::append_next(std::string& out, SplitMix64& random) const {
  std::size_t index = 0;
  if (templates_.size() > 1) {
    const double draw =
        static_cast<double>(random.next() >> 11) * 0x1.0p-53 * cumulative_.back();
    index = static_cast<std::size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), draw) -
                                     cumulative_.begin());
    index = std::min(index, templates_.size() - 1);
  }
  const Template& t = templates_[index];
  for (const Piece& p : t.pieces) {
    if (!p.param) {
      out += p.text;
      continue;
    }
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, 1 + random.below(shape_.param_values));
    out.append(digits, end);
  }
  return t.head;
}

std::variant<std::vector<RequestLine>, std::string> load_request_lines(const std::filesystem::path& file,
                                                                      const std::string& default_method) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) return fmt::format("{}: is a directory", file.string());
  std::ifstream in(file);
  if (!in) return fmt::format("{}: cannot open for reading", file.string());
  std::vector<RequestLine> lines;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    std::istringstream words(text);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.empty() || w[0][0] == '#') continue;
    RequestLine line;
    line.method = default_method;
    std::size_t next = 0;
    if (is_method_word(w[0])) line.method = w[next++];
    if (next >= w.size()) return fmt::format("{}:{}: no path after the method", file.string(), number);
    line.path = w[next++];
    if (auto problem = path_problem(line.path); !problem.empty()) {
      return fmt::format("{}:{}: {}", file.string(), number, problem);
    }
    if (next < w.size()) {
      const std::string& weight = w[next++];
      auto [ptr, err] = std::from_chars(weight.data(), weight.data() + weight.size(), line.weight);
      if (err != std::errc() || ptr != weight.data() + weight.size() || !(line.weight > 0) ||
          !std::isfinite(line.weight) || line.weight > 1e9) {
        return fmt::format("{}:{}: weight \"{}\" is not a number in (0, 1e9]", file.string(), number, weight);
      }
    }
    if (next < w.size()) {
      return fmt::format("{}:{}: expected [METHOD] PATH [WEIGHT], got \"{}\"", file.string(), number, text);
    }
    lines.push_back(std::move(line));
  }
  if (lines.empty()) return fmt::format("{}: no requests in the file", file.string());
  return lines;
}

}  // namespace vigil::harness::load
