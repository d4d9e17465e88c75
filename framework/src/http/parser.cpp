#include "vigil/framework/http/parser.hpp"

#include <algorithm>
#include <cstring>

#include "vigil/framework/routing/method.hpp"

namespace vigil::framework::http {
namespace {

// RFC 9110 tchar: the characters of a method or a header name.
constexpr std::array<bool, 256> make_token_table() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}
constexpr std::array<bool, 256> kTokenChar = make_token_table();

bool is_token_char(char c) { return kTokenChar[static_cast<unsigned char>(c)]; }

// Field values: HTAB, SP, visible ASCII and obs-text; never CR, LF, NUL, DEL.
bool is_field_value_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

// Request targets: visible ASCII only (no spaces, no controls, no obs-text).
bool is_target_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Does a comma-separated header value hold `token` (case-insensitive)?
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// A chunk-size line's extensions may not run on forever.
constexpr std::size_t kMaxChunkLineBytes = 1024;
// 15 hex digits already exceed any body limit; more would overflow.
constexpr std::size_t kMaxChunkSizeDigits = 15;

}  // namespace

RequestParser::RequestParser(const Limits& limits) : limits_(limits) {
  limits_.max_headers = std::min(limits_.max_headers, kMaxHeadersCapacity);
  // Offsets are 32-bit; the head limit keeps them far below that.
  limits_.max_head_bytes = std::min<std::size_t>(limits_.max_head_bytes, 1u << 24);
}

void RequestParser::reset() {
  // Field by field, not `*this = RequestParser(limits_)`: that zeroed and
  // copied the two header arrays (4.8 KB) on every request, though nothing
  // reads them past header_count_. Every other member goes back to its
  // initial value here.
  phase_ = Phase::Head;
  started_ = false;
  expect_continue_ = false;
  head_begin_ = scan_pos_ = line_begin_ = lines_ = head_end_ = 0;
  method_ = target_ = path_ = query_ = Span{};
  header_count_ = 0;
  version_minor_ = 1;
  host_count_ = 0;
  connection_close_ = connection_keep_alive_ = false;
  content_length_ = 0;
  has_content_length_ = chunked_ = false;
  body_len_ = raw_pos_ = 0;
  chunk_remaining_ = 0;
  chunk_size_digits_ = chunk_line_bytes_ = trailer_bytes_ = 0;
  request_ = Request{};
  consumed_ = 0;
  error_status_ = 0;
  error_reason_ = {};
}

ParseStatus RequestParser::fail(int status, std::string_view reason) {
  phase_ = Phase::Failed;
  error_status_ = status;
  error_reason_ = reason;
  return ParseStatus::Error;
}

ParseStatus RequestParser::parse(char* data, std::size_t len) {
  if (len > 0) started_ = true;
  if (phase_ == Phase::Head) {
    ParseStatus s = scan_head(data, len);
    if (s != ParseStatus::Incomplete || phase_ == Phase::Head) return s;
  }
  switch (phase_) {
    case Phase::FixedBody:
      if (len - head_end_ >= content_length_) {
        expect_continue_ = false;
        return complete(data, head_end_ + content_length_);
      }
      return ParseStatus::Incomplete;
    case Phase::Done:
      return ParseStatus::Complete;
    case Phase::Failed:
      return ParseStatus::Error;
    default:
      return parse_chunked(data, len);
  }
}

ParseStatus RequestParser::scan_head(const char* data, std::size_t len) {
  while (scan_pos_ < len) {
    const void* lf = std::memchr(data + scan_pos_, '\n', len - scan_pos_);
    if (lf == nullptr) {
      scan_pos_ = len;
      break;
    }
    std::size_t i = static_cast<std::size_t>(static_cast<const char*>(lf) - data);
    if (i == line_begin_ || data[i - 1] != '\r') return fail(400, "bare LF where CRLF belongs");
    scan_pos_ = i + 1;
    if (scan_pos_ > limits_.max_head_bytes) return fail(431, "request head too large");
    if (i - 1 == line_begin_) {  // an empty line
      if (line_begin_ == head_begin_) {
        // Empty lines before the request line are ignored (RFC 9112 2.2).
        head_begin_ = line_begin_ = scan_pos_;
        continue;
      }
      head_end_ = scan_pos_;
      return parse_head(data);
    }
    if (++lines_ > limits_.max_headers + 1) return fail(431, "too many header fields");
    line_begin_ = scan_pos_;
  }
  if (len > limits_.max_head_bytes) return fail(431, "request head too large");
  return ParseStatus::Incomplete;
}

ParseStatus RequestParser::parse_head(const char* data) {
  // The head is complete and every line ends in CRLF (checked by scan_head).
  const char* first_lf =
      static_cast<const char*>(std::memchr(data + head_begin_, '\n', head_end_ - head_begin_));
  std::size_t line_end = static_cast<std::size_t>(first_lf - data) - 1;  // at its CR
  if (ParseStatus s = parse_request_line(data, line_end); s != ParseStatus::Incomplete) return s;

  std::size_t begin = line_end + 2;
  while (begin + 2 < head_end_) {
    auto end = static_cast<std::size_t>(
        static_cast<const char*>(std::memchr(data + begin, '\n', head_end_ - begin)) - data) - 1;
    if (ParseStatus s = parse_header_line(data, begin, end); s != ParseStatus::Incomplete) return s;
    begin = end + 2;
  }

  if (chunked_ && has_content_length_) {
    return fail(400, "both Content-Length and Transfer-Encoding");
  }
  if (chunked_ && version_minor_ == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
  if (version_minor_ == 1 && host_count_ != 1) return fail(400, "missing or repeated Host header");

  if (chunked_) {
    phase_ = Phase::ChunkSize;
    raw_pos_ = head_end_;
    return ParseStatus::Incomplete;
  }
  if (content_length_ > limits_.max_body_bytes) return fail(413, "body too large");
  if (content_length_ == 0) expect_continue_ = false;
  phase_ = Phase::FixedBody;
  return ParseStatus::Incomplete;
}

ParseStatus RequestParser::parse_request_line(const char* data, std::size_t end) {
  std::size_t p = head_begin_;
  while (p < end && is_token_char(data[p])) ++p;
  if (p == head_begin_ || p == end || data[p] != ' ') {
    return fail(400, "malformed request line (method)");
  }
  method_ = {static_cast<std::uint32_t>(head_begin_), static_cast<std::uint32_t>(p - head_begin_)};

  std::size_t target_begin = ++p;
  while (p < end && data[p] != ' ') {
    if (!is_target_char(data[p])) return fail(400, "invalid character in request target");
    ++p;
  }
  if (p == target_begin || p == end) return fail(400, "malformed request line (target)");
  target_ = {static_cast<std::uint32_t>(target_begin), static_cast<std::uint32_t>(p - target_begin)};

  std::string_view version(data + p + 1, end - p - 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[5] < '0' ||
      version[5] > '9' || version[6] != '.' || version[7] < '0' || version[7] > '9') {
    return fail(400, "malformed HTTP version");
  }
  if (version[5] != '1' || version[7] > '1') return fail(505, "HTTP version not supported");
  version_minor_ = version[7] - '0';

  std::string_view method(data + method_.offset, method_.length);
  if (!parse_method(method)) return fail(501, "method not implemented");

  // The path: origin-form "/p?q", absolute-form "http://host/p?q", or "*".
  std::string_view target(data + target_.offset, target_.length);
  std::size_t path_begin = 0;
  if (target.front() == '/') {
    path_begin = 0;
  } else if (target == "*") {
    if (method != "OPTIONS") return fail(400, "asterisk target outside OPTIONS");
  } else if (istarts_with(target, "http://") || istarts_with(target, "https://")) {
    std::size_t authority = target.find("//") + 2;
    path_begin = target.find('/', authority);
    if (path_begin == std::string_view::npos) return fail(400, "absolute target without a path");
  } else {
    return fail(400, "invalid request target");
  }
  std::string_view path = target.substr(path_begin);
  std::size_t question = path.find('?');
  std::size_t path_len = question == std::string_view::npos ? path.size() : question;
  path_ = {static_cast<std::uint32_t>(target_.offset + path_begin),
           static_cast<std::uint32_t>(path_len)};
  if (question != std::string_view::npos) {
    query_ = {static_cast<std::uint32_t>(path_.offset + question + 1),
              static_cast<std::uint32_t>(path.size() - question - 1)};
  }
  return ParseStatus::Incomplete;
}

ParseStatus RequestParser::parse_header_line(const char* data, std::size_t begin,
                                             std::size_t end) {
  if (data[begin] == ' ' || data[begin] == '\t') return fail(400, "obsolete line folding");
  std::size_t p = begin;
  while (p < end && is_token_char(data[p])) ++p;
  if (p == begin || p == end || data[p] != ':') {
    return fail(400, "invalid character in header name");
  }
  std::size_t name_end = p++;
  while (p < end && (data[p] == ' ' || data[p] == '\t')) ++p;
  std::size_t value_begin = p;
  std::size_t value_end = p;
  for (; p < end; ++p) {
    if (!is_field_value_char(data[p])) return fail(400, "invalid character in header value");
    if (data[p] != ' ' && data[p] != '\t') value_end = p + 1;
  }

  std::string_view name(data + begin, name_end - begin);
  std::string_view value(data + value_begin, value_end - value_begin);
  header_spans_[header_count_++] = {
      {static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(name.size())},
      {static_cast<std::uint32_t>(value_begin), static_cast<std::uint32_t>(value.size())}};

  // Framing and connection semantics; only names of the right length compared.
  switch (name.size()) {
    case 4:
      if (iequals(name, "host")) ++host_count_;
      break;
    case 6:
      if (iequals(name, "expect") && iequals(value, "100-continue")) expect_continue_ = true;
      break;
    case 10:
      if (iequals(name, "connection")) {
        if (has_token(value, "close")) connection_close_ = true;
        if (has_token(value, "keep-alive")) connection_keep_alive_ = true;
      }
      break;
    case 14:
      if (iequals(name, "content-length")) {
        if (value.empty() || value.size() > 18) return fail(400, "invalid Content-Length");
        std::uint64_t n = 0;
        for (char c : value) {
          if (c < '0' || c > '9') return fail(400, "invalid Content-Length");
          n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (has_content_length_ && n != content_length_) {
          return fail(400, "conflicting Content-Length headers");
        }
        has_content_length_ = true;
        content_length_ = n;
      }
      break;
    case 17:
      if (iequals(name, "transfer-encoding")) {
        if (chunked_) return fail(400, "repeated Transfer-Encoding");
        if (!iequals(value, "chunked")) return fail(501, "transfer coding not implemented");
        chunked_ = true;
      }
      break;
    default:
      break;
  }
  return ParseStatus::Incomplete;
}

ParseStatus RequestParser::parse_chunked(char* data, std::size_t len) {
  std::size_t p = raw_pos_;
  while (p < len) {
    char c = data[p];
    switch (phase_) {
      case Phase::ChunkSize: {
        int v = hex_value(c);
        if (v >= 0) {
          if (chunk_size_digits_ == kMaxChunkSizeDigits) return fail(400, "bad chunk size");
          chunk_remaining_ = chunk_remaining_ * 16 + static_cast<std::uint64_t>(v);
          ++chunk_size_digits_;
          ++p;
          break;
        }
        if (chunk_size_digits_ == 0) return fail(400, "bad chunk size");
        if (c == ';' || c == ' ' || c == '\t') {
          phase_ = Phase::ChunkExtension;
        } else if (c == '\r') {
          phase_ = Phase::ChunkSizeLf;
        } else {
          return fail(400, "bad chunk size");
        }
        ++p;
        break;
      }
      case Phase::ChunkExtension:
        if (c == '\r') {
          phase_ = Phase::ChunkSizeLf;
        } else if (!is_field_value_char(c)) {
          return fail(400, "invalid character in chunk extension");
        } else if (++chunk_line_bytes_ > kMaxChunkLineBytes) {
          return fail(400, "chunk extension too long");
        }
        ++p;
        break;
      case Phase::ChunkSizeLf:
        if (c != '\n') return fail(400, "bare CR where CRLF belongs");
        ++p;
        if (chunk_remaining_ == 0) {
          phase_ = Phase::TrailerLineStart;
        } else if (body_len_ + chunk_remaining_ > limits_.max_body_bytes) {
          return fail(413, "body too large");
        } else {
          expect_continue_ = false;
          phase_ = Phase::ChunkData;
        }
        break;
      case Phase::ChunkData: {
        std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>(len - p, chunk_remaining_));
        char* dest = data + head_end_ + body_len_;
        if (dest != data + p) std::memmove(dest, data + p, n);
        body_len_ += n;
        p += n;
        chunk_remaining_ -= n;
        if (chunk_remaining_ == 0) phase_ = Phase::ChunkDataCr;
        break;
      }
      case Phase::ChunkDataCr:
        if (c != '\r') return fail(400, "chunk data longer than its size");
        phase_ = Phase::ChunkDataLf;
        ++p;
        break;
      case Phase::ChunkDataLf:
        if (c != '\n') return fail(400, "bare CR where CRLF belongs");
        phase_ = Phase::ChunkSize;
        chunk_size_digits_ = 0;
        chunk_line_bytes_ = 0;
        ++p;
        break;
      case Phase::TrailerLineStart:
      case Phase::TrailerLine:
        if (++trailer_bytes_ > limits_.max_head_bytes) return fail(431, "trailer too large");
        if (c == '\r') {
          phase_ = phase_ == Phase::TrailerLineStart ? Phase::TrailerEndLf : Phase::TrailerLineLf;
        } else if (c == '\n') {
          return fail(400, "bare LF where CRLF belongs");
        } else if (!is_field_value_char(c)) {
          return fail(400, "invalid character in trailer");
        } else {
          phase_ = Phase::TrailerLine;
        }
        ++p;
        break;
      case Phase::TrailerLineLf:
        if (c != '\n') return fail(400, "bare CR where CRLF belongs");
        phase_ = Phase::TrailerLineStart;
        ++p;
        break;
      case Phase::TrailerEndLf:
        if (c != '\n') return fail(400, "bare CR where CRLF belongs");
        raw_pos_ = p + 1;
        return complete(data, raw_pos_);
      default:
        return fail(400, "parser misuse");
    }
  }
  raw_pos_ = p;
  return ParseStatus::Incomplete;
}

std::size_t RequestParser::compact(char* data, std::size_t len) {
  if (!chunked_ || phase_ < Phase::ChunkSize || phase_ >= Phase::Done) return 0;
  std::size_t decoded_end = head_end_ + body_len_;
  std::size_t gap = raw_pos_ - decoded_end;
  if (gap == 0) return 0;
  std::memmove(data + decoded_end, data + raw_pos_, len - raw_pos_);
  raw_pos_ = decoded_end;
  return gap;
}

ParseStatus RequestParser::complete(char* data, std::size_t end) {
  auto view = [data](Span s) { return std::string_view(data + s.offset, s.length); };
  request_.method = view(method_);
  request_.target = view(target_);
  request_.path = view(path_);
  request_.query = view(query_);
  request_.version_minor = version_minor_;
  for (std::size_t i = 0; i < header_count_; ++i) {
    headers_[i] = {view(header_spans_[i].name), view(header_spans_[i].value)};
  }
  request_.headers = std::span<const Header>(headers_.data(), header_count_);
  std::size_t body_len = chunked_ ? body_len_ : static_cast<std::size_t>(content_length_);
  request_.body = std::string_view(data + head_end_, body_len);
  request_.keep_alive = version_minor_ == 1 ? !connection_close_
                                            : connection_keep_alive_ && !connection_close_;
  consumed_ = end;
  phase_ = Phase::Done;
  return ParseStatus::Complete;
}

}  // namespace vigil::framework::http
