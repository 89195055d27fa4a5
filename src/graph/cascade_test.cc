#include "graph/cascade.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "graph/load.h"
#include "graph/test_util.h"
#include "testing/testing.h"

namespace firebreak::graph {
namespace {

using testutil::Spec;

// front (120 rps from users) -> api-a and api-b (60 rps each, declared), an active-active pair.
Spec Pair(double api_b_capacity) {
  Spec s;
  s.Add("front", {"api-a", "api-b"}, {}, true, 1);
  s.Add("api-a", {}, {}, false, 1);
  s.Add("api-b", {}, {}, false, 1);
  s.Get("front").dependencies[0].rps = 60;
  s.Get("front").dependencies[1].rps = 60;
  s.Capacity("front", 1000, 1, 120);
  s.Capacity("api-a", 100, 1, 60);
  s.Capacity("api-b", api_b_capacity, 1, 60);
  s.Group("api", {"api-a", "api-b"});
  return s;
}

std::vector<std::string> Failed(const Graph& g, const CascadeStep& st) {
  std::vector<std::string> out;
  for (const auto& e : st.failed) out.push_back(g.node(e.node).id);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LoadModel, ReproducesTheConfiguredLoadsAtBaseline) {
  auto cfg = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
  ASSERT_TRUE(cfg.config);
  auto g = Graph::FromConfig(*cfg.config);
  LoadModel m(g);
  auto load = m.Solve(std::vector<char>(g.size(), 1), {});
  for (int v = 0; v < g.size(); ++v) EXPECT_NEAR(load[v], g.node(v).load_rps, 1e-6) << g.node(v).id;
  // A 50% surge of external traffic scales everything that has no unexplained load by 1.5.
  auto surge = m.Solve(std::vector<char>(g.size(), 1), {}, 1.5);
  EXPECT_NEAR(surge[*g.Find("web")], 1.5 * g.node(*g.Find("web")).load_rps, 1e-6);
  EXPECT_NEAR(surge[*g.Find("payments")], 1.5 * g.node(*g.Find("payments")).load_rps, 1e-6);
}

TEST(Cascade, TheSurvivorOfAPairOverloadsAndTakesTheCallerDown) {
  auto g = Pair(100).Build();
  CascadeScenario sc;
  sc.lost.services = {*g.Find("api-a")};
  auto r = SimulateCascade(g, sc, Thresholds{});
  // Step 0: api-a lost; front survives on api-b. Round 1: api-b carries 120 rps on 100 and
  // fails; the group is gone, so front fails with it.
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(Failed(g, r.steps[0]), std::vector<std::string>{"api-a"});
  EXPECT_EQ(Failed(g, r.steps[1]), (std::vector<std::string>{"api-b", "front"}));
  const auto& over = r.steps[1].failed[0];
  EXPECT_EQ(g.node(over.node).id, "api-b");
  EXPECT_EQ(over.cause, Cause::kOverload);
  EXPECT_DOUBLE_EQ(over.utilization, 1.2);
  EXPECT_EQ(r.steps[1].failed[1].cause, Cause::kHardDependency);
  EXPECT_EQ(r.overloads, 1);
  EXPECT_EQ(r.failed_total, 3);
  ASSERT_EQ(r.customer_facing_failed.size(), 1u);
  EXPECT_TRUE(r.stabilized);
}

TEST(Cascade, EnoughHeadroomAbsorbsTheFailover) {
  auto g = Pair(130).Build();
  CascadeScenario sc;
  sc.lost.services = {*g.Find("api-a")};
  auto r = SimulateCascade(g, sc, Thresholds{});
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_EQ(r.failed_total, 1);
  const int b = *g.Find("api-b");
  EXPECT_DOUBLE_EQ(r.load[b], 120);
  EXPECT_NEAR(r.utilization[b], 120.0 / 130.0, 1e-12);
  EXPECT_EQ(r.worst_level, model::DefenseLevel::kRed);  // 92% >= 90%
  EXPECT_EQ(r.health[*g.Find("front")], Health::kOk);
}

TEST(Cascade, FailoverMovesTheWholeLoadToTheStandby) {
  Spec s;
  s.Add("app", {"db"}, {}, true);
  s.Add("db");
  s.Add("db-standby");
  s.Capacity("app", 100, 2, 100);
  s.Capacity("db", 500, 1, 300);
  s.Capacity("db-standby", 250, 1, 0);
  s.Group("orders", {"db", "db-standby"}, 1, true);
  auto g = s.Build();
  CascadeScenario sc;
  sc.lost.services = {*g.Find("db")};
  auto r = SimulateCascade(g, sc, Thresholds{});
  // 300 rps on a 250 rps standby: it overloads, then app fails.
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(Failed(g, r.steps[1]), (std::vector<std::string>{"app", "db-standby"}));
  EXPECT_EQ(r.steps[1].failed[0].utilization, 1.2);
}

TEST(Cascade, ZoneLossShrinksCapacityAndCanCascadeThroughDependencies) {
  Spec s;
  s.Add("web", {"pay"}, {}, true, 1);
  s.Add("pay", {}, {}, false, 0);
  s.Capacity("web", 100, 4, 150, {"a", "b"});
  s.Capacity("pay", 100, 4, 250, {"a", "b"});
  auto g = s.Build();
  CascadeScenario sc;
  sc.lost.zones = {*g.FindZone("a")};
  auto r = SimulateCascade(g, sc, Thresholds{});
  // Half the replicas left: web 150/200 fine, pay 250/200 overloads, web fails with it.
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_TRUE(r.steps[0].failed.empty());
  EXPECT_EQ(Failed(g, r.steps[1]), (std::vector<std::string>{"pay", "web"}));
  EXPECT_DOUBLE_EQ(r.steps[1].failed[0].utilization, 1.25);
  // An explicit capacity loss does the same; a surge on full capacity too.
  CascadeScenario loss;
  loss.capacity_loss = {{*g.Find("pay"), 0.5}};
  EXPECT_EQ(SimulateCascade(g, loss, Thresholds{}).failed_total, 2);
  CascadeScenario surge;
  surge.load_factor = 1.7;  // pay: 425 rps on 400
  EXPECT_EQ(SimulateCascade(g, surge, Thresholds{}).failed_total, 2);
  surge.load_factor = 1.5;  // pay: 375 on 400, survives
  auto ok = SimulateCascade(g, surge, Thresholds{});
  EXPECT_EQ(ok.failed_total, 0);
  EXPECT_EQ(ok.worst_level, model::DefenseLevel::kRed);  // pay at 93.75%
}

TEST(Cascade, FailedCallersStopSendingLoad) {
  Spec s;
  s.Add("edge", {"mid"}, {}, true);
  s.Add("mid", {"store"});
  s.Add("batch", {"store"});
  s.Add("store");
  s.Capacity("edge", 10, 1, 10);
  s.Capacity("mid", 10, 1, 10);
  s.Capacity("batch", 100, 1, 50);
  s.Capacity("store", 100, 1, 60);
  auto g = s.Build();
  CascadeScenario sc;
  sc.lost.services = {*g.Find("mid")};
  auto r = SimulateCascade(g, sc, Thresholds{});
  // store's 60 rps come from mid (10) and batch (50) in proportion to their loads.
  EXPECT_NEAR(r.load[*g.Find("store")], 60.0 * 50 / 60, 1e-9);
  EXPECT_EQ(r.health[*g.Find("edge")], Health::kFailed);
}

}  // namespace
}  // namespace firebreak::graph
