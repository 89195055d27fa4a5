// Responder resilience on rosters with planted gaps and violations.
#include "oncall/resilience.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace firebreak::oncall {
namespace {

using std::chrono::hours;

core::TimePoint At(const char* s) { return *core::ParseRfc3339(s); }

model::Layer MakeLayer(std::string name, std::string rotation, std::vector<std::string> members) {
  model::Layer l;
  l.name = std::move(name);
  l.rotation = rotation;
  l.shift_length = rotation == "daily" ? core::Millis(hours(24)) : core::Millis(hours(24 * 7));
  l.start_date = "2026-01-05";  // a Monday
  l.handoff_minute = 9 * 60;
  l.members = std::move(members);
  return l;
}

struct Fixture {
  std::vector<model::Schedule> schedules;
  std::vector<model::Team> teams;
  std::vector<model::Person> people;
  std::vector<model::Service> services;
  std::vector<model::EscalationPolicy> policies;
  Roster roster() const {
    Roster r{&schedules, &teams, &people, &services, &policies, nullptr};
    r.policy_for = [this](const model::Service& s) -> const model::EscalationPolicy* {
      for (const auto& p : policies)
        if (p.id == s.escalation_policy) return &p;
      return nullptr;
    };
    return r;
  }
};

const core::TimePoint kFrom = At("2026-02-02T09:00:00Z");  // a Monday handoff
const core::Millis kTwoWeeks = hours(24 * 14);

TEST(RosterN1, ASecondLayerCoversEveryAbsenceSoNothingIsUncovered) {
  Fixture f;
  model::Schedule s;
  s.id = "primary";
  s.layers.push_back(MakeLayer("backup", "weekly", {"carol", "dave"}));
  s.layers.push_back(MakeLayer("main", "weekly", {"alice", "bob"}));
  f.schedules.push_back(s);
  auto r = AnalyzeResilience(f.roster(), {}, kFrom, kTwoWeeks, {}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->roster_gaps.empty());
}

TEST(RosterN1, ASingleLayerLosesExactlyTheAbsentPersonsWeek) {
  Fixture f;
  model::Schedule s;
  s.id = "primary";
  s.layers.push_back(MakeLayer("main", "weekly", {"alice", "bob"}));
  f.schedules.push_back(s);
  auto r = AnalyzeResilience(f.roster(), {}, kFrom, kTwoWeeks, {}, {});
  ASSERT_TRUE(r);
  // 2026-01-05 + 4 weeks = 2026-02-02: turn 4 is alice's (even), the next week bob's.
  ASSERT_EQ(r->roster_gaps.size(), 2u);
  for (const auto& g : r->roster_gaps) {
    ASSERT_EQ(g.uncovered.size(), 1u);
    EXPECT_EQ(g.total, core::Millis(hours(24 * 7)));
    if (g.absent == "alice") {
      EXPECT_EQ(g.uncovered[0].start, kFrom);
      EXPECT_EQ(g.uncovered[0].end, At("2026-02-09T09:00:00Z"));
    } else {
      EXPECT_EQ(g.absent, "bob");
      EXPECT_EQ(g.uncovered[0].start, At("2026-02-09T09:00:00Z"));
      EXPECT_EQ(g.uncovered[0].end, kFrom + kTwoWeeks);
    }
  }
}

TEST(RosterN1, APlantedGapOnlyWhereTheBackupLayerIsRestricted) {
  Fixture f;
  model::Schedule s;
  s.id = "primary";
  auto backup = MakeLayer("backup", "weekly", {"carol"});
  backup.restrictions.push_back({{0, 1, 2, 3, 4}, 9 * 60, 17 * 60});  // weekdays, office hours
  s.layers.push_back(backup);
  s.layers.push_back(MakeLayer("main", "weekly", {"alice", "bob"}));
  f.schedules.push_back(s);
  auto r = AnalyzeResilience(f.roster(), {}, kFrom, kTwoWeeks, {}, {});
  ASSERT_TRUE(r);
  const RosterGap* alice = nullptr;
  const RosterGap* carol = nullptr;
  for (const auto& g : r->roster_gaps) {
    if (g.absent == "alice") alice = &g;
    if (g.absent == "carol") carol = &g;
  }
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(carol, nullptr);  // carol's hours are always covered by main
  // Alice's week minus carol's 5 x 8 office hours.
  EXPECT_EQ(alice->total, core::Millis(hours(24 * 7 - 5 * 8)));
  EXPECT_EQ(alice->uncovered.front().start, At("2026-02-02T17:00:00Z"));
}

TEST(RosterN1, AnOverrideByTheAbsentPersonStopsCoveringButAnOverrideReplacingThemStillCovers) {
  Fixture f;
  model::Schedule s;
  s.id = "primary";
  s.layers.push_back(MakeLayer("main", "weekly", {"alice", "bob"}));
  // Bob takes one day of alice's week; erin replaces bob for a day of his.
  s.overrides.push_back({"bob", At("2026-02-03T09:00:00Z"), At("2026-02-04T09:00:00Z"), "alice"});
  s.overrides.push_back({"erin", At("2026-02-10T09:00:00Z"), At("2026-02-11T09:00:00Z"), "bob"});
  f.schedules.push_back(s);
  auto r = AnalyzeResilience(f.roster(), {}, kFrom, kTwoWeeks, {}, {});
  ASSERT_TRUE(r);
  std::map<std::string, core::Millis> lost;
  for (const auto& g : r->roster_gaps) lost[g.absent] = g.total;
  EXPECT_EQ(lost["alice"], core::Millis(hours(24 * 6)));  // bob's override day stays covered
  // Bob's week minus erin's day; without him his override day in alice's week falls back to alice.
  EXPECT_EQ(lost["bob"], core::Millis(hours(24 * 6)));
  EXPECT_EQ(lost.count("erin"), 0u);  // erin's day falls back to bob
}

TEST(BusFactor, TheOnlyResponderOfACriticalServiceIsASinglePointOfFailure) {
  Fixture f;
  f.teams.push_back({"payments", "Payments", {"alice"}, "alice", "", {}});
  f.teams.push_back({"web", "Web", {"bob", "carol"}, "bob", "", {}});
  model::Schedule s;
  s.id = "web-rota";
  s.layers.push_back(MakeLayer("main", "weekly", {"bob", "carol", "dave"}));
  f.schedules.push_back(s);
  model::EscalationPolicy pol;
  pol.id = "web-policy";
  pol.tiers.push_back({core::Millis(0), {{"schedule", "web-rota", {}}}});
  f.policies.push_back(pol);
  model::Service pay;
  pay.id = "payments";
  pay.team = "payments";
  pay.tier = 0;
  model::Service web;
  web.id = "web";
  web.team = "web";
  web.tier = 1;
  web.escalation_policy = "web-policy";
  model::Service blog;
  blog.id = "blog";
  blog.team = "payments";
  blog.tier = 3;  // not critical
  f.services = {pay, web, blog};
  auto r = AnalyzeResilience(f.roster(), {}, kFrom, kTwoWeeks, {}, {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->bus_factor.size(), 2u);
  EXPECT_EQ(r->bus_factor[0].service, "payments");
  EXPECT_EQ(r->bus_factor[0].responders, std::vector<std::string>{"alice"});
  EXPECT_EQ(r->bus_factor[1].responders, (std::vector<std::string>{"bob", "carol", "dave"}));
  EXPECT_EQ(r->single_points, std::vector<std::string>{"alice"});
}

TEST(Fatigue, PlantedViolationsOfEveryRuleAreReportedAndCompliantRostersAreNot) {
  Fixture f;
  model::Schedule s;
  s.id = "ops";
  s.layers.push_back(MakeLayer("main", "daily", {"alice", "alice", "bob"}));  // alice twice in a row
  f.schedules.push_back(s);
  f.people.push_back({"alice", "Alice", "", "", "Europe/Paris", {}, {}, true, {}});
  f.people.push_back({"bob", "Bob", "", "", "America/New_York", {}, {}, true, {}});
  model::ResponderRules rules;
  rules.max_oncall_per_week = hours(100);
  rules.max_consecutive_shifts = 1;
  rules.rest_after_night_page = hours(8);
  std::vector<PageRecord> pages = {
      {"alice", At("2026-02-03T01:30:00Z"), "inc-1"},  // 02:30 in Paris: night, she is on call after
      {"bob", At("2026-02-03T01:30:00Z"), "inc-2"},    // 20:30 in New York: not night
  };
  auto r = AnalyzeResilience(f.roster(), rules, kFrom, kTwoWeeks, pages, {});
  ASSERT_TRUE(r);
  // Alice holds turns 0 and 1 of every 3 days: 5 days (120 h) in some 7 days, two daily turns back
  // to back, and the 02:30 (Paris) page falls in her shift that runs to 09:00 UTC.
  bool week = false, consecutive = false, rest = false;
  for (const auto& v : r->fatigue) {
    EXPECT_EQ(v.person, "alice") << v.detail;
    if (v.rule == "max_oncall_per_week") {
      week = true;
      EXPECT_GT(v.value, 100.0);
    }
    if (v.rule == "max_consecutive_shifts") {
      consecutive = true;
      EXPECT_EQ(v.value, 2.0);
    }
    if (v.rule == "rest_after_night_page") {
      rest = true;
      EXPECT_EQ(v.when.start, At("2026-02-03T01:30:00Z"));
      EXPECT_EQ(v.when.end, At("2026-02-03T09:00:00Z"));
      EXPECT_EQ(v.value, 7.5);
    }
  }
  EXPECT_TRUE(week);
  EXPECT_TRUE(consecutive);
  EXPECT_TRUE(rest);

  // A fair rotation under the same rules has nothing to report.
  f.schedules[0].layers[0].members = {"alice", "bob", "carol"};
  auto ok = AnalyzeResilience(f.roster(), rules, kFrom, kTwoWeeks, {}, {});
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->fatigue.empty()) << ok->fatigue.front().detail;
}

TEST(CognitiveLoad, MoreThanTheLimitOfRolesAndPendingDecisionsWarns) {
  Fixture f;
  std::vector<Holding> h;
  for (int i = 0; i < 5; ++i) h.push_back({"alice", "role", "inc-" + std::to_string(i), "incident_commander"});
  for (int i = 0; i < 3; ++i) h.push_back({"alice", "approval", "apr-" + std::to_string(i), "restart"});
  for (int i = 0; i < 7; ++i) h.push_back({"bob", "page", "inc-" + std::to_string(i), "acknowledge"});
  auto r = AnalyzeResilience(f.roster(), {}, kFrom, kTwoWeeks, {}, h);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->cognitive_load.size(), 1u);  // bob holds exactly 7: at the limit, not over it
  EXPECT_EQ(r->cognitive_load[0].person, "alice");
  EXPECT_EQ(r->cognitive_load[0].total, 8);
  EXPECT_EQ(r->cognitive_load[0].roles, 5);
  EXPECT_EQ(r->cognitive_load[0].approvals, 3);
}

}  // namespace
}  // namespace firebreak::oncall
