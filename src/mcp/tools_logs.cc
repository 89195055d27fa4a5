// Log tools (app/log_tools.h, docs/LOGS.md): mined log patterns of services and of an incident,
// the stored templates, and mining pasted lines. All read-only (mine_log_lines stores nothing).
// The app calls decode and check the arguments (naming the field); the schemas here keep list
// sizes lower than the HTTP API's so that results with exemplars stay within a tool result.
#include "mcp/tools_common.h"

#include "app/log_tools.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

namespace {

using Call = Result<json::object> (*)(const app::App&, const model::Principal&, const json::value&);

json::object Objects(std::string d) { return Array(std::move(d), json::object{{"type", "object"}}); }

json::object PatternSchema() {
  return OpenResult({{"service", Str("Service id")},
                     {"template", Str("The template: variable parts masked as <*>")}});
}

std::function<Result<ToolResult>(Context&, const json::object&)> Run(Call call) {
  return [call](Context& ctx, const json::object& args) -> Result<ToolResult> {
    FB_ASSIGN_OR_RETURN(auto out, call(ctx.app(), ctx.principal(), json::value(args)));
    return Structured(std::move(out));
  };
}

}  // namespace

void AddLogTools(Registry& r) {
  r.Add(Tool{
      .name = "get_log_patterns",
      .title = "Log patterns of services",
      .description =
          "New, surging and error log patterns of services in a window (default the last hour), "
          "with their rate, baseline, first-seen time and redacted exemplar lines, most anomalous "
          "first.",
      .input_schema = Object(
          {{"services", StrArray("Service ids", 50, 100)},
           {"since", Str("Window start as a duration ago (\"1h\") or RFC 3339", 64)},
           {"from", Str("Window start, RFC 3339 (overrides since)", 64)},
           {"to", Str("Window end, RFC 3339 (default now)", 64)},
           {"errors_only", Bool("Only error patterns")},
           {"anomalous_only", Bool("Only new or surging patterns")},
           {"limit", Int("How many (default 20)", 1, 100)}},
          {"services"}),
      .output_schema = OpenResult({{"from", Str("RFC 3339")},
                                   {"to", Str("RFC 3339")},
                                   {"patterns", Array("Most anomalous first", PatternSchema())}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = Run(app::LogPatternsJson),
  });

  r.Add(Tool{
      .name = "get_incident_log_patterns",
      .title = "Log patterns of an incident",
      .description =
          "The log patterns of an incident's services over its window (from shortly before it "
          "started), and the runbooks whose log patterns match them.",
      .input_schema = Object({{"incident_id", IncidentIdArg()},
                              {"errors_only", Bool("Only error patterns")},
                              {"limit", Int("How many (default 20)", 1, 100)}},
                             {"incident_id"}),
      .output_schema = OpenResult(
          {{"incident_id", Str("Incident id")},
           {"from", Str("RFC 3339")},
           {"to", Str("RFC 3339")},
           {"services", Array("The incident's services", json::object{{"type", "string"}})},
           {"patterns", Array("Most anomalous first", PatternSchema())},
           {"runbooks", Objects("Runbooks whose log patterns match, with the matching templates")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = Run(app::IncidentLogPatternsJson),
  });

  r.Add(Tool{
      .name = "list_log_templates",
      .title = "List mined log templates",
      .description = "The log templates mined so far, with counts and first/last seen times, for "
                     "a service or all.",
      .input_schema = Object({{"service", Str("Service id", 100)},
                              {"since", Str("Seen since: a duration ago (\"1h\") or RFC 3339", 64)},
                              {"errors_only", Bool("Only templates of error lines")},
                              {"limit", Int("How many (default 100)", 1, 500)}}),
      .output_schema = OpenResult({{"templates", Objects("Templates")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = Run(app::LogTemplatesJson),
  });

  r.Add(Tool{
      .name = "mine_log_lines",
      .title = "Mine pasted log lines",
      .description =
          "Groups pasted log lines into templates (variable parts masked), most frequent first. "
          "Stateless: stores nothing.",
      .input_schema = Object(
          {{"lines", StrArray("Log lines", 5000, 8000)},
           {"format", Str("Header format: raw (default: the whole line is the message), json, "
                          "logfmt, syslog, syslog5424, or a format string such as "
                          "\"<Date> <Time> <Level> <Component>: <Content>\"",
                          500)},
           {"limit", Int("How many templates (default 50)", 1, 500)}},
          {"lines"}),
      .output_schema = OpenResult({{"lines", Int("Lines read", 0, INT64_MAX)},
                                   {"templates_total", Int("Templates found", 0, INT64_MAX)},
                                   {"templates", Objects("Most frequent first")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = Run(app::MineLogLinesJson),
  });
}

}  // namespace firebreak::mcp
