#pragma once
// An incremental HTTP/1.1 response parser for the load generator: bytes go
// in as they arrive (any split), complete responses come out with their
// status, whether the server closes the connection after them, and (when
// asked for) their body. Content-Length, chunked bodies, and the responses
// that never have a body (HEAD, 1xx, 204, 304).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::harness::load {

class ResponseParser {
 public:
  enum class Result { NeedMore, Complete, Error };

  // Keeps up to `max_body` bytes of each body for body(); 0 keeps none.
  explicit ResponseParser(std::size_t max_body = 0) : max_body_(max_body) {}

  // Before the first byte of each response: whether it answers a HEAD request.
  void expect(bool head_request) { head_request_ = head_request; }

  // Parses from `data`; `consumed` is how many bytes were used. On Complete
  // the response's facts are readable until the next feed(); bytes after it
  // belong to the next response. On Error, error() says why.
  Result feed(std::string_view data, std::size_t& consumed);
  // The connection reached end of file: completes a body delimited by it.
  Result finish();
  // Parsing has begun on a response not yet complete.
  bool in_progress() const { return state_ != State::Head || !head_.empty(); }

  int status() const { return status_; }
  bool closes() const { return closes_; }
  std::string_view body() const { return body_; }
  const std::string& error() const { return error_; }

  void reset();

 private:
  enum class State { Head, Fixed, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose };
  static constexpr std::size_t kMaxHead = 64 * 1024;

  Result parse_head(std::string_view head);
  // One step of the state machine on `data` from `pos`.
  Result step(std::string_view data, std::size_t& pos);
  Result take_head(std::string_view data, std::size_t& pos);
  Result fail(std::string reason);
  Result complete();
  void keep_body(std::string_view bytes);
  // Takes up to remaining_ body bytes from `data` at `pos`; true when all are in.
  bool take_body(std::string_view data, std::size_t& pos);
  // Takes bytes up to and including the next "\r\n" into line_; false when
  // the line is not complete yet.
  bool take_line(std::string_view data, std::size_t& pos);

  std::size_t max_body_;
  bool head_request_ = false;
  State state_ = State::Head;
  std::string head_;
  std::string line_;
  std::string body_;
  std::uint64_t remaining_ = 0;
  int status_ = 0;
  bool closes_ = false;
  std::string error_;
};

}  // namespace vigil::harness::load
