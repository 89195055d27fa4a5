// JSON surface of the automated investigation: report encoders shared by the HTTP API and the
// MCP tools, and the read-only tool calls (JSON arguments in, JSON out) an MCP server wraps.
#include <cmath>

#include "app/analysis.h"
#include "core/json.h"
#include "core/time.h"

namespace firebreak::app {

namespace json = boost::json;

namespace {

std::string Rfc(int64_t ms) { return ms ? core::FormatRfc3339(core::FromUnixMillis(ms)) : ""; }

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

const json::value& OrEmpty(const json::value& v) {
  static const json::value kEmpty = json::object{};
  return v.is_null() ? kEmpty : v;
}

// An optional point in time argument (RFC 3339, Unix seconds/ms, or "15m" = that long ago).
std::optional<int64_t> WhenArg(core::ObjectReader& r, std::string_view key, int64_t now) {
  if (!r.Has(key)) return std::nullopt;
  const json::value* raw = r.Raw(key);
  std::string text;
  if (raw->is_string()) text = std::string(raw->as_string());
  else if (raw->is_int64()) text = std::to_string(raw->as_int64());
  else if (raw->is_uint64()) text = std::to_string(raw->as_uint64());
  else {
    r.Fail(key, "must be a time (RFC 3339, Unix seconds or a duration ago like \"15m\")");
    return std::nullopt;
  }
  auto t = ParseWhen(text, now, r.PathOf(key));
  if (!t) {
    r.Fail(key, t.error().message);
    return std::nullopt;
  }
  return *t;
}

}  // namespace

json::object ToJson(const AnomalyReport& r) {
  json::array an, cps;
  for (const auto& a : r.anomalies) an.push_back(analyze::ToJson(a));
  for (const auto& c : r.change_points)
    cps.push_back({{"service", c.service},
                   {"metric", c.metric},
                   {"series", c.series},
                   {"onset", Rfc(c.onset)},
                   {"detected_at", Rfc(c.time)},
                   {"score", std::round(c.score * 1000) / 1000},
                   {"source", c.source}});
  return {{"from", Rfc(r.from)},
          {"to", Rfc(r.to)},
          {"anomalies", an},
          {"change_points", cps},
          {"missing", Strings(r.missing)}};
}

json::object ToJson(const TrendReport& r) {
  json::array tr;
  for (const auto& t : r.trends) tr.push_back(analyze::ToJson(t));
  return {{"horizon_seconds", r.horizon_ms / 1000}, {"trends", tr}, {"missing", Strings(r.missing)}};
}

json::object ToJson(const ChangeReport& r) {
  json::array arr;
  if (r.ranked_against_incident)
    for (const auto& c : r.ranked) arr.push_back(analyze::ToJson(c));
  else
    for (const auto& c : r.changes) arr.push_back(model::ToJson(c));
  return {{"ranked", r.ranked_against_incident}, {"changes", arr}};
}

json::object ToJson(const ErrorPatternReport& r) {
  json::array arr;
  for (const auto& p : r.patterns)
    arr.push_back({{"service", p.service},
                   {"pattern", p.pattern},
                   {"count", p.count},
                   {"baseline_rate", p.baseline_rate},
                   {"first_seen", Rfc(p.first_seen)}});
  return {{"patterns", arr}, {"missing", Strings(r.missing)}};
}

Result<json::object> Analysis::GetRootCauseHypotheses(const model::Principal& who, const json::value& req) const {
  core::ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"incident"});
  auto id = r.String("incident", true);
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(auto a, LatestAnalysis(who, *id));
  return ToJson(a);
}

Result<json::object> Analysis::GetMetricAnomalies(const model::Principal& who, const json::value& req) {
  core::ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"service", "from", "to"});
  const int64_t now = core::ToUnixMillis(clock_.Now());
  auto service = r.String("service");
  auto from = WhenArg(r, "from", now);
  auto to = WhenArg(r, "to", now);
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(auto rep, MetricAnomalies(who, service.value_or(""), from, to));
  return ToJson(rep);
}

Result<json::object> Analysis::GetRecentChanges(const model::Principal& who, const json::value& req) {
  core::ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"service", "from", "to", "incident"});
  const int64_t now = core::ToUnixMillis(clock_.Now());
  auto service = r.String("service");
  auto incident = r.String("incident");
  auto from = WhenArg(r, "from", now);
  auto to = WhenArg(r, "to", now);
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(auto rep, RecentChanges(who, service.value_or(""), from, to, incident.value_or("")));
  return ToJson(rep);
}

Result<json::object> Analysis::GetErrorPatterns(const model::Principal& who, const json::value& req) {
  core::ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"service", "from", "to"});
  const int64_t now = core::ToUnixMillis(clock_.Now());
  auto service = r.String("service", true);
  auto from = WhenArg(r, "from", now);
  auto to = WhenArg(r, "to", now);
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(auto rep, ErrorPatterns(who, *service, from, to));
  return ToJson(rep);
}

Result<json::object> Analysis::GetResourceTrends(const model::Principal& who, const json::value& req) {
  core::ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"service", "horizon"});
  auto service = r.String("service");
  auto horizon = r.String("horizon");
  FB_TRY(r.status());
  std::optional<int64_t> horizon_ms;
  if (horizon) {
    auto d = core::ParseDuration(*horizon);
    if (!d) return InvalidArgument("horizon: " + d.error().message, "horizon");
    horizon_ms = d->count();
  }
  FB_ASSIGN_OR_RETURN(auto rep, ResourceTrends(who, service.value_or(""), horizon_ms));
  return ToJson(rep);
}

const std::vector<AnalysisTool>& AnalysisTools() {
  static const std::vector<AnalysisTool> kTools = [] {
    const json::object when{{"type", json::array{"string", "integer"}},
                            {"description", "RFC 3339, Unix seconds, or a duration ago such as \"15m\""}};
    auto schema = [](json::object props, json::array required) {
      json::object s{{"type", "object"}, {"properties", std::move(props)}, {"additionalProperties", false}};
      if (!required.empty()) s["required"] = std::move(required);
      return s;
    };
    const json::object svc{{"type", "string"}, {"description", "service id from the catalog"}};
    std::vector<AnalysisTool> t;
    t.push_back({"get_root_cause_hypotheses",
                 "Latest root-cause analysis of an incident: ranked hypotheses (service, signal, confidence, "
                 "evidence: series, onset, magnitude, change event, log pattern, graph path), ranked changes and "
                 "what data was missing.",
                 schema({{"incident", {{"type", "string"}, {"description", "incident id, e.g. INC-12"}}}}, {"incident"}),
                 false});
    t.push_back({"get_metric_anomalies",
                 "Metric anomalies in a window (default the last 15 minutes): robust deviations from the baseline "
                 "and the streaming detector's change points with onset times. May query Prometheus.",
                 schema({{"service", svc}, {"from", when}, {"to", when}}, {}), true});
    t.push_back({"get_recent_changes",
                 "Change events (deploys, config changes, feature flags), newest first; with `incident`, ranked "
                 "against it by time before onset, graph distance and anomalies after the change.",
                 schema({{"service", svc}, {"from", when}, {"to", when},
                         {"incident", {{"type", "string"}, {"description", "rank against this incident"}}}},
                        {}),
                 false});
    t.push_back({"get_error_patterns",
                 "New or surging error log patterns of a service in a window (needs a log pattern source).",
                 schema({{"service", svc}, {"from", when}, {"to", when}}, {"service"}), false});
    t.push_back({"get_resource_trends",
                 "Time to exhaustion of saturating resources (disk, memory, pools, error budget) under a horizon.",
                 schema({{"service", svc}, {"horizon", {{"type", "string"}, {"description", "e.g. \"24h\""}}}}, {}),
                 true});
    return t;
  }();
  return kTools;
}

Result<json::object> CallAnalysisTool(Analysis& a, const model::Principal& who, std::string_view name,
                                      const json::value& args) {
  if (name == "get_root_cause_hypotheses") return a.GetRootCauseHypotheses(who, args);
  if (name == "get_metric_anomalies") return a.GetMetricAnomalies(who, args);
  if (name == "get_recent_changes") return a.GetRecentChanges(who, args);
  if (name == "get_error_patterns") return a.GetErrorPatterns(who, args);
  if (name == "get_resource_trends") return a.GetResourceTrends(who, args);
  return NotFound("unknown tool '" + std::string(name.substr(0, 64)) + "'", "name");
}

}  // namespace firebreak::app
