// firebreak serve: the server.
#include <csignal>
#include <cstdio>
#include <fstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "api/server.h"
#include "app/app.h"
#include "cli/cli.h"
#include "core/time.h"

namespace firebreak::cli {

namespace {
struct ServeOptions {
  std::string config = "examples/config";
  std::string data = "var";
  std::string listen = "127.0.0.1:8080";
  std::string port_file;
  std::string sync = "full";
  int threads = 4;
  std::string clock = "real";  // real | manual[=RFC3339]
  std::string public_url;
};

bool IsLoopbackHost(const std::string& h) {
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 >= s.size())
    return InvalidArgument("--listen must be HOST:PORT, got '" + s + "'", "listen");
  std::string host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    size_t used = 0;
    port = std::stoi(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return InvalidArgument("--listen port must be a number, got '" + s.substr(colon + 1) + "'", "listen");
  }
  if (port < 0 || port > 65535) return InvalidArgument("--listen port out of range", "listen");
  return std::make_pair(host, static_cast<uint16_t>(port));
}

int Serve(const ServeOptions& o) {
  auto listen = ParseListen(o.listen);
  if (!listen) return PrintError(listen.error());
  if (o.sync != "full" && o.sync != "normal") return PrintError(Error{ErrorCode::kInvalidArgument, "--sync must be full or normal", "sync"});
  app::AppOptions ao;
  ao.config_dir = o.config;
  ao.data_dir = o.data;
  ao.synchronous = o.sync;
  if (o.clock.rfind("manual", 0) == 0) {
    // Test only: time moves when POST /api/v1/admin/clock says so. Never on a reachable address.
    if (!IsLoopbackHost(listen->first))
      return PrintError(Error{ErrorCode::kInvalidArgument, "--clock manual is only allowed on a loopback address", "clock"});
    core::TimePoint start = core::RealClock().Now();
    if (o.clock.size() > 6) {
      if (o.clock[6] != '=') return PrintError(Error{ErrorCode::kInvalidArgument, "--clock must be real or manual[=RFC3339]", "clock"});
      auto t = core::ParseRfc3339(o.clock.substr(7));
      if (!t) return PrintError(Error{ErrorCode::kInvalidArgument, "--clock manual=TIME: " + t.error().message, "clock"});
      start = *t;
    }
    ao.manual_clock_start = start;
  } else if (o.clock != "real") {
    return PrintError(Error{ErrorCode::kInvalidArgument, "--clock must be real or manual[=RFC3339]", "clock"});
  }
  auto app = app::App::Open(ao);
  if (!app) return PrintError(app.error());
  for (const auto& w : (*app)->config_warnings()) spdlog::warn("config: {}", w.ToString());
  auto token = (*app)->EnsureBootstrapToken();
  if (!token) return PrintError(token.error());
  (*app)->Start();

  api::ServerOptions so;
  so.host = listen->first;
  so.port = listen->second;
  so.threads = o.threads;
  so.max_body_bytes = (*app)->config()->settings.max_body_bytes;
  api::Server server(**app, so);
  server.RegisterAll();
  auto port = server.Listen();
  if (!port) return PrintError(port.error());

  std::string host = so.host.find(':') != std::string::npos ? "[" + so.host + "]" : so.host;
  std::string url = "http://" + host + ":" + std::to_string(*port);
  // Links in notifications point at --public-url, else settings.public_url, else this address.
  if (!o.public_url.empty()) (*app)->pager().SetPublicUrl(o.public_url);
  else if (!(*app)->config()->settings.public_url_set) (*app)->pager().SetPublicUrl(url);
  if ((*app)->manual_clock())
    spdlog::warn("serving on a MANUAL clock (test mode): time only moves through POST /api/v1/admin/clock");
  if (*token) {
    std::printf("Admin token (shown once; keep it): %s\n", (*token)->token.c_str());
    std::printf("Try: curl -H 'Authorization: Bearer %s' %s/api/v1/incidents\n", (*token)->token.c_str(), url.c_str());
  }
  // The "serving" line comes last: scripts wait for it.
  std::printf("Firebreak %s serving %s (config %s, data %s)\n", FIREBREAK_VERSION, url.c_str(), o.config.c_str(),
              o.data.c_str());
  std::fflush(stdout);
  if (!o.port_file.empty()) {
    std::string tmp = o.port_file + ".tmp";
    std::ofstream(tmp) << *port << "\n";
    std::rename(tmp.c_str(), o.port_file.c_str());
  }

  boost::asio::signal_set signals(server.io(), SIGINT, SIGTERM);
  signals.async_wait([&server](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      spdlog::info("received signal {}, shutting down", sig);
      server.Stop();
    }
  });
  server.Run();
  (*app)->Stop();
  spdlog::info("stopped");
  return 0;
}
}  // namespace

void AddServeCommand(CLI::App& app, Runner& run) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the server (HTTP API, web console, MCP)");
  cmd->add_option("--config", o->config, "Configuration directory")->capture_default_str();
  cmd->add_option("--data", o->data, "Data directory (SQLite store)")->capture_default_str();
  cmd->add_option("--listen", o->listen, "Address to listen on, HOST:PORT (port 0 picks one)")->capture_default_str();
  cmd->add_option("--port-file", o->port_file, "Write the bound port to this file once listening");
  cmd->add_option("--threads", o->threads, "HTTP I/O threads")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--sync", o->sync, "SQLite durability: full (fsync each commit) or normal")->capture_default_str();
  cmd->add_option("--public-url", o->public_url, "Base URL for links in notifications (default: settings.public_url, "
                                                 "else the bound address)");
  cmd->add_option("--clock", o->clock,
                  "TEST ONLY: 'manual[=RFC3339]' runs on a clock moved by POST /api/v1/admin/clock (loopback only)")
      ->capture_default_str();
  cmd->callback([o, &run] { run = [o] { return Serve(*o); }; });
}

}  // namespace firebreak::cli
