#pragma once
// Renderers for people and CI systems: markdown (a CI job summary), a
// self-contained HTML page with inline SVG charts, and JUnit XML.

#include <optional>
#include <string>

#include "vigil/reports/diff.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::reports {

enum class RenderFormat { Markdown, Html, Junit };
std::optional<RenderFormat> parse_render_format(const std::string& name);

std::string render_markdown(const Report& r);
std::string render_markdown(const DiffResult& d);
std::string render_html(const Report& r);
std::string render_html(const DiffResult& d);
// One test case per metric (a report's metrics pass unless the report has
// error findings, which are failures of their own cases); in a diff, one
// test case per gated metric, failing on a regression, plus new findings.
std::string render_junit(const Report& r);
std::string render_junit(const DiffResult& d);

std::string render(const Report& r, RenderFormat format);
std::string render(const DiffResult& d, RenderFormat format);

}  // namespace vigil::reports
