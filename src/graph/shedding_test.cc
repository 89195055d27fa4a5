#include "graph/shedding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "graph/test_util.h"
#include "testing/testing.h"

namespace firebreak::graph {
namespace {

using ::testing::ElementsAre;
using testutil::Spec;

// front (tier 1, customer-facing, 100 rps) -> api (tier 3, hard) and recs (tier 3, soft).
// api, recs and batch (tier 4) send 50, 40 and 60 rps to db (2 x 80 rps = 160): 150 rps, 93.75%.
Spec Shop() {
  Spec s;
  s.Add("front", {"api"}, {"recs"}, true, 1);
  s.Add("api", {"db"}, {}, false, 3);
  s.Add("recs", {"db"}, {}, false, 3);
  s.Add("batch", {"db"}, {}, false, 4);
  s.Add("db", {}, {}, false, 0);
  s.Get("api").dependencies[0].rps = 50;
  s.Get("recs").dependencies[0].rps = 40;
  s.Get("batch").dependencies[0].rps = 60;
  s.Capacity("front", 100, 4, 100);
  s.Capacity("api", 100, 2, 50);
  s.Capacity("recs", 1000, 1, 40);
  s.Capacity("batch", 1000, 1, 60);
  s.Capacity("db", 80, 2, 150);
  return s;
}

std::vector<std::string> StepNames(const Graph& g, const ShedPlan& p) {
  std::vector<std::string> out;
  for (const auto& st : p.steps) out.push_back(g.node(st.node).id);
  return out;
}

TEST(Shedding, ShedsTheLowestTierJustEnough) {
  auto g = Shop().Build();
  auto p = PlanShedding(g, {}, ShedOptions{0.80, 0});
  // db must drop to 128 rps: 22 of batch's 60 (36.7%, rounded up to 0.1%).
  ASSERT_EQ(StepNames(g, p), std::vector<std::string>{"batch"});
  EXPECT_DOUBLE_EQ(p.steps[0].fraction, 0.367);
  EXPECT_NEAR(p.steps[0].shed_rps, 0.367 * 60, 1e-9);
  EXPECT_TRUE(p.met);
  ASSERT_EQ(p.hot.size(), 1u);
  EXPECT_EQ(g.node(p.hot[0].node).id, "db");
  EXPECT_NEAR(p.hot[0].utilization_before, 150.0 / 160, 1e-12);
  EXPECT_LE(p.hot[0].utilization_after, 0.80);
  EXPECT_GT(p.hot[0].utilization_after, 0.799);
}

TEST(Shedding, NeverShedsWhatAKeptServiceNeedsAndListsWhatDegrades) {
  auto g = Shop().Build();
  // db must drop to 80 rps: all of batch (60), then recs (tier 3, only a soft dependency of
  // front) for the remaining 10 of its 40. api is tier 3 too but front (kept) needs it.
  auto p = PlanShedding(g, {}, ShedOptions{0.50, 0});
  ASSERT_EQ(StepNames(g, p), (std::vector<std::string>{"batch", "recs"}));
  EXPECT_DOUBLE_EQ(p.steps[0].fraction, 1.0);
  EXPECT_DOUBLE_EQ(p.steps[1].fraction, 0.25);
  std::vector<std::string> degraded;
  for (int v : p.steps[1].degraded_callers) degraded.push_back(g.node(v).id);
  EXPECT_THAT(degraded, ElementsAre("front"));
  EXPECT_TRUE(p.met);
  // The hierarchy lists the sacrifice order: tier 4, then tier 3 (bigger load first), then tier 1.
  std::vector<std::string> order;
  for (int v : p.hierarchy) order.push_back(g.node(v).id);
  EXPECT_THAT(order, ElementsAre("batch", "api", "recs", "front"));
  std::vector<std::string> prot;
  for (int v : p.protected_services) prot.push_back(g.node(v).id);
  EXPECT_THAT(prot, ElementsAre("db"));
}

TEST(Shedding, ShedsAtTheEdgeWhenNothingLowerHelpsAndReportsCapacityWhenProtected) {
  auto g = Shop().Build();
  // 48 rps: batch and recs gone leave api's 50; only front (tier 1) can shed api's traffic: 4%.
  auto p = PlanShedding(g, {}, ShedOptions{0.30, 0});
  ASSERT_EQ(StepNames(g, p), (std::vector<std::string>{"batch", "recs", "front"}));
  EXPECT_DOUBLE_EQ(p.steps[2].fraction, 0.04);
  EXPECT_TRUE(p.met);
  // Protect tier 1 as well: the target cannot be met; the plan says how many replicas would do.
  auto q = PlanShedding(g, {}, ShedOptions{0.30, 1});
  EXPECT_FALSE(q.met);
  EXPECT_EQ(StepNames(g, q), (std::vector<std::string>{"batch", "recs"}));
  ASSERT_EQ(q.hot.size(), 1u);
  EXPECT_FALSE(q.hot[0].met);
  EXPECT_NEAR(q.hot[0].utilization_after, 50.0 / 160, 1e-12);
  // 150 rps at 30% of 80 rps per replica needs 6.25 -> 7 replicas: 5 more than the 2 there.
  EXPECT_EQ(q.hot[0].replicas_needed, 5);
}

TEST(Shedding, NothingToDoUnderTheTarget) {
  auto g = Shop().Build();
  auto p = PlanShedding(g, {}, ShedOptions{0.95, 0});
  EXPECT_TRUE(p.met);
  EXPECT_TRUE(p.steps.empty());
  EXPECT_TRUE(p.hot.empty());
}

TEST(Shedding, PlansAfterALossWithTheFailoverLoadIncluded) {
  Spec s;
  s.Add("web", {"db"}, {"reports"}, true, 1);
  s.Add("reports", {"db"}, {}, false, 4);
  s.Add("db", {}, {}, false, 0);
  s.Add("db2", {}, {}, false, 0);
  s.Group("orders", {"db", "db2"}, 1, true);
  s.Get("web").dependencies[0].rps = 70;
  s.Get("reports").dependencies[0].rps = 30;
  s.Capacity("web", 100, 2, 100);
  s.Capacity("reports", 100, 1, 30);
  s.Capacity("db", 200, 1, 100);
  s.Capacity("db2", 100, 1, 0);
  auto g = s.Build();
  CascadeScenario sc;
  sc.lost.services = {*g.Find("db")};
  // db2 takes db's 100 rps on 100: shed 20 of reports' 30 (66.7%) -> at most 80%.
  auto p = PlanShedding(g, sc, ShedOptions{0.80, 0});
  ASSERT_EQ(StepNames(g, p), std::vector<std::string>{"reports"});
  EXPECT_DOUBLE_EQ(p.steps[0].fraction, 0.667);
  EXPECT_TRUE(p.met);
  ASSERT_EQ(p.hot.size(), 1u);
  EXPECT_EQ(g.node(p.hot[0].node).id, "db2");
  EXPECT_DOUBLE_EQ(p.hot[0].utilization_before, 1.0);
  EXPECT_LE(p.hot[0].utilization_after, 0.8);
  EXPECT_GT(p.hot[0].utilization_after, 0.79);
}

}  // namespace
}  // namespace firebreak::graph
