// The pager through the real engine and a real SQLite store, with a manual clock (no sleeps): tier
// timing to the second, repeats, the ack SLA, acknowledgement stopping everything, each immediate
// trigger, policy snapshots, restarts with missed deadlines, delivery with retries, dead letters and
// fallbacks (real subprocesses as command channels), signed links and the stale-step auditor.
#include "paging/pager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/json.h"
#include "core/time.h"
#include "engine/incidents.h"
#include "paging/test_config.h"
#include "testing/testing.h"

namespace firebreak::paging {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kConfig = R"yaml(
people:
  - id: alice
    contacts: [{type: sms, address: alice-sms}, {type: email, address: alice@example.com}]
  - id: bob
    contacts: [{type: sms, address: bob-sms}]
  - id: carol
    contacts: [{type: sms, address: carol-sms}]
  - id: dave
    contacts: [{type: sms, address: dave-sms}]
  - id: frank
    contacts: [{type: sms, address: frank-sms, channel: broken}, {type: email, address: frank@example.com}]
schedules:
  - id: primary
    timezone: UTC
    layers: [{rotation: weekly, start: "2026-01-05", handoff: "00:00", members: [alice]}]
  - id: weekends
    timezone: UTC
    layers:
      - rotation: weekly
        start: "2026-01-05"
        handoff: "00:00"
        members: [dave]
        restrictions: [{days: [weekends]}]
services:
  - {id: api, tier: 1, escalation_policy: three-tier, escalation_by_severity: {SEV0: major}}
  - {id: db, tier: 0, escalation_policy: three-tier}
  - {id: web, tier: 2, escalation_policy: gap-first}
  - {id: edge, tier: 2, escalation_policy: unreachable}
  - {id: lonely, tier: 3}
  - {id: queue, tier: 2, escalation_policy: patient}
  - {id: reports, tier: 3, escalation_policy: office-hours}
time_intervals:
  - name: office
    time_intervals: [{weekdays: ["monday:friday"], times: [{start_time: "09:00", end_time: "17:00"}]}]
escalation_policies:
  - id: office-hours
    support_hours: office
    tiers:
      - {after: 0m, targets: [{schedule: primary}]}
      - {after: 10m, targets: [{person: bob}]}
  - id: three-tier
    repeat: 1
    repeat_after: 30m
    tiers:
      - {after: 0m, targets: [{schedule: primary}]}
      - {after: 5m, targets: [{person: bob}]}
      - {after: 20m, targets: [{person: carol}]}
  - id: major
    tiers:
      - {after: 0m, targets: [{schedule: primary}]}
      - {after: 1m, targets: [{person: dave}]}
      - {after: 2m, targets: [{person: carol}]}
  - id: gap-first
    tiers:
      - {after: 0m, targets: [{schedule: weekends}]}
      - {after: 10m, targets: [{person: bob}]}
  - id: patient
    ack_timeout: 30m
    tiers:
      - {after: 0m, targets: [{schedule: primary}]}
      - {after: 10m, targets: [{person: bob}]}
  - id: unreachable
    tiers:
      - {after: 0m, targets: [{person: frank}]}
      - {after: 30m, targets: [{person: carol}]}
channels:
)yaml" + std::string(kFileChannels) + R"yaml(  - id: broken
    type: command
    contact_types: []
    argv: [/bin/sh, -c, 'cat >/dev/null; echo gateway down; exit 1']
settings:
  severities:
    SEV0: {ack_sla: 5m, resolve_sla: 30m}
    SEV1: {ack_sla: 10m, resolve_sla: 1h}
    SEV2: {ack_sla: 2h, resolve_sla: 4h}
  paging:
    late_margin: 5s
    retry_initial: 1s
    retry_max: 4s
    max_attempts: 3
    contact_types: {SEV0: all, SEV1: [sms], SEV2: [sms], SEV3: [sms], SEV4: [sms]}
)yaml";

class PagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = LoadTestConfig(kConfig);
    Open();
  }
  void TearDown() override { Close(); }
  void Open() {
    store_ = std::move(*store::Store::OpenDir(dir_.path()));
    engine_ = std::make_unique<engine::Engine>(*store_, *clock_, config_);
    auto p = Pager::Create(*engine_, metrics_, PagerOptions{dir_.path(), "http://fb.test"});
    ASSERT_TRUE(p) << p.error().ToString();
    pager_ = std::move(*p);
    ASSERT_TRUE(engine_->LoadTimers());
  }
  // Drops everything without any orderly shutdown work (as after kill -9: the store is all that is left).
  void Close() {
    pager_.reset();
    engine_.reset();
    store_.reset();
  }

  model::Principal Alice() {
    model::Principal p;
    p.actor = model::Actor::Person("alice");
    p.person = "alice";
    p.scopes = model::kScopeRead | model::kScopeWrite;
    return p;
  }
  std::string Declare(std::string service = "api", model::Severity sev = model::Severity::kSev2) {
    engine::DeclareSpec spec;
    spec.title = "API errors";
    spec.severity = sev;
    spec.services = {service};
    auto who = Alice();
    auto inc = engine_->Call<model::Incident>([=](engine::Tx& tx) { return engine::Declare(tx, who, spec); });
    EXPECT_TRUE(inc) << inc.error().ToString();
    return inc ? inc->id : "";
  }
  template <class F>
  void Do(F f) {
    auto r = engine_->Call<model::Incident>(std::function<Result<model::Incident>(engine::Tx&)>(f));
    ASSERT_TRUE(r) << r.error().ToString();
  }
  void Advance(core::Millis d) {
    clock_->Advance(d);
    engine_->RunUntilIdle();
  }
  // "person#page" for every page notification (one per person and page, whatever the channel).
  std::vector<std::string> Pages(const std::string& id) {
    std::vector<std::string> out;
    auto rows = *pager_->Notifications(id);
    for (const auto& r : rows) {
      if (r.kind != "page") continue;
      std::string s = r.person + "#" + std::to_string(r.page_n);
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
    return out;
  }
  std::vector<model::TimelineEntry> Timeline(const std::string& id, const std::string& kind) {
    auto tx = *store_->BeginRead();
    std::vector<model::TimelineEntry> out;
    auto all = *tx->timeline().List(id);
    for (auto& e : all)
      if (e.kind == kind) out.push_back(e);
    return out;
  }
  escalate::State State(const std::string& id) { return **pager_->Escalation(id); }

  testing::TempDir dir_;
  // Monday 2026-01-05T08:00:00Z. A pointer so a "restart" can come back with a later clock (the
  // engine's clock listener must not outlive it).
  std::unique_ptr<core::ManualClock> clock_ =
      std::make_unique<core::ManualClock>(core::FromUnixMillis(1'767'600'000'000));
  core::Registry metrics_;
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<Pager> pager_;
};

TEST_F(PagerTest, TiersFireToTheSecondAndTheWholePolicyRepeats) {
  auto id = Declare();
  EXPECT_THAT(Pages(id), ElementsAre("alice#1"));
  Advance(minutes(4) + seconds(59));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1"));
  Advance(seconds(1));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "bob#2"));
  auto pages = Timeline(id, "page");
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[1].time, clock_->Now());
  EXPECT_EQ(pages[1].data.at("lateness_ms").as_int64(), 0);
  EXPECT_EQ(pages[1].data.at("late").as_bool(), false);
  Advance(minutes(15) - seconds(1));
  EXPECT_EQ(Pages(id).size(), 2u);
  Advance(seconds(1));  // 20m
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "bob#2", "carol#3"));
  // One repeat, 30 minutes after the start: tier 1 again at 30m, tier 2 at 35m, tier 3 at 50m.
  Advance(minutes(10) - seconds(1));
  EXPECT_EQ(Pages(id).size(), 3u);
  Advance(seconds(1));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "bob#2", "carol#3", "alice#4"));
  Advance(minutes(20));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "bob#2", "carol#3", "alice#4", "bob#5", "carol#6"));
  EXPECT_TRUE(State(id).exhausted);
  EXPECT_EQ(Timeline(id, "page")[3].data.at("trigger").as_string(), "repeat");
}

TEST_F(PagerTest, AckSlaRepagesWhoeverWasPaged) {
  auto id = Declare("api", model::Severity::kSev1);  // ack SLA 10m
  Advance(minutes(5));                                  // bob
  Advance(minutes(5));                                  // 10m: SLA passed
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "bob#2", "alice#3", "bob#4"));
  auto pages = Timeline(id, "page");
  EXPECT_THAT(pages[2].text, HasSubstr("ack SLA of SEV1 (10m) passed"));
  EXPECT_EQ(pages[2].data.at("trigger").as_string(), "ack_sla");
}

TEST_F(PagerTest, AcknowledgingStopsTimersAndCancelsQueuedPages) {
  auto id = Declare();
  auto before = *pager_->Notifications(id);
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(before[0].state, "pending");
  Advance(minutes(2));
  auto who = Alice();
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kAcknowledge, ""); });
  auto after = *pager_->Notifications(id);
  for (const auto& r : after) EXPECT_EQ(r.state, "cancelled") << r.key;
  EXPECT_EQ(State(id).status, escalate::Status::kAcknowledged);
  Advance(hours(3));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1"));
  EXPECT_EQ(pager_->DeliverDue(), 0);
  {
    auto tx = *store_->BeginRead();
    EXPECT_FALSE(*tx->timers().Find("escalation", id));
  }
  auto stops = Timeline(id, "escalation");
  EXPECT_THAT(stops.back().text, HasSubstr("Escalation stopped: acknowledged by person:alice"));
  EXPECT_THAT(stops.back().text, HasSubstr("queued page notification(s) cancelled"));
}

// Low urgency (SEV3, SEV4 by default) outside the policy's support hours (weekdays 09:00-17:00
// UTC; the clock starts Monday 08:00) pages nobody until they begin.
TEST_F(PagerTest, LowUrgencyWaitsForSupportHoursAndUrgencyPagesAtOnce) {
  const auto nine = clock_->Now() + hours(1);
  auto held = Declare("reports", model::Severity::kSev3);
  EXPECT_TRUE(Pages(held).empty());
  EXPECT_EQ(State(held).held_until, nine);
  EXPECT_THAT(Timeline(held, "escalation").back().text,
              HasSubstr("Low urgency: SEV3 incident opened outside support hours 'office' (policy 'office-hours'): "
                        "nobody is paged until they begin at 2026-01-05T09:00:00Z (in 1h)"));
  // Urgent severities of the same service page at once.
  auto urgent = Declare("reports", model::Severity::kSev2);
  EXPECT_THAT(Pages(urgent), ElementsAre("alice#1"));
  EXPECT_FALSE(State(urgent).held_until);

  // SEV4 raised to SEV3 keeps waiting; raised to SEV1 it pages now.
  auto raised = Declare("reports", model::Severity::kSev4);
  auto who = Alice();
  Do([&](engine::Tx& tx) { return engine::SetSeverity(tx, who, raised, model::Severity::kSev3, ""); });
  EXPECT_TRUE(Pages(raised).empty());
  EXPECT_EQ(State(raised).held_until, nine);
  Advance(minutes(5));
  Do([&](engine::Tx& tx) { return engine::SetSeverity(tx, who, raised, model::Severity::kSev1, ""); });
  EXPECT_THAT(Pages(raised), ElementsAre("alice#1"));
  EXPECT_THAT(Timeline(raised, "page")[0].text,
              HasSubstr("severity raised from SEV3 to SEV1 (it was waiting for support hours)"));
  EXPECT_FALSE(State(raised).held_until);

  // A service joining does not make it urgent; a request to escalate does.
  auto asked = Declare("reports", model::Severity::kSev3);
  Do([&](engine::Tx& tx) { return engine::AddServices(tx, who, asked, {"lonely"}, "lonely too"); });
  EXPECT_TRUE(Pages(asked).empty());
  Do([&](engine::Tx& tx) { return engine::RequestEscalation(tx, who, asked, "customers are waiting", false); });
  EXPECT_THAT(Pages(asked), ElementsAre("alice#1"));
  EXPECT_THAT(Timeline(asked, "escalation").back().text,
              HasSubstr("No longer waiting for support hours: escalation requested by person:alice"));

  // Acknowledged while waiting: nothing pages when support hours begin.
  auto acked = Declare("reports", model::Severity::kSev4);
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, acked, model::Transition::kAcknowledge, ""); });

  // The hold is durable: after a kill, the timer still fires at 09:00 and not before.
  Close();
  Open();
  Advance(nine - clock_->Now() - seconds(1));
  EXPECT_TRUE(Pages(held).empty());
  Advance(seconds(1));
  EXPECT_THAT(Pages(held), ElementsAre("alice#1"));
  auto page = Timeline(held, "page").at(0);
  EXPECT_EQ(page.time, nine);
  EXPECT_EQ(page.data.at("trigger").as_string(), "support_hours");
  EXPECT_THAT(page.text, HasSubstr("support hours began (SEV3 incident opened outside support hours 'office')"));
  EXPECT_FALSE(State(held).held_until);
  Advance(minutes(10));  // tier 2 ten minutes after support hours began
  EXPECT_THAT(Pages(held), ElementsAre("alice#1", "bob#2"));
  EXPECT_TRUE(Pages(acked).empty());

  // Within support hours a SEV4 pages at once.
  auto day = Declare("reports", model::Severity::kSev4);
  EXPECT_THAT(Pages(day), ElementsAre("alice#1"));
  // Past 17:00, a reopened low-urgency incident waits for the next morning.
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, day, model::Transition::kResolve, "fixed"); });
  Advance(hours(8));  // 17:10
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, day, model::Transition::kReopen, "back"); });
  EXPECT_EQ(State(day).held_until, nine + hours(24));
  EXPECT_THAT(Timeline(day, "escalation").back().text, HasSubstr("SEV4 incident reopened outside support hours"));
  EXPECT_THAT(Pages(day), ElementsAre("alice#1"));
}

TEST_F(PagerTest, EachImmediateTriggerPagesTheNextTierWithItsReason) {
  struct Case {
    const char* name;
    std::function<Result<model::Incident>(engine::Tx&, const model::Principal&, const std::string&)> act;
    const char* reason;
  };
  std::vector<Case> cases = {
      {"severity",
       [](engine::Tx& tx, const model::Principal& w, const std::string& id) {
         return engine::SetSeverity(tx, w, id, model::Severity::kSev1, "");
       },
       "severity raised from SEV2 to SEV1"},
      {"service",
       [](engine::Tx& tx, const model::Principal& w, const std::string& id) {
         return engine::AddServices(tx, w, id, {"db"}, "db errors too");
       },
       "service db joined the incident"},
      {"data_loss",
       [](engine::Tx& tx, const model::Principal& w, const std::string& id) {
         return engine::FlagIncident(tx, w, id, "data_loss", "orders table truncated");
       },
       "data loss risk flagged"},
      {"security",
       [](engine::Tx& tx, const model::Principal& w, const std::string& id) {
         return engine::FlagIncident(tx, w, id, "security", "leaked key");
       },
       "security risk flagged"},
      {"remediation",
       [](engine::Tx& tx, const model::Principal& w, const std::string& id) {
         return engine::RequestEscalation(tx, w, id, "restart-service failed verification", true);
       },
       "remediation failed: restart-service failed verification"},
      {"request",
       [](engine::Tx& tx, const model::Principal& w, const std::string& id) {
         return engine::RequestEscalation(tx, w, id, "need a DBA", false);
       },
       "escalation requested by person:alice: need a DBA"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto id = Declare();
    Advance(minutes(1));
    auto who = Alice();
    Do([&](engine::Tx& tx) { return c.act(tx, who, id); });
    EXPECT_THAT(Pages(id), ElementsAre("alice#1", "bob#2"));
    auto pages = Timeline(id, "page");
    ASSERT_EQ(pages.size(), 2u);
    EXPECT_THAT(pages[1].text, HasSubstr(c.reason));
    EXPECT_EQ(pages[1].time, clock_->Now());
    // The next tier keeps its spacing (15 minutes after tier 2) from the immediate page.
    EXPECT_EQ(State(id).tier_due, clock_->Now() + minutes(15));
  }
}

TEST_F(PagerTest, RaisingToASeverityWithItsOwnPolicySwitchesToIt) {
  auto id = Declare();
  auto who = Alice();
  Do([&](engine::Tx& tx) { return engine::SetSeverity(tx, who, id, model::Severity::kSev0, ""); });
  EXPECT_EQ(State(id).policy.id, "major");
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "dave#2"));
  Advance(minutes(1));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "dave#2", "carol#3"));
  EXPECT_THAT(Timeline(id, "escalation").back().text, HasSubstr("switched from 'three-tier' to 'major'"));
}

TEST_F(PagerTest, EditingThePolicyNeverReachesALiveEscalation) {
  auto id = Declare();
  std::string edited = kConfig;
  auto pos = edited.find("{after: 5m, targets: [{person: bob}]}");
  edited.replace(pos, std::string("{after: 5m, targets: [{person: bob}]}").size(), "{after: 1m, targets: [{person: dave}]}");
  engine_->SetConfig(LoadTestConfig(edited));
  Advance(minutes(1));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1"));
  Advance(minutes(4));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "bob#2"));
  // A new incident uses the edited policy.
  auto id2 = Declare();
  Advance(minutes(1));
  EXPECT_THAT(Pages(id2), ElementsAre("alice#1", "dave#2"));
}

TEST_F(PagerTest, DeadlinesMissedWhileDownFireOnceAtRestartMarkedLate) {
  auto id = Declare();
  auto id2 = Declare("db");
  auto later = clock_->Now() + minutes(22);  // tiers at 5m and 20m are missed while down
  Close();                                   // kill -9: nothing runs
  clock_ = std::make_unique<core::ManualClock>(later);
  Open();
  engine_->RunUntilIdle();
  for (const auto& x : {id, id2}) {
    EXPECT_THAT(Pages(x), ElementsAre("alice#1", "bob#2", "carol#3"));
    auto pages = Timeline(x, "page");
    ASSERT_EQ(pages.size(), 3u);
    EXPECT_TRUE(pages[1].data.at("late").as_bool());
    EXPECT_EQ(pages[1].data.at("lateness_ms").as_int64(), std::chrono::milliseconds(minutes(17)).count());
    EXPECT_THAT(pages[1].text, HasSubstr("(late by 17m"));
    EXPECT_EQ(pages[2].data.at("lateness_ms").as_int64(), std::chrono::milliseconds(minutes(2)).count());
  }
  Advance(minutes(1));
  EXPECT_EQ(Pages(id).size(), 3u);  // nothing fires twice
  EXPECT_GE(metrics_.GetCounter("firebreak_escalation_late_steps_total", "").value(), 4);
}

TEST_F(PagerTest, AScheduleGapEscalatesToTheNextTierAtOnce) {
  auto id = Declare("web");  // Monday: the weekends schedule has nobody
  EXPECT_THAT(Pages(id), ElementsAre("bob#2"));
  auto pages = Timeline(id, "page");
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_THAT(pages[0].text, HasSubstr("nobody is on call in schedule 'weekends'"));
  EXPECT_THAT(pages[1].text, HasSubstr("tier 1 had nobody to page"));
}

TEST_F(PagerTest, AnIncidentNoPolicyCoversSaysSoInItsTimeline) {
  auto id = Declare("lonely");
  EXPECT_TRUE(Pages(id).empty());
  EXPECT_THAT(Timeline(id, "escalation").at(0).text, HasSubstr("nobody will be paged"));
  EXPECT_FALSE(*pager_->Escalation(id));
}

TEST_F(PagerTest, AnIncidentThatOnlyAskedRespondersStartsItsPolicyWhenOneApplies) {
  // No policy covers 'lonely': the record kept for its request to dave holds no tiers. A service
  // joining brings api's policy in, and it starts, numbering its pages after dave's.
  auto id = Declare("lonely");
  auto who = Alice();
  Do([&](engine::Tx& tx) { return pager_->AddResponders(tx, who, id, {{"person", "dave", {}}}, "need a DBA"); });
  EXPECT_THAT(Pages(id), ElementsAre("dave#1"));
  Do([&](engine::Tx& tx) { return engine::AddServices(tx, who, id, {"api"}, "api too"); });
  EXPECT_THAT(Pages(id), ElementsAre("dave#1", "alice#2"));
  EXPECT_EQ(State(id).policy.id, "three-tier");
  EXPECT_EQ(State(id).responders.size(), 1u) << "the request to dave is still on record";
  Advance(minutes(5));
  EXPECT_THAT(Pages(id), ElementsAre("dave#1", "alice#2", "bob#3")) << "its timers run";

  // A request to escalate where still no policy applies says so, instead of returning having done nothing.
  auto asked = Declare("lonely");
  Do([&](engine::Tx& tx) { return pager_->AddResponders(tx, who, asked, {{"person", "dave", {}}}, "x"); });
  const auto before = Timeline(asked, "escalation").size();
  Do([&](engine::Tx& tx) { return engine::RequestEscalation(tx, who, asked, "need more people", false); });
  ASSERT_EQ(Timeline(asked, "escalation").size(), before + 1);
  EXPECT_THAT(Timeline(asked, "escalation").back().text, HasSubstr("nobody will be paged"));
}

TEST_F(PagerTest, AskingToEscalateAMitigatedIncidentPagesTheNextTier) {
  auto id = Declare();  // three-tier: alice now
  auto who = Alice();
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kMitigate, ""); });
  Do([&](engine::Tx& tx) { return engine::RequestEscalation(tx, who, id, "it is back, need the DBA", false); });
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "bob#2"));
  Advance(hours(2));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "bob#2")) << "no timers while mitigated";
}

TEST_F(PagerTest, DeliveryWritesReceiptsAndTheMessageCarriesSignedLinks) {
  auto id = Declare();
  EXPECT_EQ(pager_->DeliverDue(), 1);
  auto rows = *pager_->Notifications(id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, "delivered");
  EXPECT_EQ(rows[0].channel, "sms");
  EXPECT_EQ(rows[0].destination, "alice-sms");
  EXPECT_EQ(rows[0].receipt, "exit 0");
  auto receipts = Timeline(id, "notification");
  ASSERT_EQ(receipts.size(), 1u);
  EXPECT_THAT(receipts[0].text, HasSubstr("Page 1 delivered to alice via command (sms): exit 0"));
  std::string msg = testing::ReadFile(dir_.File("out." + rows[0].key));
  EXPECT_THAT(msg, HasSubstr("Page: [SEV2] " + id + " API errors"));
  auto at = msg.find("Acknowledge: http://fb.test/a/");
  ASSERT_NE(at, std::string::npos) << msg;
  std::string token = msg.substr(at + 30, msg.find('\n', at) - at - 30);
  // The link acknowledges as alice, once.
  ASSERT_TRUE(pager_->CheckLink(token));
  Do([&](engine::Tx& tx) { return pager_->UseLink(tx, token, "127.0.0.1"); });
  auto inc = [&] {
    auto tx = *store_->BeginRead();
    return **tx->incidents().Get(id);
  }();
  EXPECT_EQ(inc.state, model::IncidentState::kAcknowledged);
  EXPECT_EQ(inc.acknowledged_by, "person:alice");
  auto again = engine_->Call<model::Incident>([&](engine::Tx& tx) { return pager_->UseLink(tx, token, ""); });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(pager_->CheckLink(token).error().code, ErrorCode::kAlreadyExists);
  {
    auto tx = *store_->BeginRead();
    store::AuditFilter f;
    f.action_prefix = "link.use";
    auto audit = *tx->audit().List(f);
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].actor, "person:alice");
  }
  // An expired link is refused (and stays unused).
  clock_->Advance(hours(25));
  auto at2 = msg.find("Resolve: http://fb.test/a/");
  std::string resolve = msg.substr(at2 + 26, msg.find('\n', at2) - at2 - 26);
  EXPECT_EQ(pager_->CheckLink(resolve).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(PagerTest, FailuresRetryWithBackoffThenDeadLetterAndFallBackThenEscalate) {
  auto id = Declare("edge");  // frank: sms through the broken gateway, then email
  EXPECT_EQ(pager_->DeliverDue(), 1);
  auto rows = *pager_->Notifications(id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, "pending");
  EXPECT_EQ(rows[0].attempts, 1);
  EXPECT_EQ(rows[0].last_error, "exit 1: gateway down");
  auto wait = rows[0].next_attempt_at - clock_->Now();
  EXPECT_GE(wait, std::chrono::milliseconds(500));
  EXPECT_LE(wait, seconds(1));
  EXPECT_EQ(pager_->DeliverDue(), 0);  // not before its time
  Advance(seconds(1));
  EXPECT_EQ(pager_->DeliverDue(), 1);
  Advance(seconds(2));
  EXPECT_EQ(pager_->DeliverDue(), 1);  // third attempt: dead letter, fallback to email
  rows = *pager_->Notifications(id);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].state, "dead");
  EXPECT_EQ(rows[0].attempts, 3);
  EXPECT_EQ(rows[1].channel, "mail");
  EXPECT_EQ(rows[1].destination, "frank@example.com");
  auto failed = Timeline(id, "notification_failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_THAT(failed[0].text, HasSubstr("dead-lettered: exit 1: gateway down"));
  EXPECT_EQ(pager_->DeliverDue(), 1);
  EXPECT_EQ((*pager_->Notifications(id))[1].state, "delivered");
  EXPECT_EQ(testing::ReadFile(dir_.File("out." + (*pager_->Notifications(id))[1].key)).empty(), false);
}

TEST_F(PagerTest, SomeoneUnreachableOnEveryMethodEscalatesToTheNextTier) {
  // Only the broken gateway: frank cannot be reached at all.
  std::string cfg = kConfig;
  auto pos = cfg.find(", {type: email, address: frank@example.com}");
  cfg.erase(pos, std::string(", {type: email, address: frank@example.com}").size());
  engine_->SetConfig(LoadTestConfig(cfg));
  auto id = Declare("edge");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(pager_->DeliverDue(), 1);
    Advance(seconds(4));
  }
  EXPECT_THAT(Pages(id), ElementsAre("frank#1", "carol#2"));
  EXPECT_THAT(Timeline(id, "page").back().text, HasSubstr("frank could not be reached on any contact method"));
}

TEST_F(PagerTest, TheAuditorFlagsAStepTheEngineDidNotFire) {
  auto id = Declare();
  clock_->Advance(minutes(5) + seconds(30));  // tier 2 was due at 5m; the engine has not run
  EXPECT_EQ(pager_->AuditOnce(), 1);
  engine_->RunUntilIdle();
  auto stale = Timeline(id, "escalation_stale");
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_THAT(stale[0].text, HasSubstr("still not fired 30s later (margin 5s)"));
  auto pages = Timeline(id, "page");
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_TRUE(pages[1].data.at("late").as_bool());
  EXPECT_EQ(pager_->AuditOnce(), 0);
  EXPECT_EQ(metrics_.GetGauge("firebreak_escalation_stale_steps", "").value(), 0);
}

TEST_F(PagerTest, SevZeroPagesEveryContactMethodAndReopenStartsOver) {
  auto id = Declare("db", model::Severity::kSev0);
  auto rows = *pager_->Notifications(id);
  ASSERT_EQ(rows.size(), 2u);  // alice by sms and by email
  EXPECT_EQ(rows[0].channel, "sms");
  EXPECT_EQ(rows[1].channel, "mail");
  auto who = Alice();
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kResolve, "fixed"); });
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kReopen, "back"); });
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "alice#2"));
  EXPECT_EQ(State(id).status, escalate::Status::kActive);
  Advance(minutes(5));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "alice#2", "bob#3", "alice#4"));  // tier 2 + SEV0 SLA re-page
}

TEST_F(PagerTest, AnAcknowledgementTimesOutAndEscalationStartsOverEvenAcrossARestart) {
  auto id = Declare("queue");
  auto who = Alice();
  Advance(minutes(2));
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kAcknowledge, ""); });
  EXPECT_THAT(Timeline(id, "escalation").back().text,
              HasSubstr("Acknowledgement times out at 2026-01-05T08:32:00Z (policy 'patient': ack_timeout 30m)"));
  Advance(minutes(29) + seconds(59));
  EXPECT_EQ(State(id).status, escalate::Status::kAcknowledged);
  // The server dies; the deadline is durable.
  Close();
  Open();
  Advance(seconds(1));
  auto inc = engine_->Call<model::Incident>([&](engine::Tx& tx) { return engine::LoadIncident(tx, id); });
  ASSERT_TRUE(inc);
  EXPECT_EQ(inc->state, model::IncidentState::kTriggered);
  EXPECT_EQ(inc->acknowledged_by, "person:alice") << "the first acknowledgement is kept (MTTA)";
  auto unacked = Timeline(id, "unacknowledged");
  ASSERT_EQ(unacked.size(), 1u);
  EXPECT_EQ(unacked[0].actor, "system:escalate");
  EXPECT_THAT(unacked[0].text, HasSubstr("acknowledged 30m ago and neither mitigated nor resolved"));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "alice#2"));
  EXPECT_EQ(Timeline(id, "page").back().data.at("trigger").as_string(), "unacknowledged");
  Advance(minutes(10));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "alice#2", "bob#3")) << "the tiers run again";

  // Acknowledged again, then mitigated before the timeout: nothing more.
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kAcknowledge, ""); });
  Advance(minutes(5));
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kMitigate, ""); });
  {
    auto tx = *store_->BeginRead();
    EXPECT_FALSE(*tx->timers().Find(engine::kUnackTimer, id)) << "mitigating disarms the timeout";
  }
  Advance(hours(2));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "alice#2", "bob#3"));
  EXPECT_EQ(Timeline(id, "unacknowledged").size(), 1u);
}

TEST_F(PagerTest, ASnoozedIncidentPagesAgainWhenTheSnoozeEnds) {
  auto id = Declare();  // three-tier: no acknowledgement timeout
  auto who = Alice();
  auto snooze = [&](core::Millis d) {
    return engine_->Call<model::Incident>([&](engine::Tx& tx) { return engine::Snooze(tx, who, id, d, "vendor fix"); });
  };
  auto early = snooze(hours(2));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(early.error().message, HasSubstr("acknowledge it first"));
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kAcknowledge, ""); });
  EXPECT_FALSE(snooze(seconds(30))) << "shorter than a minute";
  EXPECT_FALSE(snooze(hours(24 * 8))) << "longer than a week";
  ASSERT_TRUE(snooze(hours(2)));
  EXPECT_THAT(Timeline(id, "snoozed").back().text, HasSubstr("Snoozed for 2h by person:alice: pages again at "
                                                             "2026-01-05T10:00:00Z unless mitigated or resolved"));
  Advance(hours(2) - seconds(1));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1"));
  Advance(seconds(1));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "alice#2"));
  EXPECT_THAT(Timeline(id, "unacknowledged").back().text, HasSubstr("the snooze of 2h ended"));
  EXPECT_EQ(State(id).status, escalate::Status::kActive);

  // Unacknowledging by hand does the same at once; a snooze ended by a resolution never fires.
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kAcknowledge, ""); });
  Do([&](engine::Tx& tx) {
    return engine::ApplyTransition(tx, who, id, model::Transition::kUnacknowledge, "wrong person");
  });
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "alice#2", "alice#3"));
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kAcknowledge, ""); });
  ASSERT_TRUE(snooze(hours(1)));
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kResolve, "fixed"); });
  Advance(hours(3));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "alice#2", "alice#3"));
  EXPECT_EQ(Timeline(id, "unacknowledged").size(), 2u);
}

TEST_F(PagerTest, RespondersArePagedNowOutsideTheTiers) {
  auto id = Declare();  // three-tier: alice now, bob at 5m, carol at 20m
  auto who = Alice();
  auto add = [&](const std::string& inc, std::vector<model::EscalationTarget> targets) {
    return engine_->Call<model::Incident>(
        [&](engine::Tx& tx) { return pager_->AddResponders(tx, who, inc, targets, "need someone who knows the DB"); });
  };
  auto unknown = add(id, {{"person", "carol", {}}, {"schedule", "nope", {}}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "targets[1]");
  EXPECT_THAT(unknown.error().message, HasSubstr("unknown schedule 'nope'"));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1")) << "a refused request pages nobody";

  Advance(minutes(1));
  ASSERT_TRUE(add(id, {{"person", "carol", {}}, {"schedule", "primary", {}}}));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "carol#2", "alice#2"));
  auto page = Timeline(id, "page").back();
  EXPECT_EQ(page.actor, "person:alice");
  EXPECT_EQ(page.data.at("trigger").as_string(), "responders");
  EXPECT_THAT(page.text, HasSubstr("Paging responders: carol, alice — requested by person:alice: need "
                                   "someone who knows the DB"));
  // The tiers keep their own schedule: bob still at 5 minutes.
  Advance(minutes(4));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1", "carol#2", "alice#2", "bob#3"));
  EXPECT_EQ(State(id).history.at(1).trigger, "responders");

  // An incident no policy pages can still call for help.
  auto lonely = Declare("lonely");
  ASSERT_TRUE(add(lonely, {{"person", "dave", {}}}));
  EXPECT_THAT(Pages(lonely), ElementsAre("dave#1"));
  EXPECT_EQ(State(lonely).status, escalate::Status::kStopped);
  Advance(hours(2));
  EXPECT_THAT(Pages(lonely), ElementsAre("dave#1")) << "nothing repeats it";

  // A resolved incident pages nobody.
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, lonely, model::Transition::kResolve, "ok"); });
  auto closed = add(lonely, {{"person", "dave", {}}});
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(PagerTest, ThePersonAskedAcceptsOrDeclinesAndTheAskerIsTold) {
  auto id = Declare();  // three-tier: alice now
  auto alice = Alice();
  auto as = [](const std::string& person, model::Scopes scopes = model::kScopeRead | model::kScopeWrite) {
    model::Principal p;
    p.actor = model::Actor::Person(person);
    p.person = person;
    p.scopes = scopes;
    return p;
  };
  auto answer = [&](const model::Principal& who, const std::string& person, bool accept, const std::string& note) {
    return engine_->Call<model::Incident>(
        [&](engine::Tx& tx) { return pager_->AnswerResponder(tx, who, id, person, accept, note); });
  };
  // Nobody was asked yet.
  auto early = answer(as("carol"), "carol", true, "");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(early.error().field, "person");

  Do([&](engine::Tx& tx) {
    return pager_->AddResponders(tx, alice, id, {{"person", "carol", {}}, {"person", "bob", {}}}, "need a DBA");
  });
  ASSERT_EQ(State(id).responders.size(), 2u);
  EXPECT_EQ(State(id).responders[0].person, "carol");
  EXPECT_EQ(State(id).responders[0].response, "pending");
  EXPECT_EQ(State(id).responders[0].requested_by, "person:alice");
  EXPECT_EQ(State(id).responders[0].message, "need a DBA");

  // Carol's page carries accept and decline links as well as acknowledge.
  EXPECT_EQ(pager_->DeliverDue(), 3);  // alice's tier-1 page, carol, bob
  auto rows = *pager_->Notifications(id);
  auto carol_row = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.person == "carol"; });
  ASSERT_NE(carol_row, rows.end());
  std::string msg = testing::ReadFile(dir_.File("out." + carol_row->key));
  EXPECT_THAT(msg, HasSubstr("Responders: requested by person:alice: need a DBA"));
  auto link = [&](const std::string& label) {
    auto at = msg.find(label + "http://fb.test/a/");
    EXPECT_NE(at, std::string::npos) << msg;
    if (at == std::string::npos) return std::string();
    at += label.size() + std::string("http://fb.test/a/").size();
    return msg.substr(at, msg.find('\n', at) - at);
  };
  const std::string accept = link("Accept (you are joining): "), decline = link("Decline: ");
  ASSERT_THAT(msg, HasSubstr("Acknowledge: http://fb.test/a/"));
  // Alice's tier page is not a request to respond: no such links.
  auto alice_row = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.person == "alice"; });
  EXPECT_THAT(testing::ReadFile(dir_.File("out." + alice_row->key)), Not(HasSubstr("Accept")));

  // Only carol (or an admin) answers for carol.
  auto other = answer(as("dave"), "carol", false, "");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kPermissionDenied);

  // Carol accepts with the link: recorded as her, in the timeline and the audit log; alice hears it.
  ASSERT_TRUE(pager_->CheckLink(accept));
  Do([&](engine::Tx& tx) { return pager_->UseLink(tx, accept, "127.0.0.1"); });
  auto st = State(id);
  EXPECT_EQ(st.responders[0].response, "accepted");
  EXPECT_EQ(st.responders[0].responded_by, "person:carol");
  EXPECT_EQ(st.responders[0].responded_at, clock_->Now());
  EXPECT_EQ(st.responders[1].response, "pending");
  auto said = Timeline(id, "responder");
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0].actor, "person:carol");
  EXPECT_EQ(said[0].text, "carol accepted the request to respond");
  rows = *pager_->Notifications(id);
  std::vector<std::string> notices;
  for (const auto& r : rows)
    if (r.kind == "notice") notices.push_back(r.person + ":" + r.event);
  EXPECT_THAT(notices, ElementsAre("alice:responder_accepted"));
  // The decline link of the same request no longer works: the request is answered.
  auto late = engine_->Call<model::Incident>([&](engine::Tx& tx) { return pager_->UseLink(tx, decline, ""); });
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(late.error().message, HasSubstr("carol already accepted"));

  // Bob declines through the API path, with a reason; an admin cannot answer again for him.
  ASSERT_TRUE(answer(as("bob"), "bob", false, "on a flight until 14:00"));
  EXPECT_EQ(State(id).responders[1].response, "declined");
  EXPECT_EQ(State(id).responders[1].note, "on a flight until 14:00");
  EXPECT_EQ(Timeline(id, "responder").back().text, "bob declined the request to respond: on a flight until 14:00");
  auto twice = answer(as("root", model::kScopeAdmin), "bob", true, "");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kFailedPrecondition);

  // Asked again, bob's new request is the one to answer; an admin records it for him.
  Do([&](engine::Tx& tx) { return pager_->AddResponders(tx, alice, id, {{"person", "bob", {}}}, "landed yet?"); });
  ASSERT_TRUE(answer(as("root", model::kScopeAdmin), "bob", true, "called me"));
  st = State(id);
  ASSERT_EQ(st.responders.size(), 3u);
  EXPECT_EQ(st.responders[2].response, "accepted");
  EXPECT_EQ(st.responders[2].responded_by, "person:root");
  EXPECT_THAT(Timeline(id, "responder").back().text, HasSubstr("(recorded by person:root)"));
  {
    auto tx = *store_->BeginRead();
    store::AuditFilter f;
    f.action_prefix = "incident.responder.";
    auto audit = *tx->audit().List(f);
    ASSERT_EQ(audit.size(), 3u);
  }
  // The answers survive a restart (they live in the escalation record).
  Close();
  Open();
  EXPECT_EQ(State(id).responders.size(), 3u);
  EXPECT_EQ(State(id).responders[1].response, "declined");
}

TEST_F(PagerTest, AskingAgainSupersedesAnUnansweredRequest) {
  auto id = Declare();
  auto alice = Alice();
  Do([&](engine::Tx& tx) { return pager_->AddResponders(tx, alice, id, {{"person", "dave", {}}}, "first"); });
  Do([&](engine::Tx& tx) { return pager_->AddResponders(tx, alice, id, {{"person", "dave", {}}}, "second"); });
  auto st = State(id);
  ASSERT_EQ(st.responders.size(), 2u);
  EXPECT_EQ(st.responders[0].response, "superseded");
  EXPECT_EQ(st.responders[1].response, "pending");
  auto pending = escalate::PendingResponderRequests(st, "dave");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].message, "second");
  // Once the incident is resolved there is nothing to answer.
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, alice, id, model::Transition::kResolve, "ok"); });
  model::Principal dave;
  dave.actor = model::Actor::Person("dave");
  dave.person = "dave";
  dave.scopes = model::kScopeWrite;
  auto r = engine_->Call<model::Incident>(
      [&](engine::Tx& tx) { return pager_->AnswerResponder(tx, dave, id, "dave", true, ""); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().field, "state");
}


// ---- shift handoff notices ----------------------------------------------------------------------

const std::string kHandoffConfig = R"yaml(
people:
  - id: alice
    name: Alice Martin
    timezone: Europe/Paris
    contacts: [{type: sms, address: alice-sms}, {type: email, address: alice@example.com}]
  - {id: bob, name: Bob Chen, contacts: [{type: sms, address: bob-sms}]}
  - {id: carol, name: Carol, contacts: [{type: email, address: carol@example.com}]}
schedules:
  - id: primary
    name: Primary on-call
    timezone: UTC
    layers: [{rotation: weekly, start: "2026-01-05", handoff: "09:00", members: [alice, bob]}]
  - id: quiet
    timezone: UTC
    layers: [{rotation: weekly, start: "2026-01-05", handoff: "09:00", members: [carol]}]
services:
  - {id: api, tier: 1, escalation_policy: through-primary}
  - {id: other, tier: 2, escalation_policy: carol-only}
escalation_policies:
  - id: through-primary
    tiers: [{after: 0m, targets: [{schedule: primary}]}]
  - id: carol-only
    tiers: [{after: 0m, targets: [{person: carol}]}]
channels:
)yaml" + std::string(kFileChannels) + R"yaml(settings:
  paging:
    handoff_notice: 1h
    handoff_contact_types: [email]
)yaml";

class HandoffNoticeTest : public PagerTest {
 protected:
  void SetUp() override {
    config_ = LoadTestConfig(kHandoffConfig);
    Open();
  }
  void Plan() {
    pager_->PlanHandoffs();
    engine_->RunUntilIdle();
  }
  std::vector<store::OutboxRow> Notices() { return *pager_->HandoffNotices(); }
  // "event:person:channel" per notice, oldest first.
  std::vector<std::string> Summary() {
    std::vector<std::string> out;
    for (const auto& r : Notices()) out.push_back(r.event + ":" + r.person + ":" + r.channel);
    return out;
  }
  // kHandoffConfig with `person` on primary from `start` to `end` (an override in the file).
  std::shared_ptr<const config::Config> WithOverride(const std::string& person, const std::string& start,
                                                     const std::string& end) {
    std::string edited = kHandoffConfig;
    const std::string layer = R"(members: [alice, bob]}])";
    edited.replace(edited.find(layer), layer.size(),
                   layer + "\n    overrides: [{person: " + person + ", start: \"" + start + "\", end: \"" + end + "\"}]");
    return LoadTestConfig(edited);
  }
  // Summary() from the n-th notice on.
  std::vector<std::string> Since(size_t n) {
    auto all = Summary();
    return std::vector<std::string>(all.begin() + static_cast<std::ptrdiff_t>(std::min(n, all.size())), all.end());
  }
  boost::json::object Context(const store::OutboxRow& r) { return core::ParseJson(r.context)->as_object(); }
  std::string Note(size_t i) { return std::string(Context(Notices().at(i)).at("note").as_string()); }
};

TEST_F(HandoffNoticeTest, BothPeopleAreToldAnHourAheadOnceWithTheIncidentsPagingThroughTheSchedule) {
  // Monday 08:00Z: both schedules start at 09:00Z. Alice (in Paris) and carol are told now, by
  // email (handoff_contact_types); alice's times are in her own zone.
  Plan();
  EXPECT_THAT(Summary(), ElementsAre("shift_start:alice:mail", "shift_start:carol:mail"));
  EXPECT_EQ(Note(0),
            "Your on-call shift on Primary on-call starts in 1h, at Mon 05 Jan 10:00 (Europe/Paris), until Mon 12 Jan "
            "10:00 (Europe/Paris); nobody is on call before you. No open incident pages through this schedule.");
  // Planning again (a restart, a reload) tells nobody twice.
  Plan();
  Close();
  Open();
  Plan();
  EXPECT_EQ(Notices().size(), 2u);

  Advance(hours(1));  // alice is on call
  auto id = Declare("api");
  auto who = Alice();
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kAcknowledge, ""); });
  Do([&](engine::Tx& tx) { return engine::AssignRole(tx, who, id, std::string(model::kRoleCommander), "alice"); });
  Declare("other");  // pages carol directly, not through primary
  // The durable timer fires an hour before the next handoff, to the second.
  Advance(hours(24 * 7 - 1) - seconds(1));  // Monday 12 January 07:59:59Z
  EXPECT_EQ(Notices().size(), 2u);
  Advance(seconds(1));
  // bob has no email: his first contact method a channel delivers.
  EXPECT_THAT(Summary(), ElementsAre("shift_start:alice:mail", "shift_start:carol:mail", "shift_start:bob:sms",
                                     "shift_end:alice:mail"));
  EXPECT_EQ(Note(2),
            "Your on-call shift on Primary on-call starts in 1h, at Mon 12 Jan 09:00 (UTC), until Mon 19 Jan 09:00 "
            "(UTC); you take over from Alice Martin. 1 open incident pages through this schedule.");
  EXPECT_EQ(Note(3),
            "Your on-call shift on Primary on-call ends in 1h, at Mon 12 Jan 10:00 (Europe/Paris); Bob Chen takes "
            "over. Hand over: 1 open incident pages through this schedule. You still hold a role: incident commander "
            "of " + id + "; hand it over or keep it.");
  EXPECT_THAT(Note(2), Not(HasSubstr("role")));  // bob holds none
  auto incidents = Context(Notices()[2]).at("incidents").as_array();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].at("id").as_string(), id);
  EXPECT_EQ(incidents[0].at("state").as_string(), "acknowledged");

  // Delivered like any notification: the message names the schedule and lists the incident, with no
  // acknowledge or incident link (there is no incident to act on).
  pager_->DeliverDue();
  auto rows = Notices();
  for (const auto& r : rows) EXPECT_EQ(r.state, "delivered") << r.key << ": " << r.last_error;
  std::string msg = testing::ReadFile(dir_.File("out." + rows[2].key));
  EXPECT_THAT(msg, HasSubstr("On-call shift starting: Primary on-call, Mon 12 Jan 09:00 (UTC)\nYour on-call shift"));
  EXPECT_THAT(msg, HasSubstr("- [SEV2] " + id + " API errors (acknowledged, acknowledged by"));
  EXPECT_THAT(msg, Not(HasSubstr("http://fb.test")));
}

TEST_F(HandoffNoticeTest, AnOverrideMovesTheHandoffAndTurningNoticesOffStopsThem) {
  Plan();
  Advance(hours(24 * 7));  // Monday 12 January 08:00Z: alice hands over to bob at 09:00
  ASSERT_EQ(Notices().size(), 4u);
  // carol takes 08:30-12:00 (an override made now): alice hands over to her in 30 minutes, so both
  // are told at once; carol hands over to bob at 12:00, and they are told at 11:00.
  engine_->SetConfig(WithOverride("carol", "2026-01-12T08:30:00Z", "2026-01-12T12:00:00Z"));
  Plan();
  // Bob, told his shift starts at 09:00, is told it does not; alice learns her new end time from
  // the new handoff's notice.
  EXPECT_THAT(Summary(), ElementsAre("shift_start:alice:mail", "shift_start:carol:mail", "shift_start:bob:sms",
                                     "shift_end:alice:mail", "shift_changed:bob:sms", "shift_start:carol:mail",
                                     "shift_end:alice:mail"));
  EXPECT_EQ(Note(4), "Change to your on-call shift on Primary on-call: it no longer starts at Mon 12 Jan 09:00 (UTC); "
                     "Carol is on call then.");
  EXPECT_THAT(Note(5), HasSubstr("starts in 30m, at Mon 12 Jan 08:30 (UTC), until Mon 12 Jan 12:00 (UTC) (an override); "
                                 "you take over from Alice Martin."));
  Advance(hours(3) - seconds(1));
  EXPECT_EQ(Notices().size(), 7u);
  Advance(seconds(1));
  EXPECT_THAT(Summary(), ::testing::ElementsAreArray(std::vector<std::string>{
                             "shift_start:alice:mail", "shift_start:carol:mail", "shift_start:bob:sms",
                             "shift_end:alice:mail", "shift_changed:bob:sms", "shift_start:carol:mail",
                             "shift_end:alice:mail", "shift_start:bob:sms", "shift_end:carol:mail"}));

  // Off: no more notices, not even at the next weekly handoff.
  std::string off = kHandoffConfig;
  const std::string setting = "    handoff_notice: 1h\n";
  off.erase(off.find(setting), setting.size());
  engine_->SetConfig(LoadTestConfig(off));
  Plan();
  Advance(hours(24 * 8));
  EXPECT_EQ(Notices().size(), 9u);
}

TEST_F(HandoffNoticeTest, AHandoffCalledOffIsCorrectedAndToldAgainWhenItComesBack) {
  Plan();
  Advance(hours(24 * 7));  // Monday 12 January 08:00Z: alice hands over to bob at 09:00, both told
  ASSERT_EQ(Notices().size(), 4u);
  EXPECT_EQ(pager_->DeliverDue(), 4);
  // carol takes 09:00-12:00: at 09:00 alice hands over to carol instead of bob.
  engine_->SetConfig(WithOverride("carol", "2026-01-12T09:00:00Z", "2026-01-12T12:00:00Z"));
  Plan();
  EXPECT_THAT(Since(4),
              ElementsAre("shift_changed:bob:sms", "shift_start:carol:mail", "shift_end:alice:mail"));
  EXPECT_EQ(Note(4), "Change to your on-call shift on Primary on-call: it no longer starts at Mon 12 Jan 09:00 (UTC); "
                     "Carol is on call then.");
  EXPECT_THAT(Note(6), HasSubstr("ends in 1h, at Mon 12 Jan 10:00 (Europe/Paris); Carol takes over."));
  EXPECT_EQ(pager_->DeliverDue(), 3);
  // The override is deleted: carol hears her shift is off, and the first handoff is told again.
  engine_->SetConfig(LoadTestConfig(kHandoffConfig));
  Plan();
  EXPECT_THAT(Since(7),
              ElementsAre("shift_changed:carol:mail", "shift_start:bob:sms", "shift_end:alice:mail"));
  EXPECT_EQ(Note(7), "Change to your on-call shift on Primary on-call: it no longer starts at Mon 12 Jan 09:00 (UTC); "
                     "Bob Chen is on call then.");
  EXPECT_THAT(Note(8), HasSubstr("starts in 1h, at Mon 12 Jan 09:00 (UTC)"));
  // Each went out once under its own key; a restart and another plan add nothing.
  Close();
  Open();
  Plan();
  EXPECT_EQ(Notices().size(), 10u);
  pager_->DeliverDue();
  for (const auto& r : Notices()) EXPECT_EQ(r.state, "delivered") << r.key << ": " << r.last_error;
  EXPECT_THAT(testing::ReadFile(dir_.File("out." + Notices()[4].key)),
              HasSubstr("On-call shift changed: Primary on-call, Mon 12 Jan 09:00 (UTC)\nChange to your on-call shift"));
}

TEST_F(HandoffNoticeTest, AHandoffToTheSamePersonFromSomeoneElseIsToldWithoutTheStaleNotice) {
  Plan();
  Advance(hours(24 * 7));  // Monday 12 January 08:00Z: alice hands over to bob at 09:00, both told
  ASSERT_EQ(Notices().size(), 4u);
  // carol takes 08:30-09:00: bob still starts at 09:00, now taking over from carol.
  engine_->SetConfig(WithOverride("carol", "2026-01-12T08:30:00Z", "2026-01-12T09:00:00Z"));
  Plan();
  EXPECT_THAT(Since(4), ElementsAre("shift_start:carol:mail", "shift_end:alice:mail", "shift_start:bob:sms",
                                    "shift_end:carol:mail"));
  EXPECT_THAT(Note(6), HasSubstr("starts in 1h, at Mon 12 Jan 09:00 (UTC), until Mon 19 Jan 09:00 (UTC); you take "
                                 "over from Carol."));
  // The notices of the handoff called off were still queued: they are not sent, so bob cannot hear
  // "from Alice" after "from Carol".
  auto rows = Notices();
  for (size_t i : {2u, 3u}) {
    EXPECT_EQ(rows[i].state, "cancelled") << rows[i].key;
    EXPECT_EQ(rows[i].last_error, "cancelled before it was sent: the handoff was called off");
  }
  pager_->DeliverDue();
  rows = Notices();
  for (size_t i : {0u, 1u, 4u, 5u, 6u, 7u}) EXPECT_EQ(rows[i].state, "delivered") << rows[i].key;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("out." + rows[2].key)));
  EXPECT_THAT(testing::ReadFile(dir_.File("out." + rows[6].key)), HasSubstr("you take over from Carol."));
}

TEST_F(HandoffNoticeTest, AShiftThatNoLongerEndsSaysYouStayOnCall) {
  Plan();
  Advance(hours(24 * 7));  // 08:00Z: alice told her shift ends at 09:00 (10:00 in Paris)
  // An override puts alice on until 12:00: her shift does not end at 09:00 after all.
  engine_->SetConfig(WithOverride("alice", "2026-01-12T09:00:00Z", "2026-01-12T12:00:00Z"));
  Plan();
  EXPECT_THAT(Since(4),
              ElementsAre("shift_changed:bob:sms", "shift_changed:alice:mail"));
  EXPECT_EQ(Note(4), "Change to your on-call shift on Primary on-call: it no longer starts at Mon 12 Jan 09:00 (UTC); "
                     "Alice Martin is on call then.");
  EXPECT_EQ(Note(5), "Change to your on-call shift on Primary on-call: it no longer ends at Mon 12 Jan 10:00 "
                     "(Europe/Paris); you stay on call until Mon 12 Jan 13:00 (Europe/Paris).");
  // The override is deleted before any of these went out: the corrections are not sent either, and
  // the handoff is told again.
  engine_->SetConfig(LoadTestConfig(kHandoffConfig));
  Plan();
  EXPECT_THAT(Since(6), ElementsAre("shift_start:bob:sms", "shift_end:alice:mail"));
  auto rows = Notices();
  EXPECT_EQ(rows[2].last_error, "cancelled before it was sent: the handoff was called off");
  EXPECT_EQ(rows[4].last_error, "cancelled before it was sent: the handoff is back");
  EXPECT_EQ(pager_->DeliverDue(), 4);  // week 1's two and the two told again
  rows = Notices();
  for (size_t i = 0; i < rows.size(); ++i)
    EXPECT_EQ(rows[i].state, i >= 2 && i < 6 ? "cancelled" : "delivered") << rows[i].key;
}

TEST_F(HandoffNoticeTest, AScheduleRemovedByAReloadCallsOffTheHandoffsItsPeopleWereToldAbout) {
  Plan();
  Advance(hours(24 * 7));  // Monday 12 January 08:00Z: alice hands over to bob at 09:00, both told
  ASSERT_EQ(Notices().size(), 4u);
  EXPECT_EQ(pager_->DeliverDue(), 4);
  // The primary schedule is removed (its policy now pages through quiet): nobody takes over at 09:00.
  std::string edited = kHandoffConfig;
  const std::string primary =
      "  - id: primary\n    name: Primary on-call\n    timezone: UTC\n"
      "    layers: [{rotation: weekly, start: \"2026-01-05\", handoff: \"09:00\", members: [alice, bob]}]\n";
  ASSERT_NE(edited.find(primary), std::string::npos);
  edited.erase(edited.find(primary), primary.size());
  const std::string target = "targets: [{schedule: primary}]";
  edited.replace(edited.find(target), target.size(), "targets: [{schedule: quiet}]");
  engine_->SetConfig(LoadTestConfig(edited));
  Plan();
  EXPECT_THAT(Since(4), ElementsAre("shift_changed:bob:sms", "shift_changed:alice:mail"));
  EXPECT_EQ(Note(4), "Change to your on-call shift on primary: the schedule was removed from the configuration; "
                     "your shift no longer starts at Mon 12 Jan 09:00 (UTC).");
  EXPECT_EQ(Note(5), "Change to your on-call shift on primary: the schedule was removed from the configuration; "
                     "you are no longer on call through it, and the handoff from you at Mon 12 Jan 10:00 "
                     "(Europe/Paris) is off.");
  EXPECT_TRUE(Context(Notices()[4]).at("shift").at("removed").as_bool());
  Plan();  // said once
  EXPECT_EQ(Notices().size(), 6u);
  EXPECT_EQ(pager_->DeliverDue(), 2);
  // Restored: the handoff is back, and both are told again.
  engine_->SetConfig(LoadTestConfig(kHandoffConfig));
  Plan();
  EXPECT_THAT(Since(6), ElementsAre("shift_start:bob:sms", "shift_end:alice:mail"));
  pager_->DeliverDue();
  for (const auto& r : Notices()) EXPECT_EQ(r.state, "delivered") << r.key << ": " << r.last_error;
}

TEST_F(HandoffNoticeTest, ANoticeThatCannotBeDeliveredFallsBackToTheNextContactMethod) {
  // Email fails for good (one attempt): alice's notice goes to her sms instead; carol has nothing else.
  std::string edited = kHandoffConfig;
  const std::string mail = "contact_types: [email]\n    argv: [/bin/sh, -c, 'cat > \"$FIREBREAK_DATA_DIR/out.$FIREBREAK_IDEMPOTENCY_KEY\"']";
  ASSERT_NE(edited.find(mail), std::string::npos);
  edited.replace(edited.find(mail), mail.size(), "contact_types: [email]\n    argv: [/bin/sh, -c, 'cat >/dev/null; echo relay down; exit 1']");
  const std::string types = "handoff_contact_types: [email]\n";
  edited.replace(edited.find(types), types.size(), types + "    max_attempts: 1\n");
  Close();
  config_ = LoadTestConfig(edited);
  Open();
  Plan();
  EXPECT_EQ(pager_->DeliverDue(), 2);
  EXPECT_THAT(Summary(), ElementsAre("shift_start:alice:mail", "shift_start:carol:mail", "shift_start:alice:sms"));
  EXPECT_EQ(pager_->DeliverDue(), 1);
  auto rows = Notices();
  EXPECT_EQ(rows[0].state, "dead");
  EXPECT_EQ(rows[0].last_error, "exit 1: relay down");
  EXPECT_EQ(rows[1].state, "dead");
  EXPECT_EQ(rows[2].state, "delivered");
  EXPECT_EQ(rows[2].destination, "alice-sms");
  EXPECT_THAT(testing::ReadFile(dir_.File("out." + rows[2].key)), HasSubstr("On-call shift starting: Primary on-call"));
  EXPECT_EQ(pager_->DeliverDue(), 0);  // nothing else to try
}

TEST_F(HandoffNoticeTest, AGapAfterYourShiftIsSaid) {
  // carol covers quiet on weekdays 09:00-17:00 only: her shift's end says nobody follows until when.
  std::string edited = kHandoffConfig;
  const std::string layer = R"(members: [carol]}])";
  edited.replace(edited.find(layer), layer.size(),
                 R"(members: [carol], restrictions: [{days: [weekdays], start: "09:00", end: "17:00"}]}])");
  Close();
  config_ = LoadTestConfig(edited);
  Open();
  clock_->Advance(hours(8));  // Monday 16:00Z
  Plan();
  ASSERT_THAT(Summary(), ElementsAre("shift_end:carol:mail"));
  EXPECT_EQ(Note(0),
            "Your on-call shift on quiet ends in 1h, at Mon 05 Jan 17:00 (UTC); nobody is on call after you until Tue "
            "06 Jan 09:00 (UTC): the schedule has a gap. No open incident pages through this schedule.");
}

TEST_F(HandoffNoticeTest, SomeoneWhoTurnedHandoffNoticesOffIsNotTold) {
  std::string edited = kHandoffConfig;
  const std::string carol = "{id: carol, name: Carol, ";
  edited.replace(edited.find(carol), carol.size(), carol + "handoff_notices: false, ");
  Close();
  config_ = LoadTestConfig(edited);
  Open();
  Plan();
  EXPECT_THAT(Summary(), ElementsAre("shift_start:alice:mail"));
}

// ---- personal notification rules ---------------------------------------------------------------

const std::string kRulesConfig = R"yaml(
people:
  - id: alice
    contacts: [{type: email, address: alice@example.com}, {type: sms, address: alice-sms}]
    notification_rules:
      - {after: 0m, contact: email}
      - {after: 5m, contact: sms}
      - {after: 15m, contact: sms, severities: [SEV0, SEV1]}
  - id: bob
    contacts: [{type: sms, address: bob-sms}, {type: email, address: bob@example.com}]
    notification_rules: [{after: 0m, contact: email, severities: [SEV0]}]
services:
  - {id: api, tier: 1, escalation_policy: alice-then-bob}
escalation_policies:
  - id: alice-then-bob
    tiers: [{after: 0m, targets: [{person: alice}]}, {after: 30m, targets: [{person: bob}]}]
channels:
)yaml" + std::string(kFileChannels) + R"yaml(settings:
  severities:
    SEV1: {ack_sla: 2h, resolve_sla: 4h}
    SEV2: {ack_sla: 2h, resolve_sla: 4h}
  paging:
    max_attempts: 1
    contact_types: {SEV0: all, SEV1: [sms], SEV2: [sms], SEV3: [sms], SEV4: [sms]}
)yaml";

class NotificationRulesTest : public PagerTest {
 protected:
  void SetUp() override {
    config_ = LoadTestConfig(kRulesConfig);
    Open();
  }
  // What App::ReloadConfig does after a new configuration is in place.
  void Replan() {
    auto r = engine_->Call<bool>([&](engine::Tx& tx) -> Result<bool> {
      FB_TRY(pager_->ReviewPlannedSteps(tx, nullptr, "configuration reloaded"));
      return true;
    });
    ASSERT_TRUE(r) << r.error().ToString();
  }
  // "person:channel@minutes after the declaration:state" per notification to a person, oldest first.
  std::vector<std::string> Plan(const std::string& id, core::TimePoint declared) {
    std::vector<std::string> out;
    const auto rows = *pager_->Notifications(id);
    for (const auto& r : rows)
      if (r.kind == "page")
        out.push_back(r.person + ":" + r.channel + "@" +
                      std::to_string(std::chrono::duration_cast<minutes>(r.next_attempt_at - declared).count()) + ":" +
                      r.state);
    return out;
  }
};

TEST_F(NotificationRulesTest, ALaterStepsLinksLiveFromWhenItIsSent) {
  std::string edited = kRulesConfig;
  const std::string attempts = "    max_attempts: 1\n";
  edited.replace(edited.find(attempts), attempts.size(), attempts + "    link_ttl: 10m\n");
  Close();
  config_ = LoadTestConfig(edited);
  Open();
  auto id = Declare("api", model::Severity::kSev1);
  EXPECT_EQ(pager_->DeliverDue(), 1);
  Advance(minutes(5));
  EXPECT_EQ(pager_->DeliverDue(), 1);  // the sms step, 5 minutes after the page
  std::string key;
  const auto rows = *pager_->Notifications(id);
  for (const auto& r : rows)
    if (r.channel == "sms" && r.state == "delivered") key = r.key;
  ASSERT_FALSE(key.empty());
  std::string msg = testing::ReadFile(dir_.File("out." + key));
  auto at = msg.find("Acknowledge: http://fb.test/a/");
  ASSERT_NE(at, std::string::npos) << msg;
  std::string token = msg.substr(at + 30, msg.find('\n', at) - at - 30);
  // Sent at 5m with a 10m life: still good at 14m (it expired at 10m, counted from the page).
  Advance(minutes(9));
  EXPECT_TRUE(pager_->CheckLink(token));
  Advance(minutes(1));
  EXPECT_EQ(pager_->CheckLink(token).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(NotificationRulesTest, EachStepIsSentOnTimeUnlessTheIncidentWasAcknowledgedFirst) {
  const auto t0 = clock_->Now();
  auto id = Declare("api", model::Severity::kSev1);
  // Alice's rules for SEV1: email at once, sms after 5m and again after 15m; all queued now.
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:pending", "alice:sms@5:pending", "alice:sms@15:pending"));
  auto said = Timeline(id, "notification");
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0].text,
            "alice's notification rules: page 1 also reaches them by sms at 2026-01-05T08:05:00Z, sms at "
            "2026-01-05T08:15:00Z unless the incident is acknowledged first");
  EXPECT_EQ(pager_->DeliverDue(), 1);
  Advance(minutes(5) - seconds(1));
  EXPECT_EQ(pager_->DeliverDue(), 0);
  Advance(seconds(1));
  EXPECT_EQ(pager_->DeliverDue(), 1);
  auto rows = *pager_->Notifications(id);
  EXPECT_EQ(rows[1].destination, "alice-sms");
  EXPECT_THAT(testing::ReadFile(dir_.File("out." + rows[1].key)), HasSubstr("API errors"));
  // Acknowledged at 10m: the 15m step is cancelled and never sent.
  Advance(minutes(5));
  auto who = Alice();
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, id, model::Transition::kAcknowledge, ""); });
  Advance(minutes(10));
  EXPECT_EQ(pager_->DeliverDue(), 0);
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:delivered", "alice:sms@5:delivered", "alice:sms@15:cancelled"));
  EXPECT_THAT(Timeline(id, "escalation").back().text, HasSubstr("1 queued page notification(s) cancelled"));

  // SEV2: the 15m rule does not apply. Bob's only rule is for SEV0, so the severity's contact types
  // (sms) page him, at once.
  const auto t1 = clock_->Now();
  auto other = Declare("api", model::Severity::kSev2);
  Advance(minutes(30));
  EXPECT_THAT(Plan(other, t1), ElementsAre("alice:mail@0:pending", "alice:sms@5:pending", "bob:sms@30:pending"));
  EXPECT_EQ(Timeline(other, "notification").size(), 1u);  // bob has nothing planned for later
}

TEST_F(NotificationRulesTest, AStepPlannedBeforeAKillIsSentAfterTheRestart) {
  const auto t0 = clock_->Now();
  auto id = Declare("api", model::Severity::kSev2);
  EXPECT_EQ(pager_->DeliverDue(), 1);
  Close();  // as after kill -9: only the store is left
  clock_->Advance(minutes(7));
  Open();
  engine_->RunUntilIdle();
  EXPECT_EQ(pager_->DeliverDue(), 1);
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:delivered", "alice:sms@5:delivered"));
}

TEST_F(NotificationRulesTest, AFailedFirstStepFallsBackAtOnceToAMethodNotTriedYet) {
  // Email fails for good: alice is not left waiting five minutes for the sms step, nor is the page
  // escalated as unreachable; the fallback goes to her sms now, and the 5m step still follows.
  std::string edited = kRulesConfig;
  const std::string mail = "contact_types: [email]\n    argv: [/bin/sh, -c, 'cat > \"$FIREBREAK_DATA_DIR/out.$FIREBREAK_IDEMPOTENCY_KEY\"']";
  ASSERT_NE(edited.find(mail), std::string::npos);
  edited.replace(edited.find(mail), mail.size(), "contact_types: [email]\n    argv: [/bin/sh, -c, 'cat >/dev/null; exit 1']");
  Close();
  config_ = LoadTestConfig(edited);
  Open();
  const auto t0 = clock_->Now();
  auto id = Declare("api", model::Severity::kSev2);
  EXPECT_EQ(pager_->DeliverDue(), 1);  // email: dead
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:dead", "alice:sms@5:pending", "alice:sms@0:pending"));
  EXPECT_EQ(pager_->DeliverDue(), 1);  // the fallback
  std::vector<std::string> said;
  for (const auto& e : Timeline(id, "notification")) said.push_back(e.text);
  EXPECT_THAT(said, ::testing::Contains("Falling back to alice's next contact method: sms via sms"));
  Advance(minutes(5));
  EXPECT_EQ(pager_->DeliverDue(), 1);
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:dead", "alice:sms@5:delivered", "alice:sms@0:delivered"));
  EXPECT_THAT(Pages(id), ElementsAre("alice#1"));  // not escalated
}

TEST_F(NotificationRulesTest, ASeverityChangeReplansTheStepsStillAhead) {
  const auto t0 = clock_->Now();
  auto id = Declare("api", model::Severity::kSev1);
  EXPECT_EQ(pager_->DeliverDue(), 1);  // the email
  auto planned = [&] {
    pager_->RefreshGauges();
    return metrics_.GetGauge("firebreak_outbox_notifications", "", {{"state", "planned"}}).value();
  };
  EXPECT_EQ(planned(), 2);
  EXPECT_EQ(metrics_.GetGauge("firebreak_outbox_notifications", "", {{"state", "pending"}}).value(), 0);

  // Lowered to SEV2 at 2m: the 15m sms belongs to the SEV1 rules only, so it goes; the 5m one stays.
  Advance(minutes(2));
  auto who = Alice();
  Do([&](engine::Tx& tx) { return engine::SetSeverity(tx, who, id, model::Severity::kSev2, "contained"); });
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:delivered", "alice:sms@5:pending", "alice:sms@15:cancelled"));
  EXPECT_EQ(Timeline(id, "notification").back().text,
            "Planned notifications re-planned (severity lowered from SEV1 to SEV2): alice's page 1: sms at "
            "2026-01-05T08:15:00Z cancelled");
  EXPECT_EQ(planned(), 1);

  // The 5m step's message says what the incident is when it goes, not what it was when planned.
  Advance(minutes(3));
  EXPECT_EQ(pager_->DeliverDue(), 1);
  auto rows = *pager_->Notifications(id);
  const auto sms = testing::ReadFile(dir_.File("out." + rows[1].key));
  EXPECT_THAT(sms, HasSubstr("SEV2"));
  EXPECT_THAT(sms, Not(HasSubstr("SEV1")));

  // Raised to SEV1 again at 5m: the 15m step is planned again (counted from the page, not from now),
  // and the raise pages the next tier (bob, by the SEV1 contact types, at once).
  Do([&](engine::Tx& tx) { return engine::SetSeverity(tx, who, id, model::Severity::kSev1, ""); });
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:delivered", "alice:sms@5:delivered", "alice:sms@15:cancelled",
                                        "alice:sms@15:pending", "bob:sms@5:pending"));
  EXPECT_EQ(Timeline(id, "notification").back().text,
            "Planned notifications re-planned (severity raised from SEV2 to SEV1): alice's page 1: sms at "
            "2026-01-05T08:15:00Z added");
  EXPECT_EQ(pager_->DeliverDue(), 1);  // bob
  Advance(minutes(10) - seconds(1));
  EXPECT_EQ(pager_->DeliverDue(), 0);
  Advance(seconds(1));
  EXPECT_EQ(pager_->DeliverDue(), 1);  // alice's 15m step
  rows = *pager_->Notifications(id);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[3].state, "delivered");
  EXPECT_THAT(rows[3].key, HasSubstr("@900000."));  // a new key: the cancelled one keeps its own
  EXPECT_THAT(testing::ReadFile(dir_.File("out." + rows[3].key)), HasSubstr("API errors"));
  EXPECT_THAT(rows[3].context, HasSubstr("\"contact_type\":\"sms\""));
}

TEST_F(NotificationRulesTest, AReloadReplansThePagesStillWaitingForAnAcknowledgement) {
  const auto t0 = clock_->Now();
  auto id = Declare("api", model::Severity::kSev2);
  auto acked = Declare("api", model::Severity::kSev2);
  auto who = Alice();
  Do([&](engine::Tx& tx) { return engine::ApplyTransition(tx, who, acked, model::Transition::kAcknowledge, ""); });
  EXPECT_EQ(pager_->DeliverDue(), 1);
  Advance(minutes(1));
  // Alice now wants an SMS after 30 seconds and another after 3 minutes instead of one after 5.
  std::string edited = kRulesConfig;
  const std::string five = "- {after: 5m, contact: sms}";
  ASSERT_NE(edited.find(five), std::string::npos);
  edited.replace(edited.find(five), five.size(), "- {after: 30s, contact: sms}\n      - {after: 3m, contact: sms}");
  engine_->SetConfig(LoadTestConfig(edited));
  Replan();
  // The 30s step is already past: not sent late. The 5m one goes, the 3m one comes.
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:delivered", "alice:sms@5:cancelled", "alice:sms@3:pending"));
  EXPECT_EQ(Timeline(id, "notification").back().text,
            "Planned notifications re-planned (configuration reloaded): alice's page 1: sms at 2026-01-05T08:05:00Z "
            "cancelled, sms at 2026-01-05T08:03:00Z added");
  EXPECT_EQ(pager_->Notifications(id)->at(1).last_error, "cancelled before it was due: configuration reloaded");
  // The acknowledged incident's steps were cancelled by the acknowledgement; nothing is re-planned.
  EXPECT_THAT(Plan(acked, t0), ElementsAre("alice:mail@0:cancelled", "alice:sms@5:cancelled"));
  Advance(minutes(2) - seconds(1));
  EXPECT_EQ(pager_->DeliverDue(), 0);
  Advance(seconds(1));
  EXPECT_EQ(pager_->DeliverDue(), 1);
  Advance(minutes(5));
  EXPECT_EQ(pager_->DeliverDue(), 0);
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:delivered", "alice:sms@5:cancelled", "alice:sms@3:delivered"));
}

TEST_F(NotificationRulesTest, AStepStillAheadFollowsItsContactMethodToTheChannelAReloadNamesForIt) {
  const auto t0 = clock_->Now();
  auto id = Declare("api", model::Severity::kSev1);
  EXPECT_EQ(pager_->DeliverDue(), 1);  // the email
  Advance(minutes(1));
  // The SMS channel is renamed (a new provider): the 5m and 15m steps queued through 'sms' would find
  // no channel when due. They go through 'text' instead; the email already sent is left alone.
  std::string edited = kRulesConfig;
  const std::string sms = "  - id: sms\n";
  ASSERT_NE(edited.find(sms), std::string::npos);
  edited.replace(edited.find(sms), sms.size(), "  - id: text\n");
  engine_->SetConfig(LoadTestConfig(edited));
  Replan();
  EXPECT_THAT(Plan(id, t0), ElementsAre("alice:mail@0:delivered", "alice:sms@5:cancelled", "alice:sms@15:cancelled",
                                        "alice:text@5:pending", "alice:text@15:pending"));
  EXPECT_EQ(Timeline(id, "notification").back().text,
            "Planned notifications re-planned (configuration reloaded): alice's page 1: sms at 2026-01-05T08:05:00Z "
            "re-routed from channel 'sms' to 'text', sms at 2026-01-05T08:15:00Z re-routed from channel 'sms' to "
            "'text'");
  EXPECT_EQ(pager_->Notifications(id)->at(1).last_error,
            "cancelled before it was due: configuration reloaded (re-queued through channel 'text' instead of 'sms')");
  // Reviewing again changes nothing; at 5m the SMS goes out through the new channel.
  const auto entries = Timeline(id, "notification").size();
  Replan();
  EXPECT_EQ(Timeline(id, "notification").size(), entries);
  Advance(minutes(4));
  EXPECT_EQ(pager_->DeliverDue(), 1);
  auto rows = *pager_->Notifications(id);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[3].state, "delivered") << rows[3].last_error;
  EXPECT_THAT(testing::ReadFile(dir_.File("out." + rows[3].key)), HasSubstr("API errors"));
}


// ---- the audit head, published -----------------------------------------------------------------

const std::string kAuditHeadConfig = R"yaml(
people:
  - {id: alice, contacts: [{type: sms, address: alice-sms}]}
channels:
  - id: keep
    type: command
    contact_types: []
    events: [audit_head]
    argv: [/bin/sh, -c, 'cat > "$FIREBREAK_DATA_DIR/out.$FIREBREAK_IDEMPOTENCY_KEY"']
  - id: quiet
    type: command
    contact_types: []
    events: [opened]
    argv: [/bin/sh, -c, 'cat >/dev/null']
settings:
  audit_head_every: 1h
)yaml";

class AuditHeadTest : public PagerTest {
 protected:
  void SetUp() override {
    config_ = LoadTestConfig(kAuditHeadConfig);
    Open();
  }
  void Plan() {
    pager_->PlanAuditHead();
    engine_->RunUntilIdle();
  }
  void Audit(const std::string& action) {
    auto r = engine_->Call<bool>([&](engine::Tx& tx) -> Result<bool> {
      FB_TRY(tx.Audit(model::Actor::Person("alice"), action, "test", {}));
      return true;
    });
    ASSERT_TRUE(r) << r.error().ToString();
  }
  std::string StoredHead() { return (*(*store_->BeginRead())->meta().Get("audit_head")).value_or(""); }
  // A reload to kAuditHeadConfig with `every` as the cadence: its command re-arms the timer.
  void Reload(const std::string& every) {
    std::string yaml = kAuditHeadConfig;
    yaml.replace(yaml.find("audit_head_every: 1h"), 20, "audit_head_every: " + every);
    engine_->SetConfig(LoadTestConfig(yaml));
    Do([&](engine::Tx& tx) -> Result<model::Incident> {
      FB_TRY(pager_->PublishAuditHead(tx));
      return model::Incident{};
    });
  }
  // The head each notice carries, oldest first, with the channel it goes to.
  std::vector<std::string> Published() {
    std::vector<std::string> out;
    const auto rows = pager_->AuditHeadNotices();
    EXPECT_TRUE(rows) << rows.error().ToString();
    if (!rows) return out;
    for (const auto& r : *rows)
      out.push_back(r.channel + " " +
                    std::string(core::ParseJson(r.context)->as_object().at("audit").at("head").as_string()));
    return out;
  }
};

TEST_F(AuditHeadTest, TheHeadGoesToItsChannelsEveryHourItMovedAndOnlyThen) {
  Audit("first");
  const std::string h1 = StoredHead();
  ASSERT_EQ(h1.rfind("1:", 0), 0u) << h1;
  Plan();  // never published: due at once
  EXPECT_THAT(Published(), ElementsAre("keep " + h1));  // not to `quiet`, which does not subscribe
  auto last = *pager_->LastAuditHead();
  EXPECT_EQ(last.at("head").as_string(), h1);
  EXPECT_EQ(last.at("at").as_string(), core::FormatRfc3339(clock_->Now()));
  // Planning again (a restart, even after kill -9) is not a reason to publish again.
  Plan();
  Close();
  Open();
  Plan();
  EXPECT_EQ(Published().size(), 1u);

  // An hour in which nothing was audited: nothing to publish.
  Advance(hours(1));
  EXPECT_EQ(Published().size(), 1u);
  // The chain moves; it is published at the next hour, to the second.
  Audit("second");
  Audit("third");
  const std::string h3 = StoredHead();
  ASSERT_EQ(h3.rfind("3:", 0), 0u) << h3;
  Advance(hours(1) - seconds(1));
  EXPECT_EQ(Published().size(), 1u);
  Advance(seconds(1));
  EXPECT_THAT(Published(), ElementsAre("keep " + h1, "keep " + h3));
  // Publishing audits nothing: the head stays where it was.
  EXPECT_EQ(StoredHead(), h3);
  EXPECT_EQ(metrics_.GetCounter("firebreak_audit_head_published_total", "").value(), 2);

  // Delivered like any notification: the head, and how to check against it.
  pager_->DeliverDue();
  auto rows = *pager_->AuditHeadNotices();
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) EXPECT_EQ(r.state, "delivered") << r.key << ": " << r.last_error;
  std::string msg = testing::ReadFile(dir_.File("out." + rows[1].key));
  EXPECT_THAT(msg, HasSubstr("Audit chain head: " + h3 + "\n"));
  EXPECT_THAT(msg, HasSubstr("Check it: firebreak audit verify --server http://fb.test --anchor " + h3));
  // They are not handoff notices.
  EXPECT_TRUE(pager_->HandoffNotices()->empty());
}

TEST_F(AuditHeadTest, ADowntimeOrACadenceChangeTakesEffectAndZeroTurnsItOff) {
  Audit("first");
  Plan();
  ASSERT_EQ(Published().size(), 1u);
  // Down across the hour (kill -9): the start-up after it publishes what moved meanwhile.
  Audit("second");
  Close();
  clock_->Advance(hours(3));
  Open();
  Plan();
  EXPECT_EQ(Published().size(), 2u);

  // Every 10 minutes from now on (a reload: its command publishes if due and re-arms the timer).
  Reload("10m");
  Audit("third");
  Advance(minutes(10));
  EXPECT_EQ(Published().size(), 3u);

  // 0: never again, however far the chain moves.
  Reload("0s");
  Audit("fourth");
  Advance(hours(24));
  EXPECT_EQ(Published().size(), 3u);
}

}  // namespace
}  // namespace firebreak::paging
