#include "correlate/correlator.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "config/loader.h"
#include "core/time.h"
#include "testing/testing.h"

namespace firebreak::correlate {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Kind = Decision::Kind;

// examples/config plus `extra` (YAML) as the last file.
std::shared_ptr<const config::Config> Config(const std::string& extra = "") {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(testing::SourceDir() + "/examples/config"))
    files[e.path().string()] = testing::ReadFile(e.path().string());
  if (!extra.empty()) files["zz-test.yaml"] = extra;
  auto loaded = config::LoadConfigFiles(files);
  EXPECT_TRUE(loaded.config) << (loaded.diagnostics.all().empty() ? "" : loaded.diagnostics.all()[0].ToString());
  return loaded.config;
}

// A grouping rule: NodeDown alerts of one cluster share an incident.
constexpr const char* kNodeDownRule = R"(
grouping_rules:
  - name: node-down
    match: { labels: { alertname: NodeDown } }
    group_by: [cluster]
    window: 30m
)";

// Drives a correlator the way the engine's pipeline does, with incidents numbered in order.
class Harness {
 public:
  explicit Harness(std::shared_ptr<const config::Config> cfg) : c(std::move(cfg)) {}

  struct Result {
    Decision d;
    std::string incident;
  };

  Result Fire(const std::string& key, const std::string& service, model::LabelSet labels = {},
              const std::string& source = "am") {
    return Send(model::AlertEvent::Action::kTrigger, key, service, std::move(labels), source);
  }
  Result Resolve(const std::string& key, const std::string& service = "web", const std::string& source = "am") {
    return Send(model::AlertEvent::Action::kResolve, key, service, {}, source);
  }

  Result Send(model::AlertEvent::Action action, const std::string& key, const std::string& service,
              model::LabelSet labels, const std::string& source) {
    model::AlertEvent e;
    e.action = action;
    e.labels = std::move(labels);
    e.summary = key;
    AlertInput in{&e, key, source, service};
    Result r;
    r.d = c.Decide(in, now);
    r.incident = r.d.incident_id;
    if (r.d.kind == Kind::kNew && r.d.silence_id.empty() && r.incident.empty()) {
      model::Incident inc;
      inc.number = ++incidents;
      inc.id = IncidentId(inc.number);
      inc.services = {service};
      inc.severity = r.d.triage.severity;
      inc.created_at = inc.updated_at = now;
      inc.group_key = r.d.group_key;
      c.TrackIncident(inc, now);
      r.incident = inc.id;
      services[inc.id] = {service};
    }
    c.Apply(in, r.d, ++alert_ids, r.d.silence_id.empty() ? r.incident : "", now);
    // As the pipeline does through AddServices and the observer.
    if (r.d.kind == Kind::kNew && r.d.add_service && !r.d.storm && !r.incident.empty()) {
      services[r.incident].push_back(service);
      c.IncidentServices(r.incident, services[r.incident]);
    }
    return r;
  }

  Correlator c;
  core::TimePoint now = core::FromUnixMillis(1'767'600'000'000);
  int64_t incidents = 0;
  int64_t alert_ids = 0;
  std::map<std::string, std::vector<std::string>> services;
};

TEST(CorrelatorTest, RepeatsOfAnOpenAlertAreDeduplicated) {
  Harness h(Config());
  auto first = h.Fire("k1", "checkout", {{"alertname", "A"}});
  EXPECT_EQ(first.d.kind, Kind::kNew);
  EXPECT_EQ(first.d.join, model::JoinKind::kOpened);
  h.now += seconds(30);
  auto again = h.Fire("k1", "checkout", {{"alertname", "A"}});
  EXPECT_EQ(again.d.kind, Kind::kRepeat);
  EXPECT_EQ(again.d.alert_id, 1);
  EXPECT_EQ(again.incident, "INC-1");
  EXPECT_FALSE(again.d.labels_changed);
  auto resolved = h.Resolve("k1");
  EXPECT_EQ(resolved.d.kind, Kind::kResolve);
  EXPECT_TRUE(resolved.d.last_open);
  EXPECT_EQ(h.Resolve("k1").d.kind, Kind::kIgnore) << "a resolved alert cannot be resolved twice";
  EXPECT_EQ(h.Resolve("never-seen").d.kind, Kind::kIgnore);
}

TEST(CorrelatorTest, AlertsOfOneServiceJoinOneIncidentWithinTheWindow) {
  Harness h(Config());
  h.Fire("a", "checkout");
  h.now += minutes(2);
  auto b = h.Fire("b", "checkout");
  EXPECT_EQ(b.incident, "INC-1");
  EXPECT_EQ(b.d.join, model::JoinKind::kSameService);
  EXPECT_EQ(b.d.join_reason, "same service (checkout)");
  // Both resolve; the incident stays open but quiet; past the window a new alert opens a new one.
  h.Resolve("a");
  h.Resolve("b");
  h.now += minutes(6);
  auto c = h.Fire("c", "checkout");
  EXPECT_EQ(c.d.join, model::JoinKind::kOpened);
  EXPECT_EQ(c.incident, "INC-2");
}

TEST(CorrelatorTest, AnIncidentWithFiringAlertsAcceptsJoinsBeyondTheWindow) {
  Harness h(Config());
  h.Fire("a", "db");
  h.now += minutes(45);
  auto b = h.Fire("b", "db");
  EXPECT_EQ(b.incident, "INC-1") << "the incident still has a firing alert";
}

TEST(CorrelatorTest, DownstreamSymptomsAttachToTheUpstreamIncident) {
  Harness h(Config());
  h.Fire("db-down", "db");
  h.now += seconds(20);
  auto pay = h.Fire("pay-errors", "payments");
  EXPECT_EQ(pay.incident, "INC-1");
  EXPECT_EQ(pay.d.join, model::JoinKind::kDownstream);
  EXPECT_EQ(pay.d.join_reason, "downstream of db (payments depends on db)");
  EXPECT_TRUE(pay.d.add_service);
  // The nearest affected service is named: payments is now in the incident.
  auto checkout = h.Fire("co-errors", "checkout");
  EXPECT_EQ(checkout.incident, "INC-1");
  EXPECT_EQ(checkout.d.join, model::JoinKind::kDownstream);
  EXPECT_EQ(checkout.d.join_reason, "downstream of payments (checkout depends on payments)");
  // Transitive symptoms attach too, with the path.
  Harness h2(Config());
  h2.Fire("db-down", "db");
  auto co = h2.Fire("co-errors", "checkout");
  EXPECT_EQ(co.incident, "INC-1");
  EXPECT_EQ(co.d.join_reason, "downstream of db (checkout -> payments -> db)");
}

TEST(CorrelatorTest, AnUpstreamCauseJoinsTheIncidentOfItsDependents) {
  Harness h(Config());
  h.Fire("checkout-5xx", "checkout");
  auto db = h.Fire("db-down", "db");
  EXPECT_EQ(db.incident, "INC-1");
  EXPECT_EQ(db.d.join, model::JoinKind::kUpstream);
  EXPECT_EQ(db.d.join_reason, "upstream of checkout (checkout -> payments -> db)");
}

TEST(CorrelatorTest, SoftDependenciesLinkDirectNeighboursOnly) {
  Harness h(Config());
  h.Fire("checkout", "checkout");
  // checkout -soft-> notifications -> queue: the path stops at the soft edge.
  auto queue = h.Fire("queue", "queue");
  EXPECT_EQ(queue.d.join, model::JoinKind::kOpened);
  Harness h2(Config());
  h2.Fire("checkout", "checkout");
  auto notif = h2.Fire("notif", "notifications");
  EXPECT_EQ(notif.d.join, model::JoinKind::kUpstream);
  EXPECT_EQ(notif.incident, "INC-1");
  EXPECT_NE(notif.d.join_reason.find("soft dependency"), std::string::npos) << notif.d.join_reason;
}

TEST(CorrelatorTest, UnrelatedServicesOpenSeparateIncidents) {
  Harness h(Config());
  h.Fire("fraud", "fraud");
  auto q = h.Fire("queue", "queue");
  EXPECT_EQ(q.d.join, model::JoinKind::kOpened);
  EXPECT_EQ(q.incident, "INC-2");
}

TEST(CorrelatorTest, GroupingRulesGroupByLabelValues) {
  Harness h(Config(kNodeDownRule));
  auto a = h.Fire("n1", "db", {{"alertname", "NodeDown"}, {"cluster", "eu1"}});
  EXPECT_EQ(a.d.group_key, "rule:node-down:cluster=eu1");
  EXPECT_EQ(a.d.join_reason, "opened: grouping rule 'node-down' (cluster=eu1)");
  auto b = h.Fire("n2", "search", {{"alertname", "NodeDown"}, {"cluster", "eu1"}});
  EXPECT_EQ(b.incident, "INC-1");
  EXPECT_EQ(b.d.join, model::JoinKind::kRule);
  auto c = h.Fire("n3", "db", {{"alertname", "NodeDown"}, {"cluster", "us1"}});
  EXPECT_EQ(c.incident, "INC-2") << "another cluster is another group, even for the same service";
}

TEST(CorrelatorTest, WhatWouldHaveJoinedAMergedIncidentJoinsItsTarget) {
  Harness h(Config(kNodeDownRule));
  h.Fire("n1", "db", {{"alertname", "NodeDown"}, {"cluster", "eu1"}});  // INC-1, by the rule
  h.Fire("q1", "queue");                                                // INC-2
  h.Fire("q2", "queue");
  ASSERT_EQ(h.Fire("f1", "fraud").incident, "INC-3");
  h.c.Commit();
  const size_t mark = h.c.Mark();

  // INC-1 and INC-2 are merged into INC-3; the engine then resolves them and adds their services.
  h.c.MergeIncident("INC-1", "INC-3", h.now);
  h.c.MergeIncident("INC-2", "INC-3", h.now);
  h.c.IncidentState("INC-1", model::IncidentState::kResolved, h.now);
  h.c.IncidentState("INC-2", model::IncidentState::kResolved, h.now);
  EXPECT_EQ(h.c.OpenAlerts("INC-3"), 4);
  EXPECT_EQ(h.c.OpenAlerts("INC-1"), 0);
  EXPECT_EQ(h.c.OpenAlerts("INC-2"), 0);

  // Episodes now belong to the target: a resolution counts there.
  auto r = h.Resolve("q1", "queue");
  EXPECT_EQ(r.d.incident_id, "INC-3");
  EXPECT_FALSE(r.d.last_open);
  EXPECT_EQ(h.c.OpenAlerts("INC-3"), 3);
  // The key fires again: back to the incident it now belongs to, not the resolved INC-2.
  h.now += minutes(1);
  auto again = h.Fire("q1", "queue");
  EXPECT_EQ(again.incident, "INC-3");
  EXPECT_EQ(again.d.join, model::JoinKind::kSameKey);
  EXPECT_FALSE(again.d.reopen);
  // The grouping rule's group of INC-1 leads to INC-3.
  auto n2 = h.Fire("n2", "search", {{"alertname", "NodeDown"}, {"cluster", "eu1"}});
  EXPECT_EQ(n2.incident, "INC-3");
  EXPECT_EQ(n2.d.join, model::JoinKind::kRule);
  // A merged incident accepts nothing itself, even while it could be reopened by a resolved
  // incident's window: a new queue alert does not reopen INC-2.
  auto q3 = h.Fire("q3", "queue");
  EXPECT_NE(q3.incident, "INC-2");
  EXPECT_FALSE(q3.d.reopen);

  // A chain: INC-3 merged on into INC-4; INC-1's group now leads there.
  ASSERT_EQ(h.Fire("a1", "auth").incident, "INC-4");
  h.c.MergeIncident("INC-3", "INC-4", h.now);
  h.c.IncidentState("INC-3", model::IncidentState::kResolved, h.now);
  auto n4 = h.Fire("n4", "search", {{"alertname", "NodeDown"}, {"cluster", "eu1"}});
  EXPECT_EQ(n4.incident, "INC-4");
  EXPECT_EQ(n4.d.join, model::JoinKind::kRule);

  // All of it is journaled.
  h.c.RollbackTo(mark);
  EXPECT_EQ(h.c.OpenAlerts("INC-2"), 2);
  EXPECT_EQ(h.c.OpenAlerts("INC-3"), 1);
  EXPECT_EQ(h.Resolve("q1", "queue").d.incident_id, "INC-2");
}

TEST(CorrelatorTest, SeverityRulesMatchLabelsTierAndCustomerFacing) {
  Harness h(Config());
  // critical-customer-facing (checkout is customer facing) beats critical.
  auto t = h.c.Evaluate({{"severity", "critical"}}, {}, "checkout", 1);
  EXPECT_EQ(t.severity, model::Severity::kSev1);
  EXPECT_EQ(t.rule, "critical-customer-facing");
  t = h.c.Evaluate({{"severity", "critical"}}, {}, "db", 1);
  EXPECT_EQ(t.severity, model::Severity::kSev2);
  t = h.c.Evaluate({{"severity", "warn"}}, {}, "db", 1);
  EXPECT_EQ(t.rule, "warning") << "regex ~warn(ing)? matches the whole value";
  t = h.c.Evaluate({{"severity", "warnings-galore"}}, {}, "db", 1);
  EXPECT_EQ(t.rule, "") << "a regex must match the whole value";
  EXPECT_EQ(t.severity, model::Severity::kSev3);
  t = h.c.Evaluate({{"data_loss", "true"}, {"severity", "info"}}, {}, "db", 1);
  EXPECT_EQ(t.severity, model::Severity::kSev0);
  EXPECT_EQ(t.flags, std::vector<std::string>{"data_loss"});
}

TEST(CorrelatorTest, SeverityRulesCanCountAffectedServicesAndMatchAnnotations) {
  Harness h(Config(R"(
severity_rules:
  - name: wide
    match: { min_affected_services: 3 }
    severity: SEV1
  - name: runbook-says-page
    match: { annotations: { page: "yes" } }
    severity: SEV2
)"));
  // Example rules come first (files load in name order), so use labels they do not match.
  EXPECT_EQ(h.c.Evaluate({}, {}, "db", 2).rule, "");
  EXPECT_EQ(h.c.Evaluate({}, {}, "db", 3).rule, "wide");
  EXPECT_EQ(h.c.Evaluate({}, {{"page", "yes"}}, "db", 1).rule, "runbook-says-page");
}

TEST(CorrelatorTest, AWorseAlertJoiningRaisesTheIncidentsSeverity) {
  Harness h(Config());
  h.Fire("warn", "checkout", {{"severity", "warning"}});
  auto crit = h.Fire("crit", "checkout", {{"severity", "critical"}});
  EXPECT_EQ(crit.d.triage.severity, model::Severity::kSev1);
  EXPECT_TRUE(crit.d.raise_severity);
  h.c.IncidentSeverity("INC-1", model::Severity::kSev1);
  auto info = h.Fire("info", "checkout", {{"severity", "info"}});
  EXPECT_FALSE(info.d.raise_severity) << "never lowered";
}

TEST(CorrelatorTest, StormModeCollapsesNewAlertsIntoOneStormIncident) {
  Harness h(Config(R"(
settings:
  storm: { burst: 3, rate: 0.01 }
grouping_rules:
  - name: per-instance
    match: { labels: { alertname: NodeDown } }
    group_by: [instance]
)"));
  std::vector<Harness::Result> rs;
  for (int i = 0; i < 8; ++i)
    rs.push_back(h.Fire("node-" + std::to_string(i), "db", {{"alertname", "NodeDown"}, {"instance", std::to_string(i)}}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rs[i].d.join, model::JoinKind::kOpened) << i;
  EXPECT_TRUE(rs[3].d.storm_started);
  EXPECT_EQ(rs[3].d.group_key, "storm:am");
  EXPECT_EQ(rs[3].incident, "INC-4");
  for (int i = 4; i < 8; ++i) {
    EXPECT_EQ(rs[i].d.join, model::JoinKind::kStorm) << i;
    EXPECT_EQ(rs[i].incident, "INC-4") << i;
    EXPECT_FALSE(rs[i].d.storm_started);
  }
  EXPECT_EQ(h.incidents, 4);
  EXPECT_TRUE(h.c.Storming("am"));
  EXPECT_FALSE(h.c.Storming("pd")) << "buckets are per source";
  // Repeats cost nothing.
  EXPECT_EQ(h.Fire("node-0", "db", {{"alertname", "NodeDown"}, {"instance", "0"}}).d.kind, Kind::kRepeat);
  // Tokens refill at the configured rate.
  EXPECT_LT(h.c.Tokens("am", h.now), 1.0);
  h.now += seconds(200);
  EXPECT_NEAR(h.c.Tokens("am", h.now), 2.0, 0.01);
  h.c.EndStorm("am");
  EXPECT_FALSE(h.c.Storming("am"));
}

TEST(CorrelatorTest, AFlappingAlertGoesBackToItsIncidentWithoutReopening) {
  Harness h(Config(R"(
settings:
  flapping: { changes: 4, window: 30m }
)"));
  h.Fire("k", "db");
  h.now += minutes(1);
  h.Resolve("k", "db");
  h.c.IncidentState("INC-1", model::IncidentState::kMitigated, h.now);
  h.now += minutes(1);
  auto refire = h.Fire("k", "db");
  EXPECT_EQ(refire.d.join, model::JoinKind::kSameKey);
  EXPECT_TRUE(refire.d.reopen) << "3 changes: not flapping yet";
  EXPECT_FALSE(refire.d.flapping);
  h.c.IncidentState("INC-1", model::IncidentState::kTriggered, h.now);
  h.now += minutes(1);
  auto res = h.Resolve("k", "db");
  EXPECT_TRUE(res.d.became_flapping);
  h.c.IncidentState("INC-1", model::IncidentState::kMitigated, h.now);
  h.now += minutes(1);
  auto again = h.Fire("k", "db");
  EXPECT_TRUE(again.d.flapping);
  EXPECT_EQ(again.incident, "INC-1");
  EXPECT_FALSE(again.d.reopen) << "a flapping alert does not re-page";
  // Quiet for longer than the window: no longer flapping.
  h.Resolve("k", "db");
  h.now += minutes(40);
  auto later = h.Fire("k", "db");
  EXPECT_FALSE(later.d.flapping);
}

TEST(CorrelatorTest, SilencedAlertsAreRecordedWithoutAnIncident) {
  Harness h(Config());
  model::Silence s;
  s.id = "SIL-1";
  s.matchers = {{"service", model::Matcher::Op::kEqual, "db"}, {"alertname", model::Matcher::Op::kRegex, "Disk.*"}};
  s.starts_at = h.now;
  s.ends_at = h.now + minutes(60);
  ASSERT_TRUE(h.c.AddSilence(s));
  auto a = h.Fire("disk", "db", {{"alertname", "DiskFull"}});
  EXPECT_EQ(a.d.silence_id, "SIL-1");
  EXPECT_EQ(a.d.join, model::JoinKind::kSilenced);
  EXPECT_EQ(h.incidents, 0);
  auto other = h.Fire("cpu", "db", {{"alertname", "CPUHigh"}});
  EXPECT_TRUE(other.d.silence_id.empty());
  ASSERT_EQ(h.c.SilencedBy("SIL-1").size(), 1u);
  EXPECT_EQ(h.c.SilencedBy("SIL-1")[0].first, "disk");
  // When the silence ends, the still-firing alert is placed like a new one.
  h.c.RemoveSilence("SIL-1");
  model::AlertEvent e;
  e.labels = {{"alertname", "DiskFull"}};
  auto d = h.c.Redecide(AlertInput{&e, "disk", "am", "db"}, h.now);
  EXPECT_EQ(d.kind, Kind::kNew);
  EXPECT_EQ(d.incident_id, "INC-1");
  EXPECT_EQ(d.join, model::JoinKind::kSameService);
  // A bad regex is refused with the matcher named.
  s.id = "SIL-2";
  s.matchers = {{"alertname", model::Matcher::Op::kRegex, "("}};
  auto bad = h.c.AddSilence(s);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "matchers[0]");
}

TEST(CorrelatorTest, PendingSilencesStartLater) {
  Harness h(Config());
  model::Silence s;
  s.id = "SIL-1";
  s.matchers = {{"service", model::Matcher::Op::kEqual, "db"}};
  s.starts_at = h.now + minutes(10);
  s.ends_at = h.now + minutes(20);
  ASSERT_TRUE(h.c.AddSilence(s));
  EXPECT_TRUE(h.Fire("a", "db").d.silence_id.empty());
  h.now += minutes(10);
  EXPECT_EQ(h.Fire("b", "db").d.silence_id, "SIL-1");
  h.now += minutes(10);
  EXPECT_TRUE(h.Fire("c", "db").d.silence_id.empty());
}

TEST(CorrelatorTest, RollbackRestoresEverythingAfterTheMark) {
  Harness h(Config());
  h.Fire("a", "db");
  h.c.Commit();
  auto before = h.c.Stats();
  size_t mark = h.c.Mark();
  h.Fire("b", "db");
  h.Fire("c", "fraud");
  h.Resolve("a", "db");
  EXPECT_NE(h.c.Stats().open_alerts, before.open_alerts);
  h.c.RollbackTo(mark);
  auto after = h.c.Stats();
  EXPECT_EQ(after.alerts, before.alerts);
  EXPECT_EQ(after.open_alerts, before.open_alerts);
  EXPECT_EQ(after.incidents, before.incidents);
  EXPECT_EQ(h.c.OpenAlerts("INC-1"), 1);
  EXPECT_EQ(h.Fire("a", "db").d.kind, Kind::kRepeat) << "a is open again";
}

TEST(CorrelatorTest, PruneForgetsOldResolvedEpisodesOnlyBetweenBatches) {
  Harness h(Config());
  h.Fire("a", "db");
  h.Resolve("a", "db");
  h.Fire("b", "db");
  h.c.Commit();
  ASSERT_EQ(h.c.Stats().alerts, 2u);
  // Past the flap and correlation windows the resolved episode is dropped; the open one stays.
  h.now += minutes(31);
  h.Fire("c", "web");  // a journal entry not yet committed
  h.c.Prune(h.now);
  EXPECT_EQ(h.c.Stats().alerts, 3u) << "with a live journal Prune must wait";
  h.c.Commit();
  h.c.Prune(h.now);
  EXPECT_EQ(h.c.Stats().alerts, 2u);
  EXPECT_EQ(h.c.Stats().open_alerts, 2u);
  // The pruned key fires as a new episode; a rollback of that insert leaves the index as it was.
  size_t mark = h.c.Mark();
  EXPECT_EQ(h.Fire("a", "db").d.kind, Kind::kNew);
  h.c.RollbackTo(mark);
  EXPECT_EQ(h.c.Stats().alerts, 2u);
  EXPECT_EQ(h.Fire("b", "db").d.kind, Kind::kRepeat);
}

// Property: any sequence of events followed by a rollback to a mark leaves decisions exactly as
// they were at the mark.
RC_GTEST_PROP(CorrelatorProps, RollbackIsExact, ()) {
  static auto cfg = Config("settings:\n  storm: { burst: 4, rate: 0.5 }\n");
  Harness h(cfg);
  const std::vector<std::string> services = {"db", "payments", "checkout", "web", "queue", "fraud", "search"};
  auto step = [&](int op, int key, int svc) {
    std::string k = "k" + std::to_string(key);
    if (op == 0) h.Resolve(k, services[svc]);
    else h.Fire(k, services[svc], {{"severity", op == 1 ? "critical" : "warning"}});
    h.now += seconds(7);
  };
  auto prefix = *rc::gen::container<std::vector<std::tuple<int, int, int>>>(
      rc::gen::tuple(rc::gen::inRange(0, 3), rc::gen::inRange(0, 6), rc::gen::inRange(0, 7)));
  for (auto [op, key, svc] : prefix) step(op, key, svc);
  h.c.Commit();
  size_t mark = h.c.Mark();
  auto probe = [&] {
    std::vector<std::string> out;
    for (int key = 0; key < 6; ++key)
      for (int svc = 0; svc < 7; ++svc) {
        model::AlertEvent e;
        e.labels = {{"severity", "critical"}};
        auto d = h.c.Decide(AlertInput{&e, "k" + std::to_string(key), "am", services[svc]}, h.now);
        out.push_back(std::string(KindName(d.kind)) + d.incident_id + d.join_reason + (d.storm ? "S" : ""));
      }
    return out;
  };
  auto expected = probe();
  auto stats = h.c.Stats();
  int64_t incidents = h.incidents;
  auto suffix = *rc::gen::container<std::vector<std::tuple<int, int, int>>>(
      rc::gen::tuple(rc::gen::inRange(0, 3), rc::gen::inRange(0, 6), rc::gen::inRange(0, 7)));
  auto now = h.now;
  for (auto [op, key, svc] : suffix) step(op, key, svc);
  h.c.RollbackTo(mark);
  h.now = now;
  // Incidents tracked after the mark are gone with the rollback; numbering would restart there.
  h.incidents = incidents;
  RC_ASSERT(probe() == expected);
  RC_ASSERT(h.c.Stats().alerts == stats.alerts);
  RC_ASSERT(h.c.Stats().open_alerts == stats.open_alerts);
}

// Property: the flat key index behaves like a std::map under any mix of puts, erases and finds,
// including keys longer than its inline size and heavy churn (tombstones, rehashes).
RC_GTEST_PROP(KeyIndexProps, BehavesLikeAMap, ()) {
  KeyIndex<int> idx;
  std::map<std::string, int> ref;
  auto ops = *rc::gen::container<std::vector<std::tuple<int, int, bool>>>(
      rc::gen::tuple(rc::gen::inRange(0, 3), rc::gen::inRange(0, 300), rc::gen::arbitrary<bool>()));
  for (auto [op, k, longkey] : ops) {
    std::string key = (longkey ? std::string(60, 'k') : std::string("am:scope:")) + std::to_string(k);
    if (op == 0) {
      idx.Put(key, k);
      ref[key] = k;
    } else if (op == 1 && k % 2 == 0) {
      RC_ASSERT(idx.Erase(key) == (ref.erase(key) == 1));
    } else if (op == 1) {
      // By node id, as the correlator's journal undoes an insert.
      uint32_t id = idx.FindId(key);
      RC_ASSERT((id != KeyIndex<int>::kNone) == (ref.count(key) == 1));
      if (id != KeyIndex<int>::kNone) {
        RC_ASSERT(idx.At(id) == ref[key]);
        idx.EraseId(id);
        ref.erase(key);
      }
    } else {
      const int* v = idx.Find(key);
      auto it = ref.find(key);
      RC_ASSERT((v != nullptr) == (it != ref.end()));
      if (v) RC_ASSERT(*v == it->second);
    }
  }
  RC_ASSERT(idx.size() == ref.size());
  std::map<std::string, int> seen;
  idx.ForEach([&](std::string_view k, const int& v) { seen[std::string(k)] = v; });
  RC_ASSERT(seen == ref);
}

}  // namespace
}  // namespace firebreak::correlate
