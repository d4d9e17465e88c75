#pragma once
// Incremental, strict HTTP/1.1 request parser. The connection keeps the bytes
// of the current request in one buffer and calls parse() each time more
// arrive; the parser remembers how far it got, so no byte is scanned twice
// (except the request head, validated once when its end has been seen).
// Chunked bodies are decoded in place, inside that same buffer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vigil/framework/http/limits.hpp"
#include "vigil/framework/http/message.hpp"

namespace vigil::framework::http {

enum class ParseStatus { Incomplete, Complete, Error };

class RequestParser {
 public:
  static constexpr std::size_t kMaxHeadersCapacity = 100;

  explicit RequestParser(const Limits& limits = {});

  // `data` holds the bytes of the current request from its first byte (and
  // possibly pipelined requests after it); `len` only grows between calls
  // until Complete or Error, though `data` may move (buffer growth). The
  // buffer is written to when a chunked body is decoded.
  ParseStatus parse(char* data, std::size_t len);

  // After Complete: the request, with views into `data`, and how many bytes
  // of `data` it used (the next request starts there).
  const Request& request() const { return request_; }
  std::size_t consumed() const { return consumed_; }

  // After Error: the status to answer with (400, 413, 431, 501, 505) and a
  // short reason for the response body.
  int error_status() const { return error_status_; }
  std::string_view error_reason() const { return error_reason_; }

  // True once the head is complete (a partial request is "in flight").
  bool head_complete() const { return phase_ > Phase::Head; }
  // True when at least one byte of the current request has been seen.
  bool started() const { return started_; }
  // The client sent "Expect: 100-continue" and the body has not arrived yet.
  bool expects_continue() const { return expect_continue_; }

  // Chunked decoding leaves consumed framing bytes between the decoded body
  // and the unparsed input. Moves the unparsed bytes down over that gap and
  // returns how many bytes the buffer shrank by (the caller shortens `len`).
  std::size_t compact(char* data, std::size_t len);

  // Ready for the next request.
  void reset();

 private:
  enum class Phase : std::uint8_t {
    Head,
    FixedBody,
    ChunkSize,
    ChunkExtension,
    ChunkSizeLf,
    ChunkData,
    ChunkDataCr,
    ChunkDataLf,
    TrailerLineStart,
    TrailerLine,
    TrailerLineLf,
    TrailerEndLf,
    Done,
    Failed,
  };

  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
  };
  struct HeaderSpans {
    Span name, value;
  };

  ParseStatus fail(int status, std::string_view reason);
  ParseStatus scan_head(const char* data, std::size_t len);
  ParseStatus parse_head(const char* data);
  ParseStatus parse_request_line(const char* data, std::size_t line_end);
  ParseStatus parse_header_line(const char* data, std::size_t begin, std::size_t end);
  ParseStatus parse_chunked(char* data, std::size_t len);
  ParseStatus complete(char* data, std::size_t end);

  Limits limits_;
  Phase phase_ = Phase::Head;
  bool started_ = false;
  bool expect_continue_ = false;

  // Head scanning.
  std::size_t head_begin_ = 0;  // leading empty lines are skipped
  std::size_t scan_pos_ = 0;
  std::size_t line_begin_ = 0;
  std::size_t lines_ = 0;
  std::size_t head_end_ = 0;

  // Request line and headers, as offsets (the buffer may move until Complete).
  Span method_, target_, path_, query_;
  std::array<HeaderSpans, kMaxHeadersCapacity> header_spans_{};
  std::size_t header_count_ = 0;
  int version_minor_ = 1;
  std::size_t host_count_ = 0;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;

  // Body.
  std::uint64_t content_length_ = 0;
  bool has_content_length_ = false;
  bool chunked_ = false;
  std::size_t body_len_ = 0;   // decoded bytes, stored from head_end_
  std::size_t raw_pos_ = 0;    // next unparsed byte (chunked)
  std::uint64_t chunk_remaining_ = 0;
  std::size_t chunk_size_digits_ = 0;
  std::size_t chunk_line_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;

  std::array<Header, kMaxHeadersCapacity> headers_{};
  Request request_;
  std::size_t consumed_ = 0;
  int error_status_ = 0;
  std::string_view error_reason_;
};

}  // namespace vigil::framework::http
