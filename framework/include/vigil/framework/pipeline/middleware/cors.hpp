#pragma once
// Cross-origin resource sharing: headers for allowed origins, preflights.

#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/pipeline/middleware.hpp"

namespace vigil::framework {

struct CorsOptions {
  std::vector<std::string> allowed_origins = {"*"};  // "*" allows any origin
  std::string allowed_methods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
  std::string allowed_headers = "Content-Type, Authorization, X-Request-Id";
  int max_age_seconds = 600;
};

// Adds Access-Control-* headers to responses for allowed origins and answers
// preflight requests (OPTIONS with Access-Control-Request-Method) with 204.
class CorsMiddleware : public Middleware {
 public:
  explicit CorsMiddleware(CorsOptions options = {}, Formatting formatting = Formatting::ReuseBuffers);
  std::string_view name() const override { return "cors"; }
  void handle(Event& e, const Next& next) override;

 private:
  bool origin_allowed(std::string_view origin) const;
  CorsOptions options_;
  bool any_origin_;
  std::string max_age_text_;
  bool fresh_strings_;
};

}  // namespace vigil::framework
