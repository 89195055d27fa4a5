// Health, metrics, identity, tokens and configuration reloads.
#include "api/server.h"
#include "core/time.h"

namespace firebreak::api {

void RegisterSystemRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  r.Add(http::verb::get, "/healthz", Auth::kNone, [&app](Exchange& ex) -> asio::awaitable<Response> {
    json::object o{{"status", "ok"},
                   {"version", std::string_view(FIREBREAK_VERSION)},
                   {"schema_version", app.store().schema_version()},
                   {"time", core::FormatRfc3339(app.clock().Now())}};
    co_return ex.Json(200, o);
  });

  r.Add(http::verb::get, "/metrics", Auth::kNone, [&app](Exchange& ex) -> asio::awaitable<Response> {
    app.RefreshGauges();
    co_return ex.Text(200, app.metrics().Render(), "text/plain; version=0.0.4; charset=utf-8");
  });

  r.Add(http::verb::get, "/api/v1/whoami", Auth::kRead, [](Exchange& ex) -> asio::awaitable<Response> {
    const auto& p = *ex.principal;
    json::object o{{"actor", p.actor.ToString()},
                   {"person", p.person},
                   {"token", p.token_id},
                   {"scopes", model::ScopesToString(p.scopes)}};
    co_return ex.Json(200, o);
  });

  // GET /api/v1/status (the quick system status) is served by the report routes.

  r.Add(http::verb::post, "/api/v1/tokens", Auth::kAdmin, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto req = app::DecodeToken(*body);
    if (!req) co_return ex.Fail(req.error());
    auto t = app.CreateToken(*ex.principal, *req);
    if (!t) co_return ex.Fail(t.error());
    json::object out{{"id", t->record.id},
                     {"token", t->token},
                     {"person", t->record.person},
                     {"scopes", model::ScopesToString(t->record.scopes)}};
    co_return ex.Json(201, out);
  });

  r.Add(http::verb::post, "/api/v1/admin/reload", Auth::kAdmin, [&app](Exchange& ex) -> asio::awaitable<Response> {
    if (auto ok = ex.NoBody(); !ok) co_return ex.Fail(ok.error());
    auto rep = app.ReloadConfig(*ex.principal);
    if (!rep) co_return ex.Fail(rep.error());
    json::array restart, warnings;
    for (const auto& s : rep->restart_required) restart.emplace_back(s);
    for (const auto& w : rep->warnings) warnings.push_back(w.ToJson());
    json::object out{{"reloaded", true},
                     {"config_dir", rep->config_dir},
                     {"fingerprint", rep->fingerprint},
                     {"changed", rep->changed},
                     {"services", rep->services},
                     {"people", rep->people},
                     {"schedules", rep->schedules},
                     {"policies", rep->policies},
                     {"runbooks", rep->runbooks},
                     {"integrations", rep->integrations},
                     {"restart_required", std::move(restart)},
                     {"warnings", std::move(warnings)}};
    co_return ex.Json(200, out);
  });
}

}  // namespace firebreak::api
