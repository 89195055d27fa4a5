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
  const std::regex decides("(^|_)(approve|reject|decide)(_|$)");
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
    EXPECT_FALSE(std::regex_search(t.name, decides)) << "no tool approves or rejects";
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
        "get_roster", "list_handoffs", "list_people", "get_person", "get_escalation", "list_notifications", "list_responders", "answer_responder_request", "find_runbooks", "get_runbook", "request_runbook_run",
        "get_approval", "get_runbook_run", "post_status_update", "get_response_plan", "find_similar_incidents",
        "get_status_update", "generate_postmortem", "get_mttx_metrics", "get_root_cause_hypotheses", "get_metric_anomalies",
        "get_recent_changes", "get_error_patterns", "get_resource_trends", "get_log_patterns",
        "get_incident_log_patterns", "list_log_templates", "mine_log_lines", "list_alerts",
        "get_incident_alerts", "list_silences", "create_silence", "expire_silence", "list_heartbeats",
        "list_maintenance_windows", "list_schedule_overrides", "create_schedule_override",
        "delete_schedule_override"})
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
    {"add_responders", R"({"id":"INC-1","targets":[{"person":"bob"},{"person":"alice"}],"message":"need a DBA"})"},
    {"list_responders", R"({"id":"INC-1"})"},
    {"answer_responder_request", R"({"id":"INC-1","response":"accept","note":"joining"})"},  // alice: asked above
    {"snooze_incident", R"({"id":"INC-1","duration":"30m","note":"vendor fix at 10:00"})"},
    {"merge_incidents", R"({"id":"INC-1","incidents":["INC-2"],"note":"one problem"})"},  // INC-2: create_incident's
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
    {"list_handoffs", R"({"schedule":"primary","days":14})"},
    {"list_people", R"({"team":"platform"})"},
    {"get_person", R"({"person":"alice","days":14})"},
    {"get_escalation", R"({"id":"INC-1"})"},
    {"list_notifications", R"({"id":"INC-1"})"},
    {"find_runbooks", R"({"incident_id":"INC-1","limit":3})"},
    {"get_runbook", R"({"id":"restart-service"})"},
    {"request_runbook_run",
     R"({"runbook":"restart-service","incident_id":"INC-1","service":"checkout","rationale":"OutOfMemory in checkout",
         "expected_impact":"one pod at a time","rollback_plan":"none needed"})"},
    {"get_approval", R"({"id":"APR-1"})"},
    {"get_runbook_run", R"({"id":"RUN-1"})"},
    {"post_status_update", R"({"incident_id":"INC-1","audience":"external"})"},
    {"get_response_plan", R"({"incident_id":"INC-1"})"},
    {"find_similar_incidents", R"({"incident_id":"INC-1","limit":3})"},
    {"get_status_update", R"({"incident_id":"INC-1","audience":"external"})"},
    {"generate_postmortem", R"({"incident_id":"INC-1"})"},
    {"get_mttx_metrics", R"({"by":"severity"})"},
    {"get_error_patterns", R"({"service":"db","from":"15m"})"},
    {"get_root_cause_hypotheses", R"({"incident":"INC-1"})"},
    {"get_metric_anomalies", R"({"service":"checkout","from":"1h"})"},
    {"get_recent_changes", R"({"incident":"INC-1"})"},
    {"get_resource_trends", R"({"service":"checkout","horizon":"24h"})"},
    {"get_log_patterns", R"({"services":["checkout"],"since":"2h"})"},
    {"get_incident_log_patterns", R"({"incident_id":"INC-1"})"},
    {"list_log_templates", R"({"limit":5})"},
    {"mine_log_lines",
     R"({"lines":["user 17 logged in","user 4 logged in","disk /dev/sda1 full"],"limit":5})"},
    {"list_alerts", R"({"status":"open","limit":5})"},
    {"get_incident_alerts", R"({"incident_id":"INC-1","limit":10})"},
    {"list_silences", R"({"state":"all"})"},
    {"list_heartbeats", "{}"},
    {"list_maintenance_windows", "{}"},
    {"list_schedule_overrides", R"({"state":"all"})"},
    {"create_schedule_override", R"({"schedule":"primary","person":"carol","duration":"2h","reason":"swap"})"},
    {"delete_schedule_override", R"({"id":"OVR-1"})"},
    {"create_silence", R"({"matchers":["service=checkout"],"duration":"1h","comment":"deploy"})"},
    {"expire_silence", R"({"id":"SIL-1"})"},
};

TEST_F(DispatcherTest, EveryToolsStructuredOutputMatchesItsOutputSchema) {
  Initialize();
  auto first = Tool("create_incident", json::object{{"title", "Checkout 500s"},
                                                    {"severity", "SEV2"},
                                                    {"services", json::array{"checkout"}}});
  ASSERT_FALSE(first.as_object().contains("isError")) << core::ToJson(first);
  // get_root_cause_hypotheses reads the latest analysis: run one (no metrics: an empty ranking).
  auto analysed = app::Wait<app::StoredAnalysis>([&](auto cb) {
    app_->analysis().AnalyzeIncident(writer_, "INC-1", "manual", std::move(cb));
  });
  ASSERT_TRUE(analysed) << analysed.error().ToString();
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
    bool low = meta.at("io.firebreak/risk") == json::value("LOW");
    bool mentions = t.at("description").as_string().find("proposal") != std::string::npos;
    if (meta.as_object().contains("io.firebreak/risk_depends_on_arguments")) {
      // request_runbook_run: executes within the tier, proposes above it, and says so.
      EXPECT_TRUE(executes);
      EXPECT_EQ(mentions, !low) << core::ToJson(t);
      continue;
    }
    EXPECT_EQ(executes, low) << core::ToJson(t);
    EXPECT_EQ(!executes, mentions);
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

// Issue 7, item 4: a client with URL-mode elicitation is offered the approvals page for a HIGH
// request; the approval stays pending (the page is where a second person decides).
TEST_F(DispatcherTest, HighRequestOffersTheApprovalsPageByUrlElicitation) {
  Initialize(json::object{{"elicitation", json::object{{"url", json::object{}}}}});
  auto inc = Tool("create_incident", json::object{{"title", "Checkout pods wedged"}, {"severity", "SEV2"},
                                                  {"services", json::array{"checkout"}}});
  std::string id(inc.at("structuredContent").at("id").as_string());
  app_->pager().SetPublicUrl("http://fb.example:9000/");
  auto rec = std::make_shared<Recorder>();
  Message m;
  m.kind = Message::Kind::kRequest;
  m.id = json::value("call-h");
  m.method = "tools/call";
  m.params = json::object{{"name", "request_runbook_run"},
                          {"arguments", json::object{{"runbook", "restart-service"},
                                                     {"incident_id", id},
                                                     {"rationale", "OutOfMemory since 09:40"},
                                                     {"expected_impact", "pods restart one at a time"},
                                                     {"rollback_plan", "nothing to undo"}}}};
  server_->Handle(session_, m, writer_, rec);
  auto ask = rec->WaitSent(1);
  ASSERT_EQ(ask.at("method"), json::value("elicitation/create"));
  const auto& params = ask.at("params");
  EXPECT_EQ(params.at("mode"), json::value("url"));
  std::string url(params.at("url").as_string());
  // The console's address as notifications give it: `serve` sets the listening address (or
  // --public-url) when settings.public_url is not set.
  EXPECT_EQ(url, "http://fb.example:9000/#/approvals");
  std::string approval(params.at("elicitationId").as_string());
  EXPECT_EQ(approval.rfind("APR-", 0), 0u);
  Message answer;
  answer.kind = Message::Kind::kResponse;
  answer.id = ask.at("id");
  answer.result = json::object{{"action", "accept"}};
  server_->Handle(session_, answer, writer_, nullptr);
  auto done = rec->Wait();
  ASSERT_TRUE(done);
  const auto& out = done->at("result").at("structuredContent");
  EXPECT_EQ(out.at("approval_id"), json::value(approval));
  EXPECT_EQ(out.at("approval_url"), json::value(url));
  EXPECT_EQ(out.at("approval_page_offer"), json::value("accept"));
  EXPECT_EQ(app_->runbooks().GetApproval(writer_, approval)->at("state"), json::value("pending"));
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


// ---- runbooks, reports, alerts ------------------------------------------------------------------

TEST_F(DispatcherTest, FindRunbooksRanksTheRunbooksOfTheIncidentsService) {
  Initialize();
  auto inc = Tool("create_incident", json::object{{"title", "Checkout OOM"},
                                                  {"severity", "SEV2"},
                                                  {"services", json::array{"checkout"}}});
  std::string id(inc.at("structuredContent").at("id").as_string());
  auto found = Tool("find_runbooks", json::object{{"incident_id", id}});
  ASSERT_FALSE(found.as_object().contains("isError")) << core::ToJson(found);
  const auto& out = found.at("structuredContent");
  EXPECT_EQ(out.at("incident"), json::value(id));
  std::vector<std::string> ids;
  double last = 1e300;
  for (const auto& m : out.at("matches").as_array()) {
    ids.emplace_back(m.at("runbook").as_string());
    double score = m.at("score").to_number<double>();
    EXPECT_LE(score, last) << "best first";
    last = score;
    EXPECT_FALSE(m.at("reasons").as_array().empty());
  }
  auto has = [&](const char* rb) { return std::find(ids.begin(), ids.end(), rb) != ids.end(); };
  EXPECT_TRUE(has("collect-diagnostics")) << core::ToJson(out);  // checkout, SEV2
  EXPECT_TRUE(has("restart-service")) << core::ToJson(out);      // checkout
  EXPECT_FALSE(has("database-failover")) << core::ToJson(out);   // db only
  // A database incident ranks differently.
  auto db = Tool("find_runbooks",
                 json::object{{"services", json::array{"db"}},
                              {"labels", json::object{{"alertname", "PostgresPrimaryDown"}}}});
  EXPECT_EQ(db.at("structuredContent").at("matches").at(0).at("runbook"),
            json::value("database-failover"))
      << core::ToJson(db);
  auto missing = Tool("find_runbooks", json::object{{"incident_id", "INC-404"}});
  EXPECT_TRUE(missing.at("isError").as_bool());
}

TEST_F(DispatcherTest, AHighRunbookRequestReturnsAPendingApprovalAndNothingRuns) {
  Initialize();
  auto inc = Tool("create_incident", json::object{{"title", "Checkout OOM"},
                                                  {"severity", "SEV2"},
                                                  {"services", json::array{"checkout"}}});
  std::string id(inc.at("structuredContent").at("id").as_string());
  json::object req{{"runbook", "restart-service"},
                   {"incident_id", id},
                   {"rationale", "OutOfMemory since 09:40"},
                   {"expected_impact", "pods restart one at a time"},
                   {"rollback_plan", "nothing to undo"}};
  // Without a rationale the app refuses, naming the field.
  json::object bare{{"runbook", "restart-service"}, {"incident_id", id}};
  auto refused = Tool("request_runbook_run", bare);
  EXPECT_TRUE(refused.at("isError").as_bool());
  EXPECT_NE(refused.at("content").at(0).at("text").as_string().find("rationale"),
            std::string::npos);

  auto r = Tool("request_runbook_run", req);
  ASSERT_FALSE(r.as_object().contains("isError")) << core::ToJson(r);
  const auto& out = r.at("structuredContent");
  EXPECT_EQ(out.at("state"), json::value("pending_approval"));
  EXPECT_EQ(out.at("needs_approval"), json::value(true));
  ASSERT_TRUE(out.at("approval_id").is_string());
  std::string run_id(out.at("run_id").as_string());
  std::string approval_id(out.at("approval_id").as_string());
  EXPECT_EQ(out.at("run").at("requested_by"), json::value("agent:unit_agent_"));

  auto approval = Tool("get_approval", json::object{{"id", approval_id}});
  EXPECT_EQ(approval.at("structuredContent").at("state"), json::value("pending"));
  EXPECT_EQ(approval.at("structuredContent").at("run"), json::value(run_id));
  EXPECT_EQ(approval.at("structuredContent").at("rationale"), json::value("OutOfMemory since 09:40"));

  // Nothing runs: the worker has nothing to do and every step is still pending.
  app_->runbooks().WaitIdle();
  auto run = Tool("get_runbook_run", json::object{{"id", run_id}}).at("structuredContent");
  EXPECT_EQ(run.at("state"), json::value("pending_approval"));
  ASSERT_FALSE(run.at("steps").as_array().empty());
  for (const auto& st : run.at("steps").as_array())
    EXPECT_EQ(st.at("state"), json::value("pending")) << core::ToJson(st);
  // The request is on the incident's timeline, as the agent's.
  bool requested = false;
  auto entries = *app_->Timeline(writer_, id);
  for (const auto& e : entries)
    if (e.kind == "approval_requested") {
      requested = true;
      EXPECT_EQ(e.actor, "agent:unit_agent_");
    }
  EXPECT_TRUE(requested);
}

TEST_F(DispatcherTest, NoMcpPathApprovesARun) {
  Initialize();
  auto inc = Tool("create_incident", json::object{{"title", "Checkout OOM"},
                                                  {"severity", "SEV2"},
                                                  {"services", json::array{"checkout"}}});
  std::string id(inc.at("structuredContent").at("id").as_string());
  auto r = Tool("request_runbook_run", json::object{{"runbook", "restart-service"},
                                                    {"incident_id", id},
                                                    {"rationale", "OOM"},
                                                    {"expected_impact", "brief 503s"},
                                                    {"rollback_plan", "none"}});
  std::string approval_id(r.at("structuredContent").at("approval_id").as_string());
  // No tool approves or rejects, whatever the token (get_approval only reads).
  const std::regex decides("(^|_)(approve|reject|decide)(_|$)");
  for (const auto& t : server_->registry().tools())
    EXPECT_FALSE(std::regex_search(t.name, decides)) << t.name;
  auto call = Call("tools/call", json::object{{"name", "approve_runbook_run"},
                                              {"arguments", json::object{{"id", approval_id}}}});
  EXPECT_EQ(call->at("error").at("code"), json::value(-32602));
  // The principal an MCP session acts as cannot approve through the app either, even when the
  // token belongs to another person holding `approve`.
  model::Principal approver;
  approver.actor = model::Actor::Person("bob");
  approver.person = "bob";
  approver.token_id = "t_2";
  approver.scopes = model::kScopeRead | model::kScopeWrite | model::kScopeApprove;
  auto agent = app::AgentPrincipal(approver, "unit agent!");
  for (const auto& who : {agent, [&] {
                            auto a = agent;  // even with the scope put back
                            a.scopes |= model::kScopeApprove;
                            return a;
                          }()}) {
    auto res = app::Wait<json::value>([&](auto cb) {
      app_->runbooks().Approve(who, approval_id, json::object{{"note", "ok"}}, std::move(cb));
    });
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, ErrorCode::kPermissionDenied) << res.error().ToString();
  }
  auto after = Tool("get_approval", json::object{{"id", approval_id}});
  EXPECT_EQ(after.at("structuredContent").at("state"), json::value("pending"));
}

TEST_F(DispatcherTest, RunbookRequestsPassTheAgentTierGateWithTheRunbooksRisk) {
  ServerOptions so;
  so.agent_tier = model::RiskTier::kLow;
  Restart(so);
  Initialize();
  auto p = writer_;
  engine::DeclareSpec spec;
  spec.title = "Stale catalog";
  spec.severity = model::Severity::kSev3;
  spec.services = {"catalog"};
  auto inc = app::Wait<model::Incident>([&](auto cb) { app_->Declare(p, spec, cb); });
  ASSERT_TRUE(inc) << inc.error().ToString();
  // invalidate-cache is MEDIUM and would run automatically: above a LOW tier it is only proposed.
  auto medium = Tool("request_runbook_run",
                     json::object{{"runbook", "invalidate-cache"}, {"incident_id", inc->id}});
  EXPECT_TRUE(medium.at("isError").as_bool());
  const auto& prop = medium.at("_meta").at("io.firebreak/proposal");
  EXPECT_EQ(prop.at("risk"), json::value("MEDIUM"));
  EXPECT_EQ(prop.at("incident_id"), json::value(inc->id));
  auto runs = app_->runbooks().ListRuns(writer_, "", "");
  ASSERT_TRUE(runs);
  EXPECT_TRUE(runs->at("runs").as_array().empty()) << core::ToJson(*runs);
  // A HIGH runbook only files a request for a person: that the agent may do at any tier.
  auto high = Tool("request_runbook_run", json::object{{"runbook", "restart-service"},
                                                       {"incident_id", inc->id},
                                                       {"rationale", "stale entries"},
                                                       {"expected_impact", "brief 503s"},
                                                       {"rollback_plan", "none"}});
  ASSERT_FALSE(high.as_object().contains("isError")) << core::ToJson(high);
  EXPECT_EQ(high.at("structuredContent").at("state"), json::value("pending_approval"));
}

TEST_F(DispatcherTest, PostStatusUpdateRecordsAStatusUpdateEntryAsTheAgent) {
  Initialize();
  auto inc = Tool("create_incident", json::object{{"title", "Checkout 500s"},
                                                  {"severity", "SEV1"},
                                                  {"services", json::array{"checkout"}}});
  std::string id(inc.at("structuredContent").at("id").as_string());
  auto r = Tool("post_status_update", json::object{{"incident_id", id}, {"audience", "external"}});
  ASSERT_FALSE(r.as_object().contains("isError")) << core::ToJson(r);
  std::string text(r.at("structuredContent").at("text").as_string());
  EXPECT_FALSE(text.empty());
  std::vector<model::TimelineEntry> updates;  // paging and analysis add entries of their own
  auto entries = *app_->Timeline(writer_, id);
  for (const auto& e : entries)
    if (e.kind == "status_update") updates.push_back(e);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].actor, "agent:unit_agent_");
  EXPECT_NE(updates[0].text.find("external status update posted"), std::string::npos)
      << updates[0].text;
  auto bad = Tool("post_status_update", json::object{{"incident_id", id}, {"audience", "press"}});
  EXPECT_TRUE(bad.at("isError").as_bool());
  EXPECT_NE(bad.at("content").at(0).at("text").as_string().find("audience"), std::string::npos);
}

TEST_F(DispatcherTest, ReadOnlyTokenCannotRequestRunsPostUpdatesOrSilence) {
  Initialize();
  auto inc = Tool("create_incident", json::object{{"title", "Checkout 500s"},
                                                  {"severity", "SEV2"},
                                                  {"services", json::array{"checkout"}}});
  std::string id(inc.at("structuredContent").at("id").as_string());
  std::set<std::string> listed;
  auto tools = Call("tools/list", {}, &reader_)->at("result").at("tools").as_array();
  for (const auto& t : tools) listed.insert(std::string(t.at("name").as_string()));
  EXPECT_TRUE(listed.count("find_runbooks") && listed.count("get_approval"));
  const std::vector<std::pair<std::string, json::object>> writes = {
      {"request_runbook_run",
       json::object{{"runbook", "collect-diagnostics"}, {"incident_id", id}}},
      {"post_status_update", json::object{{"incident_id", id}}},
      {"create_silence", json::object{{"matchers", json::array{"service=checkout"}},
                                      {"duration", "1h"},
                                      {"comment", "x"}}},
      {"expire_silence", json::object{{"id", "SIL-1"}}}};
  for (const auto& [name, args] : writes) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(listed.count(name));
    auto r = Tool(name, args, &reader_);
    EXPECT_TRUE(r.at("isError").as_bool());
    EXPECT_NE(r.at("content").at(0).at("text").as_string().find("'write' scope"),
              std::string::npos);
  }
  EXPECT_TRUE(app_->runbooks().ListRuns(writer_, "", "")->at("runs").as_array().empty());
  EXPECT_TRUE(app_->ListSilences(writer_, std::nullopt)->empty());
  auto entries = *app_->Timeline(writer_, id);
  for (const auto& e : entries) EXPECT_NE(e.kind, "status_update");
}

TEST_F(DispatcherTest, InvestigationToolsAreTheAppsTableWithOutputSchemas) {
  for (const auto& t : app::AnalysisTools()) {
    SCOPED_TRACE(t.name);
    const auto* tool = server_->registry().FindTool(t.name);
    ASSERT_NE(tool, nullptr);
    EXPECT_EQ(tool->input_schema, t.input_schema);
    EXPECT_EQ(tool->description, t.description);
    EXPECT_TRUE(tool->annotations.read_only);
    // A declared result (not just "an object"): the tool has its row in tools_investigation.cc.
    ASSERT_TRUE(tool->output_schema->contains("required"));
    EXPECT_FALSE(tool->output_schema->at("required").as_array().empty());
  }
}

TEST_F(DispatcherTest, RunbooksAreResources) {
  Initialize();
  auto list = Call("resources/list", {})->at("result").at("resources").as_array();
  bool listed = false;
  for (const auto& r : list) listed = listed || r.at("uri") == json::value("runbook://restart-service");
  EXPECT_TRUE(listed);
  auto read = Call("resources/read", json::object{{"uri", "runbook://restart-service"}});
  auto doc = *core::ParseJson(read->at("result").at("contents").at(0).at("text").as_string());
  EXPECT_EQ(doc.at("id"), json::value("restart-service"));
  EXPECT_EQ(doc.at("risk"), json::value("HIGH"));
  auto missing = Call("resources/read", json::object{{"uri", "runbook://nope"}});
  EXPECT_EQ(missing->at("error").at("code"), json::value(-32002));
}

}  // namespace
}  // namespace firebreak::mcp
