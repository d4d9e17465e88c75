#pragma once
// `vigil-report matrix`: the detection matrix of a set of tool runs, judged
// against the defect catalog. Each line of the runs file names one run of
// one tool on one row, tab-separated:
//
//   ROW  TOOL  RUN  REPORT  PAGE  BEFORE_AFTER
//
// ROW is "clean" or a defect of the catalog; TOOL the executable's name
// (vigil-leak-test, ...), as the catalog's "flagged by" names it; RUN a
// label for one of the tool's configurations ("-": its only one); REPORT the
// vigil.report/1 file that decides (verdict fail = flagged: the tool's own
// report, or for a tool judged by a diff, the report `vigil-report gate
// --json` wrote); PAGE the HTML view the cell links to and BEFORE_AFTER the
// clean -> ROW view ("-": none). Paths are relative to the runs file's
// folder, where the index goes too. Blank lines and lines starting with '#'
// are skipped.
//
// Rows are the clean core and every defect of the catalog, in its order;
// columns the tools in the order they first appear, then any tool the
// catalog names that never ran (its cells are missed).

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/reports/detection_matrix.hpp"

namespace vigil::harness {

struct MatrixRunLine {
  std::string row, tool, run, report, page, before_after;  // "-" read as ""
};

// Throws reports::ReportError naming `source` and the line of the first
// malformed line or unknown row.
std::vector<MatrixRunLine> parse_matrix_runs(std::string_view text, std::string_view source);

// Reads each run's report under `folder`; throws reports::ReportError when
// one is missing or invalid.
reports::DetectionMatrix build_detection_matrix(const std::vector<MatrixRunLine>& lines,
                                                const std::filesystem::path& folder);

struct MatrixCommand {
  std::string runs_file;
  std::string html_out;  // the index; empty: none
  std::string json_out;  // the matrix as a report; empty: none
  std::vector<std::string> notes;
};

// Prints the matrix; exit code 0 when every defect is caught by the tools
// the catalog names and nothing flags the clean core, 1 otherwise, 2 on bad
// input (one line on `err`, no file written).
int run_matrix(const MatrixCommand& cmd, std::ostream& out, std::ostream& err);

}  // namespace vigil::harness
