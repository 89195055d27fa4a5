#include "oncall/resilience.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/time.h"
#include "oncall/schedule.h"

namespace firebreak::oncall {

namespace {

using core::Millis;
using core::TimePoint;

constexpr Millis kWeek = std::chrono::hours(24 * 7);

double Hours(Millis d) { return static_cast<double>(d.count()) / 3'600'000.0; }

Millis Overlap(Interval a, Interval b) {
  const TimePoint s = std::max(a.start, b.start), e = std::min(a.end, b.end);
  return e > s ? std::chrono::duration_cast<Millis>(e - s) : Millis(0);
}

// Sorted, non-overlapping union of intervals.
std::vector<Interval> Union(std::vector<Interval> v) {
  std::sort(v.begin(), v.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
  std::vector<Interval> out;
  for (const auto& i : v) {
    if (i.end <= i.start) continue;
    if (!out.empty() && i.start <= out.back().end) {
      out.back().end = std::max(out.back().end, i.end);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

// `a` minus `b` (both sorted and disjoint).
std::vector<Interval> Subtract(const std::vector<Interval>& a, const std::vector<Interval>& b) {
  std::vector<Interval> out;
  for (auto cur : a) {
    for (const auto& x : b) {
      if (x.end <= cur.start || x.start >= cur.end) continue;
      if (x.start > cur.start) out.push_back({cur.start, x.start});
      cur.start = std::max(cur.start, x.end);
      if (cur.start >= cur.end) break;
    }
    if (cur.start < cur.end) out.push_back(cur);
  }
  return out;
}

std::vector<Interval> GapsOf(const std::vector<Shift>& shifts, TimePoint from, TimePoint to) {
  std::vector<Interval> out;
  for (const auto& [s, e] : Gaps(shifts, from, to)) out.push_back({s, e});
  return out;
}

std::string Stamp(TimePoint t) { return core::FormatRfc3339(t); }

// A person's shifts over the window across every schedule, with the number of turns each stands
// for (a final-schedule stretch merges a person's back-to-back turns of one layer).
struct PersonShift {
  Interval span;
  std::string schedule;
  int turns = 1;
};

}  // namespace

Result<ResilienceReport> AnalyzeResilience(const Roster& roster, const model::ResponderRules& rules, TimePoint from,
                                           Millis horizon, const std::vector<PageRecord>& pages,
                                           const std::vector<Holding>& holdings) {
  ResilienceReport rep;
  const TimePoint to = from + horizon;
  rep.window = {from, to};
  static const std::vector<model::Schedule> kNoSchedules;
  static const std::vector<model::Team> kNoTeams;
  static const std::vector<model::Person> kNoPeople;
  static const std::vector<model::Service> kNoServices;
  const auto& schedules = roster.schedules ? *roster.schedules : kNoSchedules;
  const auto& teams = roster.teams ? *roster.teams : kNoTeams;
  const auto& people = roster.people ? *roster.people : kNoPeople;
  const auto& services = roster.services ? *roster.services : kNoServices;

  // ---- roster N-1 and every person's shifts ----
  std::map<std::string, std::vector<PersonShift>> by_person;
  for (const auto& s : schedules) {
    FB_ASSIGN_OR_RETURN(auto final_shifts, FinalShifts(s, from, to));
    const auto base_gaps = GapsOf(final_shifts, from, to);
    // Turns per layer, to count how many a merged stretch stands for.
    std::map<std::string, std::vector<Shift>> layer_turns;
    for (const auto& l : s.layers) {
      FB_ASSIGN_OR_RETURN(auto ls, LayerShifts(l, s.timezone, from, to));
      layer_turns[l.name] = std::move(ls);
    }
    std::set<std::string> on_roster;
    for (const auto& sh : final_shifts) {
      on_roster.insert(sh.person);
      PersonShift ps{{sh.start, sh.end}, s.id, 1};
      if (!sh.override) {
        int n = 0;
        for (const auto& t : layer_turns[sh.layer])
          if (t.person == sh.person && Overlap({t.start, t.end}, ps.span) > Millis(0)) ++n;
        ps.turns = std::max(n, 1);
      }
      by_person[sh.person].push_back(std::move(ps));
    }
    for (const auto& person : on_roster) {
      FB_ASSIGN_OR_RETURN(auto without, FinalShifts(s, from, to, person));
      auto lost = Subtract(GapsOf(without, from, to), base_gaps);
      if (lost.empty()) continue;
      RosterGap g{person, s.id, std::move(lost), Millis(0)};
      for (const auto& i : g.uncovered) g.total += std::chrono::duration_cast<Millis>(i.end - i.start);
      rep.roster_gaps.push_back(std::move(g));
    }
  }
  std::sort(rep.roster_gaps.begin(), rep.roster_gaps.end(), [](const RosterGap& a, const RosterGap& b) {
    if (a.total != b.total) return a.total > b.total;
    return std::tie(a.absent, a.schedule) < std::tie(b.absent, b.schedule);
  });

  // ---- bus factor ----
  auto team_members = [&](std::string_view id, std::set<std::string>& out) {
    for (const auto& t : teams)
      if (t.id == id) out.insert(t.members.begin(), t.members.end());
  };
  for (const auto& svc : services) {
    if (svc.tier > rules.critical_max_tier) continue;
    std::set<std::string> who;
    team_members(svc.team, who);
    const model::EscalationPolicy* pol = roster.policy_for ? roster.policy_for(svc) : nullptr;
    if (pol) {
      for (const auto& tier : pol->tiers)
        for (const auto& tg : tier.targets) {
          if (tg.type == "person") {
            who.insert(tg.id);
          } else if (tg.type == "team") {
            team_members(tg.id, who);
          } else if (tg.type == "schedule") {
            for (const auto& s : schedules)
              if (s.id == tg.id)
                for (const auto& l : s.layers) who.insert(l.members.begin(), l.members.end());
          }
        }
    }
    BusFactor b{svc.id, svc.tier, svc.customer_facing, {who.begin(), who.end()}};
    rep.bus_factor.push_back(std::move(b));
  }
  std::sort(rep.bus_factor.begin(), rep.bus_factor.end(), [](const BusFactor& a, const BusFactor& b) {
    if (a.responders.size() != b.responders.size()) return a.responders.size() < b.responders.size();
    if (a.tier != b.tier) return a.tier < b.tier;
    return a.service < b.service;
  });
  {
    std::set<std::string> singles;
    for (const auto& b : rep.bus_factor)
      if (b.responders.size() == 1) singles.insert(b.responders.front());
    rep.single_points.assign(singles.begin(), singles.end());
  }

  // ---- fatigue ----
  // Each person's on-call time across schedules, once: the weekly-hours and night-page rules read it.
  std::map<std::string, std::vector<Interval>> on_call_of;
  for (const auto& [person, shifts] : by_person) {
    std::vector<Interval> spans;
    for (const auto& s : shifts) spans.push_back(s.span);
    on_call_of[person] = Union(std::move(spans));
  }
  for (auto& [person, shifts] : by_person) {
    const auto& on_call = on_call_of[person];
    if (rules.max_oncall_per_week > Millis(0)) {
      // The most on-call time in any 7 days starts at the start of some stretch.
      Millis worst{0};
      Interval worst_window{};
      for (const auto& s : on_call) {
        const Interval w{s.start, s.start + kWeek};
        Millis sum{0};
        for (const auto& x : on_call) sum += Overlap(x, w);
        if (sum > worst) worst = sum, worst_window = w;
      }
      if (worst > rules.max_oncall_per_week)
        rep.fatigue.push_back({person, "max_oncall_per_week",
                               fmt::format("{:.1f} h on call in the 7 days from {} (limit {:.1f} h)", Hours(worst),
                                           Stamp(worst_window.start), Hours(rules.max_oncall_per_week)),
                               worst_window, Hours(worst), Hours(rules.max_oncall_per_week)});
    }
    if (rules.max_consecutive_shifts > 0) {
      std::sort(shifts.begin(), shifts.end(),
                [](const PersonShift& a, const PersonShift& b) { return a.span.start < b.span.start; });
      size_t i = 0;
      while (i < shifts.size()) {
        Interval chain = shifts[i].span;
        int turns = shifts[i].turns;
        size_t j = i + 1;
        while (j < shifts.size() && shifts[j].span.start <= chain.end) {
          chain.end = std::max(chain.end, shifts[j].span.end);
          turns += shifts[j].turns;
          ++j;
        }
        if (turns > rules.max_consecutive_shifts)
          rep.fatigue.push_back({person, "max_consecutive_shifts",
                                 fmt::format("{} shifts back to back from {} to {} (limit {})", turns,
                                             Stamp(chain.start), Stamp(chain.end), rules.max_consecutive_shifts),
                                 chain, static_cast<double>(turns), static_cast<double>(rules.max_consecutive_shifts)});
        i = j;
      }
    }
  }
  if (rules.rest_after_night_page > Millis(0)) {
    for (const auto& pg : pages) {
      auto it = on_call_of.find(pg.person);
      if (it == on_call_of.end()) continue;  // not on call in the window: nothing needs cover
      std::string tz = "UTC";
      for (const auto& p : people)
        if (p.id == pg.person && !p.timezone.empty()) tz = p.timezone;
      auto zone = Zone::Find(tz);
      if (!zone) zone = Zone::Find("UTC");
      if (!zone) continue;
      const auto local = zone->ToLocal(pg.at);
      const auto since_midnight = local - date::floor<date::days>(local);
      const int hour = static_cast<int>(std::chrono::duration_cast<std::chrono::hours>(since_midnight).count());
      const bool night = rules.night_start_hour <= rules.night_end_hour
                             ? (hour >= rules.night_start_hour && hour < rules.night_end_hour)
                             : (hour >= rules.night_start_hour || hour < rules.night_end_hour);
      if (!night) continue;
      const Interval rest{std::max(pg.at, from), std::min(pg.at + rules.rest_after_night_page, to)};
      if (rest.end <= rest.start) continue;
      Millis need{0};
      Interval first{};
      for (const auto& x : it->second) {
        const Millis o = Overlap(x, rest);
        if (o <= Millis(0)) continue;
        if (need == Millis(0)) first = {std::max(x.start, rest.start), std::min(x.end, rest.end)};
        need += o;
      }
      if (need <= Millis(0)) continue;
      rep.fatigue.push_back(
          {pg.person, "rest_after_night_page",
           fmt::format("paged at {} ({:02d}:xx local, incident {}); on call for {:.1f} h of the {:.1f} h rest that follows: "
                       "arrange cover",
                       Stamp(pg.at), hour, pg.incident, Hours(need), Hours(rules.rest_after_night_page)),
           first, Hours(need), Hours(rules.rest_after_night_page)});
    }
  }
  std::stable_sort(rep.fatigue.begin(), rep.fatigue.end(), [](const FatigueViolation& a, const FatigueViolation& b) {
    return std::tie(a.person, a.rule) < std::tie(b.person, b.rule);
  });

  // ---- cognitive load ----
  std::map<std::string, LoadWarning> load;
  for (const auto& h : holdings) {
    auto& w = load[h.person];
    w.person = h.person;
    if (h.kind == "role") ++w.roles;
    else if (h.kind == "page") ++w.pages;
    else ++w.approvals;
    ++w.total;
    w.items.push_back(h);
  }
  for (auto& [p, w] : load)
    if (w.total > rules.max_pending) rep.cognitive_load.push_back(std::move(w));
  std::sort(rep.cognitive_load.begin(), rep.cognitive_load.end(),
            [](const LoadWarning& a, const LoadWarning& b) { return a.total > b.total; });
  return rep;
}

boost::json::object ToJson(const ResilienceReport& r) {
  namespace json = boost::json;
  auto iv = [](const Interval& i) {
    json::object o;
    o["start"] = Stamp(i.start);
    o["end"] = Stamp(i.end);
    return o;
  };
  json::object out;
  out["from"] = Stamp(r.window.start);
  out["to"] = Stamp(r.window.end);
  json::array gaps;
  for (const auto& g : r.roster_gaps) {
    json::object o;
    o["absent"] = g.absent;
    o["schedule"] = g.schedule;
    o["uncovered_hours"] = Hours(g.total);
    json::array u;
    for (const auto& i : g.uncovered) u.push_back(iv(i));
    o["uncovered"] = std::move(u);
    gaps.push_back(std::move(o));
  }
  out["roster_n1"] = std::move(gaps);
  out["roster_n1_ok"] = r.roster_gaps.empty();
  json::array bus;
  for (const auto& b : r.bus_factor) {
    json::object o;
    o["service"] = b.service;
    o["tier"] = b.tier;
    o["customer_facing"] = b.customer_facing;
    o["bus_factor"] = static_cast<int64_t>(b.responders.size());
    json::array who;
    for (const auto& p : b.responders) who.push_back(json::value(p));
    o["responders"] = std::move(who);
    bus.push_back(std::move(o));
  }
  out["bus_factor"] = std::move(bus);
  json::array sp;
  for (const auto& p : r.single_points) sp.push_back(json::value(p));
  out["single_points_of_failure"] = std::move(sp);
  json::array fat;
  for (const auto& f : r.fatigue) {
    json::object o;
    o["person"] = f.person;
    o["rule"] = f.rule;
    o["detail"] = f.detail;
    o["when"] = iv(f.when);
    o["value"] = f.value;
    o["limit"] = f.limit;
    fat.push_back(std::move(o));
  }
  out["fatigue"] = std::move(fat);
  json::array cl;
  for (const auto& w : r.cognitive_load) {
    json::object o;
    o["person"] = w.person;
    o["total"] = w.total;
    o["roles"] = w.roles;
    o["pages"] = w.pages;
    o["approvals"] = w.approvals;
    json::array items;
    for (const auto& h : w.items) {
      json::object i;
      i["kind"] = h.kind;
      i["ref"] = h.ref;
      i["what"] = h.what;
      items.push_back(std::move(i));
    }
    o["items"] = std::move(items);
    cl.push_back(std::move(o));
  }
  out["cognitive_load"] = std::move(cl);
  return out;
}

}  // namespace firebreak::oncall
