// Incident: the unit of response. States, transitions, war-room roles and the timeline entry type.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "model/severity.h"

namespace firebreak::model {

// triggered -> acknowledged -> mitigated -> resolved -> closed; reopen: resolved -> triggered;
// unacknowledge: acknowledged -> triggered (by hand, or when an acknowledgement times out or a
// snooze ends; escalation starts over).
enum class IncidentState { kTriggered, kAcknowledged, kMitigated, kResolved, kClosed };
enum class Transition { kAcknowledge, kMitigate, kResolve, kReopen, kClose, kUnacknowledge };

std::string_view StateName(IncidentState s);
Result<IncidentState> ParseState(std::string_view s);
std::string_view TransitionName(Transition t);  // "acknowledge", ...
Result<Transition> ParseTransition(std::string_view s);
// The state `t` leads to from `from`, or FailedPrecondition explaining why it is not allowed.
Result<IncidentState> NextState(IncidentState from, Transition t);
// Open = not resolved or closed.
inline bool IsOpen(IncidentState s) {
  return s == IncidentState::kTriggered || s == IncidentState::kAcknowledged ||
         s == IncidentState::kMitigated;
}

// War-room roles.
inline constexpr std::string_view kRoleCommander = "incident_commander";
inline constexpr std::string_view kRoleTechLead = "tech_lead";
inline constexpr std::string_view kRoleComms = "communications_lead";
inline constexpr std::string_view kRoleScribe = "scribe";
bool IsValidRole(std::string_view role);

struct Incident {
  std::string id;  // "INC-<number>"
  int64_t number = 0;
  std::string title;
  IncidentState state = IncidentState::kTriggered;
  Severity severity = Severity::kSev3;
  std::vector<std::string> services;      // affected services, sorted, unique
  std::vector<std::string> blast_radius;  // services failed or degraded by the affected ones (graph/)
  std::string impact;                     // customer impact summary
  std::map<std::string, std::string> roles;  // role -> person id
  std::vector<std::string> flags;            // e.g. "data_loss", "security"
  core::TimePoint created_at{};
  core::TimePoint updated_at{};
  std::optional<core::TimePoint> acknowledged_at, mitigated_at, resolved_at, closed_at;
  std::string created_by;       // actor
  std::string acknowledged_by;  // actor of the first acknowledgement
  std::string resolved_by;
  std::string resolution_note;
  int64_t alert_count = 0;  // alerts that joined (firing episodes), silenced ones excluded
  int64_t open_alerts = 0;  // of those, the ones not resolved yet
  std::string source;  // "manual", "alertmanager", "pagerduty", "event"
  // Correlation group the incident was opened for: "rule:<name>:<values>" for a grouping rule,
  // "storm:<integration>" for a storm incident, "" otherwise.
  std::string group_key;
  // "INC-<n>" when this incident was merged into that one (its alerts moved there and it was
  // resolved); "" otherwise. A merged incident cannot be reopened.
  std::string merged_into;
};

boost::json::object ToJson(const Incident& i);
// Inverse of ToJson (used by the store); unknown fields are ignored.
Result<Incident> IncidentFromJson(const boost::json::value& v);

// One line of an incident's story.
struct TimelineEntry {
  int64_t id = 0;
  std::string incident_id;
  core::TimePoint time{};
  std::string kind;   // "declared", "acknowledged", "note", "severity", "role", "page", ...
  std::string actor;  // Actor::ToString()
  std::string text;   // human-readable, one line
  boost::json::object data;
};

boost::json::object ToJson(const TimelineEntry& e);

}  // namespace firebreak::model
