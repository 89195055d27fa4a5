#include "graph/contingency.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <random>

#include "config/loader.h"
#include "graph/test_util.h"
#include "testing/testing.h"

namespace firebreak::graph {
namespace {

using ::testing::ElementsAre;
using testutil::Spec;

std::vector<std::string> Ids(const Graph& g, const std::vector<int>& v) {
  std::vector<std::string> out;
  for (int x : v) out.push_back(g.node(x).id);
  std::sort(out.begin(), out.end());
  return out;
}

std::string PairKey(const Graph& g, ElementRef a, ElementRef b) {
  auto x = ElementName(g, a), y = ElementName(g, b);
  if (y < x) std::swap(x, y);
  return x + "+" + y;
}

TEST(Contingency, FatalSinglesAndSynergisticPairs) {
  Spec s;
  s.Add("web", {"api", "auth"}, {}, true, 1);
  s.Add("admin", {"auth"}, {}, false, 3);
  s.Add("api", {"db-a"}, {}, false, 1);
  s.Add("auth", {}, {}, false, 1);
  s.Add("db-a", {"disk-a"}, {}, false, 0);
  s.Add("db-b", {"disk-b"}, {}, false, 0);
  s.Add("disk-a", {}, {}, false, 0);
  s.Add("disk-b", {}, {}, false, 0);
  s.Group("db", {"db-a", "db-b"}, 1, true);
  auto g = s.Build();
  ContingencyOptions opt;
  opt.zones = false;
  auto r = RunContingency(g, opt);
  std::vector<std::string> fatal;
  for (const auto& x : r.fatal_singles) fatal.push_back(ElementName(g, x.element));
  // web itself, api and auth are fatal alone; the database pair and its disks are not.
  EXPECT_THAT(fatal, ::testing::UnorderedElementsAre("web", "api", "auth", "group:db"));
  // Pairs: every way of taking out both sides of the db group: {db-a or disk-a} x {db-b or disk-b}.
  std::set<std::string> pairs;
  for (const auto& p : r.fatal_pairs) {
    pairs.insert(PairKey(g, p.a, p.b));
    EXPECT_EQ(Ids(g, p.new_failed_cf), std::vector<std::string>{"web"});
  }
  EXPECT_EQ(pairs, (std::set<std::string>{"db-a+db-b", "db-a+disk-b", "db-b+disk-a", "disk-a+disk-b"}));
  EXPECT_EQ(r.elements, 9u);
  EXPECT_EQ(r.pairs_total, 36u);
  // Only pairs that bring the group down were propagated.
  EXPECT_EQ(r.pairs_evaluated, 4u);
  // 36 pairs minus the C(5, 2) = 10 made of non-fatal elements.
  EXPECT_EQ(r.pairs_with_fatal_single, 26u);
}

TEST(Contingency, ZonePairsTakeOutServicesSpreadOverBoth) {
  Spec s;
  s.Add("web", {"api"}, {}, true, 1);
  s.Add("api");
  s.Capacity("web", 100, 3, 10, {"a", "b", "c"});
  s.Capacity("api", 100, 2, 10, {"a", "b"});
  auto g = s.Build();
  auto r = RunContingency(g);
  std::set<std::string> singles;
  for (const auto& x : r.fatal_singles) singles.insert(ElementName(g, x.element));
  EXPECT_EQ(singles, (std::set<std::string>{"web", "api"}));  // no single zone is fatal
  std::set<std::string> pairs;
  for (const auto& p : r.fatal_pairs) pairs.insert(PairKey(g, p.a, p.b));
  EXPECT_EQ(pairs, (std::set<std::string>{"zone:a+zone:b"}));
}

TEST(Contingency, TheExampleConfig) {
  auto cfg = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
  ASSERT_TRUE(cfg.config);
  auto g = Graph::FromConfig(*cfg.config);
  auto r = RunContingency(g);
  std::set<std::string> fatal;
  for (const auto& x : r.fatal_singles) fatal.insert(ElementName(g, x.element));
  EXPECT_TRUE(fatal.count("payments"));
  EXPECT_TRUE(fatal.count("cache"));
  EXPECT_FALSE(fatal.count("db"));  // failover to db-replica
  EXPECT_FALSE(fatal.count("recommendations"));  // soft: degrades web only
  bool db_pair = false;
  for (const auto& p : r.fatal_pairs) db_pair |= PairKey(g, p.a, p.b) == "db+db-replica";
  EXPECT_TRUE(db_pair);
}

// Brute force: every single element and every pair propagated from scratch with the fixpoint of
// test_util.h; the report must list exactly the fatal singles and the pairs that fail a
// customer-facing service neither element fails alone.
RC_GTEST_PROP(ContingencyProperty, N1AndN2MatchBruteForceOnRandomGraphs, ()) {
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  auto spec = testutil::RandomSpec(seed, *rc::gen::inRange(1, 14), 3);
  auto g = spec.Build();
  auto r = RunContingency(g);
  struct El {
    std::string name;
    std::set<std::string> s, z, gr;
  };
  std::vector<El> els;
  for (int v = 0; v < g.size(); ++v) els.push_back({g.node(v).id, {g.node(v).id}, {}, {}});
  for (const auto& z : g.zones()) els.push_back({"zone:" + z, {}, {z}, {}});
  for (const auto& gr : g.groups()) els.push_back({"group:" + gr.id, {}, {}, {gr.id}});
  auto cf_failed = [&](const El& a, const El* b) {
    auto s = a.s, z = a.z, gr = a.gr;
    if (b) {
      s.insert(b->s.begin(), b->s.end());
      z.insert(b->z.begin(), b->z.end());
      gr.insert(b->gr.begin(), b->gr.end());
    }
    auto st = testutil::BruteFailures(spec, s, z, gr);
    std::set<std::string> out;
    for (int v = 0; v < g.size(); ++v)
      if (st.failed[v] && g.node(v).customer_facing) out.insert(g.node(v).id);
    return out;
  };
  std::vector<std::set<std::string>> single(els.size());
  std::map<std::string, std::set<std::string>> want_singles;
  for (size_t i = 0; i < els.size(); ++i) {
    single[i] = cf_failed(els[i], nullptr);
    if (!single[i].empty()) want_singles[els[i].name] = single[i];
  }
  std::map<std::string, std::set<std::string>> got_singles;
  for (const auto& x : r.fatal_singles) {
    auto ids = Ids(g, x.failed_cf);
    got_singles[ElementName(g, x.element)] = std::set<std::string>(ids.begin(), ids.end());
  }
  RC_ASSERT(got_singles == want_singles);
  RC_ASSERT(r.fatal_singles_total == want_singles.size());

  std::map<std::string, std::set<std::string>> want_pairs;
  for (size_t i = 0; i < els.size(); ++i)
    for (size_t j = i + 1; j < els.size(); ++j) {
      auto joint = cf_failed(els[i], &els[j]);
      std::set<std::string> fresh;
      for (const auto& c : joint)
        if (!single[i].count(c) && !single[j].count(c)) fresh.insert(c);
      if (fresh.empty()) continue;
      auto x = els[i].name, y = els[j].name;
      if (y < x) std::swap(x, y);
      want_pairs[x + "+" + y] = fresh;
    }
  std::map<std::string, std::set<std::string>> got_pairs;
  for (const auto& p : r.fatal_pairs) {
    auto ids = Ids(g, p.new_failed_cf);
    got_pairs[PairKey(g, p.a, p.b)] = std::set<std::string>(ids.begin(), ids.end());
  }
  RC_ASSERT(got_pairs == want_pairs);
  RC_ASSERT(r.pairs_total == els.size() * (els.size() - 1) / 2);
  RC_ASSERT(r.pairs_evaluated <= r.pairs_total);
}

// N-1 over services is computed by a walk that stops at group members and hands losses that take
// a group down to the full propagation. Every reported field (failed customer-facing services,
// total, worst tier, lost load — compared exactly, the sum must be in the same order) and the
// ranking must equal what one propagation per element (EvaluateLoss) gives, with and without a
// limit, with and without N-2, on graphs with cycles, groups (min_healthy up to the group size,
// so single losses do take groups down) and zones.
RC_GTEST_PROP(ContingencyProperty, N1FieldsAndRankingMatchOnePropagationPerElement, ()) {
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  const int max_n = *rc::gen::element(6, 14, 40);
  auto spec = testutil::RandomSpec(seed, max_n, 3);
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
  for (auto& svc : spec.services) {
    // Loads that do not add up exactly in every order, and ties on every other ranking key.
    svc.capacity.load_rps = std::uniform_int_distribution<int>(0, 3)(rng) == 0
                                ? 100.0
                                : std::uniform_real_distribution<double>(0.1, 1000.0)(rng);
    svc.tier = std::uniform_int_distribution<int>(0, 4)(rng);
  }
  auto g = spec.Build();
  ContingencyOptions opt;
  opt.pairs = *rc::gen::arbitrary<bool>();
  opt.limit = *rc::gen::element<size_t>(0, 1, 3);
  auto r = RunContingency(g, opt);

  std::vector<ElementRef> elems;
  for (int v = 0; v < g.size(); ++v) elems.push_back({ElementRef::Kind::kService, v});
  for (int z = 0; z < static_cast<int>(g.zones().size()); ++z) elems.push_back({ElementRef::Kind::kZone, z});
  for (int gi = 0; gi < static_cast<int>(g.groups().size()); ++gi) elems.push_back({ElementRef::Kind::kGroup, gi});
  std::vector<SingleOutcome> want;
  for (const auto& e : elems) {
    auto o = EvaluateLoss(g, {e});
    if (!o.failed_cf.empty()) want.push_back(o);
  }
  auto tier_key = [](int t) { return t < 0 ? 1000 : t; };
  std::sort(want.begin(), want.end(), [&](const SingleOutcome& a, const SingleOutcome& b) {
    if (a.failed_cf.size() != b.failed_cf.size()) return a.failed_cf.size() > b.failed_cf.size();
    if (tier_key(a.worst_tier) != tier_key(b.worst_tier)) return tier_key(a.worst_tier) < tier_key(b.worst_tier);
    if (a.cf_load_lost != b.cf_load_lost) return a.cf_load_lost > b.cf_load_lost;
    if (a.failed_total != b.failed_total) return a.failed_total > b.failed_total;
    return ElementName(g, a.element) < ElementName(g, b.element);
  });
  RC_ASSERT(r.fatal_singles_total == want.size());
  if (opt.limit && want.size() > opt.limit) want.resize(opt.limit);
  RC_ASSERT(r.fatal_singles.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const auto &got = r.fatal_singles[i], &w = want[i];
    RC_ASSERT(got.element == w.element);
    RC_ASSERT(got.failed_cf == w.failed_cf);
    RC_ASSERT(got.failed_total == w.failed_total);
    RC_ASSERT(got.worst_tier == w.worst_tier);
    RC_ASSERT(got.cf_load_lost == w.cf_load_lost);  // exact: same summation order
  }
}

TEST(Contingency, SingleLossThatTakesAGroupDownFailsItsCallers) {
  // min_healthy 2 of 2: losing either member loses the group, so the walk must not stop at the
  // member; with min_healthy 1 of 2 the failure stops there.
  for (int min_healthy : {1, 2}) {
    Spec s;
    s.Add("web", {"api"}, {}, true, 1);
    s.Add("api", {"db-a"}, {}, false, 2);
    s.Add("db-a", {"disk"}, {}, false, 0);
    s.Add("db-b", {}, {}, false, 0);
    s.Add("disk", {}, {}, false, 3);
    s.Group("db", {"db-a", "db-b"}, min_healthy, true);
    auto g = s.Build();
    ContingencyOptions opt;
    opt.zones = false;
    auto r = RunContingency(g, opt);
    std::map<std::string, int> total;
    for (const auto& x : r.fatal_singles) total[ElementName(g, x.element)] = x.failed_total;
    if (min_healthy == 1) {
      EXPECT_EQ(total, (std::map<std::string, int>{{"web", 1}, {"api", 2}, {"group:db", 4}}));
    } else {
      // disk -> db-a -> group lost (db-b too) -> api -> web.
      EXPECT_EQ(total, (std::map<std::string, int>{
                           {"web", 1}, {"api", 2}, {"db-a", 4}, {"db-b", 4}, {"disk", 5}, {"group:db", 4}}));
    }
  }
}

TEST(Contingency, RankingPutsTheWorstFirstAndLimitCuts) {
  Spec s;
  s.Add("a", {}, {}, true, 1);
  s.Add("b", {}, {}, true, 3);
  s.Add("both", {"a", "b"}, {}, true, 2);
  s.Add("core", {}, {}, false, 0);
  s.Get("a").dependencies.push_back({"core", model::DependencyKind::kHard, 1.0, std::nullopt, {}});
  s.Get("b").dependencies.push_back({"core", model::DependencyKind::kHard, 1.0, std::nullopt, {}});
  auto g = s.Build();
  ContingencyOptions opt;
  opt.limit = 2;
  auto r = RunContingency(g, opt);
  ASSERT_EQ(r.fatal_singles.size(), 2u);
  EXPECT_EQ(r.fatal_singles_total, 4u);
  EXPECT_EQ(ElementName(g, r.fatal_singles[0].element), "core");  // fails all three
  EXPECT_EQ(r.fatal_singles[0].failed_cf.size(), 3u);
  EXPECT_EQ(ElementName(g, r.fatal_singles[1].element), "a");  // fails two, tier 1 before b's tier 3
}

}  // namespace
}  // namespace firebreak::graph

namespace firebreak::graph {
namespace {

TEST(Contingency, CapacityAwareN1AddsWhatOverloadsMakeFatal) {
  Spec s;
  s.Add("web", {"pay"}, {}, true, 1);
  s.Add("pay", {}, {}, false, 0);
  s.Capacity("web", 100, 4, 150, {"a", "b"});
  s.Capacity("pay", 100, 4, 250, {"a", "b"});
  auto g = s.Build();
  ContingencyOptions opt;
  opt.cascade = true;
  auto r = RunContingency(g, opt);
  // Structurally a zone loss is harmless; with load, pay overloads on half its replicas.
  for (const auto& x : r.fatal_singles) EXPECT_NE(x.element.kind, ElementRef::Kind::kZone);
  ASSERT_EQ(r.cascade_fatal.size(), 2u);
  std::set<std::string> names;
  for (const auto& x : r.cascade_fatal) {
    names.insert(ElementName(g, x.element));
    EXPECT_EQ(Ids(g, x.failed_cf), std::vector<std::string>{"web"});
  }
  EXPECT_EQ(names, (std::set<std::string>{"zone:a", "zone:b"}));
}

}  // namespace
}  // namespace firebreak::graph
