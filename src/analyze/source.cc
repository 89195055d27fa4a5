#include "analyze/source.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "analyze/rca.h"
#include "core/http_client.h"
#include "core/json.h"
#include "core/strings.h"

namespace firebreak::analyze {

FetchResult MemorySource::Fetch(const FetchRequest& req) {
  FetchResult out;
  std::set<std::string> want(req.services.begin(), req.services.end());
  for (const auto& s : series_) {
    if (!want.empty() && !want.count(s.service)) {
      std::string caller, callee;
      if (!SplitEdge(s.service, &caller, &callee) || (!want.count(caller) && !want.count(callee))) continue;
    }
    Series part = s;
    part.samples.clear();
    for (const auto& x : s.samples)
      if (x.t >= req.from && x.t <= req.to) part.samples.push_back(x);
    if (!part.samples.empty()) out.series.push_back(std::move(part));
  }
  return out;
}

std::string ExpandQuery(const std::string& tmpl, const std::string& service) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl.compare(i, 8, "$service") == 0) {
      out += service;
      i += 8;
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

std::map<std::string, std::string> PrometheusSource::QueriesFor(const std::string& service) const {
  auto q = opt_.queries;
  if (auto it = opt_.service_queries.find(service); it != opt_.service_queries.end())
    for (const auto& [name, promql] : it->second) q[name] = promql;
  return q;
}

Result<std::vector<Series>> ParsePrometheusMatrix(std::string_view body, const std::string& service,
                                                  const std::string& metric, size_t max_series) {
  auto doc = core::ParseJson(body, 32);
  if (!doc) return InvalidArgument("Prometheus sent invalid JSON: " + doc.error().message);
  if (!doc->is_object()) return InvalidArgument("Prometheus sent a non-object response");
  core::ObjectReader r(*doc, "");
  auto status = r.String("status", true);
  FB_TRY(r.status());
  if (*status != "success") {
    auto err = r.String("error").value_or("unknown error");
    auto type = r.String("errorType").value_or("error");
    return InvalidArgument("Prometheus: " + type + ": " + core::Truncate(err, 300));
  }
  r.Object("data", true);
  FB_TRY(r.status());
  core::ObjectReader dr(*r.Raw("data"), "data");
  auto type = dr.String("resultType", true);
  const auto* result = dr.Array("result", true);
  FB_TRY(dr.status());
  if (*type != "matrix") return InvalidArgument("Prometheus returned a " + *type + ", expected a matrix");
  std::vector<Series> out;
  for (size_t i = 0; i < result->size() && out.size() < max_series; ++i) {
    const std::string path = "data.result[" + std::to_string(i) + "]";
    if (!(*result)[i].is_object()) return InvalidArgument(path + ": expected an object");
    core::ObjectReader sr((*result)[i], path);
    Series s;
    s.service = service;
    s.metric = metric;
    if (auto labels = sr.StringMap("metric")) {
      for (auto& [k, v] : *labels)
        if (k != "__name__" && k != "service") s.labels[k] = v;
    }
    const auto* values = sr.Array("values", true);
    FB_TRY(sr.status());
    for (size_t j = 0; j < values->size(); ++j) {
      const auto& p = (*values)[j];
      if (!p.is_array() || p.get_array().size() != 2 || !p.get_array()[0].is_number() ||
          !p.get_array()[1].is_string())
        return InvalidArgument(path + ".values[" + std::to_string(j) + "]: expected [time, \"value\"]");
      const double ts = p.get_array()[0].to_number<double>();
      double v = 0;
      if (!ParseFiniteDouble(p.get_array()[1].get_string(), &v)) continue;  // NaN/Inf: no sample
      if (!std::isfinite(ts)) continue;
      s.samples.push_back({static_cast<int64_t>(std::llround(ts * 1000.0)), v});
    }
    std::sort(s.samples.begin(), s.samples.end(), [](const Sample& a, const Sample& b) { return a.t < b.t; });
    out.push_back(std::move(s));
  }
  return out;
}

FetchResult PrometheusSource::Fetch(const FetchRequest& req) {
  FetchResult out;
  if (opt_.url.empty()) {
    out.missing.push_back("prometheus: no url configured");
    return out;
  }
  std::string base = opt_.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const auto start = clock_.Steady();
  // Prometheus allows at most 11000 points per series: widen the step for long ranges.
  int64_t step = std::max<int64_t>(opt_.step_ms, req.step_ms);
  const int64_t span = std::max<int64_t>(0, req.to - req.from);
  if (span / std::max<int64_t>(step, 1) >= static_cast<int64_t>(opt_.max_points))
    step = span / static_cast<int64_t>(opt_.max_points - 1) + 1;
  size_t skipped = 0;
  bool unreachable = false;
  for (const auto& service : req.services) {
    for (const auto& [name, tmpl] : QueriesFor(service)) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Steady() - start).count();
      if (unreachable || elapsed >= opt_.budget_ms) {
        ++skipped;
        continue;
      }
      const std::string query = ExpandQuery(tmpl, service);
      char buf[128];
      std::snprintf(buf, sizeof buf, "&start=%.3f&end=%.3f&step=%.3f", static_cast<double>(req.from) / 1000.0,
                    static_cast<double>(req.to) / 1000.0, static_cast<double>(step) / 1000.0);
      core::HttpRequest hr;
      hr.method = "GET";
      hr.url = base + "/api/v1/query_range?query=" + boost::urls::encode(query, boost::urls::unreserved_chars) + buf;
      hr.timeout_ms = std::min<int64_t>(opt_.timeout_ms, std::max<int64_t>(1, opt_.budget_ms - elapsed));
      hr.connect_timeout_ms = std::min<long>(hr.timeout_ms, 2000);
      if (!opt_.bearer_token.empty()) hr.headers.emplace_back("Authorization", "Bearer " + opt_.bearer_token);
      auto resp = core::HttpDo(hr);
      const std::string what = "prometheus " + service + "/" + name;
      if (!resp) {
        if (resp.error().code == ErrorCode::kDeadlineExceeded) {
          out.missing.push_back(what + ": no answer within " + std::to_string(hr.timeout_ms) + " ms");
        } else {
          // Refused or unresolvable: every other query would fail the same way.
          unreachable = true;
          out.missing.push_back("prometheus at " + base + " is unreachable: " + resp.error().message);
        }
        continue;
      }
      if (resp->status != 200 && resp->status != 400 && resp->status != 422) {
        out.missing.push_back(what + ": HTTP " + std::to_string(resp->status));
        continue;
      }
      auto parsed = ParsePrometheusMatrix(resp->body, service, name, opt_.max_series_per_query);
      if (!parsed) {
        out.missing.push_back(what + ": " + parsed.error().message);
        continue;
      }
      for (auto& s : *parsed) out.series.push_back(std::move(s));
    }
  }
  if (skipped > 0)
    out.missing.push_back("prometheus: " + std::to_string(skipped) + " quer" + (skipped == 1 ? "y" : "ies") +
                          " not run (" + (unreachable ? "server unreachable" : "time budget of " +
                                                                                 std::to_string(opt_.budget_ms) + " ms used up") +
                          ")");
  return out;
}

}  // namespace firebreak::analyze
