#include "engine/incidents.h"

#include <algorithm>
#include <set>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "graph/impact.h"

namespace firebreak::engine {

namespace {

constexpr size_t kMaxTitle = 300;
constexpr size_t kMaxText = 20000;

std::string Target(const model::Incident& i) { return "incident:" + i.id; }

Status Save(Tx& tx, model::Incident& inc) {
  inc.updated_at = tx.now();
  FB_TRY(tx.store().incidents().Update(inc));
  tx.Publish(Change{"incident", inc.id, model::ToJson(inc)});
  return Ok();
}

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

Status CheckText(const std::string& s, const char* field, size_t max, bool required) {
  if (required && core::Trim(s).empty()) return InvalidArgument(std::string(field) + " must not be empty", field);
  if (s.size() > max)
    return InvalidArgument(std::string(field) + " is too long (" + std::to_string(s.size()) + " bytes, max " +
                               std::to_string(max) + ")",
                           field);
  if (!core::IsValidUtf8(s)) return InvalidArgument(std::string(field) + " is not valid UTF-8", field);
  return Ok();
}

// Tells the engine's observers (pager, reports, analysis...) what `actor` did to an incident;
// `before` is null for a new one.
Status NotifyObservers(Tx& tx, IncidentEvent::Kind kind, const model::Incident* before, const model::Incident& after,
                       const model::Actor& actor, std::string reason = {},
                       std::optional<model::Transition> transition = std::nullopt) {
  IncidentEvent ev;
  ev.kind = kind;
  ev.before = before;
  ev.after = &after;
  ev.actor = actor;
  ev.reason = std::move(reason);
  ev.transition = transition;
  return tx.engine().Notify(tx, ev);
}

}  // namespace

Status ValidateDeclare(const config::Config& cfg, const DeclareSpec& spec) {
  FB_TRY(CheckText(spec.title, "title", kMaxTitle, true));
  FB_TRY(CheckText(spec.impact, "impact", kMaxText, false));
  for (size_t i = 0; i < spec.services.size(); ++i) {
    if (!cfg.FindService(spec.services[i]))
      return InvalidArgument("unknown service '" + core::Truncate(spec.services[i], 64) + "'",
                             "services[" + std::to_string(i) + "]");
  }
  for (const auto& [role, person] : spec.roles) {
    if (!model::IsValidRole(role))
      return InvalidArgument("unknown role '" + core::Truncate(role, 64) +
                                 "' (incident_commander, tech_lead, communications_lead, scribe)",
                             "roles." + role);
    if (!cfg.FindPerson(person))
      return InvalidArgument("unknown person '" + core::Truncate(person, 64) + "'", "roles." + role);
  }
  for (const auto& f : spec.flags) {
    if (f != "data_loss" && f != "security")
      return InvalidArgument("unknown flag '" + core::Truncate(f, 64) + "' (data_loss, security)", "flags");
  }
  return Ok();
}

Result<model::Incident> LoadIncident(Tx& tx, std::string_view id) {
  FB_ASSIGN_OR_RETURN(auto inc, tx.store().incidents().Get(id));
  if (!inc) return NotFound("incident '" + core::Truncate(id, 64) + "' not found", "id");
  return std::move(*inc);
}

Result<model::Incident> Declare(Tx& tx, const model::Principal& who, const DeclareSpec& spec) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  FB_TRY(ValidateDeclare(tx.config(), spec));
  model::Incident inc;
  FB_ASSIGN_OR_RETURN(inc.number, tx.store().incidents().NextNumber());
  inc.id = "INC-" + std::to_string(inc.number);
  inc.title = std::string(core::Trim(spec.title));
  inc.severity = spec.severity;
  inc.services = spec.services;
  SortUnique(inc.services);
  inc.blast_radius = graph::IncidentBlastRadius(tx.config(), inc.services);
  inc.impact = spec.impact;
  inc.roles = spec.roles;
  inc.flags = spec.flags;
  SortUnique(inc.flags);
  inc.created_at = tx.now();
  inc.updated_at = tx.now();
  inc.created_by = who.actor.ToString();
  inc.source = spec.source;
  inc.group_key = spec.group_key;
  FB_TRY(tx.store().incidents().Insert(inc));

  boost::json::object data;
  data["severity"] = model::SeverityName(inc.severity);
  boost::json::array svcs;
  for (const auto& s : inc.services) svcs.emplace_back(s);
  data["services"] = svcs;
  std::string text = "Incident declared: " + inc.title + " (" + std::string(model::SeverityName(inc.severity)) + ")";
  if (!inc.services.empty()) text += " affecting " + core::Join(inc.services, ", ");
  FB_TRY(tx.Timeline(inc.id, who.actor, "declared", text, data));
  for (const auto& [role, person] : inc.roles) {
    FB_TRY(tx.Timeline(inc.id, who.actor, "role", person + " is " + role, {{"role", role}, {"person", person}}));
  }
  boost::json::object details = model::ToJson(inc);
  FB_TRY(tx.Audit(who.actor, "incident.declare", Target(inc), std::move(details)));
  tx.Publish(Change{"incident", inc.id, model::ToJson(inc)});
  FB_TRY(NotifyObservers(tx, IncidentEvent::Kind::kOpened, nullptr, inc, who.actor));
  return inc;
}

Result<model::Incident> ApplyTransition(Tx& tx, const model::Principal& who, std::string_view id,
                                        model::Transition t, const std::string& note) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  FB_TRY(CheckText(note, "note", kMaxText, false));
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  const model::Incident before = inc;
  if (t == model::Transition::kReopen && !inc.merged_into.empty())
    return FailedPrecondition(inc.id + " was merged into " + inc.merged_into + "; work on " + inc.merged_into +
                                  " instead",
                              "state");
  FB_ASSIGN_OR_RETURN(auto next, model::NextState(inc.state, t));
  int64_t firing = 0;
  if (t == model::Transition::kResolve) {
    FB_ASSIGN_OR_RETURN(firing, tx.store().alerts().CountOpen(inc.id));
    if (firing > 0 && core::Trim(note).empty())
      return FailedPrecondition(std::to_string(firing) + (firing == 1 ? " alert is" : " alerts are") +
                                    " still firing for " + inc.id +
                                    "; resolve them first or give a note saying why the incident is resolved anyway",
                                "note");
  }
  inc.state = next;
  const std::string actor = who.actor.ToString();
  switch (t) {
    case model::Transition::kAcknowledge:
      if (!inc.acknowledged_at) {
        inc.acknowledged_at = tx.now();
        inc.acknowledged_by = actor;
      }
      break;
    case model::Transition::kMitigate:
      inc.mitigated_at = tx.now();
      break;
    case model::Transition::kResolve:
      inc.resolved_at = tx.now();
      inc.resolved_by = actor;
      if (!note.empty()) inc.resolution_note = note;
      break;
    case model::Transition::kReopen:
      inc.resolved_at.reset();
      inc.mitigated_at.reset();
      inc.resolved_by.clear();
      inc.resolution_note.clear();  // it explained the resolution this reopen undoes (the timeline keeps it)
      break;
    case model::Transition::kClose:
      inc.closed_at = tx.now();
      break;
    case model::Transition::kUnacknowledge:
      break;  // acknowledged_at keeps the first acknowledgement (MTTA)
  }
  FB_TRY(Save(tx, inc));
  static const std::map<model::Transition, std::pair<const char*, const char*>> kWords = {
      {model::Transition::kAcknowledge, {"acknowledged", "Acknowledged"}},
      {model::Transition::kMitigate, {"mitigated", "Mitigated"}},
      {model::Transition::kResolve, {"resolved", "Resolved"}},
      {model::Transition::kReopen, {"reopened", "Reopened"}},
      {model::Transition::kClose, {"closed", "Closed"}},
      {model::Transition::kUnacknowledge, {"unacknowledged", "Unacknowledged"}}};
  auto [kind, verb] = kWords.at(t);
  std::string text = std::string(verb) + " by " + actor;
  if (!note.empty()) text += ": " + note;
  boost::json::object data{{"from", model::StateName(before.state)}, {"to", model::StateName(inc.state)}};
  if (!note.empty()) data["note"] = note;
  if (firing > 0) {
    data["alerts_firing"] = firing;
    text += " (" + std::to_string(firing) + (firing == 1 ? " alert" : " alerts") + " still firing)";
  }
  FB_TRY(tx.Timeline(inc.id, who.actor, kind, text, data));
  FB_TRY(tx.Audit(who.actor, "incident." + std::string(model::TransitionName(t)), Target(inc), data));
  // Only an acknowledged incident times out or wakes from a snooze.
  if (t != model::Transition::kAcknowledge) FB_TRY(tx.CancelTimer(kUnackTimer, inc.id));
  FB_TRY(NotifyObservers(tx, IncidentEvent::Kind::kTransitioned, &before, inc, who.actor, note, t));
  return inc;
}

Result<model::Incident> AddNote(Tx& tx, const model::Principal& who, std::string_view id, const std::string& text) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  FB_TRY(CheckText(text, "text", kMaxText, true));
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  FB_TRY(Save(tx, inc));
  FB_TRY(tx.Timeline(inc.id, who.actor, "note", text));
  FB_TRY(tx.Audit(who.actor, "incident.note", Target(inc), {{"text", text}}));
  return inc;
}

Result<model::Incident> SetSeverity(Tx& tx, const model::Principal& who, std::string_view id, model::Severity sev,
                                    const std::string& reason) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  FB_TRY(CheckText(reason, "reason", kMaxText, false));
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  if (inc.severity == sev) return inc;
  if (!model::IsOpen(inc.state))
    return FailedPrecondition("cannot change the severity of an incident that is " +
                                  std::string(model::StateName(inc.state)),
                              "severity");
  bool raising = model::WorseThan(sev, inc.severity);
  if (!raising && core::Trim(reason).empty())
    return InvalidArgument("lowering the severity needs a reason", "reason");
  const model::Incident before = inc;
  inc.severity = sev;
  FB_TRY(Save(tx, inc));
  std::string text = std::string("Severity ") + (raising ? "raised" : "lowered") + " from " +
                     std::string(model::SeverityName(before.severity)) + " to " +
                     std::string(model::SeverityName(sev));
  if (!reason.empty()) text += ": " + reason;
  boost::json::object data{{"from", model::SeverityName(before.severity)}, {"to", model::SeverityName(sev)}};
  if (!reason.empty()) data["reason"] = reason;
  FB_TRY(tx.Timeline(inc.id, who.actor, "severity", text, data));
  FB_TRY(tx.Audit(who.actor, "incident.severity", Target(inc), data));
  FB_TRY(NotifyObservers(tx, IncidentEvent::Kind::kSeverityChanged, &before, inc, who.actor, reason));
  return inc;
}

Result<model::Incident> AssignRole(Tx& tx, const model::Principal& who, std::string_view id, const std::string& role,
                                   const std::string& person) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  if (!model::IsValidRole(role))
    return InvalidArgument("unknown role '" + core::Truncate(role, 64) +
                               "' (incident_commander, tech_lead, communications_lead, scribe)",
                           "role");
  if (!person.empty() && !tx.config().FindPerson(person))
    return InvalidArgument("unknown person '" + core::Truncate(person, 64) + "'", "person");
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  const model::Incident before = inc;
  std::string text;
  if (person.empty()) {
    inc.roles.erase(role);
    text = role + " unassigned";
  } else {
    inc.roles[role] = person;
    text = person + " is " + role;
  }
  FB_TRY(Save(tx, inc));
  boost::json::object data{{"role", role}, {"person", person}};
  FB_TRY(tx.Timeline(inc.id, who.actor, "role", text, data));
  FB_TRY(tx.Audit(who.actor, "incident.role", Target(inc), data));
  FB_TRY(NotifyObservers(tx, IncidentEvent::Kind::kUpdated, &before, inc, who.actor));
  return inc;
}

Result<model::Incident> SetImpact(Tx& tx, const model::Principal& who, std::string_view id, const std::string& impact) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  FB_TRY(CheckText(impact, "impact", kMaxText, false));
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  inc.impact = impact;
  FB_TRY(Save(tx, inc));
  FB_TRY(tx.Timeline(inc.id, who.actor, "impact", "Impact: " + impact, {{"impact", impact}}));
  FB_TRY(tx.Audit(who.actor, "incident.impact", Target(inc), {{"impact", impact}}));
  return inc;
}

Result<model::Incident> AddServices(Tx& tx, const model::Principal& who, std::string_view id,
                                    const std::vector<std::string>& services, const std::string& reason) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  for (size_t i = 0; i < services.size(); ++i) {
    if (!tx.config().FindService(services[i]))
      return InvalidArgument("unknown service '" + core::Truncate(services[i], 64) + "'",
                             "services[" + std::to_string(i) + "]");
  }
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  const model::Incident before = inc;
  std::vector<std::string> added;
  for (const auto& s : services) {
    if (std::find(inc.services.begin(), inc.services.end(), s) == inc.services.end()) added.push_back(s);
  }
  if (added.empty()) return inc;
  inc.services.insert(inc.services.end(), added.begin(), added.end());
  SortUnique(inc.services);
  inc.blast_radius = graph::IncidentBlastRadius(tx.config(), inc.services);
  FB_TRY(Save(tx, inc));
  boost::json::array arr;
  for (const auto& s : added) arr.emplace_back(s);
  std::string text = "Services affected: " + core::Join(added, ", ");
  if (!reason.empty()) text += " (" + reason + ")";
  FB_TRY(tx.Timeline(inc.id, who.actor, "services", text, {{"added", arr}, {"reason", reason}}));
  FB_TRY(tx.Audit(who.actor, "incident.services", Target(inc), {{"added", arr}, {"reason", reason}}));
  FB_TRY(NotifyObservers(tx, IncidentEvent::Kind::kServicesAdded, &before, inc, who.actor, reason));
  return inc;
}

Result<model::Incident> FlagIncident(Tx& tx, const model::Principal& who, std::string_view id, const std::string& flag,
                                     const std::string& reason) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  if (flag != "data_loss" && flag != "security")
    return InvalidArgument("unknown flag '" + core::Truncate(flag, 64) + "' (data_loss, security)", "flag");
  FB_TRY(CheckText(reason, "reason", kMaxText, true));
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  if (std::find(inc.flags.begin(), inc.flags.end(), flag) != inc.flags.end()) return inc;
  const model::Incident before = inc;
  inc.flags.push_back(flag);
  SortUnique(inc.flags);
  FB_TRY(Save(tx, inc));
  std::string label = flag == "data_loss" ? "Data loss risk" : "Security risk";
  FB_TRY(tx.Timeline(inc.id, who.actor, "flag", label + " flagged: " + reason, {{"flag", flag}, {"reason", reason}}));
  FB_TRY(tx.Audit(who.actor, "incident.flag", Target(inc), {{"flag", flag}, {"reason", reason}}));
  FB_TRY(NotifyObservers(tx, IncidentEvent::Kind::kFlagged, &before, inc, who.actor, flag));
  return inc;
}

Result<model::Incident> RequestEscalation(Tx& tx, const model::Principal& who, std::string_view id,
                                          const std::string& reason, bool remediation_failed) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  FB_TRY(CheckText(reason, "reason", kMaxText, true));
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  if (!model::IsOpen(inc.state))
    return FailedPrecondition("cannot escalate an incident that is " + std::string(model::StateName(inc.state)),
                              "state");
  std::string kind = remediation_failed ? "remediation_failed" : "escalation_requested";
  std::string text = remediation_failed ? "Remediation failed: " + reason : "Escalation requested: " + reason;
  FB_TRY(tx.Timeline(inc.id, who.actor, kind, text, {{"reason", reason}}));
  FB_TRY(tx.Audit(who.actor, "incident." + kind, Target(inc), {{"reason", reason}}));
  const auto ev = remediation_failed ? IncidentEvent::Kind::kRemediationFailed : IncidentEvent::Kind::kEscalationRequested;
  FB_TRY(NotifyObservers(tx, ev, &inc, inc, who.actor, reason));
  return inc;
}

UnackPayload ParseUnackPayload(std::string_view payload) {
  UnackPayload out;
  auto p = core::ParseJson(payload);
  if (!p || !p->is_object()) return out;
  const auto& o = p->get_object();
  if (const auto* r = o.if_contains("reason"); r && r->is_string()) out.reason = r->get_string();
  if (const auto* a = o.if_contains("after_ms"); a && a->is_int64()) out.after = core::Millis(a->get_int64());
  return out;
}

Result<model::Incident> Snooze(Tx& tx, const model::Principal& who, std::string_view id, core::Millis duration,
                               const std::string& note) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  FB_TRY(CheckText(note, "note", kMaxText, false));
  if (duration < kMinSnooze || duration > kMaxSnooze)
    return InvalidArgument("duration must be between 1m and 7d", "duration");
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  if (inc.state != model::IncidentState::kAcknowledged)
    return FailedPrecondition("only an acknowledged incident can be snoozed; " + inc.id + " is " +
                                  std::string(model::StateName(inc.state)) +
                                  (inc.state == model::IncidentState::kTriggered ? " (acknowledge it first)" : ""),
                              "state");
  const auto until = tx.now() + duration;
  FB_TRY(tx.ArmTimer(kUnackTimer, inc.id, until, boost::json::object{{"reason", "snooze"}, {"after_ms", duration.count()}}));
  FB_TRY(Save(tx, inc));
  std::string text = "Snoozed for " + core::FormatDuration(duration) + " by " + who.actor.ToString() + ": pages again at " +
                     core::FormatRfc3339(until) + " unless mitigated or resolved";
  if (!note.empty()) text += " (" + note + ")";
  boost::json::object data{{"until", core::FormatRfc3339(until)}, {"duration", core::FormatDuration(duration)}};
  if (!note.empty()) data["note"] = note;
  FB_TRY(tx.Timeline(inc.id, who.actor, "snoozed", text, data));
  FB_TRY(tx.Audit(who.actor, "incident.snooze", Target(inc), data));
  return inc;
}

Result<model::Incident> SetAlertCounts(Tx& tx, std::string_view id, int64_t joined, int64_t open) {
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, id));
  if (joined == 0 && inc.open_alerts == open) return inc;
  inc.alert_count += joined;
  inc.open_alerts = open;
  FB_TRY(Save(tx, inc));
  return inc;
}

}  // namespace firebreak::engine
