#include "graph/cascade.h"

#include <algorithm>

#include "graph/load.h"

namespace firebreak::graph {

std::vector<double> CapacityFractions(const Graph& g, const CascadeScenario& sc) {
  std::vector<char> lost(g.zones().size(), 0);
  for (int z : sc.lost.zones) lost[z] = 1;
  std::vector<double> frac(g.size(), 1.0);
  for (int v = 0; v < g.size(); ++v) frac[v] = g.ZoneFractionLeft(v, lost);
  for (auto [v, share] : sc.capacity_loss) frac[v] *= 1.0 - std::clamp(share, 0.0, 1.0);
  return frac;
}

CascadeResult SimulateCascade(const Graph& g, const CascadeScenario& sc, const Thresholds& t, int max_rounds) {
  const int n = g.size();
  CascadeResult r;
  const auto frac = CapacityFractions(g, sc);
  Propagator p(g);
  p.Seed(sc.lost);
  // A service with no replica left fails outright.
  for (auto [v, share] : sc.capacity_loss)
    if (frac[v] <= 0) p.Fail(v, Cause::kInitial);
  p.Settle();
  size_t recorded = 0;
  auto record = [&](int step, const std::vector<double>* util) {
    CascadeStep s;
    s.step = step;
    const auto& list = p.failed_list();
    for (; recorded < list.size(); ++recorded) {
      const int v = list[recorded];
      CascadeEvent e{v, p.cause(v), p.via(v), 0};
      if (util && e.cause == Cause::kOverload) e.utilization = (*util)[v];
      s.failed.push_back(e);
    }
    r.steps.push_back(std::move(s));
  };
  record(0, nullptr);

  LoadModel model(g);
  std::vector<char> up(n, 1);
  std::vector<double> load, util(n, 0.0);
  std::vector<double> cap(n, 0.0);
  for (int v = 0; v < n; ++v) cap[v] = g.node(v).Capacity() * frac[v];
  int round = 1;
  for (;; ++round) {
    for (int v = 0; v < n; ++v) up[v] = p.failed(v) ? 0 : 1;
    load = model.Solve(up, {}, sc.load_factor);
    std::vector<int> over;
    for (int v = 0; v < n; ++v) {
      util[v] = 0;
      if (!up[v] || !g.node(v).HasCapacity()) continue;
      util[v] = cap[v] > 0 ? load[v] / cap[v] : (load[v] > 0 ? 1e9 : 0.0);
      if (util[v] > g.node(v).max_utilization) over.push_back(v);
    }
    if (over.empty()) break;
    if (round > max_rounds) {
      r.stabilized = false;
      break;
    }
    for (int v : over) p.Fail(v, Cause::kOverload);
    r.overloads += static_cast<int>(over.size());
    p.Settle();
    record(round, &util);
  }
  r.health = HealthAfter(g, p);
  r.load = load;
  r.capacity = cap;
  r.utilization = util;
  r.failed_total = static_cast<int>(p.failed_list().size());
  for (int v : p.failed_list())
    if (g.node(v).customer_facing) r.customer_facing_failed.push_back(v);
  std::sort(r.customer_facing_failed.begin(), r.customer_facing_failed.end());
  for (int v = 0; v < n; ++v)
    if (up[v] && g.node(v).HasCapacity()) r.worst_level = model::Worst(r.worst_level, LevelFor(util[v], t));
  return r;
}

}  // namespace firebreak::graph
