// The record a report is computed from: an incident, its timeline (every entry's kind, time, actor
// and data), its audit entries, its action items and the editable postmortem fields. Everything a
// report says comes from here; a section without data says so.
//
// Timeline kinds and what they feed (docs/ARCHITECTURE.md, "Reports", has the full table):
//   declared, alert                   detection time (the earliest of them)
//   alert.data.starts_at              first anomaly (when no first_anomaly_at was recorded)
//   acknowledged                      acknowledgement (first one) and who acknowledged
//   note, analysis, runbook*, page    investigation began (the first note/analysis/runbook entry)
//   root_cause                        root cause identified (MTTI stop)
//   runbook*, remediation             remediation initiated
//   mitigated                         recovery confirmed
//   resolved / closed / reopened      resolution (the last resolve that was not reopened)
//   page (data.tier), escalation      escalation tier reached, pages sent
//   severity                          severity bands and the peak severity (SLA checks use it)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "model/audit_entry.h"
#include "model/incident.h"

namespace firebreak::report {

namespace json = boost::json;

// A follow-up owned by someone: remediation, review (the postmortem review), or follow_up.
struct ActionItem {
  int64_t id = 0;
  std::string incident_id;
  std::string title;
  std::string owner;             // person id
  std::string priority = "P2";   // P1 (most urgent) .. P4
  std::string status = "open";   // open | in_progress | done | wont_do
  std::string kind = "remediation";  // remediation | review | follow_up
  std::optional<core::TimePoint> due_at;
  std::string notes;
  core::TimePoint created_at{}, updated_at{};
  std::string created_by;
  std::optional<core::TimePoint> done_at;
};
bool IsValidPriority(std::string_view p);
bool IsValidItemStatus(std::string_view s);
bool IsValidItemKind(std::string_view k);
inline bool IsOpenItem(const ActionItem& a) { return a.status == "open" || a.status == "in_progress"; }
bool IsOverdue(const ActionItem& a, core::TimePoint now);
json::object ToJson(const ActionItem& a, core::TimePoint now);

// Editable postmortem fields (people fill them; analysis may prefill root-cause candidates).
struct Postmortem {
  std::string summary;
  std::string customer_impact;
  std::string root_cause;
  std::vector<std::string> contributing_factors;
  std::vector<std::string> evidence;
  std::vector<std::string> went_well, went_poorly, got_lucky;
  std::vector<std::string> five_whys;
  std::optional<core::TimePoint> first_anomaly_at;
  std::optional<core::TimePoint> published_at;
  std::string published_by;
};
json::object ToJson(const Postmortem& p);
// Inverse of ToJson; InvalidArgument names the field.
Result<Postmortem> PostmortemFromJson(const json::value& v);
// Applies the fields present in `patch` (a validated request) over `p`.
Result<Postmortem> ApplyPostmortemPatch(Postmortem p, const json::value& patch);

struct Record {
  model::Incident incident;
  std::vector<model::TimelineEntry> timeline;  // oldest first
  std::vector<model::AuditEntry> audit;        // entries targeting this incident
  std::vector<ActionItem> actions;
  Postmortem postmortem;
  std::optional<core::TimePoint> next_escalation_at;    // the escalation timer, if armed
  std::optional<core::TimePoint> next_status_update_at;  // the status-update cadence timer
};

// A moment of the incident and where it came from.
struct Mark {
  std::optional<core::TimePoint> at;
  std::string source;  // "timeline#12 (acknowledged)", "postmortem.first_anomaly_at", ...
  std::string actor;
};

struct Milestones {
  Mark first_anomaly, detected, acknowledged, investigating, root_cause, remediation, recovered, resolved,
      closed;
  model::Severity peak_severity = model::Severity::kSev4;
  int escalation_tier = 0;  // highest tier paged (0 = none recorded)
};
Milestones ExtractMilestones(const Record& r);

// One MTTx figure: the interval, its endpoints' names, or why it is missing.
struct Interval {
  std::optional<core::Millis> value;
  std::string from, to;  // milestone names
  std::string missing;   // why there is no value
};
struct Mttx {
  Interval mttd, mtta, mtti, mttr;
  // SLA checks against the peak severity's ack/resolve SLA (resolve SLA 0 = best effort).
  core::Millis ack_sla{0}, resolve_sla{0};
  bool ack_breached = false, resolve_breached = false;
};
// `now` judges open incidents: an unacknowledged incident past its ack SLA is already breached.
Mttx ComputeMttx(const Milestones& m, const config::Config& cfg, core::TimePoint now);
json::object ToJson(const Mttx& m);
json::object ToJson(const Milestones& m);

// Aggregation over many incidents.
struct MttxRow {
  std::string incident_id;
  std::vector<std::string> keys;  // group keys this incident counts under (services, teams, ...)
  Mttx mttx;
};
struct MttxGroup {
  std::string key;
  int64_t incidents = 0;
  // mean and median per metric over incidents that have it, and how many have it
  struct Stat {
    int64_t n = 0;
    double mean_s = 0, median_s = 0, p90_s = 0, max_s = 0;
  };
  Stat mttd, mtta, mtti, mttr;
  int64_t ack_breaches = 0, resolve_breaches = 0;
};
// `by`: service | team | severity | period:day|week|month | none. Keys computed by the caller.
std::vector<MttxGroup> Aggregate(const std::vector<MttxRow>& rows);
json::object ToJson(const MttxGroup& g);

// Group keys of a record for `by` (service, team, severity, day, week, month, none).
Result<std::vector<std::string>> GroupKeys(const Record& r, const Milestones& m, const config::Config& cfg,
                                           std::string_view by);

}  // namespace firebreak::report
