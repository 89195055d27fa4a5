// The people directory: who is who, which teams and rotations each person belongs to, where they are
// on call now, and for one person their shifts over the coming days across every schedule and each
// way an escalation policy can reach them. Configuration only (schedules with their overrides, as the
// engine runs them); the app adds what the store knows (roles held, pages waiting, run-time overrides).
#pragma once

#include <string>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"

namespace firebreak::paging {

// {"at", "people": [{"id","name","title","email","timezone","teams":[ids],"leads":[team ids],
//   "schedules":[ids of schedules whose rotation has them],
//   "on_call":[{"schedule","schedule_name","start","end","layer","override"}] (at `at`),
//   "contact_methods":[{"type","channel"?}] (no addresses),
//   "notification_rules":[{"after","contact_type","severities":[...]}] (by delay; none = the
//   severity's contact types at once), "handoff_notices": bool}]}, sorted by id.
// With `team`: its lead and members only (NotFound naming `team` if unknown).
Result<boost::json::object> PeopleJson(const config::Config& cfg, const std::string& team, core::TimePoint at);

// One person (NotFound naming `person` if unknown): the directory entry, plus over [from, to) (at
// most 93 days) "shifts":[{"schedule","schedule_name","start","end","layer","override","replaces"?}]
// from every schedule, by start, "on_call_seconds", and "escalation":[{"policy","policy_name","tier",
// "after","via","services":[ids routed to that policy]}]: every policy tier that can page them, directly,
// through a schedule they rotate on (or have a configured override in) or through a team.
Result<boost::json::object> PersonJson(const config::Config& cfg, const std::string& person, core::TimePoint at,
                                       core::TimePoint from, core::TimePoint to);

}  // namespace firebreak::paging
