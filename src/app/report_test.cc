// Scenario test of reports: a full incident (declared, an alert joins, escalated to tier 2,
// acknowledged, notes, a HIGH runbook run approved by a second person, resolved) replayed with a manual
// clock; every report section and every MTTx figure is checked against values worked out by hand
// below (times are minutes after 08:00 on 2026-01-05).
#include "app/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "app/app.h"
#include "app/runbooks.h"
#include "engine/alerts.h"
#include "core/json.h"
#include "core/time.h"
#include "report/render.h"
#include "testing/testing.h"

namespace firebreak::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace json = boost::json;

core::TimePoint T(const char* s) { return core::ParseRfc3339(s).value(); }

model::Principal Person(const std::string& id) {
  model::Principal p;
  p.actor = model::Actor::Person(id);
  p.person = id;
  p.scopes = model::kScopeRead | model::kScopeWrite;
  return p;
}

class ReportScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    AppOptions o;
    // The example company with automatic root-cause analysis off: its timeline entries come from a
    // worker thread at times this replay does not control (the analysis tests cover them).
    namespace fs = std::filesystem;
    o.config_dir = dir_.path() + "/config";
    fs::copy(testing::SourceDir() + "/examples/config", o.config_dir, fs::copy_options::recursive);
    {
      std::ofstream f(o.config_dir + "/analyze.yaml");
      f << "analyze:\n  auto: false\n";
    }
    o.data_dir = dir_.path();
    o.clock = &clock_;
    auto a = App::Open(o);
    ASSERT_TRUE(a) << a.error().message;
    app_ = std::move(*a);
  }

  // Runs an async command in single-threaded mode and returns its committed result.
  template <class T, class F>
  Result<T> Run(F start) {
    std::optional<Result<T>> out;
    start([&](Result<T> r) { out = std::move(r); });
    app_->engine().RunUntilIdle();
    EXPECT_TRUE(out.has_value());
    return std::move(*out);
  }
  void At(const char* t) {
    clock_.Set(T(t));
    app_->engine().RunUntilIdle();  // due timers fire
  }
  Result<model::Incident> Transition(const model::Principal& who, const std::string& id, model::Transition t,
                                     std::string note = "") {
    return Run<model::Incident>([&](auto cb) { app_->Transition(who, id, t, TransitionRequest{note}, cb); });
  }
  // The incident's timeline without the paging module's entries (escalation, pages, notifications),
  // which are checked separately.
  std::vector<model::TimelineEntry> Timeline(const std::string& id) {
    std::vector<model::TimelineEntry> out;
    auto all = app_->Timeline(Person("alice"), id, 0, 1000).value();
    for (auto& e : all)
      if (!IsPaging(e.kind)) out.push_back(std::move(e));
    return out;
  }
  static bool IsPaging(std::string_view kind) {
    return kind == "page" || (kind.substr(0, 10) == "escalation" && kind != "escalation_requested") ||
           kind.substr(0, 12) == "notification" || kind == "repeat";
  }

  testing::TempDir dir_;
  core::ManualClock clock_{T("2026-01-05T08:00:00Z")};
  std::unique_ptr<App> app_;
  model::Principal alice_ = Person("alice"), bob_ = Person("bob"), carol_ = Person("carol");
};

// Planted values that must never reach an external update.
const char* kPlanted[] = {"bob@example.com", "alice@example.com", "+33600000001", "db-primary-3", "prod.internal",
                          "10.0.0.12", "Alice", "alice", "bob", "Bob", "payments", "connection pool"};

TEST_F(ReportScenario, FullIncidentEveryReportSectionAndMttxFigure) {
  // 08:00 bob declares a SEV2 on checkout (status-update cadence: SEV2 = 30 min).
  engine::DeclareSpec spec;
  spec.title = "Checkout errors on db-primary-3.prod.internal";
  spec.severity = model::Severity::kSev2;
  spec.services = {"checkout"};
  spec.impact = "Customers cannot complete card checkout (reported by bob@example.com)";
  auto inc = Run<model::Incident>([&](auto cb) { app_->Declare(bob_, spec, cb); });
  ASSERT_TRUE(inc) << inc.error().message;
  const std::string id = inc->id;
  auto timer = [&] { return app_->store().BeginRead().value()->timers().Find(Reports::kTimerKind, id).value(); };
  ASSERT_TRUE(timer());
  EXPECT_EQ(timer()->due, T("2026-01-05T08:30:00Z"));

  // 08:01 a monitoring alert on checkout joins the open incident (same service).
  At("2026-01-05T08:01:00Z");
  {
    auto in = app_->FindIntegration("example-checkout-key", "routing_key");
    ASSERT_TRUE(in);
    auto req = std::make_shared<engine::IngestRequest>();
    req->integration = *in;
    req->source = "pagerduty";
    model::AlertEvent ev;
    ev.dedup_key = "checkout-5xx";
    ev.summary = "checkout 5xx above 5%";
    ev.service_hint = "checkout";
    ev.labels["severity"] = "warning";
    req->events.push_back(ev);
    auto res = Run<engine::IngestResult>([&](auto cb) { app_->IngestAlerts(req, cb); });
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->outcomes.at(0).incident_id, id);
  }

  // 08:03 raised to SEV1 (cadence 15 min from now).
  At("2026-01-05T08:03:00Z");
  ASSERT_TRUE(Run<model::Incident>([&](auto cb) { app_->ChangeSeverity(bob_, id, {model::Severity::kSev1, "error rate 40%"}, cb); }));
  EXPECT_EQ(timer()->due, T("2026-01-05T08:18:00Z"));
  // 08:05 escalation requested; 08:07 alice acknowledges; 08:09 alice is commander; 08:10 a note.
  At("2026-01-05T08:05:00Z");
  ASSERT_TRUE(app_->engine().Call<model::Incident>([&](engine::Tx& tx) { return engine::RequestEscalation(tx, bob_, id, "tier 1 did not answer"); }));
  At("2026-01-05T08:07:00Z");
  ASSERT_TRUE(Transition(alice_, id, model::Transition::kAcknowledge));
  At("2026-01-05T08:09:00Z");
  ASSERT_TRUE(Run<model::Incident>([&](auto cb) { app_->AssignRole(bob_, id, {"incident_commander", "alice"}, cb); }));
  At("2026-01-05T08:10:00Z");
  ASSERT_TRUE(Run<model::Incident>([&](auto cb) { app_->Note(alice_, id, {"Connection errors from 10.0.0.12 to the connection pool"}, cb); }));

  // 08:18 the cadence timer posts an internal update and re-arms for 08:33.
  At("2026-01-05T08:18:00Z");
  {
    auto tl = Timeline(id);
    ASSERT_EQ(tl.back().kind, "status_update");
    EXPECT_EQ(tl.back().actor, "system:report");
    EXPECT_EQ(tl.back().time, T("2026-01-05T08:18:00Z"));
    std::string text(tl.back().data.at("text").as_string());
    // Escalation: the payments policy paged tier 1 at 08:00 and tier 2 when the severity was raised
    // at 08:03; the acknowledgement stopped it.
    EXPECT_EQ(text,
              "[SEV1] " + id + " Checkout errors on db-primary-3.prod.internal - acknowledged (investigating), 18m elapsed\n"
              "Services: checkout\n"
              "Impact: Customers cannot complete card checkout (reported by [email])\n"
              "Commander: Alice Moreau (alice); acknowledged by person:alice\n"
              "Escalation: tier 2; no escalation pending\n"
              "Current action: Connection errors from 10.0.0.12 to the connection pool (2026-01-05T08:10:00Z, person:alice)\n"
              "Next step: Identify the root cause.\n"
              "SLA: within SLA\n"
              "Next update by 2026-01-05T08:33:00Z.\n");
    EXPECT_EQ(timer()->due, T("2026-01-05T08:33:00Z"));
  }

  // 08:20 root cause recorded (MTTI stop) with the first anomaly at 07:56.
  At("2026-01-05T08:20:00Z");
  auto pm = Run<json::object>([&](auto cb) {
    app_->reports().UpdatePostmortem(alice_, id,
                                     json::parse(R"({"root_cause":"Connection pool exhausted after deploy 2026.01.05-2",
                                        "first_anomaly_at":"2026-01-05T07:56:00Z",
                                        "contributing_factors":["Pool size not load tested"],
                                        "evidence":["pool_active == pool_max from 07:56"]})"),
                                     cb);
  });
  ASSERT_TRUE(pm) << pm.error().message;

  // 08:25 external update: posted, recorded, and free of every planted value.
  At("2026-01-05T08:25:00Z");
  auto ext = Run<json::object>([&](auto cb) { app_->reports().PostStatusUpdate(alice_, id, report::Audience::kExternal, cb); });
  ASSERT_TRUE(ext) << ext.error().message;
  {
    std::string all = core::ToJson(*ext) + core::ToJson(Timeline(id).back().data);
    for (const char* bad : kPlanted) EXPECT_THAT(all, Not(HasSubstr(bad))) << bad;
    EXPECT_EQ(std::string(ext->at("text").as_string()),
              "Service disruption: Checkout, Web storefront\n"
              "Status: identified. We have identified the cause and are working on a fix.\n"
              "Started: 2026-01-05T08:00:00Z (25m ago)\n"
              "Affected: Checkout, Web storefront\n"
              "Impact: Customers cannot complete card checkout (reported by [email])\n"
              "We will post another update by 2026-01-05T08:40:00Z.\n");
  }

  // 08:26 live response plan.
  At("2026-01-05T08:26:00Z");
  {
    auto plan = app_->reports().ResponsePlan(alice_, id);
    ASSERT_TRUE(plan) << plan.error().message;
    const auto& sit = plan->at("situation").as_object();
    EXPECT_EQ(sit.at("started_at"), "2026-01-05T08:00:00Z");
    EXPECT_EQ(sit.at("elapsed"), "26m");
    EXPECT_EQ(sit.at("services").as_array().size(), 1u);
    EXPECT_EQ(plan->at("roles").as_array()[0].at("person"), "Alice Moreau (alice)");
    EXPECT_EQ(plan->at("roles").as_array()[1].at("person"), "unassigned");
    std::set<std::string> runbooks;
    for (const auto& c : plan->at("checklist").as_array()) runbooks.insert(std::string(c.at("runbook").as_string()));
    // The runbook matcher's ranking for checkout at SEV1: collect-diagnostics lists the service and
    // the severity (12); seven more list the service (10), ties by id; the best three are the checklist.
    EXPECT_EQ(runbooks, (std::set<std::string>{"collect-diagnostics", "force-restart", "rate-limit-change"}));
    EXPECT_EQ(plan->at("checklist").as_array()[0].at("runbook"), "collect-diagnostics");
    EXPECT_EQ(plan->at("more_runbooks"), json::parse(R"(["reset-connection-pool","restart-service","rollback-deployment",
                                                       "scale-service","traffic-failover"])"));
    size_t ours = 0;
    for (const auto& e : plan->at("timeline").as_array()) ours += !IsPaging(e.at("kind").as_string());
    EXPECT_EQ(ours, 10u);  // nine of ours and the alert
    EXPECT_EQ(plan->at("next_step"), "Mitigate the impact.");
    EXPECT_EQ(plan->at("follow_up").at("owner"), "Alice Moreau (alice)");
    EXPECT_THAT(std::string(plan->at("drafts").at("external_text").as_string()), HasSubstr("Status: identified."));
    auto md = app_->reports().RenderResponsePlan(alice_, id, "md");
    ASSERT_TRUE(md) << md.error().message;
    EXPECT_THAT(md->body, HasSubstr("| incident\\_commander | Alice Moreau (alice) |"));
    EXPECT_THAT(md->body, HasSubstr("- [ ] collect-diagnostics: diagnose (LOW, verify by hand)"));
    EXPECT_THAT(md->body, HasSubstr("Other matching runbooks: reset-connection-pool, restart-service, "));
  }

  // 08:27 alice asks to restart checkout (HIGH: waits for approval); 08:28 bob approves it (the
  // remediation milestone: the change is allowed to run). The executor is not started here, so
  // the run stays queued: this test checks the record, the runbook tests check execution.
  At("2026-01-05T08:27:00Z");
  auto run = Run<json::value>([&](auto cb) {
    app_->runbooks().RequestRun(alice_, json::parse(R"({"runbook":"restart-service","incident":")" + id +
                                                     R"(","rationale":"pool stuck","expected_impact":"one pod at a time",
                                                        "rollback_plan":"none: a restart is its own recovery"})"),
                                cb);
  });
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->at("state"), "pending_approval");
  std::string approval(run->at("approval").as_string());
  At("2026-01-05T08:28:00Z");
  model::Principal approver = bob_;
  approver.scopes |= model::kScopeApprove;
  auto approved = Run<json::value>([&](auto cb) { app_->runbooks().Approve(approver, approval, json::parse(R"({"note":"go"})"), cb); });
  ASSERT_TRUE(approved) << approved.error().message;

  // 08:30 mitigated; 08:40 the next scheduled update (the 08:25 update restarted the cadence);
  // 08:45 resolved (review scheduled, timer gone).
  At("2026-01-05T08:30:00Z");
  ASSERT_TRUE(Transition(alice_, id, model::Transition::kMitigate));
  EXPECT_EQ(timer()->due, T("2026-01-05T08:40:00Z"));
  At("2026-01-05T08:39:59Z");
  EXPECT_EQ(Timeline(id).back().kind, "mitigated");
  At("2026-01-05T08:40:00Z");
  EXPECT_EQ(Timeline(id).back().kind, "status_update");
  EXPECT_EQ(Timeline(id).back().time, T("2026-01-05T08:40:00Z"));
  At("2026-01-05T08:45:00Z");
  ASSERT_TRUE(Transition(alice_, id, model::Transition::kResolve, "pool size raised"));
  EXPECT_FALSE(timer());

  // 08:50 closing fails: no published report yet; nothing is written.
  At("2026-01-05T08:50:00Z");
  auto before = Timeline(id).size();
  auto closed = Transition(alice_, id, model::Transition::kClose);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(closed.error().message, HasSubstr("published post-incident report"));
  EXPECT_EQ(Timeline(id).size(), before);

  // 08:52 a remediation item; 08:55 lessons; 09:00 published; 09:05 closed.
  At("2026-01-05T08:52:00Z");
  auto item = Run<json::object>([&](auto cb) {
    app_->reports().CreateActionItem(alice_, id, DecodeActionItem(json::parse(R"({"title":"Alert on pool saturation",
        "owner":"carol","priority":"P1","due_at":"2026-01-06T12:00:00Z"})"), true).value(), cb);
  });
  ASSERT_TRUE(item) << item.error().message;
  At("2026-01-05T08:55:00Z");
  ASSERT_TRUE(Run<json::object>([&](auto cb) {
    app_->reports().UpdatePostmortem(alice_, id, json::parse(R"({"summary":"Checkout failed for 45 minutes.",
        "went_well":["Fast acknowledgement"],"went_poorly":["Tier 1 did not answer"],"got_lucky":["Low traffic hour"],
        "five_whys":["Payments timed out","The pool was exhausted","The deploy doubled connections",
                     "No load test covered it","Load tests are optional"]})"), cb);
  }));
  At("2026-01-05T09:00:00Z");
  ASSERT_TRUE(Run<json::object>([&](auto cb) { app_->reports().PublishPostmortem(alice_, id, cb); }));
  At("2026-01-05T09:05:00Z");
  ASSERT_TRUE(Transition(alice_, id, model::Transition::kClose));

  // ---- the post-incident report, section by section -------------------------------------------
  auto doc = app_->reports().Postmortem(alice_, id);
  ASSERT_TRUE(doc) << doc.error().message;
  const auto& d = *doc;
  EXPECT_EQ(d.at("schema"), "firebreak.postmortem.v1");
  const auto& s = d.at("summary").as_object();
  EXPECT_EQ(s.at("id").as_string(), id);
  EXPECT_EQ(s.at("severity"), "SEV1");
  EXPECT_EQ(s.at("peak_severity"), "SEV1");
  EXPECT_EQ(s.at("priority"), "P1");
  EXPECT_EQ(s.at("status"), "closed");
  EXPECT_EQ(s.at("started_at"), "2026-01-05T08:00:00Z");
  EXPECT_EQ(s.at("resolved_at"), "2026-01-05T08:45:00Z");
  EXPECT_EQ(s.at("duration"), "45m");
  EXPECT_EQ(s.at("duration_seconds").as_double(), 2700.0);
  EXPECT_EQ(s.at("customer_impact"), "Customers cannot complete card checkout (reported by [email])");
  EXPECT_EQ(s.at("text"), "Checkout failed for 45 minutes.");

  // Key moments: name -> time (hand-written from the steps above).
  std::map<std::string, std::string> want = {
      {"first_anomaly", "2026-01-05T07:56:00Z"}, {"detected", "2026-01-05T08:00:00Z"},
      {"acknowledged", "2026-01-05T08:07:00Z"},  {"investigating", "2026-01-05T08:10:00Z"},
      {"root_cause", "2026-01-05T08:20:00Z"},    {"remediation", "2026-01-05T08:28:00Z"},
      {"recovered", "2026-01-05T08:30:00Z"},     {"resolved", "2026-01-05T08:45:00Z"},
      {"closed", "2026-01-05T09:05:00Z"}};
  std::map<std::string, std::string> got;
  for (const auto& m : d.at("milestones").as_array())
    got[std::string(m.at("name").as_string())] = std::string(m.at("at_text").as_string());
  EXPECT_EQ(got, want);
  EXPECT_EQ(d.at("acknowledged_by"), "person:alice");

  // Timeline of events: every entry, in order (the refused close left none).
  std::vector<std::string> kinds;
  std::vector<std::pair<std::string, int64_t>> pages;  // (time, tier)
  for (const auto& e : d.at("timeline").as_array()) {
    if (!IsPaging(e.at("kind").as_string())) kinds.emplace_back(e.at("kind").as_string());
  }
  auto full = app_->Timeline(alice_, id, 0, 1000).value();
  for (const auto& e : full)
    if (e.kind == "page") pages.emplace_back(core::FormatRfc3339(e.time), e.data.at("tier").as_int64());
  ASSERT_GE(pages.size(), 2u);
  EXPECT_EQ(pages[0], (std::pair<std::string, int64_t>{"2026-01-05T08:00:00Z", 1}));
  EXPECT_EQ(pages[1], (std::pair<std::string, int64_t>{"2026-01-05T08:03:00Z", 2}));  // escalated to tier 2
  EXPECT_EQ(d.at("metrics").at("escalation_tier").as_int64(), 2);
  EXPECT_EQ(kinds, (std::vector<std::string>{"declared", "alert", "severity", "escalation_requested", "acknowledged", "role",
                                             "note", "status_update", "root_cause", "status_update", "runbook_requested",
                                             "approval_requested", "approval_approved", "mitigated", "status_update",
                                             "resolved", "action_item", "action_item", "postmortem",
                                             "postmortem_published", "closed"}));

  const auto& rc = d.at("root_cause").as_object();
  EXPECT_EQ(rc.at("text"), "Connection pool exhausted after deploy 2026.01.05-2");
  EXPECT_EQ(rc.at("identified_at"), "2026-01-05T08:20:00Z");
  EXPECT_EQ(rc.at("contributing_factors").as_array().size(), 1u);
  EXPECT_EQ(rc.at("evidence").as_array()[0], "pool_active == pool_max from 07:56");
  EXPECT_TRUE(rc.at("hypotheses").as_array().empty());  // no analysis entry in this record

  std::vector<std::string> actions;
  for (const auto& a : d.at("actions_taken").as_array())
    if (!IsPaging(a.at("kind").as_string())) actions.emplace_back(a.at("kind").as_string());
  EXPECT_EQ(actions, (std::vector<std::string>{"severity", "escalation_requested", "acknowledged", "role", "status_update",
                                               "root_cause", "status_update", "runbook_requested", "approval_requested",
                                               "approval_approved", "mitigated", "status_update", "resolved", "closed"}));
  for (const auto& a : d.at("actions_taken").as_array())
    if (a.at("kind") == "severity") {
      EXPECT_EQ(a.at("outcome"), "SEV1");
    }

  const auto& items = d.at("remediation_items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("kind"), "review");  // scheduled on resolution: 48 h, owned by the commander
  EXPECT_EQ(items[0].at("owner"), "alice");
  EXPECT_EQ(items[0].at("due_at"), "2026-01-07T08:45:00Z");
  EXPECT_EQ(items[1].at("title"), "Alert on pool saturation");
  EXPECT_EQ(items[1].at("owner_name"), "Carol Nguyen (carol)");
  EXPECT_EQ(items[1].at("priority"), "P1");
  EXPECT_FALSE(items[1].at("overdue").as_bool());

  EXPECT_EQ(d.at("lessons").at("went_well").as_array()[0], "Fast acknowledgement");
  EXPECT_EQ(d.at("lessons").at("got_lucky").as_array()[0], "Low traffic hour");
  EXPECT_EQ(d.at("five_whys").as_array().size(), 5u);

  // Metrics: MTTD 07:56->08:00, MTTA 08:00->08:07, MTTI 08:07->08:20, MTTR 08:00->08:45; peak SEV1
  // SLAs (ack 10 min, resolve 1 h) met.
  std::map<std::string, double> figures;
  for (const auto& f : d.at("metrics").at("figures").as_array())
    figures[std::string(f.at("name").as_string())] = f.at("seconds").as_double();
  EXPECT_EQ(figures, (std::map<std::string, double>{{"MTTD", 240}, {"MTTA", 420}, {"MTTI", 780}, {"MTTR", 2700}}));
  EXPECT_FALSE(d.at("metrics").at("ack_breached").as_bool());
  EXPECT_FALSE(d.at("metrics").at("resolve_breached").as_bool());
  EXPECT_EQ(d.at("metrics").at("ack_sla"), "10m");

  EXPECT_EQ(d.at("follow_up").at("review").at("due_at"), "2026-01-07T08:45:00Z");
  EXPECT_EQ(d.at("follow_up").at("open_items").as_int64(), 2);
  {
    store::AuditFilter af;
    af.target = "incident:" + id;
    af.limit = 5000;
    auto chain = app_->Audit(alice_, af).value();
    EXPECT_GE(chain.size(), 17u);  // at least one per non-paging timeline entry
    EXPECT_EQ(d.at("audit").at("count").as_int64(), static_cast<int64_t>(chain.size()));
  }
  EXPECT_TRUE(d.at("sections_without_data").as_array().empty());

  // Markdown and HTML carry the same figures.
  auto md = app_->reports().Report(alice_, id, "md");
  ASSERT_TRUE(md) << md.error().message;
  EXPECT_THAT(md->body, HasSubstr("| MTTA | detection to first acknowledgement | 7m |"));
  EXPECT_THAT(md->body, HasSubstr("| MTTI | acknowledgement to root cause identified | 13m |"));
  EXPECT_THAT(md->body,
              HasSubstr("| Remediation initiated | 2026-01-05T08:28:00Z | person:bob | timeline#18 (approval\\_approved) |"));
  EXPECT_THAT(md->body, HasSubstr("| P1 | Alert on pool saturation | Carol Nguyen (carol) | 2026-01-06T12:00:00Z | open |"));
  EXPECT_THAT(md->body, Not(HasSubstr("bob@example.com")));
  auto html = app_->reports().Report(alice_, id, "html");
  ASSERT_TRUE(html);
  size_t circles = 0;
  for (size_t p = html->body.find("<circle"); p != std::string::npos; p = html->body.find("<circle", p + 1)) ++circles;
  EXPECT_EQ(circles, d.at("timeline").as_array().size());

  // ---- two more incidents, then MTTx aggregates --------------------------------------------------
  At("2026-01-05T09:10:00Z");
  engine::DeclareSpec s2;
  s2.title = "Payments latency";
  s2.severity = model::Severity::kSev3;
  s2.services = {"payments"};
  auto inc2 = Run<model::Incident>([&](auto cb) { app_->Declare(bob_, s2, cb); });
  ASSERT_TRUE(inc2);
  At("2026-01-05T09:40:00Z");
  ASSERT_TRUE(Transition(bob_, inc2->id, model::Transition::kAcknowledge));
  At("2026-01-05T12:10:00Z");
  ASSERT_TRUE(Transition(bob_, inc2->id, model::Transition::kResolve));
  engine::DeclareSpec s3;
  s3.title = "Checkout down";
  s3.severity = model::Severity::kSev0;
  s3.services = {"checkout"};
  auto inc3 = Run<model::Incident>([&](auto cb) { app_->Declare(bob_, s3, cb); });
  ASSERT_TRUE(inc3);
  At("2026-01-05T12:16:00Z");  // 6 min: over the SEV0 ack SLA of 5 min
  ASSERT_TRUE(Transition(alice_, inc3->id, model::Transition::kAcknowledge));
  At("2026-01-05T12:20:00Z");

  auto by = [&](const char* key) {
    MttxQuery q;
    q.by = key;
    q.since = std::chrono::hours(24 * 30);
    auto r = app_->reports().Mttx(alice_, q);
    EXPECT_TRUE(r) << r.error().message;
    std::map<std::string, json::object> out;
    for (const auto& g : r->at("groups").as_array()) out[std::string(g.at("key").as_string())] = g.as_object();
    out["(total)"] = r->at("total").as_object();
    return out;
  };
  auto mean = [](const json::object& g, const char* m) { return g.at(m).at("mean_seconds"); };
  auto svc = by("service");
  ASSERT_EQ(svc.size(), 3u);
  EXPECT_EQ(svc["checkout"].at("incidents").as_int64(), 2);
  EXPECT_EQ(mean(svc["checkout"], "mtta").as_double(), (420 + 360) / 2.0);
  EXPECT_EQ(mean(svc["checkout"], "mttr").as_double(), 2700.0);  // INC-3 is still open
  EXPECT_EQ(svc["checkout"].at("mttr").at("n").as_int64(), 1);
  EXPECT_EQ(svc["checkout"].at("ack_sla_breaches").as_int64(), 1);
  EXPECT_EQ(mean(svc["payments"], "mtta").as_double(), 1800.0);
  EXPECT_EQ(mean(svc["payments"], "mttr").as_double(), 3 * 3600.0);
  EXPECT_TRUE(mean(svc["payments"], "mttd").is_null());  // no first anomaly recorded
  EXPECT_EQ(mean(svc["(total)"], "mtta").as_double(), (420 + 1800 + 360) / 3.0);
  EXPECT_EQ(svc["(total)"].at("mtta").at("median_seconds").as_double(), 420.0);
  auto team = by("team");
  ASSERT_EQ(team.size(), 2u);  // checkout and payments both belong to the payments team
  EXPECT_EQ(team["payments"].at("incidents").as_int64(), 3);
  auto sev = by("severity");
  EXPECT_EQ(mean(sev["SEV1"], "mtti").as_double(), 780.0);
  EXPECT_EQ(sev["SEV0"].at("ack_sla_breaches").as_int64(), 1);
  EXPECT_EQ(sev["SEV3"].at("resolve_sla_breaches").as_int64(), 0);  // 3 h within 24 h
  auto day = by("day");
  EXPECT_EQ(day["2026-01-05"].at("incidents").as_int64(), 3);

  // Prometheus gauges.
  app_->RefreshGauges();
  auto prom = app_->metrics().Render();
  EXPECT_THAT(prom, HasSubstr("firebreak_mttx_seconds{metric=\"mtta\",severity=\"SEV1\"} 420"));
  EXPECT_THAT(prom, HasSubstr("firebreak_sla_breaches{severity=\"SEV0\",sla=\"ack\"} 1"));

  // Quick system status: INC-3 (SEV0) is the only open incident.
  auto st = app_->reports().SystemStatus(alice_, nullptr);
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(st->at("defense_level"), "BLACK");
  EXPECT_EQ(st->at("open_incidents").as_int64(), 1);
  EXPECT_EQ(st->at("open_by_severity").at("SEV0").as_int64(), 1);
  EXPECT_EQ(st->at("sla_breaching_incidents").as_int64(), 1);
  EXPECT_EQ(st->at("pending_decisions").at("unacknowledged_incidents").as_int64(), 0);
  EXPECT_EQ(std::string(st->at("next_action").as_string()), inc3->id + ": Identify the root cause.");
  EXPECT_EQ(std::string(st->at("defense_reason").as_string()), "open SEV0 incident " + inc3->id);
  EXPECT_EQ(st->at("resilience").at("available"), false);
  // With the resilience view (the server passes the real one), its level and reason are the
  // status's: the same grading everywhere.
  auto view = app_->resilience().GetDefenseLevel(alice_);
  ASSERT_TRUE(view) << view.error().message;
  auto with = app_->reports().SystemStatus(alice_, *view);
  ASSERT_TRUE(with) << with.error().message;
  EXPECT_EQ(with->at("defense_level"), view->at("level"));
  EXPECT_EQ(with->at("defense_reason"), view->at("reason"));
  EXPECT_EQ(with->at("resilience").at("available"), true);
  EXPECT_EQ(with->at("defense_level"), "BLACK");

  // Two days later both of INC-1's items are overdue.
  At("2026-01-07T09:00:00Z");
  ActionItemQuery q;
  q.overdue_only = true;
  auto overdue = app_->reports().ActionItems(alice_, q);
  ASSERT_TRUE(overdue);
  EXPECT_EQ(overdue->size(), 2u);
  for (const auto& a : *overdue) EXPECT_TRUE(a.at("overdue").as_bool());
  auto done = Run<json::object>([&](auto cb) {
    app_->reports().UpdateActionItem(carol_, overdue->at(1).at("id").as_int64(),
                                     DecodeActionItem(json::parse(R"({"status":"done"})"), false).value(), cb);
  });
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_FALSE(done->at("overdue").as_bool());
  EXPECT_EQ(done->at("done_at"), "2026-01-07T09:00:00Z");
  EXPECT_EQ(app_->reports().ActionItems(alice_, q)->size(), 1u);
}

// acknowledged_at is the first acknowledgement (MTTA counts from it), but an incident that was
// unacknowledged or reopened is held by nobody: the status counts it as waiting, its next step is
// to acknowledge it, and its status update does not name the earlier acknowledger as holding it.
// A reopen also drops the resolution note of the resolution it undid.
TEST_F(ReportScenario, AnIncidentTriggeredAgainIsWaitingForSomeoneAgain) {
  engine::DeclareSpec spec;
  spec.title = "Search latency";
  spec.severity = model::Severity::kSev3;
  spec.services = {"search"};
  auto inc = Run<model::Incident>([&](auto cb) { app_->Declare(bob_, spec, cb); });
  ASSERT_TRUE(inc) << inc.error().message;
  const std::string id = inc->id;
  auto waiting = [&] {
    auto st = app_->reports().SystemStatus(alice_, nullptr);
    EXPECT_TRUE(st) << st.error().message;
    return st->at("pending_decisions").at("unacknowledged_incidents").as_int64();
  };
  auto update = [&] {
    auto u = app_->reports().StatusUpdate(alice_, id, report::Audience::kInternal);
    EXPECT_TRUE(u) << u.error().message;
    return std::make_pair(std::string(u->at("acknowledged_by").as_string()), std::string(u->at("next_step").as_string()));
  };
  EXPECT_EQ(waiting(), 1);
  EXPECT_EQ(update().first, "nobody yet");

  At("2026-01-05T08:05:00Z");
  ASSERT_TRUE(Transition(alice_, id, model::Transition::kAcknowledge));
  EXPECT_EQ(waiting(), 0);
  EXPECT_EQ(update().first, "person:alice");

  At("2026-01-05T08:10:00Z");
  auto unacked = Transition(alice_, id, model::Transition::kUnacknowledge);
  ASSERT_TRUE(unacked) << unacked.error().message;
  EXPECT_EQ(core::FormatRfc3339(*unacked->acknowledged_at), "2026-01-05T08:05:00Z") << "the first ack, for MTTA";
  EXPECT_EQ(waiting(), 1);
  EXPECT_EQ(update().first, "nobody since it triggered again");
  EXPECT_THAT(update().second, HasSubstr("Acknowledge the incident"));

  ASSERT_TRUE(Transition(bob_, id, model::Transition::kAcknowledge));
  ASSERT_TRUE(Transition(bob_, id, model::Transition::kResolve, "cache warmed"));
  EXPECT_EQ(waiting(), 0);
  auto reopened = Transition(alice_, id, model::Transition::kReopen);
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ(reopened->resolution_note, "");
  EXPECT_EQ(reopened->state, model::IncidentState::kTriggered);
  EXPECT_EQ(waiting(), 1);
  EXPECT_EQ(update().first, "nobody since it triggered again");
  // MTTA still counts from the first acknowledgement.
  auto rec = app_->reports().Mttx(alice_, MttxQuery{});
  ASSERT_TRUE(rec) << rec.error().message;
  EXPECT_EQ(rec->at("total").at("mtta").at("mean_seconds").as_double(), 300.0);
}

TEST_F(ReportScenario, CloseNeedsActionItemsBesidesTheReview) {
  engine::DeclareSpec spec;
  spec.title = "Minor";
  spec.severity = model::Severity::kSev4;  // no cadence
  auto inc = Run<model::Incident>([&](auto cb) { app_->Declare(bob_, spec, cb); });
  ASSERT_TRUE(inc);
  EXPECT_FALSE(app_->store().BeginRead().value()->timers().Find(Reports::kTimerKind, inc->id).value());
  // Publishing before resolution is refused.
  auto early = Run<json::object>([&](auto cb) { app_->reports().PublishPostmortem(bob_, inc->id, cb); });
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(Transition(bob_, inc->id, model::Transition::kResolve));
  ASSERT_TRUE(Run<json::object>([&](auto cb) { app_->reports().PublishPostmortem(bob_, inc->id, cb); }));
  auto closed = Transition(bob_, inc->id, model::Transition::kClose);
  ASSERT_FALSE(closed);
  EXPECT_THAT(closed.error().message, HasSubstr("action items"));
  // The review item exists (owner: the resolver, nobody acknowledged or commanded).
  auto items = app_->reports().ActionItems(bob_, ActionItemQuery{inc->id, {}, {}, false, false}).value();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("owner"), "bob");
  // Bad requests name their field and leave nothing behind.
  auto bad = DecodeActionItem(json::parse(R"({"title":"x","priority":"P9"})"), true);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "priority");
  auto unknown_owner = Run<json::object>([&](auto cb) {
    app_->reports().CreateActionItem(bob_, inc->id, DecodeActionItem(json::parse(R"({"title":"x","owner":"zed"})"), true).value(), cb);
  });
  ASSERT_FALSE(unknown_owner);
  EXPECT_EQ(unknown_owner.error().field, "owner");
  EXPECT_EQ(app_->reports().ActionItems(bob_, ActionItemQuery{inc->id, {}, {}, false, false})->size(), 1u);
}

TEST_F(ReportScenario, TemplatesAndCadenceFromConfig) {
  // A config copy with settings.reports: a template override and a 5 min SEV1 cadence.
  testing::TempDir cfgdir;
  for (const auto& e : std::filesystem::directory_iterator(testing::SourceDir() + "/examples/config"))
    std::filesystem::copy_file(e.path(), cfgdir.File(e.path().filename().string()));
  testing::WriteFile(cfgdir.File("settings.yaml"),
                     "settings:\n  default_escalation_policy: platform\n  reports:\n    templates: templates\n"
                     "    status_cadence: { SEV1: 5m }\n");
  testing::WriteFile(cfgdir.File("templates/status_internal.txt.mustache"), "OURS {{incident_id}} {{phase}}\n");
  testing::WriteFile(cfgdir.File("analyze.yaml"), "analyze:\n  auto: false\n");  // as in SetUp
  app_.reset();
  testing::TempDir data;
  AppOptions o;
  o.config_dir = cfgdir.path();
  o.data_dir = data.path();
  o.clock = &clock_;
  auto a = App::Open(o);
  ASSERT_TRUE(a) << a.error().message;
  app_ = std::move(*a);
  engine::DeclareSpec spec;
  spec.title = "X";
  spec.severity = model::Severity::kSev1;
  auto inc = Run<model::Incident>([&](auto cb) { app_->Declare(bob_, spec, cb); });
  ASSERT_TRUE(inc);
  At("2026-01-05T08:05:00Z");
  auto tl = Timeline(inc->id);
  ASSERT_EQ(tl.back().kind, "status_update");
  EXPECT_EQ(std::string(tl.back().data.at("text").as_string()), "OURS " + inc->id + " investigating\n");
}

// The MCP tool's arguments: a value of the wrong type is refused naming its key; an empty key
// names the arguments as a whole, and a huge key is cut in the message.
TEST(MttxQueryTest, BadArgumentsNameTheField) {
  auto e1 = DecodeMttxQuery(json::parse(R"({"by": 5})"));
  ASSERT_FALSE(e1);
  EXPECT_EQ(e1.error().field, "by");
  auto e2 = DecodeMttxQuery(json::parse(R"({"": 5})"));
  ASSERT_FALSE(e2);
  EXPECT_EQ(e2.error().field, "arguments");
  json::object big;
  big[std::string(10000, 'k')] = 5;
  auto e3 = DecodeMttxQuery(json::value(big));
  ASSERT_FALSE(e3);
  EXPECT_LT(e3.error().message.size(), 200u);
}

}  // namespace
}  // namespace firebreak::app
