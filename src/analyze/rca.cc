#include "analyze/rca.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <unordered_map>

#include "core/strings.h"
#include "core/time.h"

namespace firebreak::analyze {

// ---- graph ----------------------------------------------------------------------------------

void Graph::AddNode(const std::string& n) { nodes_.insert(n); }

void Graph::AddEdge(const std::string& caller, const std::string& callee) {
  if (caller == callee) return;
  nodes_.insert(caller);
  nodes_.insert(callee);
  callees_[caller].insert(callee);
  callers_[callee].insert(caller);
}

const std::set<std::string>& Graph::Callees(const std::string& n) const {
  static const std::set<std::string> kEmpty;
  auto it = callees_.find(n);
  return it == callees_.end() ? kEmpty : it->second;
}

const std::set<std::string>& Graph::Callers(const std::string& n) const {
  static const std::set<std::string> kEmpty;
  auto it = callers_.find(n);
  return it == callers_.end() ? kEmpty : it->second;
}

size_t Graph::EdgeCount() const {
  size_t n = 0;
  for (const auto& [k, v] : callees_) n += v.size();
  return n;
}

int Graph::Distance(const std::string& a, const std::string& b) const {
  if (!Has(a) || !Has(b)) return -1;
  if (a == b) return 0;
  std::map<std::string, int> dist{{a, 0}};
  std::deque<std::string> q{a};
  while (!q.empty()) {
    auto cur = q.front();
    q.pop_front();
    for (const auto* next : {&Callees(cur), &Callers(cur)}) {
      for (const auto& n : *next) {
        if (dist.count(n)) continue;
        dist[n] = dist[cur] + 1;
        if (n == b) return dist[n];
        q.push_back(n);
      }
    }
  }
  return -1;
}

std::vector<std::string> Graph::CallPath(const std::string& from, const std::string& to) const {
  if (!Has(from) || !Has(to)) return {};
  if (from == to) return {from};
  std::map<std::string, std::string> prev;
  std::deque<std::string> q{from};
  prev[from] = "";
  while (!q.empty()) {
    auto cur = q.front();
    q.pop_front();
    for (const auto& n : Callees(cur)) {
      if (prev.count(n)) continue;
      prev[n] = cur;
      if (n == to) {
        std::vector<std::string> path{to};
        for (auto p = cur; !p.empty(); p = prev[p]) path.push_back(p);
        std::reverse(path.begin(), path.end());
        return path;
      }
      q.push_back(n);
    }
  }
  return {};
}

bool SplitEdge(const std::string& service, std::string* caller, std::string* callee) {
  auto p = service.find("->");
  if (p == std::string::npos || p == 0 || p + 2 >= service.size()) return false;
  *caller = service.substr(0, p);
  *callee = service.substr(p + 2);
  return true;
}

// ---- per-series evidence --------------------------------------------------------------------

namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
  double hi = v[m];
  if (v.size() % 2 == 1) return hi;
  double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m));
  return (lo + hi) / 2;
}

bool IsOutbound(const std::string& metric) {
  auto m = core::ToLower(metric);
  return (m.find("client") != std::string::npos || m.find("outbound") != std::string::npos ||
          m.find("downstream") != std::string::npos) &&
         GuessSignalKind(m) == SignalKind::kLatency;
}

// A utilisation percentage: CPU or memory "usage rate (%)", "cpu_utilization_percent".
bool IsUtilisationPercent(const std::string& metric) {
  auto m = core::ToLower(metric);
  return m.find('%') != std::string::npos || m.find("percent") != std::string::npos ||
         m.find("utilization") != std::string::npos || m.find("utilisation") != std::string::npos;
}

bool IsMemory(const std::string& metric) {
  auto m = core::ToLower(metric);
  return m.find("mem") != std::string::npos || m.find("heap") != std::string::npos;
}

double KindWeight(const RcaOptions& o, const std::string& metric, SignalKind k, bool edge) {
  if (edge) return o.w_edge;
  if (IsOutbound(metric)) return o.w_outbound;
  switch (k) {
    case SignalKind::kLatency: return o.w_latency;
    case SignalKind::kErrors: return o.w_errors;
    case SignalKind::kSaturation: return IsMemory(metric) ? o.w_memory : o.w_saturation;
    case SignalKind::kTraffic: return o.w_traffic;
    case SignalKind::kOther: return o.w_other;
  }
  return o.w_other;
}

std::string FormatTime(int64_t ms) { return core::FormatRfc3339(core::FromUnixMillis(ms)); }

std::string Num(double v) {
  char buf[32];
  if (std::fabs(v) >= 100 || v == std::floor(v)) std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (std::fabs(v) >= 1) std::snprintf(buf, sizeof buf, "%.2f", v);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

struct Analyzed {
  SeriesAnomaly a;
  bool usable = false;
  bool after_baseline = false;  // the baseline includes samples after the window
  // Inbound traffic stopped (see RcaOptions::stopped_share): first and lowest such sample.
  bool stopped = false;
  int64_t stopped_onset = 0, stopped_at = 0;
  double stopped_value = 0;
};

// The level a series holds for at least `k` samples of `z`: its k-th largest value (the largest
// when k <= 1, the smallest when there are fewer than k samples). A fault lasts; a single-sample
// spike, common in percentiles and sparse series, is not evidence by itself.
double Sustained(std::vector<double> z, size_t k) {
  if (z.empty()) return 0;
  k = std::clamp<size_t>(k, 1, z.size());
  std::nth_element(z.begin(), z.begin() + static_cast<std::ptrdiff_t>(k - 1), z.end(), std::greater<>());
  return z[k - 1];
}

Analyzed AnalyzeSeries(const Series& s, const std::vector<Sample>* reference, int64_t from, int64_t to,
                       const RcaOptions& o) {
  Analyzed out;
  auto& a = out.a;
  std::string caller, callee;
  const bool edge = SplitEdge(s.service, &caller, &callee);
  a.service = edge ? callee : s.service;
  a.caller = edge ? caller : "";
  a.series = s.Key();
  a.metric = s.metric;
  const SignalKind kind = GuessSignalKind(s.metric);
  a.kind = std::string(SignalKindName(kind));
  std::vector<double> base, local, after;
  std::vector<Sample> win;
  if (reference)
    for (const auto& x : *reference) base.push_back(x.v);
  for (const auto& x : s.samples) {
    if (!std::isfinite(x.v)) continue;
    if (x.t < from && x.t >= from - o.lookback_ms) {
      base.push_back(x.v);
      local.push_back(x.v);
    } else if (x.t >= from && x.t <= to) {
      win.push_back(x);
    } else if (x.t > to && x.t <= to + o.lookback_ms) {
      after.push_back(x.v);
    }
  }
  // Too little history before the window (data that starts just before the incident): the
  // samples after the window, when there are any, complete the baseline. Said in `missing`.
  if (base.size() < o.min_baseline && o.after_baseline && !after.empty()) {
    base.insert(base.end(), after.begin(), after.end());
    out.after_baseline = true;
  }
  if (base.size() < o.min_baseline || win.empty()) return out;
  out.usable = true;
  // A reference period gives the spread; the series' own latest samples before the window give
  // the current level (the reference may be from another day or deployment).
  const double global_med = Median(base);
  if (local.size() > o.local_samples) local.erase(local.begin(), local.end() - static_cast<std::ptrdiff_t>(o.local_samples));
  const double med = reference && !local.empty() ? Median(local) : global_med;
  std::vector<double> dev;
  dev.reserve(base.size());
  for (double v : base) dev.push_back(std::fabs(v - global_med));
  const double mad = Median(dev);
  // Error and availability ratios matter at much finer relative resolution than other signals.
  const double floor = kind == SignalKind::kErrors ? o.errors_relative_floor : o.relative_floor;
  const double scale = std::max({1.4826 * mad, floor * std::fabs(med), 1e-9});
  const int dir = edge ? +1 : BadDirection(s.metric);
  auto bad = [&](double v) {
    const double z = (v - med) / scale;
    return dir == 0 ? std::fabs(z) : dir * z;
  };
  a.baseline = med;
  double peak = -1e300;
  std::vector<double> zs;
  zs.reserve(win.size());
  for (const auto& x : win) {
    const double b = bad(x.v);
    zs.push_back(b);
    if (b >= o.z_min && a.onset == 0) a.onset = x.t;
    if (b > peak) {
      peak = b;
      a.peak_time = x.t;
      a.value = x.v;
    }
  }
  a.z = std::min(Sustained(zs, o.sustain), o.z_cap);
  // Held at capacity (see RcaOptions::saturated_pct).
  bool saturated = false;
  if (o.saturated_pct > 0 && kind == SignalKind::kSaturation && dir > 0 && !edge && med < o.saturated_pct &&
      IsUtilisationPercent(s.metric)) {
    std::vector<double> vals;
    vals.reserve(win.size());
    for (const auto& x : win) vals.push_back(x.v);
    if (Sustained(vals, o.sustain) >= o.saturated_pct) {
      saturated = true;
      a.z = std::max(a.z, o.saturated_z);
      for (const auto& x : win)
        if (a.onset == 0 && x.v >= o.saturated_pct) a.onset = x.t;
    }
  }
  // Inbound traffic stopped (see RcaOptions::stopped_share): `sustain` window samples at or below
  // the share of the level, never seen that long in the baseline. Noted beside the series' own
  // analysis, which still stands for a service that has no callers to blame.
  if (o.stopped_share > 0 && kind == SignalKind::kTraffic && !edge && IsRequestRate(s.metric) && med > 0) {
    const double low = o.stopped_share * med;
    const size_t need = std::max<size_t>(o.sustain, 1);
    size_t in_window = 0, in_base = 0;
    for (const auto& x : win) in_window += x.v <= low;
    for (double v : base) in_base += v <= low;
    if (in_window >= need && in_base < need) {
      out.stopped = true;
      for (const auto& x : win)
        if (x.v <= low) {
          if (out.stopped_onset == 0) out.stopped_onset = x.t;
          if (out.stopped_at == 0 || x.v < out.stopped_value) {
            out.stopped_value = x.v;
            out.stopped_at = x.t;
          }
        }
    }
  }
  // Background: how far the series usually wanders over a stretch as long as the window, measured
  // the same way (the sustained level of each stretch).
  const size_t len = win.size();
  std::vector<double> chunk_peaks, chunk;
  if (base.size() >= len) {
    const size_t stride = std::max<size_t>(1, len / 2);
    for (size_t i = 0; i + len <= base.size(); i += stride) {
      chunk.clear();
      for (size_t j = i; j < i + len; ++j) chunk.push_back(bad(base[j]));
      chunk_peaks.push_back(std::min(Sustained(chunk, o.sustain), o.z_cap));
    }
  }
  a.background = chunk_peaks.empty() ? 0 : std::max(0.0, Median(chunk_peaks));
  if (a.z >= o.z_min) {
    const double raw = std::log1p(a.z) - (saturated ? 0.0 : std::log1p(a.background));
    a.evidence = std::max(0.0, raw) * KindWeight(o, s.metric, kind, edge);
  }
  if (a.evidence <= 0) a.onset = 0;
  return out;
}

std::string SeriesIdentity(const Series& s) { return s.Key(); }

}  // namespace

bool SetRcaOption(RcaOptions& o, const std::string& name, double v) {
#define FB_OPT(field)                      \
  if (name == #field) {                    \
    o.field = static_cast<decltype(o.field)>(v); \
    return true;                           \
  }
  FB_OPT(lookback_ms) FB_OPT(min_baseline) FB_OPT(after_baseline) FB_OPT(sustain) FB_OPT(local_samples) FB_OPT(z_min) FB_OPT(z_cap)
  FB_OPT(relative_floor) FB_OPT(errors_relative_floor) FB_OPT(victim) FB_OPT(saturated_pct) FB_OPT(saturated_z) FB_OPT(stopped_share) FB_OPT(w_stopped) FB_OPT(w_latency)
  FB_OPT(w_errors) FB_OPT(w_saturation) FB_OPT(w_traffic) FB_OPT(w_other) FB_OPT(w_outbound)
  FB_OPT(w_memory) FB_OPT(w_edge) FB_OPT(onset_bonus) FB_OPT(change_bonus) FB_OPT(log_bonus)
  FB_OPT(change_window_ms)
#undef FB_OPT
  return false;
}

// ---- changes --------------------------------------------------------------------------------

std::vector<RankedChange> RankChanges(const std::vector<model::ChangeEvent>& changes, int64_t onset,
                                      const std::vector<std::string>& affected, const Graph& graph,
                                      const std::vector<SeriesAnomaly>& anomalies, int64_t window_ms) {
  std::vector<RankedChange> out;
  constexpr int64_t kSlack = 60'000;        // clocks disagree a little
  constexpr double kTau = 30 * 60'000.0;    // time decay
  constexpr int64_t kAfter = 30 * 60'000;   // "right after" the change
  std::set<std::string> targets(affected.begin(), affected.end());
  for (const auto& a : anomalies) targets.insert(a.service);
  for (const auto& c : changes) {
    RankedChange r;
    r.change = c;
    const int64_t tc = core::ToUnixMillis(c.time);
    r.before_onset_ms = onset - tc;
    if (r.before_onset_ms < -kSlack) {
      r.reason = "after the onset";
      out.push_back(std::move(r));
      continue;
    }
    if (r.before_onset_ms > window_ms) {
      r.reason = "too long before the onset";
      out.push_back(std::move(r));
      continue;
    }
    const double time_factor = std::exp(-std::max<int64_t>(0, r.before_onset_ms) / kTau);
    const bool on_anomalous = std::any_of(anomalies.begin(), anomalies.end(),
                                          [&](const SeriesAnomaly& a) { return a.service == c.service; });
    const bool on_affected = std::find(affected.begin(), affected.end(), c.service) != affected.end();
    int best = -1;
    for (const auto& t : targets) {
      const int d = c.service == t ? 0 : graph.Distance(c.service, t);
      if (d >= 0 && (best < 0 || d < best)) best = d;
    }
    r.distance = best;
    const double dist_factor = best < 0 ? 0.3 : 1.0 / (1.0 + 0.7 * best);
    for (const auto& a : anomalies) {
      if (a.service == c.service && a.onset >= tc - kSlack && a.onset <= tc + kAfter) {
        r.anomaly_after = true;
        break;
      }
    }
    r.score = time_factor * dist_factor * (r.anomaly_after ? 1.0 : 0.5);
    std::string when = r.before_onset_ms >= 0 ? core::FormatDuration(core::Millis(r.before_onset_ms)) + " before the onset"
                                              : "at the onset";
    r.reason = when + (on_anomalous  ? ", on an anomalous service"
                       : on_affected ? ", on an affected service"
                       : best > 0    ? ", " + std::to_string(best) + " hop(s) from an affected or anomalous service"
                                     : ", service not in the dependency graph") +
               (r.anomaly_after ? ", anomalies began on it right after" : "");
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const RankedChange& a, const RankedChange& b) { return a.score > b.score; });
  return out;
}

// ---- ranking --------------------------------------------------------------------------------

RcaResult RankRootCauses(const RcaInput& in, const RcaOptions& o) {
  RcaResult res;
  res.from = in.from;
  res.to = in.to;
  if (in.to < in.from) {
    res.missing.push_back("the window ends before it starts");
    return res;
  }
  std::unordered_map<std::string, const std::vector<Sample>*> refs;
  for (const auto& r : in.reference) refs[SeriesIdentity(r)] = &r.samples;

  size_t short_baseline = 0, empty_window = 0, after_baseline = 0;
  std::string first_short, first_after;
  std::map<std::string, std::vector<SeriesAnomaly>> by_service;
  std::set<std::string> services_with_data;
  for (const auto& s : in.series) {
    auto it = refs.find(SeriesIdentity(s));
    auto an = AnalyzeSeries(s, it == refs.end() ? nullptr : it->second, in.from, in.to, o);
    if (an.after_baseline && an.usable && after_baseline++ == 0) first_after = s.Key();
    if (!an.usable) {
      bool has_window = false;
      for (const auto& x : s.samples) has_window |= (x.t >= in.from && x.t <= in.to);
      if (!has_window) ++empty_window;
      else if (short_baseline++ == 0) first_short = s.Key();
      continue;
    }
    ++res.series_used;
    services_with_data.insert(an.a.service);
    const auto* callers = an.stopped ? &in.graph.Callers(an.a.service) : nullptr;
    if (callers && !callers->empty()) {
      // The callers stopped calling: the evidence is theirs, shared among them, and not the
      // service's own.
      for (const auto& c : *callers) {
        SeriesAnomaly to = an.a;
        to.stopped = an.a.service;
        to.service = c;
        to.z = o.saturated_z;
        to.background = 0;
        to.evidence = std::log1p(o.saturated_z) * o.w_stopped / static_cast<double>(callers->size());
        to.onset = an.stopped_onset;
        to.peak_time = an.stopped_at;
        to.value = an.stopped_value;
        res.anomalies.push_back(to);
        by_service[c].push_back(std::move(to));
      }
      continue;
    }
    if (an.a.evidence > 0) {
      res.anomalies.push_back(an.a);
      by_service[an.a.service].push_back(an.a);
    }
  }
  if (in.series.empty()) res.missing.push_back("no metric series for the window");
  if (short_baseline > 0)
    res.missing.push_back(std::to_string(short_baseline) + " series without enough history before the window (e.g. " +
                          first_short + "; need " + std::to_string(o.min_baseline) + " samples)");
  if (after_baseline > 0)
    res.missing.push_back(std::to_string(after_baseline) +
                          " series with too little history before the window: their baseline includes samples after it (e.g. " +
                          first_after + ")");
  if (empty_window > 0)
    res.missing.push_back(std::to_string(empty_window) + " series without samples in the window");
  if (in.graph.nodes().empty()) res.missing.push_back("no dependency graph: graph position not used");
  std::sort(res.anomalies.begin(), res.anomalies.end(),
            [](const SeriesAnomaly& a, const SeriesAnomaly& b) { return a.evidence > b.evidence; });

  // Candidates: services with data, affected services, changed services, services with logs.
  std::set<std::string> candidates(services_with_data.begin(), services_with_data.end());
  for (const auto& a : in.affected) candidates.insert(a);
  for (const auto& c : in.changes)
    if (!c.service.empty()) candidates.insert(c.service);
  for (const auto& l : in.log_patterns) candidates.insert(l.service);

  std::map<std::string, double> base_score, own_score;
  std::map<std::string, const SeriesAnomaly*> top;
  std::map<std::string, int64_t> onset;
  int64_t first_onset = 0;
  for (auto& [svc, list] : by_service) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.evidence > b.evidence; });
    base_score[svc] = list.front().evidence;
    top[svc] = &list.front();
    // Saturation of the service's own resources cannot be inherited from a slow callee.
    for (const auto& a : list)
      if (a.kind == "saturation" && a.caller.empty()) own_score[svc] = std::max(own_score[svc], a.evidence);
    int64_t on = 0;
    for (const auto& a : list)
      if (a.onset && (on == 0 || a.onset < on)) on = a.onset;
    onset[svc] = on;
    if (on && (first_onset == 0 || on < first_onset)) first_onset = on;
  }
  const int64_t ref_onset = first_onset ? first_onset : in.from;

  res.changes = RankChanges(in.changes, ref_onset, in.affected, in.graph, res.anomalies, o.change_window_ms);

  // The calling end of each anomalous edge: a fault on either end of an edge shows on it. The
  // edge's evidence goes to the callee; for the caller it only breaks ties among services with no
  // evidence of their own (a service on an anomalous edge before one that touches nothing).
  std::map<std::string, const SeriesAnomaly*> calling_end;
  for (const auto& a : res.anomalies) {
    if (a.caller.empty()) continue;
    auto& best = calling_end[a.caller];
    if (!best || a.evidence > best->evidence) best = &a;
  }
  std::map<std::string, double> tie_break;

  std::vector<Hypothesis> hyps;
  for (const auto& svc : candidates) {
    Hypothesis h;
    h.service = svc;
    double score = base_score.count(svc) ? base_score[svc] : 0.0;
    // Evidence from the service's own series (strongest first, a few).
    if (auto it = by_service.find(svc); it != by_service.end()) {
      size_t n = 0;
      for (const auto& a : it->second) {
        if (n++ >= 4) break;
        Evidence e;
        e.type = a.caller.empty() ? "metric" : "edge";
        e.series = a.series;
        e.metric = a.metric;
        e.time = a.onset;
        e.magnitude = a.z;
        e.baseline = a.baseline;
        e.value = a.value;
        if (!a.stopped.empty()) {
          e.type = "stopped";
          e.path = {svc, a.stopped};
          e.text = "calls to " + a.stopped + " stopped: its " + a.metric + " at " + Num(a.value) + " vs baseline " +
                   Num(a.baseline) + ", from " + FormatTime(a.onset);
        } else {
          e.text = (a.caller.empty() ? a.metric : a.caller + " -> " + svc + " " + a.metric) + " at " + Num(a.value) +
                   " vs baseline " + Num(a.baseline) + " (robust z " + Num(a.z) +
                   (a.background > 0 ? ", usual " + Num(a.background) : "") + "), from " + FormatTime(a.onset);
        }
        h.evidence.push_back(std::move(e));
      }
      // The strongest signal inside the service; "calls to X stopped" is about X's series, not one of its own.
      h.metric = top[svc]->stopped.empty() ? top[svc]->metric : "";
      h.onset = onset[svc];
    }
    // Victim discount: anomalous callees explain part of a caller's symptoms.
    double callee_max = 0;
    std::string worst_callee;
    for (const auto& c : in.graph.Callees(svc)) {
      if (base_score.count(c) && base_score[c] > callee_max) {
        callee_max = base_score[c];
        worst_callee = c;
      }
    }
    if (callee_max > 0 && score > 0) {
      score = std::max(own_score.count(svc) ? own_score[svc] : 0.0, score - o.victim * callee_max);
      Evidence e;
      e.type = "graph";
      e.path = {svc, worst_callee};
      e.text = "calls " + worst_callee + ", which is also anomalous (part of the symptoms may be inherited)";
      h.evidence.push_back(std::move(e));
    }
    if (h.onset && h.onset == first_onset && base_score.size() > 1) {
      score += o.onset_bonus;
      Evidence e;
      e.type = "onset";
      e.time = h.onset;
      e.text = "earliest anomaly onset (" + FormatTime(h.onset) + ")";
      h.evidence.push_back(std::move(e));
    }
    // Changes on this service.
    for (const auto& rc : res.changes) {
      if (rc.change.service != svc || rc.score <= 0.05) continue;
      score += o.change_bonus * rc.score;
      Evidence e;
      e.type = "change";
      e.time = core::ToUnixMillis(rc.change.time);
      e.change_id = rc.change.id;
      e.magnitude = rc.score;
      e.text = rc.change.kind + " change" + (rc.change.summary.empty() ? "" : " '" + rc.change.summary + "'") +
               " at " + FormatTime(e.time) + ": " + rc.reason;
      h.evidence.push_back(std::move(e));
      break;  // the best change on the service counts
    }
    // Error log patterns of this service: new or surging.
    double best_log = 0;
    const LogPattern* best_pattern = nullptr;
    for (const auto& lp : in.log_patterns) {
      if (lp.service != svc || lp.count <= 0) continue;
      const double surge = lp.baseline_rate <= 0 ? 10.0 : lp.count / std::max(lp.baseline_rate, 0.5);
      const double strength = std::min(1.0, std::log1p(std::max(0.0, surge - 1)) / std::log(10.0));
      if (strength > best_log) {
        best_log = strength;
        best_pattern = &lp;
      }
    }
    if (best_pattern && best_log > 0.1) {
      score += o.log_bonus * best_log;
      Evidence e;
      e.type = "log";
      e.pattern = best_pattern->pattern;
      e.time = best_pattern->first_seen;
      e.magnitude = best_log;
      e.value = static_cast<double>(best_pattern->count);
      e.baseline = best_pattern->baseline_rate;
      e.text = (best_pattern->baseline_rate <= 0 ? "new error pattern '" : "surging error pattern '") +
               core::Truncate(best_pattern->pattern, 120) + "' (" + std::to_string(best_pattern->count) +
               " in the window" +
               (best_pattern->baseline_rate > 0 ? ", usually " + Num(best_pattern->baseline_rate) : "") + ")";
      h.evidence.push_back(std::move(e));
    }
    // Graph position relative to the affected services.
    for (const auto& aff : in.affected) {
      if (aff == svc) continue;
      auto path = in.graph.CallPath(aff, svc);
      if (path.empty()) continue;
      Evidence e;
      e.type = "graph";
      e.path = path;
      e.text = "downstream of affected service " + aff + ": " + core::Join(path, " -> ");
      h.evidence.push_back(std::move(e));
      if (score > 0) score += 0.1;
      break;
    }
    if (auto it = calling_end.find(svc); score <= 0 && it != calling_end.end()) {
      const SeriesAnomaly& a = *it->second;
      tie_break[svc] = a.evidence;
      Evidence e;
      e.type = "graph";
      e.path = {svc, a.service};
      e.series = a.series;
      e.metric = a.metric;
      e.time = a.onset;
      e.text = "calls " + a.service + " over an anomalous edge (" + a.metric + " at " + Num(a.value) + " vs baseline " +
               Num(a.baseline) + ", from " + FormatTime(a.onset) + ")";
      h.evidence.push_back(std::move(e));
    }
    h.score = score;
    hyps.push_back(std::move(h));
  }
  std::stable_sort(hyps.begin(), hyps.end(), [&](const Hypothesis& a, const Hypothesis& b) {
    if (a.score != b.score) return a.score > b.score;
    const double ta = tie_break.count(a.service) ? tie_break[a.service] : 0.0;
    const double tb = tie_break.count(b.service) ? tie_break[b.service] : 0.0;
    if (ta != tb) return ta > tb;
    return a.service < b.service;
  });
  // Confidence: each positive score's share (squared, to favour a clear winner), scaled by how
  // strong the best evidence is.
  double total = 0;
  for (const auto& h : hyps) total += h.score > 0 ? h.score * h.score : 0;
  const double certainty = hyps.empty() || hyps[0].score <= 0 ? 0 : 1 - std::exp(-hyps[0].score);
  for (auto& h : hyps) {
    h.confidence = total > 0 && h.score > 0 ? certainty * h.score * h.score / total : 0;
    std::string s = h.service;
    if (!h.evidence.empty() && h.evidence.front().type == "stopped") {
      s += ": " + h.evidence.front().text;  // names the callee, the metric and the onset
    } else {
      if (!h.metric.empty()) s += ": " + h.metric + " anomalous";
      if (h.onset) s += " from " + FormatTime(h.onset);
    }
    for (const auto& e : h.evidence)
      if (e.type == "change" || e.type == "log") s += "; " + e.text;
    if (h.score <= 0 && h.evidence.empty()) s += ": no evidence in the window";
    h.summary = s;
  }
  res.hypotheses = std::move(hyps);
  return res;
}

// ---- JSON -----------------------------------------------------------------------------------

namespace {
std::string TimeOrEmpty(int64_t ms) { return ms ? FormatTime(ms) : ""; }
double Round(double v, double unit = 1e-4) { return std::round(v / unit) * unit; }
}  // namespace

boost::json::object ToJson(const SeriesAnomaly& a) {
  boost::json::object o;
  o["service"] = a.service;
  o["series"] = a.series;
  o["metric"] = a.metric;
  o["kind"] = a.kind;
  if (!a.caller.empty()) o["caller"] = a.caller;
  if (!a.stopped.empty()) o["stopped"] = a.stopped;
  o["onset"] = TimeOrEmpty(a.onset);
  o["peak_time"] = TimeOrEmpty(a.peak_time);
  o["z"] = Round(a.z, 0.01);
  o["background"] = Round(a.background, 0.01);
  o["evidence"] = Round(a.evidence);
  o["baseline"] = a.baseline;
  o["value"] = a.value;
  return o;
}

boost::json::object ToJson(const RankedChange& c) {
  boost::json::object o;
  o["change"] = model::ToJson(c.change);
  o["score"] = Round(c.score);
  o["before_onset_seconds"] = c.before_onset_ms / 1000;
  o["distance"] = c.distance;
  o["anomaly_after"] = c.anomaly_after;
  o["reason"] = c.reason;
  return o;
}

boost::json::object ToJson(const Evidence& e) {
  boost::json::object o;
  o["type"] = e.type;
  o["text"] = e.text;
  if (!e.series.empty()) o["series"] = e.series;
  if (!e.metric.empty()) o["metric"] = e.metric;
  if (e.time) o["time"] = FormatTime(e.time);
  if (e.type == "metric" || e.type == "edge" || e.type == "stopped") {
    o["magnitude"] = Round(e.magnitude, 0.01);
    o["baseline"] = e.baseline;
    o["value"] = e.value;
  } else if (e.magnitude != 0) {
    o["magnitude"] = Round(e.magnitude);
  }
  if (e.change_id) o["change_id"] = e.change_id;
  if (!e.pattern.empty()) o["pattern"] = e.pattern;
  if (!e.path.empty()) {
    boost::json::array p;
    for (const auto& s : e.path) p.emplace_back(s);
    o["path"] = std::move(p);
  }
  return o;
}

boost::json::object ToJson(const Hypothesis& h) {
  boost::json::object o;
  o["service"] = h.service;
  o["metric"] = h.metric;
  o["confidence"] = Round(h.confidence);
  o["score"] = Round(h.score);
  o["onset"] = TimeOrEmpty(h.onset);
  o["summary"] = h.summary;
  boost::json::array ev;
  for (const auto& e : h.evidence) ev.push_back(ToJson(e));
  o["evidence"] = std::move(ev);
  return o;
}

boost::json::object ToJson(const RcaResult& r) {
  boost::json::object o;
  o["from"] = TimeOrEmpty(r.from);
  o["to"] = TimeOrEmpty(r.to);
  o["series_used"] = r.series_used;
  boost::json::array hs, an, ch, miss;
  for (const auto& h : r.hypotheses) hs.push_back(ToJson(h));
  for (const auto& a : r.anomalies) an.push_back(ToJson(a));
  for (const auto& c : r.changes) ch.push_back(ToJson(c));
  for (const auto& m : r.missing) miss.emplace_back(m);
  o["hypotheses"] = std::move(hs);
  o["anomalies"] = std::move(an);
  o["changes"] = std::move(ch);
  o["missing"] = std::move(miss);
  return o;
}

}  // namespace firebreak::analyze
