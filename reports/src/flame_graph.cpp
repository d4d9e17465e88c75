#include "vigil/reports/flame_graph.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "flame_graph_script.hpp"
#include "vigil/reports/profile_shares.hpp"
#include "vigil/reports/svg.hpp"

namespace vigil::reports {

namespace {

constexpr double kGraphWidth = 1200;
constexpr double kPad = 10;
constexpr double kFrameHeight = 17;
constexpr double kGraphTop = 44;     // title and controls
constexpr double kGraphBottom = 26;  // hover details
// Frames narrower than this share of all samples are left out (they would
// be under a twentieth of a pixel unzoomed), as flamegraph.pl does.
constexpr double kNarrowest = 1.0 / 24000;

// The calling-context tree: one node per distinct path of frame names.
struct Node {
  explicit Node(std::string n) : name(std::move(n)) {}
  std::string name;
  std::string file;
  int line = 0;
  std::uint64_t location_samples = 0;  // samples behind file:line shown
  std::uint64_t total = 0, self = 0;
  std::map<std::string, std::size_t> children;  // by name: drawn in name order
};

struct Tree {
  std::vector<Node> nodes{Node("all")};

  explicit Tree(const Profile& p) {
    for (const auto& s : p.stacks) {
      if (s.samples == 0) continue;
      std::size_t at = 0;
      nodes[0].total += s.samples;
      for (const auto& f : s.frames) {
        const std::string name = frame_name(f);
        auto it = nodes[at].children.find(name);
        if (it == nodes[at].children.end()) {
          it = nodes[at].children.emplace(name, nodes.size()).first;
          nodes.push_back(Node(name));
        }
        at = it->second;
        Node& n = nodes[at];
        n.total += s.samples;
        // The node shows the file:line that the largest stack through it had.
        if (s.samples > n.location_samples && !f.file.empty()) {
          n.file = f.file;
          n.line = f.line;
          n.location_samples = s.samples;
        }
      }
      nodes[at].self += s.samples;
    }
  }

  // The node of `other` at the same path as node `index` of this tree.
  const Node* same_path(const Tree& other, const std::vector<std::size_t>& path) const {
    std::size_t at = 0;
    for (std::size_t i = 1; i < path.size(); ++i) {
      auto it = other.nodes[at].children.find(nodes[path[i]].name);
      if (it == other.nodes[at].children.end()) return nullptr;
      at = it->second;
    }
    return &other.nodes[at];
  }
};

std::uint32_t fnv1a(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

// flamegraph.pl's warm palette, by a hash of the name so a function keeps
// its colour from one graph to the next.
std::string warm_colour(std::string_view name) {
  const std::uint32_t h = fnv1a(name);
  const double a = (h & 0xff) / 255.0, b = ((h >> 8) & 0xff) / 255.0, c = ((h >> 16) & 0xff) / 255.0;
  return fmt::format("rgb({},{},{})", 205 + static_cast<int>(50 * c), static_cast<int>(230 * a),
                     static_cast<int>(55 * b));
}

struct FrameStyle {
  std::string fill;
  std::string extra_info;  // appended to the hover text
};

struct Differential {
  const Tree* base = nullptr;
  std::uint64_t base_samples = 0;
};

std::string percent(double fraction) { return fmt::format("{:.2f}%", fraction * 100); }

// A frame drawn: its node, x in samples, depth, and the node path from the root.
struct Placed {
  std::size_t node;
  std::uint64_t x;
  int depth;
  std::vector<std::size_t> path;
};

struct Layout {
  std::vector<Placed> placed;
  int max_depth = 0;
};

// Lays the tree out depth-first: x in samples, children in name order;
// frames narrower than kNarrowest of all samples are left out.
Layout lay_out(const Tree& tree, std::uint64_t total) {
  Layout layout;
  std::vector<Placed> todo{{0, 0, 0, {0}}};
  while (!todo.empty()) {
    Placed p = std::move(todo.back());
    todo.pop_back();
    const Node& n = tree.nodes[p.node];
    if (total == 0 || static_cast<double>(n.total) / static_cast<double>(total) < kNarrowest) continue;
    layout.max_depth = std::max(layout.max_depth, p.depth);
    std::uint64_t x = p.x;
    std::vector<Placed> children;
    for (const auto& [name, child] : n.children) {
      auto path = p.path;
      path.push_back(child);
      children.push_back({child, x, p.depth + 1, std::move(path)});
      x += tree.nodes[child].total;
    }
    for (auto it = children.rbegin(); it != children.rend(); ++it) todo.push_back(std::move(*it));
    layout.placed.push_back(std::move(p));
  }
  return layout;
}

// Differential colours: the change of each frame's share of all samples,
// tested frame by frame, Bonferroni over the frames drawn.
struct Changes {
  std::vector<double> change;            // share now minus share in the base, per placed frame
  std::vector<bool> significant;
  std::vector<std::uint64_t> base_total;  // the frame's samples in the base
  double largest = 0;                     // largest significant |change|
};

Changes changes_against(const Tree& tree, const std::vector<Placed>& placed, std::uint64_t total,
                        const Differential& diff) {
  Changes c;
  c.change.assign(placed.size(), 0);
  c.significant.assign(placed.size(), false);
  c.base_total.assign(placed.size(), 0);
  for (std::size_t i = 0; i < placed.size(); ++i) {
    const Node& n = tree.nodes[placed[i].node];
    const Node* base = tree.same_path(*diff.base, placed[i].path);
    const std::uint64_t before = c.base_total[i] = base ? base->total : 0;
    const double base_share = diff.base_samples ? static_cast<double>(before) / static_cast<double>(diff.base_samples) : 0;
    c.change[i] = static_cast<double>(n.total) / static_cast<double>(total) - base_share;
    const double p = two_proportion_p(before, diff.base_samples, n.total, total) * static_cast<double>(placed.size());
    c.significant[i] = p < 0.05;
    if (c.significant[i]) c.largest = std::max(c.largest, std::abs(c.change[i]));
  }
  return c;
}

std::string svg_head(std::string_view id, std::string_view title, double height, std::uint64_t total) {
  std::string out = fmt::format(
      "<svg id=\"{}\" class=\"vigil-flame\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 {} {}\" "
      "data-width=\"{}\" data-pad=\"{}\" data-total=\"{}\" font-family=\"monospace\" font-size=\"12\">\n"
      "<style>.vigil-flame g.f{{cursor:pointer}}.vigil-flame g.f:hover rect{{stroke:#000;stroke-width:.5}}"
      ".vigil-flame .control{{cursor:pointer;fill:#1f4e8c}}.vigil-flame text{{fill:#000}}</style>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"#fdfdf6\"/>\n"
      "<text x=\"{}\" y=\"18\" font-size=\"15\" font-weight=\"bold\">{}</text>\n"
      "<text class=\"reset control\" x=\"{}\" y=\"36\" style=\"display:none\">Reset zoom</text>\n"
      "<text class=\"search control\" x=\"{}\" y=\"36\" text-anchor=\"end\">Search</text>\n"
      "<text class=\"matched\" x=\"{}\" y=\"18\" text-anchor=\"end\"></text>\n",
      id, kGraphWidth, height, kGraphWidth, kPad, total, kPad, html_escape(title), kPad, kGraphWidth - kPad, kGraphWidth - kPad);
  if (total == 0) out += fmt::format("<text x=\"{}\" y=\"{}\">no samples</text>\n", kPad, kGraphTop + 12);
  return out;
}

std::string svg_graph(const Tree& tree, std::string_view id, std::string_view title, const Differential* diff) {
  const std::uint64_t total = tree.nodes[0].total;
  const Layout layout = lay_out(tree, total);
  const std::vector<Placed>& placed = layout.placed;
  const Changes changes = diff ? changes_against(tree, placed, total, *diff) : Changes{};

  const double height = kGraphTop + (layout.max_depth + 1) * kFrameHeight + kGraphBottom;
  const double scale = total ? (kGraphWidth - 2 * kPad) / static_cast<double>(total) : 0;
  std::string out = svg_head(id, title, height, total);
  out += "<g class=\"frames\">\n";
  for (std::size_t i = 0; i < placed.size(); ++i) {
    const Placed& p = placed[i];
    const Node& n = tree.nodes[p.node];
    std::string fill = warm_colour(n.name);
    std::string info = n.name;
    if (!n.file.empty()) info += fmt::format(" at {}:{}", n.file, n.line);
    info += fmt::format(" — {} samples ({}), self {} ({})", n.total,
                        percent(static_cast<double>(n.total) / static_cast<double>(total)), n.self,
                        percent(static_cast<double>(n.self) / static_cast<double>(total)));
    if (diff) {
      const std::uint64_t before = changes.base_total[i];
      info += fmt::format("; base {} samples ({}), change {:+.2f} points{}", before,
                          percent(diff->base_samples ? static_cast<double>(before) / static_cast<double>(diff->base_samples) : 0),
                          changes.change[i] * 100, changes.significant[i] ? "" : " (within noise)");
      if (!changes.significant[i] || changes.largest == 0) {
        fill = "rgb(200,200,200)";
      } else {
        const int k = 40 + static_cast<int>(std::lround(180 * std::abs(changes.change[i]) / changes.largest));
        fill = changes.change[i] > 0 ? fmt::format("rgb(255,{},{})", 255 - k, 255 - k)
                                     : fmt::format("rgb({},{},255)", 255 - k, 255 - k);
      }
    }
    const double x = kPad + static_cast<double>(p.x) * scale, w = static_cast<double>(n.total) * scale;
    const double y = kGraphTop + (layout.max_depth - p.depth) * kFrameHeight;
    const std::size_t chars = w > 6 ? static_cast<std::size_t>((w - 6) / 7) : 0;
    std::string label;
    if (chars >= 3) label = n.name.size() <= chars ? n.name : n.name.substr(0, chars - 2) + "..";
    out += fmt::format(
        "<g class=\"f\" data-x=\"{}\" data-w=\"{}\" data-d=\"{}\" data-name=\"{}\" data-fill=\"{}\"><title>{}</title>"
        "<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" rx=\"2\" fill=\"{}\"/>"
        "<text x=\"{:.2f}\" y=\"{}\">{}</text></g>\n",
        p.x, n.total, p.depth, html_escape(n.name), fill, html_escape(info), x, y, std::max(w - 0.5, 0.1),
        kFrameHeight - 1, fill, x + 3, y + kFrameHeight - 5, html_escape(label));
  }
  out += "</g>\n";
  out += fmt::format("<text class=\"details\" x=\"{}\" y=\"{}\"></text>\n", kPad, height - 8);
  out += fmt::format("<script><![CDATA[{}(document.getElementById(\"{}\"));\n]]></script>\n</svg>\n",
                     kFlameGraphScript, id);
  return out;
}

std::string fragment(const Tree& tree, std::string_view id, std::string_view title, const Differential* diff) {
  std::string legend;
  if (diff) {
    legend = "<span class=\"legend\"> Widths: current samples. <b style=\"color:#c00\">Red</b>: share grew, "
             "<b style=\"color:#00c\">blue</b>: shrank, grey: within noise.</span>";
  }
  return fmt::format(
      "<div class=\"flame-graph\"><p><input id=\"{}-search\" type=\"search\" placeholder=\"Search (regular "
      "expression)\" size=\"40\"> Click a frame to zoom; hover for details.{}</p>\n{}</div>\n",
      id, legend, svg_graph(tree, id, title, diff));
}

std::string page(std::string_view title, std::string_view subtitle, const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<style>body{{font:14px/1.45 system-ui,sans-serif;margin:16px;color:#1b1f23}}h1{{font-size:20px}}"
      ".sub{{color:#57606a}}</style></head><body>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n{}</body></html>\n",
      html_escape(title), html_escape(title), html_escape(subtitle), body);
}

std::string describe(const Profile& p) {
  std::string text = fmt::format("{} samples", total_samples(p));
  if (p.period_seconds > 0) text += fmt::format(" every {:.3g} ms of CPU time", p.period_seconds * 1000);
  if (p.threads > 0) text += fmt::format(", {} thread(s)", p.threads);
  return text;
}

constexpr const char* kXmlProlog = "<?xml version=\"1.0\" standalone=\"no\"?>\n";

}  // namespace

std::string flame_graph_fragment(const Profile& p, std::string_view id, std::string_view title) {
  return fragment(Tree(p), id, title, nullptr);
}

std::string differential_flame_graph_fragment(const Profile& base, const Profile& current, std::string_view id,
                                              std::string_view title) {
  const Tree before(base);
  const Differential diff{&before, total_samples(base)};
  return fragment(Tree(current), id, title, &diff);
}

std::string render_flame_graph_html(const Profile& p, std::string_view title) {
  return page(title, describe(p), flame_graph_fragment(p, "flame", title));
}

std::string render_flame_graph_svg(const Profile& p, std::string_view title) {
  return kXmlProlog + svg_graph(Tree(p), "flame", title, nullptr);
}

std::string render_differential_flame_graph_html(const Profile& base, const Profile& current, std::string_view title) {
  const std::string subtitle = fmt::format("base: {}; current: {}", describe(base), describe(current));
  return page(title, subtitle, differential_flame_graph_fragment(base, current, "flame", title));
}

std::string render_differential_flame_graph_svg(const Profile& base, const Profile& current, std::string_view title) {
  const Tree before(base);
  const Differential diff{&before, total_samples(base)};
  return kXmlProlog + svg_graph(Tree(current), "flame", title, &diff);
}

}  // namespace vigil::reports
