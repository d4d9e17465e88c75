#include "vigil/framework/http/app_service.hpp"

namespace vigil::framework::http {
namespace {

class AppConnectionHandler : public ConnectionHandler {
 public:
  AppConnectionHandler(App& app, Worker& worker, std::string_view remote_addr)
      : app_(app), worker_(worker), session_(app.open_session(remote_addr)) {}
  void handle(const Request& request, Response& response) override {
    app_.handle(worker_, *session_, request, response);
  }
  std::size_t read_buffer_size() const override { return session_->history().suggested_buffer_size(); }

 private:
  App& app_;
  Worker& worker_;
  std::unique_ptr<Session> session_;
};

class AppWorkerHandler : public WorkerHandler {
 public:
  explicit AppWorkerHandler(App& app) : app_(app), worker_(app.make_worker()) {}
  std::unique_ptr<ConnectionHandler> open(std::string_view remote_addr) override {
    return std::make_unique<AppConnectionHandler>(app_, *worker_, remote_addr);
  }
  void on_server_response(int status) override { app_.count_response(status); }

 private:
  App& app_;
  std::unique_ptr<Worker> worker_;
};

}  // namespace

std::unique_ptr<WorkerHandler> AppService::make_worker() {
  return std::make_unique<AppWorkerHandler>(app_);
}

}  // namespace vigil::framework::http
