// On-call tools (issue 4's paging module): who is on call, the roster over the coming days, and an
// incident's escalation state. Read-only; they wrap App::OnCall / Roster / GetEscalation with the
// same argument decoders the HTTP API uses.
#include "mcp/tools_common.h"

#include "app/paging_requests.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

namespace {
json::object Open(std::vector<std::string> keys) {
  std::vector<std::pair<std::string, json::object>> props;
  for (const auto& k : keys) props.push_back({k, json::object{}});
  return Object(std::move(props), keys, /*open=*/true);
}
}  // namespace

void AddOncallTools(Registry& r) {
  r.Add(Tool{
      .name = "get_oncall",
      .title = "Who is on call",
      .description =
          "Who is on call now or at `at`: for a `schedule`, for a `service` (whom its escalation "
          "policy pages, tier by tier, for `severity`), or for every schedule when neither is "
          "given.",
      .input_schema = Object({{"schedule", Str("Schedule id", 100)},
                              {"service", Str("Service id", 100)},
                              {"severity", SeverityArg("With service: the severity (default SEV1)")},
                              {"at", Str("RFC 3339 time (default now)", 64)}}),
      .output_schema = Open({}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto q, app::DecodeOncallArgs(json::value(args)));
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().OnCall(ctx.principal(), q));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_roster",
      .title = "On-call roster",
      .description =
          "The roster of a `schedule` or a `team` over the next `days` (default 7) or a range: "
          "shifts, gaps, coverage, rotation members and per-person on-call totals.",
      .input_schema = Object({{"schedule", Str("Schedule id", 100)},
                              {"team", Str("Team id", 100)},
                              {"from", Str("RFC 3339 start (default now)", 64)},
                              {"to", Str("RFC 3339 end", 64)},
                              {"days", Int("Days from `from` (default 7)", 1, 93)}}),
      .output_schema = Open({"from", "to", "schedules"}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto q, app::DecodeRosterArgs(json::value(args)));
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().Roster(ctx.principal(), q));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_escalation",
      .title = "An incident's escalation",
      .description = "An incident's escalation: the policy snapshot, status, the next step and "
                     "when it is due, and who was paged when (null when no policy applied).",
      .input_schema = Object({{"id", IncidentIdArg()}}, {"id"}),
      .output_schema = Open({"escalation"}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().GetEscalation(ctx.principal(), StrArg(args, "id")));
        return Structured(std::move(out));
      },
  });
}

}  // namespace firebreak::mcp
