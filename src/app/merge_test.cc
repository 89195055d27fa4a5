// Merging incidents through the app: what moves, what the merged incident becomes, what is
// refused, and that it holds after a restart. And the other way alerts leave an incident: late
// inhibition, when the alert that explains them comes moments after them.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "app/example_app_test.h"
#include "core/clock.h"
#include "core/time.h"
#include "testing/testing.h"

namespace firebreak::app {
namespace {

model::Principal Who(const std::string& person, unsigned scopes = model::kScopeRead | model::kScopeWrite) {
  model::Principal p;
  p.actor = model::Actor::Person(person);
  p.person = person;
  p.scopes = scopes;
  return p;
}

class MergeTest : public ExampleAppTest {
 protected:
  std::string Send(model::AlertEvent::Action action, const std::string& dedup, const std::string& service,
                   model::LabelSet labels = {{"severity", "warning"}}) {
    return ExampleAppTest::Send(action, dedup, service, std::move(labels), dedup + " on " + service);
  }
  std::string Fire(const std::string& dedup, const std::string& service,
                   model::LabelSet labels = {{"severity", "warning"}}) {
    return Send(model::AlertEvent::Action::kTrigger, dedup, service, std::move(labels));
  }

  Result<model::Incident> Merge(const std::string& into, std::vector<std::string> from, const std::string& note = "",
                                const model::Principal& who = Who("alice")) {
    MergeRequest req{std::move(from), note};
    return Wait<model::Incident>([&](auto cb) { app_->Merge(who, into, req, std::move(cb)); });
  }
  model::Incident Get(const std::string& id) {
    auto inc = app_->GetIncident(Who("alice"), id);
    EXPECT_TRUE(inc) << inc.error().ToString();
    return inc ? *inc : model::Incident{};
  }
  std::vector<std::string> Kinds(const std::string& id) {
    auto entries = app_->Timeline(Who("alice"), id);
    EXPECT_TRUE(entries);
    std::vector<std::string> out;
    for (const auto& e : entries.value_or(std::vector<model::TimelineEntry>{})) out.push_back(e.kind);
    return out;
  }
  std::string Text(const std::string& id, const std::string& kind) {
    auto entries = app_->Timeline(Who("alice"), id);
    for (const auto& e : entries.value_or(std::vector<model::TimelineEntry>{}))
      if (e.kind == kind) return e.text;
    return "";
  }
};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_F(MergeTest, TheTargetTakesOnTheMergedIncidentsAlertsAndWhatItKnew) {
  // Two incidents for what a responder sees is one problem: queue and fraud are not linked in the
  // dependency graph, so correlation kept them apart.
  const std::string target = Fire("q1", "queue");
  const std::string source = Fire("f1", "fraud", {{"severity", "critical"}});
  ASSERT_NE(target, source);
  ASSERT_EQ(Fire("f2", "fraud", {{"severity", "warning"}, {"data_loss", "true"}}), source);
  auto role = Wait<model::Incident>([&](auto cb) {
    app_->AssignRole(Who("alice"), source, RoleRequest{"incident_commander", "bob"}, std::move(cb));
  });
  ASSERT_TRUE(role) << role.error().ToString();
  const auto src_before = Get(source);
  ASSERT_EQ(src_before.severity, model::Severity::kSev0);
  ASSERT_EQ(Get(target).severity, model::Severity::kSev3);

  clock_.Advance(std::chrono::minutes(1));
  auto merged = Merge(target, {source}, "one bad deploy");
  ASSERT_TRUE(merged) << merged.error().ToString();
  EXPECT_EQ(merged->id, target);
  EXPECT_EQ(merged->services, (std::vector<std::string>{"fraud", "queue"}));
  EXPECT_EQ(merged->severity, model::Severity::kSev0) << "the worse severity wins";
  EXPECT_TRUE(Contains(merged->flags, "data_loss"));
  EXPECT_EQ(merged->roles["incident_commander"], "bob") << "an unfilled role is taken over";
  EXPECT_EQ(merged->alert_count, 3);
  EXPECT_EQ(merged->open_alerts, 3);
  EXPECT_TRUE(merged->merged_into.empty());

  auto src = Get(source);
  EXPECT_EQ(src.state, model::IncidentState::kResolved);
  EXPECT_EQ(src.merged_into, target);
  EXPECT_EQ(src.resolved_by, "person:alice");
  EXPECT_NE(src.resolution_note.find("merged into " + target), std::string::npos) << src.resolution_note;
  EXPECT_EQ(src.alert_count, 0);
  EXPECT_EQ(src.open_alerts, 0);

  auto alerts = app_->IncidentAlerts(Who("alice"), target);
  ASSERT_TRUE(alerts);
  EXPECT_EQ(alerts->size(), 3u);
  auto none = app_->IncidentAlerts(Who("alice"), source);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  EXPECT_TRUE(Contains(Kinds(target), "merged"));
  EXPECT_NE(Text(target, "merged").find(source), std::string::npos);
  EXPECT_NE(Text(target, "merged").find("one bad deploy"), std::string::npos);
  EXPECT_NE(Text(target, "severity").find(source + " merged in"), std::string::npos) << Text(target, "severity");
  EXPECT_TRUE(Contains(Kinds(source), "merged"));
  EXPECT_TRUE(Contains(Kinds(source), "resolved"));
  store::AuditFilter f;
  f.action_prefix = "incident.merge";
  auto audit = app_->Audit(Who("alice"), f);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().target, "incident:" + target);
  EXPECT_EQ(audit->front().actor, "person:alice");

  // What would have joined the merged incident joins the target: a new fraud alert, and a
  // repeat of one of its keys.
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(Fire("f3", "fraud"), target);
  EXPECT_EQ(Fire("f1", "fraud", {{"severity", "critical"}}), target);
  // The merged incident stays resolved: it cannot be reopened.
  auto reopen = Wait<model::Incident>([&](auto cb) {
    app_->Transition(Who("alice"), source, model::Transition::kReopen, TransitionRequest{}, std::move(cb));
  });
  ASSERT_FALSE(reopen);
  EXPECT_EQ(reopen.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(reopen.error().message.find(target), std::string::npos) << reopen.error().message;

  // Its alerts count for the target: when all four resolve, the target is mitigated.
  for (const char* k : {"q1", "f1", "f2", "f3"})
    Send(model::AlertEvent::Action::kResolve, k, std::string(k)[0] == 'q' ? "queue" : "fraud");
  EXPECT_EQ(Get(target).state, model::IncidentState::kMitigated);
  EXPECT_EQ(Get(target).open_alerts, 0);
  EXPECT_EQ(Get(source).state, model::IncidentState::kResolved);

  // MTTx counts the problem once: the merged incident's resolution was the merge, not a repair.
  auto mttx = app_->reports().Mttx(Who("alice"), MttxQuery{});
  ASSERT_TRUE(mttx) << mttx.error().ToString();
  EXPECT_EQ(mttx->at("incidents").as_int64(), 1);
}

TEST_F(MergeTest, FiringAlertsMergedIntoAMitigatedIncidentReopenIt) {
  const std::string target = Fire("q1", "queue");
  Send(model::AlertEvent::Action::kResolve, "q1", "queue");
  ASSERT_EQ(Get(target).state, model::IncidentState::kMitigated);
  const std::string source = Fire("f1", "fraud");
  auto merged = Merge(target, {source});
  ASSERT_TRUE(merged) << merged.error().ToString();
  EXPECT_EQ(merged->state, model::IncidentState::kTriggered);
  EXPECT_EQ(merged->open_alerts, 1);
  EXPECT_NE(Text(target, "reopened").find(source + " merged in with 1 alert still firing"), std::string::npos)
      << Text(target, "reopened");
}

TEST_F(MergeTest, TheTargetsReportCountsFromTheEarliestDetection) {
  const std::string early = Fire("f1", "fraud");  // 10:00
  clock_.Advance(std::chrono::minutes(10));
  const std::string target = Fire("q1", "queue");  // 10:10
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_TRUE(Merge(target, {early}));
  MttxQuery q;
  q.incidents = true;
  auto mttx = app_->reports().Mttx(Who("alice"), q);
  ASSERT_TRUE(mttx) << mttx.error().ToString();
  const auto& rows = mttx->at("incident_rows").as_array();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("incident_id").as_string(), target);
  const auto& detected = rows[0].at("milestones").at("detected");
  EXPECT_EQ(detected.at("at").as_string(), "2026-03-01T10:00:00Z");
  EXPECT_NE(std::string(detected.at("source").as_string()).find("merged"), std::string::npos);
}

TEST_F(MergeTest, AMissedHeartbeatNamesTheIncidentItsAlertWasMergedInto) {
  auto ping = Wait<engine::HeartbeatStatus>(
      [&](auto cb) { app_->PingHeartbeat("prometheus-watchdog", "test", std::nullopt, std::move(cb)); });
  ASSERT_TRUE(ping) << ping.error().ToString();
  clock_.Advance(std::chrono::minutes(6));     // missed: its alert opens an incident on web
  const std::string target = Fire("f1", "fraud");  // runs after the timer
  auto before = app_->ListHeartbeats(Who("alice"));
  ASSERT_TRUE(before);
  ASSERT_EQ(before->at(0).state, "missed");
  const std::string missed = before->at(0).incident_id;
  ASSERT_FALSE(missed.empty());
  ASSERT_NE(missed, target);
  ASSERT_TRUE(Merge(target, {missed}));
  auto after = app_->ListHeartbeats(Who("alice"));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->at(0).incident_id, target);
}

TEST_F(MergeTest, SeveralIncidentsMergeInOneCommand) {
  const std::string target = Fire("q1", "queue");
  const std::string a = Fire("f1", "fraud");
  const std::string b = Fire("s1", "search");
  ASSERT_EQ((std::set<std::string>{target, a, b}).size(), 3u);
  auto merged = Merge(target, {a, b});
  ASSERT_TRUE(merged) << merged.error().ToString();
  EXPECT_EQ(merged->open_alerts, 3);
  EXPECT_EQ(Get(a).merged_into, target);
  EXPECT_EQ(Get(b).merged_into, target);
}

TEST_F(MergeTest, ARefusedMergeChangesNothingAndNamesTheField) {
  const std::string target = Fire("q1", "queue");
  const std::string source = Fire("f1", "fraud");
  const std::string done = Fire("s1", "search");
  Send(model::AlertEvent::Action::kResolve, "s1", "search");
  auto resolved = Wait<model::Incident>([&](auto cb) {
    app_->Transition(Who("alice"), done, model::Transition::kResolve, TransitionRequest{}, std::move(cb));
  });
  ASSERT_TRUE(resolved) << resolved.error().ToString();
  const auto t0 = Get(target);
  const auto s0 = Get(source);

  struct Case {
    std::string into;
    std::vector<std::string> from;
    model::Principal who;
    ErrorCode code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {target, {target}, Who("alice"), ErrorCode::kInvalidArgument, "incidents[0]"},
      {target, {source, source}, Who("alice"), ErrorCode::kInvalidArgument, "incidents[1]"},
      {target, {source, "INC-999"}, Who("alice"), ErrorCode::kNotFound, "incidents[1]"},
      {target, {source, done}, Who("alice"), ErrorCode::kFailedPrecondition, "incidents[1]"},
      {done, {source}, Who("alice"), ErrorCode::kFailedPrecondition, "id"},
      {"INC-999", {source}, Who("alice"), ErrorCode::kNotFound, "id"},
      {target, {source}, Who("alice", model::kScopeRead), ErrorCode::kPermissionDenied, ""},
  };
  for (const auto& c : cases) {
    auto r = Merge(c.into, c.from, "", c.who);
    ASSERT_FALSE(r) << c.into << " <- " << c.from.back();
    EXPECT_EQ(r.error().code, c.code) << r.error().ToString();
    if (!c.field.empty()) {
      EXPECT_EQ(r.error().field, c.field) << r.error().ToString();
    }
  }
  auto s1 = Get(source);
  EXPECT_EQ(s1.state, s0.state);
  EXPECT_TRUE(s1.merged_into.empty());
  EXPECT_EQ(Get(target).open_alerts, t0.open_alerts);
  EXPECT_EQ(Get(target).services, t0.services);
  EXPECT_FALSE(Contains(Kinds(target), "merged"));
  EXPECT_EQ(app_->IncidentAlerts(Who("alice"), source)->size(), 1u);
  // The correlator was not touched either: the source's alerts still resolve there.
  Send(model::AlertEvent::Action::kResolve, "f1", "fraud");
  EXPECT_EQ(Get(source).state, model::IncidentState::kMitigated);
  EXPECT_EQ(Get(target).state, model::IncidentState::kTriggered);
}

TEST_F(MergeTest, AMergeHoldsAfterARestart) {
  const std::string target = Fire("q1", "queue");
  const std::string source = Fire("f1", "fraud");
  ASSERT_TRUE(Merge(target, {source}));
  Restart();
  EXPECT_EQ(Get(source).merged_into, target);
  EXPECT_EQ(Get(source).state, model::IncidentState::kResolved);
  // The rebuilt correlator knows where the merged incident's service and keys belong now: a new
  // fraud alert joins the target instead of reopening the (recently resolved) merged incident.
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(Fire("f2", "fraud"), target);
  EXPECT_EQ(Get(source).state, model::IncidentState::kResolved);
  Send(model::AlertEvent::Action::kResolve, "f1", "fraud");
  Send(model::AlertEvent::Action::kResolve, "f2", "fraud");
  EXPECT_EQ(Get(target).open_alerts, 1) << "q1 still fires";
  Send(model::AlertEvent::Action::kResolve, "q1", "queue");
  EXPECT_EQ(Get(target).state, model::IncidentState::kMitigated);
}

// The example's rule: while NodeDown fires for an instance, its warnings page nobody.
using LateInhibitionTest = MergeTest;

model::Alert AlertByKey(App& app, const std::string& dedup) {
  store::AlertFilter f;
  f.limit = 100;
  auto all = app.ListAlerts(Who("alice"), f);
  EXPECT_TRUE(all);
  for (const auto& a : all.value_or(std::vector<model::Alert>{}))
    if (a.dedup_key == dedup) return a;
  ADD_FAILURE() << "no alert " << dedup;
  return {};
}

TEST_F(LateInhibitionTest, ATargetPlacedMomentsBeforeItsSourceLeavesItsIncident) {
  const std::string symptom = Fire("w1", "queue", {{"severity", "warning"}, {"instance", "n1"}});
  const std::string other = Fire("w2", "queue", {{"severity", "warning"}, {"instance", "n2"}});
  ASSERT_EQ(symptom, other);
  clock_.Advance(std::chrono::seconds(10));
  const std::string node = Fire("nd", "fraud", {{"alertname", "NodeDown"}, {"instance", "n1"}, {"severity", "critical"}});
  ASSERT_NE(node, symptom);
  auto w1 = AlertByKey(*app_, "w1");
  EXPECT_TRUE(w1.incident_id.empty());
  EXPECT_EQ(w1.silence_id.rfind("INH-", 0), 0u) << w1.silence_id;
  EXPECT_NE(w1.join_reason.find("which came 10s after it"), std::string::npos) << w1.join_reason;
  EXPECT_EQ(AlertByKey(*app_, "w2").incident_id, symptom) << "another instance is not inhibited";
  auto inc = Get(symptom);
  EXPECT_EQ(inc.state, model::IncidentState::kTriggered);
  EXPECT_EQ(inc.alert_count, 1);
  EXPECT_EQ(inc.open_alerts, 1);
  EXPECT_NE(Text(symptom, "alert_inhibited").find("inhibited by alert"), std::string::npos);

  // When the last symptom goes too, nothing is left of the incident: it is resolved.
  const std::string lone = Fire("w3", "search", {{"severity", "warning"}, {"instance", "n3"}});
  clock_.Advance(std::chrono::seconds(20));
  Fire("nd3", "fraud", {{"alertname", "NodeDown"}, {"instance", "n3"}, {"severity", "critical"}});
  auto gone = Get(lone);
  EXPECT_EQ(gone.state, model::IncidentState::kResolved);
  EXPECT_NE(gone.resolution_note.find("every alert of it was inhibited"), std::string::npos) << gone.resolution_note;

  // The source resolves and the symptom still fires: it is placed again, like any muted alert.
  Send(model::AlertEvent::Action::kResolve, "nd", "fraud");
  EXPECT_FALSE(AlertByKey(*app_, "w1").incident_id.empty());
  EXPECT_TRUE(AlertByKey(*app_, "w1").silence_id.empty());
}

TEST_F(LateInhibitionTest, OnlyWithinTheGraceAndNeverTheSourcesOwnIncident) {
  const std::string old = Fire("w1", "queue", {{"severity", "warning"}, {"instance", "n1"}});
  clock_.Advance(std::chrono::seconds(31));  // settings.inhibit_grace is 30s
  Fire("nd", "fraud", {{"alertname", "NodeDown"}, {"instance", "n1"}, {"severity", "critical"}});
  EXPECT_EQ(AlertByKey(*app_, "w1").incident_id, old) << "placed longer ago than the grace: it stays";
  // A symptom of the same service: the source joins its incident, which keeps the source.
  const std::string same = Fire("w5", "search", {{"severity", "warning"}, {"instance", "n5"}});
  Fire("nd5", "search", {{"alertname", "NodeDown"}, {"instance", "n5"}, {"severity", "critical"}});
  EXPECT_TRUE(AlertByKey(*app_, "w5").incident_id.empty());
  auto inc = Get(same);
  EXPECT_EQ(inc.state, model::IncidentState::kTriggered);
  EXPECT_EQ(inc.open_alerts, 1);
}

}  // namespace
}  // namespace firebreak::app
