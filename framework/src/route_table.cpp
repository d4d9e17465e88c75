#include "vigil/framework/route_table.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace vigil::framework {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

RouteTable parse_route_table(std::string_view text) {
  RouteTable table;
  int number = 0;
  while (!text.empty()) {
    ++number;
    const auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    const auto hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;

    std::size_t split = 0;
    while (split < line.size() && !is_space(line[split])) ++split;
    const auto method_text = line.substr(0, split);
    const auto path = trim(line.substr(split));
    const auto method = parse_method(method_text);
    if (!method) {
      table.error = fmt::format("line {}: unknown method '{}' (want METHOD PATH)", number, method_text);
      return table;
    }
    if (path.empty()) {
      table.error = fmt::format("line {}: missing path after {} (want METHOD PATH)", number, method_text);
      return table;
    }
    if (path.front() != '/' || path.find_first_of(" \t") != std::string_view::npos) {
      table.error = fmt::format("line {}: path '{}' must start with '/' and hold no spaces", number, path);
      return table;
    }
    table.lines.push_back({*method, std::string(path), number});
  }
  return table;
}

RouteTable load_route_table(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    RouteTable table;
    table.error = fmt::format("cannot read {}", file.string());
    return table;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto table = parse_route_table(text.str());
  if (!table.ok()) table.error = fmt::format("{}: {}", file.string(), table.error);
  return table;
}

std::optional<std::string> add_routes(Router& router, const std::vector<RouteLine>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    auto error = router.add(line.method, line.path, static_cast<RouteId>(i));
    if (!error) continue;
    if (error->existing != nullptr && error->existing->id < lines.size()) {
      return fmt::format("line {}: {} (line {})", line.line, error->message,
                         lines[error->existing->id].line);
    }
    return fmt::format("line {}: {}", line.line, error->message);
  }
  return std::nullopt;
}

std::string example_path(std::string_view pattern, unsigned long variant) {
  std::string out;
  out.reserve(pattern.size() + 16);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c != ':' && c != '*') {
      out.push_back(c);
      continue;
    }
    auto end = pattern.find('/', i);
    if (end == std::string_view::npos) end = pattern.size();
    if (c == ':') {
      out += fmt::format("{}-{}", pattern.substr(i + 1, end - i - 1), variant);
    } else {
      out += fmt::format("f{}/x.txt", variant);
    }
    i = end - 1;
  }
  return out;
}

std::filesystem::path github_api_routes_file() {
  return std::filesystem::path(VIGIL_FRAMEWORK_DATA_DIR) / "github_api_routes.txt";
}

}  // namespace vigil::framework
