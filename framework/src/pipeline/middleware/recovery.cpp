#include "vigil/framework/pipeline/middleware/recovery.hpp"

#include <exception>

namespace vigil::framework {

void RecoveryMiddleware::handle(Event& e, const Next& next) {
  std::string_view what = "unknown exception";
  try {
    next(e);
    return;
  } catch (const std::exception& ex) {
    e.set("error", ex.what());
  } catch (...) {
    e.set("error", what);
  }
  recovered_.fetch_add(1, std::memory_order_relaxed);
  e.response.status = 500;
  e.response.headers.set("Content-Type", "text/plain");
  e.response.body.assign("internal server error\n");
}

}  // namespace vigil::framework
