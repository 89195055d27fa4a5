// System-wide tools: get_system_status, list_services, get_blast_radius, get_audit_log.
#include "core/strings.h"
#include "core/time.h"
#include "mcp/tools_common.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

void AddSystemTools(Registry& r) {
  r.Add(Tool{
      .name = "get_system_status",
      .title = "System status",
      .description =
          "The quick status: the system defense level (GREEN..BLACK, the worst of the open "
          "incidents' levels, utilization and on-call coverage, as get_defense_level counts them) "
          "with the reasons, open incidents by severity, and the worst open incidents. Start here.",
      .input_schema = Object({}),
      .output_schema = Object(
          {{"defense_level", Enum("GREEN, YELLOW, ORANGE, RED or BLACK",
                                  {"GREEN", "YELLOW", "ORANGE", "RED", "BLACK"})},
           {"reasons", Array("Why the level is what it is", json::object{{"type", "string"}})},
           {"open_incidents", Object({{"SEV0", Int("", 0, INT64_MAX)},
                                      {"SEV1", Int("", 0, INT64_MAX)},
                                      {"SEV2", Int("", 0, INT64_MAX)},
                                      {"SEV3", Int("", 0, INT64_MAX)},
                                      {"SEV4", Int("", 0, INT64_MAX)},
                                      {"total", Int("", 0, INT64_MAX)}},
                                     {"total"})},
           {"worst_open", Array("Up to 5 open incidents, worst first", IncidentSummarySchema())},
           {"generated_at", Str("RFC 3339 UTC")}},
          {"defense_level", "reasons", "open_incidents", "worst_open", "generated_at"}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object&) -> Result<ToolResult> {
        ctx.Progress(0, 2, "reading open incidents");
        FB_ASSIGN_OR_RETURN(auto st, ctx.app().GetSystemStatus(ctx.principal()));
        ctx.Progress(1, 2, "summarizing");
        json::object open{{"total", st.open_total}};
        for (const auto& [sev, n] : st.open_by_severity) open[model::SeverityName(sev)] = n;
        json::array reasons;
        for (const auto& s : st.reasons) reasons.emplace_back(s);
        json::array worst;
        for (const auto& i : st.worst_open) worst.push_back(IncidentSummary(i));
        json::object out{{"defense_level", model::DefenseLevelName(st.defense_level)},
                         {"reasons", std::move(reasons)},
                         {"open_incidents", std::move(open)},
                         {"worst_open", std::move(worst)},
                         {"generated_at", core::FormatRfc3339(st.at)}};
        ctx.Progress(2, 2, "done");
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "list_services",
      .title = "List services",
      .description = "Lists the services in the catalog with owner team, tier (0 most critical), "
                     "whether they face "
                     "customers, and what they depend on. Filter by team; page with `cursor`.",
      .input_schema = Object({{"team", Str("Only services of this team id", 100)},
                              {"limit", Int("Page size (default 100)", 1, 200)},
                              {"cursor", Str("next_cursor of the previous page", 40)}}),
      .output_schema = Object(
          {{"services",
            Array("Catalog order",
                  Object({{"id", Str("Service id")},
                          {"name", Str("Display name")},
                          {"team", Str("Owning team id")},
                          {"tier", Int("0 (most critical) .. 4", 0, 4)},
                          {"customer_facing", Bool("Serves customers directly")},
                          {"depends_on",
                           Array("Services it calls", Object({{"service", Str("Service id")},
                                                              {"kind", Enum("", {"hard", "soft"})}},
                                                             {"service", "kind"}))}},
                         {"id", "name", "tier", "customer_facing", "depends_on"}, true))},
           {"next_cursor", Str("Pass as `cursor` for the next page")}},
          {"services"}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        auto cfg = ctx.app().config();
        std::string team = StrArg(args, "team");
        size_t limit = static_cast<size_t>(IntArg(args, "limit", 100));
        size_t offset = 0;
        if (auto c = StrArg(args, "cursor"); !c.empty()) {
          auto n = c.rfind("offset:", 0) == 0 ? c.substr(7) : std::string();
          if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos)
            return InvalidArgument("invalid cursor (pass next_cursor unchanged)", "cursor");
          offset = std::stoul(n);
        }
        json::array arr;
        size_t seen = 0;
        bool more = false;
        for (const auto& s : cfg->services) {
          if (!team.empty() && s.team != team) continue;
          if (seen++ < offset) continue;
          if (arr.size() == limit) {
            more = true;
            break;
          }
          json::array deps;
          for (const auto& d : s.dependencies)
            deps.push_back(
                json::object{{"service", d.service},
                             {"kind", d.kind == model::DependencyKind::kHard ? "hard" : "soft"}});
          arr.push_back(json::object{{"id", s.id},
                                     {"name", s.name.empty() ? s.id : s.name},
                                     {"team", s.team},
                                     {"tier", s.tier},
                                     {"customer_facing", s.customer_facing},
                                     {"depends_on", std::move(deps)}});
        }
        json::object out{{"services", std::move(arr)}};
        if (more) out["next_cursor"] = "offset:" + std::to_string(offset + limit);
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_blast_radius",
      .title = "Blast radius",
      .description =
          "What else breaks if these services fail: every service that depends on them "
          "(transitively, "
          "from the dependency graph) and which of all those face customers. Give `services` or an "
          "`incident_id` (its affected services).",
      .input_schema = Object({{"services", StrArray("Failed service ids", 50, 100)},
                              {"incident_id", Str("Use this incident's affected services", 64)}}),
      .output_schema = Object(
          {{"services", Array("The failed services", json::object{{"type", "string"}})},
           {"dependents", Array("Services that depend on them", json::object{{"type", "string"}})},
           {"customer_facing",
            Array("Customer-facing services among both", json::object{{"type", "string"}})}},
          {"services", "dependents", "customer_facing"}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        auto services = StrListArg(args, "services");
        std::string incident = StrArg(args, "incident_id");
        if (services.empty() == incident.empty())
          return InvalidArgument("give either services or incident_id",
                                 services.empty() ? "services" : "incident_id");
        if (!incident.empty()) {
          FB_ASSIGN_OR_RETURN(auto inc, ctx.app().GetIncident(ctx.principal(), incident));
          services = inc.services;
        }
        FB_ASSIGN_OR_RETURN(auto b, ctx.app().ComputeBlastRadius(ctx.principal(), services));
        auto arr = [](const std::vector<std::string>& v) {
          json::array a;
          for (const auto& s : v) a.emplace_back(s);
          return a;
        };
        return Structured(json::object{{"services", arr(b.services)},
                                       {"dependents", arr(b.dependents)},
                                       {"customer_facing", arr(b.customer_facing)}});
      },
  });

  r.Add(Tool{
      .name = "get_audit_log",
      .title = "Read the audit log",
      .description =
          "Reads the tamper-evident audit log, oldest first: who did what to which object, agents "
          "included. Filter by actor (e.g. agent:claude), action prefix (e.g. incident.) or target "
          "(e.g. incident:INC-3); page with `after` (the previous next_after).",
      .input_schema =
          Object({{"actor", Str("Exact actor, e.g. person:alice or agent:claude", 200)},
                  {"action", Str("Action prefix, e.g. incident. or mcp.", 100)},
                  {"target", Str("Exact target, e.g. incident:INC-3", 200)},
                  {"after", Int("Only entries with a larger seq (default 0)", 0, INT64_MAX)},
                  {"limit", Int("Page size (default 50)", 1, 200)}}),
      .output_schema =
          Object({{"entries", Array("Oldest first", AuditEntrySchema())},
                  {"next_after", Int("Pass as `after` for the next page", 0, INT64_MAX)}},
                 {"entries"}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        std::map<std::string, std::string> q;
        for (const char* k : {"actor", "action", "target"})
          if (auto v = StrArg(args, k); !v.empty()) q[k] = v;
        int64_t limit = IntArg(args, "limit", 50);
        q["limit"] = std::to_string(limit);
        q["after"] = std::to_string(IntArg(args, "after", 0));
        FB_ASSIGN_OR_RETURN(auto f, app::DecodeAuditFilter(q));
        FB_ASSIGN_OR_RETURN(auto list, ctx.app().Audit(ctx.principal(), f));
        json::array arr;
        for (const auto& e : list) {
          auto o = model::ToJson(e);
          o.erase("prev_hash");
          arr.push_back(std::move(o));
        }
        json::object out{{"entries", std::move(arr)}};
        if (static_cast<int64_t>(list.size()) == limit && !list.empty())
          out["next_after"] = list.back().seq;
        return Structured(std::move(out));
      },
  });
}

}  // namespace firebreak::mcp
