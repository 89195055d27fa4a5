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

  // ?anchor=SEQ:HASH, a head taken earlier from /audit/head and kept elsewhere.
  r.Add(http::verb::get, "/api/v1/audit/verify", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {"anchor"});
    if (!ok) co_return ex.Fail(ok.error());
    auto it = ex.query.find("anchor");
    if (it != ex.query.end() && it->second.empty())
      co_return ex.Fail(Error{ErrorCode::kInvalidArgument, "anchor is empty", "anchor"});
    auto v = app.VerifyAudit(*ex.principal, it == ex.query.end() ? std::string_view() : std::string_view(it->second));
    if (!v) co_return ex.Fail(v.error());
    json::object o{{"ok", v->ok}, {"checked", v->checked}};
    if (!v->ok) {
      o["bad_seq"] = v->bad_seq;
      o["problem"] = v->problem;
    }
    co_return ex.Json(200, o);
  });

  // The chain head ("seq:hash") to keep off this machine, and check against later with ?anchor=;
  // with what the server published of it by itself (settings.audit_head_every).
  r.Add(http::verb::get, "/api/v1/audit/head", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {});
    if (!ok) co_return ex.Fail(ok.error());
    auto head = app.AuditHead(*ex.principal);
    if (!head) co_return ex.Fail(head.error());
    auto published = app.AuditHeadPublished(*ex.principal);
    if (!published) co_return ex.Fail(published.error());
    json::object o = std::move(*published);
    o["head"] = *head;
    co_return ex.Json(200, o);
  });
}

}  // namespace firebreak::api
