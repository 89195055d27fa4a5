#include "model/incident.h"

#include "core/json.h"
#include "core/time.h"

namespace firebreak::model {

std::string_view StateName(IncidentState s) {
  switch (s) {
    case IncidentState::kTriggered: return "triggered";
    case IncidentState::kAcknowledged: return "acknowledged";
    case IncidentState::kMitigated: return "mitigated";
    case IncidentState::kResolved: return "resolved";
    case IncidentState::kClosed: return "closed";
  }
  return "triggered";
}

Result<IncidentState> ParseState(std::string_view s) {
  for (auto st : {IncidentState::kTriggered, IncidentState::kAcknowledged, IncidentState::kMitigated,
                  IncidentState::kResolved, IncidentState::kClosed}) {
    if (StateName(st) == s) return st;
  }
  return InvalidArgument("invalid state '" + std::string(s.substr(0, 32)) +
                             "': expected triggered, acknowledged, mitigated, resolved or closed",
                         "state");
}

std::string_view TransitionName(Transition t) {
  switch (t) {
    case Transition::kAcknowledge: return "acknowledge";
    case Transition::kMitigate: return "mitigate";
    case Transition::kResolve: return "resolve";
    case Transition::kReopen: return "reopen";
    case Transition::kClose: return "close";
    case Transition::kUnacknowledge: return "unacknowledge";
  }
  return "acknowledge";
}

Result<Transition> ParseTransition(std::string_view s) {
  for (auto t : {Transition::kAcknowledge, Transition::kMitigate, Transition::kResolve,
                 Transition::kReopen, Transition::kClose, Transition::kUnacknowledge}) {
    if (TransitionName(t) == s) return t;
  }
  return InvalidArgument("unknown transition '" + std::string(s.substr(0, 32)) + "'");
}

Result<IncidentState> NextState(IncidentState from, Transition t) {
  using S = IncidentState;
  auto refuse = [&]() {
    return FailedPrecondition("cannot " + std::string(TransitionName(t)) + " an incident that is " +
                                  std::string(StateName(from)),
                              "state");
  };
  switch (t) {
    case Transition::kAcknowledge:
      if (from == S::kTriggered) return S::kAcknowledged;
      return refuse();
    case Transition::kMitigate:
      if (from == S::kTriggered || from == S::kAcknowledged) return S::kMitigated;
      return refuse();
    case Transition::kResolve:
      if (IsOpen(from)) return S::kResolved;
      return refuse();
    case Transition::kReopen:
      if (from == S::kResolved || from == S::kMitigated) return S::kTriggered;
      return refuse();
    case Transition::kClose:
      if (from == S::kResolved) return S::kClosed;
      return refuse();
    case Transition::kUnacknowledge:
      if (from == S::kAcknowledged) return S::kTriggered;
      return refuse();
  }
  return refuse();
}

bool IsValidRole(std::string_view role) {
  return role == kRoleCommander || role == kRoleTechLead || role == kRoleComms || role == kRoleScribe;
}

namespace {
boost::json::array StrArray(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
void PutTime(boost::json::object& o, std::string_view k, const std::optional<core::TimePoint>& t) {
  if (t) o[k] = core::FormatRfc3339(*t);
}
}  // namespace

boost::json::object ToJson(const Incident& i) {
  boost::json::object o;
  o["id"] = i.id;
  o["number"] = i.number;
  o["title"] = i.title;
  o["state"] = StateName(i.state);
  o["severity"] = SeverityName(i.severity);
  o["priority"] = PriorityName(i.severity);
  o["defense_level"] = DefenseLevelName(DefenseLevelOf(i.severity));
  o["services"] = StrArray(i.services);
  o["blast_radius"] = StrArray(i.blast_radius);
  o["impact"] = i.impact;
  boost::json::object roles;
  for (const auto& [k, v] : i.roles) roles[k] = v;
  o["roles"] = std::move(roles);
  o["flags"] = StrArray(i.flags);
  o["created_at"] = core::FormatRfc3339(i.created_at);
  o["updated_at"] = core::FormatRfc3339(i.updated_at);
  PutTime(o, "acknowledged_at", i.acknowledged_at);
  PutTime(o, "mitigated_at", i.mitigated_at);
  PutTime(o, "resolved_at", i.resolved_at);
  PutTime(o, "closed_at", i.closed_at);
  o["created_by"] = i.created_by;
  if (!i.acknowledged_by.empty()) o["acknowledged_by"] = i.acknowledged_by;
  if (!i.resolved_by.empty()) o["resolved_by"] = i.resolved_by;
  if (!i.resolution_note.empty()) o["resolution_note"] = i.resolution_note;
  o["alert_count"] = i.alert_count;
  o["open_alerts"] = i.open_alerts;
  o["source"] = i.source;
  if (!i.group_key.empty()) o["group_key"] = i.group_key;
  if (!i.merged_into.empty()) o["merged_into"] = i.merged_into;
  return o;
}

Result<Incident> IncidentFromJson(const boost::json::value& v) {
  core::ObjectReader r(v, "incident");
  Incident i;
  i.id = r.String("id", true).value_or("");
  i.number = r.Int("number").value_or(0);
  i.title = r.String("title", true).value_or("");
  auto state = r.String("state", true);
  auto sev = r.String("severity", true);
  i.services = r.StringArray("services").value_or(std::vector<std::string>{});
  i.blast_radius = r.StringArray("blast_radius").value_or(std::vector<std::string>{});
  i.impact = r.String("impact").value_or("");
  auto roles = r.StringMap("roles");
  if (roles) i.roles = *roles;
  i.flags = r.StringArray("flags").value_or(std::vector<std::string>{});
  i.created_by = r.String("created_by").value_or("");
  i.acknowledged_by = r.String("acknowledged_by").value_or("");
  i.resolved_by = r.String("resolved_by").value_or("");
  i.resolution_note = r.String("resolution_note").value_or("");
  i.alert_count = r.Int("alert_count").value_or(0);
  i.open_alerts = r.Int("open_alerts").value_or(0);
  i.source = r.String("source").value_or("");
  i.group_key = r.String("group_key").value_or("");
  i.merged_into = r.String("merged_into").value_or("");
  i.acknowledged_at = r.Time("acknowledged_at");
  i.mitigated_at = r.Time("mitigated_at");
  i.resolved_at = r.Time("resolved_at");
  i.closed_at = r.Time("closed_at");
  const auto created = r.Time("created_at", true);
  const auto updated = r.Time("updated_at");
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(i.state, ParseState(*state));
  FB_ASSIGN_OR_RETURN(i.severity, ParseSeverity(*sev));
  i.created_at = *created;
  i.updated_at = updated.value_or(i.created_at);
  return i;
}

boost::json::object ToJson(const TimelineEntry& e) {
  boost::json::object o;
  o["id"] = e.id;
  o["incident_id"] = e.incident_id;
  o["time"] = core::FormatRfc3339(e.time);
  o["kind"] = e.kind;
  o["actor"] = e.actor;
  o["text"] = e.text;
  if (!e.data.empty()) o["data"] = e.data;
  return o;
}

}  // namespace firebreak::model
