#include "html_page.hpp"

#include <fmt/format.h>

#include "vigil/reports/svg.hpp"

namespace vigil::reports {

namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1b1f23;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#1a7f37}.fail{color:#cf222e}.regression{color:#cf222e;font-weight:600}.improvement{color:#1a7f37}
.env{color:#57606a}.charts{display:flex;flex-wrap:wrap;gap:12px}
.chart{background:#fff;border:1px solid #e1e4e8;border-radius:4px}
.chart text{font-size:11px;fill:#24292f}.chart .chart-title{font-size:13px;font-weight:600}
.chart .grid{stroke:#eaeef2}.chart .plot{fill:none;stroke:#d0d7de}.chart .sample{fill:#24292f;opacity:.6}
pre{background:#f6f8fa;padding:6px;overflow:auto;font-size:12px}
)";

}  // namespace

std::string html_page(const std::string& title, const std::string& body, const std::string& extra_style) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><style>{}{}</style></head>"
      "<body>\n{}</body></html>\n",
      html_escape(title), kStyle, extra_style, body);
}

}  // namespace vigil::reports
