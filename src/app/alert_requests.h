// Decoders for the alert, silence and change-event requests of the HTTP API (and MCP): bodies and
// query strings to typed requests. Each rejects bad input with InvalidArgument naming the field.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "engine/alerts.h"
#include "store/alert_repos.h"

namespace firebreak::app {

// {"matchers": ["alertname=Foo", "service=~check.*"] or [{"name","value","op"|"isRegex","isEqual"}],
//  "starts_at": RFC 3339 (default now), "ends_at": RFC 3339 or "duration": "2h", "comment": "..."}
Result<engine::SilenceSpec> DecodeSilence(const boost::json::value& body);

// Alertmanager's postable silence (POST /api/v2/silences, what amtool and Grafana send):
//   {"id": to replace, "matchers": [{"name","value","isRegex","isEqual"}], "startsAt", "endsAt",
//    "createdBy", "comment"}
// A start in the past becomes now (as Alertmanager does). createdBy is kept only as text: the
// silence is created by whoever the request authenticated.
struct AmSilenceRequest {
  std::string replaces;  // "id": a silence this one replaces (expired first), or ""
  std::string created_by;
  engine::SilenceSpec spec;
};
Result<AmSilenceRequest> DecodeAmSilence(const boost::json::value& body, core::TimePoint now);

// A heartbeat's status as the API, the CLI and MCP show it (times RFC 3339, absent when unknown).
boost::json::object HeartbeatJson(const engine::HeartbeatStatus& h);
boost::json::object MaintenanceJson(const engine::MaintenanceStatus& m);

// ?status=firing|acknowledged|resolved|open&service=&incident=&limit=&before=
Result<store::AlertFilter> DecodeAlertFilter(const std::map<std::string, std::string>& query);

struct ChangeFilter {
  core::TimePoint from{};
  core::TimePoint to{};
  std::string service;
  int limit = 100;
};
// ?since=RFC 3339|duration (default 24h)&until=RFC 3339&service=&limit=
Result<ChangeFilter> DecodeChangeFilter(const std::map<std::string, std::string>& query, core::TimePoint now);

// ?state=active|pending|expired|all (default: active and pending)
Result<std::optional<std::string>> DecodeSilenceState(const std::map<std::string, std::string>& query);

}  // namespace firebreak::app
