// The read-only analysis tool calls (what an MCP server wraps): JSON in, JSON out, bad arguments
// named, on a real App (SQLite store, engine thread) with a manual clock.
#include <gtest/gtest.h>

#include <future>

#include "app/analysis.h"
#include "app/app.h"
#include "core/time.h"
#include "testing/testing.h"

namespace firebreak::app {
namespace {

namespace json = boost::json;

model::Principal Who(uint32_t scopes) {
  model::Principal p;
  p.actor = model::Actor::Person("alice");
  p.scopes = scopes;
  return p;
}

struct ToolsTest : ::testing::Test {
  firebreak::testing::TempDir dir;
  core::ManualClock clock{core::ParseRfc3339("2026-03-01T10:00:00Z").value()};
  std::unique_ptr<App> app;

  void SetUp() override {
    AppOptions o;
    o.config_dir = firebreak::testing::SourceDir() + "/examples/config";
    o.data_dir = dir.path();
    o.clock = &clock;
    o.synchronous = "normal";
    auto a = App::Open(o);
    ASSERT_TRUE(a) << a.error().message;
    app = std::move(*a);
    app->Start();
  }
  void TearDown() override {
    if (app) app->Stop();
  }

  // An hour of minute samples for `service`; from `bad_from` minutes before now it is `bad`.
  void Push(const std::string& service, double base, double bad, int bad_from) {
    analyze::MetricBatch b;
    analyze::Series s;
    s.service = service;
    s.metric = "latency_p99";
    const int64_t now = core::ToUnixMillis(clock.Now());
    for (int i = 60; i >= 1; --i)
      s.samples.push_back({now - i * 60'000, (i <= bad_from ? bad : base) * (1 + 0.01 * ((i * 7) % 5))});
    b.series.push_back(std::move(s));
    std::promise<Result<PushResult>> done;
    app->analysis().PushMetrics(Who(model::kScopeWrite | model::kScopeRead), std::move(b),
                                [&](Result<PushResult> r) { done.set_value(std::move(r)); });
    auto r = done.get_future().get();
    ASSERT_TRUE(r) << r.error().message;
  }
};

TEST_F(ToolsTest, ListedToolsHaveSchemasAndAnswerInJson) {
  const auto& tools = AnalysisTools();
  std::vector<std::string> names;
  for (const auto& t : tools) {
    names.push_back(t.name);
    EXPECT_EQ(t.input_schema.at("type").as_string(), "object") << t.name;
    EXPECT_FALSE(t.input_schema.at("additionalProperties").as_bool()) << t.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"get_root_cause_hypotheses", "get_metric_anomalies",
                                             "get_recent_changes", "get_error_patterns", "get_resource_trends"}));

  Push("payments", 0.1, 0.9, 5);
  Push("db", 0.02, 0.02, 0);
  const auto reader = Who(model::kScopeRead);
  auto an = CallAnalysisTool(app->analysis(), reader, "get_metric_anomalies",
                             json::object{{"from", "15m"}});
  ASSERT_TRUE(an) << an.error().message;
  ASSERT_EQ(an->at("anomalies").as_array().size(), 1u) << json::serialize(*an);
  EXPECT_EQ(an->at("anomalies").as_array()[0].at("service").as_string(), "payments");

  auto ch = CallAnalysisTool(app->analysis(), reader, "get_recent_changes", json::object{{"service", "db"}});
  ASSERT_TRUE(ch) << ch.error().message;
  EXPECT_FALSE(ch->at("ranked").as_bool());

  // Error patterns come from the log miner: three error lines of one shape on db five minutes ago
  // make one new template (no baseline); the info line is not an error pattern.
  std::vector<logs::LogEntry> lines;
  const int64_t now = core::ToUnixMillis(clock.Now());
  for (int port : {5432, 5433, 5434})
    lines.push_back({"db", now - 300'000, "connection to 10.0.0." + std::to_string(port % 10) + ":" + std::to_string(port) +
                                              " refused", "error", {}});
  lines.push_back({"db", now - 300'000, "checkpoint complete", "info", {}});
  std::promise<Result<LogIngestReport>> ingested;
  app->IngestLogs(Who(model::kScopeWrite | model::kScopeRead), std::move(lines),
                  [&](Result<LogIngestReport> r) { ingested.set_value(std::move(r)); });
  auto rep = ingested.get_future().get();
  ASSERT_TRUE(rep) << rep.error().message;
  auto pat = CallAnalysisTool(app->analysis(), reader, "get_error_patterns",
                              json::object{{"service", "db"}, {"from", "15m"}});
  ASSERT_TRUE(pat) << pat.error().message;
  const auto& ps = pat->at("patterns").as_array();
  ASSERT_EQ(ps.size(), 1u) << json::serialize(*pat);
  EXPECT_EQ(ps[0].at("count").as_int64(), 3);
  EXPECT_EQ(ps[0].at("baseline_rate").as_double(), 0.0);
  EXPECT_NE(ps[0].at("pattern").as_string().find("refused"), std::string::npos);
}

TEST_F(ToolsTest, BadArgumentsAreNamed) {
  const auto reader = Who(model::kScopeRead);
  auto& a = app->analysis();
  auto r = CallAnalysisTool(a, reader, "get_metric_anomalies", json::object{{"servce", "db"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "servce");
  r = CallAnalysisTool(a, reader, "get_metric_anomalies", json::object{{"from", "yesterday-ish"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "from");
  // "-15m" is not 15 minutes ago (read as ahead, the window would be empty).
  r = CallAnalysisTool(a, reader, "get_metric_anomalies", json::object{{"from", "-15m"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "from");
  EXPECT_NE(r.error().message.find("positive duration"), std::string::npos) << r.error().message;
  r = CallAnalysisTool(a, reader, "get_metric_anomalies", json::object{{"service", "ghost"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  r = CallAnalysisTool(a, reader, "get_root_cause_hypotheses", json::object{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "incident");
  r = CallAnalysisTool(a, reader, "get_root_cause_hypotheses", json::object{{"incident", "INC-404"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  r = CallAnalysisTool(a, reader, "get_resource_trends", json::object{{"horizon", "soon"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "horizon");
  r = CallAnalysisTool(a, reader, "drop_tables", json::object{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  // Read scope is required.
  r = CallAnalysisTool(a, Who(0), "get_recent_changes", json::object{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace firebreak::app
