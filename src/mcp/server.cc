#include "mcp/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "core/crypto.h"
#include "core/json.h"
#include "core/strings.h"
#include "mcp/schema.h"
#include "mcp/tools_common.h"

namespace firebreak::mcp {

using core::ObjectReader;

const std::vector<std::string>& SupportedVersions() {
  static const std::vector<std::string> v = {"2025-11-25", "2025-06-18", "2025-03-26"};
  return v;
}

bool IsSupportedVersion(std::string_view v) {
  for (const auto& s : SupportedVersions())
    if (s == v) return true;
  return false;
}

namespace {
constexpr std::array<std::string_view, 8> kLevelNames = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
}

Result<LogLevel> ParseLogLevel(std::string_view s) {
  for (size_t i = 0; i < kLevelNames.size(); ++i)
    if (kLevelNames[i] == s) return static_cast<LogLevel>(i);
  return InvalidArgument("unknown log level '" + core::Truncate(s, 32) +
                             "' (debug, info, notice, warning, error, critical, alert, emergency)",
                         "level");
}

std::string_view LogLevelName(LogLevel l) { return kLevelNames[static_cast<size_t>(l)]; }

// ---- Session ------------------------------------------------------------------------------------

bool Session::initialized() const {
  std::lock_guard lk(mu_);
  return initialized_;
}
std::string Session::version() const {
  std::lock_guard lk(mu_);
  return version_;
}
ClientInfo Session::client() const {
  std::lock_guard lk(mu_);
  return client_;
}
LogLevel Session::log_level() const {
  std::lock_guard lk(mu_);
  return level_;
}
std::string Session::bound_token() const {
  std::lock_guard lk(mu_);
  return token_;
}
void Session::BindToken(std::string token_id) {
  std::lock_guard lk(mu_);
  token_ = std::move(token_id);
}
bool Session::SetStandalone(std::shared_ptr<Outlet> out, bool replace) {
  std::lock_guard lk(mu_);
  if (closed_ || (standalone_ && !replace)) return false;
  standalone_ = std::move(out);
  return true;
}
void Session::ClearStandalone(const Outlet* out) {
  std::lock_guard lk(mu_);
  if (standalone_.get() == out) standalone_.reset();
}
core::SteadyTime Session::last_used() const {
  std::lock_guard lk(mu_);
  return last_used_;
}

// ---- Context ------------------------------------------------------------------------------------

Context::Context(Server& server, std::shared_ptr<Session> s, model::Principal token_principal,
                 std::shared_ptr<Outlet> out, json::value request_id, json::value progress_token,
                 std::shared_ptr<std::atomic<bool>> cancelled)
    : server_(server),
      session_(std::move(s)),
      token_principal_(std::move(token_principal)),
      out_(std::move(out)),
      request_id_(std::move(request_id)),
      progress_token_(std::move(progress_token)),
      cancelled_(std::move(cancelled)) {
  principal_ = app::AgentPrincipal(token_principal_, session_->client().name);
}

app::App& Context::app() { return server_.app(); }

bool Context::modern() const { return session_->version() != "2025-03-26"; }

void Context::Progress(double progress, std::optional<double> total, const std::string& message) {
  if (progress_token_.is_null() || cancelled()) return;
  json::object p{{"progressToken", progress_token_}, {"progress", progress}};
  if (total) p["total"] = *total;
  if (!message.empty()) p["message"] = message;
  out_->Send(EncodeNotification("notifications/progress", std::move(p)));
}

void Context::Log(LogLevel level, const json::value& data, const std::string& logger) {
  if (level < session_->log_level()) return;
  json::object p{{"level", LogLevelName(level)}, {"logger", logger}, {"data", data}};
  out_->Send(EncodeNotification("notifications/message", std::move(p)));
}

Result<json::value> Context::RequestClient(const std::string& method, json::object params,
                                           std::string_view capability,
                                           std::chrono::seconds timeout) {
  auto caps = session_->client().capabilities;
  if (!caps.contains(capability))
    return FailedPrecondition("the client did not declare the '" + std::string(capability) +
                              "' capability");
  std::string id = server_.NextRequestId(*session_);
  auto p = std::make_shared<std::promise<Result<json::value>>>();
  auto fut = p->get_future();
  {
    std::lock_guard lk(session_->mu_);
    if (session_->closed_ || session_->input_closed_) return Unavailable("the session was closed");
    session_->pending_[Serialize(json::value(id))] = p;
  }
  out_->Send(EncodeRequest(json::value(id), method, std::move(params)));
  auto forget = [&] {
    std::lock_guard lk(session_->mu_);
    session_->pending_.erase(Serialize(json::value(id)));
  };
  // Wait in slices so that a cancelled request stops waiting for the client.
  constexpr auto kSlice = std::chrono::milliseconds(200);
  for (auto waited = std::chrono::milliseconds(0); waited < timeout; waited += kSlice) {
    if (fut.wait_for(kSlice) == std::future_status::ready) return fut.get();
    if (cancelled()) {
      forget();
      return MakeError(ErrorCode::kFailedPrecondition, "the request was cancelled");
    }
  }
  forget();
  return MakeError(ErrorCode::kDeadlineExceeded,
                   "the client did not answer " + method + " in time");
}

// ---- Registry -----------------------------------------------------------------------------------

void Registry::Add(Tool t) { tools_.push_back(std::move(t)); }
void Registry::Add(Resource r) { resources_.push_back(std::move(r)); }
void Registry::Add(Prompt p) { prompts_.push_back(std::move(p)); }

const Tool* Registry::FindTool(std::string_view name) const {
  for (const auto& t : tools_)
    if (t.name == name) return &t;
  return nullptr;
}

const Prompt* Registry::FindPrompt(std::string_view name) const {
  for (const auto& p : prompts_)
    if (p.name == name) return &p;
  return nullptr;
}

namespace {
// Matches "incident://{id}/timeline" against a URI; a placeholder is one or more characters other
// than '/', '?' and '#'.
bool MatchTemplate(std::string_view tpl, std::string_view uri,
                   std::map<std::string, std::string>& vars) {
  size_t ti = 0, ui = 0;
  while (ti < tpl.size()) {
    if (tpl[ti] == '{') {
      size_t close = tpl.find('}', ti);
      if (close == std::string_view::npos) return false;
      std::string name(tpl.substr(ti + 1, close - ti - 1));
      ti = close + 1;
      char stop = ti < tpl.size() ? tpl[ti] : '\0';
      size_t start = ui;
      while (ui < uri.size() && uri[ui] != stop && uri[ui] != '/' && uri[ui] != '?' &&
             uri[ui] != '#')
        ++ui;
      if (ui == start || ui - start > 200) return false;
      vars[name] = std::string(uri.substr(start, ui - start));
    } else {
      if (ui >= uri.size() || uri[ui] != tpl[ti]) return false;
      ++ti;
      ++ui;
    }
  }
  return ui == uri.size();
}

std::string FillTemplate(std::string_view tpl, const std::string& value) {
  size_t open = tpl.find('{');
  size_t close = tpl.find('}', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return std::string(tpl);
  return std::string(tpl.substr(0, open)) + value + std::string(tpl.substr(close + 1));
}

bool IsTemplate(const std::string& uri) { return uri.find('{') != std::string::npos; }
}  // namespace

const Resource* Registry::MatchResource(const std::string& uri,
                                        std::map<std::string, std::string>& vars) const {
  for (const auto& r : resources_) {
    vars.clear();
    if (MatchTemplate(r.uri_template, uri, vars)) return &r;
  }
  vars.clear();
  return nullptr;
}

Result<model::RiskTier> ParseAgentTier(std::string_view s) {
  std::string u = core::ToLower(s);
  if (u == "low") return model::RiskTier::kLow;
  if (u == "medium") return model::RiskTier::kMedium;
  if (u == "high")
    return InvalidArgument("agents never execute HIGH-risk actions (they need a person's approval)",
                           "agent_tier");
  return InvalidArgument("agent tier must be LOW or MEDIUM, not '" + core::Truncate(s, 40) + "'",
                         "agent_tier");
}

json::object ToolJson(const Tool& t, bool modern, std::optional<model::RiskTier> agent_tier) {
  std::string description = t.description;
  bool above = agent_tier && t.risk > *agent_tier;
  bool proposes = above && !t.call_risk;
  if (proposes)
    description += " [" + std::string(model::RiskTierName(t.risk)) +
                   " risk, above this agent's tier: calling it records a proposal for a person "
                   "instead of executing it.]";
  else if (above)
    description += " [Calls that would execute a " + std::string(model::RiskTierName(t.risk)) +
                   "-risk action are above this agent's tier: they record a proposal for a person "
                   "instead.]";
  json::object o{{"name", t.name}, {"description", description}, {"inputSchema", t.input_schema}};
  json::object ann{{"readOnlyHint", t.annotations.read_only},
                   {"openWorldHint", t.annotations.open_world}};
  if (!t.annotations.read_only) {
    ann["destructiveHint"] = t.annotations.destructive;
    ann["idempotentHint"] = t.annotations.idempotent;
  }
  if (modern) {
    if (!t.title.empty()) {
      o["title"] = t.title;
      ann["title"] = t.title;
    }
    if (t.output_schema) o["outputSchema"] = *t.output_schema;
  }
  o["annotations"] = std::move(ann);
  if (!t.fixture) {
    // Our own metadata (reverse-DNS prefix, as the spec asks).
    json::object meta{{"io.firebreak/scope", model::ScopeName(t.scope)},
                      {"io.firebreak/risk", model::RiskTierName(t.risk)}};
    if (agent_tier) meta["io.firebreak/executes"] = !proposes;
    if (t.call_risk) meta["io.firebreak/risk_depends_on_arguments"] = true;
    o["_meta"] = std::move(meta);
  }
  return o;
}

std::string ToolsMarkdown(const Registry& r) {
  std::string out =
      "| tool | kind | needs scope | risk | what it does |\n|---|---|---|---|---|\n";
  for (const auto& t : r.tools()) {
    if (t.fixture) continue;
    std::string kind;
    if (t.annotations.read_only) {
      kind = "read-only";
    } else {
      kind = t.annotations.destructive ? "write (overwrites)" : "write (additive)";
      if (t.annotations.idempotent) kind += ", idempotent";
    }
    if (t.annotations.open_world) kind += ", reaches people";
    std::string desc = t.description;
    // One line per row; the first sentence is enough for a table.
    if (auto dot = desc.find(". "); dot != std::string::npos) desc = desc.substr(0, dot + 1);
    for (auto& c : desc)
      if (c == '\n' || c == '|') c = ' ';
    out += "| `" + t.name + "` | " + kind + " | `" + std::string(model::ScopeName(t.scope)) +
           "` | " + std::string(model::RiskTierName(t.risk)) + " | " + desc + " |\n";
  }
  return out;
}

// ---- Server -------------------------------------------------------------------------------------

Server::Server(app::App& app, ServerOptions opt)
    : app_(app),
      opt_(opt),
      registry_(BuildRegistry(opt.fixtures)),
      pool_(std::max(1, opt.workers)) {
  RegisterMethods();
}

Server::~Server() { Shutdown(); }

std::string Server::NextRequestId(Session& s) {
  std::lock_guard lk(s.mu_);
  return "fb-" + std::to_string(s.next_request_++);
}

namespace {
constexpr size_t kPageSize = 100;

Result<size_t> DecodeCursor(const json::object& params) {
  const json::value* c = params.if_contains("cursor");
  if (!c || c->is_null()) return size_t{0};
  if (!c->is_string()) return InvalidArgument("cursor must be a string", "cursor");
  std::string_view s = c->get_string();
  if (s.substr(0, 2) != "o:" || s.size() > 12) return InvalidArgument("invalid cursor", "cursor");
  size_t n = 0;
  for (char ch : s.substr(2)) {
    if (ch < '0' || ch > '9') return InvalidArgument("invalid cursor", "cursor");
    n = n * 10 + static_cast<size_t>(ch - '0');
  }
  return n;
}

// Puts items [offset, offset+page) of `all` under `key`, with nextCursor when more remain.
json::object Page(std::vector<json::object> all, size_t offset, const char* key) {
  json::array page;
  for (size_t i = offset; i < all.size() && i < offset + kPageSize; ++i)
    page.push_back(std::move(all[i]));
  json::object out{{key, std::move(page)}};
  if (offset + kPageSize < all.size())
    out["nextCursor"] = "o:" + std::to_string(offset + kPageSize);
  return out;
}

std::string KeyOf(const json::value& id) { return Serialize(id); }
}  // namespace

void Server::RegisterMethods() {
  auto bind = [this](auto fn) {
    return [this, fn](Context& c, const json::object& p) -> Result<json::value> {
      return (this->*fn)(c, p);
    };
  };
  methods_["initialize"] = Method{bind(&Server::Initialize), true, false};
  methods_["ping"] =
      Method{[](Context&, const json::object&) -> Result<json::value> { return json::object{}; },
             true, false};
  methods_["logging/setLevel"] = Method{bind(&Server::SetLevel), true, true};
  methods_["tools/list"] = Method{bind(&Server::ToolsList), true, true};
  methods_["tools/call"] = Method{bind(&Server::ToolsCall), false, true};
  methods_["resources/list"] = Method{bind(&Server::ResourcesList), false, true};
  methods_["resources/templates/list"] = Method{bind(&Server::ResourceTemplatesList), true, true};
  methods_["resources/read"] = Method{bind(&Server::ResourcesRead), false, true};
  methods_["resources/subscribe"] =
      Method{[this](Context& c, const json::object& p) { return ResourcesSubscribe(c, p, true); },
             false, true};
  methods_["resources/unsubscribe"] =
      Method{[this](Context& c, const json::object& p) { return ResourcesSubscribe(c, p, false); },
             true, true};
  methods_["prompts/list"] = Method{bind(&Server::PromptsList), true, true};
  methods_["prompts/get"] = Method{bind(&Server::PromptsGet), false, true};
  methods_["completion/complete"] = Method{bind(&Server::Complete), false, true};
}

void Server::Handle(const std::shared_ptr<Session>& s, Message m, const model::Principal& who,
                    std::shared_ptr<Outlet> out) {
  {
    std::lock_guard lk(s->mu_);
    s->last_used_ = app_.clock().Steady();
  }
  if (m.kind == Message::Kind::kResponse) {
    std::shared_ptr<std::promise<Result<json::value>>> p;
    {
      std::lock_guard lk(s->mu_);
      auto it = s->pending_.find(KeyOf(m.id));
      if (it != s->pending_.end()) {
        p = it->second;
        s->pending_.erase(it);
      }
    }
    if (!p) return;  // unknown or already timed out: ignore
    if (m.result) {
      p->set_value(*m.result);
    } else {
      const auto& e = *m.error;
      std::string msg =
          e.at("message").is_string() ? std::string(e.at("message").get_string()) : "";
      p->set_value(
          MakeError(ErrorCode::kFailedPrecondition,
                    "the client answered with error " + core::ToJson(e.at("code")) + ": " + msg));
    }
    return;
  }
  if (m.kind == Message::Kind::kNotification) {
    if (m.method == "notifications/cancelled") {
      if (const json::value* rid = m.params.if_contains("requestId")) {
        std::lock_guard lk(s->mu_);
        auto it = s->inflight_.find(KeyOf(*rid));
        if (it != s->inflight_.end()) it->second->store(true);
      }
    }
    // notifications/initialized, roots/list_changed, ...: nothing to do.
    return;
  }
  auto it = methods_.find(m.method);
  if (it == methods_.end()) {
    out->Finish(EncodeError(m.id, JsonRpcCodeFor(RpcFailure::kMethodNotFound),
                            "Method not found: " + core::Truncate(m.method, 100)));
    return;
  }
  const Method& method = it->second;
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lk(s->mu_);
    std::string refusal;
    if (s->closed_) {
      refusal = "the session was closed";
    } else if (method.needs_init && !s->initialized_) {
      refusal = "the session is not initialized: send initialize first";
    } else if (m.method == "initialize" && s->initialized_) {
      refusal = "the session is already initialized";
    } else if (s->inflight_.count(KeyOf(m.id))) {
      refusal = "a request with this id is still running";
    }
    if (!refusal.empty()) {
      out->Finish(EncodeError(m.id, JsonRpcCodeFor(RpcFailure::kInvalidRequest), refusal));
      return;
    }
    if (s->inflight_.size() >= opt_.max_inflight) {
      out->Finish(EncodeError(m.id, Error{ErrorCode::kResourceExhausted,
                                          "too many requests running in this session (max " +
                                              std::to_string(opt_.max_inflight) + ")",
                                          ""}));
      return;
    }
    s->inflight_[KeyOf(m.id)] = cancelled;
  }
  if (method.inline_ || shutting_down_) {
    RunRequest(s, std::move(m), who, std::move(out), std::move(cancelled));
    return;
  }
  boost::asio::post(pool_, [this, s, m = std::move(m), who, out = std::move(out),
                            cancelled]() mutable {
    RunRequest(std::move(s), std::move(m), std::move(who), std::move(out), std::move(cancelled));
  });
}

namespace {
// Collects the responses of one batch.
struct BatchState {
  std::mutex mu;
  json::array responses;
  size_t remaining = 0;
  std::function<void(json::array)> done;

  void Add(std::optional<json::value> response) {
    std::function<void(json::array)> fire;
    json::array all;
    {
      std::lock_guard lk(mu);
      if (response) responses.push_back(std::move(*response));
      if (--remaining != 0) return;
      fire = std::move(done);
      all = std::move(responses);
    }
    fire(std::move(all));
  }
};

class BatchOutlet final : public Outlet {
 public:
  BatchOutlet(std::shared_ptr<BatchState> st, std::shared_ptr<Outlet> related)
      : st_(std::move(st)), related_(std::move(related)) {}
  void Send(const json::value& msg) override { related_->Send(msg); }
  void Finish(std::optional<json::value> response) override { st_->Add(std::move(response)); }

 private:
  std::shared_ptr<BatchState> st_;
  std::shared_ptr<Outlet> related_;
};
}  // namespace

void Server::HandleBatch(const std::shared_ptr<Session>& s, std::vector<Decoded> batch,
                         const model::Principal& who, std::shared_ptr<Outlet> related,
                         std::function<void(json::array)> done) {
  auto st = std::make_shared<BatchState>();
  st->done = std::move(done);
  size_t answers = 0;
  for (const auto& d : batch)
    if (!d.message || d.message->kind == Message::Kind::kRequest) ++answers;
  if (answers == 0) {
    for (auto& d : batch) Handle(s, std::move(*d.message), who, nullptr);
    st->done(json::array{});
    return;
  }
  st->remaining = answers;
  for (auto& d : batch) {
    if (!d.message) {
      st->Add(EncodeError(d.failure->id, d.failure->code(), d.failure->message));
    } else if (d.message->kind == Message::Kind::kRequest && d.message->method == "initialize") {
      st->Add(EncodeError(d.message->id, JsonRpcCodeFor(RpcFailure::kInvalidRequest),
                          "initialize must not be part of a batch"));
    } else if (d.message->kind == Message::Kind::kRequest) {
      Handle(s, std::move(*d.message), who, std::make_shared<BatchOutlet>(st, related));
    } else {
      Handle(s, std::move(*d.message), who, nullptr);
    }
  }
}

void Server::RunRequest(std::shared_ptr<Session> s, Message m, model::Principal who,
                        std::shared_ptr<Outlet> out, std::shared_ptr<std::atomic<bool>> cancelled) {
  json::value progress_token = nullptr;
  if (const json::value* meta = m.params.if_contains("_meta"); meta && meta->is_object()) {
    if (const json::value* t = meta->get_object().if_contains("progressToken");
        t && (t->is_string() || t->is_int64()))
      progress_token = *t;
  }
  Context ctx(*this, s, std::move(who), out, m.id, progress_token, cancelled);
  Result<json::value> r = json::value(nullptr);
  if (shutting_down_) {
    r = Unavailable("the server is shutting down");
  } else {
    try {
      r = methods_.at(m.method).run(ctx, m.params);
    } catch (const std::exception& e) {
      spdlog::error("mcp: {} threw: {}", m.method, e.what());
      r = Internal("internal error");
    }
  }
  {
    std::lock_guard lk(s->mu_);
    s->inflight_.erase(KeyOf(m.id));
  }
  if (cancelled->load() && m.method != "initialize") {
    out->Finish(std::nullopt);
    return;
  }
  if (r) {
    out->Finish(EncodeResult(m.id, std::move(*r)));
  } else {
    out->Finish(EncodeError(m.id, r.error()));
  }
}

// ---- lifecycle ----------------------------------------------------------------------------------

Result<json::value> Server::Initialize(Context& ctx, const json::object& params) {
  ObjectReader r(params, "params");
  auto requested = r.String("protocolVersion", true);
  const json::object* caps = r.Object("capabilities");
  const json::object* info = r.Object("clientInfo");
  FB_TRY(r.status());
  ClientInfo ci;
  if (caps) ci.capabilities = *caps;
  if (info) {
    ObjectReader ir(*info, "params.clientInfo");
    ci.name = ir.String("name").value_or("unknown");
    ci.version = ir.String("version").value_or("");
    if (ci.name.empty()) ci.name = "unknown";
  }
  // Echo a supported version; otherwise offer our latest (the client decides whether to go on).
  std::string version = IsSupportedVersion(*requested) ? *requested : std::string(kLatestVersion);
  {
    Session& s = ctx.session();
    std::lock_guard lk(s.mu_);
    if (s.initialized_) return FailedPrecondition("the session is already initialized");
    s.initialized_ = true;
    s.version_ = version;
    s.client_ = std::move(ci);
  }
  json::object capabilities{
      {"tools", json::object{{"listChanged", false}}},
      {"resources", json::object{{"subscribe", true}, {"listChanged", false}}},
      {"prompts", json::object{{"listChanged", false}}},
      {"logging", json::object{}},
      {"completions", json::object{}},
  };
  json::object server_info{{"name", "firebreak"}, {"version", FIREBREAK_VERSION}};
  if (version != "2025-03-26") {
    server_info["title"] = "Firebreak";
    server_info["description"] =
        "Self-hosted incident response: incidents, timelines, audit, services";
  }
  return json::object{
      {"protocolVersion", version},
      {"capabilities", std::move(capabilities)},
      {"serverInfo", std::move(server_info)},
      {"instructions",
       "Firebreak runs incident response. Start with get_system_status, then list_incidents / "
       "get_incident / "
       "get_timeline. Write tools (create_incident, acknowledge_incident, add_note, ...) need a "
       "token with the "
       "'write' scope and are audited as agent:<your client name>. Nothing here approves risky "
       "actions: "
       "approvals are made by people in Firebreak."},
  };
}

Result<json::value> Server::SetLevel(Context& ctx, const json::object& params) {
  ObjectReader r(params, "params");
  auto level = r.String("level", true);
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(auto l, ParseLogLevel(*level));
  std::lock_guard lk(ctx.session().mu_);
  ctx.session().level_ = l;
  return json::object{};
}

// ---- tools --------------------------------------------------------------------------------------

Result<json::value> Server::ToolsList(Context& ctx, const json::object& params) {
  FB_ASSIGN_OR_RETURN(size_t offset, DecodeCursor(params));
  std::vector<json::object> all;
  for (const auto& t : registry_.tools()) {
    // Tools the token may not call are not offered (write tools are off for read-only tokens).
    if (!ctx.principal().Has(t.scope)) continue;
    all.push_back(ToolJson(t, ctx.modern(), opt_.agent_tier));
  }
  return Page(std::move(all), offset, "tools");
}

Result<json::value> Server::ToolsCall(Context& ctx, const json::object& params) {
  ObjectReader r(params, "params");
  auto name = r.String("name", true);
  const json::value* args_v = r.Raw("arguments");
  FB_TRY(r.status());
  const Tool* tool = registry_.FindTool(*name);
  if (!tool) {
    // Audited too (an agent probing for tools it was not given is worth seeing), then a protocol
    // error as the spec asks.
    const auto& p = ctx.principal();
    std::string shown = core::Truncate(*name, 128);
    json::object details{{"tool", shown},         {"token", p.token_id}, {"person", p.person},
                         {"ok", false},           {"error", "unknown_tool"}};
    auto audit = app::Wait<bool>([&](auto cb) {
      app_.RecordAudit(p, "mcp.tool_call", "tool:" + shown, std::move(details), std::move(cb));
    });
    if (!audit) spdlog::error("mcp: could not audit a call: {}", audit.error().ToString());
    return InvalidArgument("Unknown tool: " + shown, "name");
  }
  static const json::object kNoArgs;
  if (args_v && !args_v->is_null() && !args_v->is_object())
    return InvalidArgument("arguments must be an object", "arguments");
  const json::object& args = args_v && args_v->is_object() ? args_v->get_object() : kNoArgs;

  std::optional<Error> err;
  ToolResult res;
  std::optional<json::object> proposal;  // set when the call was recorded instead of executed
  model::RiskTier risk = tool->risk;      // what executing this call risks
  if (!ctx.principal().Has(tool->scope)) {
    err = Error{ErrorCode::kPermissionDenied,
                "tool " + tool->name + " needs a token with the '" +
                    std::string(model::ScopeName(tool->scope)) + "' scope; this one has '" +
                    model::ScopesToString(ctx.principal().scopes) + "'",
                ""};
  } else if (auto st = schema::Validate(tool->input_schema, args); !st) {
    err = st.error();
  } else if (risk = tool->call_risk ? tool->call_risk(ctx, args) : tool->risk;
             risk > opt_.agent_tier) {
    // Agents may propose anything; they execute only up to their tier.
    internal::Proposal pr;
    pr.incident_id = internal::StrArg(args, "incident_id", internal::StrArg(args, "id"));
    pr.tool = tool->name;
    pr.arguments = args;
    pr.risk = risk;
    pr.not_executed = "agents here execute up to " +
                      std::string(model::RiskTierName(opt_.agent_tier)) + " risk";
    auto prop = internal::RecordProposal(ctx, pr);
    if (prop)
      proposal = std::move(*prop);
    else
      err = prop.error();
  } else {
    auto out = tool->run(ctx, args);
    if (!out) {
      err = out.error();
    } else {
      res = std::move(*out);
      if (core::ToJson(res.structured).size() > opt_.max_result_bytes)
        err = Error{ErrorCode::kTooLarge,
                    "the result exceeds " + std::to_string(opt_.max_result_bytes / 1024) +
                        " KiB; narrow the query (limit, filters) and page with the cursor",
                    ""};
    }
  }

  // Audit every call, reads included, as agent:<client>; the token and person say who stands behind
  // it.
  const auto& p = ctx.principal();
  json::object details{{"tool", tool->name},
                       {"token", p.token_id},
                       {"person", p.person},
                       {"ok", !err && !res.is_error && !proposal}};
  if (proposal) details["outcome"] = "proposed";
  std::string args_text = core::ToJson(args);
  details["arguments"] =
      args_text.size() > 1000 ? json::value(core::Truncate(args_text, 1000)) : json::value(args);
  if (err) details["error"] = ErrorCodeName(err->code);
  if (tool->annotations.read_only && !proposal) {
    // A read's record joins the engine's next group commit without holding up the answer (a crash
    // in that window can lose the record of a read, never of a write).
    std::string name = tool->name;
    app_.RecordAudit(
        p, "mcp.tool_call", "tool:" + tool->name, std::move(details), [name](Result<bool> r) {
          if (!r)
            spdlog::error("mcp: could not audit a call of {}: {}", name, r.error().ToString());
        });
  } else {
    auto audit = app::Wait<bool>([&](auto cb) {
      app_.RecordAudit(p, "mcp.tool_call", "tool:" + tool->name, std::move(details), std::move(cb));
    });
    if (!audit)
      spdlog::error("mcp: could not audit a call of {}: {}", tool->name, audit.error().ToString());
  }

  json::object result;
  if (err) {
    // Input and business errors are results the model can read and correct (not protocol errors).
    json::array content{json::object{{"type", "text"}, {"text", err->ToString()}}};
    result["content"] = std::move(content);
    result["isError"] = true;
    return result;
  }
  if (proposal) {
    // Not executed: a tool error the model reads (no structuredContent, so the output schema does
    // not apply), with the proposal in our _meta.
    std::string text = "Not executed: " + tool->name + " is a " +
                       std::string(model::RiskTierName(risk)) +
                       "-risk action and agents here execute up to " +
                       std::string(model::RiskTierName(opt_.agent_tier)) +
                       ". It was recorded as a proposal for a person to review" +
                       (proposal->contains("incident_id")
                            ? " on " + std::string(proposal->at("incident_id").as_string()) +
                                  "'s timeline"
                            : std::string(" in the audit log")) +
                       "; tell the humans why it is needed.";
    result["content"] = json::array{json::object{{"type", "text"}, {"text", text}}};
    result["isError"] = true;
    result["_meta"] = json::object{{"io.firebreak/proposal", std::move(*proposal)}};
    return result;
  }
  if (res.content.empty())
    res.content.push_back(json::object{{"type", "text"}, {"text", core::ToJson(res.structured)}});
  result["content"] = std::move(res.content);
  if (ctx.modern() && (tool->output_schema || !res.structured.empty()))
    result["structuredContent"] = res.structured;
  if (res.is_error) result["isError"] = true;
  return result;
}

// ---- resources ----------------------------------------------------------------------------------

Result<json::value> Server::ResourcesList(Context& ctx, const json::object& params) {
  FB_ASSIGN_OR_RETURN(size_t offset, DecodeCursor(params));
  std::vector<json::object> all;
  for (const auto& r : registry_.resources()) {
    if (!ctx.principal().Has(r.scope)) continue;
    if (!IsTemplate(r.uri_template)) {
      json::object o{{"uri", r.uri_template}, {"name", r.name}, {"mimeType", r.mime_type}};
      if (!r.title.empty() && ctx.modern()) o["title"] = r.title;
      if (!r.description.empty()) o["description"] = r.description;
      all.push_back(std::move(o));
    } else if (r.list) {
      FB_ASSIGN_OR_RETURN(auto items, r.list(ctx));
      for (auto& o : items) all.push_back(std::move(o));
    }
  }
  return Page(std::move(all), offset, "resources");
}

Result<json::value> Server::ResourceTemplatesList(Context& ctx, const json::object& params) {
  FB_ASSIGN_OR_RETURN(size_t offset, DecodeCursor(params));
  std::vector<json::object> all;
  for (const auto& r : registry_.resources()) {
    if (!IsTemplate(r.uri_template) || !ctx.principal().Has(r.scope)) continue;
    json::object o{{"uriTemplate", r.uri_template}, {"name", r.name}, {"mimeType", r.mime_type}};
    if (!r.title.empty() && ctx.modern()) o["title"] = r.title;
    if (!r.description.empty()) o["description"] = r.description;
    all.push_back(std::move(o));
  }
  return Page(std::move(all), offset, "resourceTemplates");
}

namespace {
Result<std::string> UriParam(const json::object& params) {
  ObjectReader r(params, "params");
  auto uri = r.String("uri", true);
  FB_TRY(r.status());
  if (uri->empty() || uri->size() > 1000)
    return InvalidArgument("uri must be 1..1000 characters", "uri");
  return *uri;
}
}  // namespace

Result<json::value> Server::ResourcesRead(Context& ctx, const json::object& params) {
  FB_ASSIGN_OR_RETURN(std::string uri, UriParam(params));
  std::map<std::string, std::string> vars;
  const Resource* r = registry_.MatchResource(uri, vars);
  if (!r) return NotFound("Resource not found: " + core::Truncate(uri, 200), "uri");
  FB_TRY(model::RequireScope(ctx.principal(), r->scope));
  FB_ASSIGN_OR_RETURN(ResourceContents c, r->read(ctx, vars, uri));
  json::object item{{"uri", c.uri.empty() ? uri : c.uri},
                    {"mimeType", c.mime_type.empty() ? r->mime_type : c.mime_type}};
  if (!c.blob.empty()) {
    item["blob"] = c.blob;
  } else {
    item["text"] = c.text;
  }
  return json::object{{"contents", json::array{item}}};
}

Result<json::value> Server::ResourcesSubscribe(Context& ctx, const json::object& params, bool on) {
  FB_ASSIGN_OR_RETURN(std::string uri, UriParam(params));
  Session& s = ctx.session();
  if (!on) {
    std::lock_guard lk(s.mu_);
    s.subscriptions_.erase(uri);
    return json::object{};
  }
  std::map<std::string, std::string> vars;
  const Resource* r = registry_.MatchResource(uri, vars);
  if (!r) return NotFound("Resource not found: " + core::Truncate(uri, 200), "uri");
  FB_TRY(model::RequireScope(ctx.principal(), r->scope));
  if (!r->subscribable)
    return InvalidArgument("resource " + core::Truncate(uri, 200) + " does not change", "uri");
  // Subscribing to something that does not exist is an error, not a silent no-op.
  FB_TRY(r->read(ctx, vars, uri));
  {
    std::lock_guard lk(s.mu_);
    if (s.subscriptions_.size() >= 1000)
      return MakeError(ErrorCode::kResourceExhausted, "too many subscriptions");
    s.subscriptions_.insert(uri);
  }
  EnsureEngineSubscription(s);
  return json::object{};
}

void Server::EnsureEngineSubscription(Session& s) {
  {
    std::lock_guard lk(s.mu_);
    if (s.engine_sub_ != 0 || s.closed_) return;
    s.engine_sub_ = -1;  // being set up
  }
  std::weak_ptr<Session> ws = s.shared_from_this();
  int id = app_.engine().Subscribe([this, ws](const engine::Change& c) {
    // Runs on the engine thread: hand off at once.
    if (shutting_down_) return;
    boost::asio::post(pool_, [this, ws, topic = c.topic, id = c.id] { OnChange(ws, topic, id); });
  });
  bool drop = false;
  {
    std::lock_guard lk(s.mu_);
    if (s.closed_) {
      drop = true;
    } else {
      s.engine_sub_ = id;
    }
  }
  if (drop) app_.engine().Unsubscribe(id);
}

void Server::OnChange(const std::weak_ptr<Session>& ws, const std::string& topic,
                      const std::string& id) {
  auto s = ws.lock();
  if (!s) return;
  for (const auto& r : registry_.resources()) {
    if (std::find(r.topics.begin(), r.topics.end(), topic) == r.topics.end()) continue;
    std::string uri = FillTemplate(r.uri_template, id);
    std::shared_ptr<Outlet> out;
    {
      std::lock_guard lk(s->mu_);
      if (!s->subscriptions_.count(uri)) continue;
      out = s->standalone_;
    }
    if (out)
      out->Send(EncodeNotification("notifications/resources/updated", json::object{{"uri", uri}}));
  }
}

// ---- prompts and completion ---------------------------------------------------------------------

Result<json::value> Server::PromptsList(Context& ctx, const json::object& params) {
  FB_ASSIGN_OR_RETURN(size_t offset, DecodeCursor(params));
  std::vector<json::object> all;
  for (const auto& p : registry_.prompts()) {
    json::object o{{"name", p.name}, {"description", p.description}};
    if (!p.title.empty() && ctx.modern()) o["title"] = p.title;
    json::array args;
    for (const auto& a : p.arguments)
      args.push_back(
          json::object{{"name", a.name}, {"description", a.description}, {"required", a.required}});
    o["arguments"] = std::move(args);
    all.push_back(std::move(o));
  }
  return Page(std::move(all), offset, "prompts");
}

Result<json::value> Server::PromptsGet(Context& ctx, const json::object& params) {
  ObjectReader r(params, "params");
  auto name = r.String("name", true);
  auto args = r.StringMap("arguments");
  FB_TRY(r.status());
  const Prompt* p = registry_.FindPrompt(*name);
  if (!p) return InvalidArgument("Unknown prompt: " + core::Truncate(*name, 128), "name");
  std::map<std::string, std::string> a = args.value_or(std::map<std::string, std::string>{});
  for (const auto& [k, v] : a) {
    bool known = false;
    for (const auto& pa : p->arguments) known = known || pa.name == k;
    if (!known)
      return InvalidArgument(
          "prompt " + p->name + " has no argument '" + core::Truncate(k, 64) + "'",
          "arguments." + k);
    if (v.size() > 10000) return InvalidArgument("argument is too long", "arguments." + k);
  }
  for (const auto& pa : p->arguments)
    if (pa.required && (!a.count(pa.name) || a[pa.name].empty()))
      return InvalidArgument("prompt " + p->name + " needs the argument '" + pa.name + "'",
                             "arguments." + pa.name);
  FB_ASSIGN_OR_RETURN(json::object out, p->get(ctx, a));
  return out;
}

Result<json::value> Server::Complete(Context& ctx, const json::object& params) {
  ObjectReader r(params, "params");
  const json::object* ref = r.Object("ref", true);
  const json::object* arg = r.Object("argument", true);
  FB_TRY(r.status());
  ObjectReader rr(*ref, "params.ref");
  auto type = rr.String("type", true);
  ObjectReader ar(*arg, "params.argument");
  auto arg_name = ar.String("name", true);
  auto value = ar.String("value").value_or("");
  FB_TRY(rr.status());
  FB_TRY(ar.status());
  std::vector<std::string> values;
  if (*type == "ref/prompt") {
    auto name = rr.String("name", true);
    FB_TRY(rr.status());
    const Prompt* p = registry_.FindPrompt(*name);
    if (!p) return InvalidArgument("Unknown prompt: " + core::Truncate(*name, 128), "ref.name");
    if (p->complete) values = p->complete(ctx, *arg_name, value);
  } else if (*type == "ref/resource") {
    auto uri = rr.String("uri", true);
    FB_TRY(rr.status());
    // Incident ids are the only placeholders worth completing.
    if (uri->find("{id}") != std::string::npos) {
      const Prompt* p = registry_.FindPrompt("incident-response");
      if (p && p->complete) values = p->complete(ctx, "incident_id", value);
    }
  } else {
    return InvalidArgument("ref.type must be ref/prompt or ref/resource", "ref.type");
  }
  bool more = values.size() > 100;
  if (more) values.resize(100);
  json::array vs;
  for (const auto& v : values) vs.emplace_back(v);
  return json::object{{"completion", json::object{{"values", std::move(vs)}, {"hasMore", more}}}};
}

// ---- sessions -----------------------------------------------------------------------------------

std::shared_ptr<Session> Server::NewSession() {
  std::vector<std::shared_ptr<Session>> evicted;
  std::shared_ptr<Session> s;
  {
    std::lock_guard lk(mu_);
    if (shutting_down_) return nullptr;
    auto now = app_.clock().Steady();
    // Drop sessions idle for too long; when still full, the least recently used idle one.
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (now - it->second->last_used() > opt_.session_idle) {
        evicted.push_back(it->second);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
    if (sessions_.size() >= opt_.max_sessions) {
      auto oldest = sessions_.end();
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
        if (oldest == sessions_.end() || it->second->last_used() < oldest->second->last_used())
          oldest = it;
      if (oldest != sessions_.end()) {
        evicted.push_back(oldest->second);
        sessions_.erase(oldest);
      }
    }
    s = std::make_shared<Session>(*this, core::RandomHex(16));
    s->last_used_ = now;
    sessions_[s->id()] = s;
  }
  for (auto& e : evicted) Close(*e);
  return s;
}

std::shared_ptr<Session> Server::FindSession(const std::string& id) {
  std::lock_guard lk(mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

bool Server::CloseSession(const std::string& id) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard lk(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    s = it->second;
    sessions_.erase(it);
  }
  Close(*s);
  return true;
}

std::shared_ptr<Session> Server::DetachedSession(std::string id) {
  auto s = std::make_shared<Session>(*this, std::move(id));
  s->last_used_ = app_.clock().Steady();
  return s;
}

void Server::Close(Session& s) {
  std::map<std::string, std::shared_ptr<std::promise<Result<json::value>>>> pending;
  std::shared_ptr<Outlet> standalone;
  int sub = 0;
  {
    std::lock_guard lk(s.mu_);
    if (s.closed_) return;
    s.closed_ = true;
    pending.swap(s.pending_);
    for (auto& [k, flag] : s.inflight_) flag->store(true);
    standalone = std::move(s.standalone_);
    sub = s.engine_sub_ > 0 ? s.engine_sub_ : 0;
    s.engine_sub_ = 0;
    s.subscriptions_.clear();
  }
  for (auto& [k, p] : pending) p->set_value(Unavailable("the session was closed"));
  if (sub) app_.engine().Unsubscribe(sub);
  if (standalone) standalone->Finish(std::nullopt);
}

void Server::EndInput(Session& s) {
  std::map<std::string, std::shared_ptr<std::promise<Result<json::value>>>> pending;
  {
    std::lock_guard lk(s.mu_);
    s.input_closed_ = true;
    pending.swap(s.pending_);
  }
  for (auto& [k, p] : pending) p->set_value(Unavailable("the client closed its input"));
}

void Server::Shutdown() {
  if (shutting_down_.exchange(true)) return;
  std::map<std::string, std::shared_ptr<Session>> all;
  {
    std::lock_guard lk(mu_);
    all.swap(sessions_);
  }
  for (auto& [id, s] : all) Close(*s);
  pool_.join();
}

}  // namespace firebreak::mcp
