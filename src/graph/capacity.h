// Utilization, queueing and defense levels.
//
// A service with capacity is modelled as an M/M/c queue: c = replicas x concurrency servers, each
// serving rps_per_replica / concurrency requests/s, offered load_rps. Utilization is
// load / capacity; the Erlang C formula gives the probability that a request waits and the mean
// wait, which grows without bound as utilization nears 1 — the "knee" past which small load
// increases cost a lot of latency sits around 80% (DESIGN.md §3: ORANGE).
//
// Defense levels from utilization use the configured thresholds (settings.defense): >= yellow
// YELLOW, >= orange ORANGE, >= red RED, >= black BLACK.
//
// Time to exhaustion fits a least-squares line through recent utilization samples and extrapolates
// to each threshold and to 100%.
#pragma once

#include <optional>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "graph/graph.h"
#include "model/severity.h"

namespace firebreak::graph {

struct Thresholds {
  double yellow = 0.75, orange = 0.80, red = 0.90, black = 0.95;
  static Thresholds From(const config::Settings& s) { return {s.util_yellow, s.util_orange, s.util_red, s.util_black}; }
};
model::DefenseLevel LevelFor(double utilization, const Thresholds& t);

// Erlang B (loss) and Erlang C (delay) for `servers` servers offered `offered` erlangs
// (arrival rate / per-server service rate). Numerically stable for thousands of servers.
// ErlangC is 1 when offered >= servers (the queue grows without bound).
double ErlangB(int servers, double offered);
double ErlangC(int servers, double offered);

struct QueueMetrics {
  int servers = 0;
  double offered = 0;      // erlangs
  double utilization = 0;  // offered / servers
  bool stable = false;     // utilization < 1
  double p_wait = 0;       // probability a request queues (Erlang C)
  double wait_s = 0;       // mean time in queue (Wq); +inf when unstable
  double service_s = 0;    // mean service time (1 / per-server rate)
  double response_s = 0;   // wait_s + service_s
  double queue_length = 0; // mean requests waiting (Lq)
  // Probability that a request waits at most t seconds.
  double ServiceLevel(double t_s) const;
};
// arrival_rate and service_rate in requests/s; service_rate is per server.
QueueMetrics MMc(double arrival_rate, double service_rate, int servers);

struct CurvePoint {
  double utilization = 0;
  double wait_s = 0;
  double growth = 0;  // wait relative to the wait at 50% utilization
};

struct ServiceUtilization {
  int node = -1;
  bool known = false;        // capacity and load are configured
  double capacity_rps = 0;   // with the replicas left
  double load_rps = 0;
  double utilization = 0;
  model::DefenseLevel level = model::DefenseLevel::kGreen;
  QueueMetrics queue;
  double knee_load_rps = 0;  // load at the orange threshold
  double headroom_rps = 0;   // knee_load_rps - load_rps (negative: past the knee)
  std::vector<CurvePoint> curve;  // mean wait from 50% to 99% for this service's server count
};
// `load_rps` < 0 uses the configured load; `capacity_fraction` scales the replicas (zone loss).
ServiceUtilization AnalyzeUtilization(const Graph& g, int v, const Thresholds& t, double load_rps = -1,
                                      double capacity_fraction = 1.0);

struct Sample {
  double t = 0;      // seconds (any epoch)
  double value = 0;  // utilization (1.0 = 100%)
};
struct Trend {
  size_t samples = 0;
  double slope_per_s = 0;  // utilization per second
  double last_t = 0;       // time of the newest sample
  double fitted_now = 0;   // the fitted line at last_t
  double r2 = 0;           // goodness of fit (1 = a perfect line)
  // Seconds after last_t until the fitted line reaches `level`; 0 if already there; nullopt if
  // it never does (flat or falling).
  std::optional<double> SecondsUntil(double level) const;
};
// Needs at least two samples at two distinct times; InvalidArgument names "samples" otherwise.
Result<Trend> FitTrend(const std::vector<Sample>& samples);

}  // namespace firebreak::graph
