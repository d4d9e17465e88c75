#include <fmt/format.h>

#include "html_page.hpp"
#include "vigil/reports/detection_matrix.hpp"
#include "vigil/reports/svg.hpp"

namespace vigil::reports {

namespace {

constexpr const char* kCleanColor = "#8c8c8c";
constexpr const char* kDefectColor = "#d62728";

constexpr const char* kMatrixStyle = R"(
td.cell{text-align:center;min-width:90px}td.cell a{font-size:12px;margin:0 2px}
.caught{background:#dafbe1}.missed,.false-flag{background:#ffebe9;font-weight:600}.extra{background:#fff8c5}
.quiet{color:#57606a}.not-run{color:#afb8c1}a.flagged{color:#cf222e}a.clean{color:#57606a}
)";

std::string run_name(const std::string& tool, const MatrixRun& run) {
  return run.label.empty() ? tool : fmt::format("{} {}", tool, run.label);
}

std::string cell_html(const MatrixRow& row, const MatrixCell& cell) {
  const CellOutcome o = outcome(row, cell);
  std::string html = fmt::format("<td class=\"cell {}\"><div>{}</div>", to_string(o), outcome_mark(o));
  for (const auto& run : cell.runs) {
    const std::string label = run.label.empty() ? "report" : run.label;
    const std::string href = run.page.empty() ? run.report : run.page;
    html += fmt::format("<a class=\"{}\" href=\"{}\" title=\"{}\">{}</a>", run.flagged ? "flagged" : "clean",
                        html_escape(href), run.flagged ? "flagged" : "not flagged", html_escape(label));
  }
  return html + "</td>";
}

const MatrixRun* clean_run(const DetectionMatrix& m, std::size_t column, const std::string& label) {
  for (const auto& row : m.rows) {
    if (!row.clean) continue;
    for (const auto& run : row.cells[column].runs) {
      if (run.label == label) return &run;
    }
  }
  return nullptr;
}

// The before/after views of a defect row and, for each run that flagged it,
// its series drawn over the clean run's.
std::string defect_section(const DetectionMatrix& m, const MatrixRow& row) {
  std::string links, charts;
  for (std::size_t c = 0; c < m.columns.size(); ++c) {
    for (const auto& run : row.cells[c].runs) {
      if (!run.before_after.empty()) {
        links += fmt::format("<li><a href=\"{}\">{}</a>: clean → {}{}</li>\n", html_escape(run.before_after),
                             html_escape(run_name(m.columns[c], run)), html_escape(row.name),
                             run.flagged ? " (flagged)" : "");
      }
      if (!run.flagged) continue;
      const MatrixRun* base = clean_run(m, c, run.label);
      for (const auto& [name, s] : run.series) {
        std::vector<ChartLine> lines;
        if (base) {
          if (auto it = base->series.find(name); it != base->series.end()) {
            lines.push_back({"clean", it->second.points, kCleanColor});
          }
        }
        lines.push_back({row.name, s.points, kDefectColor});
        charts += svg_line_chart(fmt::format("{}: {}", run_name(m.columns[c], run), name), s.x, s.y, lines) + "\n";
      }
    }
  }
  std::string html = fmt::format("<h3 id=\"{0}\">{0}</h3>\n<p>{1}</p>\n", html_escape(row.name),
                                 html_escape(row.description));
  if (!links.empty()) html += "<ul>\n" + links + "</ul>\n";
  if (!charts.empty()) html += "<div class=\"charts\">\n" + charts + "</div>\n";
  return html;
}

}  // namespace

std::string render_matrix_html(const DetectionMatrix& m) {
  const bool pass = passed(m);
  std::string body = fmt::format("<h1>Vigil detection matrix: <span class=\"{0}\">{0}</span></h1>\n",
                                 pass ? "pass" : "fail");
  body += "<p>Each row switches one defect of the catalog on (the first, none). A cell is <b>caught</b> when the tool "
          "the catalog names flagged the defect, <b>MISSED</b> when it did not, <b>FALSE</b> when a tool flagged "
          "the clean core, <b>flagged</b> when a tool the catalog does not name flagged it too. Each link is one "
          "run of the tool (red: flagged).</p>\n";
  body += "<table><tr><th></th>";
  for (const auto& tool : m.columns) body += fmt::format("<th>{}</th>", html_escape(tool));
  body += "</tr>\n";
  for (const auto& row : m.rows) {
    const std::string name = row.clean ? html_escape(row.name)
                                       : fmt::format("<a href=\"#{0}\">{0}</a>", html_escape(row.name));
    body += fmt::format("<tr><th title=\"{}\">{}</th>", html_escape(row.description), name);
    for (const auto& cell : row.cells) body += cell_html(row, cell);
    body += "</tr>\n";
  }
  body += "</table>\n";
  if (!m.notes.empty()) {
    body += "<ul>\n";
    for (const auto& note : m.notes) body += fmt::format("<li>{}</li>\n", html_escape(note));
    body += "</ul>\n";
  }
  body += "<h2>Before and after, per defect</h2>\n";
  for (const auto& row : m.rows) {
    if (!row.clean) body += defect_section(m, row);
  }
  return html_page("Vigil detection matrix", body, kMatrixStyle);
}

}  // namespace vigil::reports
