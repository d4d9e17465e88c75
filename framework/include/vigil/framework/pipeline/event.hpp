#pragma once
// The request context ("event") handed through middleware to a handler, and
// recycled by EventPool between requests.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/text/field_list.hpp"

namespace vigil::framework {

class Arena;

// What Event::reset() does with the context map's entries.
enum class EventReset : std::uint8_t {
  FreesOwned,      // frees the key/value storage every entry owns
  ClearsMapsOnly,  // empties the map and leaves the storage allocated (the event-pool-leak bug)
};

struct Response {
  int status = 200;
  FieldList headers;
  std::string body;
};

class Event {
 public:
  // Request strings keep their capacity across reset() up to this size.
  static constexpr std::size_t kMaxRetainedBytes = 16 * 1024;
  static constexpr std::size_t kMaxRequestIdLength = 32;

  Event() = default;
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Request. The method is kept as text ("GET", "OPTIONS"): always within the
  // small-string buffer, so it never allocates.
  std::string method;
  std::string path;
  std::string query;         // raw query string, without '?'
  FieldList query_params;    // decoded query fields (the pipeline fills them)
  FieldList params;          // route parameters (owned copies)
  FieldList headers;
  std::string body;
  std::string remote_addr;   // client key, e.g. "127.0.0.1:40312"
  Arena* arena = nullptr;    // per-request arena, set by the pipeline (not owned)

  Response response;

  // String-keyed context map shared by middleware and handler. Each entry
  // owns a copy of its key and value; set() replaces an existing key.
  void set(std::string_view key, std::string_view value);
  std::optional<std::string_view> get(std::string_view key) const;
  bool erase(std::string_view key);
  std::size_t context_size() const { return context_.size(); }

  // Request id, held inline (the request-id middleware fills it without heap).
  void set_request_id(std::string_view id);
  std::string_view request_id() const { return {request_id_.data(), request_id_len_}; }

  // Releases everything a request put in; keeps capacity only within bounds.
  // ClearsMapsOnly forgets the context map's storage: every request leaks it.
  void reset(EventReset how = EventReset::FreesOwned);

 private:
  struct ContextEntry {
    char* storage;  // key bytes, then value bytes; owned
    std::size_t key_len;
    std::size_t value_len;
    std::string_view key() const { return {storage, key_len}; }
    std::string_view value() const { return {storage + key_len, value_len}; }
  };
  static char* own_context_entry(std::string_view key, std::string_view value);
  void reset_request_fields();
  void free_context();

  friend class EventPool;
  Event* pool_next_ = nullptr;  // link in the pool's shared store

  std::vector<ContextEntry> context_;
  std::array<char, kMaxRequestIdLength> request_id_{};
  std::size_t request_id_len_ = 0;
};

}  // namespace vigil::framework
