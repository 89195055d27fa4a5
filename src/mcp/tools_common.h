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
// Common argument schemas.
json::object IncidentIdArg();
json::object SeverityArg(std::string description);

}  // namespace firebreak::mcp::internal
