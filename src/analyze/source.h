// Metrics sources behind one interface: a real Prometheus queried over its HTTP API
// (`query_range`, per-service PromQL from config) and in-memory series (offline analysis, tests).
// The embedded store's source lives in app/ (it reads the store).
//
// Fetch never fails as a whole: what could not be fetched (Prometheus unreachable, a slow query,
// a bad query) is listed in `missing` and the rest is returned, so an analysis can say what it
// is missing instead of giving up.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analyze/series.h"
#include "core/clock.h"
#include "core/result.h"

namespace firebreak::analyze {

struct FetchRequest {
  std::vector<std::string> services;
  int64_t from = 0, to = 0;  // Unix ms
  int64_t step_ms = 0;  // coarsest resolution wanted (0 = the source's own)
};

struct FetchResult {
  std::vector<Series> series;
  std::vector<std::string> missing;
};

class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  virtual std::string Name() const = 0;
  virtual FetchResult Fetch(const FetchRequest& req) = 0;
};

// Series held in memory; Fetch returns the parts of the requested services inside the range.
class MemorySource final : public MetricsSource {
 public:
  explicit MemorySource(std::vector<Series> series) : series_(std::move(series)) {}
  std::string Name() const override { return "memory"; }
  FetchResult Fetch(const FetchRequest& req) override;

 private:
  std::vector<Series> series_;
};

struct PrometheusOptions {
  std::string url;             // base URL, e.g. http://127.0.0.1:9090
  int64_t timeout_ms = 5000;   // per query
  int64_t budget_ms = 20000;   // all queries of one Fetch
  int64_t step_ms = 15000;     // smallest step used
  size_t max_series_per_query = 50;
  size_t max_points = 11000;   // Prometheus refuses more than 11000 points per series
  std::string bearer_token;
  std::map<std::string, std::string> queries;  // name -> PromQL with $service
  std::map<std::string, std::map<std::string, std::string>> service_queries;
};

// Queries Prometheus's /api/v1/query_range for each service and query name. Result series are
// named after the query; their labels (without __name__ and service) tell them apart.
class PrometheusSource final : public MetricsSource {
 public:
  // `clock` measures the per-fetch budget (its monotonic time).
  PrometheusSource(PrometheusOptions opt, const core::Clock& clock) : opt_(std::move(opt)), clock_(clock) {}
  std::string Name() const override { return "prometheus"; }
  FetchResult Fetch(const FetchRequest& req) override;
  // The queries run for `service`: defaults overridden/extended by the service's own.
  std::map<std::string, std::string> QueriesFor(const std::string& service) const;

 private:
  PrometheusOptions opt_;
  const core::Clock& clock_;
};

// Parses a Prometheus query_range response into series for `service` named `metric`.
// Errors name what is wrong with the response (status error, wrong result type, bad values).
Result<std::vector<Series>> ParsePrometheusMatrix(std::string_view body, const std::string& service,
                                                  const std::string& metric, size_t max_series = 50);

// Replaces `$service` in a PromQL template.
std::string ExpandQuery(const std::string& tmpl, const std::string& service);

}  // namespace firebreak::analyze
