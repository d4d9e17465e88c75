#include "vigil/profilers/callgrind_dump.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

namespace vigil::profilers {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// Callgrind compresses repeated names: "(12) /usr/lib/libc.so.6" defines id
// 12, a later "(12)" refers to it. One table per kind of name.
class NameTable {
 public:
  std::string resolve(std::string_view value, int line) {
    value = trim(value);
    if (value.empty() || value.front() != '(') return std::string(value);
    const auto close = value.find(')');
    if (close == std::string_view::npos) throw CallgrindFormatError(fmt::format("line {}: unclosed name id", line));
    const std::string id(value.substr(1, close - 1));
    const std::string_view rest = trim(value.substr(close + 1));
    if (!rest.empty()) return names_[id] = std::string(rest);
    auto it = names_.find(id);
    if (it == names_.end()) throw CallgrindFormatError(fmt::format("line {}: name id ({}) used before it was defined", line, id));
    return it->second;
  }

 private:
  std::unordered_map<std::string, std::string> names_;
};

// "Ir Dr Dw ..." -> the event of each cost column (nullopt: an event we do not use).
std::vector<std::optional<Event>> parse_events(std::string_view list) {
  std::vector<std::optional<Event>> columns;
  for (auto word : split_words(list)) columns.push_back(parse_event_name(word));
  return columns;
}

EventCounts parse_costs(const std::vector<std::string_view>& words, std::size_t first,
                        const std::vector<std::optional<Event>>& columns, int line) {
  EventCounts counts;
  for (std::size_t i = first, column = 0; i < words.size(); ++i, ++column) {
    if (column >= columns.size()) throw CallgrindFormatError(fmt::format("line {}: more costs than events", line));
    std::uint64_t v = 0;
    const auto w = words[i];
    const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc() || end != w.data() + w.size()) {
      throw CallgrindFormatError(fmt::format("line {}: bad cost \"{}\"", line, w));
    }
    if (columns[column]) counts[*columns[column]] += static_cast<double>(v);
  }
  return counts;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

CallgrindDump parse_callgrind_dump(std::string_view text, bool functions) {
  CallgrindDump dump;
  std::vector<std::optional<Event>> columns;
  std::size_t positions = 1;
  bool have_summary = false;
  NameTable objects, files, names;
  std::string object, file, function;
  bool call_cost_next = false;
  std::map<std::pair<std::string, std::string>, std::size_t> index;  // (object, function) -> functions[]
  int line_no = 0;

  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    const std::string_view line = trim(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;

    const char c = line.front();
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '*') {
      if (columns.empty()) throw CallgrindFormatError(fmt::format("line {}: costs before an events: line", line_no));
      const auto words = split_words(line);
      if (words.size() < positions) throw CallgrindFormatError(fmt::format("line {}: cost line without positions", line_no));
      if (call_cost_next) {
        call_cost_next = false;  // inclusive cost of a call: the callee's, not this function's
        continue;
      }
      if (function.empty()) throw CallgrindFormatError(fmt::format("line {}: costs outside a function", line_no));
      const EventCounts cost = parse_costs(words, positions, columns, line_no);
      auto [it, added] = index.try_emplace({object, function}, dump.functions.size());
      if (added) dump.functions.push_back(FunctionCost{function, object, file == "???" ? "" : file, {}});
      dump.functions[it->second].self += cost;
      continue;
    }

    const auto colon = line.find(':');
    const auto equals = line.find('=');
    if (equals != std::string_view::npos && (colon == std::string_view::npos || equals < colon)) {
      if (!functions) break;  // the header is over
      const std::string_view key = line.substr(0, equals), value = line.substr(equals + 1);
      if (key == "ob") {
        object = objects.resolve(value, line_no);
      } else if (key == "fl") {
        file = files.resolve(value, line_no);
      } else if (key == "fi" || key == "fe" || key == "cfi" || key == "cfl") {
        files.resolve(value, line_no);  // defines names used later; costs stay with the function
      } else if (key == "fn") {
        function = names.resolve(value, line_no);
      } else if (key == "cob") {
        objects.resolve(value, line_no);
      } else if (key == "cfn") {
        names.resolve(value, line_no);
      } else if (key == "calls") {
        call_cost_next = true;
      }
      continue;  // jump=, jcnd= and others carry no cost of their own
    }
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (key == "events") {
      columns = parse_events(value);
    } else if (key == "positions") {
      positions = split_words(value).size();
    } else if (key == "creator") {
      dump.creator = std::string(value);
    } else if (key == "part") {
      dump.part = std::atoi(std::string(value).c_str());
    } else if (key == "desc" && starts_with(value, "Trigger:")) {
      dump.trigger = std::string(trim(value.substr(8)));
    } else if (key == "summary" || (key == "totals" && !have_summary)) {
      if (columns.empty()) throw CallgrindFormatError(fmt::format("line {}: {} before events", line_no, key));
      dump.totals = parse_costs(split_words(value), 0, columns, line_no);
      have_summary = true;
    }
  }
  if (columns.empty()) throw CallgrindFormatError("no \"events:\" line: not a Callgrind output file");
  return dump;
}

CallgrindDump read_callgrind_dump(const std::filesystem::path& path, bool functions) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CallgrindFormatError(fmt::format("{}: cannot open", path.string()));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return parse_callgrind_dump(text, functions);
  } catch (const CallgrindFormatError& e) {
    throw CallgrindFormatError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

}  // namespace vigil::profilers
