#include "oncall/time_intervals.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "core/time.h"

namespace firebreak::oncall {
namespace {

using std::chrono::hours;

core::TimePoint T(const char* s) { return *core::ParseRfc3339(s); }
std::string S(std::optional<core::TimePoint> t) { return t ? core::FormatRfc3339(*t) : "none"; }

model::TimeIntervalSpec Spec(std::vector<model::ClockRange> times, std::string location = "") {
  model::TimeIntervalSpec s;
  s.times = std::move(times);
  s.location = std::move(location);
  return s;
}

model::TimeInterval Named(std::string name, std::vector<model::TimeIntervalSpec> specs) {
  return model::TimeInterval{std::move(name), std::move(specs), {}};
}

MuteCalendar Muting(const model::TimeInterval& iv) { return *MuteCalendar::Make({&iv}, {}); }

constexpr int kH = 60;
const auto kYear = hours(24 * 366);

TEST(TimeIntervals, BusinessHoursInAZoneAndTheirNextChanges) {
  auto spec = Spec({{9 * kH, 17 * kH}}, "Europe/Berlin");
  spec.weekdays = {{1, 5}};  // monday:friday
  auto iv = Named("business", {spec});
  auto cal = Muting(iv);
  EXPECT_TRUE(cal.MutedAt(T("2026-11-23T08:00:00Z")));   // Monday 09:00 in Berlin (UTC+1)
  EXPECT_FALSE(cal.MutedAt(T("2026-11-23T07:59:59Z")));  // 08:59:59
  EXPECT_FALSE(cal.MutedAt(T("2026-11-23T16:00:00Z")));  // 17:00: the end is exclusive
  EXPECT_FALSE(cal.MutedAt(T("2026-11-28T10:00:00Z")));  // Saturday
  // Friday afternoon: muted until 17:00, then not until Monday 09:00.
  EXPECT_EQ(S(cal.NextChange(T("2026-11-27T15:00:00Z"), kYear)), "2026-11-27T16:00:00Z");
  EXPECT_EQ(S(cal.NextChange(T("2026-11-27T16:00:00Z"), kYear)), "2026-11-30T08:00:00Z");
  // In summer Berlin is UTC+2.
  EXPECT_TRUE(cal.MutedAt(T("2026-07-01T07:00:00Z")));
  EXPECT_FALSE(cal.MutedAt(T("2026-07-01T15:00:00Z")));
}

TEST(TimeIntervals, ActiveIntervalsMuteEverythingOutsideThem) {
  auto spec = Spec({{9 * kH, 17 * kH}});
  spec.weekdays = {{1, 5}};
  auto iv = Named("business", {spec});
  auto cal = *MuteCalendar::Make({}, {&iv});
  EXPECT_FALSE(cal.MutedAt(T("2026-11-23T10:00:00Z")));
  EXPECT_TRUE(cal.MutedAt(T("2026-11-28T10:00:00Z")));  // Saturday
  EXPECT_TRUE(cal.MutedAt(T("2026-11-23T17:00:00Z")));
  // Muted from Friday 17:00 to Monday 09:00 in one stretch: the weekend's midnights are no change.
  EXPECT_EQ(S(cal.NextChange(T("2026-11-27T17:00:00Z"), kYear)), "2026-11-30T09:00:00Z");
}

TEST(TimeIntervals, AnyMuteIntervalOrAnyOfItsSpecsMutes) {
  auto night = Spec({{0, 2 * kH}});
  auto late = Spec({{22 * kH, 24 * kH}});
  auto nightly = Named("nightly", {late, night});
  auto sunday = Spec({});
  sunday.weekdays = {{0, 0}};
  auto sundays = Named("sundays", {sunday});
  auto cal = *MuteCalendar::Make({&nightly, &sundays}, {});
  EXPECT_TRUE(cal.MutedAt(T("2026-11-24T23:00:00Z")));
  EXPECT_TRUE(cal.MutedAt(T("2026-11-25T01:59:00Z")));
  EXPECT_FALSE(cal.MutedAt(T("2026-11-25T02:00:00Z")));
  // 22:00 to 02:00 is one stretch across midnight (24:00 meets 00:00).
  EXPECT_EQ(S(cal.NextChange(T("2026-11-24T22:00:00Z"), kYear)), "2026-11-25T02:00:00Z");
  // Saturday 22:00 runs into all of Sunday and on to Monday 02:00.
  EXPECT_EQ(S(cal.NextChange(T("2026-11-28T23:00:00Z"), kYear)), "2026-11-30T02:00:00Z");
}

TEST(TimeIntervals, DaysOfMonthCountBackFromTheEndAndSkipShortMonths) {
  model::TimeIntervalSpec last;
  last.days_of_month = {{-1, -1}};
  auto month_end = Named("month-end", {last});
  auto cal = Muting(month_end);
  EXPECT_TRUE(cal.MutedAt(T("2028-02-29T12:00:00Z")));  // leap year
  EXPECT_FALSE(cal.MutedAt(T("2028-02-28T12:00:00Z")));
  EXPECT_TRUE(cal.MutedAt(T("2027-02-28T12:00:00Z")));
  EXPECT_EQ(S(cal.NextChange(T("2027-02-28T12:00:00Z"), kYear)), "2027-03-01T00:00:00Z");
  EXPECT_EQ(S(cal.NextChange(T("2027-03-01T00:00:00Z"), kYear)), "2027-03-31T00:00:00Z");

  model::TimeIntervalSpec late;
  late.days_of_month = {{29, 31}};
  auto tail = Named("tail", {late});
  auto cal2 = Muting(tail);
  EXPECT_FALSE(cal2.MutedAt(T("2027-02-28T12:00:00Z")));
  EXPECT_TRUE(cal2.MutedAt(T("2028-02-29T12:00:00Z")));  // cut at the month's end, not skipped
  EXPECT_TRUE(cal2.MutedAt(T("2027-04-30T12:00:00Z")));
  // From January 31st the next stretch is March 29th: February 2027 has no 29th.
  EXPECT_EQ(S(cal2.NextChange(T("2027-02-01T00:00:00Z"), kYear)), "2027-03-29T00:00:00Z");

  model::TimeIntervalSpec first_week;
  first_week.days_of_month = {{1, 7}};
  first_week.weekdays = {{1, 1}};  // the first Monday of the month
  first_week.months = {{1, 3}};
  first_week.years = {{2027, 2027}};
  auto iv = Named("first-monday-q1-2027", {first_week});
  auto cal3 = Muting(iv);
  EXPECT_EQ(S(cal3.NextChange(T("2026-11-23T00:00:00Z"), kYear)), "2027-01-04T00:00:00Z");
  EXPECT_EQ(S(cal3.NextChange(T("2027-01-04T00:00:00Z"), kYear)), "2027-01-05T00:00:00Z");
  EXPECT_TRUE(cal3.MutedAt(T("2027-03-01T12:00:00Z")));
  EXPECT_EQ(S(cal3.NextChange(T("2027-03-02T00:00:00Z"), kYear)), "none");  // no later 2027 Q1
}

TEST(TimeIntervals, DaylightSavingChangesFollowTheLocalClock) {
  // A daily 02:00-03:00 window in New York: on 8 March 2026 that hour does not exist.
  auto iv = Named("two-am", {Spec({{2 * kH, 3 * kH}}, "America/New_York")});
  auto cal = Muting(iv);
  EXPECT_TRUE(cal.MutedAt(T("2026-03-07T07:30:00Z")));  // 02:30 EST
  EXPECT_EQ(S(cal.NextChange(T("2026-03-07T07:30:00Z"), kYear)), "2026-03-07T08:00:00Z");
  EXPECT_EQ(S(cal.NextChange(T("2026-03-07T08:00:00Z"), kYear)), "2026-03-09T06:00:00Z");  // 02:00 EDT

  // 01:30-02:00 on 1 November 2026, when 01:00-02:00 happens twice: two stretches, with the
  // change of offset between them.
  auto iv2 = Named("half-past-one", {Spec({{90, 2 * kH}}, "America/New_York")});
  auto cal2 = Muting(iv2);
  EXPECT_TRUE(cal2.MutedAt(T("2026-11-01T05:45:00Z")));   // 01:45 EDT
  EXPECT_FALSE(cal2.MutedAt(T("2026-11-01T06:15:00Z")));  // 01:15 EST
  EXPECT_TRUE(cal2.MutedAt(T("2026-11-01T06:45:00Z")));   // 01:45 EST
  EXPECT_EQ(S(cal2.NextChange(T("2026-11-01T05:45:00Z"), kYear)), "2026-11-01T06:00:00Z");
  EXPECT_EQ(S(cal2.NextChange(T("2026-11-01T06:00:00Z"), kYear)), "2026-11-01T06:30:00Z");
  EXPECT_EQ(S(cal2.NextChange(T("2026-11-01T06:30:00Z"), kYear)), "2026-11-01T07:00:00Z");
}

TEST(TimeIntervals, StretchesOfAWeekAreClippedToTheRange) {
  auto spec = Spec({{9 * kH, 17 * kH}});
  spec.weekdays = {{1, 5}};
  auto iv = Named("business", {spec});
  auto cal = Muting(iv);
  // From Tuesday noon to the next Tuesday 10:00: the rest of Tuesday, Wednesday to Friday, Monday,
  // and the first hour of the next Tuesday.
  auto st = cal.Stretches(T("2026-11-24T12:00:00Z"), T("2026-12-01T10:00:00Z"));
  ASSERT_EQ(st.size(), 6u);
  EXPECT_EQ(S(st[0].first), "2026-11-24T12:00:00Z");
  EXPECT_EQ(S(st[0].second), "2026-11-24T17:00:00Z");
  EXPECT_EQ(S(st[3].first), "2026-11-27T09:00:00Z");
  EXPECT_EQ(S(st[4].first), "2026-11-30T09:00:00Z");
  EXPECT_EQ(S(st[5].first), "2026-12-01T09:00:00Z");
  EXPECT_EQ(S(st[5].second), "2026-12-01T10:00:00Z");
  EXPECT_EQ(cal.Stretches(T("2026-11-28T00:00:00Z"), T("2026-11-29T00:00:00Z")).size(), 0u);  // Saturday
}

TEST(TimeIntervals, NothingWithinTheHorizonIsNoChange) {
  model::TimeIntervalSpec y;
  y.years = {{2030, 2030}};
  auto iv = Named("2030", {y});
  auto cal = Muting(iv);
  EXPECT_FALSE(cal.MutedAt(T("2026-11-23T00:00:00Z")));
  EXPECT_EQ(S(cal.NextChange(T("2026-11-23T00:00:00Z"), kYear)), "none");
  EXPECT_EQ(S(cal.NextChange(T("2029-11-23T00:00:00Z"), kYear)), "2030-01-01T00:00:00Z");
}

TEST(TimeIntervals, UnknownLocationIsRefused) {
  auto iv = Named("x", {Spec({{0, 60}}, "Mars/Olympus")});
  auto cal = MuteCalendar::Make({&iv}, {});
  ASSERT_FALSE(cal);
  EXPECT_EQ(cal.error().field, "location");
}

// A value of [a, b) drawn evenly whatever the test's size (rapidcheck's inRange favours small values
// in early cases).
template <class V>
V Uniform(V a, V b) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange<V>(a, b));
}

// Property: NextChange returns the first instant the state differs, and the state is constant
// before it (checked minute by minute over the span it skips, for random daily windows in zones
// with and without DST).
TEST(TimeIntervals, NextChangeIsTheFirstChange) {
  rc::check([](void) {
    // A zone and one of its 2026 offset changes (UTC has none: any day will do).
    const std::vector<std::pair<std::string, const char*>> changes = {
        {"", "2026-03-08T07:00:00Z"},
        {"America/New_York", "2026-03-08T07:00:00Z"},     // 02:00 EST -> 03:00 EDT
        {"America/New_York", "2026-11-01T06:00:00Z"},     // 02:00 EDT -> 01:00 EST
        {"Europe/Berlin", "2026-03-29T01:00:00Z"},        // 02:00 CET -> 03:00 CEST
        {"Europe/Berlin", "2026-10-25T01:00:00Z"},        // 03:00 CEST -> 02:00 CET
        {"Australia/Lord_Howe", "2026-04-04T15:00:00Z"},  // 02:00 -> 01:30 (a half-hour change)
        {"Australia/Lord_Howe", "2026-10-03T15:30:00Z"}};  // 02:00 -> 02:30
    const auto [zone, change] = *rc::gen::elementOf(changes);
    // Mostly around 01:00-03:00, where these changes skip or repeat local time.
    const int start = Uniform(0, 8) ? Uniform(0, 4 * 60) : Uniform(0, 24 * 60);
    const int end = *rc::gen::arbitrary<bool>() ? Uniform(start + 1, std::min(start + 180, 24 * 60) + 1)
                                                : Uniform(start + 1, 24 * 60 + 1);
    auto spec = Spec({{start, end}}, zone);
    bool all_days = true;
    if (*rc::gen::arbitrary<bool>()) {
      spec.weekdays = {{Uniform(0, 4), Uniform(4, 7)}};
      all_days = spec.weekdays[0].first == 0 && spec.weekdays[0].last == 6;
    }
    RC_PRE(!(all_days && start == 0 && end == 24 * 60));  // always muted: nothing ever changes
    auto iv = Named("r", {spec});
    auto cal = Muting(iv);
    // Within two hours either side of the change.
    const auto t = T(change) + std::chrono::seconds(Uniform<int64_t>(-2 * 3600, 2 * 3600));
    const auto next = cal.NextChange(t, hours(24 * 9));  // every window above recurs within a week
    RC_ASSERT(next.has_value());
    const bool muted = cal.MutedAt(t);
    RC_ASSERT(cal.MutedAt(*next) != muted);
    for (auto m = t; m < *next; m += std::chrono::minutes(1)) RC_ASSERT(cal.MutedAt(m) == muted);
  });
}

}  // namespace
}  // namespace firebreak::oncall
