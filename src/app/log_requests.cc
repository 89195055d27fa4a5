#include "app/log_requests.h"

#include <cmath>

#include "app/requests.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::app {

namespace json = boost::json;

namespace {

Result<int> ParseLimit(const std::map<std::string, std::string>& q, int def, int max) {
  auto it = q.find("limit");
  if (it == q.end()) return def;
  FB_ASSIGN_OR_RETURN(auto n, ParseInt(it->second, "limit", 1, max));
  return static_cast<int>(n);
}

// A flag parameter: absent is false; bare (`?errors`) is true; otherwise true/1 or false/0, and
// anything else is refused naming it (not read as false).
Result<bool> Flag(const std::map<std::string, std::string>& q, const char* k) {
  auto it = q.find(k);
  if (it == q.end()) return false;
  if (it->second.empty()) return true;
  return ParseBool(it->second, k);
}

double Round(double x) { return std::round(x * 1000.0) / 1000.0; }

std::string Time(int64_t ms) { return ms ? core::FormatRfc3339(core::FromUnixMillis(ms)) : ""; }

}  // namespace

Result<logs::PatternQuery> DecodePatternQuery(const std::map<std::string, std::string>& query, logs::PatternQuery q,
                                              core::TimePoint now) {
  for (const auto& [k, v] : query)
    if (k != "service" && k != "from" && k != "to" && k != "since" && k != "limit" && k != "errors" &&
        k != "anomalous")
      return UnknownName("parameter", k, "query");
  auto s = query.find("service");
  if (s == query.end() || s->second.empty()) return InvalidArgument("service is required", "service");
  q.services = core::Split(s->second, ',', true);
  if (q.services.size() > 50) return InvalidArgument("at most 50 services", "service");
  q.to = now;
  q.from = now - std::chrono::hours(1);
  if (auto it = query.find("since"); it != query.end()) {
    FB_ASSIGN_OR_RETURN(q.from, ParseAgoOrTime(it->second, "since", now));
  }
  if (auto it = query.find("from"); it != query.end()) {
    FB_ASSIGN_OR_RETURN(q.from, ParseAgoOrTime(it->second, "from", now));
  }
  if (auto it = query.find("to"); it != query.end()) {
    FB_ASSIGN_OR_RETURN(q.to, ParseAgoOrTime(it->second, "to", now));
  }
  FB_ASSIGN_OR_RETURN(int limit, ParseLimit(query, 20, 500));
  q.limit = static_cast<size_t>(limit);
  FB_ASSIGN_OR_RETURN(q.errors_only, Flag(query, "errors"));
  FB_ASSIGN_OR_RETURN(q.anomalous_only, Flag(query, "anomalous"));
  return q;
}

Result<LogTemplateFilter> DecodeTemplateFilter(const std::map<std::string, std::string>& query, core::TimePoint now) {
  for (const auto& [k, v] : query)
    if (k != "service" && k != "since" && k != "limit" && k != "errors")
      return UnknownName("parameter", k, "query");
  LogTemplateFilter f;
  if (auto it = query.find("service"); it != query.end()) f.service = it->second;
  if (auto it = query.find("since"); it != query.end()) {
    FB_ASSIGN_OR_RETURN(f.since, ParseAgoOrTime(it->second, "since", now));
  }
  FB_ASSIGN_OR_RETURN(f.limit, ParseLimit(query, 100, 1000));
  FB_ASSIGN_OR_RETURN(f.errors_only, Flag(query, "errors"));
  return f;
}

json::object PatternToJson(const logs::Pattern& p) {
  json::array ex;
  for (const auto& e : p.exemplars) {
    json::object o{{"time", Time(e.time)}, {"line", e.line}};
    if (!e.level.empty()) o["level"] = e.level;
    if (auto l = core::ParseJson(e.labels); l && l->is_object() && !l->as_object().empty()) o["labels"] = *l;
    ex.push_back(std::move(o));
  }
  return json::object{{"template_id", p.template_id},
                      {"service", p.service},
                      {"template", p.text},
                      {"error", p.error},
                      {"new", p.is_new},
                      {"surging", p.surging},
                      {"count", p.count},
                      {"error_lines", p.errors},
                      {"first_seen", Time(p.first_seen_ms)},
                      {"last_seen", Time(p.last_seen_ms)},
                      {"rate_per_min", Round(p.stats.rate)},
                      {"peak_per_min", Round(p.stats.peak_rate)},
                      {"baseline_per_min", Round(p.stats.baseline_median)},
                      {"baseline_mad", Round(p.stats.baseline_mad)},
                      {"z", Round(p.stats.z)},
                      {"score", Round(p.score)},
                      {"exemplars", ex}};
}

json::object TemplateToJson(const store::LogTemplateRecord& t) {
  return json::object{{"template_id", t.id},       {"service", t.service},
                      {"template", t.text},        {"count", t.count},
                      {"error_lines", t.errors},   {"error", t.errors > 0 || logs::LooksLikeError(t.text)},
                      {"first_seen", Time(t.first_seen)}, {"last_seen", Time(t.last_seen)},
                      {"in_memory", t.active}};
}

json::object IngestReportToJson(const LogIngestReport& r) {
  json::array inc;
  for (const auto& i : r.incidents_noted) inc.emplace_back(i);
  return json::object{{"accepted", r.accepted},
                      {"dropped", r.dropped},
                      {"new_templates", r.new_templates},
                      {"incidents_noted", inc}};
}

}  // namespace firebreak::app
