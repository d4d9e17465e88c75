#include "vigil/framework/pipeline/event.hpp"

#include <algorithm>
#include <cstring>

namespace vigil::framework {
namespace {

constexpr std::size_t kMaxRetainedContextEntries = 32;

inline void clear_bounded(std::string& s, std::size_t max_retained) {
  if (s.capacity() > max_retained) [[unlikely]] {
    std::string().swap(s);
  } else {
    s.clear();
  }
}

}  // namespace

Event::~Event() { free_context(); }

// The allocation site of every context entry: a leak of context storage is
// attributed here in a stack (kept out of line on purpose).
__attribute__((noinline)) char* Event::own_context_entry(std::string_view key, std::string_view value) {
  char* storage = new char[key.size() + value.size()];
  if (!key.empty()) std::memcpy(storage, key.data(), key.size());
  if (!value.empty()) std::memcpy(storage + key.size(), value.data(), value.size());
  return storage;
}

void Event::set(std::string_view key, std::string_view value) {
  char* storage = own_context_entry(key, value);
  for (auto& entry : context_) {
    if (entry.key() == key) {
      delete[] entry.storage;
      entry = {storage, key.size(), value.size()};
      return;
    }
  }
  try {
    context_.push_back({storage, key.size(), value.size()});
  } catch (...) {
    delete[] storage;
    throw;
  }
}

std::optional<std::string_view> Event::get(std::string_view key) const {
  for (const auto& entry : context_) {
    if (entry.key() == key) return entry.value();
  }
  return std::nullopt;
}

bool Event::erase(std::string_view key) {
  auto it = std::find_if(context_.begin(), context_.end(),
                         [&](const ContextEntry& e) { return e.key() == key; });
  if (it == context_.end()) return false;
  delete[] it->storage;
  context_.erase(it);
  return true;
}

void Event::set_request_id(std::string_view id) {
  request_id_len_ = std::min(id.size(), request_id_.size());
  std::memcpy(request_id_.data(), id.data(), request_id_len_);
}

void Event::reset_request_fields() {
  method.clear();  // always within the small-string buffer
  clear_bounded(path, kMaxRetainedBytes);
  clear_bounded(query, kMaxRetainedBytes);
  query_params.clear();
  params.clear();
  headers.clear();
  clear_bounded(body, kMaxRetainedBytes);
  clear_bounded(remote_addr, kMaxRetainedBytes);
  arena = nullptr;
  response.status = 200;
  response.headers.clear();
  clear_bounded(response.body, kMaxRetainedBytes);
  request_id_len_ = 0;
}

void Event::free_context() {
  for (auto& entry : context_) delete[] entry.storage;
  context_.clear();
}

void Event::reset(EventReset how) {
  reset_request_fields();
  if (how == EventReset::ClearsMapsOnly) [[unlikely]] {
    // The bug: the map is emptied, but the storage its entries own is not freed.
    context_.clear();
    return;
  }
  if (!context_.empty()) free_context();
  if (context_.capacity() > kMaxRetainedContextEntries) std::vector<ContextEntry>().swap(context_);
}

}  // namespace vigil::framework
