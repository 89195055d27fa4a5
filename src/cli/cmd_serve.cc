// firebreak serve: the server.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "api/server.h"
#include "app/app.h"
#include "cli/cli.h"
#include "mcp/http_transport.h"
#include "mcp/server.h"
#include "core/time.h"

namespace firebreak::cli {

namespace {
struct ServeOptions {
  std::string config = "examples/config";
  std::string data = "var";
  std::string listen = "127.0.0.1:8080";
  std::string port_file;
  std::string sync = "full";
  int threads = 0;  // 0: one per core beside the engine's own thread (at least two)
  bool mcp_test_fixtures = false;
  std::string mcp_agent_tier = "medium";
  std::string clock = "real";  // real | manual[=RFC3339]
  std::string public_url;
};

bool IsLoopbackHost(const std::string& h) {
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}
bool IsLoopback(const std::string& host) { return IsLoopbackHost(host); }

std::string HostOfUrl(const std::string& url) {
  auto p = url.find("://");
  std::string rest = p == std::string::npos ? url : url.substr(p + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find(':'));
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
  if (o.mcp_test_fixtures && !IsLoopback(listen->first))
    return PrintError(Error{ErrorCode::kInvalidArgument,
                            "--mcp-test-fixtures accepts unauthenticated MCP requests and is only allowed on a "
                            "loopback address (e.g. --listen 127.0.0.1:0), not on " + listen->first,
                            "listen"});
  auto agent_tier = mcp::ParseAgentTier(o.mcp_agent_tier);
  if (!agent_tier) return PrintError(agent_tier.error());
  // One process owns a data directory (its engine holds timers and caches in memory).
  auto lock = app::DataDirLock::Acquire(o.data, "serve");
  if (!lock) return PrintError(lock.error());
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
  // The engine runs on a thread of its own; more I/O threads than the remaining cores only add
  // context switches (measured in bench/ingest: docs/BENCHMARKS.md). At least two, so that one
  // slow request (an N-2 analysis, a large report) cannot hold up ingestion on its own.
  so.threads = o.threads > 0 ? o.threads : std::max(2, static_cast<int>(std::thread::hardware_concurrency()) - 1);
  so.max_body_bytes = (*app)->config()->settings.max_body_bytes;
  api::Server server(**app, so);
  server.RegisterAll();
  mcp::ServerOptions mo;
  mo.fixtures = o.mcp_test_fixtures;
  mo.agent_tier = *agent_tier;
  mcp::Server mcp_server(**app, mo);
  mcp::HttpOptions ho;
  ho.allow_anonymous = o.mcp_test_fixtures;
  ho.allowed_hosts.push_back(HostOfUrl((*app)->config()->settings.public_url));
  if (!o.public_url.empty()) ho.allowed_hosts.push_back(HostOfUrl(o.public_url));
  if (so.host != "0.0.0.0" && so.host != "::") ho.allowed_hosts.push_back(so.host.find(':') != std::string::npos ? "[" + so.host + "]" : so.host);
  mcp::RegisterHttpRoutes(server, mcp_server, ho);
  auto port = server.Listen();
  if (!port) return PrintError(port.error());
  if (o.mcp_test_fixtures) spdlog::warn("MCP test fixtures are on: unauthenticated MCP requests run as a read-only agent");

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
  (*lock)->SetUrl(url);
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
  // SIGHUP reloads the configuration, as POST /api/v1/admin/reload does (audited as system:sighup);
  // a refused reload keeps the running configuration and logs every problem.
  boost::asio::signal_set hup(server.io(), SIGHUP);
  std::function<void()> arm_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      spdlog::info("received SIGHUP, reloading {}", o.config);
      (void)(*app)->ReloadConfig(model::Principal::System("sighup"));  // logs its outcome
      arm_hup();
    });
  };
  arm_hup();
  server.Run();
  mcp_server.Shutdown();
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
  cmd->add_option("--threads", o->threads, "HTTP I/O threads (0: the number of cores less one for the engine, at least 2)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  cmd->add_option("--sync", o->sync, "SQLite durability: full (fsync each commit) or normal")->capture_default_str();
  cmd->add_option("--mcp-agent-tier", o->mcp_agent_tier,
                  "Riskiest tools an MCP agent may execute: low or medium (riskier calls are recorded as proposals "
                  "for a person; HIGH-risk actions always need approval)")
      ->capture_default_str();
  cmd->add_flag("--mcp-test-fixtures", o->mcp_test_fixtures,
                "Register the MCP conformance-suite fixtures and accept MCP requests without a token (tests only; "
                "loopback only)");
  cmd->add_option("--public-url", o->public_url, "Base URL for links in notifications (default: settings.public_url, "
                                                 "else the bound address)");
  cmd->add_option("--clock", o->clock,
                  "TEST ONLY: 'manual[=RFC3339]' runs on a clock moved by POST /api/v1/admin/clock (loopback only)")
      ->capture_default_str();
  cmd->callback([o, &run] { run = [o] { return Serve(*o); }; });
}

}  // namespace firebreak::cli
