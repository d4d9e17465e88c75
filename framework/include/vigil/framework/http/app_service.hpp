#pragma once
// Serves the reference App over the HTTP server: one App::Worker per event
// loop, one App::Session per connection.

#include "vigil/framework/pipeline/app.hpp"
#include "vigil/framework/http/handler.hpp"

namespace vigil::framework::http {

class AppService : public Service {
 public:
  // `app` must outlive the service and the server using it.
  explicit AppService(App& app) : app_(app) {}
  std::unique_ptr<WorkerHandler> make_worker() override;

 private:
  App& app_;
};

}  // namespace vigil::framework::http
