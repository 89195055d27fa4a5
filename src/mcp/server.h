// The MCP server: one registry of tools, resources and prompts (declared once; tools/list, input
// validation and the README table come from it), sessions, and a transport-agnostic dispatcher.
//
// Transports (stdio.h, http_transport.h) decode messages with jsonrpc.h and hand them to
// Server::Handle together with the principal that sent them and an Outlet: the stream on which
// the request's notifications (progress, logs), server-to-client requests (elicitation, sampling)
// and finally its response go. Quick lifecycle methods are answered on the caller's thread;
// everything else runs on the server's worker pool, so a handler may block on the engine or on
// the client's answer to an elicitation while the transport keeps reading.
//
// Protocol revisions: 2025-11-25, negotiated down to 2025-06-18 and 2025-03-26 (the method table
// is keyed by method with the revisions that have it, so the stateless 2026-07-28 revision can add
// `server/discover` and per-request capabilities as another entry point without touching tools).
//
// Front ends hold no business logic: tools decode arguments, call app::App and encode results.
// Every tool call is audited with the actor `agent:<client name>`; scopes come from the token.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/app.h"
#include "core/result.h"
#include "mcp/jsonrpc.h"
#include "model/actor.h"
#include "model/catalog.h"

namespace firebreak::mcp {

inline constexpr std::string_view kLatestVersion = "2025-11-25";
// Supported revisions, newest first.
const std::vector<std::string>& SupportedVersions();
bool IsSupportedVersion(std::string_view v);

// Where one stream's outgoing messages go (a stdout writer, an HTTP response stream).
class Outlet {
 public:
  virtual ~Outlet() = default;
  // A notification or a server-to-client request related to the stream. Thread-safe; dropped if the
  // peer is gone.
  virtual void Send(const json::value& msg) = 0;
  // The stream's final message: the response, or none when the request was cancelled. Called once.
  virtual void Finish(std::optional<json::value> response) = 0;
};

// RFC 5424 levels, as MCP names them.
enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };
Result<LogLevel> ParseLogLevel(std::string_view s);
std::string_view LogLevelName(LogLevel l);

struct ClientInfo {
  std::string name = "unknown";
  std::string version;
  json::object capabilities;
};

class Server;

// One MCP session (a stdio process, or one Mcp-Session-Id over HTTP).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server& server, std::string id) : server_(server), id_(std::move(id)) {}
  const std::string& id() const { return id_; }

  bool initialized() const;
  std::string version() const;
  ClientInfo client() const;
  LogLevel log_level() const;
  // The token the session was opened with ("" for stdio / anonymous test mode); HTTP requests of
  // the session must present the same one.
  std::string bound_token() const;
  void BindToken(std::string token_id);
  // The stream for messages not tied to a request (resource updates): stdout, or the HTTP GET
  // stream when one is open (else such messages are dropped). Returns false if one is already set.
  bool SetStandalone(std::shared_ptr<Outlet> out, bool replace = false);
  void ClearStandalone(const Outlet* out);
  core::SteadyTime last_used() const;

 private:
  friend class Server;
  friend class Context;
  Server& server_;
  const std::string id_;
  mutable std::mutex mu_;
  bool initialized_ = false;
  bool closed_ = false;
  bool input_closed_ = false;  // the client can no longer answer (stdio EOF)
  std::string version_;
  ClientInfo client_;
  LogLevel level_ = LogLevel::kInfo;
  std::string token_;
  std::set<std::string> subscriptions_;
  int engine_sub_ = 0;
  std::shared_ptr<Outlet> standalone_;
  std::map<std::string, std::shared_ptr<std::promise<Result<json::value>>>>
      pending_;                                                         // our requests
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> inflight_;  // their requests
  uint64_t next_request_ = 1;
  core::SteadyTime last_used_{};
};

// What a method or tool handler sees while it runs.
class Context {
 public:
  Context(Server& server, std::shared_ptr<Session> s, model::Principal token_principal,
          std::shared_ptr<Outlet> out, json::value request_id, json::value progress_token,
          std::shared_ptr<std::atomic<bool>> cancelled);

  app::App& app();
  Server& server() { return server_; }
  Session& session() { return *session_; }
  // The principal tools act as: the token's scopes and person, actor agent:<client name>.
  const model::Principal& principal() const { return principal_; }
  const model::Principal& token_principal() const { return token_principal_; }
  bool cancelled() const { return cancelled_ && cancelled_->load(); }
  // Whether the negotiated revision has structured tool output, titles and elicitation (>=
  // 2025-06-18).
  bool modern() const;

  // notifications/progress, if the request asked for it (progress must increase).
  void Progress(double progress, std::optional<double> total = std::nullopt,
                const std::string& message = {});
  // notifications/message on this request's stream, if `level` passes the session's level.
  void Log(LogLevel level, const json::value& data, const std::string& logger = "firebreak");
  // Sends `method` to the client and waits for its result (elicitation/create,
  // sampling/createMessage). FailedPrecondition when the client did not declare `capability`;
  // DeadlineExceeded after `timeout`.
  Result<json::value> RequestClient(const std::string& method, json::object params,
                                    std::string_view capability,
                                    std::chrono::seconds timeout = std::chrono::seconds(300));

 private:
  Server& server_;
  std::shared_ptr<Session> session_;
  model::Principal token_principal_;
  model::Principal principal_;
  std::shared_ptr<Outlet> out_;
  json::value request_id_;
  json::value progress_token_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

// ---- the registry -------------------------------------------------------------------------------

struct ToolResult {
  json::object structured;  // structuredContent; must match the tool's outputSchema
  json::array content;      // content blocks; empty = one text block with `structured` serialized
  bool is_error = false;
};

// Tool annotations (hints for clients; enforcement is the scope check and the app below).
struct Annotations {
  bool read_only = true;
  bool destructive = false;  // meaningful only for writes
  bool idempotent = true;    // meaningful only for writes
  bool open_world = false;   // reaches people or systems outside Firebreak (pages, notifications)
};

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  json::object input_schema;
  std::optional<json::object> output_schema;
  Annotations annotations;
  model::Scope scope = model::kScopeRead;  // what the token must have to see and call it
  // What executing it risks (DESIGN.md §3 tiers). An agent executes a tool only up to the server's
  // agent tier (ServerOptions::agent_tier); above it the call is recorded as a proposal for a
  // person (on the incident's timeline when the arguments name one, and in the audit log).
  model::RiskTier risk = model::RiskTier::kLow;
  // For tools whose arguments decide what gets executed (request_runbook_run: which runbook): the
  // risk of executing this call. The agent-tier gate then uses it instead of `risk`, which is the
  // riskiest any call executes.
  std::function<model::RiskTier(Context&, const json::object& args)> call_risk = nullptr;
  std::function<Result<ToolResult>(Context&, const json::object& args)> run;
  bool fixture = false;  // a conformance fixture: registered only under --mcp-test-fixtures
};

struct ResourceContents {
  std::string uri;
  std::string mime_type;
  std::string text;  // or
  std::string blob;  // base64
};

// A family of resources under one URI template ("incident://{id}/timeline").
struct Resource {
  std::string uri_template;  // a concrete URI when there are no {placeholders}
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type = "application/json";
  bool subscribable = false;
  model::Scope scope = model::kScopeRead;
  // Concrete resources to show in resources/list (may be empty).
  std::function<Result<std::vector<json::object>>(Context&)> list;
  std::function<Result<ResourceContents>(Context&, const std::map<std::string, std::string>& vars,
                                         const std::string& uri)>
      read;
  // Engine change topics that update it ("timeline"); the change's id fills the first placeholder.
  std::vector<std::string> topics;
  bool fixture = false;
};

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
};

struct Prompt {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  std::function<Result<json::object>(Context&, const std::map<std::string, std::string>& args)> get;
  // Suggestions for an argument's value (completion/complete).
  std::function<std::vector<std::string>(Context&, const std::string& arg,
                                         const std::string& prefix)>
      complete;
  bool fixture = false;
};

class Registry {
 public:
  void Add(Tool t);
  void Add(Resource r);
  void Add(Prompt p);
  const std::vector<Tool>& tools() const { return tools_; }
  const std::vector<Resource>& resources() const { return resources_; }
  const std::vector<Prompt>& prompts() const { return prompts_; }
  const Tool* FindTool(std::string_view name) const;
  const Prompt* FindPrompt(std::string_view name) const;
  // The resource family whose template matches `uri`, with its placeholders filled.
  const Resource* MatchResource(const std::string& uri,
                                std::map<std::string, std::string>& vars) const;

 private:
  std::vector<Tool> tools_;
  std::vector<Resource> resources_;
  std::vector<Prompt> prompts_;
};

// The registry of every capability (kCapabilities in registry.cc); with `fixtures`, also the
// conformance-suite fixtures (fixtures.cc).
Registry BuildRegistry(bool fixtures);
// Capability files: one per capability (`tools_<capability>.cc`), each adding its tools (and
// resources/prompts) to the registry. Adding a capability = one file with one of these functions,
// one line in kCapabilities (registry.cc), one line in src/mcp/CMakeLists.txt.
void AddSystemTools(Registry& r);
void AddIncidentTools(Registry& r);
void AddResilienceTools(Registry& r);
void AddOncallTools(Registry& r);
void AddRunbookTools(Registry& r);
void AddReportTools(Registry& r);
void AddInvestigationTools(Registry& r);
void AddLogTools(Registry& r);
void AddAlertTools(Registry& r);
void AddIncidentResources(Registry& r);
void AddRunbookResources(Registry& r);
void AddPrompts(Registry& r);
void AddConformanceFixtures(Registry& r);

struct Capability {
  const char* name;  // "incidents", "resilience", ...
  void (*add)(Registry&);
};
// Every capability the server offers, in tools/list order.
const std::vector<Capability>& Capabilities();

// A tool as tools/list shows it (`modern` = revision >= 2025-06-18: title and outputSchema). With
// `agent_tier`, a tool above it says that calling it records a proposal instead.
json::object ToolJson(const Tool& t, bool modern = true,
                      std::optional<model::RiskTier> agent_tier = std::nullopt);
// The README table of tools (Markdown), generated from the registry.
std::string ToolsMarkdown(const Registry& r);

// ---- the server ---------------------------------------------------------------------------------

struct ServerOptions {
  // Register the conformance fixtures (tests only; `serve` allows it on loopback only).
  bool fixtures = false;
  // Threads that run handlers.
  int workers = 8;
  // Requests one session may have running at once (more are refused: a simple rate limit).
  size_t max_inflight = 32;
  // Sessions kept at once (HTTP); idle ones are dropped first.
  size_t max_sessions = 1000;
  std::chrono::seconds session_idle{std::chrono::hours(1)};
  // Largest tool result (serialized structuredContent); larger ones ask the model to narrow.
  size_t max_result_bytes = 256 * 1024;
  // The riskiest tools an agent may execute (LOW or MEDIUM; HIGH is never executed by an agent).
  // Calls of riskier tools are recorded as proposals for a person and not executed.
  model::RiskTier agent_tier = model::RiskTier::kMedium;
};

// "low"/"LOW" or "medium"/"MEDIUM"; HIGH is refused (HIGH actions always need a person).
Result<model::RiskTier> ParseAgentTier(std::string_view s);

class Server {
 public:
  Server(app::App& app, ServerOptions opt = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  app::App& app() { return app_; }
  const Registry& registry() const { return registry_; }
  const ServerOptions& options() const { return opt_; }

  // Handles one decoded message of session `s`, sent by `who` (the token's principal). A request is
  // answered through out->Finish (after any related messages through out->Send); for notifications
  // and responses `out` is not used and Handle returns at once.
  void Handle(const std::shared_ptr<Session>& s, Message m, const model::Principal& who,
              std::shared_ptr<Outlet> out);

  // Runs a batch (only in sessions that negotiated 2025-03-26; the transport checks). Related
  // messages go to `related` as they come; `done` gets the array of responses (requests and
  // invalid elements) once all finished, or an empty array when the batch had no request.
  void HandleBatch(const std::shared_ptr<Session>& s, std::vector<Decoded> batch,
                   const model::Principal& who, std::shared_ptr<Outlet> related,
                   std::function<void(json::array)> done);

  // HTTP session table.
  std::shared_ptr<Session> NewSession();
  std::shared_ptr<Session> FindSession(const std::string& id);
  // Ends a session: fails its pending client requests, cancels its running requests, drops its
  // subscriptions. Returns false if it did not exist.
  bool CloseSession(const std::string& id);
  // A session that is not in the table (stdio).
  std::shared_ptr<Session> DetachedSession(std::string id);
  void Close(Session& s);
  // The client stopped sending (stdio EOF): fails what waits for its answers; running requests
  // finish and still respond.
  void EndInput(Session& s);

  // Stops everything: closes sessions, then waits for running handlers.
  void Shutdown();

  // Used by Context.
  std::string NextRequestId(Session& s);

 private:
  struct Method {
    std::function<Result<json::value>(Context&, const json::object& params)> run;
    bool inline_ = false;    // answered on the caller's thread (quick, no store access)
    bool needs_init = true;  // refused before initialize
  };
  void RegisterMethods();
  void RunRequest(std::shared_ptr<Session> s, Message m, model::Principal who,
                  std::shared_ptr<Outlet> out, std::shared_ptr<std::atomic<bool>> cancelled);
  void OnChange(const std::weak_ptr<Session>& ws, const std::string& topic, const std::string& id);
  void EnsureEngineSubscription(Session& s);

  Result<json::value> Initialize(Context& ctx, const json::object& params);
  Result<json::value> ToolsList(Context& ctx, const json::object& params);
  Result<json::value> ToolsCall(Context& ctx, const json::object& params);
  Result<json::value> ResourcesList(Context& ctx, const json::object& params);
  Result<json::value> ResourceTemplatesList(Context& ctx, const json::object& params);
  Result<json::value> ResourcesRead(Context& ctx, const json::object& params);
  Result<json::value> ResourcesSubscribe(Context& ctx, const json::object& params, bool on);
  Result<json::value> PromptsList(Context& ctx, const json::object& params);
  Result<json::value> PromptsGet(Context& ctx, const json::object& params);
  Result<json::value> Complete(Context& ctx, const json::object& params);
  Result<json::value> SetLevel(Context& ctx, const json::object& params);

  app::App& app_;
  ServerOptions opt_;
  Registry registry_;
  std::map<std::string, Method, std::less<>> methods_;
  boost::asio::thread_pool pool_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace firebreak::mcp
