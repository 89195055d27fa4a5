#include "analyze/trends.h"

#include <algorithm>
#include <cmath>

#include "core/strings.h"
#include "core/time.h"

namespace firebreak::analyze {

namespace {
bool Has(const std::string& s, std::string_view w) { return s.find(w) != std::string::npos; }
}  // namespace

std::optional<std::pair<double, int>> ResourceLimit(const Series& s, const std::map<std::string, double>& limits) {
  if (auto it = limits.find(s.metric); it != limits.end()) {
    // Explicit: it runs up toward a positive limit, down toward zero.
    return std::make_pair(it->second, it->second > 0 ? +1 : -1);
  }
  const std::string m = core::ToLower(s.metric);
  double max_v = 0;
  for (const auto& x : s.samples) max_v = std::max(max_v, std::fabs(x.v));
  const bool ratio = max_v <= 1.0 + 1e-9;
  for (auto w : {"free", "remaining", "available", "budget", "headroom", "left"})
    if (Has(m, w)) return std::make_pair(0.0, -1);
  for (auto w : {"percent", "pct", "(%)", "_ratio", "utilization", "utilisation", "usage_rate",
                 "usagerate", "saturation", "used_ratio", "fill"})
    if (Has(m, w)) return std::make_pair(ratio ? 1.0 : 100.0, +1);
  return std::nullopt;
}

std::vector<TrendForecast> ForecastExhaustion(const std::vector<Series>& series, const TrendOptions& opt) {
  std::vector<TrendForecast> out;
  for (const auto& s : series) {
    auto lim = ResourceLimit(s, opt.limits);
    if (!lim) continue;
    const auto [limit, dir] = *lim;
    // Least squares over the window, times in hours relative to now.
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    for (const auto& x : s.samples) {
      if (x.t < opt.now - opt.window_ms || x.t > opt.now || !std::isfinite(x.v)) continue;
      const double h = static_cast<double>(x.t - opt.now) / 3.6e6;
      n += 1;
      sx += h;
      sy += x.v;
      sxx += h * h;
      sxy += h * x.v;
      syy += x.v * x.v;
    }
    if (n < static_cast<double>(opt.min_samples)) continue;
    const double vx = sxx - sx * sx / n, vy = syy - sy * sy / n, cxy = sxy - sx * sy / n;
    if (vx <= 0) continue;
    const double slope = cxy / vx;           // per hour
    const double intercept = (sy - slope * sx) / n;  // fitted value now
    const double r2 = vy > 0 ? cxy * cxy / (vx * vy) : 0;
    if (slope * dir <= 0 || r2 < opt.min_r2) continue;
    const double hours = (limit - intercept) / slope;
    TrendForecast f;
    f.service = s.service;
    f.metric = s.metric;
    f.series = s.Key();
    f.current = intercept;
    f.limit = limit;
    f.slope_per_hour = slope;
    f.r2 = r2;
    f.eta_ms = hours <= 0 ? 0 : static_cast<int64_t>(hours * 3.6e6);
    if (f.eta_ms > opt.horizon_ms) continue;
    f.exhausted_at = opt.now + f.eta_ms;
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s %s at %.4g, %s %.3g/h: reaches %.4g in %s (%s)", s.service.c_str(),
                  s.metric.c_str(), intercept, slope > 0 ? "rising" : "falling", std::fabs(slope), limit,
                  core::FormatDuration(core::Millis(f.eta_ms)).c_str(),
                  core::FormatRfc3339(core::FromUnixMillis(f.exhausted_at)).c_str());
    f.text = buf;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.eta_ms < b.eta_ms; });
  return out;
}

boost::json::object ToJson(const TrendForecast& f) {
  boost::json::object o;
  o["service"] = f.service;
  o["metric"] = f.metric;
  o["series"] = f.series;
  o["current"] = f.current;
  o["limit"] = f.limit;
  o["slope_per_hour"] = f.slope_per_hour;
  o["r2"] = std::round(f.r2 * 1000) / 1000;
  o["exhausted_at"] = core::FormatRfc3339(core::FromUnixMillis(f.exhausted_at));
  o["eta_seconds"] = f.eta_ms / 1000;
  o["text"] = f.text;
  return o;
}

}  // namespace firebreak::analyze
