// Incident lifecycle operations. Each runs inside an engine command (engine::Tx) and writes the
// new state, a timeline entry and an audit entry in that command's transaction, then tells the
// engine's observers. Invalid requests fail before anything is written.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "model/actor.h"
#include "model/incident.h"

namespace firebreak::engine {

struct DeclareSpec {
  std::string title;
  model::Severity severity = model::Severity::kSev3;
  std::vector<std::string> services;
  std::string impact;
  std::map<std::string, std::string> roles;  // role -> person
  std::vector<std::string> flags;            // data_loss, security
  std::string source = "manual";
  std::string group_key;  // correlation group (see model::Incident::group_key)
};

// The durable timer (key: incident id) that unacknowledges an acknowledged incident: armed by the
// pager on acknowledgement when the escalation policy has an ack_timeout, and by Snooze. Its
// payload says why ({"reason": "ack_timeout" | "snooze", "after_ms": the duration}). Any transition
// other than acknowledge disarms it.
inline constexpr const char* kUnackTimer = "incident.unack";
// What an incident.unack timer's payload says (an unreadable one reads as an ack timeout).
struct UnackPayload {
  std::string reason = "ack_timeout";  // ack_timeout | snooze
  core::Millis after{0};               // the timeout or the snooze's length
};
UnackPayload ParseUnackPayload(std::string_view payload);
// How long a snooze may last.
inline constexpr core::Millis kMinSnooze = std::chrono::minutes(1);
inline constexpr core::Millis kMaxSnooze = std::chrono::hours(24 * 7);

// Loads an incident or returns NotFound naming it.
Result<model::Incident> LoadIncident(Tx& tx, std::string_view id);

Result<model::Incident> Declare(Tx& tx, const model::Principal& who, const DeclareSpec& spec);
// acknowledge | mitigate | resolve | reopen | close | unacknowledge. `note` is recorded with the
// change. Resolving
// an incident with alerts still firing needs a note saying why (DESIGN.md §3).
Result<model::Incident> ApplyTransition(Tx& tx, const model::Principal& who, std::string_view id,
                                        model::Transition t, const std::string& note);
Result<model::Incident> AddNote(Tx& tx, const model::Principal& who, std::string_view id,
                                const std::string& text);
// Changes severity; `reason` is required when lowering it.
Result<model::Incident> SetSeverity(Tx& tx, const model::Principal& who, std::string_view id,
                                    model::Severity sev, const std::string& reason);
// Assigns `person` to a war-room role (empty person clears it).
Result<model::Incident> AssignRole(Tx& tx, const model::Principal& who, std::string_view id,
                                   const std::string& role, const std::string& person);
// Sets the customer impact summary.
Result<model::Incident> SetImpact(Tx& tx, const model::Principal& who, std::string_view id,
                                  const std::string& impact);
// Adds affected services (unknown ones are an error); recomputes the blast radius.
Result<model::Incident> AddServices(Tx& tx, const model::Principal& who, std::string_view id,
                                    const std::vector<std::string>& services, const std::string& reason);

// Sets a flag ("data_loss" or "security") with a reason; notifies kFlagged (escalates at once).
Result<model::Incident> FlagIncident(Tx& tx, const model::Principal& who, std::string_view id,
                                     const std::string& flag, const std::string& reason);
// Records that escalation to the next tier was requested now (by a person, an agent, or a failed
// remediation when `remediation_failed`), and notifies observers; the escalation engine acts on it.
Result<model::Incident> RequestEscalation(Tx& tx, const model::Principal& who, std::string_view id,
                                          const std::string& reason, bool remediation_failed = false);

// Snoozes an acknowledged incident (PagerDuty's snooze): it stays acknowledged, nothing pages, and
// after `duration` (1m..7d) it is unacknowledged and escalation starts over, unless it was mitigated
// or resolved meanwhile. Replaces any acknowledgement timeout. FailedPrecondition unless acknowledged.
Result<model::Incident> Snooze(Tx& tx, const model::Principal& who, std::string_view id, core::Millis duration,
                               const std::string& note);

// Records the alert counts of an incident (alert pipeline): `joined` more alerts joined it and
// `open` of its alerts are firing. No timeline or audit entry (the pipeline writes the join).
Result<model::Incident> SetAlertCounts(Tx& tx, std::string_view id, int64_t joined, int64_t open);

// Checks declared services, roles and flags against the config; InvalidArgument names the field.
Status ValidateDeclare(const config::Config& cfg, const DeclareSpec& spec);

}  // namespace firebreak::engine
