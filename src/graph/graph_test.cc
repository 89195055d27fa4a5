#include "graph/graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "graph/fallbacks.h"
#include "graph/json.h"
#include "graph/render.h"
#include "graph/test_util.h"
#include "testing/testing.h"

namespace firebreak::graph {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testutil::Spec;

TEST(Graph, BuildsBothDirectionsAndIndexesZonesAndGroups) {
  Spec s;
  s.Add("web", {"api"}, {"search"}, true, 1);
  s.Add("api", {"db"});
  s.Add("search", {"db"});
  s.Add("db");
  s.Add("db2");
  s.Capacity("api", 100, 4, 200, {"a", "b"});
  s.Capacity("db", 1000, 1, 500, {"b"});
  s.Group("orders", {"db", "db2"}, 1, true);
  auto g = s.Build();
  EXPECT_EQ(g.size(), 5);
  EXPECT_EQ(g.edge_count(), 4u);
  const int db = *g.Find("db");
  EXPECT_EQ(g.Callers(db).size(), 2u);
  EXPECT_EQ(g.Deps(*g.Find("web")).size(), 2u);
  EXPECT_EQ(g.Deps(*g.Find("web"))[1].kind, EdgeKind::kSoft);
  EXPECT_EQ(g.zones().size(), 2u);
  EXPECT_EQ(g.node(db).group, *g.FindGroup("orders"));
  EXPECT_TRUE(g.groups()[0].failover);
  std::vector<char> lost(2, 0);
  lost[*g.FindZone("a")] = 1;
  EXPECT_DOUBLE_EQ(g.ZoneFractionLeft(*g.Find("api"), lost), 0.5);
  EXPECT_FALSE(g.LostWithZones(*g.Find("api"), lost));
  EXPECT_FALSE(g.LostWithZones(*g.Find("web"), lost));  // no zones: never lost to one
}

TEST(Graph, RejectsWhatTheLoaderWouldReject) {
  Spec s;
  s.Add("a", {"ghost"});
  EXPECT_THAT(Graph::Build(s.services).error().message, HasSubstr("unknown service 'ghost'"));
  Spec self;
  self.Add("a", {"a"});
  EXPECT_FALSE(Graph::Build(self.services));
  Spec twice;
  twice.Add("a", {"b", "b"});
  twice.Add("b");
  EXPECT_THAT(Graph::Build(twice.services).error().message, HasSubstr("twice"));
  Spec groups;
  groups.Add("a");
  groups.Add("b");
  groups.Add("c");
  groups.Group("g1", {"a", "b"});
  groups.Group("g2", {"b", "c"});
  EXPECT_THAT(Graph::Build(groups.services, groups.groups).error().message, HasSubstr("two redundancy groups"));
  Spec weight;
  weight.Add("a", {"b"});
  weight.Add("b");
  weight.Get("a").dependencies[0].weight = 0;
  EXPECT_FALSE(Graph::Build(weight.services));
}

TEST(Graph, FingerprintFollowsTheAnalysedFacts) {
  Spec s;
  s.Add("a", {"b"});
  s.Add("b");
  auto f1 = s.Build().fingerprint();
  EXPECT_EQ(s.Build().fingerprint(), f1);
  s.Get("b").tier = 0;
  EXPECT_NE(s.Build().fingerprint(), f1);
}

TEST(Graph, TheExampleConfigLoadsWithItsFailoverPairAndScenarios) {
  auto r = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
  ASSERT_TRUE(r.config);
  auto g = Graph::FromConfig(*r.config);
  ASSERT_TRUE(g.FindGroup("orders-db"));
  EXPECT_EQ(r.config->scenarios.size(), 2u);
  auto json = GraphToJson(g);
  EXPECT_EQ(json["services"].as_array().size(), static_cast<size_t>(g.size()));
}

TEST(Render, DotHighlightsTheBlastRadius) {
  Spec s;
  s.Add("web", {"api"}, {"search"}, true, 1);
  s.Add("api", {"db"});
  s.Add("search");
  s.Add("db");
  s.Add("db2");
  s.Group("orders", {"db", "db2"}, 1, true);
  auto g = s.Build();
  auto br = ComputeBlastRadius(g, FailureSet{{*g.Find("db"), *g.Find("db2"), *g.Find("search")}, {}, {}});
  auto dot = ToDot(g, Highlight(br, "db lost"));
  EXPECT_THAT(dot, HasSubstr("digraph firebreak {"));
  EXPECT_THAT(dot, HasSubstr("\"db\" [label=\"db\\ntier 2\", fillcolor=\"#8b0000\""));     // lost
  EXPECT_THAT(dot, HasSubstr("\"api\" [label=\"api\\ntier 2\", fillcolor=\"#f8d7da\""));   // failed
  EXPECT_THAT(dot, HasSubstr("\"web\" [label=\"web\\ntier 1\", fillcolor=\"#f8d7da\""));   // failed
  EXPECT_THAT(dot, HasSubstr("peripheries=2"));                                           // customer-facing
  EXPECT_THAT(dot, HasSubstr("\"web\" -> \"search\" [style=dashed"));
  EXPECT_THAT(dot, HasSubstr("\"web\" -> \"api\" [color=\"#b00020\""));
  EXPECT_THAT(dot, HasSubstr("subgraph \"cluster_orders\""));
}

TEST(Render, SvgIsSelfContainedAndMarksEveryService) {
  Spec s;
  s.Add("web", {"api"}, {"search"}, true, 1);
  s.Add("api", {"db"});
  s.Add("search", {}, {"web"});  // a cycle: drawn as a back edge
  s.Add("db");
  s.Add("x<&>\"y");
  auto g = s.Build();
  auto br = ComputeBlastRadius(g, FailureSet{{*g.Find("db")}, {}, {}});
  auto svg = ToSvg(g, Highlight(br, "db lost"));
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr("class=\"node lost\" id=\"svc-db\""));
  EXPECT_THAT(svg, HasSubstr("class=\"node failed\" id=\"svc-web\""));
  EXPECT_THAT(svg, HasSubstr("class=\"node degraded\" id=\"svc-search\""));
  EXPECT_THAT(svg, HasSubstr("x&lt;&amp;&gt;&quot;y"));
  EXPECT_THAT(svg, Not(HasSubstr("x<&>")));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  // Impact only: the untouched service disappears.
  auto o = Highlight(br, "db lost");
  o.impact_only = true;
  EXPECT_THAT(ToSvg(g, o), Not(HasSubstr("svc-x")));
}

TEST(Fallbacks, PlansForTheExampleConfigAreComputedAndFound) {
  auto r = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
  ASSERT_TRUE(r.config);
  auto g = Graph::FromConfig(*r.config);
  auto set = FallbackSet::Compute(g, r.config->scenarios, FallbackOptions{Thresholds::From(r.config->settings)});
  for (const char* name : {"service:db", "service:payments", "zone:eu-west-1a", "group:orders-db",
                           "scenario:lose-eu-west-1a", "scenario:black-friday", "pair:db+db-replica"})
    EXPECT_TRUE(set.Find(name)) << name;
  // Losing db: a failover, no customer impact.
  const auto& db = set.Find("service:db")->plan;
  EXPECT_EQ(db.at("suggested_severity").as_string(), "SEV4");
  EXPECT_THAT(boost::json::serialize(db.at("actions")), HasSubstr("failed over: db-replica"));
  const auto& pay = set.Find("service:payments")->plan;
  // Losing payments fails checkout and web: half the customer-facing services, the storefront
  // among them: a complete outage.
  EXPECT_EQ(pay.at("suggested_severity").as_string(), "SEV0");
  // Losing eu-west-1a halves payments: it overloads, and the plan says to scale it.
  const auto& zone = set.Find("zone:eu-west-1a")->plan;
  auto zs = boost::json::serialize(zone);
  EXPECT_THAT(zs, HasSubstr("Expect payments to overload"));
  EXPECT_THAT(zs, HasSubstr("Scale payments by +"));
  EXPECT_EQ(set.fingerprint(), g.fingerprint());
}

TEST(Fallbacks, DefenseLevelIsTheSuggestedSeveritysAndCapacityRaisesIt) {
  auto r = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
  ASSERT_TRUE(r.config);
  auto g = Graph::FromConfig(*r.config);
  auto set = FallbackSet::Compute(g, r.config->scenarios, FallbackOptions{Thresholds::From(r.config->settings)});
  // The severity table: SEV0 BLACK, SEV1 RED, SEV2 ORANGE, SEV3 YELLOW, SEV4 GREEN, for every plan.
  for (const auto& p : set.plans()) {
    auto sev = model::ParseSeverity(p.plan.at("suggested_severity").as_string());
    ASSERT_TRUE(sev) << p.name;
    EXPECT_EQ(p.plan.at("defense_level").as_string(), model::DefenseLevelName(model::DefenseLevelOf(*sev))) << p.name;
  }
  // Losing eu-west-1c fails nothing customer-facing, but leaves web at 94% of its capacity (RED):
  // past the queueing knee, with replicas to add and traffic to shed, it is a SEV2 (ORANGE), not
  // a SEV4, and the survivors' RED is reported as such.
  const auto& zone = set.Find("zone:eu-west-1c")->plan;
  EXPECT_EQ(zone.at("suggested_severity").as_string(), "SEV2");
  EXPECT_EQ(zone.at("defense_level").as_string(), "ORANGE");
  EXPECT_EQ(zone.at("capacity_level").as_string(), "RED");
  EXPECT_THAT(boost::json::serialize(zone.at("actions")), HasSubstr("Declare SEV2: web at 94%"));
  // A loss that leaves every survivor where it was stays SEV4 GREEN.
  const auto& db = set.Find("service:db")->plan;
  EXPECT_EQ(db.at("suggested_severity").as_string(), "SEV4");
  EXPECT_EQ(db.at("defense_level").as_string(), "GREEN");
}

}  // namespace
}  // namespace firebreak::graph
