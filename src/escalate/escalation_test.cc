#include "escalate/escalation.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "core/time.h"

namespace firebreak::escalate {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const core::TimePoint T0 = core::FromUnixMillis(1'767'600'000'000);  // 2026-01-05T08:00:00Z

PolicySnapshot Policy(std::vector<core::Millis> delays, int repeat = 0) {
  PolicySnapshot p;
  p.id = "p";
  p.repeat = repeat;
  for (size_t i = 0; i < delays.size(); ++i) {
    model::EscalationTier t;
    t.delay = delays[i];
    t.targets.push_back({"person", "person" + std::to_string(i), {}});
    p.tiers.push_back(t);
  }
  return p;
}

std::vector<int> Tiers(const std::vector<Page>& pages) {
  std::vector<int> out;
  for (const auto& p : pages) out.push_back(p.tier);
  return out;
}

TEST(Escalation, TiersArePagedAtTheirDelaysAndRepeat) {
  auto s = Start("INC-1", Policy({minutes(0), minutes(15)}, 1), model::Severity::kSev2, minutes(0), T0);
  auto first = Due(s, T0);
  EXPECT_EQ(Tiers(first), std::vector<int>{0});
  EXPECT_EQ(first[0].trigger, "opened");
  EXPECT_EQ(NextDue(s), T0 + minutes(15));
  EXPECT_TRUE(Due(s, T0 + minutes(15) - seconds(1)).empty());
  auto second = Due(s, T0 + minutes(15));
  EXPECT_EQ(Tiers(second), std::vector<int>{1});
  EXPECT_EQ(second[0].lateness, core::Millis(0));
  // One repeat: the cycle is the last delay + 15 minutes, so tier 1 again at 30m, tier 2 at 45m.
  EXPECT_EQ(NextDue(s), T0 + minutes(30));
  auto again = Due(s, T0 + minutes(30));
  ASSERT_EQ(Tiers(again), std::vector<int>{0});
  EXPECT_EQ(again[0].cycle, 1);
  EXPECT_EQ(again[0].trigger, "repeat");
  EXPECT_EQ(again[0].reason, "repeat 1 of 1: not acknowledged 30m after the first round began; the policy starts over");
  auto again_tier2 = Due(s, T0 + minutes(45));
  EXPECT_EQ(Tiers(again_tier2), std::vector<int>{1});
  EXPECT_EQ(again_tier2[0].reason, "repeat 1 of 1: not acknowledged 15m after repeat 1 began");
  EXPECT_TRUE(s.exhausted);
  EXPECT_EQ(NextDue(s), std::nullopt);
}

TEST(Escalation, CatchingUpAfterDowntimePagesEachTierOnceWithItsLateness) {
  auto s = Start("INC-1", Policy({minutes(0), minutes(15), minutes(30)}, 2), model::Severity::kSev2, minutes(0), T0);
  auto pages = Due(s, T0 + minutes(100));
  EXPECT_EQ(Tiers(pages), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(pages[0].lateness, minutes(100));
  EXPECT_EQ(pages[1].lateness, minutes(85));
  // Cycles that passed while down are not replayed page by page; the state moves to the present.
  EXPECT_GT(*NextDue(s), T0 + minutes(100));
}

TEST(Escalation, AckSlaRepagesEveryTierReachedSoFar) {
  auto s = Start("INC-1", Policy({minutes(0), minutes(8), minutes(60)}), model::Severity::kSev1, minutes(10), T0);
  (void)Due(s, T0);
  (void)Due(s, T0 + minutes(8));
  EXPECT_EQ(NextDue(s), T0 + minutes(10));
  auto re = Due(s, T0 + minutes(10));
  EXPECT_EQ(Tiers(re), (std::vector<int>{0, 1}));
  EXPECT_EQ(re[0].trigger, "ack_sla");
  EXPECT_NE(re[0].reason.find("SEV1 (10m)"), std::string::npos);
  EXPECT_EQ(NextDue(s), T0 + minutes(20));
  // A raised severity tightens the SLA: SEV0's 5 minutes counted from the opening.
  SetSeverity(s, model::Severity::kSev0, minutes(5), T0 + minutes(11));
  EXPECT_EQ(NextDue(s), T0 + minutes(15));
}

TEST(Escalation, EscalateNowPagesTheNextTierAndKeepsTheSpacing) {
  auto s = Start("INC-1", Policy({minutes(0), minutes(15), minutes(30)}), model::Severity::kSev2, minutes(0), T0);
  (void)Due(s, T0);
  auto now = T0 + minutes(2);
  auto pages = EscalateNow(s, now, "severity", "severity raised");
  EXPECT_EQ(Tiers(pages), std::vector<int>{1});
  EXPECT_EQ(pages[0].trigger, "severity");
  EXPECT_EQ(NextDue(s), now + minutes(15));  // tier 3 follows 15 minutes after tier 2
  pages = EscalateNow(s, now + minutes(1), "request", "asked");
  EXPECT_EQ(Tiers(pages), std::vector<int>{2});
  pages = EscalateNow(s, now + minutes(2), "flag", "data loss");
  EXPECT_EQ(Tiers(pages), std::vector<int>{2});  // top tier again
  EXPECT_NE(pages[0].reason.find("top tier"), std::string::npos);
}

TEST(Escalation, AcknowledgeStopsTimersButExplicitEscalationStillPages) {
  auto s = Start("INC-1", Policy({minutes(0), minutes(15)}), model::Severity::kSev1, minutes(10), T0);
  (void)Due(s, T0);
  Acknowledge(s, "acknowledged by person:alice");
  EXPECT_EQ(NextDue(s), std::nullopt);
  EXPECT_TRUE(Due(s, T0 + hours(5)).empty());
  EXPECT_EQ(Tiers(EscalateNow(s, T0 + minutes(3), "request", "need help")), std::vector<int>{1});
  EXPECT_EQ(NextDue(s), std::nullopt);
  // Mitigated: timers stay off, but someone asking for help still pages (the top tier again here).
  Stop(s, "mitigated");
  EXPECT_EQ(Tiers(EscalateNow(s, T0 + minutes(4), "request", "x")), std::vector<int>{1});
  EXPECT_EQ(NextDue(s), std::nullopt);
  Reopen(s, T0 + hours(1));
  EXPECT_EQ(Tiers(Due(s, T0 + hours(1))), std::vector<int>{0});
  EXPECT_EQ(s.history.size(), 0u);  // Record() is the caller's job
}

TEST(Escalation, SwitchingPolicyKeepsProgress) {
  auto s = Start("INC-1", Policy({minutes(0), minutes(15)}), model::Severity::kSev2, minutes(0), T0);
  (void)Due(s, T0);
  SwitchPolicy(s, Policy({minutes(0), minutes(15), minutes(30), minutes(60)}));
  EXPECT_EQ(Tiers(EscalateNow(s, T0 + minutes(1), "severity", "raised to SEV0")), std::vector<int>{1});
  EXPECT_EQ(NextDue(s), T0 + minutes(16));
}

TEST(Escalation, StateSurvivesJson) {
  auto s = Start("INC-9", Policy({minutes(0), minutes(15)}, 2), model::Severity::kSev1, minutes(10), T0);
  for (const auto& p : Due(s, T0)) Record(s, p, {"alice"}, T0 + seconds(1), seconds(5));
  auto back = StateFromJson(ToJson(s));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(s));
  EXPECT_EQ(back->history.at(0).people, std::vector<std::string>{"alice"});
  EXPECT_FALSE(StateFromJson(boost::json::object{{"incident_id", "x"}}));
}

TEST(Escalation, RequestsToRespondAreAnsweredOnceAndSurviveJson) {
  auto s = Start("INC-9", Policy({minutes(0)}), model::Severity::kSev1, minutes(10), T0);
  Page p;
  p.tier = -1;
  p.trigger = "responders";
  const auto& rec = Record(s, p, {"carol", "dave"}, T0 + minutes(1), seconds(5));
  AddResponderRequests(s, rec, "person:alice", "need a DBA");
  EXPECT_EQ(AnswerResponderRequest(s, "erin", true, "person:erin", "", T0).error().code, ErrorCode::kNotFound);
  auto carol = AnswerResponderRequest(s, "carol", true, "person:carol", "joining", T0 + minutes(2));
  ASSERT_TRUE(carol);
  EXPECT_EQ(carol->response, "accepted");
  EXPECT_EQ(carol->page, rec.n);
  EXPECT_EQ(carol->requested_at, T0 + minutes(1));
  auto again = AnswerResponderRequest(s, "carol", false, "person:carol", "", T0 + minutes(3));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.responders[0].response, "accepted") << "a refused second answer changes nothing";
  EXPECT_EQ(PendingResponderRequests(s, "dave").size(), 1u);
  EXPECT_TRUE(PendingResponderRequests(s, "carol").empty());

  auto back = StateFromJson(ToJson(s));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(s));
  ASSERT_EQ(back->responders.size(), 2u);
  EXPECT_EQ(back->responders[0].responded_at, T0 + minutes(2));
  EXPECT_EQ(back->responders[0].note, "joining");
  EXPECT_FALSE(back->responders[1].responded_at);
  // A stored record with an answer it does not know is refused, not guessed at.
  auto doc = ToJson(s);
  doc["responders"].as_array()[0].as_object()["response"] = "maybe";
  EXPECT_FALSE(StateFromJson(doc));
}

TEST(Escalation, AHeldEscalationWaitsThenStartsOverWithTiersAndSlaCountedFromTheEnd) {
  auto p = Policy({minutes(0), minutes(30)});
  p.support_hours = "business-hours";
  p.low_urgency = {model::Severity::kSev3, model::Severity::kSev4};
  EXPECT_TRUE(LowUrgency(p, model::Severity::kSev4));
  EXPECT_FALSE(LowUrgency(p, model::Severity::kSev2));
  PolicySnapshot no_hours = p;
  no_hours.support_hours.clear();
  EXPECT_FALSE(LowUrgency(no_hours, model::Severity::kSev4)) << "without support hours nothing waits";

  auto s = Start("INC-1", p, model::Severity::kSev3, hours(2), T0);
  const auto until = T0 + hours(13);
  Hold(s, until, "SEV3 opened outside support hours 'business-hours'");
  EXPECT_TRUE(Held(s, T0));
  EXPECT_TRUE(Due(s, T0).empty());
  EXPECT_EQ(NextDue(s), until);
  EXPECT_TRUE(Due(s, until - seconds(1)).empty());
  EXPECT_TRUE(Held(s, until - seconds(1)));
  EXPECT_FALSE(Held(s, until));

  // Held across a restart: the record keeps the hold.
  auto back = StateFromJson(ToJson(s));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(s));
  EXPECT_EQ(back->held_until, until);
  EXPECT_EQ(back->policy.low_urgency, p.low_urgency);

  auto first = Due(*back, until);
  ASSERT_EQ(Tiers(first), std::vector<int>{0});
  EXPECT_EQ(first[0].trigger, "support_hours");
  EXPECT_EQ(first[0].reason, "support hours began (SEV3 opened outside support hours 'business-hours')");
  EXPECT_EQ(first[0].lateness, core::Millis(0));
  EXPECT_FALSE(back->held_until);
  EXPECT_EQ(back->hold_reason, "SEV3 opened outside support hours 'business-hours'") << "kept as a record";
  // Tier 2 thirty minutes after the escalation started, the ack SLA two hours after it.
  EXPECT_EQ(NextDue(*back), until + minutes(30));
  auto second = Due(*back, until + minutes(30));
  ASSERT_EQ(Tiers(second), std::vector<int>{1});
  EXPECT_EQ(second[0].reason, "not acknowledged 30m after its escalation started");
  EXPECT_EQ(back->sla_due, until + hours(2));

  // Released early (the incident became urgent): starts at once, timed from the release.
  auto r = Start("INC-2", p, model::Severity::kSev3, hours(2), T0);
  Hold(r, until, "held");
  Release(r, T0 + hours(1));
  EXPECT_FALSE(Held(r, T0 + hours(1)));
  auto now = EscalateNow(r, T0 + hours(1), "severity", "severity raised from SEV3 to SEV1");
  ASSERT_EQ(Tiers(now), std::vector<int>{0});
  EXPECT_EQ(NextDue(r), T0 + hours(1) + minutes(30));
  EXPECT_EQ(r.sla_due, T0 + hours(3));
  Release(r, T0 + hours(2));  // not held: no effect
  EXPECT_EQ(NextDue(r), T0 + hours(1) + minutes(30));

  // Acknowledged while held: nothing ever pages; reopening clears the hold (the caller decides anew).
  auto a = Start("INC-3", p, model::Severity::kSev4, hours(2), T0);
  Hold(a, until, "held");
  Acknowledge(a, "acknowledged by person:bob");
  EXPECT_FALSE(a.held_until);
  EXPECT_EQ(NextDue(a), std::nullopt);
  Reopen(a, T0 + hours(20));
  EXPECT_FALSE(a.held_until);
  EXPECT_TRUE(a.hold_reason.empty());
  EXPECT_EQ(Tiers(Due(a, T0 + hours(20))), std::vector<int>{0});
  // Holding a stopped escalation does nothing.
  Stop(a, "resolved");
  Hold(a, until + hours(24), "held");
  EXPECT_FALSE(a.held_until);
}

// Random policies and event sequences: the machine never goes backwards in time, pages only valid
// tiers, and a timer armed for NextDue() always finds something due.
TEST(EscalationProperties, InvariantsHoldOverRandomHistories) {
  EXPECT_TRUE(rc::check([](void) {
    int ntiers = *rc::gen::inRange(1, 6);
    std::vector<core::Millis> delays;
    core::Millis d{0};
    for (int i = 0; i < ntiers; ++i) {
      delays.push_back(d);
      d += minutes(*rc::gen::inRange(0, 40));
    }
    auto s = Start("INC-1", Policy(delays, *rc::gen::inRange(0, 3)), model::Severity::kSev2,
                   minutes(*rc::gen::element(0, 5, 30)), T0);
    core::TimePoint now = T0;
    (void)Due(s, now);
    int steps = *rc::gen::inRange(1, 40);
    for (int i = 0; i < steps; ++i) {
      int what = *rc::gen::inRange(0, 10);
      if (what < 6) {
        auto next = NextDue(s);
        if (next) {
          RC_ASSERT(*next > now);
          now = *next;
          auto pages = Due(s, now);
          RC_ASSERT(!pages.empty() || s.tier_due != next);  // a due tier always pages or moves cycle
        } else {
          now += minutes(*rc::gen::inRange(1, 90));
        }
      } else if (what < 8) {
        now += minutes(*rc::gen::inRange(0, 20));
        auto due = Due(s, now);
        auto pages = EscalateNow(s, now, "request", "r");
        RC_ASSERT(pages.size() >= 1u);
      } else if (what == 8) {
        Acknowledge(s, "ack");
      } else {
        Reopen(s, now);
        (void)Due(s, now);
      }
      RC_ASSERT(s.highest < ntiers && s.reached < ntiers && s.next_tier <= ntiers);
      if (auto n = NextDue(s)) RC_ASSERT(*n > now);
    }
  }));
}

}  // namespace
}  // namespace firebreak::escalate
