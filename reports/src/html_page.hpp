#pragma once
// The frame every HTML page of the reports library shares: one inline style
// sheet, no scripts, nothing fetched.

#include <string>

namespace vigil::reports {

// A whole page: doctype, title, the shared style plus `extra_style`, `body`.
std::string html_page(const std::string& title, const std::string& body, const std::string& extra_style = "");

}  // namespace vigil::reports
