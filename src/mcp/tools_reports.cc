// Report tools (app::Reports, docs/REPORTS.md): post a status update, read the live response plan
// and the post-incident report, and MTTx metrics. The documents are the ones the HTTP API serves
// (GET /api/v1/incidents/{id}/response-plan, /postmortem, /api/v1/metrics/mttx; POST
// .../status-updates), already passed through the one redactor for their audience.
#include <algorithm>

#include "mcp/tools_common.h"

#include "report/redact.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

namespace {
json::object SchemaId(std::string id) { return Enum("Document schema", {std::move(id)}); }
}  // namespace

void AddReportTools(Registry& r) {
  r.Add(Tool{
      .name = "post_status_update",
      .title = "Post a status update",
      .description =
          "Posts a status update for an incident, generated from its record (phase, impact, "
          "services, what is being done, next update time): `internal` for responders and "
          "stakeholders, `external` (redacted: no hosts, people or internal names) for the public "
          "status page. Recorded on the timeline as a status_update entry and restarts the update "
          "cadence timer.",
      .input_schema =
          Object({{"incident_id", IncidentIdArg()},
                  {"audience", Enum("Who it is for (default internal)", {"internal", "external"})}},
                 {"incident_id"}),
      .output_schema = OpenResult({{"schema", SchemaId("firebreak.status_update.v1")},
                                   {"text", Str("The update as posted")}}),
      .annotations = {false, false, false, true},
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto audience,
                            report::ParseAudience(StrArg(args, "audience", "internal")));
        auto p = ctx.principal();
        auto& reports = ctx.app().reports();
        std::string id = StrArg(args, "incident_id");
        FB_ASSIGN_OR_RETURN(auto doc, app::Wait<json::object>([&](auto cb) {
                              reports.PostStatusUpdate(p, id, audience, std::move(cb));
                            }));
        ctx.Log(LogLevel::kInfo, json::value(id + ": " +
                                             std::string(report::AudienceName(audience)) +
                                             " status update posted"));
        return Structured(std::move(doc));
      },
  });

  r.Add(Tool{
      .name = "get_status_update",
      .title = "Draft a status update",
      .description =
          "The status update of an incident as it would be posted now, generated from its record "
          "(phase, impact, services, current action, next step, escalation, next update time): "
          "`internal` for responders, `external` (redacted: no hosts, people or internal names) "
          "for customers. Reads only; post_status_update posts it.",
      .input_schema =
          Object({{"incident_id", IncidentIdArg()},
                  {"audience", Enum("Who it is for (default internal)", {"internal", "external"})}},
                 {"incident_id"}),
      .output_schema = OpenResult({{"schema", SchemaId("firebreak.status_update.v1")},
                                   {"text", Str("The update text")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto audience,
                            report::ParseAudience(StrArg(args, "audience", "internal")));
        FB_ASSIGN_OR_RETURN(auto doc, ctx.app().reports().StatusUpdate(
                                          ctx.principal(), StrArg(args, "incident_id"), audience));
        return Structured(std::move(doc));
      },
  });

  r.Add(Tool{
      .name = "get_response_plan",
      .title = "Live response plan",
      .description =
          "The live response plan of an incident: where it stands in the response phases, roles "
          "and who is missing, SLA clocks, next escalation and status update, a checklist "
          "(including the best-matching runbooks), and drafts of the internal and external "
          "status updates as they would be posted now.",
      .input_schema = Object({{"incident_id", IncidentIdArg()}}, {"incident_id"}),
      .output_schema = OpenResult({{"schema", SchemaId("firebreak.response_plan.v1")},
                                   {"drafts", OpenResult({{"internal_text", Str("Internal update")},
                                                          {"external_text", Str("External update")}})}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto doc, ctx.app().reports().ResponsePlan(
                                          ctx.principal(), StrArg(args, "incident_id")));
        return Structured(std::move(doc));
      },
  });

  r.Add(Tool{
      .name = "find_similar_incidents",
      .title = "Similar past incidents",
      .description =
          "Past incidents like this one (shared services, alert names, title words), best first: "
          "what they share, how each ended (state, time to resolve, root cause, resolution note) "
          "and the runbook runs made for it. Start here to learn what fixed it last time.",
      .input_schema = Object({{"incident_id", IncidentIdArg()}, {"limit", Int("At most this many (default 5)", 1, 50)}},
                             {"incident_id"}),
      .output_schema = OpenResult({{"incident", Str("Incident id")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        int64_t limit = 5;
        if (const auto* l = args.if_contains("limit"); l && l->is_int64()) limit = l->get_int64();
        FB_ASSIGN_OR_RETURN(auto doc, ctx.app().reports().Similar(ctx.principal(), StrArg(args, "incident_id"),
                                                                  static_cast<int>(std::clamp<int64_t>(limit, 0, 51))));
        return Structured(std::move(doc));
      },
  });

  r.Add(Tool{
      .name = "generate_postmortem",
      .title = "Post-incident report",
      .description =
          "The post-incident report of an incident as JSON: summary, impact, milestones and MTTx, "
          "timeline, root cause and contributing factors, what went well or badly, action items, "
          "and which sections are still empty (fill them in the console or HTTP API).",
      .input_schema = Object({{"incident_id", IncidentIdArg()}}, {"incident_id"}),
      .output_schema = OpenResult({{"schema", SchemaId("firebreak.postmortem.v1")},
                                   {"summary", OpenResult({{"id", Str("Incident id")},
                                                           {"title", Str("Title")}})}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto doc, ctx.app().reports().Postmortem(
                                          ctx.principal(), StrArg(args, "incident_id")));
        return Structured(std::move(doc));
      },
  });

  r.Add(Tool{
      .name = "get_mttx_metrics",
      .title = "MTTx metrics",
      .description =
          "Mean (and percentile) time to detect, acknowledge, identify and resolve, grouped by "
          "service, team, severity or period, over a window (default all incidents), with SLA "
          "breaches.",
      .input_schema = Object(
          {{"by", Enum("Grouping (default service)",
                       {"service", "team", "severity", "day", "week", "month", "none"})},
           {"since", Str("Window back from now, e.g. 30d", 20)},
           {"from", Str("RFC 3339: incidents detected at or after", 64)},
           {"until", Str("RFC 3339: incidents detected before", 64)},
           {"severity", SeverityArg("Only this severity")},
           {"service", Str("Only incidents affecting this service", 100)}}),
      .output_schema = OpenResult({{"schema", SchemaId("firebreak.mttx.v1")},
                                   {"incidents", Int("Incidents counted", 0, INT64_MAX)},
                                   {"groups", Array("One row per group", json::object{{"type", "object"}})}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto doc, AsObject(ctx.app().reports().GetMttxMetricsTool(
                                          ctx.principal(), json::value(args))));
        return Structured(std::move(doc));
      },
  });
}

}  // namespace firebreak::mcp
