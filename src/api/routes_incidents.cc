// Incidents: list, get, declare, transitions, notes, severity, roles, impact, services, responders,
// snooze, merge,
// timeline.
#include "api/server.h"

namespace firebreak::api {

namespace {
json::value IncidentJson(const model::Incident& i) { return model::ToJson(i); }
}  // namespace

void RegisterIncidentRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  r.Add(http::verb::get, "/api/v1/incidents", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto f = app::DecodeIncidentFilter(ex.query);
    if (!f) co_return ex.Fail(f.error());
    auto list = app.ListIncidents(*ex.principal, *f);
    if (!list) co_return ex.Fail(list.error());
    json::array arr;
    for (const auto& i : *list) arr.push_back(model::ToJson(i));
    json::object out{{"incidents", arr}};
    if (static_cast<int>(list->size()) == f->limit && !list->empty())
      out["next_before"] = list->back().number;
    co_return ex.Json(200, out);
  });

  r.Add(http::verb::post, "/api/v1/incidents", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto spec = app::DecodeDeclare(*body);
    if (!spec) co_return ex.Fail(spec.error());
    auto p = *ex.principal;
    auto start = [&app, p, spec = std::move(*spec)](auto cb) mutable { app.Declare(p, std::move(spec), std::move(cb)); };
    auto res = co_await Await<model::Incident>(std::move(start));
    co_return ex.Respond(res, IncidentJson, 201);
  });

  r.Add(http::verb::get, "/api/v1/incidents/{id}", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    co_return ex.Respond(app.GetIncident(*ex.principal, ex.Param("id")), IncidentJson);
  });

  for (auto t : {model::Transition::kAcknowledge, model::Transition::kMitigate, model::Transition::kResolve,
                 model::Transition::kReopen, model::Transition::kUnacknowledge}) {
    std::string pattern = "/api/v1/incidents/{id}/" + std::string(model::TransitionName(t));
    r.Add(http::verb::post, pattern, Auth::kWrite, [&app, t](Exchange& ex) -> asio::awaitable<Response> {
      auto body = ex.JsonBody();
      if (!body) co_return ex.Fail(body.error());
      auto req = app::DecodeTransition(*body);
      if (!req) co_return ex.Fail(req.error());
      auto p = *ex.principal;
      auto start = [&app, p, t, id = ex.Param("id"), req = *req](auto cb) mutable {
        app.Transition(p, id, t, req, std::move(cb));
      };
      auto res = co_await Await<model::Incident>(std::move(start));
      co_return ex.Respond(res, IncidentJson);
    });
  }

  // Commands with a decoded body: notes, severity, roles, impact, services.
  auto add = [&](const std::string& suffix, auto decode, auto run) {
    r.Add(http::verb::post, "/api/v1/incidents/{id}/" + suffix, Auth::kWrite,
          [&app, decode, run](Exchange& ex) -> asio::awaitable<Response> {
            auto body = ex.JsonBody();
            if (!body) co_return ex.Fail(body.error());
            auto req = decode(*body);
            if (!req) co_return ex.Fail(req.error());
            auto p = *ex.principal;
            auto start = [&app, run, p, id = ex.Param("id"), req = *req](auto cb) mutable {
              run(app, p, id, req, std::move(cb));
            };
            auto res = co_await Await<model::Incident>(std::move(start));
            co_return ex.Respond(res, IncidentJson);
          });
  };
  add("notes", app::DecodeNote, [](app::App& a, const model::Principal& p, const std::string& id, auto req, auto cb) {
    a.Note(p, id, req, std::move(cb));
  });
  add("severity", app::DecodeSeverity, [](app::App& a, const model::Principal& p, const std::string& id, auto req, auto cb) {
    a.ChangeSeverity(p, id, req, std::move(cb));
  });
  add("roles", app::DecodeRole, [](app::App& a, const model::Principal& p, const std::string& id, auto req, auto cb) {
    a.AssignRole(p, id, req, std::move(cb));
  });
  add("impact", app::DecodeImpact, [](app::App& a, const model::Principal& p, const std::string& id, auto req, auto cb) {
    a.SetImpact(p, id, req, std::move(cb));
  });
  add("services", app::DecodeServices, [](app::App& a, const model::Principal& p, const std::string& id, auto req, auto cb) {
    a.AddServices(p, id, req, std::move(cb));
  });
  add("responders", app::DecodeResponders,
      [](app::App& a, const model::Principal& p, const std::string& id, auto req, auto cb) {
        a.AddResponders(p, id, req, std::move(cb));
      });
  add("snooze", app::DecodeSnooze, [](app::App& a, const model::Principal& p, const std::string& id, auto req, auto cb) {
    a.Snooze(p, id, req, std::move(cb));
  });
  // The incidents in the body are merged into the one in the path.
  add("merge", app::DecodeMerge, [](app::App& a, const model::Principal& p, const std::string& id, auto req, auto cb) {
    a.Merge(p, id, req, std::move(cb));
  });

  r.Add(http::verb::get, "/api/v1/incidents/{id}/timeline", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto q = app::DecodeTimelineQuery(ex.query);
    if (!q) co_return ex.Fail(q.error());
    auto entries = app.Timeline(*ex.principal, ex.Param("id"), q->after, q->limit);
    if (!entries) co_return ex.Fail(entries.error());
    json::array arr;
    for (const auto& e : *entries) arr.push_back(model::ToJson(e));
    json::object out{{"incident_id", ex.Param("id")}, {"entries", arr}};
    co_return ex.Json(200, out);
  });
}

}  // namespace firebreak::api
