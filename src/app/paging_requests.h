// Request decoders for on-call, escalation and paging (HTTP and MCP share them). Each rejects bad
// input with InvalidArgument naming the field.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "model/severity.h"

namespace firebreak::app {

// GET /api/v1/oncall: ?schedule= | ?service=[&severity=] and optional ?at= (RFC 3339; default now).
struct OncallQuery {
  std::string schedule;
  std::string service;
  model::Severity severity = model::Severity::kSev1;
  std::optional<core::TimePoint> at;
};
Result<OncallQuery> DecodeOncallQuery(const std::map<std::string, std::string>& query);
// The same as a JSON object (MCP tool arguments): {"schedule"|"service", "severity", "at"}.
Result<OncallQuery> DecodeOncallArgs(const boost::json::value& body);

// GET /api/v1/oncall/shifts: ?schedule=&from=&to= or &days= (default: from now, 7 days).
struct ShiftsQuery {
  std::string schedule;
  std::optional<core::TimePoint> from, to;
  int days = 7;
};
Result<ShiftsQuery> DecodeShiftsQuery(const std::map<std::string, std::string>& query);

// GET /api/v1/oncall/roster: ?schedule= | ?team=, &from= (default now), &days= (default 7, 1..93)
// or &to=. The MCP tool wraps the same query with DecodeRosterArgs.
struct RosterQuery {
  std::string schedule;
  std::string team;
  std::optional<core::TimePoint> from, to;
  int days = 7;
};
Result<RosterQuery> DecodeRosterQuery(const std::map<std::string, std::string>& query);
// The same as a JSON object: {"schedule"|"team", "from", "to", "days": integer}.
Result<RosterQuery> DecodeRosterArgs(const boost::json::value& body);

// GET /api/v1/oncall/handoffs: ?schedule= (optional: every schedule), &from= (default now), &days=
// (default 7, 1..93) or &to=. MCP: {"schedule", "from", "to", "days": integer}.
struct HandoffsQuery {
  std::string schedule;
  std::optional<core::TimePoint> from, to;
  int days = 7;
};
Result<HandoffsQuery> DecodeHandoffsQuery(const std::map<std::string, std::string>& query);
Result<HandoffsQuery> DecodeHandoffsArgs(const boost::json::value& body);

// GET /api/v1/people: ?team= (optional: its lead and members). MCP: {"team"}.
struct PeopleQuery {
  std::string team;
};
Result<PeopleQuery> DecodePeopleQuery(const std::map<std::string, std::string>& query);
Result<PeopleQuery> DecodePeopleArgs(const boost::json::value& body);

// GET /api/v1/people/{person}: a person id or "me" (the token's person), &from= (default now),
// &days= (default 7, 1..93) or &to=. MCP: {"person", "from", "to", "days": integer}.
struct PersonQuery {
  std::string person;
  std::optional<core::TimePoint> from, to;
  int days = 7;
};
Result<PersonQuery> DecodePersonQuery(std::string person, const std::map<std::string, std::string>& query);
Result<PersonQuery> DecodePersonArgs(const boost::json::value& body);

// GET /api/v1/oncall/resilience: &from= (default now), &days= (default 14, 1..93). Responder
// resilience (oncall/resilience.h): roster N-1, bus factor, fatigue, cognitive load.
struct ResponderQuery {
  std::optional<core::TimePoint> from;
  int days = 14;
};
Result<ResponderQuery> DecodeResponderQuery(const std::map<std::string, std::string>& query);
// The same as a JSON object {"from", "days"} (MCP tool arguments).
Result<ResponderQuery> DecodeResponderArgs(const boost::json::value& body);

// POST /api/v1/incidents/{id}/escalate: {"reason"} (required).
struct EscalateRequest {
  std::string reason;
};
Result<EscalateRequest> DecodeEscalate(const boost::json::value& body);

// POST /api/v1/incidents/{id}/flag: {"flag": "data_loss"|"security", "reason"}.
struct FlagRequest {
  std::string flag;
  std::string reason;
};
Result<FlagRequest> DecodeFlag(const boost::json::value& body);

// POST /api/v1/admin/clock (manual clock only): {"advance": "15m"} or {"set": RFC 3339}.
struct ClockRequest {
  std::optional<core::Millis> advance;
  std::optional<core::TimePoint> set;
};
Result<ClockRequest> DecodeClock(const boost::json::value& body);

}  // namespace firebreak::app
