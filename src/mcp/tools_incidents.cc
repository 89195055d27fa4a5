// Incident tools: read (list_incidents, get_incident, get_timeline) and write (create_incident,
// acknowledge_incident, resolve_incident, add_note, set_severity, assign_role, escalate_incident,
// merge_incidents, snooze_incident, add_responders).
// Writes decode their arguments with the same app/ decoders the HTTP API uses and run the same app
// commands; the engine checks the scope again below this layer.
#include "core/json.h"
#include "core/strings.h"
#include "mcp/tools_common.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

namespace {

// The tool's arguments without `id`, for the app decoder of the request body.
json::object Body(const json::object& args) {
  json::object b = args;
  b.erase("id");
  return b;
}

ToolResult IncidentResult(Context& ctx, const model::Incident& inc, const std::string& what) {
  ctx.Log(LogLevel::kInfo,
          json::value(inc.id + " " + what + " (" + std::string(model::StateName(inc.state)) + ", " +
                      std::string(model::SeverityName(inc.severity)) + ")"));
  return Structured(model::ToJson(inc));
}

Annotations Write(bool destructive, bool idempotent, bool open_world) {
  return Annotations{false, destructive, idempotent, open_world};
}

}  // namespace

void AddIncidentTools(Registry& r) {
  // ---- reads ----
  r.Add(Tool{
      .name = "list_incidents",
      .title = "List incidents",
      .description = "Lists incidents, newest first, as short summaries (open ones by default). "
                     "Filter by state, service or "
                     "severity; page with `cursor` (the previous result's next_cursor).",
      .input_schema = Object(
          {{"state",
            Enum("Which incidents: open (triggered, acknowledged or mitigated; the "
                 "default), any, or one state",
                 {"open", "any", "triggered", "acknowledged", "mitigated", "resolved", "closed"})},
           {"service", Str("Only incidents affecting this service id", 100)},
           {"severity", SeverityArg("Only incidents of this severity")},
           {"limit", Int("Page size (default 20)", 1, 100)},
           {"cursor", Str("next_cursor of the previous page", 40)}}),
      .output_schema = Object(
          {{"incidents", Array("Newest first", IncidentSummarySchema())},
           {"next_cursor", Str("Pass as `cursor` for the next page; absent on the last page")}},
          {"incidents"}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        std::map<std::string, std::string> q;
        std::string state = StrArg(args, "state", "open");
        if (state != "any") q["state"] = state;
        if (auto s = StrArg(args, "service"); !s.empty()) q["service"] = s;
        if (auto s = StrArg(args, "severity"); !s.empty()) q["severity"] = s;
        int64_t limit = IntArg(args, "limit", 20);
        q["limit"] = std::to_string(limit);
        if (auto c = StrArg(args, "cursor"); !c.empty()) {
          if (c.rfind("before:", 0) != 0)
            return InvalidArgument("invalid cursor (pass next_cursor unchanged)", "cursor");
          q["before"] = c.substr(7);
        }
        auto f = app::DecodeIncidentFilter(q);
        if (!f) {
          Error e = f.error();
          if (e.field == "before")
            e = Error{ErrorCode::kInvalidArgument, "invalid cursor (pass next_cursor unchanged)",
                      "cursor"};
          return Unexpected(e);
        }
        FB_ASSIGN_OR_RETURN(auto list, ctx.app().ListIncidents(ctx.principal(), *f));
        json::array arr;
        for (const auto& i : list) arr.push_back(IncidentSummary(i));
        json::object out{{"incidents", std::move(arr)}};
        if (static_cast<int64_t>(list.size()) == limit && !list.empty())
          out["next_cursor"] = "before:" + std::to_string(list.back().number);
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_incident",
      .title = "Get an incident",
      .description =
          "Returns one incident in full: state, severity, affected services, blast radius, impact, "
          "war-room roles, flags and the times of each lifecycle step.",
      .input_schema = Object({{"id", IncidentIdArg()}}, {"id"}),
      .output_schema = IncidentSchema(),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto inc, ctx.app().GetIncident(ctx.principal(), StrArg(args, "id")));
        return Structured(model::ToJson(inc));
      },
  });

  r.Add(Tool{
      .name = "get_timeline",
      .title = "Get an incident's timeline",
      .description = "Returns an incident's timeline, oldest first: declaration, acknowledgements, "
                     "notes, severity "
                     "and role changes, pages, with time and actor. Page with `after` (the "
                     "previous next_after).",
      .input_schema =
          Object({{"id", IncidentIdArg()},
                  {"after", Int("Only entries with a larger id (default 0)", 0, INT64_MAX)},
                  {"limit", Int("Page size (default 50)", 1, 200)}},
                 {"id"}),
      .output_schema = Object(
          {{"incident_id", Str("Incident id")},
           {"entries", Array("Oldest first", TimelineEntrySchema())},
           {"next_after",
            Int("Pass as `after` for the next page; absent on the last page", 0, INT64_MAX)}},
          {"incident_id", "entries"}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        std::string id = StrArg(args, "id");
        int limit = static_cast<int>(IntArg(args, "limit", 50));
        FB_ASSIGN_OR_RETURN(
            auto entries, ctx.app().Timeline(ctx.principal(), id, IntArg(args, "after", 0), limit));
        json::array arr;
        for (const auto& e : entries) arr.push_back(model::ToJson(e));
        json::object out{{"incident_id", id}, {"entries", std::move(arr)}};
        if (static_cast<int>(entries.size()) == limit && !entries.empty())
          out["next_after"] = entries.back().id;
        return Structured(std::move(out));
      },
  });

  // ---- writes ----
  r.Add(Tool{
      .name = "create_incident",
      .title = "Declare an incident",
      .description = "Declares a new incident (state triggered). The blast radius is computed from "
                     "the service "
                     "dependency graph; declaring may page the on-call of the affected services.",
      .input_schema = Object({{"title", Str("What is wrong, in one line", 300, 1)},
                              {"severity", SeverityArg("SEV0 (worst) .. SEV4")},
                              {"services", StrArray("Affected service ids", 20, 100)},
                              {"impact", Str("Customer impact summary", 2000)}},
                             {"title", "severity"}),
      .output_schema = IncidentSchema(),
      .annotations = Write(false, false, true),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto spec, app::DecodeDeclare(args));
        auto p = ctx.principal();
        auto& a = ctx.app();
        FB_ASSIGN_OR_RETURN(
            auto inc, RunCommand([&](auto cb) { a.Declare(p, std::move(spec), std::move(cb)); }));
        return IncidentResult(ctx, inc, "declared");
      },
  });

  auto transition = [&r](std::string name, std::string title, std::string description,
                         model::Transition t, Annotations ann, model::RiskTier risk,
                         const char* verb) {
    r.Add(Tool{
        .name = std::move(name),
        .title = std::move(title),
        .description = std::move(description),
        .input_schema = Object(
            {{"id", IncidentIdArg()}, {"note", Str("Recorded on the timeline", 2000)}}, {"id"}),
        .output_schema = IncidentSchema(),
        .annotations = ann,
        .scope = model::kScopeWrite,
        .risk = risk,
        .run = [t, verb](Context& ctx, const json::object& args) -> Result<ToolResult> {
          FB_ASSIGN_OR_RETURN(auto req, app::DecodeTransition(Body(args)));
          auto p = ctx.principal();
          auto& a = ctx.app();
          std::string id = StrArg(args, "id");
          FB_ASSIGN_OR_RETURN(
              auto inc, RunCommand([&](auto cb) { a.Transition(p, id, t, req, std::move(cb)); }));
          return IncidentResult(ctx, inc, verb);
        },
    });
  };
  transition("acknowledge_incident", "Acknowledge an incident",
             "Acknowledges a triggered incident: someone is on it, so escalation to the next tier "
             "stops. Fails "
             "(isError) if the incident is not triggered.",
             model::Transition::kAcknowledge, Write(false, true, false), model::RiskTier::kLow,
             "acknowledged");
  transition("resolve_incident", "Resolve an incident",
             "Resolves an open incident (the service is healthy again). Give the resolution as "
             "`note`. Fails "
             "(isError) if the incident is already resolved or closed.",
             model::Transition::kResolve, Write(true, true, false), model::RiskTier::kMedium,
             "resolved");

  r.Add(Tool{
      .name = "add_note",
      .title = "Add a note to an incident",
      .description =
          "Appends a note to an incident's timeline (findings, hypotheses, actions taken).",
      .input_schema =
          Object({{"id", IncidentIdArg()}, {"text", Str("The note", 20000, 1)}}, {"id", "text"}),
      .output_schema = IncidentSchema(),
      .annotations = Write(false, false, false),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto req, app::DecodeNote(Body(args)));
        auto p = ctx.principal();
        auto& a = ctx.app();
        std::string id = StrArg(args, "id");
        FB_ASSIGN_OR_RETURN(auto inc,
                            RunCommand([&](auto cb) { a.Note(p, id, req, std::move(cb)); }));
        return IncidentResult(ctx, inc, "noted");
      },
  });

  r.Add(Tool{
      .name = "set_severity",
      .title = "Change an incident's severity",
      .description = "Raises or lowers an open incident's severity. Lowering needs a `reason`. "
                     "Raising may page "
                     "more people.",
      .input_schema = Object({{"id", IncidentIdArg()},
                              {"severity", SeverityArg("The new severity")},
                              {"reason", Str("Why (required to lower)", 2000)}},
                             {"id", "severity"}),
      .output_schema = IncidentSchema(),
      .annotations = Write(true, true, true),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto req, app::DecodeSeverity(Body(args)));
        auto p = ctx.principal();
        auto& a = ctx.app();
        std::string id = StrArg(args, "id");
        FB_ASSIGN_OR_RETURN(
            auto inc, RunCommand([&](auto cb) { a.ChangeSeverity(p, id, req, std::move(cb)); }));
        return IncidentResult(ctx, inc, "severity set");
      },
  });

  r.Add(Tool{
      .name = "add_responders",
      .title = "Page responders now",
      .description = "Pages people, schedules (whoever is on call now) or teams (lead and members) for an "
                     "open incident now, outside its escalation tiers, with a message saying what help is "
                     "needed. Each target is one of {\"person\": id}, {\"schedule\": id}, {\"team\": id}.",
      .input_schema = Object({{"id", IncidentIdArg()},
                              {"targets", Array("Whom to page (1 to 20)",
                                                Object({{"person", Str("Person id", 100, 1)},
                                                        {"schedule", Str("Schedule id", 100, 1)},
                                                        {"team", Str("Team id", 100, 1)}},
                                                       {}))},
                              {"message", Str("What help is needed", 2000, 1)}},
                             {"id", "targets", "message"}),
      .output_schema = IncidentSchema(),
      .annotations = Write(false, false, true),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto req, app::DecodeResponders(Body(args)));
        auto p = ctx.principal();
        auto& a = ctx.app();
        std::string id = StrArg(args, "id");
        FB_ASSIGN_OR_RETURN(auto inc, RunCommand([&](auto cb) { a.AddResponders(p, id, req, std::move(cb)); }));
        return IncidentResult(ctx, inc, "responders paged");
      },
  });

  r.Add(Tool{
      .name = "list_responders",
      .title = "Requests to respond and their answers",
      .description = "Who was asked to respond to an incident (add_responders), by whom, with what "
                     "message, and each answer: pending, accepted, declined (with a note) or superseded "
                     "(asked again). `pending` counts the unanswered ones.",
      .input_schema = Object({{"id", IncidentIdArg()}}, {"id"}),
      .output_schema = OpenResult({{"incident_id", Str("Incident id")},
                                   {"responders", json::object{{"type", "array"}}},
                                   {"pending", json::object{{"type", "integer"}}}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto out, ctx.app().Responders(ctx.principal(), StrArg(args, "id")));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "answer_responder_request",
      .title = "Accept or decline a request to respond",
      .description = "Answers the latest request to respond to an incident made to `person` (default "
                     "me: the token's person; another person's answer needs the admin scope): "
                     "`response` accept (they are joining) or decline, with a `note`. The person who "
                     "asked is told. Fails (isError) if they were not asked or already answered.",
      .input_schema = Object({{"id", IncidentIdArg()},
                              {"response", Enum("accept or decline", {"accept", "decline"})},
                              {"person", Str("Whose answer: a person id or me (default)", 100, 1)},
                              {"note", Str("Why, or what they will do", 2000)}},
                             {"id", "response"}),
      .output_schema = IncidentSchema(),
      .annotations = Write(false, false, true),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        json::object body = Body(args);
        body.erase("person");
        FB_ASSIGN_OR_RETURN(auto req, app::DecodeResponderAnswer(body));
        auto p = ctx.principal();
        auto& a = ctx.app();
        std::string id = StrArg(args, "id");
        std::string person = StrArg(args, "person");
        if (person.empty()) person = "me";
        FB_ASSIGN_OR_RETURN(auto inc,
                            RunCommand([&](auto cb) { a.AnswerResponder(p, id, person, req, std::move(cb)); }));
        return IncidentResult(ctx, inc, req.accept ? "responder accepted" : "responder declined");
      },
  });

  r.Add(Tool{
      .name = "snooze_incident",
      .title = "Snooze an acknowledged incident",
      .description = "Keeps an acknowledged incident quiet for `duration` (e.g. 30m, 2h; 1m..7d): "
                     "after it, unless mitigated or resolved meanwhile, the incident is unacknowledged "
                     "and escalation starts over from tier 1. Fails (isError) unless acknowledged.",
      .input_schema = Object({{"id", IncidentIdArg()},
                              {"duration", Str("How long, e.g. 30m or 2h", 16, 2)},
                              {"note", Str("Why (recorded on the timeline)", 2000)}},
                             {"id", "duration"}),
      .output_schema = IncidentSchema(),
      .annotations = Write(false, false, false),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto req, app::DecodeSnooze(Body(args)));
        auto p = ctx.principal();
        auto& a = ctx.app();
        std::string id = StrArg(args, "id");
        FB_ASSIGN_OR_RETURN(auto inc, RunCommand([&](auto cb) { a.Snooze(p, id, req, std::move(cb)); }));
        return IncidentResult(ctx, inc, "snoozed");
      },
  });

  r.Add(Tool{
      .name = "merge_incidents",
      .title = "Merge incidents into one",
      .description = "Merges `incidents` into incident `id` when they are one problem: their alerts move "
                     "to it (and future alerts that would have joined them join it), it takes on their "
                     "services, flags, unfilled roles and, if worse, their severity; they are resolved "
                     "with `merged_into` set. All must be open. Fails (isError) and changes nothing "
                     "otherwise.",
      .input_schema = Object({{"id", IncidentIdArg()},
                              {"incidents", StrArray("Ids of the incidents to merge into `id`", 50, 64)},
                              {"note", Str("Why they are one problem (recorded on the timelines)", 2000)}},
                             {"id", "incidents"}),
      .output_schema = IncidentSchema(),
      .annotations = Write(true, false, false),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto req, app::DecodeMerge(Body(args)));
        auto p = ctx.principal();
        auto& a = ctx.app();
        std::string id = StrArg(args, "id");
        FB_ASSIGN_OR_RETURN(auto inc, RunCommand([&](auto cb) { a.Merge(p, id, req, std::move(cb)); }));
        return IncidentResult(ctx, inc, "merged into");
      },
  });

  r.Add(Tool{
      .name = "assign_role",
      .title = "Assign a war-room role",
      .description = "Assigns a person (an id from the configuration) to an incident role, "
                     "replacing whoever held "
                     "it; an empty person clears the role.",
      .input_schema = Object({{"id", IncidentIdArg()},
                              {"role", Enum("The role", {"incident_commander", "tech_lead",
                                                         "communications_lead", "scribe"})},
                              {"person", Str("Person id, or empty to clear", 100)}},
                             {"id", "role", "person"}),
      .output_schema = IncidentSchema(),
      .annotations = Write(true, true, false),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto req, app::DecodeRole(Body(args)));
        auto p = ctx.principal();
        auto& a = ctx.app();
        std::string id = StrArg(args, "id");
        FB_ASSIGN_OR_RETURN(auto inc,
                            RunCommand([&](auto cb) { a.AssignRole(p, id, req, std::move(cb)); }));
        return IncidentResult(ctx, inc, "role assigned");
      },
  });

  r.Add(Tool{
      .name = "escalate_incident",
      .title = "Escalate an incident now",
      .description = "Asks for the next escalation tier to be paged now instead of waiting for its "
                     "timer, with a "
                     "reason recorded on the timeline. Only for open incidents.",
      .input_schema =
          Object({{"id", IncidentIdArg()}, {"reason", Str("Why escalate now", 2000, 1)}},
                 {"id", "reason"}),
      .output_schema = IncidentSchema(),
      .annotations = Write(false, false, true),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto req, app::DecodeEscalate(Body(args)));
        auto p = ctx.principal();
        auto& a = ctx.app();
        std::string id = StrArg(args, "id");
        FB_ASSIGN_OR_RETURN(auto inc,
                            RunCommand([&](auto cb) { a.Escalate(p, id, req, std::move(cb)); }));
        return IncidentResult(ctx, inc, "escalation requested");
      },
  });

  r.Add(Tool{
      .name = "propose_action",
      .title = "Propose an action to the responders",
      .description =
          "Records a proposed action on an incident's timeline for a person to review and carry "
          "out (nothing is executed): anything from \"fail over payments to eu-west-1b\" to a "
          "tool call beyond your tier. Name the tool and arguments when there is one, and say why.",
      .input_schema = Object(
          {{"id", IncidentIdArg()},
           {"action", Str("What should be done, in one or two sentences", 2000, 1)},
           {"rationale", Str("Why: the evidence that supports it", 4000)},
           {"tool", Str("The Firebreak tool that would do it, if any", 128)},
           {"arguments", json::object{{"type", "object"},
                                      {"description", "That tool's arguments, if any"}}},
           {"risk", Enum("Your estimate of its risk tier (default HIGH)",
                         {"LOW", "MEDIUM", "HIGH"})}},
          {"id", "action"}),
      .output_schema = Object(
          {{"incident_id", Str("The incident the proposal was recorded on")},
           {"proposed_by", Str("agent:<client name>")},
           {"action", Str("The proposed action")},
           {"risk", Enum("Risk tier", {"LOW", "MEDIUM", "HIGH"})},
           {"executed", json::object{{"type", "boolean"},
                                     {"description", "Always false: a person decides"}}}},
          {"incident_id", "proposed_by", "action", "risk", "executed"}),
      .annotations = Write(false, false, false),
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kLow,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        std::string risk = StrArg(args, "risk", "HIGH");
        Proposal pr;
        pr.incident_id = StrArg(args, "id");
        pr.action = StrArg(args, "action");
        pr.tool = StrArg(args, "tool");
        if (auto* a = args.if_contains("arguments"); a && a->is_object())
          pr.arguments = a->get_object();
        pr.rationale = StrArg(args, "rationale");
        pr.risk = risk == "LOW"      ? model::RiskTier::kLow
                  : risk == "MEDIUM" ? model::RiskTier::kMedium
                                     : model::RiskTier::kHigh;
        model::RiskTier tier = pr.risk;
        FB_ASSIGN_OR_RETURN(auto rec, RecordProposal(ctx, pr));
        return Structured(json::object{{"incident_id", rec.at("incident_id")},
                                       {"proposed_by", rec.at("proposed_by")},
                                       {"action", StrArg(args, "action")},
                                       {"risk", model::RiskTierName(tier)},
                                       {"executed", false}});
      },
  });
}

}  // namespace firebreak::mcp
