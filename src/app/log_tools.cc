#include "app/log_tools.h"

#include <algorithm>

#include <re2/re2.h>

#include "app/log_requests.h"
#include "app/requests.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "logs/format.h"
#include "logs/miner.h"

namespace firebreak::app {

namespace json = boost::json;
using core::ObjectReader;

namespace {

const json::value& OrEmpty(const json::value& v) {
  static const json::value kEmpty = json::object();
  return v.is_null() ? kEmpty : v;
}

// "1h" (before now) or an RFC 3339 time.
Result<core::TimePoint> When(ObjectReader& r, std::string_view key, core::TimePoint now, core::TimePoint def) {
  auto s = r.String(key);
  FB_TRY(r.status());
  if (!s) return def;
  return ParseAgoOrTime(*s, r.PathOf(key), now);
}

Result<int64_t> Limit(ObjectReader& r, int64_t def, int64_t max) {
  auto v = r.Int("limit");
  FB_TRY(r.status());
  if (!v) return def;
  if (*v < 1 || *v > max) return InvalidArgument("limit must be 1.." + std::to_string(max), "limit");
  return *v;
}

Result<bool> Flag(ObjectReader& r, std::string_view key) {
  auto v = r.Bool(key);
  FB_TRY(r.status());
  return v.value_or(false);
}

std::string Time(core::TimePoint t) { return core::FormatRfc3339(t); }

}  // namespace

json::array RunbooksMatchingLogPatterns(const config::Config& cfg, const std::vector<logs::Pattern>& patterns) {
  json::array out;
  for (const auto& rb : cfg.runbooks) {
    if (rb.log_patterns.empty()) continue;
    json::array matches;
    for (const auto& expr : rb.log_patterns) {
      RE2 re(expr, RE2::Quiet);
      if (!re.ok()) continue;  // the loader refuses these; a stale config cannot crash a query
      for (const auto& p : patterns) {
        if (!rb.services.empty() && std::find(rb.services.begin(), rb.services.end(), p.service) == rb.services.end())
          continue;
        if (!RE2::PartialMatch(p.text, re)) continue;
        matches.push_back(json::object{{"template_id", p.template_id},
                                       {"service", p.service},
                                       {"template", p.text},
                                       {"log_pattern", expr}});
      }
    }
    if (!matches.empty())
      out.push_back(json::object{{"runbook", rb.id}, {"title", rb.title}, {"matches", std::move(matches)}});
  }
  return out;
}

Result<json::object> LogPatternsJson(const App& app, const model::Principal& who, const json::value& req) {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"services", "since", "from", "to", "errors_only", "anomalous_only", "limit"});
  FB_TRY(r.status());
  auto q = app.DefaultPatternQuery();
  auto services = r.StringArray("services", true);
  FB_TRY(r.status());
  q.services = std::move(*services);
  if (q.services.empty()) return InvalidArgument("name at least one service", "services");
  if (q.services.size() > 50) return InvalidArgument("at most 50 services", "services");
  auto now = app.clock().Now();
  FB_ASSIGN_OR_RETURN(q.from, When(r, "since", now, now - std::chrono::hours(1)));
  FB_ASSIGN_OR_RETURN(q.from, When(r, "from", now, q.from));
  FB_ASSIGN_OR_RETURN(q.to, When(r, "to", now, now));
  FB_ASSIGN_OR_RETURN(q.errors_only, Flag(r, "errors_only"));
  FB_ASSIGN_OR_RETURN(q.anomalous_only, Flag(r, "anomalous_only"));
  FB_ASSIGN_OR_RETURN(int64_t limit, Limit(r, 20, 500));
  q.limit = static_cast<size_t>(limit);
  FB_ASSIGN_OR_RETURN(auto list, app.LogPatterns(who, q));
  json::array arr;
  for (const auto& p : list) arr.push_back(PatternToJson(p));
  return json::object{{"from", Time(q.from)}, {"to", Time(q.to)}, {"patterns", std::move(arr)}};
}

Result<json::object> IncidentLogPatternsJson(const App& app, const model::Principal& who, const json::value& req) {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"incident_id", "errors_only", "limit"});
  auto id = r.String("incident_id", true);
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(bool errors_only, Flag(r, "errors_only"));
  FB_ASSIGN_OR_RETURN(int64_t limit, Limit(r, 20, 500));
  FB_ASSIGN_OR_RETURN(auto list, app.IncidentLogPatterns(who, *id, errors_only, static_cast<size_t>(limit)));
  FB_ASSIGN_OR_RETURN(auto window, app.IncidentLogWindow(who, *id));
  json::array arr;
  for (const auto& p : list) arr.push_back(PatternToJson(p));
  json::array services;
  for (const auto& s : window.services) services.emplace_back(s);
  auto cfg = app.config();
  return json::object{{"incident_id", *id},
                      {"from", Time(window.from)},
                      {"to", Time(window.to)},
                      {"services", std::move(services)},
                      {"patterns", std::move(arr)},
                      {"runbooks", RunbooksMatchingLogPatterns(*cfg, list)}};
}

Result<json::object> LogTemplatesJson(const App& app, const model::Principal& who, const json::value& req) {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"service", "since", "errors_only", "limit"});
  LogTemplateFilter f;
  auto service = r.String("service");
  FB_TRY(r.status());
  if (service) f.service = *service;
  auto now = app.clock().Now();
  FB_ASSIGN_OR_RETURN(f.since, When(r, "since", now, core::TimePoint{}));
  FB_ASSIGN_OR_RETURN(f.errors_only, Flag(r, "errors_only"));
  FB_ASSIGN_OR_RETURN(int64_t limit, Limit(r, 100, 1000));
  f.limit = static_cast<int>(limit);
  FB_ASSIGN_OR_RETURN(auto list, app.LogTemplates(who, f));
  json::array arr;
  for (const auto& t : list) arr.push_back(TemplateToJson(t));
  return json::object{{"templates", std::move(arr)}};
}

Result<json::object> MineLogLinesJson(const App& app, const model::Principal& who, const json::value& req) {
  constexpr size_t kMaxLines = 20000;
  constexpr size_t kMaxBytes = 8 << 20;
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"lines", "format", "limit"});
  const json::array* lines = r.Array("lines", true);
  auto format = r.String("format");
  FB_TRY(r.status());
  if (lines->size() > kMaxLines)
    return InvalidArgument("at most " + std::to_string(kMaxLines) + " lines per call", "lines");
  FB_ASSIGN_OR_RETURN(int64_t limit, Limit(r, 50, 1000));
  FB_ASSIGN_OR_RETURN(auto parser, logs::LineParser::Create(format.value_or("")));
  auto cfg = app.config();
  const auto& ls = cfg->settings.logs;
  logs::MinerOptions mo;
  mo.similarity = ls.similarity;
  mo.min_distinct = static_cast<size_t>(ls.min_distinct);
  mo.mask.patterns = ls.masks;
  FB_ASSIGN_OR_RETURN(auto miner, logs::Miner::Create(mo));
  size_t bytes = 0;
  logs::ParsedLine parsed;
  for (size_t i = 0; i < lines->size(); ++i) {
    const auto& v = (*lines)[i];
    if (!v.is_string()) return InvalidArgument("lines[" + std::to_string(i) + "] must be a string", "lines");
    std::string_view line = v.as_string();
    bytes += line.size();
    if (bytes > kMaxBytes) return InvalidArgument("at most 8 MiB of lines per call", "lines");
    parser.Parse(line, parsed);
    miner.Add(parsed.content, parsed.time_ms.value_or(0), parsed.level == logs::Level::kError);
  }
  auto templates = miner.Templates();
  std::stable_sort(templates.begin(), templates.end(),
                   [](const logs::Template* a, const logs::Template* b) { return a->count > b->count; });
  size_t total = templates.size();
  if (templates.size() > static_cast<size_t>(limit)) templates.resize(static_cast<size_t>(limit));
  json::array arr;
  for (const auto* t : templates) {
    json::object e{{"id", "E" + std::to_string(t->id)}, {"template", t->text}, {"count", t->count},
                   {"error_lines", t->errors}, {"sample", t->sample}};
    if (t->first_seen_ms) e["first_seen"] = core::FormatRfc3339(core::FromUnixMillis(t->first_seen_ms));
    arr.push_back(std::move(e));
  }
  return json::object{{"lines", lines->size()}, {"templates_total", total}, {"templates", std::move(arr)}};
}

}  // namespace firebreak::app
