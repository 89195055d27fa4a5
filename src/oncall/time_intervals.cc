#include "oncall/time_intervals.h"

#include <algorithm>

#include "core/strings.h"

namespace firebreak::oncall {

namespace {

bool AnyRange(const std::vector<model::DayRange>& ranges, int v) {
  return std::any_of(ranges.begin(), ranges.end(), [v](const auto& r) { return r.first <= v && v <= r.last; });
}

// Day-of-month ranges against day `d` of a month of `dim` days.
bool InDaysOfMonth(const std::vector<model::DayRange>& ranges, int d, int dim) {
  for (const auto& r : ranges) {
    int first = r.first < 0 ? dim + r.first + 1 : r.first;
    int last = r.last < 0 ? dim + r.last + 1 : r.last;
    if (first > dim) continue;  // this month is too short for the range
    first = std::max(first, 1);
    last = std::min(last, dim);
    if (first <= d && d <= last) return true;
  }
  return false;
}

}  // namespace

Result<Zone> LocationZone(const std::string& location) {
  if (location.empty()) return Zone::Find("UTC");
  if (location == "Local") {
    try {
      return Zone::Find(date::current_zone()->name());
    } catch (const std::exception&) {
      return Zone::Find("UTC");  // no zone configured on the host: Go's time.Local is UTC then too
    }
  }
  auto z = Zone::Find(location);
  if (!z) return InvalidArgument("unknown time zone '" + core::Truncate(location, 64) + "'", "location");
  return z;
}

bool InSpec(const model::TimeIntervalSpec& spec, const Zone& zone, core::TimePoint t) {
  const LocalTime lt = zone.ToLocal(t);
  const auto day = date::floor<date::days>(lt);
  const int minute = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(lt - day).count());
  if (!spec.times.empty() && std::none_of(spec.times.begin(), spec.times.end(), [minute](const auto& r) {
        return r.start <= minute && minute < r.end;
      }))
    return false;
  if (!spec.weekdays.empty() && !AnyRange(spec.weekdays, static_cast<int>(date::weekday(day).c_encoding())))
    return false;
  const date::year_month_day ymd{day};
  if (!spec.days_of_month.empty()) {
    const int dim = static_cast<int>(static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day()));
    if (!InDaysOfMonth(spec.days_of_month, static_cast<int>(static_cast<unsigned>(ymd.day())), dim)) return false;
  }
  if (!spec.months.empty() && !AnyRange(spec.months, static_cast<int>(static_cast<unsigned>(ymd.month()))))
    return false;
  if (!spec.years.empty() && !AnyRange(spec.years, static_cast<int>(ymd.year()))) return false;
  return true;
}

Result<MuteCalendar> MuteCalendar::Make(const std::vector<const model::TimeInterval*>& mute,
                                        const std::vector<const model::TimeInterval*>& active) {
  MuteCalendar c;
  for (auto [from, into] : {std::pair{&mute, &c.mute_}, std::pair{&active, &c.active_}}) {
    for (const auto* iv : *from) {
      Group g;
      for (const auto& spec : iv->specs) {
        FB_ASSIGN_OR_RETURN(auto zone, LocationZone(spec.location));
        g.entries.push_back(Entry{&spec, zone});
      }
      into->push_back(std::move(g));
    }
  }
  return c;
}

Result<MuteCalendar> MuteCalendar::Named(const std::vector<std::string>& mute, const std::vector<std::string>& active,
                                         const Finder& find) {
  auto resolve = [&find](const std::vector<std::string>& names) {
    std::vector<const model::TimeInterval*> out;
    for (const auto& n : names)
      if (const auto* iv = find(n)) out.push_back(iv);
    return out;
  };
  return Make(resolve(mute), resolve(active));
}

bool MuteCalendar::In(const Group& g, core::TimePoint t) {
  return std::any_of(g.entries.begin(), g.entries.end(), [t](const Entry& e) { return InSpec(*e.spec, e.zone, t); });
}

bool MuteCalendar::MutedAt(core::TimePoint t) const {
  if (std::any_of(mute_.begin(), mute_.end(), [t](const Group& g) { return In(g, t); })) return true;
  return !active_.empty() && std::none_of(active_.begin(), active_.end(), [t](const Group& g) { return In(g, t); });
}

std::optional<core::TimePoint> MuteCalendar::NextChange(core::TimePoint t, core::Millis horizon) const {
  const bool muted = MutedAt(t);
  const core::TimePoint limit = t + horizon;
  // Whether a spec matches can only change at a local midnight, at one of its clock boundaries, or
  // when its zone's offset changes: those instants are the candidates, checked in order.
  std::vector<core::TimePoint> cand;
  const int64_t days = std::chrono::duration_cast<std::chrono::hours>(horizon).count() / 24 + 2;
  auto add = [&](core::TimePoint c) {
    if (c > t && c <= limit) cand.push_back(c);
  };
  for (const auto* groups : {&mute_, &active_}) {
    for (const auto& g : *groups) {
      for (const auto& e : g.entries) {
        const auto first = date::floor<date::days>(e.zone.ToLocal(t));
        // A local time repeated by a DST change is a boundary at both of its instants.
        auto add_local = [&](LocalTime lt) {
          add(e.zone.ToSys(lt));
          add(e.zone.ToSysLater(lt));
        };
        for (int64_t k = 0; k <= days; ++k) {
          const LocalTime day(first + date::days(k));
          add_local(day);
          for (const auto& r : e.spec->times) {
            add_local(day + std::chrono::minutes(r.start));
            add_local(day + std::chrono::minutes(r.end));
          }
        }
        for (auto next = e.zone.NextTransition(t); next && *next <= limit; next = e.zone.NextTransition(*next))
          add(*next);
      }
    }
  }
  std::sort(cand.begin(), cand.end());
  cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
  for (auto c : cand)
    if (MutedAt(c) != muted) return c;
  return std::nullopt;
}

std::vector<std::pair<core::TimePoint, core::TimePoint>> MuteCalendar::Stretches(core::TimePoint from,
                                                                                core::TimePoint to,
                                                                                size_t max) const {
  std::vector<std::pair<core::TimePoint, core::TimePoint>> out;
  bool muted = MutedAt(from);
  for (auto t = from; t < to && out.size() < max;) {
    const auto next = NextChange(t, to - t);
    const auto end = next.value_or(to);
    if (muted) out.emplace_back(t, end);
    if (!next) break;
    t = *next;
    muted = !muted;
  }
  return out;
}

}  // namespace firebreak::oncall
