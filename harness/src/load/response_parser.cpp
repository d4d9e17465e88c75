#include "vigil/harness/load/response_parser.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace vigil::harness::load {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated header value lists `token` (case-insensitive).
bool lists_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

void ResponseParser::reset() {
  state_ = State::Head;
  head_.clear();
  line_.clear();
  body_.clear();
  remaining_ = 0;
  status_ = 0;
  closes_ = false;
  error_.clear();
}

ResponseParser::Result ResponseParser::fail(std::string reason) {
  error_ = std::move(reason);
  return Result::Error;
}

ResponseParser::Result ResponseParser::complete() {
  state_ = State::Head;
  head_.clear();
  return Result::Complete;
}

void ResponseParser::keep_body(std::string_view bytes) {
  if (body_.size() < max_body_) body_.append(bytes.substr(0, max_body_ - body_.size()));
}

bool ResponseParser::take_body(std::string_view data, std::size_t& pos) {
  const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - pos));
  keep_body(data.substr(pos, take));
  pos += take;
  remaining_ -= take;
  return remaining_ == 0;
}

bool ResponseParser::take_line(std::string_view data, std::size_t& pos) {
  const std::size_t end = data.find('\n', pos);
  if (end == std::string_view::npos) {
    line_.append(data.substr(pos));
    pos = data.size();
    if (line_.size() > kMaxHead) line_.erase(0, line_.size() - kMaxHead);  // bounded; fails below
    return false;
  }
  line_.append(data.substr(pos, end + 1 - pos));
  pos = end + 1;
  return true;
}

ResponseParser::Result ResponseParser::parse_head(std::string_view head) {
  // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
  const std::size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ') {
    return fail(fmt::format("bad status line \"{}\"", status_line.substr(0, 40)));
  }
  const bool http10 = status_line[7] == '0';
  int status = 0;
  auto [ptr, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status);
  if (ec != std::errc() || ptr != status_line.data() + 12 || status < 100 || status > 999) {
    return fail(fmt::format("bad status code in \"{}\"", status_line.substr(0, 40)));
  }
  status_ = status;
  body_.clear();
  bool chunked = false, has_length = false, keep_alive = false;
  closes_ = false;
  std::uint64_t length = 0;
  std::string_view rest = head.substr(eol + 2);
  while (!rest.empty()) {
    const std::size_t end = rest.find("\r\n");
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail(fmt::format("bad header line \"{}\"", line.substr(0, 40)));
    std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::uint64_t n = 0;
      auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (e != std::errc() || p != value.data() + value.size() || (has_length && n != length)) {
        return fail(fmt::format("bad Content-Length \"{}\"", value));
      }
      length = n;
      has_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = lists_token(value, "chunked");
    } else if (iequals(name, "connection")) {
      closes_ = closes_ || lists_token(value, "close");
      keep_alive = keep_alive || lists_token(value, "keep-alive");
    }
  }
  if (http10 && !keep_alive) closes_ = true;
  if (head_request_ || status < 200 || status == 204 || status == 304) return complete();
  if (chunked) {
    state_ = State::ChunkSize;
    line_.clear();
    return Result::NeedMore;
  }
  if (has_length) {
    if (length == 0) return complete();
    remaining_ = length;
    state_ = State::Fixed;
    return Result::NeedMore;
  }
  // Neither: the body runs to the end of the connection.
  closes_ = true;
  state_ = State::UntilClose;
  return Result::NeedMore;
}

ResponseParser::Result ResponseParser::take_head(std::string_view data, std::size_t& pos) {
  const std::size_t before = head_.size();
  if (before == 0) {
    // The common case: the whole head is in this read, parsed in place.
    const std::size_t end = data.find("\r\n\r\n", pos);
    if (end != std::string_view::npos) {
      if (end + 4 - pos > kMaxHead) return fail("response head over 64 KiB");
      const std::string_view head = data.substr(pos, end + 4 - pos);
      pos = end + 4;
      return parse_head(head);
    }
  }
  // The head is cut across reads: gathered, bounded.
  const std::size_t take = std::min(data.size() - pos, kMaxHead + 4 - before);
  head_.append(data.substr(pos, take));
  const std::size_t end = head_.find("\r\n\r\n", before < 3 ? 0 : before - 3);
  if (end == std::string::npos) {
    pos += take;
    return head_.size() >= kMaxHead + 4 ? fail("response head over 64 KiB") : Result::NeedMore;
  }
  pos += end + 4 - before;
  head_.resize(end + 4);
  const Result r = parse_head(head_);
  head_.clear();
  return r;
}

ResponseParser::Result ResponseParser::step(std::string_view data, std::size_t& pos) {
  switch (state_) {
    case State::Head:
      return pos == data.size() ? Result::NeedMore : take_head(data, pos);
    case State::Fixed:
      return take_body(data, pos) ? complete() : Result::NeedMore;
    case State::ChunkSize: {
      if (!take_line(data, pos)) return Result::NeedMore;
      std::string_view size_text = trim(std::string_view(line_).substr(0, line_.find_first_of(";\r\n")));
      std::uint64_t size = 0;
      auto [p, e] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
      if (e != std::errc() || p != size_text.data() + size_text.size()) {
        return fail(fmt::format("bad chunk size \"{}\"", size_text.substr(0, 20)));
      }
      line_.clear();
      remaining_ = size;
      state_ = size == 0 ? State::Trailers : State::ChunkData;
      return Result::NeedMore;
    }
    case State::ChunkData:
      if (take_body(data, pos)) state_ = State::ChunkDataEnd;
      return Result::NeedMore;
    case State::ChunkDataEnd: {
      if (!take_line(data, pos)) return Result::NeedMore;
      if (line_ != "\r\n" && line_ != "\n") return fail("chunk not followed by CRLF");
      line_.clear();
      state_ = State::ChunkSize;
      return Result::NeedMore;
    }
    case State::Trailers: {
      if (!take_line(data, pos)) return Result::NeedMore;
      const bool last = line_ == "\r\n" || line_ == "\n";
      line_.clear();
      return last ? complete() : Result::NeedMore;
    }
    case State::UntilClose:
      keep_body(data.substr(pos));
      pos = data.size();
      return Result::NeedMore;
  }
  return Result::NeedMore;
}

ResponseParser::Result ResponseParser::feed(std::string_view data, std::size_t& consumed) {
  std::size_t pos = 0;
  Result r = Result::NeedMore;
  for (;;) {
    const std::size_t at = pos;
    const State was = state_;
    r = step(data, pos);
    // Done, failed, or stuck until more bytes arrive.
    if (r != Result::NeedMore || (pos == at && state_ == was)) break;
  }
  consumed = pos;
  return r;
}

ResponseParser::Result ResponseParser::finish() {
  if (state_ == State::UntilClose) return complete();
  if (in_progress()) return fail("connection closed in the middle of a response");
  return Result::NeedMore;
}

}  // namespace vigil::harness::load
