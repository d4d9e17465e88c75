#include "vigil/reports/detection_matrix.hpp"

#include <gtest/gtest.h>

namespace vigil::reports {
namespace {

MatrixRun run(std::string label, bool flagged) {
  MatrixRun r;
  r.label = std::move(label);
  r.report = "r.json";
  r.page = r.label + ".html";
  r.flagged = flagged;
  return r;
}

// Two tools; a clean row and one defect that only the first tool must flag.
DetectionMatrix matrix(bool clean_flagged, bool defect_flagged_by_first, bool defect_flagged_by_second) {
  DetectionMatrix m;
  m.columns = {"vigil-a", "vigil-b"};
  MatrixRow clean{"clean", "every defect off", true, {}};
  clean.cells = {MatrixCell{false, {run("x", clean_flagged), run("y", false)}}, MatrixCell{false, {run("", false)}}};
  MatrixRow defect{"some-bug", "a bug", false, {}};
  defect.cells = {MatrixCell{true, {run("x", false), run("y", defect_flagged_by_first)}},
                  MatrixCell{false, {run("", defect_flagged_by_second)}}};
  m.rows = {clean, defect};
  return m;
}

TEST(DetectionMatrix, CellOutcomes) {
  const auto m = matrix(false, true, true);
  EXPECT_EQ(outcome(m.rows[0], m.rows[0].cells[0]), CellOutcome::Quiet);
  EXPECT_EQ(outcome(m.rows[1], m.rows[1].cells[0]), CellOutcome::Caught) << "one flagging run is enough";
  EXPECT_EQ(outcome(m.rows[1], m.rows[1].cells[1]), CellOutcome::Extra);
  EXPECT_EQ(outcome(m.rows[1], MatrixCell{true, {}}), CellOutcome::Missed) << "an expected tool that never ran";
  EXPECT_EQ(outcome(m.rows[1], MatrixCell{false, {}}), CellOutcome::NotRun);
  EXPECT_EQ(outcome(m.rows[0], MatrixCell{false, {run("", true)}}), CellOutcome::FalseFlag);
}

TEST(DetectionMatrix, PassesOnlyWhenEveryDefectIsCaughtAndTheCleanRowIsQuiet) {
  EXPECT_TRUE(passed(matrix(false, true, false)));
  EXPECT_TRUE(passed(matrix(false, true, true))) << "a tool flagging more than the catalog asks is not a failure";
  EXPECT_FALSE(passed(matrix(false, false, true))) << "missed by the catalog's tool";
  EXPECT_FALSE(passed(matrix(true, true, false))) << "the clean core flagged";
}

TEST(DetectionMatrix, TextNamesTheFailedCells) {
  const std::string text = format_matrix_text(matrix(true, false, false));
  EXPECT_NE(text.find("some-bug"), std::string::npos);
  EXPECT_NE(text.find("MISSED"), std::string::npos);
  EXPECT_NE(text.find("FALSE"), std::string::npos);
  EXPECT_NE(text.find("vigil-a missed some-bug"), std::string::npos);
  EXPECT_NE(text.find("vigil-a flagged the clean core"), std::string::npos);
  EXPECT_EQ(format_matrix_text(matrix(false, true, false)).find("failed cells"), std::string::npos);
}

TEST(DetectionMatrix, ReportCountsCellsAndFailsOnAMiss) {
  const Report good = matrix_to_report(matrix(false, true, true));
  EXPECT_EQ(good.verdict, Verdict::Pass);
  EXPECT_EQ(good.metrics.at("matrix.caught").value, 1);
  EXPECT_EQ(good.metrics.at("matrix.extra_flags").value, 1);
  EXPECT_TRUE(good.findings.empty());
  EXPECT_FALSE(validate(to_json(good)).has_value());

  const Report bad = matrix_to_report(matrix(true, false, false));
  EXPECT_EQ(bad.verdict, Verdict::Fail);
  EXPECT_EQ(bad.metrics.at("matrix.missed").value, 1);
  EXPECT_EQ(bad.metrics.at("matrix.false_flags").value, 1);
  ASSERT_EQ(bad.findings.size(), 2u);
  EXPECT_EQ(bad.findings[0].kind, "false-flag");
  EXPECT_EQ(bad.findings[1].kind, "missed-defect");
}

TEST(DetectionMatrix, HtmlLinksEveryRunAndDrawsTheFlaggingRunOverTheCleanOne) {
  auto m = matrix(false, true, false);
  m.rows[0].cells[0].runs[1].series["live_bytes"] = Series{"cycle", "bytes", {{0, 1}, {1, 1}}};
  m.rows[1].cells[0].runs[1].series["live_bytes"] = Series{"cycle", "bytes", {{0, 1}, {1, 9}}};
  m.rows[1].cells[0].runs[1].before_after = "some-bug/a.y.diff.html";
  m.notes = {"vigil-c was not built"};
  const std::string html = render_matrix_html(m);
  EXPECT_NE(html.find("href=\"x.html\""), std::string::npos);
  EXPECT_NE(html.find("href=\"y.html\""), std::string::npos);
  EXPECT_NE(html.find("href=\"some-bug/a.y.diff.html\""), std::string::npos);
  EXPECT_NE(html.find("vigil-a y: live_bytes"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("vigil-c was not built"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos) << "nothing fetched";
}

}  // namespace
}  // namespace vigil::reports
