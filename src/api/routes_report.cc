// Reports: status updates, quick system status, live response plans, post-incident reports,
// MTTx metrics and action items (app/report.h). Reads need `read`, posts and edits need `write`.
#include <algorithm>
#include <cstdlib>

#include "api/server.h"
#include "app/console.h"
#include "core/json.h"

namespace firebreak::api {

namespace {

std::string QueryOr(const Exchange& ex, const std::string& k, std::string def) {
  auto it = ex.query.find(k);
  return it == ex.query.end() ? def : it->second;
}

}  // namespace

void RegisterReportRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  // Post-incident report: ?format=md|json|html (default json). ?envelope=1 wraps text formats in
  // {"format", "content_type", "content"} for JSON-only clients (the CLI).
  r.Add(http::verb::get, "/api/v1/incidents/{id}/report", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {"format", "envelope"});
    if (!ok) co_return ex.Fail(ok.error());
    std::string format = QueryOr(ex, "format", "json");
    bool envelope = false;
    if (auto it = ex.query.find("envelope"); it != ex.query.end()) {
      auto b = app::ParseBool(it->second, "envelope");
      if (!b) co_return ex.Fail(b.error());
      envelope = *b;
    }
    auto out = app.reports().Report(*ex.principal, ex.Param("id"), format);
    if (!out) co_return ex.Fail(out.error());
    if (envelope) {
      json::object env{{"format", format}, {"content_type", out->content_type}, {"content", out->body}};
      co_return ex.Json(200, env);
    }
    co_return ex.Text(200, std::move(out->body), out->content_type);
  });

  // Similar past incidents: ?limit=1..50 (default 5).
  r.Add(http::verb::get, "/api/v1/incidents/{id}/similar", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {"limit"});
    if (!ok) co_return ex.Fail(ok.error());
    auto limit = app::ParseInt(QueryOr(ex, "limit", "5"), "limit", 1, 50);
    if (!limit) co_return ex.Fail(limit.error());
    auto doc = app.reports().Similar(*ex.principal, ex.Param("id"), static_cast<int>(*limit));
    co_return ex.Respond(doc, [](const json::object& o) { return json::value(o); });
  });

  // Status update preview (GET) and posting one (POST): ?audience=internal|external.
  r.Add(http::verb::get, "/api/v1/incidents/{id}/status-update", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {"audience"});
    if (!ok) co_return ex.Fail(ok.error());
    auto aud = report::ParseAudience(QueryOr(ex, "audience", "internal"));
    if (!aud) co_return ex.Fail(aud.error());
    auto doc = app.reports().StatusUpdate(*ex.principal, ex.Param("id"), *aud);
    co_return ex.Respond(doc, [](const json::object& o) { return json::value(o); });
  });
  r.Add(http::verb::post, "/api/v1/incidents/{id}/status-updates", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    // Everything is in the body: a ?audience=external in the URL must not quietly post an internal one.
    auto ok = app::OnlyParams(ex.query, {});
    if (!ok) co_return ex.Fail(ok.error());
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    if (body->is_object() && body->as_object().contains("text")) {
      // A person's own external update for the public status page (app/console.h).
      auto req = app::DecodeStatusUpdate(*body);
      if (!req) co_return ex.Fail(req.error());
      auto p = *ex.principal;
      auto start = [&app, p, id = ex.Param("id"), req = std::move(*req)](auto cb) mutable {
        app::PostStatusUpdate(app, p, id, std::move(req), std::move(cb));
      };
      auto res = co_await Await<model::TimelineEntry>(std::move(start));
      co_return ex.Respond(res, [](const model::TimelineEntry& e) { return json::value(model::ToJson(e)); }, 201);
    }
    std::string audience = "internal";
    if (body->is_object()) {
      core::ObjectReader rd(*body, "");
      rd.RejectUnknown({"audience"});
      audience = rd.String("audience").value_or("internal");
      if (!rd.ok()) co_return ex.Fail(rd.status().error());
    } else if (!body->is_null()) {
      co_return ex.Fail(Error{ErrorCode::kInvalidArgument, "body must be a JSON object", "body"});
    }
    auto aud = report::ParseAudience(audience);
    if (!aud) co_return ex.Fail(aud.error());
    auto p = *ex.principal;
    auto a = *aud;
    auto start = [&app, p, a, id = ex.Param("id")](auto cb) mutable { app.reports().PostStatusUpdate(p, id, a, std::move(cb)); };
    auto res = co_await Await<json::object>(std::move(start));
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); }, 201);
  });

  // Live response plan: ?format=json|md.
  r.Add(http::verb::get, "/api/v1/incidents/{id}/response-plan", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {"format"});
    if (!ok) co_return ex.Fail(ok.error());
    auto out = app.reports().RenderResponsePlan(*ex.principal, ex.Param("id"), QueryOr(ex, "format", "json"));
    if (!out) co_return ex.Fail(out.error());
    co_return ex.Text(200, std::move(out->body), out->content_type);
  });

  // Editable postmortem fields, and publishing.
  r.Add(http::verb::get, "/api/v1/incidents/{id}/postmortem", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto doc = app.reports().Postmortem(*ex.principal, ex.Param("id"));
    co_return ex.Respond(doc, [](const json::object& o) { return json::value(o); });
  });
  r.Add(http::verb::post, "/api/v1/incidents/{id}/postmortem", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto p = *ex.principal;
    auto start = [&app, p, id = ex.Param("id"), b = *body](auto cb) mutable {
      app.reports().UpdatePostmortem(p, id, std::move(b), std::move(cb));
    };
    auto res = co_await Await<json::object>(std::move(start));
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });
  r.Add(http::verb::post, "/api/v1/incidents/{id}/postmortem/publish", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    if (auto ok = ex.NoBody(); !ok) co_return ex.Fail(ok.error());
    auto p = *ex.principal;
    auto start = [&app, p, id = ex.Param("id")](auto cb) mutable { app.reports().PublishPostmortem(p, id, std::move(cb)); };
    auto res = co_await Await<json::object>(std::move(start));
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  // Closing (requires the published report and action items; see app/report.h).
  r.Add(http::verb::post, "/api/v1/incidents/{id}/close", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto req = app::DecodeTransition(*body);
    if (!req) co_return ex.Fail(req.error());
    auto p = *ex.principal;
    auto start = [&app, p, id = ex.Param("id"), req = *req](auto cb) mutable {
      app.Transition(p, id, model::Transition::kClose, req, std::move(cb));
    };
    auto res = co_await Await<model::Incident>(std::move(start));
    co_return ex.Respond(res, [](const model::Incident& i) { return json::value(model::ToJson(i)); });
  });

  // Action items.
  r.Add(http::verb::get, "/api/v1/incidents/{id}/action-items", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = ex.query;
    q["incident"] = ex.Param("id");
    auto f = app::DecodeActionItemQuery(q);
    if (!f) co_return ex.Fail(f.error());
    auto items = app.reports().ActionItems(*ex.principal, *f);
    // The incident is the path's, named "id" as on the other incident routes.
    if (!items && items.error().field == "incident") items.error().field = "id";
    co_return ex.Respond(items, [](const json::array& a) { return json::value(json::object{{"action_items", a}}); });
  });
  r.Add(http::verb::get, "/api/v1/action-items", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto f = app::DecodeActionItemQuery(ex.query);
    if (!f) co_return ex.Fail(f.error());
    auto items = app.reports().ActionItems(*ex.principal, *f);
    co_return ex.Respond(items, [](const json::array& a) { return json::value(json::object{{"action_items", a}}); });
  });
  r.Add(http::verb::post, "/api/v1/incidents/{id}/action-items", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto req = app::DecodeActionItem(*body, true);
    if (!req) co_return ex.Fail(req.error());
    auto p = *ex.principal;
    auto start = [&app, p, id = ex.Param("id"), req = *req](auto cb) mutable {
      app.reports().CreateActionItem(p, id, req, std::move(cb));
    };
    auto res = co_await Await<json::object>(std::move(start));
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); }, 201);
  });
  r.Add(http::verb::post, "/api/v1/action-items/{item}", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    const auto& raw = ex.Param("item");
    char* end = nullptr;
    long long item = std::strtoll(raw.c_str(), &end, 10);
    if (raw.empty() || *end != '\0' || item <= 0)
      co_return ex.Fail(Error{ErrorCode::kInvalidArgument, "action item id must be a positive number", "item"});
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto req = app::DecodeActionItem(*body, false);
    if (!req) co_return ex.Fail(req.error());
    auto p = *ex.principal;
    int64_t id = item;
    auto start = [&app, p, id, req = *req](auto cb) mutable { app.reports().UpdateActionItem(p, id, req, std::move(cb)); };
    auto res = co_await Await<json::object>(std::move(start));
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  // Quick system status.
  r.Add(http::verb::get, "/api/v1/status", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto dl = app.resilience().GetDefenseLevel(*ex.principal);
    json::value defense = nullptr;
    if (dl) defense = *dl;
    auto doc = app.reports().SystemStatus(*ex.principal, defense);
    co_return ex.Respond(doc, [](const json::object& o) { return json::value(o); });
  });

  // MTTx: ?by=service|team|severity|day|week|month|none&since=30d&from=&until=&severity=&service=&incidents=1
  r.Add(http::verb::get, "/api/v1/metrics/mttx", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodeMttxQuery(ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto doc = app.reports().Mttx(*ex.principal, *q);
    co_return ex.Respond(doc, [](const json::object& o) { return json::value(o); });
  });
}

}  // namespace firebreak::api
