#include "app/resilience.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "config/loader.h"
#include "core/time.h"

namespace firebreak::app {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

std::shared_ptr<const config::Config> Load(const std::string& yaml) {
  auto r = config::LoadConfigFiles({{"c.yaml", yaml}});
  if (!r.config) throw std::runtime_error("bad test config");
  return r.config;
}

const char* kV1 = R"(services:
  - { id: web, tier: 1, customer_facing: true, dependencies: [db],
      capacity: { rps_per_replica: 100, replicas: 2, zones: [a, b], load_rps: 100 } }
  - { id: db, tier: 0, capacity: { rps_per_replica: 500, replicas: 1, zones: [a], load_rps: 100 } }
)";
const char* kV2 = R"(services:
  - { id: web, tier: 1, customer_facing: true, dependencies: [db],
      capacity: { rps_per_replica: 100, replicas: 2, zones: [a, b], load_rps: 100 } }
  - { id: db, tier: 0, capacity: { rps_per_replica: 500, replicas: 1, zones: [a], load_rps: 100 } }
  - { id: db2, tier: 0, capacity: { rps_per_replica: 500, replicas: 1, zones: [b], load_rps: 0 } }
redundancy_groups:
  - { id: dbs, kind: failover, members: [db, db2] }
)";

struct Fixture : ::testing::Test {
  core::ManualClock clock{core::ParseRfc3339("2026-03-01T10:00:00Z").value()};
  std::shared_ptr<const config::Config> cfg = Load(kV1);
  std::mutex mu;
  Resilience res{[this] {
                   std::lock_guard lk(mu);
                   return cfg;
                 },
                 clock};
  model::Principal reader = [] {
    model::Principal p;
    p.actor = model::Actor::Person("alice");
    p.scopes = model::kScopeRead;
    return p;
  }();
};

TEST_F(Fixture, FallbackPlansFollowConfigChanges) {
  auto before = res.GetStaticFallbacks(reader, nullptr);
  ASSERT_TRUE(before) << before.error().message;
  auto plan = res.GetStaticFallbacks(reader, json::object{{"name", "service:db"}});
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->at("suggested_severity").as_string(), "SEV0");  // the only customer-facing service
  {
    std::lock_guard lk(mu);
    cfg = Load(kV2);  // a reload adds a standby
  }
  auto after = res.GetStaticFallbacks(reader, nullptr);
  ASSERT_TRUE(after);
  EXPECT_NE(after->at("fingerprint").as_string(), before->at("fingerprint").as_string());
  auto plan2 = res.GetStaticFallbacks(reader, json::object{{"name", "service:db"}});
  ASSERT_TRUE(plan2);
  EXPECT_EQ(plan2->at("suggested_severity").as_string(), "SEV4");  // fails over now
  EXPECT_TRUE(res.GetStaticFallbacks(reader, json::object{{"name", "group:dbs"}}));
}

TEST_F(Fixture, TheBackgroundWorkerPrecomputesPlans) {
  res.StartPrecompute();
  // Asking waits for nothing: the answer is either the precomputed set or computed on the spot,
  // and both describe the current graph.
  auto list = res.GetStaticFallbacks(reader, nullptr);
  ASSERT_TRUE(list);
  auto g = res.Graph(reader);
  EXPECT_EQ(list->at("fingerprint"), g->at("fingerprint"));
}

TEST_F(Fixture, EveryQueryNeedsTheReadScope) {
  model::Principal nobody;
  nobody.actor = model::Actor::Person("mallory");
  EXPECT_EQ(res.CalculateBlastRadius(nobody, json::object{{"services", json::array{"db"}}}).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(res.GetDefenseLevel(nobody).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(res.GetStaticFallbacks(nobody, nullptr).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(res.Render(nobody, nullptr).error().code, ErrorCode::kPermissionDenied);
}

TEST_F(Fixture, DecodersNameTheOffendingField) {
  auto field = [](const auto& r) { return r ? std::string("<ok>") : r.error().field; };
  EXPECT_EQ(field(res.CalculateBlastRadius(reader, json::object{})), "services");
  EXPECT_EQ(field(res.CalculateBlastRadius(reader, json::object{{"services", "db"}})), "services");
  EXPECT_EQ(field(res.CalculateBlastRadius(reader, json::object{{"zones", json::array{"mars"}}})), "zones[0]");
  EXPECT_EQ(field(res.AnalyzeHubCentrality(reader, json::object{{"limit", -1}})), "limit");
  EXPECT_EQ(field(res.RunContingencyAnalysis(reader, json::object{{"depth", 3}})), "depth");
  EXPECT_EQ(field(res.RunContingencyAnalysis(reader, json::object{{"kinds", json::array{"racks"}}})), "kinds[0]");
  EXPECT_EQ(field(res.SimulateCascade(reader, json::object{{"load_factor", 0}})), "load_factor");
  EXPECT_EQ(field(res.SimulateLoadShedding(reader, json::object{{"protect_tier", 9}})), "protect_tier");
  EXPECT_EQ(field(res.CheckUtilizationThreshold(
                reader, json::object{{"samples", json::object{{"web", json::array{json::object{{"time", "yesterday"},
                                                                                              {"utilization", 0.5}}}}}}})),
            "samples.web[0].time");
  EXPECT_EQ(field(res.CheckUtilizationThreshold(
                reader, json::object{{"samples", json::object{{"web", json::array{json::object{
                                                                  {"time", "2026-03-01T10:00:00Z"},
                                                                  {"utilization", 0.5}}}}}}})),
            "samples.web");  // one sample is not a trend
  EXPECT_EQ(field(res.GetStaticFallbacks(reader, json::object{{"kind", "rack"}})), "kind");
  EXPECT_EQ(field(res.Render(reader, json::object{{"format", "png"}})), "format");
  EXPECT_EQ(field(res.SimulateCascade(reader, json::object{{"bogus", 1}})), "bogus");
}

TEST_F(Fixture, DefenseLevelOfflineSaysWhatItLeftOut) {
  auto d = res.GetDefenseLevel(reader);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->at("level").as_string(), "GREEN");
  EXPECT_EQ(d->at("components").at("incidents").at("status").as_string(), "not_evaluated");
  EXPECT_EQ(d->at("time").as_string(), "2026-03-01T10:00:00Z");
}

TEST(ResilienceIncidents, DefenseLevelTakesTheWorstOfIncidentsAndUtilization) {
  core::ManualClock clock{core::TimePoint{}};
  auto cfg = Load(R"(services:
  - { id: web, capacity: { rps_per_replica: 100, replicas: 1, load_rps: 91 } }
)");
  std::vector<model::Incident> open;
  Resilience res([cfg] { return cfg; }, clock, [&open]() -> Result<std::vector<model::Incident>> { return open; });
  auto who = model::Principal::System("test");
  auto d = res.GetDefenseLevel(who);
  EXPECT_EQ(d->at("level").as_string(), "RED");  // 91% >= 90%
  model::Incident sev0;
  sev0.id = "INC-1";
  sev0.severity = model::Severity::kSev0;
  open.push_back(sev0);
  EXPECT_EQ(res.GetDefenseLevel(who)->at("level").as_string(), "BLACK");
}

}  // namespace
}  // namespace firebreak::app
