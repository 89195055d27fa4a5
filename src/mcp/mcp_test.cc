// Unit tests of the MCP server: the JSON-RPC decoder, the schema validator, the registry's
// declarations, and the dispatcher driven through a recording Outlet against a real App (SQLite in
// a temp dir, engine thread, manual clock).
#include <gtest/gtest.h>

#include <condition_variable>
#include <regex>
#include <set>

#include "app/app.h"
#include "core/json.h"
#include "core/time.h"
#include "mcp/jsonrpc.h"
#include "mcp/schema.h"
#include "mcp/server.h"
#include "testing/testing.h"

namespace firebreak::mcp {
namespace {

// ---- JSON-RPC ---------------------------------------------------------------------------------

TEST(JsonRpc, DecodesRequestsNotificationsAndResponses) {
  auto d = Decode(R"({"jsonrpc":"2.0","id":"a","method":"tools/list","params":{"cursor":"o:0"}})");
  ASSERT_TRUE(d.message);
  EXPECT_EQ(d.message->kind, Message::Kind::kRequest);
  EXPECT_EQ(d.message->id, json::value("a"));
  EXPECT_EQ(d.message->params.at("cursor"), json::value("o:0"));
  d = Decode(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(d.message);
  EXPECT_EQ(d.message->kind, Message::Kind::kNotification);
  d = Decode(R"({"jsonrpc":"2.0","id":7,"result":{}})");
  ASSERT_TRUE(d.message);
  EXPECT_EQ(d.message->kind, Message::Kind::kResponse);
  d = Decode(R"({"jsonrpc":"2.0","id":7,"error":{"code":-1,"message":"no"}})");
  ASSERT_TRUE(d.message);
  EXPECT_TRUE(d.message->error);
}

TEST(JsonRpc, RejectsMalformedMessagesWithTheRightCodeAndId) {
  struct Case {
    std::string text;
    int code;
    json::value id;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {"{", -32700, nullptr, "parse error"},
      {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"p\":\"\xff\"}", -32700, nullptr, "UTF-8"},
      {R"({"jsonrpc":"1.0","id":1,"method":"ping"})", -32600, 1, "jsonrpc"},
      {R"({"id":2,"method":"ping"})", -32600, 2, "jsonrpc"},
      {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", -32600, nullptr, "null"},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", -32600, nullptr, "string or an integer"},
      {R"({"jsonrpc":"2.0","id":[1],"method":"ping"})", -32600, nullptr, "string or an integer"},
      {R"({"jsonrpc":"2.0","id":3,"method":7})", -32600, 3, "method"},
      {R"({"jsonrpc":"2.0","id":4,"method":"x","params":[1,2]})", -32600, 4, "params"},
      {R"({"jsonrpc":"2.0","id":5,"method":"x","extra":1})", -32600, 5, "extra"},
      {R"({"jsonrpc":"2.0","id":6,"result":1,"error":{"code":1,"message":"m"}})", -32600, 6,
       "exactly one"},
      {R"({"jsonrpc":"2.0","result":1})", -32600, nullptr, "id"},
      {R"({"jsonrpc":"2.0","id":8,"error":"bad"})", -32600, 8, "error"},
      {R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", -32600, nullptr, "batch"},
      {R"("just a string")", -32600, nullptr, "object"},
  };
  for (const auto& c : cases) {
    auto d = Decode(c.text);
    ASSERT_FALSE(d.message) << c.text;
    EXPECT_EQ(d.failure->code(), c.code) << c.text;
    EXPECT_EQ(d.failure->id, c.id) << c.text;
    EXPECT_NE(d.failure->message.find(c.mentions), std::string::npos)
        << c.text << " -> " << d.failure->message;
  }
  auto big = Decode(std::string(100, ' '), 10);
  ASSERT_TRUE(big.failure);
  EXPECT_NE(big.failure->message.find("exceeds"), std::string::npos);
}

TEST(JsonRpc, DecodesBatchesElementByElement) {
  EXPECT_FALSE(DecodeBatch(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"));
  auto b = DecodeBatch(R"( [{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2},7])");
  ASSERT_TRUE(b);
  ASSERT_EQ(b->size(), 3u);
  EXPECT_TRUE((*b)[0].message);
  EXPECT_EQ((*b)[1].failure->id, json::value(2));
  EXPECT_EQ((*b)[2].failure->code(), -32600);
  auto empty = DecodeBatch("[]");
  ASSERT_TRUE(empty && empty->size() == 1);
  EXPECT_EQ((*empty)[0].failure->code(), -32600);
  auto broken = DecodeBatch("[{");
  ASSERT_TRUE(broken && broken->size() == 1);
  EXPECT_EQ((*broken)[0].failure->code(), -32700);
}

TEST(JsonRpc, EncodesOnOneLine) {
  auto e =
      EncodeError(json::value(1), Error{ErrorCode::kInvalidArgument, "bad\nthing", "severity"});
  std::string s = Serialize(e);
  EXPECT_EQ(s.find('\n'), std::string::npos);
  EXPECT_EQ(e.at("error").at("code"), json::value(-32602));
  EXPECT_EQ(e.at("error").at("data").at("field"), json::value("severity"));
}

// ---- schema -----------------------------------------------------------------------------------

TEST(Schema, ValidatesAndNamesTheField) {
  using namespace schema;
  auto s = Object({{"id", Str("id", 5, 1)},
                   {"severity", Enum("sev", {"SEV0", "SEV1"})},
                   {"limit", Int("limit", 1, 10)},
                   {"services", StrArray("services", 2, 3)},
                   {"roles", Map("roles", json::object{{"type", "string"}})}},
                  {"id"});
  auto check = [&](const char* text) { return Validate(s, *core::ParseJson(text)); };
  EXPECT_TRUE(
      check(R"({"id":"INC-1","severity":"SEV1","limit":3,"services":["db"],"roles":{"a":"b"}})"));
  struct Case {
    const char* text;
    const char* field;
  };
  for (auto c : std::vector<Case>{{R"({})", "id"},
                                  {R"({"id":""})", "id"},
                                  {R"({"id":"toolong"})", "id"},
                                  {R"({"id":1})", "id"},
                                  {R"({"id":"a","severity":"SEV9"})", "severity"},
                                  {R"({"id":"a","limit":11})", "limit"},
                                  {R"({"id":"a","limit":1.5})", "limit"},
                                  {R"({"id":"a","services":["db","x","y"]})", "services"},
                                  {R"({"id":"a","services":["dbxx"]})", "services[0]"},
                                  {R"({"id":"a","roles":{"scribe":3}})", "roles.scribe"},
                                  {R"({"id":"a","typo":1})", "typo"}}) {
    auto st = check(c.text);
    ASSERT_FALSE(st) << c.text;
    EXPECT_EQ(st.error().field, c.field) << c.text << " -> " << st.error().message;
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(Validate(s, json::value("not an object")));
}

TEST(Schema, FollowsLocalRefs) {
  auto s = *core::ParseJson(
      R"({"type":"object","$defs":{"a":{"type":"object","properties":{"city":{"type":"string"}}}},
                                "properties":{"address":{"$ref":"#/$defs/a"}},"additionalProperties":false})");
  EXPECT_TRUE(schema::Validate(s.get_object(), *core::ParseJson(R"({"address":{"city":"Oslo"}})")));
  auto st = schema::Validate(s.get_object(), *core::ParseJson(R"({"address":{"city":3}})"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().field, "address.city");
}

// ---- registry ---------------------------------------------------------------------------------

TEST(Registry, DeclarationsAreCompleteAndTruthful) {
  auto reg = BuildRegistry(false);
  std::set<std::string> names;
  const std::regex valid_name("[A-Za-z0-9_.-]{1,128}");
  for (const auto& t : reg.tools()) {
    SCOPED_TRACE(t.name);
    EXPECT_TRUE(std::regex_match(t.name, valid_name));
    EXPECT_TRUE(names.insert(t.name).second) << "duplicate";
    EXPECT_FALSE(t.fixture);
    EXPECT_FALSE(t.description.empty());
    EXPECT_FALSE(t.title.empty());
    EXPECT_EQ(t.input_schema.at("type"), json::value("object"));
    EXPECT_TRUE(t.output_schema.has_value()) << "every tool declares its structured output";
    // Read-only tools need read; anything that changes state needs write.
    EXPECT_EQ(t.annotations.read_only, t.scope == model::kScopeRead);
    EXPECT_NE(t.scope, model::kScopeApprove) << "no MCP tool approves anything";
    EXPECT_EQ(t.name.find("approv"), std::string::npos);
    auto j = ToolJson(t);
    EXPECT_EQ(j.at("annotations").at("readOnlyHint"), json::value(t.annotations.read_only));
    // Reads risk nothing; no tool an agent can call executes a HIGH-risk action.
    if (t.annotations.read_only) {
      EXPECT_EQ(t.risk, model::RiskTier::kLow);
    }
    EXPECT_NE(t.risk, model::RiskTier::kHigh);
    EXPECT_EQ(j.at("_meta").at("io.firebreak/risk"), json::value(model::RiskTierName(t.risk)));
  }
  // One row per capability, each contributing something.
  for (const auto& c : Capabilities()) {
    Registry one;
    c.add(one);
    EXPECT_FALSE(one.tools().empty() && one.resources().empty() && one.prompts().empty()) << c.name;
  }
  for (const char* n :
       {"get_system_status", "list_incidents", "get_incident", "get_timeline", "list_services",
        "get_blast_radius", "get_audit_log", "create_incident", "acknowledge_incident",
        "resolve_incident", "add_note", "set_severity", "assign_role", "escalate_incident",
        "propose_action", "calculate_blast_radius", "analyze_hub_centrality",
        "run_contingency_analysis", "simulate_cascade", "simulate_load_shedding",
        "check_utilization_threshold", "get_defense_level", "get_static_fallbacks", "get_oncall",
        "get_roster", "get_escalation"})
    EXPECT_TRUE(names.count(n)) << n;
  // Fixtures only when asked.
  EXPECT_EQ(reg.FindTool("test_simple_text"), nullptr);
  EXPECT_NE(BuildRegistry(true).FindTool("test_simple_text"), nullptr);
}

// ---- dispatcher -------------------------------------------------------------------------------

// Records what the server sends; waits (without sleeping) for messages.
class Recorder final : public Outlet {
 public:
  void Send(const json::value& msg) override {
    std::lock_guard lk(mu_);
    sent_.push_back(msg);
    cv_.notify_all();
  }
  void Finish(std::optional<json::value> response) override {
    std::lock_guard lk(mu_);
    finished_ = true;
    response_ = std::move(response);
    cv_.notify_all();
  }
  // Waits for the final message (the response, or nullopt if cancelled).
  std::optional<json::value> Wait() {
    std::unique_lock lk(mu_);
    EXPECT_TRUE(cv_.wait_for(lk, std::chrono::seconds(30), [&] { return finished_; }));
    return response_;
  }
  json::value WaitSent(size_t n) {
    std::unique_lock lk(mu_);
    EXPECT_TRUE(cv_.wait_for(lk, std::chrono::seconds(30), [&] { return sent_.size() >= n; }));
    return sent_.size() >= n ? sent_[n - 1] : json::value(nullptr);
  }
  std::vector<json::value> sent() {
    std::lock_guard lk(mu_);
    return sent_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<json::value> sent_;
  bool finished_ = false;
  std::optional<json::value> response_;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app::AppOptions o;
    o.config_dir = testing::SourceDir() + "/examples/config";
    o.data_dir = dir_.path();
    o.clock = &clock_;
    auto opened = app::App::Open(o);
    ASSERT_TRUE(opened) << opened.error().ToString();
    app_ = std::move(*opened);
    app_->Start();
    ServerOptions so;
    so.fixtures = true;
    server_ = std::make_unique<Server>(*app_, so);
    session_ = server_->DetachedSession("test");
    standalone_ = std::make_shared<Recorder>();
    session_->SetStandalone(standalone_);
    writer_.actor = model::Actor::Person("alice");
    writer_.person = "alice";
    writer_.token_id = "t_1";
    writer_.scopes = model::kScopeRead | model::kScopeWrite;
    reader_ = writer_;
    reader_.scopes = model::kScopeRead;
  }
  void TearDown() override {
    if (!server_) return;
    server_->Close(*session_);
    server_->Shutdown();
    app_->Stop();
  }
  // Sends one request and returns the final message (nullopt if none).
  std::optional<json::value> Call(const std::string& method, json::object params,
                                  const model::Principal* who = nullptr,
                                  std::shared_ptr<Recorder> rec = nullptr) {
    if (!rec) rec = std::make_shared<Recorder>();
    Message m;
    m.kind = Message::Kind::kRequest;
    m.id = json::value(next_id_++);
    m.method = method;
    m.params = std::move(params);
    server_->Handle(session_, std::move(m), who ? *who : writer_, rec);
    return rec->Wait();
  }
  void Notify(const std::string& method, json::object params) {
    Message m;
    m.kind = Message::Kind::kNotification;
    m.method = method;
    m.params = std::move(params);
    server_->Handle(session_, std::move(m), writer_, nullptr);
  }
  json::value Initialize(json::object caps = {}, std::string version = "2025-11-25") {
    auto r =
        Call("initialize",
             json::object{{"protocolVersion", version},
                          {"capabilities", caps},
                          {"clientInfo", json::object{{"name", "unit agent!"}, {"version", "1"}}}});
    Notify("notifications/initialized", {});
    return r->at("result");
  }
  json::value Tool(const std::string& name, json::object args,
                   const model::Principal* who = nullptr) {
    auto r = Call("tools/call", json::object{{"name", name}, {"arguments", std::move(args)}}, who);
    EXPECT_TRUE(r && r->as_object().contains("result")) << (r ? core::ToJson(*r) : "no response");
    return r->at("result");
  }

  // Replaces the server (same app) with one built from `so`, and opens a new session.
  void Restart(ServerOptions so) {
    server_->Close(*session_);
    server_->Shutdown();
    server_ = std::make_unique<Server>(*app_, so);
    session_ = server_->DetachedSession("test2");
    standalone_ = std::make_shared<Recorder>();
    session_->SetStandalone(standalone_);
  }

  testing::TempDir dir_;
  core::ManualClock clock_{core::TimePoint(std::chrono::milliseconds(1'790'000'000'000))};
  std::unique_ptr<app::App> app_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<Session> session_;
  std::shared_ptr<Recorder> standalone_;
  model::Principal writer_, reader_;
  int64_t next_id_ = 1;
};

TEST_F(DispatcherTest, NegotiatesVersionsAndGuardsTheLifecycle) {
  auto early = Call("tools/list", {});
  EXPECT_EQ(early->at("error").at("code"), json::value(-32600));
  EXPECT_EQ(Call("ping", {})->at("result"),
            json::value(json::object{}));  // ping is allowed any time
  auto res = Initialize({}, "2025-06-18");
  EXPECT_EQ(res.at("protocolVersion"), json::value("2025-06-18"));
  EXPECT_TRUE(res.at("capabilities").at("resources").at("subscribe").as_bool());
  auto again = Call("initialize", json::object{{"protocolVersion", "2025-11-25"}});
  EXPECT_EQ(again->at("error").at("code"), json::value(-32600));
  EXPECT_EQ(Call("nope/nope", {})->at("error").at("code"), json::value(-32601));
  EXPECT_EQ(Call("logging/setLevel", json::object{{"level", "loud"}})->at("error").at("code"),
            json::value(-32602));
  EXPECT_EQ(Call("logging/setLevel", json::object{{"level", "debug"}})->at("result"),
            json::value(json::object{}));
  EXPECT_EQ(Call("tools/list", json::object{{"cursor", "garbage"}})->at("error").at("code"),
            json::value(-32602));
  EXPECT_EQ(Call("tools/call", json::object{{"name", "nope"}})->at("error").at("code"),
            json::value(-32602));
}

TEST_F(DispatcherTest, UnknownVersionGetsOurLatest) {
  EXPECT_EQ(Initialize({}, "1999-01-01").at("protocolVersion"), json::value("2025-11-25"));
}

// Arguments that make each production tool succeed, after INC-1 exists. A new tool must add a
// case here, so that its structured output is checked against its declared outputSchema.
const std::map<std::string, std::string> kToolCases = {
    {"get_system_status", "{}"},
    {"list_incidents", R"({"state":"any","limit":1})"},
    {"get_incident", R"({"id":"INC-1"})"},
    {"get_timeline", R"({"id":"INC-1","limit":1})"},
    {"list_services", R"({"limit":2})"},
    {"get_blast_radius", R"({"incident_id":"INC-1"})"},
    {"get_audit_log", R"({"limit":2})"},
    {"create_incident", R"({"title":"Payments slow","severity":"SEV2","services":["payments"]})"},
    {"acknowledge_incident", R"({"id":"INC-1","note":"on it"})"},
    {"add_note", R"({"id":"INC-1","text":"queue depth 40k"})"},
    {"set_severity", R"({"id":"INC-1","severity":"SEV1"})"},
    {"assign_role", R"({"id":"INC-1","role":"incident_commander","person":"bob"})"},
    {"escalate_incident", R"({"id":"INC-1","reason":"no progress"})"},
    {"resolve_incident", R"({"id":"INC-1","note":"fixed"})"},
    {"propose_action",
     R"({"id":"INC-1","action":"fail payments over to eu-west-1b","tool":"simulate_load_shedding",
         "arguments":{"zones":["eu-west-1a"]},"rationale":"1a is down","risk":"HIGH"})"},
    {"calculate_blast_radius", R"({"services":["db"]})"},
    {"analyze_hub_centrality", R"({"limit":3})"},
    {"run_contingency_analysis", R"({"depth":1,"limit":5})"},
    {"simulate_cascade", R"({"zones":["eu-west-1a"],"load_factor":1.2})"},
    {"simulate_load_shedding", R"({"zones":["eu-west-1a"]})"},
    {"check_utilization_threshold", R"({"services":["checkout"]})"},
    {"get_defense_level", "{}"},
    {"get_static_fallbacks", R"({"kind":"zone"})"},
    {"get_oncall", R"({"service":"checkout"})"},
    {"get_roster", R"({"schedule":"primary","days":2})"},
    {"get_escalation", R"({"id":"INC-1"})"},
};

TEST_F(DispatcherTest, EveryToolsStructuredOutputMatchesItsOutputSchema) {
  Initialize();
  auto first = Tool("create_incident", json::object{{"title", "Checkout 500s"},
                                                    {"severity", "SEV2"},
                                                    {"services", json::array{"checkout"}}});
  ASSERT_FALSE(first.as_object().contains("isError")) << core::ToJson(first);
  // Run in declaration order, with resolve last (it ends the incident).
  std::vector<const mcp::Tool*> order;
  for (const auto& t : server_->registry().tools())
    if (!t.fixture && t.name != "resolve_incident") order.push_back(&t);
  order.push_back(server_->registry().FindTool("resolve_incident"));
  for (const auto* t : order) {
    SCOPED_TRACE(t->name);
    auto it = kToolCases.find(t->name);
    ASSERT_NE(it, kToolCases.end()) << "add a case for the new tool to kToolCases";
    auto result = Tool(t->name, core::ParseJson(it->second)->as_object());
    ASSERT_FALSE(result.as_object().contains("isError")) << core::ToJson(result);
    const auto& structured = result.at("structuredContent");
    auto st = schema::Validate(*t->output_schema, structured, "structuredContent");
    EXPECT_TRUE(st) << st.error().ToString() << "\n" << core::ToJson(structured);
    // The text block carries the same JSON (for clients without structured output).
    EXPECT_EQ(*core::ParseJson(result.at("content").at(0).at("text").as_string()), structured);
  }
}

TEST_F(DispatcherTest, ReadOnlyTokenSeesAndCallsNoWriteToolAndEveryCallIsAuditedAsTheAgent) {
  Initialize();
  auto list = Call("tools/list", {}, &reader_)->at("result").at("tools").as_array();
  for (const auto& t : list)
    EXPECT_TRUE(t.at("annotations").at("readOnlyHint").as_bool()) << core::ToJson(t);
  auto r = Tool("create_incident", json::object{{"title", "x"}, {"severity", "SEV1"}}, &reader_);
  EXPECT_TRUE(r.at("isError").as_bool());
  EXPECT_NE(r.at("content").at(0).at("text").as_string().find("'write' scope"), std::string::npos);
  store::AuditFilter f;
  f.action_prefix = "mcp.";
  auto entries = *app_->Audit(writer_, f);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "agent:unit_agent_");  // the client's name, reduced to a safe label
  EXPECT_EQ(entries[0].details.at("ok"), json::value(false));
  EXPECT_EQ(entries[0].details.at("person"), json::value("alice"));
  EXPECT_EQ(entries[0].details.at("error"), json::value("permission_denied"));
  EXPECT_TRUE(app_->ListIncidents(writer_, {})->empty());
}

TEST_F(DispatcherTest, AboveItsTierAnAgentProposesAndNothingIsExecuted) {
  ServerOptions so;
  so.agent_tier = model::RiskTier::kLow;
  Restart(so);
  Initialize();
  // Creating is MEDIUM: refused as a proposal; nothing is declared.
  auto created = Tool("create_incident", json::object{{"title", "x"}, {"severity", "SEV1"}});
  EXPECT_TRUE(created.at("isError").as_bool());
  EXPECT_FALSE(created.as_object().contains("structuredContent"));
  EXPECT_NE(created.at("content").at(0).at("text").as_string().find("Not executed"),
            std::string::npos);
  EXPECT_TRUE(app_->ListIncidents(writer_, {})->empty());

  // A person declares; the agent may note (LOW) but only propose a severity change (MEDIUM).
  auto p = writer_;
  engine::DeclareSpec spec;
  spec.title = "DB slow";
  spec.severity = model::Severity::kSev3;
  auto inc = app::Wait<model::Incident>([&](auto cb) { app_->Declare(p, spec, cb); });
  ASSERT_TRUE(inc) << inc.error().ToString();
  EXPECT_FALSE(Tool("add_note", json::object{{"id", inc->id}, {"text", "p99 2s"}})
                   .as_object()
                   .contains("isError"));
  auto sev = Tool("set_severity", json::object{{"id", inc->id}, {"severity", "SEV1"}});
  EXPECT_TRUE(sev.at("isError").as_bool());
  const auto& prop = sev.at("_meta").at("io.firebreak/proposal");
  EXPECT_EQ(prop.at("tool"), json::value("set_severity"));
  EXPECT_EQ(prop.at("risk"), json::value("MEDIUM"));
  EXPECT_EQ(prop.at("incident_id"), json::value(inc->id));
  EXPECT_EQ(app_->GetIncident(writer_, inc->id)->severity, model::Severity::kSev3);
  auto all = *app_->Timeline(writer_, inc->id);
  std::vector<model::TimelineEntry> tl;  // the notes (paging adds entries of its own)
  for (const auto& e : all)
    if (e.kind == "note") tl.push_back(e);
  ASSERT_FALSE(tl.empty());
  EXPECT_NE(tl.back().text.find("Proposal from agent:unit_agent_"), std::string::npos)
      << tl.back().text;
  EXPECT_NE(tl.back().text.find("set_severity"), std::string::npos);
  EXPECT_EQ(tl.back().actor, "agent:unit_agent_");

  // Audited twice: the call (outcome proposed) and the proposal itself.
  store::AuditFilter f;
  f.action_prefix = "mcp.proposal";
  auto props = *app_->Audit(writer_, f);
  ASSERT_EQ(props.size(), 2u);  // create_incident (audit only) and set_severity
  EXPECT_EQ(props[1].target, "incident:" + inc->id);
  f.action_prefix = "mcp.tool_call";
  f.target = "tool:set_severity";
  auto calls = *app_->Audit(writer_, f);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].details.at("outcome"), json::value("proposed"));
  EXPECT_EQ(calls[0].details.at("ok"), json::value(false));

  // tools/list tells the agent which tools only propose.
  auto list = Call("tools/list", {})->at("result").at("tools").as_array();
  for (const auto& t : list) {
    const auto& meta = t.at("_meta");
    bool executes = meta.at("io.firebreak/executes").as_bool();
    EXPECT_EQ(executes, meta.at("io.firebreak/risk") == json::value("LOW")) << core::ToJson(t);
    EXPECT_EQ(!executes, t.at("description").as_string().find("proposal") != std::string::npos);
  }
}

TEST_F(DispatcherTest, ProposeActionRecordsOnTheTimelineAndExecutesNothing) {
  Initialize();
  auto inc = Tool("create_incident", json::object{{"title", "Zone down"}, {"severity", "SEV1"}});
  std::string id(inc.at("structuredContent").at("id").as_string());
  auto r = Tool("propose_action", json::object{{"id", id},
                                               {"action", "shed recommendations traffic"},
                                               {"rationale", "checkout at 96%"}});
  ASSERT_FALSE(r.as_object().contains("isError")) << core::ToJson(r);
  EXPECT_EQ(r.at("structuredContent").at("executed"), json::value(false));
  EXPECT_EQ(r.at("structuredContent").at("risk"), json::value("HIGH"));
  // The proposal is the incident's one note (paging and analysis add entries of their own).
  auto tl = *app_->Timeline(writer_, id);
  std::vector<model::TimelineEntry> notes;
  for (const auto& e : tl)
    if (e.kind == "note") notes.push_back(e);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].text.find("shed recommendations traffic"), std::string::npos);
  EXPECT_NE(notes[0].text.find("Why: checkout at 96%"), std::string::npos);
  auto missing = Tool("propose_action", json::object{{"id", "INC-77"}, {"action", "x"}});
  EXPECT_TRUE(missing.at("isError").as_bool());
}

TEST(AgentTier, AgentsNeverHoldApproveOrAdminAndTiersStopBelowHigh) {
  model::Principal admin;
  admin.actor = model::Actor::Person("alice");
  admin.person = "alice";
  admin.scopes = model::kScopeAdmin | model::kScopeApprove;
  auto agent = app::AgentPrincipal(admin, "claude");
  EXPECT_FALSE(agent.Has(model::kScopeApprove));
  EXPECT_FALSE(agent.Has(model::kScopeAdmin));
  EXPECT_TRUE(agent.Has(model::kScopeWrite));
  EXPECT_TRUE(agent.Has(model::kScopeRead));
  EXPECT_EQ(agent.person, "alice");
  EXPECT_EQ(*ParseAgentTier("low"), model::RiskTier::kLow);
  EXPECT_EQ(*ParseAgentTier("MEDIUM"), model::RiskTier::kMedium);
  EXPECT_FALSE(ParseAgentTier("high"));
  EXPECT_FALSE(ParseAgentTier("x"));
}

TEST_F(DispatcherTest, InputErrorsAreToolResultsNamingTheField) {
  Initialize();
  auto r =
      Tool("create_incident",
           json::object{{"title", "x"}, {"severity", "SEV1"}, {"services", json::array{"nope"}}});
  EXPECT_TRUE(r.at("isError").as_bool());
  EXPECT_NE(r.at("content").at(0).at("text").as_string().find("services[0]"), std::string::npos);
  r = Tool("get_incident", json::object{{"id", "INC-42"}});
  EXPECT_TRUE(r.at("isError").as_bool());
  EXPECT_NE(r.at("content").at(0).at("text").as_string().find("not_found"), std::string::npos);
}

TEST_F(DispatcherTest, ElicitationRoundTripAndCancellation) {
  Initialize(json::object{{"elicitation", json::object{}}});
  // Answered: the tool gets the client's result.
  auto rec = std::make_shared<Recorder>();
  Message m;
  m.kind = Message::Kind::kRequest;
  m.id = json::value("call-1");
  m.method = "tools/call";
  m.params =
      json::object{{"name", "test_elicitation"}, {"arguments", json::object{{"message", "who?"}}}};
  server_->Handle(session_, m, writer_, rec);
  auto ask = rec->WaitSent(1);
  EXPECT_EQ(ask.at("method"), json::value("elicitation/create"));
  Message answer;
  answer.kind = Message::Kind::kResponse;
  answer.id = ask.at("id");
  answer.result =
      json::object{{"action", "accept"}, {"content", json::object{{"username", "ann"}}}};
  server_->Handle(session_, answer, writer_, nullptr);
  auto done = rec->Wait();
  ASSERT_TRUE(done);
  EXPECT_NE(core::ToJson(*done).find("ann"), std::string::npos);

  // Cancelled while waiting: no response at all.
  auto rec2 = std::make_shared<Recorder>();
  m.id = json::value("call-2");
  server_->Handle(session_, m, writer_, rec2);
  rec2->WaitSent(1);
  Notify("notifications/cancelled",
         json::object{{"requestId", "call-2"}, {"reason", "user gave up"}});
  EXPECT_FALSE(rec2->Wait().has_value());
}

TEST_F(DispatcherTest, SubscribersHearAboutCommittedTimelineChanges) {
  Initialize();
  auto inc = Tool("create_incident", json::object{{"title", "DB down"}, {"severity", "SEV1"}});
  std::string id(inc.at("structuredContent").at("id").as_string());
  std::string uri = "incident://" + id + "/timeline";
  auto missing = Call("resources/subscribe", json::object{{"uri", "incident://INC-99/timeline"}});
  EXPECT_EQ(missing->at("error").at("code"), json::value(-32002));
  EXPECT_EQ(Call("resources/subscribe", json::object{{"uri", uri}})->at("result"),
            json::value(json::object{}));
  auto p = writer_;
  auto noted = app::Wait<model::Incident>(
      [&](auto cb) { app_->Note(p, id, app::NoteRequest{"from the CLI"}, cb); });
  ASSERT_TRUE(noted);
  auto n = standalone_->WaitSent(1);
  EXPECT_EQ(n.at("method"), json::value("notifications/resources/updated"));
  EXPECT_EQ(n.at("params").at("uri"), json::value(uri));
  auto read = Call("resources/read", json::object{{"uri", uri}});
  auto doc = *core::ParseJson(read->at("result").at("contents").at(0).at("text").as_string());
  // The resource holds the note (paging adds its own entries around it).
  size_t notes = 0;
  for (const auto& e : doc.at("entries").as_array())
    if (e.at("kind") == "note") {
      ++notes;
      EXPECT_EQ(e.at("text"), json::value("from the CLI"));
    }
  EXPECT_EQ(notes, 1u);
}

TEST_F(DispatcherTest, PromptsNeedTheirArguments) {
  Initialize();
  auto r = Call("prompts/get", json::object{{"name", "postmortem"}});
  EXPECT_EQ(r->at("error").at("code"), json::value(-32602));
  auto ir = Call("prompts/get", json::object{{"name", "incident-response"}});
  EXPECT_NE(core::ToJson(ir->at("result")).find("Lessons learned"), std::string::npos);
}

}  // namespace
}  // namespace firebreak::mcp
