// Runbooks: library, matching, dry-run, runs, approvals, circuit breakers. Rules live in
// app/runbooks.cc; these handlers decode, call and encode.
#include "api/server.h"
#include "core/time.h"

namespace firebreak::api {

namespace {
json::value Same(const json::value& v) { return v; }
std::string Query(const Exchange& ex, const std::string& k) {
  auto it = ex.query.find(k);
  return it == ex.query.end() ? "" : it->second;
}
}  // namespace

void RegisterRunbookRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();
  auto& rb = app.runbooks();

  r.Add(http::verb::get, "/api/v1/runbooks", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    co_return ex.Respond(rb.List(*ex.principal), Same);
  });
  r.Add(http::verb::get, "/api/v1/runbooks/{id}", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    co_return ex.Respond(rb.Show(*ex.principal, ex.Param("id")), Same);
  });
  r.Add(http::verb::post, "/api/v1/runbooks/match", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    co_return ex.Respond(rb.Match(*ex.principal, *body), Same);
  });
  r.Add(http::verb::post, "/api/v1/runbooks/dry-run", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    co_return ex.Respond(rb.DryRun(*ex.principal, *body), Same);
  });

  r.Add(http::verb::post, "/api/v1/runs", Auth::kWrite, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    bool dry = body->is_object() && body->get_object().contains("dry_run") &&
               body->get_object().at("dry_run").is_bool() && body->get_object().at("dry_run").get_bool();
    auto p = *ex.principal;
    auto start = [&rb, p, b = *body](auto cb) mutable { rb.RequestRun(p, std::move(b), std::move(cb)); };
    auto res = co_await Await<json::value>(std::move(start));
    co_return ex.Respond(res, Same, dry ? 200 : 201);
  });
  r.Add(http::verb::get, "/api/v1/runs", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {"state", "incident"});
    if (!ok) co_return ex.Fail(ok.error());
    co_return ex.Respond(rb.ListRuns(*ex.principal, Query(ex, "state"), Query(ex, "incident")), Same);
  });
  // ?wait=DURATION (at most 5m): long poll until the run settles (not queued/running/rolling back).
  r.Add(http::verb::get, "/api/v1/runs/{id}", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto wait = app::ParseWait(ex.query, std::chrono::minutes(5));
    if (!wait) co_return ex.Fail(wait.error());
    if (wait->count() == 0) co_return ex.Respond(rb.GetRun(*ex.principal, ex.Param("id")), Same);
    auto p = *ex.principal;
    auto start = [&rb, p, id = ex.Param("id"), w = *wait](auto cb) mutable { rb.WaitRun(p, id, w, std::move(cb)); };
    auto res = co_await Await<json::value>(std::move(start));
    co_return ex.Respond(res, Same);
  });
  r.Add(http::verb::post, "/api/v1/runs/{id}/steps/{step}/complete", Auth::kWrite,
        [&rb](Exchange& ex) -> asio::awaitable<Response> {
          auto body = ex.JsonBody();
          if (!body) co_return ex.Fail(body.error());
          auto p = *ex.principal;
          auto start = [&rb, p, id = ex.Param("id"), step = ex.Param("step"), b = *body](auto cb) mutable {
            rb.CompleteManual(p, id, step, std::move(b), std::move(cb));
          };
          auto res = co_await Await<json::value>(std::move(start));
          co_return ex.Respond(res, Same);
        });

  r.Add(http::verb::get, "/api/v1/approvals", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto ok = app::OnlyParams(ex.query, {"state"});
    if (!ok) co_return ex.Fail(ok.error());
    auto st = Query(ex, "state");
    co_return ex.Respond(rb.ListApprovals(*ex.principal, st == "all" ? "" : st.empty() ? "pending" : st), Same);
  });
  // ?wait=DURATION: long poll until the approval is decided or expires.
  r.Add(http::verb::get, "/api/v1/approvals/{id}", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto wait = app::ParseWait(ex.query, std::chrono::minutes(5));
    if (!wait) co_return ex.Fail(wait.error());
    if (wait->count() == 0) co_return ex.Respond(rb.GetApproval(*ex.principal, ex.Param("id")), Same);
    auto p = *ex.principal;
    auto start = [&rb, p, id = ex.Param("id"), w = *wait](auto cb) mutable { rb.WaitApproval(p, id, w, std::move(cb)); };
    auto res = co_await Await<json::value>(std::move(start));
    co_return ex.Respond(res, Same);
  });
  // Decisions authenticate as read; app/runbooks.cc checks the approve scope, the person and the
  // four-eyes rule, so every front end gets the same answer.
  r.Add(http::verb::post, "/api/v1/approvals/{id}/approve", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto p = *ex.principal;
    auto start = [&rb, p, id = ex.Param("id"), b = *body](auto cb) mutable { rb.Approve(p, id, std::move(b), std::move(cb)); };
    auto res = co_await Await<json::value>(std::move(start));
    co_return ex.Respond(res, Same);
  });
  r.Add(http::verb::post, "/api/v1/approvals/{id}/reject", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto p = *ex.principal;
    auto start = [&rb, p, id = ex.Param("id"), b = *body](auto cb) mutable { rb.Reject(p, id, std::move(b), std::move(cb)); };
    auto res = co_await Await<json::value>(std::move(start));
    co_return ex.Respond(res, Same);
  });

  r.Add(http::verb::get, "/api/v1/breakers", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    co_return ex.Respond(rb.Breakers(*ex.principal), Same);
  });
  r.Add(http::verb::post, "/api/v1/breakers/{service}/reset", Auth::kRead, [&rb](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto p = *ex.principal;
    auto start = [&rb, p, svc = ex.Param("service"), b = *body](auto cb) mutable {
      rb.ResetBreaker(p, svc, std::move(b), std::move(cb));
    };
    auto res = co_await Await<json::value>(std::move(start));
    co_return ex.Respond(res, Same);
  });
}

}  // namespace firebreak::api
