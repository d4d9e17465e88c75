#include "vigil/reports/detection_matrix.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace vigil::reports {

namespace {

constexpr std::size_t kFirstColumnWidth = 24;

bool is_failure(CellOutcome o) { return o == CellOutcome::Missed || o == CellOutcome::FalseFlag; }

// "vigil-leak-test" -> "leak-test": the table's header.
std::string column_title(const std::string& tool) {
  return tool.starts_with("vigil-") ? tool.substr(6) : tool;
}

std::size_t column_width(const std::string& tool) { return std::max<std::size_t>(column_title(tool).size(), 7) + 2; }

}  // namespace

bool MatrixCell::flagged() const {
  return std::any_of(runs.begin(), runs.end(), [](const MatrixRun& r) { return r.flagged; });
}

CellOutcome outcome(const MatrixRow& row, const MatrixCell& cell) {
  const bool flagged = cell.flagged();
  if (row.clean) {
    if (flagged) return CellOutcome::FalseFlag;
    return cell.ran() ? CellOutcome::Quiet : CellOutcome::NotRun;
  }
  if (cell.expected) return flagged ? CellOutcome::Caught : CellOutcome::Missed;
  if (flagged) return CellOutcome::Extra;
  return cell.ran() ? CellOutcome::Quiet : CellOutcome::NotRun;
}

std::string_view outcome_mark(CellOutcome o) {
  switch (o) {
    case CellOutcome::Caught: return "caught";
    case CellOutcome::Missed: return "MISSED";
    case CellOutcome::FalseFlag: return "FALSE";
    case CellOutcome::Extra: return "flagged";
    case CellOutcome::Quiet: return ".";
    case CellOutcome::NotRun: return "-";
  }
  return "?";
}

std::string to_string(CellOutcome o) {
  switch (o) {
    case CellOutcome::Caught: return "caught";
    case CellOutcome::Missed: return "missed";
    case CellOutcome::FalseFlag: return "false-flag";
    case CellOutcome::Extra: return "extra";
    case CellOutcome::Quiet: return "quiet";
    case CellOutcome::NotRun: return "not-run";
  }
  return "unknown";
}

bool passed(const DetectionMatrix& m) {
  for (const auto& row : m.rows) {
    for (const auto& cell : row.cells) {
      if (is_failure(outcome(row, cell))) return false;
    }
  }
  return true;
}

std::string format_matrix_text(const DetectionMatrix& m) {
  std::string out = fmt::format("{:<{}}", "", kFirstColumnWidth);
  for (const auto& tool : m.columns) out += fmt::format("{:>{}}", column_title(tool), column_width(tool));
  out += "\n";
  std::string failures;
  for (const auto& row : m.rows) {
    out += fmt::format("{:<{}}", row.name, kFirstColumnWidth);
    for (std::size_t c = 0; c < m.columns.size(); ++c) {
      const CellOutcome o = outcome(row, row.cells[c]);
      out += fmt::format("{:>{}}", outcome_mark(o), column_width(m.columns[c]));
      if (o == CellOutcome::Missed) {
        failures += fmt::format("  {} missed {}{}\n", m.columns[c], row.name,
                                row.cells[c].ran() ? "" : " (it did not run)");
      } else if (o == CellOutcome::FalseFlag) {
        failures += fmt::format("  {} flagged the clean core\n", m.columns[c]);
      }
    }
    out += "\n";
  }
  out += "\ncaught: flagged, as the catalog says; MISSED: the catalog's tool did not flag it; FALSE: flagged on the "
         "clean core;\nflagged: flagged too, though the catalog does not ask it; .: not flagged; -: not run\n";
  for (const auto& note : m.notes) out += fmt::format("note: {}\n", note);
  if (!failures.empty()) out += "\nfailed cells:\n" + failures;
  return out;
}

Report matrix_to_report(const DetectionMatrix& m) {
  Report r = make_report("detection-matrix");
  r.config["columns"] = m.columns;
  nlohmann::json rows = nlohmann::json::array();
  std::map<CellOutcome, int> counts;
  for (const auto& row : m.rows) {
    nlohmann::json cells = nlohmann::json::object();
    for (std::size_t c = 0; c < m.columns.size(); ++c) {
      const CellOutcome o = outcome(row, row.cells[c]);
      ++counts[o];
      nlohmann::json runs = nlohmann::json::array();
      for (const auto& run : row.cells[c].runs) {
        runs.push_back({{"label", run.label}, {"report", run.report}, {"flagged", run.flagged}});
      }
      cells[m.columns[c]] = {{"outcome", to_string(o)}, {"expected", row.cells[c].expected}, {"runs", runs}};
      if (!is_failure(o)) continue;
      Finding f;
      f.kind = o == CellOutcome::Missed ? "missed-defect" : "false-flag";
      f.severity = Severity::Error;
      f.message = o == CellOutcome::Missed ? fmt::format("{} did not flag {}", m.columns[c], row.name)
                                           : fmt::format("{} flagged the clean core", m.columns[c]);
      f.extra = {{"row", row.name}, {"tool", m.columns[c]}};
      r.add_finding(std::move(f));
    }
    rows.push_back({{"name", row.name}, {"clean", row.clean}, {"cells", cells}});
  }
  r.config["rows"] = rows;
  r.config["notes"] = m.notes;
  r.set_metric("matrix.caught", counts[CellOutcome::Caught], "cells", Better::Higher);
  r.set_metric("matrix.missed", counts[CellOutcome::Missed], "cells", Better::Lower);
  r.set_metric("matrix.false_flags", counts[CellOutcome::FalseFlag], "cells", Better::Lower);
  r.set_metric("matrix.extra_flags", counts[CellOutcome::Extra], "cells", Better::None);
  r.verdict = passed(m) ? Verdict::Pass : Verdict::Fail;
  return r;
}

}  // namespace vigil::reports
