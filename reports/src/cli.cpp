#include "vigil/reports/cli.hpp"

#include <fmt/format.h>

#include "vigil/reports/import.hpp"
#include "vigil/reports/render.hpp"

namespace vigil::reports {

namespace {

constexpr const char* kProgram = "vigil-report";

int bad_input(std::ostream& err, const std::string& reason) {
  err << kProgram << ": " << reason << "\n";
  return kExitBadInput;
}

std::string summary_line(const Report& r) {
  return fmt::format("{} report, {} metric(s), {} series, {} finding(s), verdict {}", r.tool, r.metrics.size(),
                     r.series.size(), r.findings.size(), to_string(r.verdict));
}

DiffResult load_and_diff(const std::string& base, const std::string& current, const CompareOptions& o) {
  const DiffOptions options = make_diff_options(o);
  DiffResult d = diff_reports(load_any_report(base), load_any_report(current), options);
  d.base_name = base;
  d.current_name = current;
  return d;
}

}  // namespace

DiffOptions make_diff_options(const CompareOptions& o) {
  DiffOptions options;
  if (!o.thresholds_file.empty()) options.thresholds = Thresholds::load(o.thresholds_file);
  const auto relative = parse_relative_threshold(o.threshold);
  if (!relative) throw ReportError(fmt::format("--threshold: expected e.g. 5% or 0.05, got \"{}\"", o.threshold));
  options.thresholds.set_default_relative(*relative);
  if (!(o.alpha > 0 && o.alpha < 1)) throw ReportError(fmt::format("--alpha: expected 0 < alpha < 1, got {}", o.alpha));
  options.alpha = o.alpha;
  if (!(o.profile_threshold >= 0 && o.profile_threshold <= 100)) {
    throw ReportError(fmt::format("--profile-threshold: expected points between 0 and 100, got {}", o.profile_threshold));
  }
  options.profile_threshold_points = o.profile_threshold;
  if (!o.labels.empty()) {
    const auto comma = o.labels.find(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == o.labels.size() ||
        o.labels.find(',', comma + 1) != std::string::npos) {
      throw ReportError(fmt::format("--labels: expected two names such as before,after, got \"{}\"", o.labels));
    }
    options.base_label = o.labels.substr(0, comma);
    options.current_label = o.labels.substr(comma + 1);
  }
  return options;
}

int run_validate(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  if (files.empty()) return bad_input(err, "validate: no files given");
  int code = kExitClean;
  for (const auto& file : files) {
    try {
      const std::string summary = summary_line(read_report(file));
      out << file << ": ok (" << summary << ")\n";
    } catch (const ReportError& e) {
      code = bad_input(err, e.what());
    }
  }
  return code;
}

int run_diff(const DiffCommand& cmd, std::ostream& out, std::ostream& err) {
  try {
    const DiffResult d = load_and_diff(cmd.base, cmd.current, cmd.compare);
    // Render everything first, write after: a failure leaves no partial set.
    std::vector<std::pair<std::string, std::string>> files;
    if (!cmd.json_out.empty()) files.emplace_back(cmd.json_out, to_json(diff_to_report(d)).dump(2) + "\n");
    if (!cmd.markdown_out.empty()) files.emplace_back(cmd.markdown_out, render_markdown(d));
    if (!cmd.html_out.empty()) files.emplace_back(cmd.html_out, render_html(d));
    if (!cmd.junit_out.empty()) files.emplace_back(cmd.junit_out, render_junit(d));
    for (const auto& [path, content] : files) write_file_atomic(path, content);
    out << format_diff_text(d);
    return cmd.gate && d.failed() ? kExitProblem : kExitClean;
  } catch (const ReportError& e) {
    return bad_input(err, e.what());
  }
}

int run_import(const std::string& input, const std::string& json_out, std::ostream& out, std::ostream& err) {
  try {
    const nlohmann::json j = read_json_file(input);
    if (!is_google_benchmark_json(j)) {
      return bad_input(err, input + ": not a Google Benchmark JSON file (no \"context\" and \"benchmarks\")");
    }
    Report r;
    try {
      r = import_google_benchmark(j);
    } catch (const ReportError& e) {
      return bad_input(err, fmt::format("{}: {}", input, e.what()));
    }
    r.config["input"] = input;
    if (!json_out.empty()) write_report(r, json_out);
    out << "imported " << input << ": " << summary_line(r) << "\n";
    return kExitClean;
  } catch (const ReportError& e) {
    return bad_input(err, e.what());
  }
}

int run_render(const RenderCommand& cmd, std::ostream& out, std::ostream& err) {
  const auto format = parse_render_format(cmd.format);
  if (!format) return bad_input(err, fmt::format("render: unknown format \"{}\" (markdown, html, junit)", cmd.format));
  if (cmd.files.empty() || cmd.files.size() > 2) {
    return bad_input(err, "render: expected one report, or BASE CUR to render their diff");
  }
  try {
    const std::string text = cmd.files.size() == 1
                                 ? render(load_any_report(cmd.files[0]), *format)
                                 : render(load_and_diff(cmd.files[0], cmd.files[1], cmd.compare), *format);
    if (cmd.output.empty()) {
      out << text;
    } else {
      write_file_atomic(cmd.output, text);
    }
    return kExitClean;
  } catch (const ReportError& e) {
    return bad_input(err, e.what());
  }
}

}  // namespace vigil::reports
