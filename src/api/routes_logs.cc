// Logs: ingestion (JSON lines, Grafana Loki push API) and log patterns (templates, patterns of a
// window, an incident's patterns).
#include "api/server.h"
#include "app/log_requests.h"
#include "app/log_tools.h"
#include "app/requests.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::api {

namespace {

// Entries with an explicit but unknown service are refused (the Firebreak API is strict); the Loki
// endpoint drops them instead (shippers send everything they have).
Status CheckServices(const app::App& app, const std::vector<logs::LogEntry>& entries) {
  auto cfg = app.config();
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& s = entries[i].service;
    if (s.empty())
      return InvalidArgument("entry " + std::to_string(i) + " names no service (use \"service\" or ?service=)",
                             "service");
    if (!cfg->FindService(s)) return InvalidArgument("unknown service '" + core::Truncate(s, 64) + "'", "service");
  }
  return Ok();
}

// ?errors=1&limit=20 -> {"errors_only": true, "limit": 20}; other parameters are refused.
Result<json::object> QueryToRequest(const std::map<std::string, std::string>& query,
                                    std::initializer_list<std::string_view> allowed) {
  json::object req;
  for (const auto& [k, v] : query) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      return InvalidArgument("unknown parameter '" + core::Truncate(k, 64) + "'", k);
    if (k == "errors") {
      // As on /logs/patterns: bare or true/1, false/0; anything else is refused naming it.
      if (v.empty()) {
        req["errors_only"] = true;
      } else {
        FB_ASSIGN_OR_RETURN(req["errors_only"], app::ParseBool(v, "errors"));
      }
    } else if (k == "limit") {
      // The tool checks its own range (the same 1..500) for MCP callers too.
      FB_ASSIGN_OR_RETURN(req["limit"], app::ParseInt(v, "limit", 1, 500));
    }
  }
  return req;
}

}  // namespace

void RegisterLogRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  r.Add(http::verb::post, "/api/v1/logs", Auth::kCustom, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto id = app.AuthenticateIngest(ex.Header("Authorization"));
    if (!id) co_return ex.Fail(id.error());
    std::string ctype = core::ToLower(ex.Header("Content-Type"));
    bool ndjson = ctype.find("ndjson") != std::string::npos || ctype.find("jsonl") != std::string::npos ||
                  ctype.find("json-seq") != std::string::npos;
    std::string service = id->default_service;
    if (auto it = ex.query.find("service"); it != ex.query.end()) service = it->second;
    auto cfg = app.config();
    auto entries = logs::DecodeLogBatch(ex.req().body(), ndjson, service, cfg->settings.logs.service_labels);
    if (!entries) co_return ex.Fail(entries.error());
    if (auto st = CheckServices(app, *entries); !st) co_return ex.Fail(st.error());
    auto p = id->principal;
    auto start = [&app, p, e = std::move(*entries)](auto cb) mutable { app.IngestLogs(p, std::move(e), std::move(cb)); };
    auto res = co_await Await<app::LogIngestReport>(std::move(start));
    co_return ex.Respond(res, app::IngestReportToJson);
  });

  r.Add(http::verb::post, "/loki/api/v1/push", Auth::kCustom, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto id = app.AuthenticateIngest(ex.Header("Authorization"));
    if (!id) co_return ex.Fail(id.error());
    std::string enc = core::ToLower(ex.Header("Content-Encoding"));
    if (!enc.empty() && enc != "identity") {
      Error e{ErrorCode::kInvalidArgument,
              "unsupported Content-Encoding '" + core::Truncate(enc, 32) + "' (send JSON, or snappy-compressed protobuf)",
              "Content-Encoding"};
      co_return ex.Fail(e);
    }
    std::string ctype = core::ToLower(ex.Header("Content-Type"));
    auto cfg = app.config();
    const auto& labels = cfg->settings.logs.service_labels;
    Result<std::vector<logs::LogEntry>> entries =
        ctype.find("protobuf") != std::string::npos ? logs::DecodeLokiProtobuf(ex.req().body(), labels)
                                                     : logs::DecodeLokiJson(ex.req().body(), labels);
    if (!entries) co_return ex.Fail(entries.error());
    if (!id->default_service.empty())
      for (auto& e : *entries)
        if (e.service.empty()) e.service = id->default_service;
    auto p = id->principal;
    auto start = [&app, p, e = std::move(*entries)](auto cb) mutable { app.IngestLogs(p, std::move(e), std::move(cb)); };
    auto res = co_await Await<app::LogIngestReport>(std::move(start));
    if (!res) co_return ex.Fail(res.error());
    Response out = ex.Text(204, "");
    co_return out;
  });

  r.Add(http::verb::get, "/api/v1/logs/templates", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto f = app::DecodeTemplateFilter(ex.query, app.clock().Now());
    if (!f) co_return ex.Fail(f.error());
    auto list = app.LogTemplates(*ex.principal, *f);
    if (!list) co_return ex.Fail(list.error());
    json::array arr;
    for (const auto& t : *list) arr.push_back(app::TemplateToJson(t));
    json::object out{{"templates", arr}};
    co_return ex.Json(200, out);
  });

  r.Add(http::verb::get, "/api/v1/logs/patterns", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodePatternQuery(ex.query, app.DefaultPatternQuery(), app.clock().Now());
    if (!q) co_return ex.Fail(q.error());
    auto list = app.LogPatterns(*ex.principal, *q);
    if (!list) co_return ex.Fail(list.error());
    json::array arr;
    for (const auto& p : *list) arr.push_back(app::PatternToJson(p));
    json::object out{{"from", core::FormatRfc3339(q->from)}, {"to", core::FormatRfc3339(q->to)}, {"patterns", arr}};
    co_return ex.Json(200, out);
  });

  r.Add(http::verb::get, "/api/v1/incidents/{id}/log-patterns", Auth::kRead,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto req = QueryToRequest(ex.query, {"errors", "limit"});
          if (!req) co_return ex.Fail(req.error());
          (*req)["incident_id"] = ex.Param("id");
          json::value v = std::move(*req);
          auto out = app::IncidentLogPatternsJson(app, *ex.principal, v);
          if (!out) co_return ex.Fail(out.error());
          co_return ex.Json(200, *out);
        });

  // Mines posted lines without storing anything: {"lines": [...], "format", "limit"}.
  r.Add(http::verb::post, "/api/v1/logs/mine", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto out = app::MineLogLinesJson(app, *ex.principal, *body);
    if (!out) co_return ex.Fail(out.error());
    co_return ex.Json(200, *out);
  });
}

}  // namespace firebreak::api
