#include "vigil/reports/svg.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace vigil::reports {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

constexpr double kWidth = 640, kHeight = 260;
constexpr double kLeft = 70, kRight = 20, kTop = 30, kBottom = 45;
// Points per line beyond which lines are thinned (every k-th point kept).
constexpr std::size_t kMaxPoints = 2000;

std::string tick_label(double v) { return fmt::format("{:.4g}", v); }

struct Range {
  double lo = 0, hi = 1;
  void widen_if_flat() {
    if (hi - lo <= 0) {
      const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
      lo -= pad;
      hi += pad;
    }
  }
};

std::string open_svg(double width, double height, const std::string& title) {
  return fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" "
      "height=\"{1}\" role=\"img\" aria-label=\"{2}\"><title>{2}</title>"
      "<text x=\"{3}\" y=\"18\" class=\"chart-title\">{2}</text>",
      width, height, html_escape(title), kLeft);
}

}  // namespace

std::string svg_line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                           const std::vector<ChartLine>& lines) {
  Range xr{INFINITY, -INFINITY}, yr{INFINITY, -INFINITY};
  for (const auto& line : lines) {
    for (const auto& [x, y] : line.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      xr.lo = std::min(xr.lo, x);
      xr.hi = std::max(xr.hi, x);
      yr.lo = std::min(yr.lo, y);
      yr.hi = std::max(yr.hi, y);
    }
  }
  std::string svg = open_svg(kWidth, kHeight, title);
  if (!(xr.lo <= xr.hi)) {
    return svg + fmt::format("<text x=\"{}\" y=\"{}\">no data</text></svg>", kWidth / 2 - 30, kHeight / 2);
  }
  yr.lo = std::min(yr.lo, 0.0);  // counts and sizes read best from zero
  xr.widen_if_flat();
  yr.widen_if_flat();
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto sx = [&](double x) { return kLeft + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto sy = [&](double y) { return kTop + ph - (y - yr.lo) / (yr.hi - yr.lo) * ph; };

  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"plot\"/>", kLeft, kTop, pw, ph);
  for (int i = 0; i <= 4; ++i) {
    const double fy = yr.lo + (yr.hi - yr.lo) * i / 4, fx = xr.lo + (xr.hi - xr.lo) * i / 4;
    svg += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" class=\"grid\"/>", kLeft,
                       kLeft + pw, sy(fy));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{}</text>", kLeft - 4,
                       sy(fy) + 4, tick_label(fy));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"middle\">{}</text>", sx(fx),
                       kTop + ph + 14, tick_label(fx));
  }
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
                     kLeft + pw / 2, kHeight - 8, html_escape(x_label));
  svg += fmt::format(
      "<text x=\"14\" y=\"{0:.1f}\" class=\"axis\" text-anchor=\"middle\" transform=\"rotate(-90 14 {0:.1f})\">{1}</text>",
      kTop + ph / 2, html_escape(y_label));

  double legend_x = kLeft + 200;
  for (const auto& line : lines) {
    const std::size_t step = std::max<std::size_t>(1, line.points.size() / kMaxPoints + 1);
    std::string pts;
    for (std::size_t i = 0; i < line.points.size(); i += step) {
      const auto& [x, y] = line.points[i];
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      pts += fmt::format("{:.1f},{:.1f} ", sx(x), sy(y));
    }
    svg += fmt::format("<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
                       line.color, pts);
    if (line.points.size() <= 60) {
      for (const auto& [x, y] : line.points) {
        if (!std::isfinite(x) || !std::isfinite(y)) continue;
        svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>", sx(x), sy(y), line.color);
      }
    }
    if (!line.label.empty()) {
      svg += fmt::format("<rect x=\"{:.1f}\" y=\"10\" width=\"10\" height=\"10\" fill=\"{}\"/>", legend_x,
                         line.color);
      svg += fmt::format("<text x=\"{:.1f}\" y=\"19\" class=\"legend\">{}</text>", legend_x + 14,
                         html_escape(line.label));
      legend_x += 30 + 7.0 * static_cast<double>(line.label.size());
    }
  }
  return svg + "</svg>";
}

std::string svg_bar_chart(const std::string& title, const std::string& unit, const std::vector<ChartBar>& bars) {
  constexpr double row = 26, label_w = 90, width = 480;
  const double height = kTop + row * static_cast<double>(bars.size()) + 24;
  double hi = 0, lo = 0;
  for (const auto& b : bars) {
    for (double v : b.samples) {
      if (std::isfinite(v)) hi = std::max(hi, v), lo = std::min(lo, v);
    }
    if (std::isfinite(b.value)) hi = std::max(hi, b.value), lo = std::min(lo, b.value);
  }
  if (hi - lo <= 0) hi = lo + 1;
  const double pw = width - label_w - 90;
  auto sx = [&](double v) { return label_w + (v - lo) / (hi - lo) * pw; };
  std::string svg = open_svg(width, height, title);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const double y = kTop + row * static_cast<double>(i);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"legend\" text-anchor=\"end\">{}</text>",
                       label_w - 6, y + 15, html_escape(b.label));
    if (!std::isfinite(b.value)) {
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">nan</text>", label_w, y + 15);
      continue;
    }
    const double x0 = sx(std::min(0.0, b.value)), x1 = sx(std::max(0.0, b.value));
    svg += fmt::format("<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"18\" fill=\"{}\"/>",
                       x0, y + 2, std::max(1.0, x1 - x0), b.color);
    for (double v : b.samples) {
      if (std::isfinite(v)) {
        svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" class=\"sample\"/>", sx(v), y + 11);
      }
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\">{} {}</text>", x1 + 6, y + 15,
                       tick_label(b.value), html_escape(unit));
  }
  return svg + "</svg>";
}

std::string svg_change_chart(const std::vector<ChangeBar>& changes) {
  constexpr double row = 20, label_w = 300, width = 720, clip = 1.0;  // bars clipped at +-100%
  const double height = kTop + row * static_cast<double>(changes.size()) + 24;
  double span = 0.05;
  for (const auto& c : changes) {
    if (std::isfinite(c.relative)) span = std::max(span, std::min(clip, std::abs(c.relative)));
  }
  const double pw = width - label_w - 80, mid = label_w + pw / 2;
  auto sx = [&](double r) { return mid + std::clamp(r, -span, span) / span * (pw / 2); };
  std::string svg = open_svg(width, height, "Relative change per metric");
  svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2:.1f}\" class=\"grid\"/>", mid, kTop,
                     height - 20);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"middle\">-{:.0f}%</text>",
                     label_w, height - 6, span * 100);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"middle\">0%</text>", mid,
                     height - 6);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"middle\">+{:.0f}%</text>",
                     label_w + pw, height - 6, span * 100);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto& c = changes[i];
    const double y = kTop + row * static_cast<double>(i);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"legend\" text-anchor=\"end\">{}</text>",
                       label_w - 6, y + 13, html_escape(c.label));
    const double r = std::isfinite(c.relative) ? c.relative : (c.relative > 0 ? span : -span);
    const double x0 = std::min(mid, sx(r)), x1 = std::max(mid, sx(r));
    svg += fmt::format("<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"14\" fill=\"{}\"/>",
                       x0, y + 2, std::max(1.0, x1 - x0), c.color);
    const std::string text = std::isfinite(c.relative) ? fmt::format("{:+.1f}%", c.relative * 100)
                                                        : (c.relative > 0 ? "+inf%" : "-inf%");
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\">{}</text>", label_w + pw + 6, y + 13, text);
  }
  return svg + "</svg>";
}

}  // namespace vigil::reports
