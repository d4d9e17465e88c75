#include "vigil/harness/detection_matrix.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "vigil/harness/defects.hpp"

namespace vigil::harness {

namespace {

constexpr std::string_view kCleanRow = "clean";
constexpr std::size_t kFields = 6;

std::vector<std::string> split_tabs(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    fields.emplace_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

std::string dash_as_empty(std::string field) { return field == "-" ? std::string() : field; }

bool is_row(std::string_view name) { return name == kCleanRow || parse_defect(name).has_value(); }

std::size_t column_of(reports::DetectionMatrix& m, const std::string& tool) {
  const auto it = std::find(m.columns.begin(), m.columns.end(), tool);
  if (it != m.columns.end()) return static_cast<std::size_t>(it - m.columns.begin());
  m.columns.push_back(tool);
  return m.columns.size() - 1;
}

}  // namespace

std::vector<MatrixRunLine> parse_matrix_runs(std::string_view text, std::string_view source) {
  std::vector<MatrixRunLine> lines;
  std::size_t number = 0;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty() || line.starts_with('#')) continue;
    auto fields = split_tabs(line);
    if (fields.size() != kFields) {
      throw reports::ReportError(fmt::format(
          "{}:{}: expected {} tab-separated fields (row, tool, run, report, page, before/after), got {}", source,
          number, kFields, fields.size()));
    }
    if (!is_row(fields[0])) {
      throw reports::ReportError(
          fmt::format("{}:{}: row '{}' is neither clean nor a defect of the catalog", source, number, fields[0]));
    }
    if (fields[1].empty() || fields[1] == "-" || fields[3].empty() || fields[3] == "-") {
      throw reports::ReportError(fmt::format("{}:{}: a run needs a tool and a report", source, number));
    }
    lines.push_back({fields[0], fields[1], dash_as_empty(fields[2]), fields[3], dash_as_empty(fields[4]),
                     dash_as_empty(fields[5])});
  }
  return lines;
}

reports::DetectionMatrix build_detection_matrix(const std::vector<MatrixRunLine>& lines,
                                                const std::filesystem::path& folder) {
  reports::DetectionMatrix m;
  for (const auto& line : lines) column_of(m, line.tool);
  for (const auto& info : defect_catalog()) {
    for (const Flagger& f : info.flagged_by) column_of(m, std::string(f.tool));
  }

  m.rows.push_back({std::string(kCleanRow), "every defect off", true, {}});
  m.rows.back().cells.resize(m.columns.size());
  for (const auto& info : defect_catalog()) {
    reports::MatrixRow row{std::string(info.name), std::string(info.bug), false, {}};
    row.cells.resize(m.columns.size());
    for (std::size_t c = 0; c < m.columns.size(); ++c) row.cells[c].expected = must_flag(info, m.columns[c]);
    m.rows.push_back(std::move(row));
  }

  for (const auto& line : lines) {
    const reports::Report report = reports::read_report(folder / line.report);
    auto row = std::find_if(m.rows.begin(), m.rows.end(), [&](const auto& r) { return r.name == line.row; });
    reports::MatrixRun run{line.run, line.report, line.page, line.before_after,
                           report.verdict == reports::Verdict::Fail, report.series};
    row->cells[column_of(m, line.tool)].runs.push_back(std::move(run));
  }
  return m;
}

int run_matrix(const MatrixCommand& cmd, std::ostream& out, std::ostream& err) {
  try {
    std::ifstream in(cmd.runs_file);
    if (!in) throw reports::ReportError(fmt::format("{}: cannot read", cmd.runs_file));
    std::ostringstream text;
    text << in.rdbuf();
    const auto lines = parse_matrix_runs(text.str(), cmd.runs_file);
    if (lines.empty()) throw reports::ReportError(fmt::format("{}: no runs", cmd.runs_file));
    auto matrix = build_detection_matrix(lines, std::filesystem::path(cmd.runs_file).parent_path());
    matrix.notes = cmd.notes;
    // Render everything first, write after: a failure leaves no partial set.
    std::vector<std::pair<std::string, std::string>> files;
    if (!cmd.html_out.empty()) files.emplace_back(cmd.html_out, reports::render_matrix_html(matrix));
    if (!cmd.json_out.empty()) {
      files.emplace_back(cmd.json_out, reports::to_json(reports::matrix_to_report(matrix)).dump(2) + "\n");
    }
    for (const auto& [path, content] : files) reports::write_file_atomic(path, content);
    out << reports::format_matrix_text(matrix);
    return reports::passed(matrix) ? reports::kExitClean : reports::kExitProblem;
  } catch (const reports::ReportError& e) {
    err << "vigil-report: matrix: " << e.what() << "\n";
    return reports::kExitBadInput;
  }
}

}  // namespace vigil::harness
