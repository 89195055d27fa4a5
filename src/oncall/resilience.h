// Responder resilience: the questions the service graph answers for systems, asked about people.
//
//  * Roster N-1: if any one person is absent over the window (default the next 14 days), which
//    stretches of each schedule does nobody cover? A stretch counts only if the schedule covered
//    it with that person present: lower layers and overrides by others are the fallback.
//  * Bus factor: for each critical service (tier <= `critical_max_tier`), the people able to handle
//    it — the members of its owning team plus everyone its routine escalation policy can page
//    (people, team members, and every member of every layer of the schedules it names). A critical service
//    with one such person makes that person a single point of failure.
//  * Fatigue: configurable rules over the window's final shifts and recent pages — most on-call
//    hours in any rolling 7 days, most back-to-back shifts, and rest after a night page (a page
//    between the night hours in the person's own time zone needs someone else to cover the
//    person's on-call time for the rest period that follows).
//  * Cognitive load: a person holding more than `max_pending` open incident roles, unacknowledged
//    pages and pending approval requests at once.
//
// Everything here is pure: the caller passes the config, the window start and the records.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "model/catalog.h"

namespace firebreak::oncall {


struct PageRecord {
  std::string person;
  core::TimePoint at{};
  std::string incident;
};

// Something a person holds: an open incident role, an unacknowledged page, a pending approval.
struct Holding {
  std::string person;
  std::string kind;  // role | page | approval
  std::string ref;   // incident id / approval id
  std::string what;  // role name, "acknowledge", the action
};

struct Roster {
  const std::vector<model::Schedule>* schedules = nullptr;
  const std::vector<model::Team>* teams = nullptr;
  const std::vector<model::Person>* people = nullptr;
  const std::vector<model::Service>* services = nullptr;
  const std::vector<model::EscalationPolicy>* policies = nullptr;
  // The policy that pages for a service in routine incidents (the server uses config's PolicyFor at
  // SEV2), or null.
  std::function<const model::EscalationPolicy*(const model::Service&)> policy_for;
};

struct Interval {
  core::TimePoint start{}, end{};
};

struct RosterGap {  // N-1: time nobody covers when `absent` is away
  std::string absent;
  std::string schedule;
  std::vector<Interval> uncovered;
  core::Millis total{0};
};

struct BusFactor {
  std::string service;
  int tier = 0;
  bool customer_facing = false;
  std::vector<std::string> responders;  // sorted
};

struct FatigueViolation {
  std::string person;
  std::string rule;    // max_oncall_per_week | max_consecutive_shifts | rest_after_night_page
  std::string detail;  // human-readable
  Interval when;
  double value = 0;    // hours on call / shifts in a row / hours needing cover
  double limit = 0;
};

struct LoadWarning {
  std::string person;
  int roles = 0, pages = 0, approvals = 0, total = 0;
  std::vector<Holding> items;
};

struct ResilienceReport {
  Interval window;
  std::vector<RosterGap> roster_gaps;          // only absences that uncover something
  std::vector<BusFactor> bus_factor;           // every critical service, fewest responders first
  std::vector<FatigueViolation> fatigue;
  std::vector<LoadWarning> cognitive_load;     // only people over the limit
  std::vector<std::string> single_points;      // people who are a service's only responder
};

Result<ResilienceReport> AnalyzeResilience(const Roster& roster, const model::ResponderRules& rules,
                                           core::TimePoint from, core::Millis horizon,
                                           const std::vector<PageRecord>& pages,
                                           const std::vector<Holding>& holdings);

boost::json::object ToJson(const ResilienceReport& r);

}  // namespace firebreak::oncall
