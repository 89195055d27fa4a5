#include "graph/capacity.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace firebreak::graph {

model::DefenseLevel LevelFor(double u, const Thresholds& t) {
  if (u >= t.black) return model::DefenseLevel::kBlack;
  if (u >= t.red) return model::DefenseLevel::kRed;
  if (u >= t.orange) return model::DefenseLevel::kOrange;
  if (u >= t.yellow) return model::DefenseLevel::kYellow;
  return model::DefenseLevel::kGreen;
}

double ErlangB(int servers, double offered) {
  if (servers <= 0) return 1.0;
  if (offered <= 0) return 0.0;
  // B(0) = 1; B(k) = a B(k-1) / (k + a B(k-1)): stable, no factorials.
  double b = 1.0;
  for (int k = 1; k <= servers; ++k) b = offered * b / (k + offered * b);
  return b;
}

double ErlangC(int servers, double offered) {
  if (servers <= 0) return 1.0;
  if (offered <= 0) return 0.0;
  if (offered >= servers) return 1.0;
  const double b = ErlangB(servers, offered);
  const double rho = offered / servers;
  return b / (1.0 - rho * (1.0 - b));
}

double QueueMetrics::ServiceLevel(double t_s) const {
  if (!stable) return 0.0;
  if (p_wait <= 0) return 1.0;
  // P(W > t) = C * exp(-(c mu - lambda) t), and (c mu - lambda) = (1 - rho) c / service_s.
  const double drain = (1.0 - utilization) * servers / service_s;
  return 1.0 - p_wait * std::exp(-drain * t_s);
}

QueueMetrics MMc(double arrival_rate, double service_rate, int servers) {
  QueueMetrics q;
  q.servers = servers;
  if (servers <= 0 || service_rate <= 0) return q;
  q.service_s = 1.0 / service_rate;
  q.offered = std::max(0.0, arrival_rate) / service_rate;
  q.utilization = q.offered / servers;
  q.stable = q.utilization < 1.0;
  q.p_wait = ErlangC(servers, q.offered);
  if (q.stable) {
    const double drain = servers * service_rate - arrival_rate;  // c mu - lambda
    q.wait_s = arrival_rate > 0 ? q.p_wait / drain : 0.0;
    q.queue_length = arrival_rate * q.wait_s;
  } else {
    q.wait_s = std::numeric_limits<double>::infinity();
    q.queue_length = std::numeric_limits<double>::infinity();
  }
  q.response_s = q.wait_s + q.service_s;
  return q;
}

ServiceUtilization AnalyzeUtilization(const Graph& g, int v, const Thresholds& t, double load_rps,
                                      double capacity_fraction) {
  const Node& s = g.node(v);
  ServiceUtilization u;
  u.node = v;
  u.load_rps = load_rps >= 0 ? load_rps : s.load_rps;
  if (!s.HasCapacity()) return u;
  u.known = true;
  const double replicas = s.replicas * std::clamp(capacity_fraction, 0.0, 1.0);
  u.capacity_rps = s.rps_per_replica * replicas;
  const int servers = static_cast<int>(std::floor(replicas * s.concurrency + 1e-9));
  const double per_server = s.rps_per_replica / s.concurrency;
  if (u.capacity_rps <= 0 || servers <= 0) {
    u.utilization = u.load_rps > 0 ? std::numeric_limits<double>::infinity() : 0;
    u.level = u.load_rps > 0 ? model::DefenseLevel::kBlack : model::DefenseLevel::kGreen;
    u.queue = MMc(u.load_rps, per_server, 0);
    return u;
  }
  u.utilization = u.load_rps / u.capacity_rps;
  u.level = LevelFor(u.utilization, t);
  u.queue = MMc(u.load_rps, per_server, servers);
  u.knee_load_rps = t.orange * u.capacity_rps;
  u.headroom_rps = u.knee_load_rps - u.load_rps;
  const double half = MMc(0.5 * servers * per_server, per_server, servers).wait_s;
  for (double x : {0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99}) {
    CurvePoint p;
    p.utilization = x;
    p.wait_s = MMc(x * servers * per_server, per_server, servers).wait_s;
    p.growth = half > 0 ? p.wait_s / half : 0;
    u.curve.push_back(p);
  }
  return u;
}

std::optional<double> Trend::SecondsUntil(double level) const {
  if (fitted_now >= level) return 0.0;
  if (!(slope_per_s > 0)) return std::nullopt;
  return (level - fitted_now) / slope_per_s;
}

Result<Trend> FitTrend(const std::vector<Sample>& samples) {
  if (samples.size() < 2) return InvalidArgument("a trend needs at least two samples", "samples");
  for (size_t i = 0; i < samples.size(); ++i)
    if (!std::isfinite(samples[i].t) || !std::isfinite(samples[i].value))
      return InvalidArgument("sample values must be finite numbers", "samples[" + std::to_string(i) + "]");
  // Centre the times for numerical stability (epoch seconds are large).
  double mt = 0, mv = 0;
  for (const auto& s : samples) {
    mt += s.t;
    mv += s.value;
  }
  const double n = static_cast<double>(samples.size());
  mt /= n;
  mv /= n;
  double stt = 0, stv = 0, svv = 0;
  for (const auto& s : samples) {
    const double dt = s.t - mt, dv = s.value - mv;
    stt += dt * dt;
    stv += dt * dv;
    svv += dv * dv;
  }
  if (stt <= 0) return InvalidArgument("samples need at least two distinct times", "samples");
  Trend tr;
  tr.samples = samples.size();
  tr.slope_per_s = stv / stt;
  tr.last_t = std::max_element(samples.begin(), samples.end(), [](auto& a, auto& b) { return a.t < b.t; })->t;
  tr.fitted_now = mv + tr.slope_per_s * (tr.last_t - mt);
  tr.r2 = svv > 0 ? (stv * stv) / (stt * svv) : 1.0;
  return tr;
}

}  // namespace firebreak::graph
