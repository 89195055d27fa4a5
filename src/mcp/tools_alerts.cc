// Alert tools (app/alert_tools.h): alerts, an incident's alerts with their join reasons, and
// silences. Change events are covered by get_recent_changes (tools_investigation.cc), which ranks
// them against an incident. Silencing hides alerts from paging, so create_silence is MEDIUM risk
// (within the default agent tier, a proposal under a LOW one); expiring one only restores paging.
#include "mcp/tools_common.h"

#include "app/alert_requests.h"
#include "app/alert_tools.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

namespace {

json::object Objects(std::string d) { return Array(std::move(d), json::object{{"type", "object"}}); }

json::object SilenceSchema() {
  return OpenResult({{"id", Str("Silence id, e.g. SIL-3")},
                     {"matchers", Array("Label matchers (all must match)",
                                         OpenResult({{"name", Str("Label")},
                                                     {"op", Str("=, !=, =~ or !~")},
                                                     {"value", Str("Value or regex")}}))},
                     {"state", Enum("State now", {"active", "pending", "expired"})}});
}

// Drops the MCP-only `limit` from the arguments the app call decodes.
json::value Without(const json::object& args, std::string_view key) {
  json::object a = args;
  a.erase(key);
  return a;
}

constexpr int64_t kDefaultLimit = 100;

}  // namespace

void AddAlertTools(Registry& r) {
  r.Add(Tool{
      .name = "list_alerts",
      .title = "List alerts",
      .description =
          "Lists alerts, newest first: firing, acknowledged or resolved, for a service or an "
          "incident. Page with `before` (the previous result's next_before).",
      .input_schema = Object(
          {{"status", Enum("Which alerts (default all)",
                           {"firing", "acknowledged", "resolved", "open"})},
           {"service", Str("Only alerts of this service", 100)},
           {"incident", Str("Only alerts grouped into this incident", 64)},
           {"limit", Int("Page size (default 100)", 1, 200)},
           {"before", Int("Only alerts with a smaller id (next_before)", 1, INT64_MAX)}}),
      .output_schema = Object({{"alerts", Objects("Newest first")},
                               {"next_before", Int("Pass as `before` for the next page; absent "
                                                   "on the last page",
                                                   1, INT64_MAX)}},
                              {"alerts"}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        json::object a = args;
        if (!a.contains("limit")) a["limit"] = kDefaultLimit;
        FB_ASSIGN_OR_RETURN(auto out, app::ListAlertsJson(ctx.app(), ctx.principal(), a));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_incident_alerts",
      .title = "An incident's alerts",
      .description =
          "The alerts grouped into an incident, oldest first, each with why it joined (same "
          "service, dependency, grouping rule) — the evidence of what fired.",
      .input_schema = Object({{"incident_id", IncidentIdArg()},
                              {"limit", Int("At most this many (default 100)", 1, 500)}},
                             {"incident_id"}),
      .output_schema = OpenResult({{"incident_id", Str("Incident id")},
                                   {"alerts", Objects("Oldest first, with join_kind and join_reason")},
                                   {"truncated", Bool("Whether more alerts exist than shown")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto out, app::IncidentAlertsJson(ctx.app(), ctx.principal(),
                                                              Without(args, "limit")));
        Bound(out, "alerts", static_cast<size_t>(IntArg(args, "limit", kDefaultLimit)));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "list_silences",
      .title = "List silences",
      .description = "Lists silences (active and pending by default) with their matchers, window, "
                     "author and comment.",
      .input_schema =
          Object({{"state", Enum("Which silences (default active and pending)",
                                 {"active", "pending", "expired", "all"})},
                  {"limit", Int("At most this many (default 100)", 1, 500)}}),
      .output_schema = OpenResult({{"silences", Array("Silences", SilenceSchema())},
                                   {"truncated", Bool("Whether more silences exist than shown")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto out, app::ListSilencesJson(ctx.app(), ctx.principal(),
                                                            Without(args, "limit")));
        Bound(out, "silences", static_cast<size_t>(IntArg(args, "limit", kDefaultLimit)));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "list_heartbeats",
      .title = "List heartbeats",
      .description = "Lists the configured heartbeats (dead man's switches: a Prometheus Watchdog, a "
                     "cron job) with their state: waiting (never pinged), up (and when it is due) or "
                     "missed (since when, and the incident that opened). A missed heartbeat means the "
                     "sender, often the monitoring itself, may be down.",
      .input_schema = Object({}),
      .output_schema = OpenResult(
          {{"heartbeats",
            Array("Heartbeats", OpenResult({{"id", Str("Heartbeat id")},
                                            {"service", Str("Service its missed alert belongs to")},
                                            {"state", Enum("State now", {"waiting", "up", "missed"})},
                                            {"last_ping", Nullable(Str("Last ping, RFC 3339"))},
                                            {"due", Nullable(Str("When it is missed without a ping"))},
                                            {"incident_id", Nullable(Str("Incident of the missed alert"))}}))}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object&) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto list, ctx.app().ListHeartbeats(ctx.principal()));
        json::array arr;
        for (const auto& h : list) arr.push_back(app::HeartbeatJson(h));
        return Structured(json::object{{"heartbeats", std::move(arr)}});
      },
  });

  r.Add(Tool{
      .name = "list_maintenance_windows",
      .title = "List maintenance windows",
      .description = "Lists the configured maintenance windows (recurring silences, e.g. a nightly batch "
                     "or a weekly database upgrade): whether each mutes its alerts now and until when, "
                     "the silence it started, and its next stretch. Alerts muted by one are recorded "
                     "but open no incident until the stretch ends.",
      .input_schema = Object({}),
      .output_schema = OpenResult(
          {{"windows",
            Array("Maintenance windows",
                  OpenResult({{"name", Str("Window name")},
                              {"matchers", Array("Label matchers an alert must all match", Str("Matcher"))},
                              {"in_window", Bool("Whether it mutes now")},
                              {"ends_at", Nullable(Str("End of the current stretch, RFC 3339"))},
                              {"silence_id", Nullable(Str("The silence of the current stretch"))},
                              {"next_start", Nullable(Str("Start of the next stretch"))},
                              {"next_end", Nullable(Str("End of the next stretch"))}}))}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object&) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto list, ctx.app().ListMaintenanceWindows(ctx.principal()));
        json::array arr;
        for (const auto& m : list) arr.push_back(app::MaintenanceJson(m));
        return Structured(json::object{{"windows", std::move(arr)}});
      },
  });

  r.Add(Tool{
      .name = "create_silence",
      .title = "Silence alerts",
      .description =
          "Silences alerts matching label matchers for a while (e.g. during planned work or a "
          "known flapping check): matching alerts are recorded but page nobody. Give a duration "
          "or ends_at, and a comment saying why.",
      .input_schema = Object(
          {{"matchers", StrArray("Label matchers: name=value, name!=value, name=~regex, "
                                 "name!~regex (all must match)",
                                 20, 500)},
           {"duration", Str("How long, e.g. 2h", 20)},
           {"starts_at", Str("RFC 3339 (default now)", 64)},
           {"ends_at", Str("RFC 3339 (instead of duration)", 64)},
           {"comment", Str("Why", 2000, 1)}},
          {"matchers", "comment"}),
      .output_schema = SilenceSchema(),
      .annotations = {false, false, false, false},
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        auto p = ctx.principal();
        auto& a = ctx.app();
        json::value body = args;
        FB_ASSIGN_OR_RETURN(auto out, app::Wait<json::object>([&](auto cb) {
                              app::CreateSilenceJson(a, p, body, std::move(cb));
                            }));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "expire_silence",
      .title = "Expire a silence",
      .description = "Ends a silence now: matching alerts page again.",
      .input_schema = Object({{"id", Str("Silence id, e.g. SIL-3", 64, 1)}}, {"id"}),
      .output_schema = SilenceSchema(),
      .annotations = {false, true, true, false},
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        auto p = ctx.principal();
        auto& a = ctx.app();
        json::value body = args;
        FB_ASSIGN_OR_RETURN(auto out, app::Wait<json::object>([&](auto cb) {
                              app::ExpireSilenceJson(a, p, body, std::move(cb));
                            }));
        return Structured(std::move(out));
      },
  });
}

}  // namespace firebreak::mcp
