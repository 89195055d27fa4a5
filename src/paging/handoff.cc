#include "paging/handoff.h"

#include <algorithm>

#include <date/date.h>

#include "core/strings.h"
#include "core/time.h"
#include "oncall/schedule.h"
#include "paging/oncall_query.h"

namespace firebreak::paging {

namespace json = boost::json;

namespace {

// A stretch of the final schedule: someone on call, or nobody (a gap).
struct Stretch {
  core::TimePoint start{}, end{};
  std::string person;  // empty: a gap
  bool override = false;
};

json::value PersonRef(const config::Config& cfg, const std::string& id) {
  if (id.empty()) return nullptr;
  const auto* p = cfg.FindPerson(id);
  return json::object{{"person", id}, {"name", p ? p->name : id}};
}

}  // namespace

Result<std::vector<Handoff>> Handoffs(const model::Schedule& s, core::TimePoint from, core::TimePoint to) {
  std::vector<Handoff> out;
  if (to <= from) return out;
  const core::TimePoint horizon = to + kOnCallLookahead;
  FB_ASSIGN_OR_RETURN(auto shifts, oncall::FinalShifts(s, from, horizon));
  // The final schedule as consecutive stretches covering [from, horizon), gaps included, with
  // neighbours of the same person (different sources) merged.
  std::vector<Stretch> st;
  auto add = [&st](core::TimePoint a, core::TimePoint b, const std::string& person, bool ovr) {
    if (b <= a) return;
    if (!st.empty() && st.back().person == person && st.back().end == a) {
      st.back().end = b;
      return;
    }
    st.push_back(Stretch{a, b, person, ovr});
  };
  core::TimePoint cursor = from;
  for (const auto& sh : shifts) {
    add(cursor, sh.start, "", false);
    add(sh.start, sh.end, sh.person, sh.override);
    cursor = sh.end;
  }
  add(cursor, horizon, "", false);
  for (size_t i = 1; i < st.size(); ++i) {
    if (st[i].start > to) break;
    // The last stretch is cut at the horizon: its true end lies beyond what was looked at.
    std::optional<core::TimePoint> until;
    if (st[i].end < horizon) until = st[i].end;
    out.push_back(Handoff{s.id, st[i].start, st[i - 1].person, st[i].person, until, st[i].override});
  }
  return out;
}

Result<std::optional<Handoff>> NextHandoff(const model::Schedule& s, core::TimePoint after) {
  FB_ASSIGN_OR_RETURN(auto hs, Handoffs(s, after, after + kOnCallLookahead));
  if (hs.empty()) return std::optional<Handoff>();
  return std::optional<Handoff>(std::move(hs.front()));
}

Result<json::object> HandoffsJson(const config::Config& cfg, const std::string& schedule, core::TimePoint from,
                                  core::TimePoint to) {
  if (to <= from) return InvalidArgument("'to' must be after 'from'", "to");
  if (to - from > std::chrono::hours(24 * 93)) return InvalidArgument("ask for at most 93 days at a time", "to");
  std::vector<const model::Schedule*> scheds;
  if (!schedule.empty()) {
    const auto* s = cfg.FindSchedule(schedule);
    if (!s) return NotFound("schedule '" + core::Truncate(schedule, 64) + "' not found", "schedule");
    scheds.push_back(s);
  } else {
    for (const auto& s : cfg.schedules) scheds.push_back(&s);
  }
  std::vector<std::pair<Handoff, const model::Schedule*>> all;
  for (const auto* s : scheds) {
    FB_ASSIGN_OR_RETURN(auto hs, Handoffs(*s, from, to));
    for (auto& h : hs) all.emplace_back(std::move(h), s);
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first.at != b.first.at ? a.first.at < b.first.at : a.first.schedule < b.first.schedule;
  });
  const auto& notice = cfg.settings.paging.handoff_notice;
  json::array arr;
  for (const auto& [h, s] : all) {
    arr.push_back(json::object{{"schedule", h.schedule},
                               {"schedule_name", s->name},
                               {"at", core::FormatRfc3339(h.at)},
                               {"from", PersonRef(cfg, h.from)},
                               {"to", PersonRef(cfg, h.to)},
                               {"until", h.until ? json::value(core::FormatRfc3339(*h.until)) : nullptr},
                               {"override", h.override},
                               {"notice_at", notice ? json::value(core::FormatRfc3339(h.at - *notice)) : nullptr}});
  }
  return json::object{{"from", core::FormatRfc3339(from)},
                      {"to", core::FormatRfc3339(to)},
                      {"notice", notice ? json::value(core::FormatDuration(*notice)) : nullptr},
                      {"handoffs", std::move(arr)}};
}

std::string FormatLocal(core::TimePoint t, std::string_view zone) {
  auto z = oncall::Zone::Find(zone.empty() ? std::string_view("UTC") : zone);
  if (!z) z = oncall::Zone::Find("UTC");
  auto local = date::floor<std::chrono::minutes>(z->ToLocal(t));
  return date::format("%a %d %b %H:%M", local) + " (" + std::string(z->name()) + ")";
}

}  // namespace firebreak::paging
