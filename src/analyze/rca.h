// Root-cause analysis for an incident window: which service (and which signal inside it) most
// likely started the trouble, with a confidence and the evidence behind each hypothesis.
//
// Inputs are plain values: metric series per service (from Prometheus or the embedded store),
// the service dependency graph (caller -> callee), change events, error log patterns, and the
// incident window [from, to]. Samples before `from` are the baseline. The ranking combines
//  - per-series anomaly evidence: how far the window departs from the baseline in the bad
//    direction (robust z against median/MAD), held for at least `sustain` samples (a one-sample
//    spike is not a fault), discounted by how far the same series usually wanders (its
//    background, measured the same way), weighted by what the signal means (latency, errors and saturation
//    count; traffic and outbound "client" latency count little: they move with everything);
//    per-edge series ("caller->callee") are attributed to the callee;
//  - traffic that stops: a service receiving no requests is evidence against its callers, which
//    stopped calling it (they fail before the call), not against the service;
//  - graph position: a service whose callees are anomalous is probably their victim, so the
//    callees' evidence is subtracted in part; being upstream of the affected set helps;
//  - anomaly onset order: the earliest onset gets a bonus;
//  - recent changes on the service shortly before the onset, and new or surging error log
//    patterns of the service.
// docs/ANALYZE.md describes the method and its measured accuracy.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "analyze/series.h"
#include "model/change_event.h"

namespace firebreak::analyze {

// Service dependency graph: edges point from caller to callee.
class Graph {
 public:
  void AddEdge(const std::string& caller, const std::string& callee);
  void AddNode(const std::string& n);
  const std::set<std::string>& Callees(const std::string& n) const;
  const std::set<std::string>& Callers(const std::string& n) const;
  const std::set<std::string>& nodes() const { return nodes_; }
  bool Has(const std::string& n) const { return nodes_.count(n) > 0; }
  // Shortest undirected distance (hops), or -1 when unconnected.
  int Distance(const std::string& a, const std::string& b) const;
  // A shortest path a -> ... -> b following call direction (caller to callee), empty if none.
  std::vector<std::string> CallPath(const std::string& from, const std::string& to) const;
  size_t EdgeCount() const;

 private:
  std::set<std::string> nodes_;
  std::map<std::string, std::set<std::string>> callees_, callers_;
};

// An error log pattern of a service in the window (from log template mining).
struct LogPattern {
  std::string service;
  std::string pattern;   // the template, e.g. "connection to <*> refused"
  int64_t count = 0;     // occurrences in the window
  double baseline_rate = 0;  // occurrences per window length before the window (0 = new)
  int64_t first_seen = 0;    // Unix ms of its first occurrence in the window
};

struct RcaOptions {
  // Baseline: at most this much history before `from` (ms) and at least this many samples.
  int64_t lookback_ms = 3'600'000;
  size_t min_baseline = 6;
  // When a series has fewer than `min_baseline` samples before the window, its samples after the
  // window (up to `lookback_ms`) complete the baseline (offline data that starts just before the
  // incident); 0 turns this off. `missing` lists the series that used it.
  bool after_baseline = true;
  // A series' anomaly level is the robust z it reaches on at least this many window samples (the
  // k-th largest), so that a single-sample spike is not evidence by itself; its background is
  // measured the same way.
  size_t sustain = 2;
  // With a reference period, the median of the series' last `local_samples` samples before the
  // window is the level the window is compared with.
  size_t local_samples = 10;
  // Robust z below this is no evidence.
  double z_min = 4.0;
  double z_cap = 1e4;
  // Scale floor as a share of the baseline median (quantized and near-constant series): with
  // z_min 4, a quiet series must move by its own level (double, or fall to zero) to count.
  double relative_floor = 0.25;
  double errors_relative_floor = 0.002;
  // Share of the callees' evidence a caller loses (victim discount).
  double victim = 0.5;
  // A utilisation percentage (a metric named with "%", "percent" or "utilization" that is worse
  // when higher, so not "free" or "available") held at or above `saturated_pct` for `sustain`
  // window samples, from a baseline below it, is saturation whatever the series' history: its
  // robust z counts as at least `saturated_z`, and its background is not subtracted (a busy hour
  // before the window does not make a pinned CPU normal). 0 turns the rule off.
  double saturated_pct = 90;
  double saturated_z = 10;
  // A service's inbound request rate (a "workload", "requests", "rps", "traffic"... metric of the
  // service itself: not bytes, network or syscalls, not a host's, not "client" or an edge)
  // held at or below `stopped_share` of its baseline median for `sustain` window samples, when the
  // baseline never held that low for `sustain` samples, means its callers stopped calling it: a
  // service does not choose its request rate. It counts as robust z `saturated_z` for each caller
  // (shared among them, weight `w_stopped`), not for the service; a service with no known caller
  // keeps it as its own traffic anomaly. 0 turns the rule off.
  double stopped_share = 0.1;
  double w_stopped = 1.0;
  // Weights per signal kind.
  double w_latency = 1.0, w_errors = 1.0, w_saturation = 1.0, w_traffic = 0.1, w_other = 0.3;
  double w_outbound = 0.0;  // "client" latency: time spent waiting on dependencies
  double w_memory = 0.5;    // memory is a slow, noisy saturation signal
  double w_edge = 0.5;      // per-edge series, attributed to the callee
  // Bonus (in evidence units) for the earliest onset, a change shortly before the onset, and an
  // error log pattern that is new or surging.
  double onset_bonus = 0.2;
  double change_bonus = 1.0;
  double log_bonus = 1.0;
  // A change counts when it happened at most this long before the first onset (ms).
  int64_t change_window_ms = 2 * 3'600'000;
};

// Sets one option by name ("z_min", "victim", "w_latency", ...; durations in ms); false if the
// name is unknown.
bool SetRcaOption(RcaOptions& o, const std::string& name, double value);

// What one series did in the window.
struct SeriesAnomaly {
  std::string service;  // the service the evidence is attributed to
  std::string series;   // the series key
  std::string metric;
  std::string kind;     // latency | errors | saturation | traffic | other
  std::string caller;   // for edge series: the calling service
  std::string stopped;  // for "callers stopped calling": the service whose inbound traffic stopped
  int64_t onset = 0;    // first window sample at or above z_min (Unix ms)
  int64_t peak_time = 0;
  double z = 0;         // robust z in the bad direction held for `sustain` window samples
  double background = 0;  // typical peak z of baseline stretches of the same length
  double evidence = 0;  // weighted, background-discounted evidence (>= 0)
  double baseline = 0;  // baseline median
  double value = 0;     // value at the peak
};

struct RankedChange {
  model::ChangeEvent change;
  double score = 0;        // 0..1
  int64_t before_onset_ms = 0;  // onset - change time (negative: after the onset)
  int distance = -1;       // graph hops to the nearest affected/anomalous service (-1 unknown)
  bool anomaly_after = false;  // anomalies began on the changed service after the change
  std::string reason;
};

struct Evidence {
  std::string type;  // metric | edge | stopped | change | log | graph | onset
  std::string text;  // one line for people
  std::string series;
  std::string metric;
  int64_t time = 0;  // onset / change time / first seen (Unix ms), 0 if none
  double magnitude = 0;
  double baseline = 0;
  double value = 0;
  int64_t change_id = 0;
  std::string pattern;
  std::vector<std::string> path;  // graph path
};

struct Hypothesis {
  std::string service;
  std::string metric;  // the strongest signal inside the service ("" if none)
  double confidence = 0;  // 0..1, the hypotheses' confidences sum to at most 1
  double score = 0;
  int64_t onset = 0;
  std::string summary;
  std::vector<Evidence> evidence;
};

struct RcaInput {
  std::vector<Series> series;
  // Optional reference period (another time known to be normal); used as baseline in addition to
  // the samples before `from`.
  std::vector<Series> reference;
  Graph graph;
  int64_t from = 0, to = 0;  // the incident window (Unix ms)
  std::vector<std::string> affected;  // services the incident names (may be empty)
  std::vector<model::ChangeEvent> changes;
  std::vector<LogPattern> log_patterns;
};

struct RcaResult {
  std::vector<Hypothesis> hypotheses;  // best first
  std::vector<SeriesAnomaly> anomalies;  // evidence > 0, strongest first
  std::vector<RankedChange> changes;     // best first
  std::vector<std::string> missing;      // what could not be used and why (degraded answer)
  int64_t from = 0, to = 0;
  size_t series_used = 0;
};

// Ranks root-cause candidates for the window. Never fails: missing or unusable inputs are listed
// in `missing`.
RcaResult RankRootCauses(const RcaInput& in, const RcaOptions& opt = {});

// Ranks change events against an incident: time before `onset`, graph distance to the affected
// services, and whether anomalies began on the changed service right after it.
std::vector<RankedChange> RankChanges(const std::vector<model::ChangeEvent>& changes, int64_t onset,
                                      const std::vector<std::string>& affected, const Graph& graph,
                                      const std::vector<SeriesAnomaly>& anomalies,
                                      int64_t window_ms = 2 * 3'600'000);

// Splits an edge series name "caller->callee"; false if `service` is not an edge.
bool SplitEdge(const std::string& service, std::string* caller, std::string* callee);

boost::json::object ToJson(const SeriesAnomaly& a);
boost::json::object ToJson(const RankedChange& c);
boost::json::object ToJson(const Evidence& e);
boost::json::object ToJson(const Hypothesis& h);
boost::json::object ToJson(const RcaResult& r);

}  // namespace firebreak::analyze
