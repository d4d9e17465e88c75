#include "vigil/framework/text/field_list.hpp"

#include <stdexcept>

namespace vigil::framework {
namespace {

std::uint32_t checked_u32(std::size_t n) {
  if (n > UINT32_MAX) throw std::length_error("FieldList: field text over 4 GiB");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

void FieldList::add(std::string_view name, std::string_view value) {
  Span span{};
  span.name_at = checked_u32(text_.size());
  span.name_len = checked_u32(name.size());
  span.value_at = checked_u32(text_.size() + name.size());
  span.value_len = checked_u32(value.size());
  checked_u32(text_.size() + name.size() + value.size());
  text_.append(name);
  text_.append(value);
  spans_.push_back(span);
}

void FieldList::set(std::string_view name, std::string_view value) {
  for (auto& span : spans_) {
    if (!iequals({text_.data() + span.name_at, span.name_len}, name)) continue;
    if (value.size() <= span.value_len) {
      // Fits in place: no growth of the text buffer on repeated sets.
      text_.replace(span.value_at, value.size(), value);
      span.value_len = checked_u32(value.size());
    } else {
      span.value_at = checked_u32(text_.size());
      span.value_len = checked_u32(value.size());
      text_.append(value);
    }
    return;
  }
  add(name, value);
}

std::optional<std::string_view> FieldList::find(std::string_view name) const {
  for (const auto& span : spans_) {
    if (iequals({text_.data() + span.name_at, span.name_len}, name)) {
      return std::string_view(text_.data() + span.value_at, span.value_len);
    }
  }
  return std::nullopt;
}

FieldList::Field FieldList::operator[](std::size_t i) const {
  const Span& span = spans_[i];
  return {{text_.data() + span.name_at, span.name_len}, {text_.data() + span.value_at, span.value_len}};
}

void FieldList::release_storage() {
  if (text_.capacity() > kMaxRetainedBytes) {
    std::string().swap(text_);
  } else {
    text_.clear();
  }
  if (spans_.capacity() > kMaxRetainedFields) {
    std::vector<Span>().swap(spans_);
  } else {
    spans_.clear();
  }
}

}  // namespace vigil::framework
