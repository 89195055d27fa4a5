#include "oncall/schedule.h"

#include <algorithm>

#include "core/strings.h"

namespace firebreak::oncall {

namespace {

using std::chrono::minutes;
using Days = date::days;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Handoff instants of one layer's rotation.
class Rotation {
 public:
  Rotation(Zone zone, const model::Layer& l, date::local_days start)
      : zone_(zone), start_(start), handoff_(minutes(l.handoff_minute)), length_(l.shift_length) {
    constexpr int64_t kDay = 24LL * 3600 * 1000;
    by_days_ = length_.count() % kDay == 0;
    period_days_ = by_days_ ? length_.count() / kDay : 0;
    h0_ = zone_.ToSys(LocalTime(start_) + handoff_);
  }

  // The instant of handoff number k (k = 0 is the first); non-decreasing in k.
  core::TimePoint Handoff(int64_t k) const {
    if (by_days_) return zone_.ToSys(LocalTime(start_ + Days(k * period_days_)) + handoff_);
    return h0_ + length_ * k;
  }

  // The largest k with Handoff(k) <= t; negative before the first handoff.
  int64_t TurnAt(core::TimePoint t) const {
    if (t < h0_) return -1;
    int64_t k;
    if (by_days_) {
      auto ld = date::floor<Days>(zone_.ToLocal(t));
      k = FloorDiv((ld - start_).count(), period_days_);
    } else {
      k = FloorDiv((t - h0_).count(), length_.count());
    }
    if (k < 0) k = 0;
    while (k > 0 && Handoff(k) > t) --k;
    while (Handoff(k + 1) <= t) ++k;
    return k;
  }

 private:
  Zone zone_;
  date::local_days start_;
  core::Millis handoff_;
  core::Millis length_;
  bool by_days_ = false;
  int64_t period_days_ = 0;
  core::TimePoint h0_{};
};

using Interval = std::pair<core::TimePoint, core::TimePoint>;

// The restriction windows of a layer over [from, to), merged and clipped.
std::vector<Interval> Windows(const Zone& zone, const std::vector<model::Restriction>& rs, core::TimePoint from,
                              core::TimePoint to) {
  std::vector<Interval> out;
  auto first = date::floor<Days>(zone.ToLocal(from)) - Days(1);
  auto last = date::floor<Days>(zone.ToLocal(to)) + Days(1);
  for (auto d = first; d <= last; d += Days(1)) {
    int wd = static_cast<int>(date::weekday(d).iso_encoding()) - 1;  // 0 = Monday
    for (const auto& r : rs) {
      if (!r.weekdays.empty() && std::find(r.weekdays.begin(), r.weekdays.end(), wd) == r.weekdays.end()) continue;
      LocalTime ls = LocalTime(d) + minutes(r.start_minute);
      LocalTime le = r.end_minute > r.start_minute ? LocalTime(d) + minutes(r.end_minute)
                                                   : LocalTime(d + Days(1)) + minutes(r.end_minute);
      auto s = zone.ToSys(ls), e = zone.ToSys(le);
      s = std::max(s, from);
      e = std::min(e, to);
      if (s < e) out.emplace_back(s, e);
    }
  }
  std::sort(out.begin(), out.end());
  std::vector<Interval> merged;
  for (const auto& iv : out) {
    if (!merged.empty() && iv.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, iv.second);
    } else {
      merged.push_back(iv);
    }
  }
  return merged;
}

// The shift of `shifts` (sorted, non-overlapping) covering `t`, or null.
const Shift* Covering(const std::vector<Shift>& shifts, core::TimePoint t) {
  auto it = std::upper_bound(shifts.begin(), shifts.end(), t,
                             [](core::TimePoint v, const Shift& s) { return v < s.start; });
  if (it == shifts.begin()) return nullptr;
  --it;
  return t < it->end ? &*it : nullptr;
}

constexpr int64_t kMaxShifts = 2'000'000;

}  // namespace

// ---- Zone -------------------------------------------------------------------------------------

Result<Zone> Zone::Find(std::string_view name) {
  try {
    return Zone(date::locate_zone(std::string(name)));
  } catch (const std::exception&) {
    return InvalidArgument("unknown time zone '" + core::Truncate(name, 64) + "'", "timezone");
  }
}

core::TimePoint Zone::ToSys(LocalTime t) const {
  auto info = tz_->get_info(date::floor<std::chrono::seconds>(t));
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:
      return core::TimePoint(t.time_since_epoch() - std::chrono::duration_cast<core::Millis>(info.first.offset));
    case date::local_info::nonexistent:
      return std::chrono::time_point_cast<core::Millis>(info.second.begin);
  }
  return core::TimePoint(t.time_since_epoch());
}

core::TimePoint Zone::ToSysLater(LocalTime t) const {
  auto info = tz_->get_info(date::floor<std::chrono::seconds>(t));
  if (info.result == date::local_info::ambiguous)
    return core::TimePoint(t.time_since_epoch() - std::chrono::duration_cast<core::Millis>(info.second.offset));
  return ToSys(t);
}

LocalTime Zone::ToLocal(core::TimePoint t) const {
  auto info = tz_->get_info(t);
  return LocalTime(t.time_since_epoch() + std::chrono::duration_cast<core::Millis>(info.offset));
}

bool Zone::IsNonexistent(LocalTime t) const {
  return tz_->get_info(date::floor<std::chrono::seconds>(t)).result == date::local_info::nonexistent;
}

bool Zone::IsAmbiguous(LocalTime t) const {
  return tz_->get_info(date::floor<std::chrono::seconds>(t)).result == date::local_info::ambiguous;
}

std::optional<core::TimePoint> Zone::NextTransition(core::TimePoint t) const {
  auto info = tz_->get_info(t);
  if (info.end >= date::sys_days(date::year::max() / 1 / 1)) return std::nullopt;
  return std::chrono::time_point_cast<core::Millis>(info.end);
}

std::string_view Zone::name() const { return tz_->name(); }

Result<date::local_days> ParseLocalDate(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return InvalidArgument("expected a date YYYY-MM-DD", "start");
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return InvalidArgument("expected a date YYYY-MM-DD", "start");
  y = std::stoi(std::string(s.substr(0, 4)));
  m = std::stoi(std::string(s.substr(5, 2)));
  d = std::stoi(std::string(s.substr(8, 2)));
  date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(m)), date::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return InvalidArgument("'" + std::string(s) + "' is not a calendar date", "start");
  return date::local_days(ymd);
}

// ---- layers -----------------------------------------------------------------------------------

Result<std::vector<Shift>> LayerShifts(const model::Layer& layer, std::string_view default_zone,
                                       core::TimePoint from, core::TimePoint to) {
  std::vector<Shift> out;
  if (layer.members.empty() || to <= from) return out;
  if (layer.shift_length < minutes(1)) return InvalidArgument("shift_length must be at least 1m", "shift_length");
  FB_ASSIGN_OR_RETURN(auto zone, Zone::Find(layer.timezone.empty() ? default_zone : layer.timezone));
  FB_ASSIGN_OR_RETURN(auto start, ParseLocalDate(layer.start_date));
  Rotation rot(zone, layer, start);
  int64_t k = std::max<int64_t>(0, rot.TurnAt(from));
  const int64_t n = static_cast<int64_t>(layer.members.size());
  core::TimePoint s = rot.Handoff(k);
  for (int64_t guard = 0; s < to; ++guard) {
    if (guard > kMaxShifts) return InvalidArgument("range holds too many shifts; ask for a shorter one", "to");
    core::TimePoint e = rot.Handoff(k + 1);
    if (e > s && e > from) {
      Shift sh;
      sh.person = layer.members[static_cast<size_t>(k % n)];
      sh.start = std::max(s, from);
      sh.end = std::min(e, to);
      sh.layer = layer.name;
      sh.turn = k;
      out.push_back(std::move(sh));
    }
    ++k;
    s = e;
  }
  if (layer.restrictions.empty()) return out;
  // Intersect with the restriction windows (both lists sorted and non-overlapping).
  auto windows = Windows(zone, layer.restrictions, from, to);
  std::vector<Shift> cut;
  size_t w = 0;
  for (const auto& sh : out) {
    while (w < windows.size() && windows[w].second <= sh.start) ++w;
    for (size_t j = w; j < windows.size() && windows[j].first < sh.end; ++j) {
      auto a = std::max(sh.start, windows[j].first), b = std::min(sh.end, windows[j].second);
      if (a < b) {
        Shift piece = sh;
        piece.start = a;
        piece.end = b;
        cut.push_back(std::move(piece));
      }
    }
  }
  return cut;
}

// ---- final schedule ---------------------------------------------------------------------------

Result<std::vector<Shift>> FinalShifts(const model::Schedule& s, core::TimePoint from, core::TimePoint to,
                                       std::string_view absent) {
  std::vector<Shift> out;
  if (to <= from) return out;
  std::vector<std::vector<Shift>> layers;
  std::vector<core::TimePoint> bounds{from, to};
  for (const auto& l : s.layers) {
    FB_ASSIGN_OR_RETURN(auto shifts, LayerShifts(l, s.timezone, from, to));
    if (!absent.empty())
      std::erase_if(shifts, [&](const Shift& sh) { return sh.person == absent; });
    for (const auto& sh : shifts) {
      bounds.push_back(sh.start);
      bounds.push_back(sh.end);
    }
    layers.push_back(std::move(shifts));
  }
  for (const auto& o : s.overrides) {
    if (o.end <= from || o.start >= to) continue;
    bounds.push_back(std::max(o.start, from));
    bounds.push_back(std::min(o.end, to));
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    core::TimePoint a = bounds[i], b = bounds[i + 1];
    std::optional<Shift> cur;
    for (size_t li = layers.size(); li-- > 0;) {
      if (const Shift* sh = Covering(layers[li], a)) {
        cur = *sh;
        break;
      }
    }
    const std::string base = cur ? cur->person : "";
    for (const auto& o : s.overrides) {  // later overrides win
      if (!(o.start <= a && a < o.end)) continue;
      if (!absent.empty() && o.person == absent) continue;
      if (!o.replaces.empty() && o.replaces != base && o.replaces != absent) continue;
      Shift ov;
      ov.person = o.person;
      ov.layer = "override";
      ov.override = true;
      ov.replaces = base;
      cur = std::move(ov);
    }
    if (!cur) continue;
    cur->start = a;
    cur->end = b;
    if (!out.empty()) {
      auto& prev = out.back();
      if (prev.end == a && prev.person == cur->person && prev.layer == cur->layer &&
          prev.override == cur->override && prev.replaces == cur->replaces) {
        prev.end = b;
        continue;
      }
    }
    out.push_back(std::move(*cur));
  }
  return out;
}

Result<std::optional<Shift>> OnCallAt(const model::Schedule& s, core::TimePoint t, core::Millis lookahead) {
  if (lookahead < core::Millis(1)) lookahead = core::Millis(1);
  FB_ASSIGN_OR_RETURN(auto shifts, FinalShifts(s, t, t + lookahead));
  if (shifts.empty() || shifts.front().start != t) return std::optional<Shift>();
  return std::optional<Shift>(std::move(shifts.front()));
}

std::vector<std::pair<core::TimePoint, core::TimePoint>> Gaps(const std::vector<Shift>& shifts, core::TimePoint from,
                                                              core::TimePoint to) {
  std::vector<std::pair<core::TimePoint, core::TimePoint>> gaps;
  core::TimePoint at = from;
  for (const auto& sh : shifts) {
    if (sh.start > at) gaps.emplace_back(at, sh.start);
    at = std::max(at, sh.end);
  }
  if (at < to) gaps.emplace_back(at, to);
  return gaps;
}

}  // namespace firebreak::oncall
