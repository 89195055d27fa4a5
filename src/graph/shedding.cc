#include "graph/shedding.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/load.h"

namespace firebreak::graph {

ShedPlan PlanShedding(const Graph& g, const CascadeScenario& sc, const ShedOptions& opt) {
  const int n = g.size();
  ShedPlan plan;
  plan.target = opt.target;
  const auto frac = CapacityFractions(g, sc);
  Propagator p(g);
  p.Seed(sc.lost);
  for (auto [v, share] : sc.capacity_loss)
    if (frac[v] <= 0) p.Fail(v, Cause::kInitial);
  p.Settle();
  std::vector<char> up(n);
  for (int v = 0; v < n; ++v) up[v] = p.failed(v) ? 0 : 1;
  plan.capacity.assign(n, 0.0);
  for (int v = 0; v < n; ++v) plan.capacity[v] = g.node(v).Capacity() * frac[v];

  LoadModel model(g);
  std::vector<double> shed(n, 0.0);
  plan.load_before = model.Solve(up, shed, sc.load_factor);
  auto util = [&](int v, const std::vector<double>& load) {
    const double c = plan.capacity[v];
    if (c > 0) return load[v] / c;
    return load[v] > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  };
  std::vector<int> hot;
  for (int v = 0; v < n; ++v)
    if (up[v] && g.node(v).HasCapacity() && util(v, plan.load_before) > opt.target) hot.push_back(v);
  auto satisfied = [&](const std::vector<double>& load) {
    for (int v : hot)
      if (util(v, load) > opt.target * (1 + 1e-12)) return false;
    return true;
  };

  for (int v = 0; v < n; ++v) {
    if (!up[v]) continue;
    const Node& s = g.node(v);
    if (!s.sheddable || s.tier <= opt.protect_tier) plan.protected_services.push_back(v);
    else plan.hierarchy.push_back(v);
  }
  std::sort(plan.hierarchy.begin(), plan.hierarchy.end(), [&](int a, int b) {
    const Node &x = g.node(a), &y = g.node(b);
    if (x.tier != y.tier) return x.tier > y.tier;
    if (x.customer_facing != y.customer_facing) return !x.customer_facing;
    if (x.load_rps != y.load_rps) return x.load_rps > y.load_rps;
    return x.id < y.id;
  });

  std::vector<double> current = plan.load_before;
  std::vector<int> stamp(n, -1), queue;
  int round = 0;
  while (!satisfied(current)) {
    // Services whose traffic reaches a service still over target (through services up).
    ++round;
    queue.clear();
    for (int v : hot)
      if (util(v, current) > opt.target * (1 + 1e-12)) {
        stamp[v] = round;
        queue.push_back(v);
      }
    auto visit_callers = [&](int x) {
      for (const Edge& e : g.Callers(x))
        if (up[e.other] && stamp[e.other] != round) {
          stamp[e.other] = round;
          queue.push_back(e.other);
        }
    };
    for (size_t head = 0; head < queue.size(); ++head) {
      const int x = queue[head];
      visit_callers(x);
      // Traffic redirected from failed members of x's group comes from their callers.
      if (const int gi = g.node(x).group; gi >= 0)
        for (int m : g.groups()[gi].members)
          if (!up[m]) visit_callers(m);
    }
    int pick = -1;
    for (int c : plan.hierarchy) {
      if (shed[c] >= 1.0 || stamp[c] != round || current[c] <= 0) continue;
      bool needed = false;
      for (const Edge& e : g.Callers(c))
        if (e.kind == EdgeKind::kHard && up[e.other] && shed[e.other] < 1.0) needed = true;
      if (needed) continue;
      pick = c;
      break;
    }
    if (pick < 0) break;
    auto trial = shed;
    trial[pick] = 1.0;
    auto full = model.Solve(up, trial, sc.load_factor);
    double f = 1.0;
    std::vector<double> after = full;
    if (satisfied(full)) {
      double lo = 0.0, hi = 1.0;
      for (int it = 0; it < 40; ++it) {
        const double mid = 0.5 * (lo + hi);
        trial[pick] = mid;
        if (satisfied(model.Solve(up, trial, sc.load_factor))) hi = mid;
        else lo = mid;
      }
      // Round up to 0.1% (a rate limit people can set); step up once if rounding fell short.
      f = std::min(1.0, std::ceil(hi * 1000.0 - 1e-6) / 1000.0);
      trial[pick] = f;
      after = f < 1.0 ? model.Solve(up, trial, sc.load_factor) : full;
      if (!satisfied(after)) {
        f = std::min(1.0, f + 0.001);
        trial[pick] = f;
        after = f < 1.0 ? model.Solve(up, trial, sc.load_factor) : full;
      }
    }
    ShedStep st;
    st.node = pick;
    st.fraction = f;
    st.shed_rps = current[pick] - after[pick];
    for (const Edge& e : g.Callers(pick))
      if (e.kind == EdgeKind::kSoft && up[e.other] && shed[e.other] < 1.0) st.degraded_callers.push_back(e.other);
    for (int v : hot)
      if (after[v] < current[v] - 1e-9 * std::max(1.0, current[v])) st.relieved.push_back(v);
    plan.total_shed_rps += st.shed_rps;
    plan.steps.push_back(std::move(st));
    shed[pick] = f;
    current = std::move(after);
  }
  plan.load_after = current;
  plan.met = satisfied(current);
  for (int v : hot) {
    HotSpot h;
    h.node = v;
    h.utilization_before = util(v, plan.load_before);
    h.utilization_after = util(v, current);
    h.met = h.utilization_after <= opt.target * (1 + 1e-12);
    const Node& s = g.node(v);
    const double left = s.replicas * frac[v];
    const double need = plan.load_before[v] / (opt.target * s.rps_per_replica);
    h.replicas_needed = std::max(0, static_cast<int>(std::ceil(need - left - 1e-9)));
    plan.hot.push_back(h);
  }
  return plan;
}

}  // namespace firebreak::graph
