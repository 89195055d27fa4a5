// Who-is-on-call queries over a loaded config: the roster of a schedule or a team (the call
// resilience analytics build on): which schedules a team's policies reach, shifts with overrides,
// gaps and coverage, and per-person totals including team members who hold no shift.
#include "paging/oncall_query.h"
#include "paging/people.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "paging/test_config.h"

namespace firebreak::paging {
namespace {

namespace json = boost::json;

constexpr const char* kConfig = R"yaml(
people:
  - {id: alice, name: Alice}
  - {id: bob, name: Bob}
  - {id: carol, name: Carol}
  - {id: dave, name: Dave}
  - {id: erin, name: Erin}
teams:
  - {id: ops, name: Ops, members: [alice, bob, erin], lead: dave, escalation_policy: ops-default}
  - {id: idle, name: Idle, members: [carol]}
schedules:
  - id: primary
    timezone: UTC
    layers: [{rotation: weekly, start: "2026-01-05", handoff: "00:00", members: [alice, bob]}]
    overrides: [{person: carol, start: "2026-01-07T00:00:00Z", end: "2026-01-07T12:00:00Z", replaces: alice}]
  - id: daytime
    timezone: UTC
    layers:
      - rotation: daily
        start: "2026-01-05"
        handoff: "09:00"
        members: [erin]
        restrictions: [{start: "09:00", end: "17:00"}]
  - id: unrelated
    timezone: UTC
    layers: [{rotation: weekly, start: "2026-01-05", handoff: "00:00", members: [carol]}]
services:
  - {id: api, team: ops, escalation_policy: ops-default, escalation_by_severity: {SEV0: ops-major}}
  - {id: other, team: idle}
escalation_policies:
  - id: ops-default
    tiers:
      - {after: 0m, targets: [{schedule: primary}]}
      - {after: 15m, targets: [{team: ops}]}
  - id: ops-major
    tiers:
      - {after: 0m, targets: [{schedule: primary}, {schedule: daytime}]}
)yaml";

class RosterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = LoadTestConfig(kConfig);
    ASSERT_TRUE(cfg_);
  }
  static core::TimePoint T(const char* s) { return *core::ParseRfc3339(s); }
  std::shared_ptr<const config::Config> cfg_;
};

const json::object* Find(const json::array& a, std::string_view key, std::string_view id) {
  for (const auto& v : a)
    if (v.as_object().at(key).as_string() == id) return &v.as_object();
  return nullptr;
}

TEST_F(RosterTest, TeamRosterCoversTheSchedulesItsPoliciesPage) {
  auto r = RosterJson(*cfg_, "", "ops", T("2026-01-05T00:00:00Z"), T("2026-01-19T00:00:00Z"));
  ASSERT_TRUE(r) << r.error().message;
  const auto& scheds = r->at("schedules").as_array();
  ASSERT_EQ(scheds.size(), 2u);  // primary (both policies) and daytime (SEV0 policy); not 'unrelated'
  const auto* primary = Find(scheds, "id", "primary");
  const auto* daytime = Find(scheds, "id", "daytime");
  ASSERT_TRUE(primary && daytime);
  EXPECT_EQ(json::serialize(primary->at("via")), R"(["ops-default","ops-major"])");
  EXPECT_EQ(json::serialize(daytime->at("via")), R"(["ops-major"])");
  EXPECT_EQ(json::serialize(primary->at("members")), R"(["alice","bob"])");

  // primary: alice's week, split by carol's override, then bob's week; fully covered.
  std::vector<std::string> who;
  for (const auto& s : primary->at("shifts").as_array())
    who.push_back(std::string(s.at("person").as_string()) + "@" + std::string(s.at("start").as_string()));
  EXPECT_EQ(who, (std::vector<std::string>{"alice@2026-01-05T00:00:00Z", "carol@2026-01-07T00:00:00Z",
                                           "alice@2026-01-07T12:00:00Z", "bob@2026-01-12T00:00:00Z"}));
  EXPECT_EQ(primary->at("covered_seconds").as_int64(), 14 * 86400);
  EXPECT_EQ(primary->at("total_seconds").as_int64(), 14 * 86400);
  EXPECT_TRUE(primary->at("gaps").as_array().empty());

  // daytime: 8 hours a day, the rest are gaps.
  EXPECT_EQ(daytime->at("covered_seconds").as_int64(), 14 * 8 * 3600);
  EXPECT_EQ(daytime->at("gaps").as_array().size(), 15u);

  // People: totals across schedules, most on call first; dave (lead, no shift) is listed with 0.
  const auto& people = r->at("people").as_array();
  ASSERT_EQ(people.size(), 5u);
  std::vector<std::string> totals;
  for (const auto& p : people)
    totals.push_back(std::string(p.at("person").as_string()) + ":" +
                     std::to_string(p.at("on_call_seconds").as_int64() / 3600) + "h:" +
                     (p.at("in_team").as_bool() ? "team" : "outside"));
  EXPECT_EQ(totals, (std::vector<std::string>{"bob:168h:team", "alice:156h:team", "erin:112h:team",
                                              "carol:12h:outside", "dave:0h:team"}));
  EXPECT_EQ(r->at("team").at("lead").as_string(), "dave");
}

TEST_F(RosterTest, ScheduleRosterAndATeamWithoutSchedules) {
  auto r = RosterJson(*cfg_, "unrelated", "", T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->at("team").is_null());
  ASSERT_EQ(r->at("schedules").as_array().size(), 1u);
  EXPECT_EQ(r->at("people").as_array().size(), 1u);
  // A team whose policies reach no schedule: no schedules, its members still listed with zero time.
  auto idle = RosterJson(*cfg_, "", "idle", T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"));
  ASSERT_TRUE(idle);
  EXPECT_TRUE(idle->at("schedules").as_array().empty());
  ASSERT_EQ(idle->at("people").as_array().size(), 1u);
  EXPECT_EQ(idle->at("people").as_array()[0].at("on_call_seconds").as_int64(), 0);
}

// On-call coverage for the defense level: ops-default pages primary then the ops team; ops-major
// (api at SEV0) pages primary and daytime in its only tier. primary rotates from 2026-01-05;
// daytime is covered 09:00-17:00 only.
TEST_F(RosterTest, CoverageGradesPoliciesThatPageNobodyAndSchedulesWithGaps) {
  auto levels = [](const CoverageAssessment& c) {
    std::vector<std::string> out;
    for (const auto& f : c.findings)
      out.push_back(std::string(model::DefenseLevelName(f.level)) + ":" + (f.policy.empty() ? f.schedule : f.policy));
    return out;
  };
  // Daytime, everything reaches someone; daytime's evening gap is within the 24 h look-ahead.
  auto day = AssessCoverage(*cfg_, T("2026-01-06T10:00:00Z"), std::chrono::hours(24));
  EXPECT_EQ(day.policies, (std::vector<std::string>{"ops-default", "ops-major"}));
  EXPECT_EQ(day.level, model::DefenseLevel::kYellow);
  EXPECT_EQ(levels(day), (std::vector<std::string>{"YELLOW:daytime"}));
  EXPECT_EQ(day.findings[0].gap_start, T("2026-01-06T17:00:00Z"));
  EXPECT_EQ(day.findings[0].gap_end, T("2026-01-07T09:00:00Z"));
  // Without a look-ahead only gaps now count: none at 10:00, daytime's at 20:00 (primary still
  // answers for ops-major, so no policy is short).
  EXPECT_EQ(AssessCoverage(*cfg_, T("2026-01-06T10:00:00Z"), core::Millis(0)).level, model::DefenseLevel::kGreen);
  auto evening = AssessCoverage(*cfg_, T("2026-01-06T20:00:00Z"), core::Millis(0));
  EXPECT_EQ(levels(evening), (std::vector<std::string>{"YELLOW:daytime"}));
  // Before primary's first shift: ops-major reaches nobody (RED); ops-default's first tier is
  // empty but its second pages the team (ORANGE).
  auto before = AssessCoverage(*cfg_, T("2026-01-04T20:00:00Z"), std::chrono::hours(1));
  EXPECT_EQ(before.level, model::DefenseLevel::kRed);
  EXPECT_EQ(levels(before),
            (std::vector<std::string>{"RED:ops-major", "ORANGE:ops-default", "YELLOW:daytime", "YELLOW:primary"}));
  EXPECT_NE(before.findings[1].detail.find("tier 2, 15m"), std::string::npos) << before.findings[1].detail;
  auto doc = CoverageJson(before, std::chrono::hours(1));
  EXPECT_EQ(doc.at("level").as_string(), "RED");
  EXPECT_EQ(doc.at("horizon_seconds").as_int64(), 3600);
  // The gap runs on past the look-ahead: reported up to its end, and said so.
  EXPECT_EQ(doc.at("findings").as_array()[2].at("gap").at("end").as_string(), "2026-01-04T21:00:00Z");
  EXPECT_NE(before.findings[2].detail.find("until at least"), std::string::npos) << before.findings[2].detail;
}

// Who a low-urgency incident would page: nobody until support hours (weekdays 09:00-17:00 Paris)
// begin, then the tiers from there.
TEST_F(RosterTest, ServiceOnCallWaitsForSupportHoursAtLowUrgency) {
  cfg_ = LoadTestConfigFiles({{"test.yaml", kConfig}, {"batch.yaml", R"yaml(
services:
  - {id: batch, escalation_policy: batch-daytime}
time_intervals:
  - name: weekdays
    time_intervals:
      - {weekdays: ["monday:friday"], times: [{start_time: "09:00", end_time: "17:00"}], location: Europe/Paris}
  - name: long-ago
    time_intervals: [{years: ["2020"]}]
escalation_policies:
  - id: batch-daytime
    support_hours: weekdays
    low_urgency: [SEV2, SEV3, SEV4]
    tiers:
      - {after: 0m, targets: [{schedule: primary}]}
      - {after: 30m, targets: [{person: dave}]}
)yaml"}});
  ASSERT_TRUE(cfg_);
  // Sunday 2026-01-11 22:00 UTC: the next support hours begin Monday 08:00 UTC (09:00 in Paris);
  // bob's primary week starts Monday 00:00 UTC.
  auto r = OnCallForService(*cfg_, "batch", model::Severity::kSev3, T("2026-01-11T22:00:00Z"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("waits_until").as_string(), "2026-01-12T08:00:00Z");
  EXPECT_EQ(r->at("policy").at("support_hours").as_string(), "weekdays");
  const auto& tiers = r->at("tiers").as_array();
  ASSERT_EQ(tiers.size(), 2u);
  EXPECT_EQ(tiers[0].at("at").as_string(), "2026-01-12T08:00:00Z");
  EXPECT_EQ(tiers[0].at("people").as_array()[0].at("person").as_string(), "bob");
  EXPECT_EQ(tiers[1].at("at").as_string(), "2026-01-12T08:30:00Z");
  // An urgent severity pages now (alice's week), and so does any severity within support hours.
  auto urgent = OnCallForService(*cfg_, "batch", model::Severity::kSev1, T("2026-01-11T22:00:00Z"));
  ASSERT_TRUE(urgent);
  EXPECT_TRUE(urgent->at("waits_until").is_null());
  EXPECT_EQ(urgent->at("tiers").as_array()[0].at("people").as_array()[0].at("person").as_string(), "alice");
  auto day = OnCallForService(*cfg_, "batch", model::Severity::kSev4, T("2026-01-12T10:00:00Z"));
  ASSERT_TRUE(day);
  EXPECT_TRUE(day->at("waits_until").is_null());

  auto check = CheckSupportHours(*cfg_, "weekdays", T("2026-01-12T16:00:00Z"));  // 17:00 in Paris
  EXPECT_TRUE(check.waits);
  EXPECT_EQ(check.until, T("2026-01-13T08:00:00Z"));
  // Support hours that never come, or are not defined, never hold a page back.
  auto never = CheckSupportHours(*cfg_, "long-ago", T("2026-01-12T10:00:00Z"));
  EXPECT_FALSE(never.waits);
  EXPECT_EQ(never.problem, "support hours 'long-ago' do not begin within a year");
  auto gone = CheckSupportHours(*cfg_, "removed", T("2026-01-12T10:00:00Z"));
  EXPECT_FALSE(gone.waits);
  EXPECT_EQ(gone.problem, "support hours 'removed' are not defined");
}

TEST_F(RosterTest, RefusalsNameTheField) {
  auto from = T("2026-01-05T00:00:00Z");
  EXPECT_EQ(RosterJson(*cfg_, "", "nope", from, from + std::chrono::hours(1)).error().field, "team");
  EXPECT_EQ(RosterJson(*cfg_, "nope", "", from, from + std::chrono::hours(1)).error().field, "schedule");
  EXPECT_EQ(RosterJson(*cfg_, "", "", from, from + std::chrono::hours(1)).error().field, "schedule");
  EXPECT_EQ(RosterJson(*cfg_, "primary", "", from, from).error().field, "to");
  EXPECT_EQ(RosterJson(*cfg_, "primary", "", from, from + std::chrono::hours(24 * 94)).error().field, "to");
}


// ---- the people directory ----

std::vector<std::string> Strings(const json::value& a) {
  std::vector<std::string> out;
  for (const auto& v : a.as_array())
    out.emplace_back(v.is_string() ? v.as_string() : v.at("schedule").as_string());
  return out;
}

TEST_F(RosterTest, PeopleSaysWhoIsOnCallWhereNowWithTeamsAndRotations) {
  // Wednesday 06:00: carol's override has replaced alice on primary; erin's daytime layer is off.
  auto r = PeopleJson(*cfg_, "", T("2026-01-07T06:00:00Z"));
  ASSERT_TRUE(r) << r.error().message;
  const auto& people = r->at("people").as_array();
  ASSERT_EQ(people.size(), 5u);
  const auto* alice = Find(people, "id", "alice");
  const auto* carol = Find(people, "id", "carol");
  const auto* dave = Find(people, "id", "dave");
  const auto* erin = Find(people, "id", "erin");
  ASSERT_TRUE(alice && carol && dave && erin);
  EXPECT_EQ(Strings(alice->at("teams")), std::vector<std::string>{"ops"});
  EXPECT_EQ(Strings(alice->at("schedules")), std::vector<std::string>{"primary"});
  EXPECT_TRUE(alice->at("on_call").as_array().empty());  // replaced for the morning
  EXPECT_EQ(Strings(carol->at("on_call")), (std::vector<std::string>{"primary", "unrelated"}));
  EXPECT_EQ(carol->at("on_call").as_array().at(0).at("override"), true);
  EXPECT_EQ(carol->at("on_call").as_array().at(0).at("end"), "2026-01-07T12:00:00Z");
  EXPECT_EQ(Strings(dave->at("leads")), std::vector<std::string>{"ops"});
  EXPECT_TRUE(dave->at("schedules").as_array().empty());
  EXPECT_TRUE(erin->at("on_call").as_array().empty());
  // At 10:00 erin's daytime shift has begun.
  auto later = PeopleJson(*cfg_, "", T("2026-01-07T10:00:00Z"));
  ASSERT_TRUE(later);
  EXPECT_EQ(Strings(Find(later->at("people").as_array(), "id", "erin")->at("on_call")),
            std::vector<std::string>{"daytime"});

  // A team: its lead and members, by id.
  auto ops = PeopleJson(*cfg_, "ops", T("2026-01-07T06:00:00Z"));
  ASSERT_TRUE(ops);
  std::vector<std::string> ids;
  for (const auto& p : ops->at("people").as_array()) ids.emplace_back(p.at("id").as_string());
  EXPECT_EQ(ids, (std::vector<std::string>{"alice", "bob", "dave", "erin"}));
  auto unknown = PeopleJson(*cfg_, "nope", T("2026-01-07T06:00:00Z"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().field, "team");
}

TEST_F(RosterTest, PersonHasTheirShiftsAcrossSchedulesAndEveryWayTheyArePaged) {
  const auto at = T("2026-01-05T00:00:00Z");
  auto alice = PersonJson(*cfg_, "alice", at, at, T("2026-01-12T00:00:00Z"));
  ASSERT_TRUE(alice) << alice.error().message;
  std::vector<std::string> shifts;
  for (const auto& s : alice->at("shifts").as_array())
    shifts.push_back(std::string(s.at("schedule").as_string()) + "@" + std::string(s.at("start").as_string()) + ".." +
                     std::string(s.at("end").as_string()));
  // Her week on primary, less carol's twelve hours.
  EXPECT_EQ(shifts, (std::vector<std::string>{"primary@2026-01-05T00:00:00Z..2026-01-07T00:00:00Z",
                                              "primary@2026-01-07T12:00:00Z..2026-01-12T00:00:00Z"}));
  EXPECT_EQ(alice->at("on_call_seconds"), (2 * 24 + 4 * 24 + 12) * 3600);
  std::vector<std::string> esc;
  for (const auto& e : alice->at("escalation").as_array())
    esc.push_back(std::string(e.at("policy").as_string()) + "/" + std::to_string(e.at("tier").as_int64()) + "/" +
                  std::string(e.at("via").as_string()));
  EXPECT_EQ(esc, (std::vector<std::string>{"ops-default/1/schedule:primary", "ops-default/2/team:ops",
                                           "ops-major/1/schedule:primary"}));
  EXPECT_EQ(json::serialize(alice->at("escalation").as_array().at(0).at("services")), R"(["api"])");

  // carol rotates only on a schedule no policy names, but her override on primary makes her
  // pageable through it until it ends.
  auto carol = PersonJson(*cfg_, "carol", at, at, T("2026-01-12T00:00:00Z"));
  ASSERT_TRUE(carol);
  EXPECT_EQ(carol->at("escalation").as_array().size(), 2u);
  auto carol_after = PersonJson(*cfg_, "carol", T("2026-01-08T00:00:00Z"), T("2026-01-08T00:00:00Z"),
                                T("2026-01-09T00:00:00Z"));
  ASSERT_TRUE(carol_after);
  EXPECT_TRUE(carol_after->at("escalation").as_array().empty());
  // dave leads ops: its second tier.
  auto dave = PersonJson(*cfg_, "dave", at, at, T("2026-01-12T00:00:00Z"));
  ASSERT_TRUE(dave);
  EXPECT_TRUE(dave->at("shifts").as_array().empty());
  ASSERT_EQ(dave->at("escalation").as_array().size(), 1u);
  EXPECT_EQ(dave->at("escalation").as_array().at(0).at("via"), "team:ops");

  auto unknown = PersonJson(*cfg_, "zed", at, at, T("2026-01-12T00:00:00Z"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "person");
  auto backwards = PersonJson(*cfg_, "alice", at, at, at);
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error().field, "to");
  EXPECT_FALSE(PersonJson(*cfg_, "alice", at, at, at + std::chrono::hours(24 * 94)));
}

}  // namespace
}  // namespace firebreak::paging
