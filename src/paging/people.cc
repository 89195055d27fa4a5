#include "paging/people.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/strings.h"
#include "core/time.h"
#include "oncall/schedule.h"
#include "paging/oncall_query.h"

namespace firebreak::paging {

namespace json = boost::json;

namespace {

bool InRotation(const model::Schedule& s, const std::string& person) {
  for (const auto& l : s.layers)
    if (std::find(l.members.begin(), l.members.end(), person) != l.members.end()) return true;
  return false;
}

bool InTeam(const model::Team& t, const std::string& person) {
  return t.lead == person || std::find(t.members.begin(), t.members.end(), person) != t.members.end();
}

json::object ShiftJson(const model::Schedule& s, const oncall::Shift& sh) {
  json::object o{{"schedule", s.id},
                 {"schedule_name", s.name},
                 {"start", core::FormatRfc3339(sh.start)},
                 {"end", core::FormatRfc3339(sh.end)},
                 {"layer", sh.layer},
                 {"override", sh.override}};
  if (sh.override && !sh.replaces.empty()) o["replaces"] = sh.replaces;
  return o;
}

// Who is on call in each schedule at `at` (an error computing one schedule is that schedule's
// problem, not the directory's: it is left out).
std::map<std::string, oncall::Shift> OnCallNow(const config::Config& cfg, core::TimePoint at) {
  std::map<std::string, oncall::Shift> out;
  for (const auto& s : cfg.schedules) {
    auto on = oncall::OnCallAt(s, at, kOnCallLookahead);
    if (on && *on) out.emplace(s.id, **on);
  }
  return out;
}

// [{"after","contact_type","severities":[...]}] (empty severities = every severity), by delay.
json::array RulesJson(const model::Person& p) {
  std::vector<const model::NotificationRule*> rules;
  for (const auto& r : p.notification_rules) rules.push_back(&r);
  std::stable_sort(rules.begin(), rules.end(), [](auto* a, auto* b) { return a->after < b->after; });
  json::array out;
  for (const auto* r : rules) {
    json::array sevs;
    for (auto s : r->severities) sevs.emplace_back(model::SeverityName(s));
    out.push_back(json::object{{"after", core::FormatDuration(r->after)}, {"contact_type", r->contact}, {"severities", std::move(sevs)}});
  }
  return out;
}

json::object Entry(const config::Config& cfg, const model::Person& p,
                   const std::map<std::string, oncall::Shift>& now) {
  json::array teams, leads, schedules, on_call, contacts;
  for (const auto& t : cfg.teams) {
    if (InTeam(t, p.id)) teams.emplace_back(t.id);
    if (t.lead == p.id) leads.emplace_back(t.id);
  }
  for (const auto& s : cfg.schedules) {
    if (InRotation(s, p.id)) schedules.emplace_back(s.id);
    auto it = now.find(s.id);
    if (it != now.end() && it->second.person == p.id) on_call.push_back(ShiftJson(s, it->second));
  }
  for (const auto& c : p.contacts) {
    json::object m{{"type", c.type}};
    if (!c.channel.empty()) m["channel"] = c.channel;
    contacts.push_back(std::move(m));
  }
  return json::object{{"id", p.id},
                      {"name", p.name.empty() ? p.id : p.name},
                      {"title", p.title},
                      {"email", p.email},
                      {"timezone", p.timezone},
                      {"teams", std::move(teams)},
                      {"leads", std::move(leads)},
                      {"schedules", std::move(schedules)},
                      {"on_call", std::move(on_call)},
                      {"contact_methods", std::move(contacts)},
                      {"notification_rules", RulesJson(p)},
                      {"handoff_notices", p.handoff_notices}};
}

// The services whose incidents a policy pages for (at some severity), sorted.
std::vector<std::string> ServicesOf(const config::Config& cfg, const std::string& policy) {
  std::vector<std::string> out;
  for (const auto& svc : cfg.services) {
    // Its policy at severities without their own: the service's, else its team's, else the default.
    std::string base = svc.escalation_policy;
    if (base.empty())
      if (const auto* t = cfg.FindTeam(svc.team)) base = t->escalation_policy;
    if (base.empty()) base = cfg.settings.default_escalation_policy;
    bool uses = base == policy;
    for (const auto& [sev, id] : svc.escalation_by_severity) uses = uses || id == policy;
    if (uses) out.push_back(svc.id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<json::object> PeopleJson(const config::Config& cfg, const std::string& team, core::TimePoint at) {
  const model::Team* t = nullptr;
  if (!team.empty()) {
    t = cfg.FindTeam(team);
    if (!t) return NotFound("team '" + core::Truncate(team, 64) + "' not found", "team");
  }
  std::vector<const model::Person*> people;
  for (const auto& p : cfg.people)
    if (!t || InTeam(*t, p.id)) people.push_back(&p);
  std::sort(people.begin(), people.end(), [](auto* a, auto* b) { return a->id < b->id; });
  const auto now = OnCallNow(cfg, at);
  json::array out;
  for (const auto* p : people) out.push_back(Entry(cfg, *p, now));
  return json::object{{"at", core::FormatRfc3339(at)}, {"people", std::move(out)}};
}

Result<json::object> PersonJson(const config::Config& cfg, const std::string& person, core::TimePoint at,
                                core::TimePoint from, core::TimePoint to) {
  const auto* p = cfg.FindPerson(person);
  if (!p) return NotFound("person '" + core::Truncate(person, 64) + "' not found", "person");
  if (to <= from) return InvalidArgument("'to' must be after 'from'", "to");
  if (to - from > std::chrono::hours(24 * 93)) return InvalidArgument("ask for at most 93 days at a time", "to");
  auto out = Entry(cfg, *p, OnCallNow(cfg, at));

  // Their stretches of every schedule's final rota, overrides included.
  std::vector<std::pair<const model::Schedule*, oncall::Shift>> mine;
  for (const auto& s : cfg.schedules) {
    FB_ASSIGN_OR_RETURN(auto shifts, oncall::FinalShifts(s, from, to));
    for (auto& sh : shifts)
      if (sh.person == p->id) mine.emplace_back(&s, std::move(sh));
  }
  std::stable_sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.start, a.first->id) < std::tie(b.second.start, b.first->id);
  });
  json::array shifts;
  core::Millis on_call{0};
  for (const auto& [s, sh] : mine) {
    shifts.push_back(ShiftJson(*s, sh));
    on_call += std::chrono::duration_cast<core::Millis>(sh.end - sh.start);
  }

  // Every policy tier that can reach them, and through what.
  json::array escalation;
  for (const auto& pol : cfg.policies) {
    std::vector<std::string> services;
    bool services_known = false;
    for (size_t i = 0; i < pol.tiers.size(); ++i) {
      for (const auto& x : pol.tiers[i].targets) {
        bool reaches = false;
        if (x.type == "person") {
          reaches = x.id == p->id;
        } else if (x.type == "schedule") {
          const auto* s = cfg.FindSchedule(x.id);
          reaches = s && (InRotation(*s, p->id) ||
                          std::any_of(s->overrides.begin(), s->overrides.end(),
                                      [&](const model::Override& o) { return o.person == p->id && o.end > at; }));
        } else if (x.type == "team") {
          const auto* t = cfg.FindTeam(x.id);
          reaches = t && InTeam(*t, p->id);
        }
        if (!reaches) continue;
        if (!services_known) {
          services = ServicesOf(cfg, pol.id);
          services_known = true;
        }
        json::array svcs;
        for (const auto& id : services) svcs.emplace_back(id);
        escalation.push_back(json::object{{"policy", pol.id},
                                          {"policy_name", pol.name},
                                          {"tier", static_cast<int64_t>(i + 1)},
                                          {"after", core::FormatDuration(pol.tiers[i].delay)},
                                          {"via", x.type + ":" + x.id},
                                          {"default", pol.id == cfg.settings.default_escalation_policy},
                                          {"services", std::move(svcs)}});
      }
    }
  }
  out["from"] = core::FormatRfc3339(from);
  out["to"] = core::FormatRfc3339(to);
  out["shifts"] = std::move(shifts);
  out["on_call_seconds"] = static_cast<int64_t>(on_call.count() / 1000);
  out["escalation"] = std::move(escalation);
  return out;
}

}  // namespace firebreak::paging
