#include "oncall/schedule.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "core/time.h"

namespace firebreak::oncall {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

core::TimePoint T(const char* s) { return *core::ParseRfc3339(s); }

model::Layer Layer(std::string rotation, std::string start, std::string handoff, std::vector<std::string> members,
                   std::string tz = "") {
  model::Layer l;
  l.name = "l";
  l.rotation = rotation;
  if (rotation == "daily") l.shift_length = hours(24);
  if (rotation == "weekly") l.shift_length = hours(24 * 7);
  l.start_date = std::move(start);
  int h = std::stoi(handoff.substr(0, 2)), m = std::stoi(handoff.substr(3, 2));
  l.handoff_minute = h * 60 + m;
  l.members = std::move(members);
  l.timezone = std::move(tz);
  return l;
}

model::Schedule One(model::Layer l, std::string tz) {
  model::Schedule s;
  s.id = "s";
  s.timezone = std::move(tz);
  s.layers.push_back(std::move(l));
  return s;
}

std::string Who(const model::Schedule& s, const char* at) {
  auto r = OnCallAt(s, T(at));
  EXPECT_TRUE(r) << r.error().ToString();
  return r && *r ? (*r)->person : "";
}

TEST(Schedule, WeeklyHandoffStaysAtNineLocalAcrossSpringForward) {
  auto s = One(Layer("weekly", "2026-01-05", "09:00", {"alice", "bob"}), "Europe/Paris");
  auto shifts = FinalShifts(s, T("2026-03-20T00:00:00Z"), T("2026-04-10T00:00:00Z"));
  ASSERT_TRUE(shifts);
  ASSERT_EQ(shifts->size(), 4u);
  // Monday 23 March 09:00 CET = 08:00Z; Monday 30 March 09:00 CEST = 07:00Z: a 167-hour week.
  EXPECT_EQ((*shifts)[1].start, T("2026-03-23T08:00:00Z"));
  EXPECT_EQ((*shifts)[1].end, T("2026-03-30T07:00:00Z"));
  EXPECT_EQ((*shifts)[1].end - (*shifts)[1].start, hours(167));
  EXPECT_EQ((*shifts)[2].end - (*shifts)[2].start, hours(168));
  // 2026-01-05 is turn 0 (alice); 23 March is 11 weeks later (bob), 30 March alice.
  EXPECT_EQ((*shifts)[1].person, "bob");
  EXPECT_EQ((*shifts)[2].person, "alice");
  EXPECT_EQ(Who(s, "2026-03-30T06:59:59Z"), "bob");
  EXPECT_EQ(Who(s, "2026-03-30T07:00:00Z"), "alice");
}

TEST(Schedule, LordHoweHalfHourShiftMovesANonexistentHandoffToTheTransition) {
  // Lord Howe moves from +10:30 to +11:00 at 02:00 on 4 October 2026; 02:15 does not exist that day.
  auto s = One(Layer("daily", "2026-10-01", "02:15", {"a", "b"}), "Australia/Lord_Howe");
  auto shifts = FinalShifts(s, T("2026-10-02T00:00:00Z"), T("2026-10-05T00:00:00Z"));
  ASSERT_TRUE(shifts);
  // 3 Oct 02:15 +10:30 = 2 Oct 15:45Z; the 4 Oct handoff happens at the transition, 3 Oct 15:30Z.
  auto it = std::find_if(shifts->begin(), shifts->end(), [](auto& x) { return x.start == T("2026-10-02T15:45:00Z"); });
  ASSERT_NE(it, shifts->end());
  EXPECT_EQ(it->end, T("2026-10-03T15:30:00Z"));
  // 5 Oct 02:15 +11:00 = 4 Oct 15:15Z: both shifts around the change last 23h45m.
  EXPECT_EQ((it + 1)->start, T("2026-10-03T15:30:00Z"));
  EXPECT_EQ((it + 1)->end, T("2026-10-04T15:15:00Z"));
  EXPECT_NE(it->person, (it + 1)->person);
}

TEST(Schedule, ApiaSkippedDayShortensTheShiftOrSkipsATurn) {
  // Samoa skipped 30 December 2011: 29 Dec 23:59:59 -10:00 was followed by 31 Dec 00:00 +14:00
  // (2011-12-30T10:00:00Z).
  auto nine = One(Layer("daily", "2011-12-27", "09:00", {"a", "b", "c"}), "Pacific/Apia");
  // Turn 3 (30 Dec 09:00, which never happened) starts at the transition and ends 31 Dec 09:00 +14.
  EXPECT_EQ(Who(nine, "2011-12-30T09:59:59Z"), "c");
  EXPECT_EQ(Who(nine, "2011-12-30T10:00:00Z"), "a");
  EXPECT_EQ(Who(nine, "2011-12-30T19:00:00Z"), "b");

  // With midnight handoffs, turn 3 has no time at all: c hands over straight to b.
  auto midnight = One(Layer("daily", "2011-12-27", "00:00", {"a", "b", "c"}), "Pacific/Apia");
  auto shifts = FinalShifts(midnight, T("2011-12-29T00:00:00Z"), T("2011-12-31T12:00:00Z"));
  ASSERT_TRUE(shifts);
  for (const auto& sh : *shifts) EXPECT_LT(sh.start, sh.end);
  EXPECT_EQ(Who(midnight, "2011-12-30T09:59:59Z"), "c");
  EXPECT_EQ(Who(midnight, "2011-12-30T10:00:00Z"), "b");
}

TEST(Schedule, LaterLayerWinsWhereItsRestrictionAllows) {
  model::Schedule s;
  s.id = "secondary";
  s.timezone = "Europe/Paris";
  s.layers.push_back(Layer("weekly", "2026-01-05", "09:00", {"bob", "alice"}));
  auto lead = Layer("daily", "2026-01-05", "09:00", {"carol"});
  model::Restriction r;
  r.weekdays = {0, 1, 2, 3, 4};
  r.start_minute = 9 * 60;
  r.end_minute = 17 * 60;
  lead.restrictions.push_back(r);
  s.layers.push_back(lead);
  EXPECT_EQ(Who(s, "2026-01-05T09:00:00Z"), "carol");  // Monday 10:00 Paris
  EXPECT_EQ(Who(s, "2026-01-05T15:59:59Z"), "carol");  // 16:59:59
  EXPECT_EQ(Who(s, "2026-01-05T16:00:00Z"), "bob");    // 17:00
  EXPECT_EQ(Who(s, "2026-01-10T10:00:00Z"), "bob");    // Saturday
  EXPECT_EQ(Who(s, "2026-01-12T09:00:00Z"), "carol");  // next Monday 10:00
  EXPECT_EQ(Who(s, "2026-01-12T16:30:00Z"), "alice");  // next week's weekly person
}

TEST(Schedule, OverridesReplaceOnlyWhomTheyName) {
  auto s = One(Layer("weekly", "2026-01-05", "09:00", {"alice", "bob"}), "UTC");
  s.overrides.push_back({"dave", T("2026-01-06T00:00:00Z"), T("2026-01-06T12:00:00Z"), ""});
  s.overrides.push_back({"carol", T("2026-01-13T00:00:00Z"), T("2026-01-14T00:00:00Z"), "alice"});  // bob's week
  EXPECT_EQ(Who(s, "2026-01-05T23:59:59Z"), "alice");
  EXPECT_EQ(Who(s, "2026-01-06T06:00:00Z"), "dave");
  EXPECT_EQ(Who(s, "2026-01-06T12:00:00Z"), "alice");
  EXPECT_EQ(Who(s, "2026-01-13T06:00:00Z"), "bob");  // carol only replaces alice
  auto r = OnCallAt(s, T("2026-01-06T06:00:00Z"));
  ASSERT_TRUE(r && *r);
  EXPECT_TRUE((*r)->override);
  EXPECT_EQ((*r)->replaces, "alice");
}

TEST(Schedule, NobodyBeforeTheFirstHandoffOrOutsideRestrictions) {
  auto s = One(Layer("daily", "2026-01-05", "09:00", {"alice"}), "UTC");
  EXPECT_EQ(Who(s, "2026-01-05T08:59:59Z"), "");
  EXPECT_EQ(Who(s, "2026-01-05T09:00:00Z"), "alice");
  model::Restriction r;
  r.weekdays = {5, 6};
  s.layers[0].restrictions.push_back(r);  // weekends only
  auto shifts = FinalShifts(s, T("2026-01-05T00:00:00Z"), T("2026-01-12T00:00:00Z"));
  ASSERT_TRUE(shifts);
  ASSERT_EQ(shifts->size(), 1u);  // Saturday and Sunday merge into one stretch
  EXPECT_EQ(shifts->front().start, T("2026-01-10T00:00:00Z"));
  EXPECT_EQ(shifts->front().end, T("2026-01-12T00:00:00Z"));
  auto gaps = Gaps(*shifts, T("2026-01-05T00:00:00Z"), T("2026-01-12T00:00:00Z"));
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].second, T("2026-01-10T00:00:00Z"));
}

TEST(Schedule, CustomShortShiftsHaveExactLengths) {
  auto l = Layer("custom", "2026-03-28", "20:00", {"a", "b", "c"});
  l.shift_length = hours(12);
  auto s = One(l, "Europe/Paris");
  auto shifts = FinalShifts(s, T("2026-03-28T19:00:00Z"), T("2026-04-01T00:00:00Z"));
  ASSERT_TRUE(shifts);
  for (size_t i = 0; i + 1 < shifts->size(); ++i) EXPECT_EQ((*shifts)[i].end - (*shifts)[i].start, hours(12));
}

TEST(Schedule, UnknownZoneIsAnError) {
  auto s = One(Layer("daily", "2026-01-05", "09:00", {"a"}), "Mars/Olympus");
  auto r = FinalShifts(s, T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "timezone");
}

// ---- properties over tzdata -------------------------------------------------------------------

const std::vector<std::string> kZones = {
    "UTC",           "Europe/Paris",        "America/New_York", "Australia/Lord_Howe", "Pacific/Apia",
    "Asia/Kathmandu", "America/St_Johns",   "Pacific/Chatham",  "Africa/Casablanca",   "America/Santiago",
    "Europe/Dublin", "Australia/Adelaide", "Asia/Tehran",      "Pacific/Kiritimati"};

struct Case {
  model::Schedule schedule;
  core::TimePoint from{}, to{};
};

// A one-layer schedule around a random date in 2009..2030, with optional restrictions.
rc::Gen<Case> GenCase(bool restrictions) {
  return rc::gen::exec([restrictions] {
    Case c;
    std::string zone = *rc::gen::elementOf(kZones);
    int rot = *rc::gen::inRange(0, 3);
    int year = *rc::gen::inRange(2009, 2031);
    int month = *rc::gen::inRange(1, 13);
    int day = *rc::gen::inRange(1, 29);
    char date[32];
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
    int handoff = *rc::gen::inRange(0, 24 * 4) * 15;
    char hh[32];
    std::snprintf(hh, sizeof hh, "%02d:%02d", handoff / 60, handoff % 60);
    int nmembers = *rc::gen::inRange(1, 5);
    std::vector<std::string> members;
    for (int i = 0; i < nmembers; ++i) members.push_back("p" + std::to_string(i));
    auto l = Layer(rot == 0 ? "daily" : rot == 1 ? "weekly" : "custom", date, hh, members);
    if (rot == 2) l.shift_length = *rc::gen::element<core::Millis>(hours(1), hours(8), hours(12), hours(36), hours(48),
                                                                     minutes(90));
    if (restrictions) {
      model::Restriction r;
      int d1 = *rc::gen::inRange(0, 7);
      r.weekdays = {d1, (d1 + 2) % 7};
      r.start_minute = *rc::gen::inRange(0, 24) * 60;
      r.end_minute = *rc::gen::inRange(0, 24) * 60 + 30;
      l.restrictions.push_back(r);
    }
    c.schedule = One(l, zone);
    auto start = *ParseLocalDate(date);
    c.from = core::TimePoint(std::chrono::duration_cast<core::Millis>(start.time_since_epoch())) +
             hours(*rc::gen::inRange(-48, 24 * 200));
    c.to = c.from + hours(*rc::gen::inRange(1, 24 * 120));
    return c;
  });
}

TEST(ScheduleProperties, ShiftsAreOrderedContiguousAndAgreeWithPointQueries) {
  EXPECT_TRUE(rc::check([](void) {
    Case c = *GenCase(false);
    auto shifts = FinalShifts(c.schedule, c.from, c.to);
    RC_ASSERT(shifts.has_value());
    const auto& l = c.schedule.layers[0];
    auto zone = *Zone::Find(c.schedule.timezone);
    auto h0 = zone.ToSys(LocalTime(*ParseLocalDate(l.start_date)) + minutes(l.handoff_minute));
    core::TimePoint covered_from = std::max(c.from, h0);
    if (covered_from < c.to) {
      RC_ASSERT(!shifts->empty());
      RC_ASSERT(shifts->front().start == covered_from);
      RC_ASSERT(shifts->back().end == c.to);
    }
    for (size_t i = 0; i < shifts->size(); ++i) {
      const auto& sh = (*shifts)[i];
      RC_ASSERT(sh.start < sh.end);
      if (i > 0) RC_ASSERT((*shifts)[i - 1].end == sh.start);  // no gaps, no overlaps
      if (i > 0 && l.members.size() > 1) RC_ASSERT((*shifts)[i - 1].person != sh.person);
    }
    // Point queries agree with the range.
    for (int k = 0; k < 8; ++k) {
      auto t = c.from + core::Millis(*rc::gen::inRange<int64_t>(0, (c.to - c.from).count()));
      auto at = OnCallAt(c.schedule, t);
      RC_ASSERT(at.has_value());
      const Shift* want = nullptr;
      for (const auto& sh : *shifts)
        if (sh.start <= t && t < sh.end) want = &sh;
      RC_ASSERT(at->has_value() == (want != nullptr));
      if (want) RC_ASSERT((*at)->person == want->person);
    }
  }));
}

TEST(ScheduleProperties, DayRotationsHandOffAtTheLocalHandoffTimeOrAtTheTransition) {
  EXPECT_TRUE(rc::check([](void) {
    Case c = *GenCase(false);
    const auto& l = c.schedule.layers[0];
    if (l.shift_length.count() % (24 * 3600 * 1000) != 0) return;  // day-based rotations only
    auto zone = *Zone::Find(c.schedule.timezone);
    auto shifts = LayerShifts(l, c.schedule.timezone, c.from, c.to);
    RC_ASSERT(shifts.has_value());
    for (size_t i = 1; i < shifts->size(); ++i) {
      const auto& sh = (*shifts)[i];
      auto local = zone.ToLocal(sh.start);
      auto day = date::floor<date::days>(local);
      auto wall = local - day;
      auto wanted = LocalTime(day) + minutes(l.handoff_minute);
      if (wall == minutes(l.handoff_minute)) continue;
      // Otherwise the handoff's local time did not exist that day (or the day before, for late
      // handoffs pushed past midnight), and the shift starts at the first instant after the gap.
      bool skipped = zone.IsNonexistent(wanted) || zone.IsNonexistent(wanted - date::days(1));
      RC_ASSERT(skipped);
      RC_ASSERT(zone.ToSys(zone.ToLocal(sh.start)) == sh.start);
      // Turns advance one at a time except where a whole turn fell into a gap.
      RC_ASSERT(sh.turn > (*shifts)[i - 1].turn);
    }
    for (size_t i = 1; i < shifts->size(); ++i) {
      auto step = (*shifts)[i].turn - (*shifts)[i - 1].turn;
      if (step != 1) RC_ASSERT(step == 2 && (*shifts)[i - 1].end == (*shifts)[i].start);
      // Each turn's person follows the rotation.
      RC_ASSERT((*shifts)[i].person == l.members[static_cast<size_t>((*shifts)[i].turn) % l.members.size()]);
    }
  }));
}

TEST(ScheduleProperties, RestrictedLayersAreOnCallExactlyInsideTheirLocalWindows) {
  EXPECT_TRUE(rc::check([](void) {
    Case c = *GenCase(true);
    const auto& l = c.schedule.layers[0];
    const auto& r = l.restrictions[0];
    auto zone = *Zone::Find(c.schedule.timezone);
    auto h0 = zone.ToSys(LocalTime(*ParseLocalDate(l.start_date)) + minutes(l.handoff_minute));
    for (int k = 0; k < 12; ++k) {
      auto t = c.from + core::Millis(*rc::gen::inRange<int64_t>(0, (c.to - c.from).count()));
      if (t < h0) continue;
      auto local = zone.ToLocal(t);
      if (zone.IsAmbiguous(local)) continue;  // repeated hours are inside by either reading
      auto day = date::floor<date::days>(local);
      int wd = static_cast<int>(date::weekday(day).iso_encoding()) - 1;
      int prev = (wd + 6) % 7;
      auto minute = std::chrono::duration_cast<minutes>(local - day).count();
      auto has = [&](int d) { return std::find(r.weekdays.begin(), r.weekdays.end(), d) != r.weekdays.end(); };
      bool inside;
      if (r.end_minute > r.start_minute) {
        inside = has(wd) && minute >= r.start_minute && minute < r.end_minute;
      } else {  // wraps past midnight
        inside = (has(wd) && minute >= r.start_minute) || (has(prev) && minute < r.end_minute);
      }
      // Local times near a transition can straddle a window edge (the window edge itself may not
      // exist); skip instants within the transition's span of a window edge.
      auto near_edge = [&](int edge_min) {
        for (auto d : {day - date::days(1), day, day + date::days(1)}) {
          auto e = zone.ToSys(LocalTime(d) + minutes(edge_min));
          if (t >= e - hours(25) && t < e + hours(25) && (zone.IsNonexistent(LocalTime(d) + minutes(edge_min)) ||
                                                          zone.IsAmbiguous(LocalTime(d) + minutes(edge_min))))
            return true;
        }
        return false;
      };
      if (near_edge(r.start_minute) || near_edge(r.end_minute)) continue;
      auto at = OnCallAt(c.schedule, t);
      RC_ASSERT(at.has_value());
      RC_ASSERT(at->has_value() == inside);
    }
  }));
}

TEST(ScheduleProperties, OverridesWinInsideTheirRange) {
  EXPECT_TRUE(rc::check([](void) {
    Case c = *GenCase(false);
    auto len = c.to - c.from;
    auto a = c.from + core::Millis(*rc::gen::inRange<int64_t>(0, len.count()));
    auto b = a + core::Millis(*rc::gen::inRange<int64_t>(1, std::max<int64_t>(2, (c.to - a).count())));
    c.schedule.overrides.push_back({"override-person", a, b, ""});
    auto t = a + core::Millis(*rc::gen::inRange<int64_t>(0, (b - a).count()));
    auto at = OnCallAt(c.schedule, t);
    RC_ASSERT(at.has_value());
    RC_ASSERT(at->has_value());
    RC_ASSERT((*at)->person == "override-person");
    if (b < c.to) {
      auto after = OnCallAt(c.schedule, b);
      RC_ASSERT(after.has_value());
      if (after->has_value()) RC_ASSERT((*after)->person != "override-person");
    }
  }));
}

}  // namespace
}  // namespace firebreak::oncall
