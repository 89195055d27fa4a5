// Alerts, silences and change events as JSON in / JSON out, for the MCP tools (and any front end
// that wants one call per task). Each function checks scope through the App call it wraps, decodes
// its arguments (null = defaults; unknown fields and bad values are InvalidArgument naming the
// field) and returns the same JSON the HTTP API returns:
//
//   MCP tool              function              scope   HTTP twin
//   list_alerts           ListAlertsJson        read    GET /api/v1/alerts
//   get_incident_alerts   IncidentAlertsJson    read    GET /api/v1/incidents/{id}/alerts
//   list_silences         ListSilencesJson      read    GET /api/v1/silences
//   list_changes          ListChangesJson       read    GET /api/v1/changes
//   create_silence        CreateSilenceJson     write   POST /api/v1/silences
//   expire_silence        ExpireSilenceJson     write   POST /api/v1/silences/{id}/expire
//
// Queries return at once; commands take a callback run once the change is durable (from a thread
// that is not the engine's, app::Wait turns one into a plain call). Results are bounded: lists
// take a `limit` (1..1000) and say where the next page starts (`next_before`).
#pragma once

#include <boost/json.hpp>

#include "app/app.h"
#include "core/result.h"
#include "model/actor.h"

namespace firebreak::app {

// {"status": "firing|acknowledged|resolved|open", "service", "incident", "limit": 100, "before": id}
// -> {"alerts": [...], "next_before"?}
Result<boost::json::object> ListAlertsJson(const App& app, const model::Principal& who, const boost::json::value& args);
// {"incident_id"} -> {"incident_id", "alerts": [...] oldest first, each with join_kind/join_reason}
Result<boost::json::object> IncidentAlertsJson(const App& app, const model::Principal& who,
                                               const boost::json::value& args);
// {"state": "active|pending|expired|all"} (default active and pending) -> {"silences": [...]}
Result<boost::json::object> ListSilencesJson(const App& app, const model::Principal& who,
                                             const boost::json::value& args);
// {"since": RFC 3339 or "2h" (default 24h), "until", "service", "limit"} -> {"changes": [...]}
Result<boost::json::object> ListChangesJson(const App& app, const model::Principal& who,
                                            const boost::json::value& args);
// {"matchers": ["service=checkout", ...], "duration": "2h" | "ends_at", "starts_at", "comment"}
// -> the silence.
void CreateSilenceJson(App& app, const model::Principal& who, const boost::json::value& args,
                       Callback<boost::json::object> cb);
// {"id": "SIL-1"} -> the silence, expired now.
void ExpireSilenceJson(App& app, const model::Principal& who, const boost::json::value& args,
                       Callback<boost::json::object> cb);

}  // namespace firebreak::app
