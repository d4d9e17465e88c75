#include "vigil/framework/pipeline/middleware/cors.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace vigil::framework {

CorsMiddleware::CorsMiddleware(CorsOptions options, Formatting formatting)
    : options_(std::move(options)),
      any_origin_(std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(), "*") !=
                  options_.allowed_origins.end()),
      max_age_text_(std::to_string(options_.max_age_seconds)),
      fresh_strings_(formatting == Formatting::FreshHeapStrings) {}

bool CorsMiddleware::origin_allowed(std::string_view origin) const {
  if (any_origin_) return true;
  return std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(), origin) !=
         options_.allowed_origins.end();
}

void CorsMiddleware::handle(Event& e, const Next& next) {
  const auto origin = e.headers.find("Origin");
  if (!origin || !origin_allowed(*origin)) {
    next(e);
    return;
  }
  const std::string_view allow = any_origin_ ? std::string_view("*") : *origin;
  if (fresh_strings_) {
    // The bug: each header line built as a fresh heap string, then split.
    const std::string line = fmt::format("Access-Control-Allow-Origin: {}", allow);
    const auto colon = line.find(':');
    e.response.headers.add(std::string_view(line).substr(0, colon), std::string_view(line).substr(colon + 2));
  } else {
    e.response.headers.add("Access-Control-Allow-Origin", allow);
  }
  if (!any_origin_) e.response.headers.add("Vary", "Origin");

  const bool preflight = e.method == "OPTIONS" && e.headers.find("Access-Control-Request-Method").has_value();
  if (!preflight) {
    next(e);
    return;
  }
  e.response.status = 204;
  e.response.headers.add("Access-Control-Allow-Methods", options_.allowed_methods);
  e.response.headers.add("Access-Control-Allow-Headers", options_.allowed_headers);
  e.response.headers.add("Access-Control-Max-Age", max_age_text_);
  e.response.body.clear();
}

}  // namespace vigil::framework
