#include "graph/centrality.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>

#include "graph/test_util.h"

namespace firebreak::graph {
namespace {

using testutil::Spec;

// Brute force from the definition: bc(v) = sum over s != v != t of sigma_st(v) / sigma_st, with
// distances from Floyd-Warshall and path counts from a DP over nodes by distance.
std::vector<double> BruteBetweenness(const Graph& g, bool weighted) {
  const int n = g.size();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> d(n, std::vector<double>(n, inf));
  for (int v = 0; v < n; ++v) {
    d[v][v] = 0;
    for (const Edge& e : g.Deps(v)) d[v][e.other] = std::min(d[v][e.other], weighted ? e.weight : 1.0);
  }
  for (int k = 0; k < n; ++k)
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) d[i][j] = std::min(d[i][j], d[i][k] + d[k][j]);
  // sigma[s][t]: number of shortest s->t paths.
  std::vector<std::vector<double>> sigma(n, std::vector<double>(n, 0));
  for (int s = 0; s < n; ++s) {
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return d[s][a] < d[s][b]; });
    sigma[s][s] = 1;
    for (int t : order) {
      if (t == s || d[s][t] == inf) continue;
      for (int u = 0; u < n; ++u)
        for (const Edge& e : g.Deps(u))
          if (e.other == t && d[s][u] != inf && d[s][u] + (weighted ? e.weight : 1.0) == d[s][t])
            sigma[s][t] += sigma[s][u];
    }
  }
  std::vector<double> bc(n, 0);
  for (int s = 0; s < n; ++s)
    for (int t = 0; t < n; ++t) {
      if (s == t || sigma[s][t] == 0) continue;
      for (int v = 0; v < n; ++v) {
        if (v == s || v == t) continue;
        if (d[s][v] + d[v][t] == d[s][t]) bc[v] += sigma[s][v] * sigma[v][t] / sigma[s][t];
      }
    }
  return bc;
}

TEST(Betweenness, AChainAndADiamond) {
  Spec s;
  s.Add("a", {"b"});
  s.Add("b", {"c"});
  s.Add("c");
  auto g = s.Build();
  auto bc = Betweenness(g);
  EXPECT_DOUBLE_EQ(bc[*g.Find("b")], 1.0);  // only a->c passes through b
  EXPECT_DOUBLE_EQ(bc[*g.Find("a")], 0.0);

  Spec d;
  d.Add("top", {"l", "r"});
  d.Add("l", {"bottom"});
  d.Add("r", {"bottom"});
  d.Add("bottom");
  auto gd = d.Build();
  auto bd = Betweenness(gd);
  EXPECT_DOUBLE_EQ(bd[*gd.Find("l")], 0.5);  // half of top->bottom's two paths
  EXPECT_DOUBLE_EQ(bd[*gd.Find("r")], 0.5);
  // Weighted: make the left path longer; all of it goes right.
  d.Get("top").dependencies[0].weight = 5;
  auto gw = d.Build();
  auto bw = Betweenness(gw, {true, {}});
  EXPECT_DOUBLE_EQ(bw[*gw.Find("l")], 0.0);
  EXPECT_DOUBLE_EQ(bw[*gw.Find("r")], 1.0);
}

TEST(Betweenness, SourceSubsetsSumToTheWhole) {
  auto spec = testutil::RandomSpec(42, 30);
  auto g = spec.Build();
  auto all = Betweenness(g);
  std::vector<int> even, odd;
  for (int v = 0; v < g.size(); ++v) (v % 2 ? odd : even).push_back(v);
  auto a = Betweenness(g, {false, even});
  auto b = Betweenness(g, {false, odd});
  for (int v = 0; v < g.size(); ++v) EXPECT_NEAR(a[v] + b[v], all[v], 1e-9);
}

RC_GTEST_PROP(BetweennessProperty, MatchesBruteForceUnweightedAndWeighted, ()) {
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  auto spec = testutil::RandomSpec(seed, *rc::gen::inRange(1, 16));
  auto g = spec.Build();
  for (bool weighted : {false, true}) {
    auto fast = Betweenness(g, {weighted, {}});
    auto slow = BruteBetweenness(g, weighted);
    for (int v = 0; v < g.size(); ++v) RC_ASSERT(std::fabs(fast[v] - slow[v]) <= 1e-9 * std::max(1.0, slow[v]));
  }
}

TEST(Dependents, DirectAndTransitive) {
  Spec s;
  s.Add("web", {"api"}, {"search"});
  s.Add("search", {"api"});
  s.Add("api", {"db"});
  s.Add("db");
  auto g = s.Build();
  auto d = CountDependents(g);
  EXPECT_EQ(d.direct[*g.Find("api")], 2);
  EXPECT_EQ(d.transitive[*g.Find("db")], 3);
  EXPECT_EQ(d.transitive[*g.Find("web")], 0);
}

TEST(SinglePointsOfFailure, RankedByCustomerImpactThenReach) {
  Spec s;
  s.Add("web", {"api", "auth"}, {"recs"}, true, 1);
  s.Add("app", {"api"}, {}, true, 1);
  s.Add("api", {"db"}, {}, false, 1);
  s.Add("auth", {"db"}, {}, false, 1);
  s.Add("recs", {"db"}, {}, false, 3);
  s.Add("db", {}, {}, false, 0);
  s.Add("db2", {}, {}, false, 0);
  s.Add("lonely", {}, {}, false, 4);
  auto g = s.Build();
  auto r = RankSinglePointsOfFailure(g);
  ASSERT_EQ(r.size(), 8u);
  // db takes down both customer-facing services and four others.
  EXPECT_EQ(g.node(r[0].node).id, "db");
  EXPECT_EQ(r[0].cf_failed, 2);
  EXPECT_EQ(r[0].failed_total, 6);
  EXPECT_EQ(g.node(r[1].node).id, "api");
  EXPECT_EQ(r[1].cf_failed, 2);
  // With a standby, db stops being a single point of failure.
  s.Group("orders-db", {"db", "db2"}, 1, true);
  auto g2 = s.Build();
  auto r2 = RankSinglePointsOfFailure(g2);
  EXPECT_EQ(g2.node(r2[0].node).id, "api");
  for (const auto& e : r2)
    if (g2.node(e.node).id == "db") {
      EXPECT_TRUE(e.redundant);
      EXPECT_EQ(e.cf_failed, 0);
    }
}

}  // namespace
}  // namespace firebreak::graph
