// Resource trends: time to exhaustion of saturating resources (disk, memory, connection pools,
// error budget) from their recent trend.
//
// A series is a resource when its limit is known: given explicitly per metric name, or implied by
// its name — a percentage or utilization grows toward 100 (or 1.0 when its values are ratios),
// and something "free", "remaining", "available" or a "budget" shrinks toward 0. The trend is a
// least-squares line through the recent samples; the forecast is when that line crosses the limit.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "analyze/series.h"

namespace firebreak::analyze {

struct TrendOptions {
  int64_t now = 0;            // Unix ms
  int64_t window_ms = 6 * 3'600'000;   // samples used for the fit
  int64_t horizon_ms = 24 * 3'600'000; // report exhaustion within this
  size_t min_samples = 6;
  double min_r2 = 0.5;        // how well a line must explain the samples
  std::map<std::string, double> limits;  // metric name -> limit
};

struct TrendForecast {
  std::string service;
  std::string metric;
  std::string series;
  double current = 0;        // fitted value now
  double limit = 0;
  double slope_per_hour = 0;
  double r2 = 0;
  int64_t exhausted_at = 0;  // Unix ms
  int64_t eta_ms = 0;        // from now
  std::string text;
};

// The limit a series runs toward and whether it runs up (+1) or down (-1); nullopt when unknown.
std::optional<std::pair<double, int>> ResourceLimit(const Series& s, const std::map<std::string, double>& limits);

// Forecasts for the series that will reach their limit within the horizon, soonest first.
std::vector<TrendForecast> ForecastExhaustion(const std::vector<Series>& series, const TrendOptions& opt);

boost::json::object ToJson(const TrendForecast& f);

}  // namespace firebreak::analyze
