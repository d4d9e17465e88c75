#pragma once
// Loads an HTML page in headless Chromium with a check script of the test's
// own appended (the script writes what it found as attributes of <body>),
// and returns the DOM after scripts ran and the console lines.

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"

namespace vigil::reports::test {

inline constexpr const char* kChromium = "/usr/bin/chromium";

struct ChromiumPage {
  int exit_code = -1;
  std::string dom;
  std::string log;
  std::vector<std::string> console;  // console messages and uncaught errors
};

// Chromium's DOM of `page` after its scripts ran (stdout), and its log (stderr).
inline vigil::test::ToolRun run_chromium(const std::filesystem::path& page, const vigil::test::ScratchDir& dir) {
  return vigil::test::run_tool(
      kChromium,
      {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
       "--disable-background-networking", "--disable-component-update", "--disable-sync",
       "--user-data-dir=" + (dir.path() / "profile").string(), "--enable-logging=stderr", "--v=0",
       "--dump-dom", "file://" + page.string()},
      dir, std::chrono::seconds(120));
}

// `check_script` is JavaScript, run after the page's own scripts.
inline ChromiumPage load_in_chromium(std::string html, const std::string& check_script,
                                     const vigil::test::ScratchDir& dir) {
  const auto body_end = html.rfind("</body>");
  EXPECT_NE(body_end, std::string::npos);
  if (body_end != std::string::npos) html.replace(body_end, 7, "<script>" + check_script + "</script></body>");
  const auto result = run_chromium(dir.write("page.html", html), dir);
  ChromiumPage out{result.exit_code, result.out, result.err, {}};
  std::istringstream err(result.err);
  std::string line;
  while (std::getline(err, line)) {
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) {
      out.console.push_back(line);
    }
  }
  return out;
}

// The value of attribute name="..." in the dumped DOM, "" if absent.
inline std::string attribute_text(const std::string& dom, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const auto pos = dom.find(key);
  if (pos == std::string::npos) return "";
  const auto start = pos + key.size();
  return dom.substr(start, dom.find('"', start) - start);
}

// A numeric attribute, -1 if absent or not a whole number.
inline int attribute(const std::string& dom, const std::string& name) {
  const std::string digits = attribute_text(dom, name);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(digits);
}

// Every console message must be the check script's marker: no errors, no
// warnings; and the marker must be there (console capture works).
inline void expect_clean_console(const ChromiumPage& page, const std::string& marker) {
  int markers = 0;
  for (const auto& line : page.console) {
    if (line.find("\"" + marker + "\"") != std::string::npos) {
      ++markers;
    } else {
      ADD_FAILURE() << "console message: " << line;
    }
  }
  EXPECT_EQ(markers, 1) << "console logging was not captured: " << page.log;
}

}  // namespace vigil::reports::test
