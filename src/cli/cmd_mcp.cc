// firebreak mcp: the MCP server over stdio (for AI agents that launch Firebreak as a subprocess),
// and --list-tools to print the tool registry (the README table is generated from it).
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "app/app.h"
#include "cli/cli.h"
#include "core/json.h"
#include "mcp/bridge.h"
#include "mcp/server.h"
#include "mcp/stdio.h"

namespace firebreak::cli {

namespace {
struct McpOptions {
  std::string config = "examples/config";
  std::string data = "var";
  std::string server;
  std::string agent_tier = "medium";
  bool list_tools = false;
  bool markdown = false;
};

int ListTools(const McpOptions& o) {
  auto reg = mcp::BuildRegistry(false);
  if (o.markdown) {
    std::fputs(mcp::ToolsMarkdown(reg).c_str(), stdout);
    return 0;
  }
  boost::json::array tools;
  for (const auto& t : reg.tools()) tools.push_back(mcp::ToolJson(t));
  PrintJson(boost::json::object{{"tools", tools}});
  return 0;
}

int ServeMcp(const McpOptions& o) {
  // stdout carries protocol messages only: every diagnostic goes to stderr (spdlog already does).
  const char* env = std::getenv("FIREBREAK_TOKEN");
  std::string token = env ? env : "";
  if (token.empty())
    return PrintError(Error{
        ErrorCode::kUnauthenticated,
        "firebreak mcp needs a token in FIREBREAK_TOKEN (create one with `firebreak token create "
        "--data DIR --person ID --scopes read` or read,write)",
        "FIREBREAK_TOKEN"});
  // A client that goes away must not kill us mid-write: writes then fail and we stop at EOF.
  std::signal(SIGPIPE, SIG_IGN);
  auto tier = mcp::ParseAgentTier(o.agent_tier);
  if (!tier) return PrintError(tier.error());
  if (!o.server.empty()) {
    // The server's own --mcp-agent-tier applies to bridged sessions.
    // A running server owns the data directory: forward to its /mcp endpoint.
    mcp::BridgeOptions bo;
    bo.url = o.server;
    bo.token = token;
    auto st = mcp::RunBridge(bo);
    return st ? 0 : PrintError(st.error());
  }
  auto lock = app::DataDirLock::Acquire(o.data, "mcp");
  if (!lock) return PrintError(lock.error());
  app::AppOptions ao;
  ao.config_dir = o.config;
  ao.data_dir = o.data;
  auto app = app::App::Open(ao);
  if (!app) return PrintError(app.error());
  for (const auto& w : (*app)->config_warnings()) spdlog::warn("config: {}", w.ToString());
  auto& a = **app;
  // Check the token before serving, so a misconfigured client fails loudly at once.
  if (auto p = a.Authenticate(token); !p) return PrintError(p.error());
  a.Start();
  {
    mcp::ServerOptions mo;
    mo.agent_tier = *tier;
    mcp::Server server(a, mo);
    spdlog::info("mcp: serving on stdio (config {}, data {})", o.config, o.data);
    mcp::ServeStdio(server, [&a, &token] { return a.Authenticate(token); });
    server.Shutdown();
  }
  a.Stop();
  return 0;
}
}  // namespace

void AddMcpCommand(CLI::App& app, Runner& run) {
  auto o = std::make_shared<McpOptions>();
  auto* cmd = app.add_subcommand("mcp",
                                 "Serve MCP (Model Context Protocol) over stdio for an AI agent; "
                                 "the token comes from FIREBREAK_TOKEN");
  cmd->add_option("--config", o->config, "Configuration directory")->capture_default_str();
  cmd->add_option("--data", o->data,
                  "Data directory (SQLite store); must not be in use by `firebreak serve`")
      ->capture_default_str();
  cmd->add_option(
      "--server", o->server,
      "Bridge stdio to a running server's Streamable HTTP endpoint (e.g. http://127.0.0.1:8080) "
      "instead of opening the data directory");
  cmd->add_option("--agent-tier", o->agent_tier,
                  "Riskiest tools the agent may execute: low or medium (calls of riskier tools are "
                  "recorded as proposals for a person; HIGH-risk actions always need approval)")
      ->capture_default_str();
  cmd->add_flag("--list-tools", o->list_tools,
                "Print the tools (JSON, as tools/list shows them) and exit");
  cmd->add_flag("--markdown", o->markdown, "With --list-tools: print the README's Markdown table");
  cmd->callback([o, &run] { run = [o] { return o->list_tools ? ListTools(*o) : ServeMcp(*o); }; });
}

}  // namespace firebreak::cli
