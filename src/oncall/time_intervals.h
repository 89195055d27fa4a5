// Evaluating recurring time intervals (model::TimeInterval, Alertmanager's `time_intervals`).
//
// A time is in a spec when its local wall time in the spec's zone matches every field the spec
// sets: minute of the day within one of `times` ([start, end)), day of the week, day of the month
// (negative days count back from the month's last; a range whose start lies past the month's end
// does not match that month, and one whose end does is cut at it), month, year. Because the local
// time is what is compared, a window at 02:30 does not happen on the day a DST change skips that
// hour, and happens twice, back to back, on the day one repeats it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/time_interval.h"
#include "oncall/schedule.h"

namespace firebreak::oncall {

// The zone of a spec's `location`: empty or "UTC" is UTC, "Local" the host's zone, else an IANA name.
Result<Zone> LocationZone(const std::string& location);

// True if `t` falls in `spec` (local time in `zone`, the spec's location).
bool InSpec(const model::TimeIntervalSpec& spec, const Zone& zone, core::TimePoint t);

// When a maintenance window mutes: while in any interval of `mute` or, if `active` is not empty,
// while in none of `active` (Alertmanager's mute_time_intervals and active_time_intervals).
class MuteCalendar {
 public:
  // Fails (naming the location) if a spec's zone is unknown.
  static Result<MuteCalendar> Make(const std::vector<const model::TimeInterval*>& mute,
                                   const std::vector<const model::TimeInterval*>& active);
  // The same for intervals given by name (a maintenance window's lists), looked up with `find`;
  // names it does not know are left out.
  using Finder = std::function<const model::TimeInterval*(const std::string&)>;
  static Result<MuteCalendar> Named(const std::vector<std::string>& mute, const std::vector<std::string>& active,
                                    const Finder& find);

  bool MutedAt(core::TimePoint t) const;
  // The first instant after `t` and at most `t + horizon` at which MutedAt differs from MutedAt(t);
  // nullopt if there is none in that span.
  std::optional<core::TimePoint> NextChange(core::TimePoint t, core::Millis horizon) const;
  // The muting stretches that overlap [from, to), clipped to it, in order (at most `max` of them).
  std::vector<std::pair<core::TimePoint, core::TimePoint>> Stretches(core::TimePoint from, core::TimePoint to,
                                                                     size_t max = 10000) const;

 private:
  struct Entry {
    const model::TimeIntervalSpec* spec;
    Zone zone;
  };
  struct Group {
    std::vector<Entry> entries;  // the interval's specs
  };
  static bool In(const Group& g, core::TimePoint t);

  std::vector<Group> mute_, active_;
};

}  // namespace firebreak::oncall
