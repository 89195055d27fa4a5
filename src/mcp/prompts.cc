// Prompts: incident-response (the six phases, wired to Firebreak's tools) and postmortem (a
// blameless review drafted from the incident's record).
#include "core/json.h"
#include "core/strings.h"
#include "mcp/tools_common.h"

namespace firebreak::mcp {

namespace {

json::object UserText(std::string text) {
  return json::object{{"role", "user"},
                      {"content", json::object{{"type", "text"}, {"text", std::move(text)}}}};
}

json::object EmbeddedJson(std::string uri, const json::value& doc) {
  return json::object{
      {"role", "user"},
      {"content", json::object{{"type", "resource"},
                               {"resource", json::object{{"uri", std::move(uri)},
                                                         {"mimeType", "application/json"},
                                                         {"text", core::ToJson(doc)}}}}}};
}

std::vector<std::string> CompleteIncidentIds(Context& ctx, const std::string& arg,
                                             const std::string& prefix) {
  if (arg != "incident_id") return {};
  store::IncidentFilter f;
  f.limit = 200;
  auto list = ctx.app().ListIncidents(ctx.principal(), f);
  std::vector<std::string> out;
  if (!list) return out;
  for (const auto& i : *list)
    if (core::ToLower(i.id).rfind(core::ToLower(prefix), 0) == 0) out.push_back(i.id);
  return out;
}

constexpr std::string_view kPhases =
    R"(Work through the six phases of incident response, in order, and say which phase you are in:

1. Preparation - know the terrain: get_system_status (defense level, open incidents), list_services and get_blast_radius for the affected services.
2. Identification - confirm what is broken and how badly: get_incident, get_timeline; if nothing is declared yet and users are affected, create_incident with an honest severity (SEV0 worst .. SEV4). Assign an incident commander (assign_role) and acknowledge_incident once someone is on it.
3. Containment - stop the bleeding with the least risky action first. Record every finding and action with add_note. If severity changes, set_severity (lowering needs a reason); if nobody responds or the problem outgrows the current responders, escalate_incident with a reason.
4. Eradication - find and remove the cause. State hypotheses with evidence in notes; do not guess silently.
5. Recovery - verify the service is healthy (not just quiet), then resolve_incident with a resolution note.
6. Lessons learned - draft the post-incident review (the postmortem prompt) from the timeline.

Rules: you can read everything and propose anything, but risky actions (restarts, failover, deploys, data changes) are approved by people in Firebreak, never by you. Every tool call you make is audited under your client's name.)";

}  // namespace

void AddPrompts(Registry& r) {
  r.Add(Prompt{
      .name = "incident-response",
      .title = "Respond to an incident",
      .description =
          "Walks the six phases of incident response (preparation, identification, containment, "
          "eradication, recovery, lessons learned) with Firebreak's tools; with incident_id, "
          "starts "
          "from that incident's record.",
      .arguments = {{"incident_id",
                     "The incident to work on (optional: omit to triage from the system status)",
                     false}},
      .get = [](Context& ctx,
                const std::map<std::string, std::string>& args) -> Result<json::object> {
        json::array messages;
        std::string intro =
            "You are the incident responder's assistant in Firebreak.\n\n" + std::string(kPhases);
        auto it = args.find("incident_id");
        if (it != args.end() && !it->second.empty()) {
          FB_ASSIGN_OR_RETURN(auto inc, ctx.app().GetIncident(ctx.principal(), it->second));
          intro += "\n\nThe incident is " + inc.id + " (" +
                   std::string(model::SeverityName(inc.severity)) + ", " +
                   std::string(model::StateName(inc.state)) + "): " + inc.title +
                   ". Its record follows.";
          messages.push_back(UserText(intro));
          messages.push_back(EmbeddedJson("incident://" + inc.id, model::ToJson(inc)));
        } else {
          intro += "\n\nNo incident was named: start with get_system_status.";
          messages.push_back(UserText(intro));
        }
        return json::object{{"description", "Incident response in six phases"},
                            {"messages", std::move(messages)}};
      },
      .complete = CompleteIncidentIds,
  });

  r.Add(Prompt{
      .name = "postmortem",
      .title = "Draft a postmortem",
      .description =
          "Drafts a blameless post-incident review of an incident from its record and timeline: "
          "summary, impact, timeline, root cause and contributing factors, what went well, what "
          "did "
          "not, action items.",
      .arguments = {{"incident_id", "The incident to review", true}},
      .get = [](Context& ctx,
                const std::map<std::string, std::string>& args) -> Result<json::object> {
        const std::string& id = args.at("incident_id");
        FB_ASSIGN_OR_RETURN(auto inc, ctx.app().GetIncident(ctx.principal(), id));
        FB_ASSIGN_OR_RETURN(auto entries, ctx.app().Timeline(ctx.principal(), id, 0, 1000));
        json::array tl;
        for (const auto& e : entries) tl.push_back(model::ToJson(e));
        std::string text = "Draft a blameless post-incident review of " + inc.id + " (" +
                           inc.title +
                           ") in Markdown with these sections: Summary; Impact (who, how long, how "
                           "badly); Timeline (from the "
                           "record below, times in UTC); Root cause and contributing factors (say "
                           "what the evidence shows and "
                           "what is still a hypothesis); Detection and response (time to "
                           "acknowledge, to mitigate, to resolve); "
                           "What went well; What went poorly; Action items (owner, due date, each "
                           "preventing recurrence or "
                           "shortening the next response). Blame systems and processes, never "
                           "people. Do not invent facts "
                           "that are not in the record; mark gaps as open questions.";
        json::array messages{
            UserText(text), EmbeddedJson("incident://" + inc.id, model::ToJson(inc)),
            EmbeddedJson("incident://" + inc.id + "/timeline",
                         json::object{{"incident_id", inc.id}, {"entries", std::move(tl)}})};
        return json::object{{"description", "Postmortem of " + inc.id},
                            {"messages", std::move(messages)}};
      },
      .complete = CompleteIncidentIds,
  });
}

}  // namespace firebreak::mcp
