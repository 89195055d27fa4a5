// On call, escalation and paging: who is on call, shifts, an incident's escalation and
// notifications, manual escalation and flags, signed one-click links, and (test only) the manual
// clock.
#include "api/server.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::api {

namespace {

json::value IncidentJson(const model::Incident& i) { return model::ToJson(i); }

// What a signed link does, as its page's heading says it.
std::string LinkVerb(const std::string& action) {
  if (action == "acknowledge") return "Acknowledge";
  if (action == "accept") return "Accept the request to respond to";
  if (action == "decline") return "Decline the request to respond to";
  return "Resolve";
}

bool WantsJson(const Exchange& ex) { return ex.Header("Accept").find("application/json") != std::string::npos; }

// A tiny self-contained page (no scripts, no external resources).
Response Page(Exchange& ex, int status, const std::string& title, const std::string& body_html) {
  ex.extra_headers.emplace_back("Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  ex.extra_headers.emplace_back("Cache-Control", "no-store");
  std::string page =
      "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width\"><title>" +
      core::HtmlEscape(title) +
      "</title><style>body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em}"
      "button{font-size:1.2em;padding:.5em 1.5em}</style></head><body>" +
      body_html + "</body></html>\n";
  return ex.Text(status, std::move(page), "text/html; charset=utf-8");
}

Response LinkError(Exchange& ex, const Error& e) {
  if (WantsJson(ex)) return ex.Fail(e);
  return Page(ex, HttpStatusFor(e.code), "Firebreak", "<h1>This link cannot be used</h1><p>" + core::HtmlEscape(e.message) + "</p>");
}

bool IsLoopback(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr == "::1" || addr.rfind("::ffff:127.", 0) == 0;
}

}  // namespace

void RegisterPagingRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  r.Add(http::verb::get, "/api/v1/oncall", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodeOncallQuery(ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto res = app.OnCall(*ex.principal, *q);
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  r.Add(http::verb::get, "/api/v1/oncall/shifts", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodeShiftsQuery(ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto res = app.Shifts(*ex.principal, *q);
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  r.Add(http::verb::get, "/api/v1/oncall/handoffs", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodeHandoffsQuery(ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto res = app.Handoffs(*ex.principal, *q);
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  r.Add(http::verb::get, "/api/v1/oncall/roster", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodeRosterQuery(ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto res = app.Roster(*ex.principal, *q);
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  r.Add(http::verb::get, "/api/v1/oncall/resilience", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodeResponderQuery(ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto res = app.ResponderResilience(*ex.principal, *q);
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  // ---- the people directory ----
  r.Add(http::verb::get, "/api/v1/people", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodePeopleQuery(ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto res = app.People(*ex.principal, *q);
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  r.Add(http::verb::get, "/api/v1/people/{id}", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodePersonQuery(ex.Param("id"), ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto res = app.Person(*ex.principal, *q);
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  // ---- schedule overrides made at run time ----
  r.Add(http::verb::get, "/api/v1/oncall/overrides", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodeOverrideQuery(ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto res = app.ListOverrides(*ex.principal, *q);
    co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
  });

  r.Add(http::verb::get, "/api/v1/oncall/overrides/{id}", Auth::kRead,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto res = app.GetOverride(*ex.principal, ex.Param("id"));
          co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
        });

  r.Add(http::verb::post, "/api/v1/oncall/overrides", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto req = app::DecodeOverride(*body);
    if (!req) co_return ex.Fail(req.error());
    auto p = *ex.principal;
    auto start = [&app, p, req = std::move(*req)](auto cb) mutable { app.CreateOverride(p, std::move(req), std::move(cb)); };
    auto res = co_await Await<json::object>(std::move(start));
    if (!res) co_return ex.Fail(res.error());
    co_return ex.Json(201, *res);
  });

  r.Add(http::verb::delete_, "/api/v1/oncall/overrides/{id}", Auth::kWrite,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto p = *ex.principal;
          auto start = [&app, p, id = ex.Param("id")](auto cb) mutable { app.DeleteOverride(p, id, std::move(cb)); };
          auto res = co_await Await<json::object>(std::move(start));
          co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
        });

  r.Add(http::verb::get, "/api/v1/incidents/{id}/escalation", Auth::kRead,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto res = app.GetEscalation(*ex.principal, ex.Param("id"));
          co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
        });

  // Requests to respond ("add responders") and the answers of the people asked.
  r.Add(http::verb::get, "/api/v1/incidents/{id}/responders", Auth::kRead,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto res = app.Responders(*ex.principal, ex.Param("id"));
          co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
        });

  // {person} (or "me") answers their request: {"response": "accept" | "decline", "note"}.
  r.Add(http::verb::post, "/api/v1/incidents/{id}/responders/{person}", Auth::kWrite,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto body = ex.JsonBody();
          if (!body) co_return ex.Fail(body.error());
          auto req = app::DecodeResponderAnswer(*body);
          if (!req) co_return ex.Fail(req.error());
          auto p = *ex.principal;
          auto start = [&app, p, id = ex.Param("id"), person = ex.Param("person"), req = *req](auto cb) mutable {
            app.AnswerResponder(p, id, person, req, std::move(cb));
          };
          auto res = co_await Await<model::Incident>(std::move(start));
          co_return ex.Respond(res, IncidentJson);
        });

  r.Add(http::verb::get, "/api/v1/incidents/{id}/notifications", Auth::kRead,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto res = app.ListNotifications(*ex.principal, ex.Param("id"));
          co_return ex.Respond(res, [](const json::object& o) { return json::value(o); });
        });

  r.Add(http::verb::post, "/api/v1/incidents/{id}/escalate", Auth::kWrite,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto body = ex.JsonBody();
          if (!body) co_return ex.Fail(body.error());
          auto req = app::DecodeEscalate(*body);
          if (!req) co_return ex.Fail(req.error());
          auto p = *ex.principal;
          auto start = [&app, p, id = ex.Param("id"), req = *req](auto cb) mutable {
            app.Escalate(p, id, req, std::move(cb));
          };
          auto res = co_await Await<model::Incident>(std::move(start));
          co_return ex.Respond(res, IncidentJson);
        });

  r.Add(http::verb::post, "/api/v1/incidents/{id}/flag", Auth::kWrite,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto body = ex.JsonBody();
          if (!body) co_return ex.Fail(body.error());
          auto req = app::DecodeFlag(*body);
          if (!req) co_return ex.Fail(req.error());
          auto p = *ex.principal;
          auto start = [&app, p, id = ex.Param("id"), req = *req](auto cb) mutable {
            app.Flag(p, id, req, std::move(cb));
          };
          auto res = co_await Await<model::Incident>(std::move(start));
          co_return ex.Respond(res, IncidentJson);
        });

  // Signed one-click links. GET shows what the link does with one button; POST does it. (Mail
  // scanners fetch links: a GET must never change anything.)
  r.Add(http::verb::get, "/a/{token}", Auth::kNone, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto info = app.CheckLink(ex.Param("token"));
    if (!info) co_return LinkError(ex, info.error());
    const auto& c = info->claims;
    const auto& inc = info->incident;
    if (WantsJson(ex)) {
      json::object o{{"incident", model::ToJson(inc)},
                     {"action", c.action},
                     {"person", c.person},
                     {"expires_at", core::FormatRfc3339(c.expires)}};
      co_return ex.Json(200, o);
    }
    const std::string verb = LinkVerb(c.action);
    std::string html = "<h1>" + core::HtmlEscape(verb + " " + inc.id) + "</h1><p><b>[" +
                       core::HtmlEscape(std::string(model::SeverityName(inc.severity))) + "]</b> " + core::HtmlEscape(inc.title) +
                       "</p><p>State: " + core::HtmlEscape(std::string(model::StateName(inc.state))) +
                       (c.person.empty() ? "" : " &middot; as " + core::HtmlEscape(c.person)) + "</p><form method=\"post\"><button>" +
                       core::HtmlEscape(verb) + "</button></form><p><small>This link works once and expires " +
                       core::HtmlEscape(core::FormatRfc3339(c.expires)) + ".</small></p>";
    co_return Page(ex, 200, verb + " " + inc.id, html);
  });

  r.Add(http::verb::post, "/a/{token}", Auth::kNone, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto info = app.CheckLink(ex.Param("token"));
    if (!info) co_return LinkError(ex, info.error());
    const std::string action = info->claims.action;
    auto start = [&app, token = ex.Param("token"), remote = ex.remote](auto cb) mutable {
      app.UseLink(token, remote, std::move(cb));
    };
    auto res = co_await Await<model::Incident>(std::move(start));
    if (!res) co_return LinkError(ex, res.error());
    if (WantsJson(ex)) co_return ex.Json(200, model::ToJson(*res));
    const std::string head = action == "accept"    ? "You are responding to " + res->id
                             : action == "decline" ? "You declined to respond to " + res->id
                                                   : res->id + " is " + std::string(model::StateName(res->state));
    std::string html = "<h1>" + core::HtmlEscape(head) + "</h1><p>" +
                       core::HtmlEscape(res->title) + "</p><p>Recorded in the incident's timeline and audit log.</p>";
    co_return Page(ex, 200, res->id, html);
  });

  // Test only: moves the manual clock of a server started with --clock manual, from loopback.
  r.Add(http::verb::post, "/api/v1/admin/clock", Auth::kAdmin, [&app](Exchange& ex) -> asio::awaitable<Response> {
    if (!IsLoopback(ex.remote))
      co_return ex.Fail(Error{ErrorCode::kPermissionDenied, "the clock can only be moved from loopback", ""});
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto req = app::DecodeClock(*body);
    if (!req) co_return ex.Fail(req.error());
    auto p = *ex.principal;
    auto start = [&app, p, req = *req](auto cb) mutable { app.AdjustClock(p, req, std::move(cb)); };
    auto now = co_await Await<core::TimePoint>(std::move(start));
    if (!now) co_return ex.Fail(now.error());
    json::object o{{"now", core::FormatRfc3339(*now)}};
    co_return ex.Json(200, o);
  });
}

}  // namespace firebreak::api
