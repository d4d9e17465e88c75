#pragma once
// The detection matrix: rows are the clean core and each defect switched on
// alone, columns are tools, and each cell says whether the tool flagged the
// row and whether it was meant to. The model, its judgement, the terminal
// table and the HTML index; what each row expects comes from the caller
// (the defect catalog, in vigil::harness).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/reports/report.hpp"

namespace vigil::reports {

// One run of a tool on a row (a tool may run in several configurations,
// e.g. one per scenario): flagged when its report's verdict is fail.
struct MatrixRun {
  std::string label;         // e.g. "api", "collide"; "" for a tool's only run
  std::string report;        // path of the report that decided
  std::string page;          // path the cell links to (HTML view); "" none
  std::string before_after;  // path of the clean -> this row view; "" none
  bool flagged = false;
  std::map<std::string, Series> series;  // of the report, for the index's charts
};

struct MatrixCell {
  bool expected = false;  // the row must be flagged by this column's tool
  std::vector<MatrixRun> runs;

  bool ran() const { return !runs.empty(); }
  // Flagged by any of its runs.
  bool flagged() const;
};

enum class CellOutcome {
  Caught,     // flagged, as expected
  Missed,     // expected, not flagged (or not run)
  FalseFlag,  // flagged on the clean row
  Extra,      // flagged on a defect row the catalog does not assign it
  Quiet,      // not flagged, not expected
  NotRun,     // not expected and not run
};

struct MatrixRow {
  std::string name;         // "clean" or a defect name
  std::string description;  // one line: the bug
  bool clean = false;       // the clean row: nothing may flag it
  std::vector<MatrixCell> cells;  // one per column
};

struct DetectionMatrix {
  std::vector<std::string> columns;  // tool names
  std::vector<MatrixRow> rows;
  std::vector<std::string> notes;  // e.g. a tool skipped because it was not built
};

CellOutcome outcome(const MatrixRow& row, const MatrixCell& cell);
std::string to_string(CellOutcome o);
// The cell as the tables show it: caught, MISSED, FALSE, flagged, ".", "-".
std::string_view outcome_mark(CellOutcome o);
// Every expected cell caught and nothing flagged on a clean row.
bool passed(const DetectionMatrix& m);

// The table for a terminal: one line per row, one column per tool, then the
// legend, the notes and the cells that failed.
std::string format_matrix_text(const DetectionMatrix& m);
// A self-contained page: the matrix (each run linking to its page), for each
// defect the before/after views and charts of its report's series drawn over
// the clean run's, and the notes.
std::string render_matrix_html(const DetectionMatrix& m);
// The matrix as a vigil.report/1 report ("detection-matrix"): counts as
// metrics, a finding per missed or false cell, verdict fail unless passed().
Report matrix_to_report(const DetectionMatrix& m);

}  // namespace vigil::reports
