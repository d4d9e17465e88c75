#pragma once
// Inline SVG charts for the HTML renderer: no scripts, no network.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::reports {

std::string html_escape(std::string_view text);

struct ChartLine {
  std::string label;
  std::vector<std::pair<double, double>> points;
  std::string color;  // CSS colour
};

// Lines over a shared x/y range with axes, ticks and a legend.
std::string svg_line_chart(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<ChartLine>& lines);

struct ChartBar {
  std::string label;
  double value = 0;
  std::vector<double> samples;  // drawn as dots over the bar
  std::string color;
};

// Horizontal bars from zero (one per label), samples as dots: a metric's
// value before and after, or a single report's value.
std::string svg_bar_chart(const std::string& title, const std::string& unit, const std::vector<ChartBar>& bars);

struct ChangeBar {
  std::string label;
  double relative = 0;  // fraction; clipped for drawing
  std::string color;
};

// Diverging bars of relative change around 0%, one row per metric.
std::string svg_change_chart(const std::vector<ChangeBar>& changes);

}  // namespace vigil::reports
