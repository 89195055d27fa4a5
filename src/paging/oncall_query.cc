#include "paging/oncall_query.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/strings.h"
#include "core/time.h"
#include "escalate/escalation.h"
#include "oncall/time_intervals.h"
#include "paging/contacts.h"

namespace firebreak::paging {

namespace json = boost::json;

namespace {

json::value ShiftJson(const config::Config& cfg, const oncall::Shift& s) {
  const auto* p = cfg.FindPerson(s.person);
  json::object o{{"person", s.person},
                 {"name", p ? p->name : s.person},
                 {"start", core::FormatRfc3339(s.start)},
                 {"end", core::FormatRfc3339(s.end)},
                 {"layer", s.layer},
                 {"override", s.override}};
  if (s.override && !s.replaces.empty()) o["replaces"] = s.replaces;
  return o;
}

}  // namespace

std::vector<Recipient> ResolveTargets(const config::Config& cfg, const std::vector<model::EscalationTarget>& targets,
                                      core::TimePoint t, std::vector<std::string>* notes) {
  std::vector<Recipient> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& person, const std::string& via) {
    if (!cfg.FindPerson(person)) {
      if (notes) notes->push_back("person '" + person + "' (" + via + ") is no longer in the configuration");
      return;
    }
    if (seen.insert(person).second) out.push_back({person, via});
  };
  for (const auto& x : targets) {
    const std::string via = x.type + ":" + x.id;
    size_t before = out.size();
    if (x.type == "person") {
      add(x.id, via);
    } else if (x.type == "schedule") {
      const auto* s = cfg.FindSchedule(x.id);
      if (!s) {
        if (notes) notes->push_back("schedule '" + x.id + "' is no longer in the configuration");
        continue;
      }
      auto on = oncall::OnCallAt(*s, t);
      if (!on) {
        if (notes) notes->push_back("schedule '" + x.id + "': " + on.error().message);
      } else if (*on) {
        add((*on)->person, via);
      } else if (notes) {
        notes->push_back("nobody is on call in schedule '" + x.id + "'");
      }
      continue;
    } else if (x.type == "team") {
      const auto* team = cfg.FindTeam(x.id);
      if (!team) {
        if (notes) notes->push_back("team '" + x.id + "' is no longer in the configuration");
        continue;
      }
      if (!team->lead.empty()) add(team->lead, via);
      for (const auto& m : team->members) add(m, via);
    }
    if (out.size() == before && notes && x.type != "schedule" && x.type != "person")
      notes->push_back(via + " has nobody to page");
  }
  return out;
}

const model::EscalationPolicy* PolicyForServices(const config::Config& cfg, const std::vector<std::string>& services,
                                                 model::Severity sev) {
  std::vector<const model::Service*> svcs;
  for (const auto& id : services)
    if (const auto* s = cfg.FindService(id)) svcs.push_back(s);
  std::sort(svcs.begin(), svcs.end(), [](auto* a, auto* b) { return std::tie(a->tier, a->id) < std::tie(b->tier, b->id); });
  for (const auto* s : svcs) {
    // A service-specific answer (per severity, the service's, its team's) wins over the default.
    auto it = s->escalation_by_severity.find(std::string(model::SeverityName(sev)));
    if (it != s->escalation_by_severity.end())
      if (const auto* p = cfg.FindPolicy(it->second)) return p;
    if (!s->escalation_policy.empty())
      if (const auto* p = cfg.FindPolicy(s->escalation_policy)) return p;
    if (const auto* t = cfg.FindTeam(s->team); t && !t->escalation_policy.empty())
      if (const auto* p = cfg.FindPolicy(t->escalation_policy)) return p;
  }
  if (!cfg.settings.default_escalation_policy.empty()) return cfg.FindPolicy(cfg.settings.default_escalation_policy);
  return nullptr;
}

Result<json::object> OnCallForSchedules(const config::Config& cfg, const std::string& schedule, core::TimePoint at) {
  json::array out;
  auto one = [&](const model::Schedule& s) -> Status {
    FB_ASSIGN_OR_RETURN(auto on, oncall::OnCallAt(s, at, kOnCallLookahead));
    json::object o{{"id", s.id}, {"name", s.name}, {"timezone", s.timezone}};
    o["on_call"] = on ? ShiftJson(cfg, *on) : json::value(nullptr);
    out.push_back(std::move(o));
    return Ok();
  };
  if (!schedule.empty()) {
    const auto* s = cfg.FindSchedule(schedule);
    if (!s) return NotFound("schedule '" + core::Truncate(schedule, 64) + "' not found", "schedule");
    FB_TRY(one(*s));
  } else {
    for (const auto& s : cfg.schedules) FB_TRY(one(s));
  }
  return json::object{{"at", core::FormatRfc3339(at)}, {"schedules", out}};
}

SupportHoursCheck CheckSupportHours(const config::Config& cfg, const std::string& support_hours, core::TimePoint at) {
  SupportHoursCheck out;
  if (!cfg.FindTimeInterval(support_hours)) {
    out.problem = "support hours '" + support_hours + "' are not defined";
    return out;
  }
  auto cal = oncall::MuteCalendar::Named({}, {support_hours},
                                         [&](const std::string& n) { return cfg.FindTimeInterval(n); });
  if (!cal) {
    out.problem = "support hours '" + support_hours + "' cannot be evaluated (" + cal.error().message + ")";
    return out;
  }
  if (!cal->MutedAt(at)) return out;  // within support hours
  auto begin = cal->NextChange(at, std::chrono::hours(24 * 8));
  if (!begin) begin = cal->NextChange(at, std::chrono::hours(24 * 366));
  if (!begin) {
    out.problem = "support hours '" + support_hours + "' do not begin within a year";
    return out;
  }
  out.waits = true;
  out.until = *begin;
  return out;
}

Result<json::object> OnCallForService(const config::Config& cfg, const std::string& service, model::Severity sev,
                                      core::TimePoint at) {
  if (!cfg.FindService(service)) return NotFound("service '" + core::Truncate(service, 64) + "' not found", "service");
  json::object out{{"service", service}, {"severity", model::SeverityName(sev)}, {"at", core::FormatRfc3339(at)}};
  const auto* p = PolicyForServices(cfg, {service}, sev);
  if (!p) {
    out["policy"] = nullptr;
    out["tiers"] = json::array();
    return out;
  }
  json::array low;
  for (auto l : p->low_urgency) low.emplace_back(model::SeverityName(l));
  out["policy"] = json::object{{"id", p->id},
                               {"name", p->name},
                               {"repeat", p->repeat},
                               {"support_hours", p->support_hours},
                               {"low_urgency", low}};
  // A low-urgency incident opened now outside support hours waits for them.
  core::TimePoint start = at;
  out["waits_until"] = nullptr;
  if (escalate::LowUrgency(escalate::Snapshot(*p), sev)) {
    auto check = CheckSupportHours(cfg, p->support_hours, at);
    if (check.waits) {
      start = check.until;
      out["waits_until"] = core::FormatRfc3339(check.until);
    }
  }
  json::array tiers;
  for (size_t i = 0; i < p->tiers.size(); ++i) {
    const auto& t = p->tiers[i];
    // Who would be paged when this tier comes due, if nobody acknowledges.
    core::TimePoint when = start + t.delay;
    std::vector<std::string> notes;
    auto people = ResolveTargets(cfg, t.targets, when, &notes);
    json::array targets, ppl, nts;
    for (const auto& x : t.targets) targets.push_back(json::object{{"type", x.type}, {"id", x.id}});
    for (const auto& r : people) {
      const auto* person = cfg.FindPerson(r.person);
      json::object o{{"person", r.person}, {"name", person ? person->name : r.person}, {"via", r.via}};
      if (person) o["reach"] = PlanJson(*person, PlanContacts(cfg, *person, sev));
      ppl.push_back(std::move(o));
    }
    for (const auto& n : notes) nts.emplace_back(n);
    tiers.push_back(json::object{{"tier", static_cast<int64_t>(i + 1)},
                                 {"after", core::FormatDuration(t.delay)},
                                 {"at", core::FormatRfc3339(when)},
                                 {"targets", targets},
                                 {"people", ppl},
                                 {"notes", nts}});
  }
  out["tiers"] = std::move(tiers);
  return out;
}

Result<json::object> ShiftsJson(const config::Config& cfg, const std::string& schedule, core::TimePoint from,
                                core::TimePoint to) {
  const auto* s = cfg.FindSchedule(schedule);
  if (!s) return NotFound("schedule '" + core::Truncate(schedule, 64) + "' not found", "schedule");
  if (to <= from) return InvalidArgument("'to' must be after 'from'", "to");
  if (to - from > std::chrono::hours(24 * 93)) return InvalidArgument("ask for at most 93 days at a time", "to");
  FB_ASSIGN_OR_RETURN(auto shifts, oncall::FinalShifts(*s, from, to));
  json::array arr, gaps;
  for (const auto& sh : shifts) arr.push_back(ShiftJson(cfg, sh));
  for (const auto& [a, b] : oncall::Gaps(shifts, from, to))
    gaps.push_back(json::object{{"start", core::FormatRfc3339(a)}, {"end", core::FormatRfc3339(b)}});
  return json::object{{"schedule", s->id},         {"name", s->name},  {"timezone", s->timezone},
                      {"from", core::FormatRfc3339(from)}, {"to", core::FormatRfc3339(to)}, {"shifts", arr},
                      {"gaps", gaps}};
}

Result<json::object> RosterJson(const config::Config& cfg, const std::string& schedule, const std::string& team,
                                core::TimePoint from, core::TimePoint to) {
  if (schedule.empty() == team.empty()) return InvalidArgument("ask for a schedule or a team (exactly one)", "schedule");
  if (to <= from) return InvalidArgument("'to' must be after 'from'", "to");
  if (to - from > std::chrono::hours(24 * 93)) return InvalidArgument("ask for at most 93 days at a time", "to");

  // Schedules in a stable order, each with the policies that page it.
  std::vector<const model::Schedule*> scheds;
  std::map<std::string, std::vector<std::string>> via;
  const model::Team* t = nullptr;
  if (!schedule.empty()) {
    const auto* s = cfg.FindSchedule(schedule);
    if (!s) return NotFound("schedule '" + core::Truncate(schedule, 64) + "' not found", "schedule");
    scheds.push_back(s);
    via[s->id];
  } else {
    t = cfg.FindTeam(team);
    if (!t) return NotFound("team '" + core::Truncate(team, 64) + "' not found", "team");
    std::vector<std::string> policies;
    auto add_policy = [&](const std::string& id) {
      if (!id.empty() && std::find(policies.begin(), policies.end(), id) == policies.end()) policies.push_back(id);
    };
    add_policy(t->escalation_policy);
    for (const auto& svc : cfg.services) {
      if (svc.team != t->id) continue;
      add_policy(svc.escalation_policy);
      for (const auto& [sev, id] : svc.escalation_by_severity) add_policy(id);
    }
    for (const auto& pid : policies) {
      const auto* p = cfg.FindPolicy(pid);
      if (!p) continue;
      for (const auto& tier : p->tiers)
        for (const auto& x : tier.targets) {
          if (x.type != "schedule") continue;
          const auto* s = cfg.FindSchedule(x.id);
          if (!s) continue;
          if (!via.count(s->id)) scheds.push_back(s);
          auto& v = via[s->id];
          if (std::find(v.begin(), v.end(), pid) == v.end()) v.push_back(pid);
        }
    }
  }
  std::set<std::string> in_team;
  if (t) {
    if (!t->lead.empty()) in_team.insert(t->lead);
    in_team.insert(t->members.begin(), t->members.end());
  }

  struct PersonTotals {
    int64_t seconds = 0;
    int64_t shifts = 0;
    std::vector<std::string> schedules;
  };
  std::map<std::string, PersonTotals> people;
  auto secs = [](core::TimePoint a, core::TimePoint b) {
    return std::chrono::duration_cast<std::chrono::seconds>(b - a).count();
  };
  json::array out;
  for (const auto* s : scheds) {
    FB_ASSIGN_OR_RETURN(auto shifts, oncall::FinalShifts(*s, from, to));
    json::array arr, gaps, members, vias;
    std::vector<std::string> seen;
    for (const auto& l : s->layers)
      for (const auto& m : l.members)
        if (std::find(seen.begin(), seen.end(), m) == seen.end()) {
          seen.push_back(m);
          members.emplace_back(m);
        }
    int64_t covered = 0;
    for (const auto& sh : shifts) {
      arr.push_back(ShiftJson(cfg, sh));
      auto& pt = people[sh.person];
      pt.seconds += secs(sh.start, sh.end);
      ++pt.shifts;
      if (std::find(pt.schedules.begin(), pt.schedules.end(), s->id) == pt.schedules.end()) pt.schedules.push_back(s->id);
      covered += secs(sh.start, sh.end);
    }
    for (const auto& [a, b] : oncall::Gaps(shifts, from, to))
      gaps.push_back(json::object{{"start", core::FormatRfc3339(a)}, {"end", core::FormatRfc3339(b)}});
    for (const auto& v : via[s->id]) vias.emplace_back(v);
    out.push_back(json::object{{"id", s->id},
                               {"name", s->name},
                               {"timezone", s->timezone},
                               {"via", vias},
                               {"members", members},
                               {"shifts", arr},
                               {"gaps", gaps},
                               {"covered_seconds", covered},
                               {"total_seconds", secs(from, to)}});
  }
  // Team members who hold no shift still count (bus-factor analyses need the bench too).
  for (const auto& m : in_team) people.try_emplace(m);
  std::vector<std::pair<std::string, PersonTotals>> order(people.begin(), people.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
  json::array ppl;
  for (const auto& [id, pt] : order) {
    const auto* p = cfg.FindPerson(id);
    json::array sc;
    for (const auto& x : pt.schedules) sc.emplace_back(x);
    ppl.push_back(json::object{{"person", id},
                               {"name", p ? p->name : id},
                               {"in_team", in_team.count(id) > 0},
                               {"on_call_seconds", pt.seconds},
                               {"shifts", pt.shifts},
                               {"schedules", sc}});
  }
  json::object res{{"from", core::FormatRfc3339(from)}, {"to", core::FormatRfc3339(to)}};
  if (t) {
    json::array mem;
    for (const auto& m : t->members) mem.emplace_back(m);
    res["team"] = json::object{{"id", t->id}, {"name", t->name}, {"lead", t->lead}, {"members", mem}};
  } else {
    res["team"] = nullptr;
  }
  res["schedules"] = std::move(out);
  res["people"] = std::move(ppl);
  return res;
}

CoverageAssessment AssessCoverage(const config::Config& cfg, core::TimePoint now, core::Millis horizon) {
  CoverageAssessment out;
  std::set<std::string> used;
  for (const auto& svc : cfg.services)
    for (auto sev : model::kAllSeverities)
      if (const auto* p = cfg.PolicyFor(svc.id, sev)) used.insert(p->id);
  if (!cfg.settings.default_escalation_policy.empty() && cfg.FindPolicy(cfg.settings.default_escalation_policy))
    used.insert(cfg.settings.default_escalation_policy);
  out.policies.assign(used.begin(), used.end());
  auto add = [&](CoverageFinding f) {
    if (f.level > out.level) out.level = f.level;
    out.findings.push_back(std::move(f));
  };
  std::set<std::string> schedules;
  for (const auto& id : out.policies) {
    const auto* p = cfg.FindPolicy(id);
    size_t reaching = 0;
    bool first_empty = false;
    for (size_t t = 0; t < p->tiers.size(); ++t) {
      const bool reaches = !ResolveTargets(cfg, p->tiers[t].targets, now).empty();
      reaching += reaches;
      if (t == 0 && !reaches) first_empty = true;
      for (const auto& x : p->tiers[t].targets)
        if (x.type == "schedule" && cfg.FindSchedule(x.id)) schedules.insert(x.id);
    }
    if (reaching == 0) {
      add({model::DefenseLevel::kRed, id, "",
           "escalation policy '" + id + "' pages nobody now: none of its " + std::to_string(p->tiers.size()) +
               " tier(s) reaches a person",
           {}, {}});
    } else if (first_empty) {
      add({model::DefenseLevel::kOrange, id, "",
           "escalation policy '" + id + "': its first tier pages nobody now; the first page waits for tier 2, " +
               core::FormatDuration(p->tiers[1].delay) + " after an incident opens",
           {}, {}});
    }
  }
  // A zero horizon still looks at this instant (a gap now is a gap within it).
  const auto until = now + std::max(horizon, core::Millis(1));
  for (const auto& id : schedules) {
    auto shifts = oncall::FinalShifts(*cfg.FindSchedule(id), now, until);
    if (!shifts) {
      add({model::DefenseLevel::kYellow, "", id, "schedule '" + id + "': " + shifts.error().message, {}, {}});
      continue;
    }
    auto gaps = oncall::Gaps(*shifts, now, until);
    if (gaps.empty()) continue;
    const auto& [start, end] = gaps.front();
    const bool uncovered_now = start <= now;
    std::string detail = "schedule '" + id + "' is uncovered " +
                         (uncovered_now ? std::string("now") : "from " + core::FormatRfc3339(start)) +
                         (end == until ? " until at least " : " until ") + core::FormatRfc3339(end);
    if (gaps.size() > 1) detail += " (and " + std::to_string(gaps.size() - 1) + " more gap(s) in the look-ahead)";
    add({model::DefenseLevel::kYellow, "", id, std::move(detail), start, end});
  }
  std::stable_sort(out.findings.begin(), out.findings.end(),
                   [](const CoverageFinding& a, const CoverageFinding& b) { return a.level > b.level; });
  return out;
}

json::object CoverageJson(const CoverageAssessment& c, core::Millis horizon) {
  json::array findings;
  for (const auto& f : c.findings) {
    json::object o{{"level", model::DefenseLevelName(f.level)}, {"detail", f.detail}};
    if (!f.policy.empty()) o["policy"] = f.policy;
    if (!f.schedule.empty()) o["schedule"] = f.schedule;
    if (f.gap_end > f.gap_start)
      o["gap"] = json::object{{"start", core::FormatRfc3339(f.gap_start)}, {"end", core::FormatRfc3339(f.gap_end)}};
    findings.push_back(std::move(o));
  }
  json::array policies;
  for (const auto& p : c.policies) policies.emplace_back(p);
  return json::object{{"level", model::DefenseLevelName(c.level)},
                      {"horizon_seconds", std::chrono::duration_cast<std::chrono::seconds>(horizon).count()},
                      {"policies", std::move(policies)},
                      {"findings", std::move(findings)}};
}

}  // namespace firebreak::paging
