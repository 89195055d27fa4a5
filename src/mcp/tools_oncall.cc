// On-call tools (issue 4's paging module): who is on call, the roster over the coming days, the
// people directory and one person's on-call picture, an incident's escalation state, and schedule
// overrides (list, create, delete). They wrap App::OnCall / Roster / Handoffs / People / Person / GetEscalation /
// *Override with the same argument decoders the HTTP API uses.
#include "mcp/tools_common.h"

#include "app/paging_requests.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

namespace {
// A result's property, described for the agent (its shape is the HTTP API's).
json::object D(std::string description) { return Describe(json::object{}, std::move(description)); }
}  // namespace

void AddOncallTools(Registry& r) {
  r.Add(Tool{
      .name = "get_oncall",
      .title = "Who is on call",
      .description =
          "Who is on call now or at `at`: for a `schedule`, for a `service` (whom its escalation "
          "policy pages, tier by tier, for `severity`; `waits_until` is set when that severity is "
          "low urgency and would wait for the policy's support hours; each person's `reach` says how "
          "a page would reach them: contact types and delays, from their notification rules), or for "
          "every schedule when neither is given.",
      .input_schema = Object({{"schedule", Str("Schedule id", 100)},
                              {"service", Str("Service id", 100)},
                              {"severity", SeverityArg("With service: the severity (default SEV1)")},
                              {"at", Str("RFC 3339 time (default now)", 64)}}),
      .output_schema = OpenResult({}),
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
      .output_schema = OpenResult({{"from", D("RFC 3339 start of the range")},
                                   {"to", D("RFC 3339 end of the range")},
                                   {"team", D("The team asked for: id, name, lead, members (null: none)")},
                                   {"schedules", D("Per schedule: shifts, gaps, coverage, members")},
                                   {"people", D("Per person, most on call first: on_call_seconds, shifts, "
                                                "schedules, in_team")}}),
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
      .name = "list_handoffs",
      .title = "Shift handoffs",
      .description =
          "The coming on-call handoffs of every schedule (or one `schedule`) over the next `days` "
          "(default 7) or a range: when each schedule passes from whom to whom (null: nobody, a "
          "gap), until when, and when both people are told (`notice_at`, null when handoff notices "
          "are off); plus `notices`, the handoff notices already queued or sent with their delivery "
          "state (events shift_start and shift_end, and shift_changed: the correction sent when a "
          "handoff already told was called off by an override or a reload).",
      .input_schema = Object({{"schedule", Str("Schedule id", 100)},
                              {"from", Str("RFC 3339 start (default now)", 64)},
                              {"to", Str("RFC 3339 end", 64)},
                              {"days", Int("Days from `from` (default 7)", 1, 93)}}),
      .output_schema = OpenResult(
          {{"from", D("RFC 3339 start of the range")},
           {"to", D("RFC 3339 end of the range")},
           {"notice", D("How long before a handoff both people are told, e.g. 1h (null: notices are off)")},
           {"handoffs", D("The coming handoffs, earliest first: schedule, schedule_name, at, from, "
                          "to (null: a gap), until, override, notice_at")},
           {"notices", D("Handoff notices queued or sent, newest first (at most 50): event, person, "
                         "channel, state, attempts, last_error, schedule, at")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto q, app::DecodeHandoffsArgs(json::value(args)));
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().Handoffs(ctx.principal(), q));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "list_people",
      .title = "People",
      .description = "The people who can be paged (optionally one `team`'s lead and members): name, "
                     "title, teams, the schedules they rotate on, where they are on call now, and "
                     "their contact method types. Use the ids to assign roles, page or override.",
      .input_schema = Object({{"team", Str("Team id", 100)}}),
      .output_schema = OpenResult({{"at", D("RFC 3339 time the on-call state is read at")},
                                   {"people", D("Each person: id, name, title, email, timezone, teams, "
                                                "leads, schedules, on_call, contact_methods, "
                                                "notification_rules, handoff_notices")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto q, app::DecodePeopleArgs(json::value(args)));
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().People(ctx.principal(), q));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_person",
      .title = "A person's on-call picture",
      .description = "One person (`me`: the caller's own): their shifts across every schedule over the "
                     "next `days` (default 7) or a range, each escalation policy tier that can page "
                     "them and through what, the open incidents where they hold a role, incidents "
                     "whose pages to them are unacknowledged, and current overrides for or instead of "
                     "them.",
      .input_schema = Object({{"person", Str("Person id, or me", 128, 1)},
                              {"from", Str("RFC 3339 start (default now)", 64)},
                              {"to", Str("RFC 3339 end", 64)},
                              {"days", Int("Days from `from` (default 7)", 1, 93)}},
                             {"person"}),
      .output_schema = OpenResult(
          {{"id", D("Person id")},
           {"name", D("Display name")},
           {"shifts", D("Their shifts across schedules in the range")},
           {"escalation", D("Each policy tier that can page them, and through what")},
           {"incidents", D("Open incidents where they hold a role")},
           {"pending_pages", D("Incidents whose pages to them are unacknowledged")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto q, app::DecodePersonArgs(json::value(args)));
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().Person(ctx.principal(), q));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_escalation",
      .title = "An incident's escalation",
      .description = "An incident's escalation: the policy snapshot, status, the next step and "
                     "when it is due, and who was paged when (null when no policy applied).",
      .input_schema = Object({{"id", IncidentIdArg()}}, {"id"}),
      .output_schema = OpenResult({{"escalation", D("Policy snapshot, status, next step and when due, "
                                                    "pages sent; null when no policy applied")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().GetEscalation(ctx.principal(), StrArg(args, "id")));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "list_notifications",
      .title = "An incident's notifications",
      .description = "Every message of an incident, oldest first: pages to people (each contact method) "
                     "and notices to channels, with the delivery state (pending, delivered, dead, "
                     "cancelled; `planned` with `planned_for` when a person's notification rule sends it "
                     "later unless the incident is acknowledged first), attempts, last error and receipt.",
      .input_schema = Object({{"id", IncidentIdArg()}}, {"id"}),
      .output_schema = OpenResult({{"incident_id", D("Incident id")},
                                   {"notifications", D("Each message, oldest first: kind, event, person, channel, "
                                                       "state, planned, planned_for, attempts, last_error, receipt")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().ListNotifications(ctx.principal(), StrArg(args, "id")));
        return Structured(std::move(out));
      },
  });

  // ---- schedule overrides made at run time ----
  r.Add(Tool{
      .name = "list_schedule_overrides",
      .title = "Schedule overrides",
      .description = "Overrides made at run time (someone else takes a shift): current and upcoming "
                     "ones, or all (`state`: all) including ended and cancelled, optionally for one "
                     "`schedule`. Each says whether it applies under the running configuration.",
      .input_schema = Object({{"schedule", Str("Schedule id", 100)},
                              {"state", Enum("current (default) or all", {"current", "all"})}}),
      .output_schema = OpenResult({{"overrides", D("Each override: id, schedule, person, replaces, start, "
                                                   "end, reason, state, applied (and problem when it does "
                                                   "not apply)")}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto q, app::DecodeOverrideArgs(json::value(args)));
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().ListOverrides(ctx.principal(), q));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "create_schedule_override",
      .title = "Override a schedule",
      .description = "Puts `person` on call in `schedule` from `start` (default now) until `end` or for "
                     "`duration` (e.g. 8h; at most 93 days), optionally only while `replaces` would be "
                     "on call. Pages from then on go to them. The start may not be in the past.",
      .input_schema = Object({{"schedule", Str("Schedule id", 128, 1)},
                              {"person", Str("Person id who takes the shift", 128, 1)},
                              {"replaces", Str("Person id replaced (only while they are on call)", 128)},
                              {"start", Str("RFC 3339 start (default now)", 64)},
                              {"end", Str("RFC 3339 end", 64)},
                              {"duration", Str("Length instead of end, e.g. 8h", 32)},
                              {"reason", Str("Why", 1000)}},
                             {"schedule", "person"}),
      .output_schema = OpenResult({{"id", D("Override id (OVR-n)")},
                                   {"schedule", D("Schedule id")},
                                   {"person", D("Who takes the shift")},
                                   {"start", D("RFC 3339 start")},
                                   {"end", D("RFC 3339 end")},
                                   {"state", D("upcoming, active, ended or cancelled")}}),
      .annotations = Annotations{false, false, false, false},
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto req, app::DecodeOverride(json::value(args)));
        auto p = ctx.principal();
        auto& a = ctx.app();
        FB_ASSIGN_OR_RETURN(auto out, app::Wait<json::object>([&](auto cb) { a.CreateOverride(p, req, std::move(cb)); }));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "delete_schedule_override",
      .title = "Delete a schedule override",
      .description = "Cancels an upcoming schedule override, or ends one in progress now (the rotation "
                     "takes over again). Ended and cancelled ones stay as history.",
      .input_schema = Object({{"id", Str("Override id (OVR-n)", 64, 1)}}, {"id"}),
      .output_schema = OpenResult({{"id", D("Override id (OVR-n)")}, {"state", D("cancelled or ended")}}),
      .annotations = Annotations{false, true, true, false},
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        auto p = ctx.principal();
        auto& a = ctx.app();
        std::string id = StrArg(args, "id");
        FB_ASSIGN_OR_RETURN(auto out, app::Wait<json::object>([&](auto cb) { a.DeleteOverride(p, id, std::move(cb)); }));
        return Structured(std::move(out));
      },
  });
}

}  // namespace firebreak::mcp
