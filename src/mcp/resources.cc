// Resources: incidents (incident://{id}) and their timelines (incident://{id}/timeline), both
// subscribable: a subscriber gets notifications/resources/updated when the engine commits a change.
#include "core/json.h"
#include "mcp/tools_common.h"

namespace firebreak::mcp {

namespace {
Result<std::vector<json::object>> ListOpen(Context& ctx, bool timeline) {
  store::IncidentFilter f;
  f.open_only = true;
  f.limit = 50;
  FB_ASSIGN_OR_RETURN(auto list, ctx.app().ListIncidents(ctx.principal(), f));
  std::vector<json::object> out;
  for (const auto& i : list) {
    std::string uri = "incident://" + i.id + (timeline ? "/timeline" : "");
    out.push_back(json::object{{"uri", uri},
                               {"name", i.id + (timeline ? " timeline" : "")},
                               {"description", i.title},
                               {"mimeType", "application/json"}});
  }
  return out;
}
}  // namespace

void AddIncidentResources(Registry& r) {
  r.Add(Resource{
      .uri_template = "incident://{id}",
      .name = "incident",
      .title = "Incident",
      .description =
          "An incident as JSON (the same document as get_incident). Open incidents are listed.",
      .mime_type = "application/json",
      .subscribable = true,
      .scope = model::kScopeRead,
      .list = [](Context& ctx) { return ListOpen(ctx, false); },
      .read = [](Context& ctx, const std::map<std::string, std::string>& vars,
                 const std::string& uri) -> Result<ResourceContents> {
        auto inc = ctx.app().GetIncident(ctx.principal(), vars.at("id"));
        if (!inc) {
          if (inc.error().code == ErrorCode::kNotFound)
            return NotFound("Resource not found: " + uri, "uri");
          return Unexpected(inc.error());
        }
        return ResourceContents{uri, "application/json", core::ToJson(model::ToJson(*inc)), ""};
      },
      .topics = {"incident"},
  });
  r.Add(Resource{
      .uri_template = "incident://{id}/timeline",
      .name = "incident-timeline",
      .title = "Incident timeline",
      .description = "An incident's timeline as JSON {incident_id, entries}, oldest first (up to "
                     "1000 entries; "
                     "get_timeline pages). Subscribe to follow a live incident.",
      .mime_type = "application/json",
      .subscribable = true,
      .scope = model::kScopeRead,
      .list = [](Context& ctx) { return ListOpen(ctx, true); },
      .read = [](Context& ctx, const std::map<std::string, std::string>& vars,
                 const std::string& uri) -> Result<ResourceContents> {
        auto entries = ctx.app().Timeline(ctx.principal(), vars.at("id"), 0, 1000);
        if (!entries) {
          if (entries.error().code == ErrorCode::kNotFound)
            return NotFound("Resource not found: " + uri, "uri");
          return Unexpected(entries.error());
        }
        json::array arr;
        for (const auto& e : *entries) arr.push_back(model::ToJson(e));
        json::object doc{{"incident_id", vars.at("id")}, {"entries", std::move(arr)}};
        return ResourceContents{uri, "application/json", core::ToJson(doc), ""};
      },
      .topics = {"timeline"},
  });
}

}  // namespace firebreak::mcp
