#include "app/console.h"
#include "app/text.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::app {

namespace json = boost::json;

namespace {

constexpr size_t kMaxUpdateText = 4000;
constexpr size_t kMaxUpdateTitle = 200;
const std::set<std::string> kUpdateStatuses = {"investigating", "identified", "monitoring", "resolved"};

Status CheckField(const std::string& s, const char* field, size_t max, bool required) {
  if (required && core::Trim(s).empty()) return InvalidArgument(std::string(field) + " must not be empty", field);
  if (s.size() > max)
    return InvalidArgument(std::string(field) + " is too long (" + std::to_string(s.size()) + " bytes, max " +
                               std::to_string(max) + ")",
                           field);
  if (!core::IsValidUtf8(s)) return InvalidArgument(std::string(field) + " is not valid UTF-8", field);
  return Ok();
}

// Public component states, best first.
enum class ComponentState { kOperational, kDegraded, kPartialOutage, kMajorOutage };
std::string_view ComponentStateName(ComponentState s) {
  switch (s) {
    case ComponentState::kOperational: return "operational";
    case ComponentState::kDegraded: return "degraded_performance";
    case ComponentState::kPartialOutage: return "partial_outage";
    case ComponentState::kMajorOutage: return "major_outage";
  }
  return "operational";
}
std::string_view OverallText(ComponentState s) {
  switch (s) {
    case ComponentState::kOperational: return "All systems operational";
    case ComponentState::kDegraded: return "Degraded performance";
    case ComponentState::kPartialOutage: return "Partial outage";
    case ComponentState::kMajorOutage: return "Major outage";
  }
  return "";
}
// How an open incident of severity `sev` affects a service it names directly.
ComponentState DirectState(model::Severity sev) {
  switch (sev) {
    case model::Severity::kSev0:
    case model::Severity::kSev1: return ComponentState::kMajorOutage;
    case model::Severity::kSev2: return ComponentState::kPartialOutage;
    default: return ComponentState::kDegraded;
  }
}

}  // namespace

Result<StatusUpdateRequest> DecodeStatusUpdate(const json::value& body) {
  core::ObjectReader r(body, "");
  r.RejectUnknown({"status", "text", "title"});
  StatusUpdateRequest q;
  q.text = r.String("text", true).value_or("");
  q.status = r.String("status").value_or("investigating");
  q.title = r.String("title").value_or("");
  FB_TRY(r.status());
  if (!kUpdateStatuses.count(q.status))
    return InvalidArgument("status must be one of investigating, identified, monitoring, resolved; got '" +
                               core::Truncate(q.status, 40) + "'",
                           "status");
  FB_TRY(CheckField(q.text, "text", kMaxUpdateText, true));
  FB_TRY(CheckField(q.title, "title", kMaxUpdateTitle, false));
  FB_TRY(SingleLine(q.title, "title"));
  return q;
}

void PostStatusUpdate(App& app, const model::Principal& who, std::string incident_id, StatusUpdateRequest req,
                      Callback<model::TimelineEntry> cb) {
  app.engine().Submit<model::TimelineEntry>(
      [&app, who, id = std::move(incident_id), req = std::move(req)](engine::Tx& tx) -> Result<model::TimelineEntry> {
        FB_TRY(model::RequireScope(who, model::kScopeWrite));
        FB_ASSIGN_OR_RETURN(auto inc, tx.store().incidents().Get(id));
        if (!inc) return NotFound("incident '" + core::Truncate(id, 64) + "' not found", "id");
        json::object data{{"visibility", "external"}, {"status", req.status}};
        if (!req.title.empty()) data["title"] = req.title;
        FB_ASSIGN_OR_RETURN(auto entry, tx.Timeline(inc->id, who.actor, std::string(kStatusUpdateKind), req.text, data));
        json::object details{{"status", req.status}, {"text", req.text}};
        FB_TRY(tx.Audit(who.actor, "incident.status_update", "incident:" + inc->id, details));
        if (const auto& announce = app.reports().announcer())
          FB_TRY(announce(tx, *inc, true, req.title.empty() ? req.text : req.title + "\n" + req.text));
        return entry;
      },
      std::move(cb));
}

Result<json::object> IncidentCounts(App& app, const model::Principal& who) {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, app.store().BeginRead());
  FB_ASSIGN_OR_RETURN(auto by_sev, tx->incidents().CountOpenBySeverity());
  FB_ASSIGN_OR_RETURN(auto by_state, tx->incidents().CountByState());
  json::object open, states;
  int64_t total = 0;
  for (auto s : {model::Severity::kSev0, model::Severity::kSev1, model::Severity::kSev2, model::Severity::kSev3,
                 model::Severity::kSev4}) {
    std::string name(model::SeverityName(s));
    auto it = by_sev.find(name);
    int64_t n = it == by_sev.end() ? 0 : it->second;
    open[name] = n;
    total += n;
  }
  for (auto st : {model::IncidentState::kTriggered, model::IncidentState::kAcknowledged,
                  model::IncidentState::kMitigated, model::IncidentState::kResolved, model::IncidentState::kClosed}) {
    std::string name(model::StateName(st));
    auto it = by_state.find(name);
    states[name] = it == by_state.end() ? 0 : it->second;
  }
  return json::object{{"open", open}, {"open_total", total}, {"by_state", states}};
}

json::object BuildPublicStatus(const config::Config& cfg, const std::vector<PublicIncidentInput>& incidents,
                               core::TimePoint now) {
  std::map<std::string, const model::Service*> facing;
  for (const auto& s : cfg.services)
    if (s.customer_facing) facing[s.id] = &s;
  auto name_of = [&](const std::string& id) {
    const auto* s = facing.at(id);
    return s->name.empty() ? s->id : s->name;
  };
  std::map<std::string, ComponentState> state;
  for (const auto& [id, s] : facing) state[id] = ComponentState::kOperational;
  json::array public_incidents;
  for (const auto& in : incidents) {
    const auto& inc = in.incident;
    bool open = model::IsOpen(inc.state);
    std::set<std::string> comps;
    for (const auto& s : inc.services)
      if (facing.count(s)) {
        comps.insert(s);
        if (open) state[s] = std::max(state[s], DirectState(inc.severity));
      }
    for (const auto& s : inc.blast_radius)
      if (facing.count(s)) {
        comps.insert(s);
        if (open) state[s] = std::max(state[s], ComponentState::kDegraded);
      }
    // Only what a responder chose to publish is shown as an incident.
    if (in.updates.empty()) continue;
    std::string title, status;
    json::array updates;
    for (auto it = in.updates.rbegin(); it != in.updates.rend(); ++it) {
      const auto& u = *it;
      std::string st = u.data.contains("status") && u.data.at("status").is_string()
                           ? std::string(u.data.at("status").as_string())
                           : "investigating";
      if (status.empty()) status = st;
      if (title.empty() && u.data.contains("title") && u.data.at("title").is_string())
        title = std::string(u.data.at("title").as_string());
      // Generated external updates (app/report.cc) carry their full, redacted text in data.text.
      std::string text = u.data.contains("text") && u.data.at("text").is_string()
                             ? std::string(u.data.at("text").as_string())
                             : u.text;
      updates.push_back(json::object{{"time", core::FormatRfc3339(u.time)}, {"status", st}, {"text", text}});
    }
    if (!open) status = "resolved";
    json::array comp_names;
    for (const auto& c : comps) comp_names.push_back(json::object{{"id", c}, {"name", name_of(c)}});
    json::object pi{{"id", inc.id},
                    {"name", title.empty() ? std::string("Service disruption") : title},
                    {"status", status},
                    {"started_at", core::FormatRfc3339(inc.created_at)},
                    {"components", comp_names},
                    {"updates", updates}};
    if (inc.resolved_at) pi["resolved_at"] = core::FormatRfc3339(*inc.resolved_at);
    public_incidents.push_back(std::move(pi));
  }
  json::array components;
  ComponentState overall = ComponentState::kOperational;
  for (const auto& [id, s] : facing) {
    overall = std::max(overall, state[id]);
    json::object c{{"id", id}, {"name", name_of(id)}, {"status", ComponentStateName(state[id])}};
    if (!s->description.empty()) c["description"] = s->description;
    components.push_back(std::move(c));
  }
  return json::object{{"updated_at", core::FormatRfc3339(now)},
                      {"status", json::object{{"indicator", ComponentStateName(overall)},
                                              {"description", OverallText(overall)}}},
                      {"components", components},
                      {"incidents", public_incidents}};
}

Result<json::object> PublicStatus(App& app) {
  auto cfg = app.config();
  auto now = app.clock().Now();
  FB_ASSIGN_OR_RETURN(auto tx, app.store().BeginRead());
  std::vector<PublicIncidentInput> inputs;
  auto collect = [&](const store::IncidentFilter& f, bool recent_only) -> Status {
    FB_ASSIGN_OR_RETURN(auto list, tx->incidents().List(f));
    for (auto& inc : list) {
      if (recent_only && (!inc.resolved_at || *inc.resolved_at < now - std::chrono::hours(24))) continue;
      FB_ASSIGN_OR_RETURN(auto entries, tx->timeline().List(inc.id, 0, 5000));
      PublicIncidentInput in{std::move(inc), {}};
      for (auto& e : entries)
        if (e.kind == kStatusUpdateKind && e.data.contains("visibility") && e.data.at("visibility") == "external")
          in.updates.push_back(std::move(e));
      inputs.push_back(std::move(in));
    }
    return Ok();
  };
  store::IncidentFilter open;
  open.open_only = true;
  open.limit = 500;
  FB_TRY(collect(open, false));
  store::IncidentFilter resolved;
  resolved.state = model::IncidentState::kResolved;
  resolved.limit = 50;
  FB_TRY(collect(resolved, true));
  return BuildPublicStatus(*cfg, inputs, now);
}

std::string RenderStatusHtml(const json::object& st) {
  auto str = [](const json::value& v, std::string_view key) -> std::string {
    if (!v.is_object()) return "";
    const auto* p = v.as_object().if_contains(key);
    return p && p->is_string() ? std::string(p->as_string()) : std::string();
  };
  auto e = [](const std::string& s) { return core::HtmlEscape(s); };
  std::string h;
  h += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<meta http-equiv=\"refresh\" content=\"60\">"
       "<title>System status</title><link rel=\"stylesheet\" href=\"/assets/status.css\"></head><body>\n<main>\n";
  const auto& overall = st.at("status");
  h += "<h1>System status</h1>\n<p class=\"overall " + e(str(overall, "indicator")) + "\" id=\"overall\">" +
       e(str(overall, "description")) + "</p>\n";
  h += "<section aria-labelledby=\"components-h\"><h2 id=\"components-h\">Components</h2><ul class=\"components\">\n";
  for (const auto& c : st.at("components").as_array()) {
    h += "<li class=\"component " + e(str(c, "status")) + "\"><span class=\"name\">" + e(str(c, "name")) +
         "</span><span class=\"state\">";
    std::string s = str(c, "status");
    h += s == "operational"            ? "Operational"
         : s == "degraded_performance" ? "Degraded performance"
         : s == "partial_outage"       ? "Partial outage"
                                       : "Major outage";
    h += "</span></li>\n";
  }
  h += "</ul></section>\n<section aria-labelledby=\"incidents-h\"><h2 id=\"incidents-h\">Incidents</h2>\n";
  const auto& incs = st.at("incidents").as_array();
  if (incs.empty()) h += "<p class=\"none\">No incidents reported.</p>\n";
  for (const auto& i : incs) {
    h += "<article class=\"incident\"><h3>" + e(str(i, "name")) + " <span class=\"badge\">" + e(str(i, "status")) +
         "</span></h3>";
    std::vector<std::string> names;
    for (const auto& c : i.at("components").as_array()) names.push_back(e(str(c, "name")));
    if (!names.empty()) h += "<p class=\"affects\">Affects: " + core::Join(names, ", ") + "</p>";
    h += "<ol class=\"updates\">";
    for (const auto& u : i.at("updates").as_array())
      h += "<li><time datetime=\"" + e(str(u, "time")) + "\">" + e(str(u, "time")) + "</time> <strong>" +
           e(str(u, "status")) + "</strong> " + e(str(u, "text")) + "</li>";
    h += "</ol></article>\n";
  }
  h += "</section>\n<footer>Updated " + e(str(st, "updated_at")) +
       " · <a href=\"/status.json\">JSON</a></footer>\n</main></body></html>\n";
  return h;
}

}  // namespace firebreak::app
