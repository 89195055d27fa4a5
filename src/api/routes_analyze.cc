// Automated investigation: metric push (JSON, Prometheus text exposition, CSV), stored series,
// anomalies, change events, root-cause analyses of incidents, resource trends, error patterns.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>

#include "analyze/decode.h"
#include "app/alert_requests.h"
#include "api/server.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::api {

namespace {

std::string Query(const Exchange& ex, const std::string& key) {
  auto it = ex.query.find(key);
  return it == ex.query.end() ? "" : it->second;
}

// Optional time query parameter.
Result<std::optional<int64_t>> When(const Exchange& ex, const std::string& key, int64_t now) {
  auto v = Query(ex, key);
  if (v.empty()) return std::optional<int64_t>();
  FB_ASSIGN_OR_RETURN(int64_t t, app::ParseWhen(v, now, key));
  return std::optional<int64_t>(t);
}

}  // namespace

void RegisterAnalyzeRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  // Push samples. The body is JSON, the Prometheus text exposition format (text/plain,
  // application/openmetrics-text) or CSV (text/csv); `?service=` names the service when the
  // samples do not.
  r.Add(http::verb::post, "/api/v1/metrics", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    const std::string ctype = core::ToLower(ex.Header("content-type"));
    const std::string service = Query(ex, "service");
    const std::string& body = ex.req().body();
    Result<analyze::MetricBatch> batch = InvalidArgument("empty body");
    size_t skipped = 0;
    if (ctype.rfind("text/csv", 0) == 0) {
      batch = analyze::DecodeMetricsCsv(body, service, Query(ex, "metric"));
    } else if (ctype.rfind("text/plain", 0) == 0 || ctype.rfind("application/openmetrics-text", 0) == 0) {
      batch = analyze::DecodeExposition(body, service, core::ToUnixMillis(app.clock().Now()), {}, &skipped);
    } else if (ctype.empty() || ctype.rfind("application/json", 0) == 0) {
      batch = analyze::DecodeMetricsJson(body, service);
    } else {
      batch = InvalidArgument("unsupported Content-Type '" + core::Truncate(ctype, 60) +
                                  "' (use application/json, text/plain exposition or text/csv)",
                              "content-type");
    }
    if (!batch) co_return ex.Fail(batch.error());
    auto p = *ex.principal;
    auto start = [&app, p, b = std::move(*batch)](auto cb) mutable { app.analysis().PushMetrics(p, std::move(b), std::move(cb)); };
    auto res = co_await Await<app::PushResult>(std::move(start));
    if (!res) co_return ex.Fail(res.error());
    json::object out{{"series", res->series}, {"samples", res->samples}, {"skipped", skipped}};
    co_return ex.Json(200, out);
  });

  // The stored series (?service= only; a window, ?from=&to=, is for one series' samples).
  r.Add(http::verb::get, "/api/v1/metrics/series", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {"service"});
    if (!ok) co_return ex.Fail(ok.error());
    auto list = app.analysis().ListSeries(*ex.principal, Query(ex, "service"));
    if (!list) co_return ex.Fail(list.error());
    json::array arr;
    for (const auto& rec : *list) {
      json::object labels;
      for (const auto& [k, v] : rec.labels) labels[k] = v;
      arr.push_back({{"id", rec.id},
                     {"service", rec.service},
                     {"metric", rec.metric},
                     {"labels", labels},
                     {"samples", rec.samples},
                     {"first", rec.first ? core::FormatRfc3339(core::FromUnixMillis(rec.first)) : ""},
                     {"last", rec.last ? core::FormatRfc3339(core::FromUnixMillis(rec.last)) : ""}});
    }
    json::object out{{"series", arr}};
    co_return ex.Json(200, out);
  });

  r.Add(http::verb::get, "/api/v1/metrics/series/{id}", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    const int64_t now = core::ToUnixMillis(app.clock().Now());
    const auto& ids = ex.Param("id");
    if (ids.empty() || ids.size() > 18 || !std::all_of(ids.begin(), ids.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      auto e = Error{ErrorCode::kInvalidArgument, "series id must be a number", "id"};
      co_return ex.Fail(e);
    }
    const int64_t id = std::stoll(ids);
    auto ok = app::OnlyParams(ex.query, {"from", "to"});
    if (!ok) co_return ex.Fail(ok.error());
    auto from = When(ex, "from", now);
    if (!from) co_return ex.Fail(from.error());
    auto to = When(ex, "to", now);
    if (!to) co_return ex.Fail(to.error());
    const int64_t t1 = to->value_or(now), t0 = from->value_or(t1 - 3'600'000);
    auto pts = app.analysis().QuerySeries(*ex.principal, id, t0, t1);
    if (!pts) co_return ex.Fail(pts.error());
    json::array arr;
    for (const auto& p : *pts) arr.push_back({p.t, p.v});
    json::object out{{"id", id}, {"samples", arr}};
    co_return ex.Json(200, out);
  });

  r.Add(http::verb::get, "/api/v1/anomalies", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {"service", "from", "to"});
    if (!ok) co_return ex.Fail(ok.error());
    const int64_t now = core::ToUnixMillis(app.clock().Now());
    auto from = When(ex, "from", now);
    if (!from) co_return ex.Fail(from.error());
    auto to = When(ex, "to", now);
    if (!to) co_return ex.Fail(to.error());
    auto p = *ex.principal;
    auto service = Query(ex, "service");
    auto& an = app.analysis();
    auto start = [&an, p, service, f = *from, t = *to](auto cb) {
      an.Async<app::AnomalyReport>([&an, p, service, f, t] { return an.MetricAnomalies(p, service, f, t); }, std::move(cb));
    };
    auto res = co_await Await<app::AnomalyReport>(std::move(start));
    co_return ex.Respond(res, [](const app::AnomalyReport& x) { return json::value(app::ToJson(x)); });
  });

  r.Add(http::verb::get, "/api/v1/trends", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    std::optional<int64_t> horizon;
    if (auto h = Query(ex, "horizon"); !h.empty()) {
      auto d = core::ParseDuration(h);
      if (!d) {
        auto e = Error{ErrorCode::kInvalidArgument, "horizon: " + d.error().message, "horizon"};
        co_return ex.Fail(e);
      }
      horizon = d->count();
    }
    auto p = *ex.principal;
    auto service = Query(ex, "service");
    auto& an = app.analysis();
    auto start = [&an, p, service, horizon](auto cb) {
      an.Async<app::TrendReport>([&an, p, service, horizon] { return an.ResourceTrends(p, service, horizon); }, std::move(cb));
    };
    auto res = co_await Await<app::TrendReport>(std::move(start));
    co_return ex.Respond(res, [](const app::TrendReport& x) { return json::value(app::ToJson(x)); });
  });

  r.Add(http::verb::post, "/api/v1/changes", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto c = app::DecodeChangeEvent(*body);
    if (!c) co_return ex.Fail(c.error());
    auto p = *ex.principal;
    auto start = [&app, p, c = std::move(*c)](auto cb) mutable { app.analysis().RecordChange(p, std::move(c), std::move(cb)); };
    auto res = co_await Await<model::ChangeEvent>(std::move(start));
    co_return ex.Respond(res, [](const model::ChangeEvent& e) { return json::value(model::ToJson(e)); }, 201);
  });

  // Without ?incident: the change list (?since|from, ?until|to, ?service, ?limit), oldest first.
  // With ?incident=ID: the window's changes ranked against that incident.
  r.Add(http::verb::get, "/api/v1/changes", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    if (Query(ex, "incident").empty()) {
      std::map<std::string, std::string> q;
      for (const auto& [k, v] : ex.query) {
        if (k == "incident") continue;
        q[k == "from" ? "since" : k == "to" ? "until" : k] = v;
      }
      auto f = app::DecodeChangeFilter(q, app.clock().Now());
      if (!f) co_return ex.Fail(f.error());
      auto list = app.ListChanges(*ex.principal, *f);
      if (!list) co_return ex.Fail(list.error());
      json::array arr;
      for (const auto& c : *list) arr.push_back(model::ToJson(c));
      co_return ex.Json(200, json::object{{"ranked", false}, {"changes", std::move(arr)}});
    }
    const int64_t now = core::ToUnixMillis(app.clock().Now());
    auto from = When(ex, "from", now);
    if (!from) co_return ex.Fail(from.error());
    auto to = When(ex, "to", now);
    if (!to) co_return ex.Fail(to.error());
    auto rep = app.analysis().RecentChanges(*ex.principal, Query(ex, "service"), *from, *to, Query(ex, "incident"));
    co_return ex.Respond(rep, [](const app::ChangeReport& x) { return json::value(app::ToJson(x)); });
  });

  r.Add(http::verb::post, "/api/v1/incidents/{id}/analyze", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    if (auto ok = ex.NoBody(); !ok) co_return ex.Fail(ok.error());
    auto p = *ex.principal;
    auto start = [&app, p, id = ex.Param("id")](auto cb) mutable {
      app.analysis().AnalyzeIncident(p, id, "manual", std::move(cb));
    };
    auto res = co_await Await<app::StoredAnalysis>(std::move(start));
    co_return ex.Respond(res, [](const app::StoredAnalysis& a) { return json::value(app::ToJson(a)); });
  });

  // The latest analysis. `?wait=30s` waits (long poll) for one when there is none yet or for a
  // newer one than `?after=ID`.
  r.Add(http::verb::get, "/api/v1/incidents/{id}/hypotheses", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    int64_t wait_ms = 0, after = 0;
    auto ok = app::OnlyParams(ex.query, {"wait", "after"});
    if (!ok) co_return ex.Fail(ok.error());
    auto wait = app::ParseWait(ex.query, std::chrono::minutes(10));
    if (!wait) co_return ex.Fail(wait.error());
    wait_ms = wait->count();
    if (auto a = ex.query.find("after"); a != ex.query.end()) {
      auto n = app::ParseInt(a->second, "after", 0, INT64_MAX);  // an analysis id
      if (!n) co_return ex.Fail(n.error());
      after = *n;
    }
    const std::string id = ex.Param("id");
    auto ready = [&](const Result<app::StoredAnalysis>& a) {
      return !(!a && a.error().code == ErrorCode::kNotFound && a.error().message.rfind("no analysis", 0) == 0) &&
             !(a && a->id <= after);
    };
    if (wait_ms > 0) {
      // Resolves once: when an analysis of this incident is recorded, when the wait ends, or at
      // once if there already is one. Subscribing before looking means none is missed.
      struct WaitState {
        std::atomic<bool> fired{false};
        int sub = 0;
        std::optional<asio::steady_timer> timer;
      };
      auto exec = co_await asio::this_coro::executor;
      auto state = std::make_shared<WaitState>();
      auto p = *ex.principal;
      auto start = [&app, &ready, state, id, wait_ms, exec, p](auto cb) {
        auto fire = [state, cb]() mutable {
          if (!state->fired.exchange(true)) cb(Result<bool>(true));
        };
        state->sub = app.engine().Subscribe([fire, id](const engine::Change& c) mutable {
          if (c.topic == "analysis" && c.id == id) fire();
        });
        state->timer.emplace(exec, std::chrono::milliseconds(wait_ms));
        state->timer->async_wait([fire](boost::system::error_code) mutable { fire(); });
        if (ready(app.analysis().LatestAnalysis(p, id))) fire();
      };
      auto done = co_await Await<bool>(std::move(start));
      (void)done;
      app.engine().Unsubscribe(state->sub);
    }
    auto a = app.analysis().LatestAnalysis(*ex.principal, id);
    if (a && a->id <= after) {
      auto e = Error{ErrorCode::kNotFound, "no analysis newer than " + std::to_string(after) + " yet", "after"};
      co_return ex.Fail(e);
    }
    co_return ex.Respond(a, [](const app::StoredAnalysis& x) { return json::value(app::ToJson(x)); });
  });

  r.Add(http::verb::get, "/api/v1/error-patterns", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    const int64_t now = core::ToUnixMillis(app.clock().Now());
    auto from = When(ex, "from", now);
    if (!from) co_return ex.Fail(from.error());
    auto to = When(ex, "to", now);
    if (!to) co_return ex.Fail(to.error());
    auto rep = app.analysis().ErrorPatterns(*ex.principal, Query(ex, "service"), *from, *to);
    co_return ex.Respond(rep, [](const app::ErrorPatternReport& x) { return json::value(app::ToJson(x)); });
  });
}

}  // namespace firebreak::api
