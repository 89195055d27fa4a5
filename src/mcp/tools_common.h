// Helpers shared by the tool declarations (tools_*.cc): output schemas of common shapes, argument
// access (arguments are validated against the input schema before a handler runs), and running
// app commands from a worker thread.
#pragma once

#include <string>

#include "mcp/schema.h"
#include "mcp/server.h"
#include "model/incident.h"

namespace firebreak::mcp::internal {

// Arguments (already schema-checked): the value or a default.
std::string StrArg(const json::object& args, std::string_view key, std::string def = {});
int64_t IntArg(const json::object& args, std::string_view key, int64_t def);
std::vector<std::string> StrListArg(const json::object& args, std::string_view key);

// Runs an async incident command and waits for the committed result.
template <class Start>
Result<model::Incident> RunCommand(Start start) {
  return app::Wait<model::Incident>(std::move(start));
}

ToolResult Structured(json::object o);

// An incident in lists: the fields a triage needs, bounded.
json::object IncidentSummary(const model::Incident& i);
json::object IncidentSummarySchema();
// The full incident (model::ToJson).
json::object IncidentSchema();
json::object TimelineEntrySchema();
json::object AuditEntrySchema();
// A proposal: something an agent asks a person to do (it is not executed).
struct Proposal {
  std::string incident_id;  // where to record it on the timeline ("" = audit log only)
  std::string action;       // free text ("" = the tool call is the action)
  std::string tool;         // a Firebreak tool that would do it ("" = none)
  json::object arguments;   // that tool's arguments
  std::string rationale;
  model::RiskTier risk = model::RiskTier::kHigh;
  std::string not_executed;  // why it was not executed ("" = a plain proposal)
};
// Records `p` as the agent's: a timeline note on the incident (if any; NotFound if it does not
// exist) and an `mcp.proposal` audit entry. Returns {"proposed_by", "risk", "incident_id"?, "tool"?,
// "arguments"?, "action"?}.
Result<json::object> RecordProposal(Context& ctx, const Proposal& p);

// A result object that always has `props` (each with its schema; json::object{} = any value) and
// may have more: for app documents whose full shape is documented elsewhere (docs/*.md).
json::object OpenResult(std::vector<std::pair<std::string, json::object>> props);
// A JSON value from an app call that must be an object (the app documents it so).
Result<json::object> AsObject(Result<json::value> v);
// A bounded list: keeps the first `limit` items of `arr` and says whether some were left out.
void Bound(json::object& out, std::string_view key, size_t limit);

// Common argument schemas.
json::object IncidentIdArg();
json::object SeverityArg(std::string description);

}  // namespace firebreak::mcp::internal
