// On-call schedules: who carries the pager when.
//
// A schedule is a stack of layers (rotations) plus overrides. Each layer hands off at a local wall
// time in its own IANA zone: daily and weekly rotations (and custom lengths that are whole days)
// step by calendar days, so a 09:00 handoff stays at 09:00 across daylight-saving changes; shorter
// custom lengths step by exact durations from the first handoff. Restrictions limit a layer to
// daily windows (e.g. weekdays 09:00-17:00, local). The final schedule takes, at each instant, the
// last layer that has someone on call then; overrides replace the result for their time range (only
// when they name `replaces` and that person is on call, if they do).
//
// Local times that do not exist (skipped by a DST change, or Pacific/Apia's skipped 30 December
// 2011) map to the first instant after the gap; ambiguous ones (repeated hours) map to the earlier
// instant. A shift whose start and end collapse into the same instant is dropped, so the next
// member's turn follows directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <date/tz.h>

#include "core/clock.h"
#include "core/result.h"
#include "model/catalog.h"

namespace firebreak::oncall {

using LocalTime = date::local_time<core::Millis>;

// An IANA time zone (a cheap handle; the tz database stays loaded).
class Zone {
 public:
  // NotFound-style InvalidArgument naming the zone if it is unknown.
  static Result<Zone> Find(std::string_view name);
  // Local wall time -> instant (nonexistent: first instant after the gap; ambiguous: the earlier).
  core::TimePoint ToSys(LocalTime t) const;
  // As ToSys, but an ambiguous local time maps to the later of its two instants.
  core::TimePoint ToSysLater(LocalTime t) const;
  LocalTime ToLocal(core::TimePoint t) const;
  // True if the local time `t` is skipped by a transition.
  bool IsNonexistent(LocalTime t) const;
  // True if the local time `t` happens twice.
  bool IsAmbiguous(LocalTime t) const;
  // The first instant after `t` at which the zone's UTC offset changes (a DST start or end), if the
  // zone has one.
  std::optional<core::TimePoint> NextTransition(core::TimePoint t) const;
  std::string_view name() const;

 private:
  explicit Zone(const date::time_zone* tz) : tz_(tz) {}
  const date::time_zone* tz_;
};

// One stretch of time in which `person` is on call.
struct Shift {
  std::string person;
  core::TimePoint start{};
  core::TimePoint end{};     // exclusive
  std::string layer;         // the layer's name, or "override"
  bool override = false;
  std::string replaces;      // for overrides: the person it replaced
  int64_t turn = -1;         // the layer's handoff number (layer shifts only)
};

// The shifts of one layer that intersect [from, to), clipped to it, in order, with the layer's
// restrictions applied. `default_zone` is the schedule's zone (used when the layer names none).
Result<std::vector<Shift>> LayerShifts(const model::Layer& layer, std::string_view default_zone,
                                       core::TimePoint from, core::TimePoint to);

// The final schedule over [from, to): non-overlapping shifts in order; adjacent stretches of the
// same person from the same source are merged. Uncovered time (a gap) has no shift.
// With `absent` set, that person's layer turns and overrides are left out (an override that replaces
// them still covers): the schedule as it would run without them, for roster N-1 analysis.
Result<std::vector<Shift>> FinalShifts(const model::Schedule& s, core::TimePoint from, core::TimePoint to,
                                       std::string_view absent = {});

// The final-schedule shift covering `t` (clipped to [t, t + lookahead)); nullopt = nobody is on call.
Result<std::optional<Shift>> OnCallAt(const model::Schedule& s, core::TimePoint t,
                                      core::Millis lookahead = core::Millis(1));

// The uncovered intervals of [from, to) given final `shifts` (sorted, non-overlapping).
std::vector<std::pair<core::TimePoint, core::TimePoint>> Gaps(const std::vector<Shift>& shifts,
                                                              core::TimePoint from, core::TimePoint to);

// Parses a layer start date "YYYY-MM-DD".
Result<date::local_days> ParseLocalDate(std::string_view s);

}  // namespace firebreak::oncall
