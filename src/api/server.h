// The HTTP server: accepts connections on one address and serves the Router's routes with a few
// I/O threads. Each connection is a coroutine; request bodies are limited; every response to a
// refused request is a JSON error.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/http.h"
#include "app/app.h"
#include "core/result.h"

namespace boost::asio {
class io_context;
}

namespace firebreak::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
  int threads = 4;
  size_t max_body_bytes = 1 << 20;
  std::chrono::seconds idle_timeout{75};
};

class Server {
 public:
  Server(app::App& app, ServerOptions opt);
  ~Server();

  // Registers every route (all capability modules).
  void RegisterAll();
  Router& router() { return router_; }
  app::App& app() { return app_; }
  asio::io_context& io();

  // Binds and listens; returns the bound port.
  Result<uint16_t> Listen();
  // Serves on `threads` threads until Stop(); blocks.
  void Run();
  // Stops accepting and ends the I/O loop (thread-safe).
  void Stop();

  struct Impl;

 private:
  app::App& app_;
  ServerOptions opt_;
  Router router_;
  std::unique_ptr<Impl> impl_;
};

// Route registration, one function per capability (routes_*.cc).
void RegisterSystemRoutes(Server& s);
void RegisterIncidentRoutes(Server& s);
void RegisterAuditRoutes(Server& s);
void RegisterAlertRoutes(Server& s);
void RegisterLogRoutes(Server& s);
void RegisterAnalyzeRoutes(Server& s);
void RegisterPagingRoutes(Server& s);
void RegisterGraphRoutes(Server& s);
void RegisterRunbookRoutes(Server& s);
void RegisterReportRoutes(Server& s);
// Web console assets, live stream, public status page (routes_web.cc).
void RegisterWebRoutes(Server& s);

}  // namespace firebreak::api
