#pragma once
// What the server calls to answer requests. A Service is shared by all event
// loops; each loop makes its own WorkerHandler (used by that thread only),
// which opens a ConnectionHandler per accepted connection.

#include <cstddef>
#include <memory>
#include <string_view>

#include "vigil/framework/http/message.hpp"

namespace vigil::framework::http {

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Fills `response` (cleared by the callee) for a complete request.
  virtual void handle(const Request& request, Response& response) = 0;
  // The read buffer this connection should have, from what it has received
  // lately; 0 leaves the choice to the connection.
  virtual std::size_t read_buffer_size() const { return 0; }
};

class WorkerHandler {
 public:
  virtual ~WorkerHandler() = default;
  virtual std::unique_ptr<ConnectionHandler> open(std::string_view remote_addr) = 0;
  // A response the server made on its own (parse error, limit, timeout).
  virtual void on_server_response(int status) = 0;
};

class Service {
 public:
  virtual ~Service() = default;
  // Called once per event loop (a ThreadPerConnectionServer: once per
  // connection), from the thread that uses the worker.
  virtual std::unique_ptr<WorkerHandler> make_worker() = 0;
};

}  // namespace vigil::framework::http
