// Who is on call: escalation targets resolved to people at a moment, per schedule or per service.
// Shared by the escalation (whom to page) and the API / CLI / MCP queries (who would be paged).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "model/catalog.h"
#include "model/severity.h"
#include "oncall/schedule.h"

namespace firebreak::paging {

// How far past `at` the shift of whoever is on call is followed to find when it ends.
inline constexpr auto kOnCallLookahead = std::chrono::hours(24 * 35);

// A person reached through a target.
struct Recipient {
  std::string person;
  std::string via;  // "person:dave", "schedule:primary", "team:platform"
};

// Resolves targets at `t`: a person is themself, a schedule is whoever is on call in it (nobody in a
// gap), a team is its lead and members. People appear once, in target order. `notes` receives one
// line per target that yielded nobody.
std::vector<Recipient> ResolveTargets(const config::Config& cfg, const std::vector<model::EscalationTarget>& targets,
                                      core::TimePoint t, std::vector<std::string>* notes = nullptr);

// The policy that pages for an incident on `services` at `sev`: the most critical service (lowest
// tier, then id) that has one, else the default policy. Null if none.
const model::EscalationPolicy* PolicyForServices(const config::Config& cfg, const std::vector<std::string>& services,
                                                 model::Severity sev);

// Support hours (model::EscalationPolicy::support_hours) at `at`, for an incident that is low urgency
// under its policy: whether it waits, and until when. A low-urgency incident never waits silently
// forever: when the interval is not defined, its zone is unknown or it does not begin within a year,
// it pages at once and `problem` says why.
struct SupportHoursCheck {
  bool waits = false;
  core::TimePoint until{};  // when waits: the start of the next support hours
  std::string problem;
};
SupportHoursCheck CheckSupportHours(const config::Config& cfg, const std::string& support_hours, core::TimePoint at);

// {"at", "schedules": [{"id","name","timezone","on_call": {"person","name","start","end","layer","override"} | null}]}
// for one schedule (NotFound if unknown) or all when `schedule` is empty.
Result<boost::json::object> OnCallForSchedules(const config::Config& cfg, const std::string& schedule,
                                               core::TimePoint at);

// {"service","severity","at","policy":{id,name,support_hours,low_urgency},"tiers":[{"tier","after","at","targets":[...],
//  "people":[{person,name,via,reach:[{contact_type,after}]}]}],"waits_until":time|null}: a low-urgency
// severity outside the policy's support hours waits until they begin (`waits_until`), and the tiers'
// times count from then. `reach` is how a page at `sev` would reach the person (PlanContacts).
Result<boost::json::object> OnCallForService(const config::Config& cfg, const std::string& service,
                                             model::Severity sev, core::TimePoint at);

// {"schedule","from","to","shifts":[...],"gaps":[{start,end}]}; the range is at most 93 days.
Result<boost::json::object> ShiftsJson(const config::Config& cfg, const std::string& schedule, core::TimePoint from,
                                       core::TimePoint to);

// The roster of a schedule or a team over [from, to) (at most 93 days), for resilience analytics
// (N-1 coverage, bus factor) and for planning. Exactly one of `schedule` and `team` is set. A team's
// schedules are those its escalation policy and its services' policies (any severity) page.
// {"from","to","team":{"id","name","lead","members"}|null,
//  "schedules":[{"id","name","timezone","via":[policy ids],"members":[rotation members, layer order],
//                "shifts":[{person,name,start,end,layer,override,replaces?}],"gaps":[{start,end}],
//                "covered_seconds","total_seconds"}],
//  "people":[{"person","name","in_team","on_call_seconds","shifts","schedules":[ids]}]}  (most on call first)
Result<boost::json::object> RosterJson(const config::Config& cfg, const std::string& schedule, const std::string& team,
                                       core::TimePoint from, core::TimePoint to);

// On-call coverage, the third input of the system defense level (DESIGN.md §3: the worst of open
// incidents, utilization and on-call coverage gaps), over the escalation policies in use (the one
// PolicyFor gives each service at each severity, and the default policy):
//   RED     a policy pages nobody now: no tier's targets reach a person
//   ORANGE  a policy's first tier pages nobody now (the first page waits for a later tier)
//   YELLOW  a schedule one of those policies names is uncovered at some time in [now, now + horizon)
//   GREEN   otherwise
// Findings are ordered worst first, then by policy / schedule id.
struct CoverageFinding {
  model::DefenseLevel level = model::DefenseLevel::kGreen;
  std::string policy;    // RED / ORANGE
  std::string schedule;  // YELLOW
  std::string detail;
  core::TimePoint gap_start{}, gap_end{};  // YELLOW: the schedule's first gap in the horizon
};
struct CoverageAssessment {
  model::DefenseLevel level = model::DefenseLevel::kGreen;
  std::vector<std::string> policies;  // the policies in use, sorted
  std::vector<CoverageFinding> findings;
};
CoverageAssessment AssessCoverage(const config::Config& cfg, core::TimePoint now, core::Millis horizon);
// {"level", "horizon_seconds", "policies", "findings": [{"level","policy"|"schedule","detail","gap"?}]}
boost::json::object CoverageJson(const CoverageAssessment& c, core::Millis horizon);

}  // namespace firebreak::paging
