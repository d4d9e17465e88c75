#pragma once
// The epoll HTTP/1.1 server: one event loop per worker thread, each with its
// own SO_REUSEPORT listener on the same port, so the kernel spreads
// connections and the loops share nothing but the Service.
//
//   Server server(options, service);
//   server.listen();           // binds; port() is known from here on
//   std::thread t([&] { server.run(); });
//   ...
//   server.stop();             // async-signal-safe; run() returns once drained
//
// stop(): every loop closes its listener, closes idle connections, lets
// requests in flight finish (answered with "Connection: close") for at most
// timeouts.shutdown_grace, then run() returns.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "vigil/framework/http/handler.hpp"
#include "vigil/framework/http/limits.hpp"

namespace vigil::framework::http {

struct ServerOptions {
  std::string host = "127.0.0.1";  // numeric IPv4 or IPv6 address
  std::uint16_t port = 0;          // 0: the kernel picks a free port
  unsigned threads = 0;            // event loops; 0: one per core
  int backlog = 4096;
  Limits limits;
  Timeouts timeouts;
};

class Server {
 public:
  // `service` must outlive the server.
  Server(ServerOptions options, Service& service);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates and binds the listeners; throws std::system_error (what() names
  // the address) when it cannot.
  void listen();
  std::uint16_t port() const { return port_; }
  unsigned threads() const { return options_.threads; }

  // Runs the event loops on `threads()` threads until stop() and drain.
  void run();
  // Safe from any thread and from a signal handler.
  void stop();

 private:
  class Loop;

  ServerOptions options_;
  Service& service_;
  std::vector<int> listeners_;
  int stop_fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace vigil::framework::http
