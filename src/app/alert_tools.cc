#include "app/alert_tools.h"

#include <map>
#include <string>

#include "app/alert_requests.h"
#include "core/json.h"
#include "core/strings.h"
#include "model/alert.h"
#include "model/change_event.h"

namespace firebreak::app {

namespace json = boost::json;

namespace {

// Tool arguments as the query map the HTTP decoders read: strings as they are, integers in
// decimal; anything else is refused naming the field. null (no arguments) is an empty map.
Result<std::map<std::string, std::string>> ArgsToQuery(const json::value& args) {
  std::map<std::string, std::string> q;
  if (args.is_null()) return q;
  if (!args.is_object()) return InvalidArgument("arguments must be a JSON object", "arguments");
  for (const auto& [k, v] : args.get_object()) {
    std::string key(k);
    if (v.is_string()) {
      q[key] = std::string(v.get_string());
    } else if (v.is_int64()) {
      q[key] = std::to_string(v.get_int64());
    } else if (v.is_uint64()) {
      q[key] = std::to_string(v.get_uint64());
    } else if (v.is_null()) {
      continue;  // same as absent
    } else {
      // An empty key names no field of its own: the arguments as a whole are at fault.
      return InvalidArgument("'" + core::Truncate(key, 64) + "' must be a string or an integer",
                             key.empty() ? "arguments" : key);
    }
  }
  return q;
}

const json::value& EmptyObject() {
  static const json::value empty = json::object();
  return empty;
}

json::array AlertsArray(const std::vector<model::Alert>& alerts) {
  json::array arr;
  arr.reserve(alerts.size());
  for (const auto& a : alerts) arr.push_back(model::ToJson(a));
  return arr;
}

}  // namespace

Result<json::object> ListAlertsJson(const App& app, const model::Principal& who, const json::value& args) {
  FB_ASSIGN_OR_RETURN(auto q, ArgsToQuery(args));
  FB_ASSIGN_OR_RETURN(auto f, DecodeAlertFilter(q));
  FB_ASSIGN_OR_RETURN(auto list, app.ListAlerts(who, f));
  json::object out;
  if (static_cast<int>(list.size()) == f.limit && !list.empty()) out["next_before"] = list.back().id;
  out["alerts"] = AlertsArray(list);
  return out;
}

Result<json::object> IncidentAlertsJson(const App& app, const model::Principal& who, const json::value& args) {
  const json::value& in = args.is_null() ? EmptyObject() : args;  // ObjectReader keeps a reference
  core::ObjectReader r(in, "");
  r.RejectUnknown({"incident_id"});
  auto id = r.String("incident_id", true);
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(auto list, app.IncidentAlerts(who, *id));
  return json::object{{"incident_id", *id}, {"alerts", AlertsArray(list)}};
}

Result<json::object> ListSilencesJson(const App& app, const model::Principal& who, const json::value& args) {
  FB_ASSIGN_OR_RETURN(auto q, ArgsToQuery(args));
  FB_ASSIGN_OR_RETURN(auto state, DecodeSilenceState(q));
  FB_ASSIGN_OR_RETURN(auto list, app.ListSilences(who, state));
  auto now = app.clock().Now();
  json::array arr;
  for (const auto& s : list) arr.push_back(model::ToJson(s, now));
  return json::object{{"silences", std::move(arr)}};
}

Result<json::object> ListChangesJson(const App& app, const model::Principal& who, const json::value& args) {
  FB_ASSIGN_OR_RETURN(auto q, ArgsToQuery(args));
  FB_ASSIGN_OR_RETURN(auto f, DecodeChangeFilter(q, app.clock().Now()));
  FB_ASSIGN_OR_RETURN(auto list, app.ListChanges(who, f));
  json::array arr;
  for (const auto& c : list) arr.push_back(model::ToJson(c));
  return json::object{{"changes", std::move(arr)}};
}

void CreateSilenceJson(App& app, const model::Principal& who, const json::value& args, Callback<json::object> cb) {
  if (auto st = model::RequireScope(who, model::kScopeWrite); !st) return cb(tl::unexpected(st.error()));
  auto spec = DecodeSilence(args.is_null() ? EmptyObject() : args);
  if (!spec) return cb(tl::unexpected(spec.error()));
  const core::Clock* clock = &app.clock();
  app.CreateSilence(who, std::move(*spec), [clock, cb = std::move(cb)](Result<model::Silence> s) {
    if (!s) return cb(tl::unexpected(s.error()));
    cb(model::ToJson(*s, clock->Now()));
  });
}

void ExpireSilenceJson(App& app, const model::Principal& who, const json::value& args, Callback<json::object> cb) {
  if (auto st = model::RequireScope(who, model::kScopeWrite); !st) return cb(tl::unexpected(st.error()));
  const json::value& in = args.is_null() ? EmptyObject() : args;  // ObjectReader keeps a reference
  core::ObjectReader r(in, "");
  r.RejectUnknown({"id"});
  auto id = r.String("id", true);
  if (auto st = r.status(); !st) return cb(tl::unexpected(st.error()));
  const core::Clock* clock = &app.clock();
  app.ExpireSilence(who, *id, [clock, cb = std::move(cb)](Result<model::Silence> s) {
    if (!s) return cb(tl::unexpected(s.error()));
    cb(model::ToJson(*s, clock->Now()));
  });
}

}  // namespace firebreak::app
