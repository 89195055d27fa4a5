// The audit log: query and verify.
#include "api/server.h"

namespace firebreak::api {

void RegisterAuditRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  r.Add(http::verb::get, "/api/v1/audit", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto f = app::DecodeAuditFilter(ex.query);
    if (!f) co_return ex.Fail(f.error());
    auto list = app.Audit(*ex.principal, *f);
    if (!list) co_return ex.Fail(list.error());
    json::array arr;
    for (const auto& e : *list) arr.push_back(model::ToJson(e));
    json::object out{{"entries", arr}};
    co_return ex.Json(200, out);
  });

  r.Add(http::verb::get, "/api/v1/audit/verify", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto v = app.VerifyAudit(*ex.principal);
    if (!v) co_return ex.Fail(v.error());
    json::object o{{"ok", v->ok}, {"checked", v->checked}};
    if (!v->ok) {
      o["bad_seq"] = v->bad_seq;
      o["problem"] = v->problem;
    }
    co_return ex.Json(200, o);
  });
}

}  // namespace firebreak::api
