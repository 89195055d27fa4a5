// Investigation tools: the automated-investigation calls of app::Analysis, registered from the
// app's own table (app::AnalysisTools(): name, description, argument schema), so the tool and the
// app agree on one declaration. This file adds what MCP needs on top: a title, the output schema
// (the top-level keys of app/analysis_tools.cc's encoders) and the bound on list sizes. All are
// read-only; get_metric_anomalies and get_resource_trends may query Prometheus, which is fine on
// the dispatcher's worker threads.
#include "mcp/tools_common.h"

#include "app/analysis.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

namespace {

struct Extra {
  const char* title;
  std::vector<std::pair<std::string, json::object>> result;
  const char* list;  // the result's list to bound ("" = none)
};

json::object Objects(std::string d) { return Array(std::move(d), json::object{{"type", "object"}}); }
json::object Strings(std::string d) { return Array(std::move(d), json::object{{"type", "string"}}); }

// Per tool of app::AnalysisTools(). A tool the app adds without a row here is still registered,
// with an output schema that only promises an object (mcp_test checks every tool has a row).
const std::map<std::string, Extra>& Extras() {
  static const std::map<std::string, Extra> kExtras = {
      {"get_root_cause_hypotheses",
       {"Root-cause hypotheses",
        {{"id", Int("Analysis id", 0, INT64_MAX)},
         {"incident_id", Str("Incident id")},
         {"result", OpenResult({{"hypotheses", Objects("Ranked, most likely first")}})}},
        ""}},
      {"get_metric_anomalies",
       {"Metric anomalies",
        {{"from", Str("RFC 3339")},
         {"to", Str("RFC 3339")},
         {"anomalies", Objects("Deviations from the baseline, strongest first")},
         {"change_points", Objects("Change points of the streaming detector")},
         {"missing", Strings("Data that was not available")}},
        "anomalies"}},
      {"get_recent_changes",
       {"Recent changes",
        {{"ranked", Bool("Whether the changes are ranked against an incident")},
         {"changes", Objects("Newest first, or best-ranked first")}},
        "changes"}},
      {"get_error_patterns",
       {"Error log patterns",
        {{"patterns", Objects("Error templates in the window, new or surging first (count, baseline, first seen)")},
         {"missing", Strings("Data that was not available")}},
        "patterns"}},
      {"get_resource_trends",
       {"Resource exhaustion trends",
        {{"horizon_seconds", Int("The horizon", 0, INT64_MAX)},
         {"trends", Objects("Resources forecast to run out within the horizon, soonest first")},
         {"missing", Strings("Data that was not available")}},
        "trends"}},
  };
  return kExtras;
}

constexpr size_t kMaxItems = 200;

}  // namespace

void AddInvestigationTools(Registry& r) {
  for (const auto& t : app::AnalysisTools()) {
    auto it = Extras().find(t.name);
    const Extra* extra = it == Extras().end() ? nullptr : &it->second;
    auto result = extra ? extra->result : std::vector<std::pair<std::string, json::object>>{};
    std::string list = extra ? extra->list : "";
    if (!list.empty())
      result.push_back({"truncated", Bool("Whether more than " + std::to_string(kMaxItems) +
                                          " items were found and only the first are shown")});
    std::string name = t.name;
    r.Add(Tool{
        .name = t.name,
        .title = extra ? extra->title : t.name,
        .description = t.description,
        .input_schema = t.input_schema,
        .output_schema = OpenResult(std::move(result)),
        .annotations = {},
        .scope = model::kScopeRead,
        .run = [name, list](Context& ctx, const json::object& args) -> Result<ToolResult> {
          FB_ASSIGN_OR_RETURN(auto out, app::CallAnalysisTool(ctx.app().analysis(),
                                                              ctx.principal(), name,
                                                              json::value(args)));
          if (!list.empty()) Bound(out, list, kMaxItems);
          return Structured(std::move(out));
        },
    });
  }
}

}  // namespace firebreak::mcp
