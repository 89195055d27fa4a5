// Log patterns for the front ends as plain JSON-in / JSON-out calls, shared by HTTP
// (api/routes_logs.cc), the CLI and the MCP tools:
//
//   MCP tool                     function                 request -> result
//   get_log_patterns             LogPatternsJson          {"services", "since"|"from", "to", "errors_only",
//                                                          "anomalous_only", "limit"} -> {"from","to","patterns"}
//   get_incident_log_patterns    IncidentLogPatternsJson  {"incident_id", "errors_only", "limit"} -> {"incident_id",
//                                                          "from", "to", "services", "patterns", "runbooks"}
//   list_log_templates           LogTemplatesJson         {"service", "since", "errors_only", "limit"} -> {"templates"}
//   mine_log_lines               MineLogLinesJson         {"lines": [...], "format", "limit"} -> {"lines",
//                                                          "templates"} (stateless, stores nothing)
//
// Ingestion is not a tool: log shippers write over HTTP (Loki push, JSON lines).
// Every call checks the `read` scope, rejects unknown fields and bad values with InvalidArgument
// naming the field (a null request means all defaults) and never writes anything.
#pragma once

#include <boost/json.hpp>

#include "app/app.h"

namespace firebreak::app {

Result<boost::json::object> LogPatternsJson(const App& app, const model::Principal& who, const boost::json::value& req);
Result<boost::json::object> IncidentLogPatternsJson(const App& app, const model::Principal& who,
                                                    const boost::json::value& req);
Result<boost::json::object> LogTemplatesJson(const App& app, const model::Principal& who, const boost::json::value& req);
Result<boost::json::object> MineLogLinesJson(const App& app, const model::Principal& who, const boost::json::value& req);

// Runbooks whose `when.log_patterns` (RE2 regexes, searched in a template's text) match one of
// `patterns`; with `services` of the runbook non-empty, only patterns of those services count.
// Each: {"runbook", "title", "matches": [{"template_id", "service", "template", "log_pattern"}]}.
boost::json::array RunbooksMatchingLogPatterns(const config::Config& cfg, const std::vector<logs::Pattern>& patterns);

}  // namespace firebreak::app
