#include "graph/capacity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "graph/test_util.h"

namespace firebreak::graph {
namespace {

using testutil::Spec;

// Published values.
//
// [W]  Wolfram Language documentation, "ErlangC" (reference.wolfram.com/language/ref/ErlangC.html),
//      basic example: ErlangC[3, 2] = 4/9.
// [R1] CRAN package ErlangC, README example (cran.r-project.org/web/packages/ErlangC/readme):
//      100 calls in 30 minutes, 180 s handling time (10 erlangs), 14 agents:
//      wait_probability 0.1741319, average_speed_of_answer 7.83593701177724 s,
//      service_level (answered within 20 s) 0.88835.
// [R2] CRAN package queueing, B_erlang documentation example: B_erlang(2, 0.5/0.7) = 0.1295337
//      (Erlang B, the probability that all servers are busy in the loss system).
// [E]  erlang.com calculator manual, "How much traffic can a trunk group handle?": 15 lines at
//      1% blocking carry 8.108 erlangs (Erlang B).
// [K]  Kleinrock, Queueing Systems vol. 1 (1975), closed forms: M/M/1 C = rho; M/M/2
//      C = 2 rho^2 / (1 + rho), with rho = a / c.

TEST(ErlangC, MatchesPublishedValues) {
  EXPECT_NEAR(ErlangC(3, 2.0), 4.0 / 9.0, 1e-12);  // [W]
  EXPECT_NEAR(ErlangC(14, 10.0), 0.1741319, 5e-8);  // [R1]
  EXPECT_NEAR(ErlangB(2, 0.5 / 0.7), 0.1295337, 5e-8);  // [R2]
  EXPECT_NEAR(ErlangB(15, 8.108), 0.01, 5e-5);  // [E], the table's 3 decimals
  for (double rho : {0.1, 0.5, 0.8, 0.95}) {  // [K]
    EXPECT_NEAR(ErlangC(1, rho), rho, 1e-12);
    EXPECT_NEAR(ErlangC(2, 2 * rho), 2 * rho * rho / (1 + rho), 1e-12);
  }
}

TEST(ErlangC, MeanWaitAndServiceLevelMatchThePublishedExample) {
  // [R1]: lambda = 100 / 1800 s, mean service time 180 s, 14 servers.
  auto q = MMc(100.0 / 1800.0, 1.0 / 180.0, 14);
  EXPECT_TRUE(q.stable);
  EXPECT_NEAR(q.offered, 10.0, 1e-12);
  EXPECT_NEAR(q.p_wait, 0.1741319, 5e-8);
  EXPECT_NEAR(q.wait_s, 7.83593701177724, 1e-9);
  EXPECT_NEAR(q.ServiceLevel(20.0), 0.88835, 5e-6);
  EXPECT_NEAR(q.response_s, 180 + 7.83593701177724, 1e-9);
}

TEST(ErlangC, StableForThousandsOfServersAndSaturatesAtOne) {
  double prev = 0;
  for (double u : {0.5, 0.8, 0.9, 0.95, 0.99}) {
    double c = ErlangC(5000, 5000 * u);
    EXPECT_TRUE(std::isfinite(c));
    EXPECT_GE(c, prev);
    EXPECT_LE(c, 1.0);
    prev = c;
  }
  EXPECT_EQ(ErlangC(10, 10.0), 1.0);
  auto q = MMc(120, 10, 10);
  EXPECT_FALSE(q.stable);
  EXPECT_TRUE(std::isinf(q.wait_s));
}

TEST(Utilization, LevelsFollowTheConfiguredThresholds) {
  Thresholds t;
  EXPECT_EQ(LevelFor(0.74, t), model::DefenseLevel::kGreen);
  EXPECT_EQ(LevelFor(0.75, t), model::DefenseLevel::kYellow);
  EXPECT_EQ(LevelFor(0.80, t), model::DefenseLevel::kOrange);
  EXPECT_EQ(LevelFor(0.90, t), model::DefenseLevel::kRed);
  EXPECT_EQ(LevelFor(0.95, t), model::DefenseLevel::kBlack);
  Thresholds strict{0.5, 0.6, 0.7, 0.8};
  EXPECT_EQ(LevelFor(0.65, strict), model::DefenseLevel::kOrange);
}

TEST(Utilization, ServiceQueueAndTheKnee) {
  Spec s;
  s.Add("api");
  s.Capacity("api", 100, 4, 340);
  s.Get("api").capacity.concurrency = 2;  // 8 servers of 50 rps each
  auto g = s.Build();
  auto u = AnalyzeUtilization(g, 0, Thresholds{});
  ASSERT_TRUE(u.known);
  EXPECT_DOUBLE_EQ(u.capacity_rps, 400);
  EXPECT_DOUBLE_EQ(u.utilization, 0.85);
  EXPECT_EQ(u.level, model::DefenseLevel::kOrange);
  EXPECT_EQ(u.queue.servers, 8);
  EXPECT_NEAR(u.queue.p_wait, ErlangC(8, 340.0 / 50.0), 1e-12);
  EXPECT_DOUBLE_EQ(u.knee_load_rps, 320);
  EXPECT_DOUBLE_EQ(u.headroom_rps, -20);
  // The wait grows faster and faster past the knee.
  ASSERT_EQ(u.curve.size(), 9u);
  EXPECT_DOUBLE_EQ(u.curve[0].growth, 1.0);
  for (size_t i = 1; i < u.curve.size(); ++i) EXPECT_GT(u.curve[i].wait_s, u.curve[i - 1].wait_s);
  // curve: 50 60 70 75 80 85 90 95 99 %. Ten points past the knee cost more than the thirty before.
  EXPECT_GT(u.curve[6].wait_s - u.curve[4].wait_s, u.curve[4].wait_s - u.curve[0].wait_s);
  EXPECT_GT(u.curve[8].wait_s, 10 * u.curve[4].wait_s);
  // Half the replicas (a zone lost) with the same load: past 100%.
  auto half = AnalyzeUtilization(g, 0, Thresholds{}, -1, 0.5);
  EXPECT_DOUBLE_EQ(half.utilization, 1.7);
  EXPECT_EQ(half.level, model::DefenseLevel::kBlack);
  EXPECT_FALSE(half.queue.stable);
}

TEST(Trend, LinearFitAndTimeToEachThreshold) {
  // 0.5 at t=0 rising 0.01 per minute.
  std::vector<Sample> s;
  for (int i = 0; i <= 10; ++i) s.push_back({1.7e9 + 60.0 * i, 0.5 + 0.01 * i});
  auto t = FitTrend(s);
  ASSERT_TRUE(t);
  EXPECT_NEAR(t->slope_per_s, 0.01 / 60, 1e-12);
  EXPECT_NEAR(t->fitted_now, 0.6, 1e-9);
  EXPECT_NEAR(t->r2, 1.0, 1e-9);
  EXPECT_NEAR(*t->SecondsUntil(0.8), 20 * 60, 1e-6);
  EXPECT_NEAR(*t->SecondsUntil(1.0), 40 * 60, 1e-6);
  EXPECT_EQ(*t->SecondsUntil(0.5), 0.0);
  // Falling: never.
  std::vector<Sample> down{{0, 0.9}, {60, 0.8}, {120, 0.7}};
  EXPECT_FALSE(FitTrend(down)->SecondsUntil(0.95));
  // Noise lowers r2 but keeps the slope's sign.
  std::vector<Sample> noisy{{0, 0.50}, {60, 0.56}, {120, 0.52}, {180, 0.60}, {240, 0.58}};
  auto n = FitTrend(noisy);
  EXPECT_GT(n->slope_per_s, 0);
  EXPECT_LT(n->r2, 1.0);
}

TEST(Trend, RejectsTooFewOrDegenerateSamples) {
  EXPECT_EQ(FitTrend({{0, 0.5}}).error().field, "samples");
  EXPECT_FALSE(FitTrend({{5, 0.5}, {5, 0.6}}));
  EXPECT_FALSE(FitTrend({{0, 0.5}, {1, std::nan("")}}));
}

}  // namespace
}  // namespace firebreak::graph
