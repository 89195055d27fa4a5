// Service graph and resilience analytics (app/resilience.h). Every route is read-only and needs
// the `read` scope; POST bodies describe a what-if, nothing is written.
#include "api/server.h"
#include "core/strings.h"

namespace firebreak::api {

namespace {

// Query values as JSON: "a,b" lists for the list fields, numbers and booleans where expected.
Result<json::value> QueryToJson(const std::map<std::string, std::string>& q,
                                std::initializer_list<std::string_view> lists,
                                std::initializer_list<std::string_view> numbers,
                                std::initializer_list<std::string_view> bools) {
  json::object o;
  auto in = [](std::initializer_list<std::string_view> set, const std::string& k) {
    return std::find(set.begin(), set.end(), k) != set.end();
  };
  for (const auto& [k, v] : q) {
    if (in(lists, k)) {
      json::array a;
      for (const auto& part : core::Split(v, ',', true)) a.emplace_back(part);
      o[k] = a;
    } else if (in(numbers, k)) {
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0') return InvalidArgument("query parameter '" + k + "' must be a number", k);
      if (d == static_cast<double>(static_cast<int64_t>(d)) && std::fabs(d) < 1e15) o[k] = static_cast<int64_t>(d);
      else o[k] = d;
    } else if (in(bools, k)) {
      FB_ASSIGN_OR_RETURN(bool b, app::ParseBool(v, k));
      o[k] = b;
    } else {
      o[k] = v;
    }
  }
  return json::value(std::move(o));
}

}  // namespace

void RegisterGraphRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  // The graph itself; ?format=dot|svg draws it (with ?services=&zones=&groups= highlighted).
  r.Add(http::verb::get, "/api/v1/graph", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto it = ex.query.find("format");
    if (it == ex.query.end() || it->second == "json") {
      auto ok = app::OnlyParams(ex.query, {"format"});
      if (!ok) co_return ex.Fail(ok.error());
      co_return ex.Respond(app.resilience().Graph(*ex.principal), [](const json::object& o) { return json::value(o); });
    }
    auto req = QueryToJson(ex.query, {"services", "zones", "groups"}, {}, {"impact_only"});
    if (!req) co_return ex.Fail(req.error());
    auto out = app.resilience().Render(*ex.principal, *req);
    if (!out) co_return ex.Fail(out.error());
    co_return ex.Text(200, std::move(out->body), out->content_type);
  });

  // What-if analyses: a JSON body (or none, for defaults) in, JSON out.
  using Method = Result<json::object> (app::Resilience::*)(const model::Principal&, const json::value&) const;
  struct Analysis {
    const char* path;
    Method method;
  };
  static const Analysis kAnalyses[] = {
      {"/api/v1/graph/blast-radius", &app::Resilience::CalculateBlastRadius},
      {"/api/v1/graph/centrality", &app::Resilience::AnalyzeHubCentrality},
      {"/api/v1/graph/contingency", &app::Resilience::RunContingencyAnalysis},
      {"/api/v1/graph/cascade", &app::Resilience::SimulateCascade},
      {"/api/v1/graph/shed", &app::Resilience::SimulateLoadShedding},
      {"/api/v1/graph/utilization", &app::Resilience::CheckUtilizationThreshold},
  };
  for (const auto& a : kAnalyses) {
    Method m = a.method;
    const bool blast = std::string_view(a.path) == "/api/v1/graph/blast-radius";
    r.Add(http::verb::post, a.path, Auth::kRead, [&app, m, blast](Exchange& ex) -> asio::awaitable<Response> {
      auto body = ex.JsonBody();
      if (!body) co_return ex.Fail(body.error());
      // The blast radius can also be drawn: ?format=dot|svg.
      if (auto f = ex.query.find("format"); blast && f != ex.query.end() && f->second != "json") {
        json::object req = body->is_object() ? body->get_object() : json::object{};
        req["format"] = f->second;
        if (auto io = ex.query.find("impact_only"); io != ex.query.end()) req["impact_only"] = io->second == "true";
        auto out = app.resilience().Render(*ex.principal, json::value(std::move(req)));
        if (!out) co_return ex.Fail(out.error());
        co_return ex.Text(200, std::move(out->body), out->content_type);
      }
      auto res = (app.resilience().*m)(*ex.principal, *body);
      if (!res) co_return ex.Fail(res.error());
      co_return ex.Json(200, *res);
    });
  }
  // GET forms with query parameters for the ones that need no body.
  r.Add(http::verb::get, "/api/v1/graph/centrality", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto req = QueryToJson(ex.query, {}, {"limit"}, {"weighted"});
    if (!req) co_return ex.Fail(req.error());
    auto res = app.resilience().AnalyzeHubCentrality(*ex.principal, *req);
    if (!res) co_return ex.Fail(res.error());
    co_return ex.Json(200, *res);
  });
  r.Add(http::verb::get, "/api/v1/graph/contingency", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto req = QueryToJson(ex.query, {"kinds"}, {"depth", "limit"}, {});
    if (!req) co_return ex.Fail(req.error());
    auto res = app.resilience().RunContingencyAnalysis(*ex.principal, *req);
    if (!res) co_return ex.Fail(res.error());
    co_return ex.Json(200, *res);
  });
  r.Add(http::verb::get, "/api/v1/graph/utilization", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto req = QueryToJson(ex.query, {"services"}, {}, {});
    if (!req) co_return ex.Fail(req.error());
    auto res = app.resilience().CheckUtilizationThreshold(*ex.principal, *req);
    if (!res) co_return ex.Fail(res.error());
    co_return ex.Json(200, *res);
  });

  // Static fallback plans: the list (?kind=zone&full=true) and one by name.
  r.Add(http::verb::get, "/api/v1/graph/fallbacks", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto req = QueryToJson(ex.query, {}, {}, {"full"});
    if (!req) co_return ex.Fail(req.error());
    auto res = app.resilience().GetStaticFallbacks(*ex.principal, *req);
    if (!res) co_return ex.Fail(res.error());
    co_return ex.Json(200, *res);
  });
  r.Add(http::verb::get, "/api/v1/graph/fallbacks/{name}", Auth::kRead,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          json::object req;
          req["name"] = ex.Param("name");
          auto res = app.resilience().GetStaticFallbacks(*ex.principal, json::value(std::move(req)));
          if (!res) co_return ex.Fail(res.error());
          co_return ex.Json(200, *res);
        });

  r.Add(http::verb::get, "/api/v1/defense-level", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto res = app.resilience().GetDefenseLevel(*ex.principal);
    if (!res) co_return ex.Fail(res.error());
    co_return ex.Json(200, *res);
  });
}

}  // namespace firebreak::api
