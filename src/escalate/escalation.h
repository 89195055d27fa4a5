// Escalation: the timer-driven state machine that decides which tier of a policy to page, and when.
//
// Pure logic over plain values: no store, no clock, no I/O. The caller (paging/) keeps one State per
// open incident, feeds it the current time and the incident's events, sends the Pages it returns,
// and arms a durable timer for NextDue().
//
// Semantics:
// - A policy is snapshotted when the incident opens; later config edits never reach a live
//   escalation (only a severity raise that selects a different per-severity policy switches it).
// - Tier delays are measured from the start of a cycle (the incident opening, for the first one).
//   After the last tier, the whole policy runs again `repeat` times, each cycle `repeat_after` after
//   the previous one started.
// - While unacknowledged, every tier reached so far is paged again whenever the severity's ack SLA
//   passes (every ack_sla since the incident opened).
// - EscalateNow pages the next tier at once (severity raised, service joined, remediation failed,
//   data loss or security flagged, explicit request); the following tiers keep their configured
//   spacing from it, so escalation never becomes slower. With no higher tier, the top tier is paged
//   again. It pages even when the incident is acknowledged or mitigated (someone asked for help),
//   but timers only run while it is unacknowledged. (The caller never asks for a resolved one.)
// - Acknowledging (or mitigating, resolving, closing) stops all timers; reopening starts over.
// - Support hours: the caller may Hold a low-urgency escalation until its policy's support hours
//   begin; nothing is due before then, and its first page then says why it waited. Release ends a
//   hold early (the incident became urgent, or someone asked to escalate).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "model/catalog.h"
#include "model/severity.h"

namespace firebreak::escalate {

// The policy as it was when the escalation started.
struct PolicySnapshot {
  std::string id;
  std::string name;
  int repeat = 0;
  core::Millis repeat_after{0};  // cycle length; 0 = last tier's delay + 15 minutes
  core::Millis ack_timeout{0};   // see model::EscalationPolicy
  std::string support_hours;     // see model::EscalationPolicy (a time interval's name)
  std::vector<model::Severity> low_urgency;
  std::vector<model::EscalationTier> tiers;
};
PolicySnapshot Snapshot(const model::EscalationPolicy& p);
// The cycle length a snapshot runs with.
core::Millis CycleLength(const PolicySnapshot& p);
// True if incidents of `sev` wait for the policy's support hours.
bool LowUrgency(const PolicySnapshot& p, model::Severity sev);

enum class Status { kActive, kAcknowledged, kStopped };
std::string_view StatusName(Status s);

// A tier to page now.
struct Page {
  int tier = 0;   // 0-based index into the snapshot's tiers
  int cycle = 0;  // 0-based
  // What caused it: opened, timer, repeat, ack_sla, severity, service, flag, remediation, request,
  // reopened, unacknowledged, support_hours (a held escalation's first page), empty_tier, policy.
  std::string trigger;
  std::string reason;  // one line for the timeline
  core::TimePoint due{};
  core::Millis lateness{0};  // how long after `due` it is being paged
};

// One page as it happened (kept in the state for the API).
struct PageRecord {
  int64_t n = 0;  // 1, 2, ... within the incident
  core::TimePoint time{};
  core::TimePoint due{};
  int tier = 0;
  int cycle = 0;
  std::string trigger;
  std::string reason;
  std::vector<std::string> people;
  core::Millis lateness{0};
  bool late = false;
};

// A person asked to help outside the tiers ("add responders", PagerDuty's responder request) and
// what they answered. One per person and request; a person asked again gets a new one.
struct ResponderRequest {
  int64_t page = 0;  // the PageRecord that asked
  std::string person;
  std::string requested_by;  // actor, "person:alice"
  std::string message;       // what help is needed
  core::TimePoint requested_at{};
  std::string response = "pending";  // pending | accepted | declined | superseded (asked again)
  std::optional<core::TimePoint> responded_at;
  std::string responded_by;  // actor that recorded the answer (the person, or an admin for them)
  std::string note;
};

struct State {
  std::string incident_id;
  PolicySnapshot policy;
  model::Severity severity = model::Severity::kSev3;
  Status status = Status::kActive;
  std::string status_reason;
  core::TimePoint started_at{};   // opened (or last reopened)
  core::TimePoint cycle_start{};  // start of the current cycle
  int cycle = 0;
  int next_tier = 0;  // the next tier the timer pages; == tiers.size() while waiting for the next cycle
  int highest = -1;   // highest tier paged in the current cycle
  int reached = -1;   // highest tier paged since the start
  std::optional<core::TimePoint> tier_due;
  std::optional<core::TimePoint> sla_due;
  core::Millis ack_sla{0};
  bool exhausted = false;  // every tier of every cycle paged
  std::vector<PageRecord> history;
  int64_t pages = 0;  // pages recorded so far (numbers PageRecord::n)
  std::vector<ResponderRequest> responders;  // oldest first
  // Held (low urgency outside support hours): nothing pages before `held_until`. `hold_reason` says
  // why and stays after the hold ends, as a record that the escalation waited.
  std::optional<core::TimePoint> held_until;
  std::string hold_reason;
};

// Starts an escalation at `now` (the incident opened). Call Due(now) next to get the first pages.
State Start(std::string incident_id, PolicySnapshot policy, model::Severity sev, core::Millis ack_sla,
            core::TimePoint now);

// The next moment something is due (a tier or an ack-SLA re-page), if any.
std::optional<core::TimePoint> NextDue(const State& s);

// Everything due at `now`: tiers whose delay passed (catching up after downtime: each tier at most
// once per call) and ack-SLA re-pages of every tier reached so far.
std::vector<Page> Due(State& s, core::TimePoint now);

// Pages the next tier immediately (see the header comment).
std::vector<Page> EscalateNow(State& s, core::TimePoint now, std::string trigger, std::string reason);

// Stops timers: acknowledged (Status::kAcknowledged) or mitigated/resolved/closed (kStopped).
void Acknowledge(State& s, std::string why);
void Stop(State& s, std::string why);
// Starts over at the first tier (the incident was reopened, or unacknowledged when `unacknowledged`:
// its first page's trigger then says so); call Due(now) next.
void Reopen(State& s, core::TimePoint now, bool unacknowledged = false);
// Holds an active escalation until `until` (see the header comment): it starts over from tier 1
// then, tier delays and the ack SLA counting from `until`. `why` is kept for the record.
void Hold(State& s, core::TimePoint until, std::string why);
// True while `s` is held at `now`.
bool Held(const State& s, core::TimePoint now);
// Ends a hold at `now`: the escalation starts over from tier 1 at `now` (page with Due or EscalateNow).
// No effect on an escalation that is not held.
void Release(State& s, core::TimePoint now);
// A new severity (and its ack SLA): the SLA schedule follows it.
void SetSeverity(State& s, model::Severity sev, core::Millis ack_sla, core::TimePoint now);
// Replaces the policy (a raised severity selected another one), keeping the progress made.
void SwitchPolicy(State& s, PolicySnapshot p);

// Records a page that was sent to `people` (late = lateness above `late_margin`).
const PageRecord& Record(State& s, const Page& p, std::vector<std::string> people, core::TimePoint now,
                         core::Millis late_margin);

// Records that `rec.people` were asked to respond by `requested_by` with `message`.
void AddResponderRequests(State& s, const PageRecord& rec, const std::string& requested_by, const std::string& message);
// The person's answer to their latest request: NotFound (field "person") if they were never asked,
// FailedPrecondition (field "response") if that request was already answered. Returns the request.
// (Asking a person again supersedes their unanswered request: at most one is pending per person.)
Result<ResponderRequest> AnswerResponderRequest(State& s, const std::string& person, bool accept,
                                                const std::string& responded_by, const std::string& note,
                                                core::TimePoint now);
// The requests still waiting for `person`'s answer.
std::vector<ResponderRequest> PendingResponderRequests(const State& s, const std::string& person);
boost::json::object ToJson(const ResponderRequest& r);

boost::json::object ToJson(const State& s);
Result<State> StateFromJson(const boost::json::value& v);
boost::json::object ToJson(const PolicySnapshot& p);

}  // namespace firebreak::escalate
