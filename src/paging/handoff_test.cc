// Shift handoffs computed from the final schedule: rotations, gaps before the first shift and
// between restricted windows, overrides (a handoff to the override and back), an override of the
// person already on call (no handoff), the range bounds, and the JSON the API and MCP return.
#include "paging/handoff.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "paging/test_config.h"

namespace firebreak::paging {
namespace {

using std::chrono::hours;

constexpr const char* kConfig = R"yaml(
people:
  - {id: alice, name: Alice Martin}
  - {id: bob, name: Bob Chen}
  - {id: carol, name: Carol}
schedules:
  - id: primary
    name: Primary on-call
    timezone: Europe/Paris
    layers: [{rotation: weekly, start: "2026-01-05", handoff: "09:00", members: [alice, bob]}]
    overrides:
      - {person: carol, start: "2026-01-13T20:00:00Z", end: "2026-01-14T06:00:00Z", replaces: bob}
      - {person: bob, start: "2026-01-15T00:00:00Z", end: "2026-01-16T00:00:00Z"}
  - id: daytime
    timezone: UTC
    layers:
      - rotation: daily
        start: "2026-01-05"
        handoff: "09:00"
        members: [carol]
        restrictions: [{days: [weekdays], start: "09:00", end: "17:00"}]
settings:
  paging:
    handoff_notice: 1h
)yaml";

core::TimePoint T(const char* s) { return *core::ParseRfc3339(s); }

class HandoffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = LoadTestConfig(kConfig);
    ASSERT_TRUE(cfg_);
  }
  std::vector<Handoff> Of(const char* schedule, const char* from, const char* to) {
    auto r = Handoffs(*cfg_->FindSchedule(schedule), T(from), T(to));
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : std::vector<Handoff>{};
  }
  std::shared_ptr<const config::Config> cfg_;
};

std::string Line(const Handoff& h) {
  return core::FormatRfc3339(h.at) + " " + (h.from.empty() ? "-" : h.from) + ">" + (h.to.empty() ? "-" : h.to) +
         " until " + (h.until ? core::FormatRfc3339(*h.until) : "?") + (h.override ? " (override)" : "");
}

std::vector<std::string> Lines(const std::vector<Handoff>& hs) {
  std::vector<std::string> out;
  for (const auto& h : hs) out.push_back(Line(h));
  return out;
}

TEST_F(HandoffTest, WeeklyRotationWithAnOverrideAndBackAndAGapBeforeTheFirstShift) {
  // 09:00 in Paris is 08:00Z in January. Before the rotation's first handoff nobody is on call.
  EXPECT_EQ(Lines(Of("primary", "2026-01-04T00:00:00Z", "2026-01-20T00:00:00Z")),
            (std::vector<std::string>{
                "2026-01-05T08:00:00Z ->alice until 2026-01-12T08:00:00Z",
                "2026-01-12T08:00:00Z alice>bob until 2026-01-13T20:00:00Z",
                "2026-01-13T20:00:00Z bob>carol until 2026-01-14T06:00:00Z (override)",
                "2026-01-14T06:00:00Z carol>bob until 2026-01-19T08:00:00Z",
                // bob's own override on the 15th changes only where his time comes from: no handoff.
                "2026-01-19T08:00:00Z bob>alice until 2026-01-26T08:00:00Z",
            }));
}

TEST_F(HandoffTest, RangeIsOpenAtTheStartAndClosedAtTheEnd) {
  EXPECT_EQ(Lines(Of("primary", "2026-01-12T08:00:00Z", "2026-01-13T20:00:00Z")),
            (std::vector<std::string>{"2026-01-13T20:00:00Z bob>carol until 2026-01-14T06:00:00Z (override)"}));
  EXPECT_TRUE(Of("primary", "2026-01-12T08:00:00Z", "2026-01-13T19:59:59Z").empty());
  auto next = NextHandoff(*cfg_->FindSchedule("primary"), T("2026-01-14T06:00:00Z"));
  ASSERT_TRUE(next && *next);
  EXPECT_EQ(Line(**next), "2026-01-19T08:00:00Z bob>alice until 2026-01-26T08:00:00Z");
}

TEST_F(HandoffTest, RestrictedWindowsHandOffToAndFromNobody) {
  // Friday: carol 09:00-17:00, then the weekend gap until Monday 09:00.
  EXPECT_EQ(Lines(Of("daytime", "2026-01-09T00:00:00Z", "2026-01-12T10:00:00Z")),
            (std::vector<std::string>{
                "2026-01-09T09:00:00Z ->carol until 2026-01-09T17:00:00Z",
                "2026-01-09T17:00:00Z carol>- until 2026-01-12T09:00:00Z",
                "2026-01-12T09:00:00Z ->carol until 2026-01-12T17:00:00Z",
            }));
}

TEST_F(HandoffTest, JsonForTheApiListsEverySchedulesHandoffsByTimeWithTheNoticeTime) {
  auto j = HandoffsJson(*cfg_, "", T("2026-01-12T00:00:00Z"), T("2026-01-12T12:00:00Z"));
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ(j->at("notice").as_string(), "1h");
  const auto& hs = j->at("handoffs").as_array();
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[0].at("schedule").as_string(), "primary");
  EXPECT_EQ(hs[0].at("schedule_name").as_string(), "Primary on-call");
  EXPECT_EQ(hs[0].at("at").as_string(), "2026-01-12T08:00:00Z");
  EXPECT_EQ(hs[0].at("notice_at").as_string(), "2026-01-12T07:00:00Z");
  EXPECT_EQ(hs[0].at("from").at("name").as_string(), "Alice Martin");
  EXPECT_EQ(hs[0].at("to").at("person").as_string(), "bob");
  EXPECT_EQ(hs[1].at("schedule").as_string(), "daytime");
  EXPECT_TRUE(hs[1].at("from").is_null());  // the end of the weekend gap
  EXPECT_EQ(hs[1].at("until").as_string(), "2026-01-12T17:00:00Z");

  auto one = HandoffsJson(*cfg_, "daytime", T("2026-01-12T00:00:00Z"), T("2026-01-12T12:00:00Z"));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->at("handoffs").as_array().size(), 1u);
  auto unknown = HandoffsJson(*cfg_, "nope", T("2026-01-12T00:00:00Z"), T("2026-01-12T12:00:00Z"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "schedule");
  auto too_long = HandoffsJson(*cfg_, "", T("2026-01-01T00:00:00Z"), T("2026-06-01T00:00:00Z"));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().field, "to");
}

TEST_F(HandoffTest, LocalTimesAreShownInTheZoneAsked) {
  EXPECT_EQ(FormatLocal(T("2026-01-12T08:00:00Z"), "Europe/Paris"), "Mon 12 Jan 09:00 (Europe/Paris)");
  EXPECT_EQ(FormatLocal(T("2026-07-13T07:00:00Z"), "Europe/Paris"), "Mon 13 Jul 09:00 (Europe/Paris)");
  EXPECT_EQ(FormatLocal(T("2026-01-12T08:00:00Z"), ""), "Mon 12 Jan 08:00 (UTC)");
}

}  // namespace
}  // namespace firebreak::paging
