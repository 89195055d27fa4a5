#include "graph/impact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "config/loader.h"
#include "graph/test_util.h"
#include "testing/testing.h"

namespace firebreak::graph {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testutil::Spec;

std::vector<std::string> Names(const Graph& g, const std::vector<Affected>& list) {
  std::vector<std::string> out;
  for (const auto& a : list) out.push_back(g.node(a.node).id);
  std::sort(out.begin(), out.end());
  return out;
}

const Affected* FindAffected(const Graph& g, const std::vector<Affected>& list, const std::string& id) {
  for (const auto& a : list)
    if (g.node(a.node).id == id) return &a;
  return nullptr;
}

Spec Shop() {
  Spec s;
  s.Add("web", {"checkout", "auth"}, {"search"}, true, 1);
  s.Add("checkout", {"payments"}, {}, true, 1);
  s.Add("payments", {"db"}, {"fraud"}, false, 0);
  s.Add("search", {"index"}, {}, true, 2);
  s.Add("auth", {"db"}, {}, false, 1);
  s.Add("fraud", {}, {}, false, 2);
  s.Add("index", {}, {}, false, 2);
  s.Add("db", {}, {}, false, 0);
  s.Add("db-standby", {}, {}, false, 0);
  return s;
}

TEST(BlastRadius, HardDependencyFailuresPropagateWithTheirPath) {
  auto g = Shop().Build();
  auto br = ComputeBlastRadius(g, FailureSet{{*g.Find("db")}, {}, {}});
  EXPECT_THAT(Names(g, br.failed), ElementsAre("auth", "checkout", "db", "payments", "web"));
  EXPECT_THAT(Names(g, br.degraded), IsEmpty());
  const auto* web = FindAffected(g, br.failed, "web");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->cause, Cause::kHardDependency);
  // The path runs from the lost service to the one it took down.
  std::vector<std::string> path;
  for (int v : web->path) path.push_back(g.node(v).id);
  EXPECT_EQ(path.front(), "db");
  EXPECT_EQ(path.back(), "web");
  EXPECT_EQ(path.size(), 3u + (path[1] == "payments" ? 1u : 0u));
  EXPECT_EQ(br.worst_tier_failed, 0);
  std::vector<std::string> cf;
  for (int v : br.customer_facing_failed) cf.push_back(g.node(v).id);
  EXPECT_THAT(cf, ::testing::UnorderedElementsAre("checkout", "web"));
  EXPECT_EQ(br.AffectedIds(g), (std::vector<std::string>{"auth", "checkout", "payments", "web"}));
}

TEST(BlastRadius, SoftDependencyFailuresDegradeAndDegradationClimbs) {
  auto g = Shop().Build();
  auto br = ComputeBlastRadius(g, FailureSet{{*g.Find("index")}, {}, {}});
  // search hard-depends on index: fails; web calls search softly: degraded, not failed.
  EXPECT_THAT(Names(g, br.failed), ElementsAre("index", "search"));
  EXPECT_THAT(Names(g, br.degraded), ElementsAre("web"));
  EXPECT_EQ(FindAffected(g, br.degraded, "web")->cause, Cause::kSoftDependency);
  auto fraud = ComputeBlastRadius(g, FailureSet{{*g.Find("fraud")}, {}, {}});
  // payments degrades; its callers (checkout, web) are degraded through it.
  EXPECT_THAT(Names(g, fraud.degraded), ElementsAre("checkout", "payments", "web"));
  EXPECT_EQ(FindAffected(g, fraud.degraded, "checkout")->cause, Cause::kDegradedDependency);
  EXPECT_EQ(fraud.worst_tier_degraded, 0);
  EXPECT_EQ(fraud.worst_tier_failed, 2);
}

TEST(BlastRadius, AFailoverGroupAbsorbsTheLossOfOneMember) {
  auto spec = Shop();
  spec.Group("orders-db", {"db", "db-standby"}, 1, true);
  auto g = spec.Build();
  auto br = ComputeBlastRadius(g, FailureSet{{*g.Find("db")}, {}, {}});
  EXPECT_THAT(Names(g, br.failed), ElementsAre("db"));
  EXPECT_THAT(br.degraded, IsEmpty());
  ASSERT_EQ(br.failovers.size(), 1u);
  EXPECT_EQ(g.node(br.failovers[0].serving.at(0)).id, "db-standby");
  EXPECT_THAT(br.AffectedIds(g), IsEmpty());
  // Both members: the callers fail.
  auto both = ComputeBlastRadius(g, FailureSet{{*g.Find("db"), *g.Find("db-standby")}, {}, {}});
  EXPECT_THAT(Names(g, both.failed), ElementsAre("auth", "checkout", "db", "db-standby", "payments", "web"));
  EXPECT_THAT(both.failovers, IsEmpty());
  // The whole group as one element is the same thing.
  auto group = ComputeBlastRadius(g, FailureSet{{}, {}, {*g.FindGroup("orders-db")}});
  EXPECT_EQ(Names(g, group.failed), Names(g, both.failed));
}

TEST(BlastRadius, MinHealthyTwoOfThreeFailsOnTheSecondLoss) {
  Spec s;
  s.Add("api", {"kv1"}, {}, true);
  s.Add("kv1");
  s.Add("kv2");
  s.Add("kv3");
  s.Group("kv", {"kv1", "kv2", "kv3"}, 2);
  auto g = s.Build();
  EXPECT_EQ(ComputeBlastRadius(g, FailureSet{{*g.Find("kv2")}, {}, {}}).failed.size(), 1u);
  auto two = ComputeBlastRadius(g, FailureSet{{*g.Find("kv2"), *g.Find("kv3")}, {}, {}});
  // Losing kv2 and kv3 leaves one member: below min_healthy the group is lost, kv1 with it, and
  // api (which calls kv1) fails.
  EXPECT_THAT(Names(g, two.failed), ElementsAre("api", "kv1", "kv2", "kv3"));
  EXPECT_EQ(FindAffected(g, two.failed, "kv1")->cause, Cause::kGroupLost);
}

TEST(BlastRadius, ZoneLossFailsServicesOnlyInThatZoneAndReportsCapacityLeft) {
  Spec s;
  s.Add("web", {"api"}, {}, true, 1);
  s.Add("api", {}, {}, false, 1);
  s.Add("batch", {}, {}, false, 4);
  s.Capacity("web", 100, 4, 300, {"a", "b"});
  s.Capacity("api", 100, 2, 80, {"a", "b"});
  s.Capacity("batch", 10, 1, 5, {"a"});
  auto g = s.Build();
  auto br = ComputeBlastRadius(g, FailureSet{{}, {*g.FindZone("a")}, {}});
  EXPECT_THAT(Names(g, br.failed), ElementsAre("batch"));
  EXPECT_EQ(FindAffected(g, br.failed, "batch")->cause, Cause::kZone);
  ASSERT_EQ(br.capacity.size(), 2u);
  for (const auto& c : br.capacity) {
    EXPECT_DOUBLE_EQ(c.fraction_left, 0.5);
    if (g.node(c.node).id == "web") {
      EXPECT_DOUBLE_EQ(c.utilization_before, 0.75);
      EXPECT_DOUBLE_EQ(c.utilization_after, 1.5);
      EXPECT_TRUE(c.over_limit);
    }
  }
  auto both = ComputeBlastRadius(g, FailureSet{{}, {*g.FindZone("a"), *g.FindZone("b")}, {}});
  EXPECT_THAT(Names(g, both.failed), ElementsAre("api", "batch", "web"));
}

TEST(BlastRadius, CyclesTerminate) {
  Spec s;
  s.Add("a", {"b"}, {}, true);
  s.Add("b", {"c"});
  s.Add("c", {"a"});
  auto g = s.Build();
  auto br = ComputeBlastRadius(g, FailureSet{{*g.Find("c")}, {}, {}});
  EXPECT_THAT(Names(g, br.failed), ElementsAre("a", "b", "c"));
}

TEST(BlastRadius, ResolvesNamesAndRejectsUnknownOnesNamingTheField) {
  auto g = Shop().Build();
  auto f = ResolveFailureSet(g, {"db", "web", "db"});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->services.size(), 2u);
  auto bad = ResolveFailureSet(g, {"db", "nope"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "services[1]");
  auto zone = ResolveFailureSet(g, {}, {"mars-1"});
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().field, "zones[0]");
}

TEST(BlastRadius, TheIncidentBlastRadiusOfTheExampleConfig) {
  auto r = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
  ASSERT_TRUE(r.config);
  // checkout fails web (hard).
  EXPECT_EQ(IncidentBlastRadius(*r.config, {"checkout"}), (std::vector<std::string>{"web"}));
  // The orders database fails over to its standby: nothing else is affected.
  EXPECT_THAT(IncidentBlastRadius(*r.config, {"db"}), IsEmpty());
  auto both = IncidentBlastRadius(*r.config, {"db", "db-replica"});
  EXPECT_THAT(both, ::testing::IsSupersetOf({"auth", "catalog", "checkout", "inventory", "payments", "web"}));
  // search is a soft dependency of web: degraded.
  EXPECT_EQ(IncidentBlastRadius(*r.config, {"search"}), (std::vector<std::string>{"web"}));
}

// Property: the propagation agrees with a fixpoint written from the definitions.
RC_GTEST_PROP(BlastRadiusProperty, MatchesBruteForceOnRandomGraphs, ()) {
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  auto spec = testutil::RandomSpec(seed, *rc::gen::inRange(1, 20));
  auto g = spec.Build();
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
  std::set<std::string> ls, lz, lg;
  FailureSet f;
  for (int v = 0; v < g.size(); ++v)
    if (rng() % 4 == 0) {
      ls.insert(g.node(v).id);
      f.services.push_back(v);
    }
  for (int z = 0; z < static_cast<int>(g.zones().size()); ++z)
    if (rng() % 3 == 0) {
      lz.insert(g.zones()[z]);
      f.zones.push_back(z);
    }
  for (int gi = 0; gi < static_cast<int>(g.groups().size()); ++gi)
    if (rng() % 4 == 0) {
      lg.insert(g.groups()[gi].id);
      f.groups.push_back(gi);
    }
  auto br = ComputeBlastRadius(g, f);
  auto bf = testutil::BruteFailures(spec, ls, lz, lg);
  for (int v = 0; v < g.size(); ++v) {
    const Health want = bf.failed[v] ? Health::kFailed : bf.degraded[v] ? Health::kDegraded : Health::kOk;
    RC_ASSERT(br.health[v] == want);
  }
  // Every reported path starts at a lost service and follows real dependencies.
  std::map<int, Cause> cause;
  for (const auto& list : {br.failed, br.degraded})
    for (const auto& a : list) cause[a.node] = a.cause;
  for (const auto& list : {br.failed, br.degraded})
    for (const auto& a : list) {
      RC_ASSERT(!a.path.empty());
      RC_ASSERT(a.path.back() == a.node);
      const Health root = br.health[a.path.front()];
      RC_ASSERT(root == Health::kFailed);
      for (size_t i = 1; i < a.path.size(); ++i) {
        bool edge = false;
        for (const Edge& e : g.Deps(a.path[i])) edge |= e.other == a.path[i - 1];
        // ... or a member taken down with its lost group, after a peer.
        const bool peer = g.node(a.path[i]).group >= 0 && g.node(a.path[i]).group == g.node(a.path[i - 1]).group &&
                          cause[a.path[i]] == Cause::kGroupLost;
        RC_ASSERT(edge || peer);
      }
    }
}

}  // namespace
}  // namespace firebreak::graph
