// Decoders from JSON request bodies (HTTP and MCP share them) to typed commands. Each rejects bad
// input with InvalidArgument naming the field; unknown fields are rejected so typos are caught.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"
#include "core/time.h"
#include "engine/incidents.h"
#include "store/repos.h"

namespace firebreak::app {

Result<engine::DeclareSpec> DecodeDeclare(const boost::json::value& body);

struct TransitionRequest {
  std::string note;
};
// Body may be empty (null) or {"note": "..."}.
Result<TransitionRequest> DecodeTransition(const boost::json::value& body);

struct NoteRequest {
  std::string text;
};
Result<NoteRequest> DecodeNote(const boost::json::value& body);

struct SeverityRequest {
  model::Severity severity;
  std::string reason;
};
Result<SeverityRequest> DecodeSeverity(const boost::json::value& body);

struct RoleRequest {
  std::string role;
  std::string person;
};
Result<RoleRequest> DecodeRole(const boost::json::value& body);

struct ImpactRequest {
  std::string impact;
};
Result<ImpactRequest> DecodeImpact(const boost::json::value& body);

struct ServicesRequest {
  std::vector<std::string> services;
  std::string reason;
};
Result<ServicesRequest> DecodeServices(const boost::json::value& body);

// {"incidents": ["INC-5", ...], "note": "..."}: the incidents to merge into the one addressed.
struct MergeRequest {
  std::vector<std::string> incidents;
  std::string note;
};
Result<MergeRequest> DecodeMerge(const boost::json::value& body);

// {"targets": [{"person": "carol"} | {"schedule": "dba"} | {"team": "platform"}, ...],
// "message": "..."}: responders to page now (1..20 targets; the message is required).
struct RespondersRequest {
  std::vector<model::EscalationTarget> targets;
  std::string message;
};
Result<RespondersRequest> DecodeResponders(const boost::json::value& body);

// {"response": "accept" | "decline", "note": "..."}: a person's answer to their request to respond
// (the note, at most 2000 bytes, says why when declining).
struct ResponderAnswer {
  bool accept = false;
  std::string note;
};
Result<ResponderAnswer> DecodeResponderAnswer(const boost::json::value& body);

// {"duration": "2h", "note": "..."}: snooze an acknowledged incident for that long (1m..7d).
struct SnoozeRequest {
  core::Millis duration{};
  std::string note;
};
Result<SnoozeRequest> DecodeSnooze(const boost::json::value& body);


struct TokenRequest {
  std::string person;
  std::string scopes;
  std::string name;
};
Result<TokenRequest> DecodeToken(const boost::json::value& body);

// Query-string filters for incident lists: state, service, severity, limit, before.
Result<store::IncidentFilter> DecodeIncidentFilter(const std::map<std::string, std::string>& query);
Result<store::AuditFilter> DecodeAuditFilter(const std::map<std::string, std::string>& query);
// Paging through an incident's timeline: ?after=<entry id> (default 0) and ?limit=1..5000 (1000).
struct TimelineQuery {
  int64_t after = 0;
  int limit = 1000;
};
Result<TimelineQuery> DecodeTimelineQuery(const std::map<std::string, std::string>& query);

// A query-string integer in [lo, hi]; otherwise InvalidArgument naming `field`.
Result<int64_t> ParseInt(const std::string& s, const char* field, int64_t lo, int64_t hi);
// A time given as how long before now: a duration ("6h") or nothing when `s` is not one. A negative
// one is refused (InvalidArgument naming `field`): "-6h" would lie ahead and match nothing.
Result<std::optional<core::Millis>> ParseAgo(std::string_view s, const std::string& field);
// A point in time given as how long before `now` (ParseAgo) or as an RFC 3339 time; otherwise
// InvalidArgument naming `field`.
Result<core::TimePoint> ParseAgoOrTime(std::string_view s, const std::string& field, core::TimePoint now);
// A long poll's ?wait=DURATION: 0 when absent; otherwise a duration in 0..`max`, or InvalidArgument
// naming wait.
Result<core::Millis> ParseWait(const std::map<std::string, std::string>& query, core::Millis max);
// Refuses a query parameter outside `allowed` (InvalidArgument naming it and the allowed ones).
Status OnlyParams(const std::map<std::string, std::string>& query, std::initializer_list<std::string_view> allowed);
// A query-string boolean: true or 1, false or 0; otherwise InvalidArgument naming `field`.
Result<bool> ParseBool(const std::string& s, const std::string& field);

// The secret an Authorization header carries: a bearer credential, a basic-auth password (what
// Prometheus, Alertmanager and Loki clients can be configured to send), or the bare value. Empty
// when the header is empty; Unauthenticated for malformed basic credentials.
Result<std::string> CredentialOf(std::string_view authorization);

}  // namespace firebreak::app
