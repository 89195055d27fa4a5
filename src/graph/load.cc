#include "graph/load.h"

#include <algorithm>
#include <cmath>

namespace firebreak::graph {

LoadModel::LoadModel(const Graph& g) : g_(g) {
  const int n = g.size();
  const auto& off = g.out_offsets();
  const auto& to = g.out_targets();
  ext_.assign(n, 0.0);
  mult_.assign(to.size(), 0.0);
  std::vector<double> declared(n, 0.0), undeclared_load(n, 0.0);
  std::vector<int> undeclared_count(n, 0);
  std::vector<const Edge*> edge(to.size());
  for (int u = 0; u < n; ++u) {
    auto deps = g.Deps(u);
    for (int k = off[u]; k < off[u + 1]; ++k) {
      const Edge& e = deps[k - off[u]];
      edge[k] = &e;
      if (e.rps >= 0) {
        declared[e.other] += e.rps;
      } else {
        undeclared_load[e.other] += g.node(u).load_rps;
        ++undeclared_count[e.other];
      }
    }
  }
  // Contribution of each edge in requests/s, then the multiplier; contributions from callers
  // without load cannot scale with them and count as external.
  std::vector<double> explained(n, 0.0);
  for (int u = 0; u < n; ++u) {
    const double lu = g.node(u).load_rps;
    for (int k = off[u]; k < off[u + 1]; ++k) {
      const int d = to[k];
      double c;
      if (edge[k]->rps >= 0) {
        c = edge[k]->rps;
      } else {
        const double rest = std::max(0.0, g.node(d).load_rps - declared[d]);
        c = undeclared_load[d] > 0 ? rest * lu / undeclared_load[d] : rest / undeclared_count[d];
      }
      if (lu > 0) {
        mult_[k] = c / lu;
        explained[d] += c;
      }
    }
  }
  for (int v = 0; v < n; ++v) ext_[v] = std::max(0.0, g.node(v).load_rps - explained[v]);
  // The same multipliers seen from the dependency's side.
  const auto& ioff = g.in_offsets();
  const auto& from = g.in_sources();
  in_mult_.assign(from.size(), 0.0);
  for (int v = 0; v < n; ++v)
    for (int j = ioff[v]; j < ioff[v + 1]; ++j) {
      const int u = from[j];
      for (int k = off[u]; k < off[u + 1]; ++k)
        if (to[k] == v) {
          in_mult_[j] = mult_[k];
          break;
        }
    }
  // Callers before dependencies (Kahn); services on cycles follow in index order.
  std::vector<int> indeg(n, 0);
  for (int k = 0; k < static_cast<int>(to.size()); ++k) ++indeg[to[k]];
  order_.reserve(n);
  for (int v = 0; v < n; ++v)
    if (indeg[v] == 0) order_.push_back(v);
  for (size_t head = 0; head < order_.size(); ++head) {
    const int u = order_[head];
    for (int k = off[u]; k < off[u + 1]; ++k)
      if (--indeg[to[k]] == 0) order_.push_back(to[k]);
  }
  if (static_cast<int>(order_.size()) < n) {
    acyclic_ = false;
    for (int v = 0; v < n; ++v)
      if (indeg[v] > 0) order_.push_back(v);
  }
}

std::vector<double> LoadModel::Solve(const std::vector<char>& up, const std::vector<double>& shed,
                                     double load_factor) const {
  const int n = g_.size();
  std::vector<double> load(n, 0.0);
  // Where the inflow of a failed group member goes: (receiver, share) pairs per group.
  std::vector<std::vector<std::pair<int, double>>> redirect(g_.groups().size());
  bool any_redirect = false;
  for (size_t gi = 0; gi < g_.groups().size(); ++gi) {
    const auto& grp = g_.groups()[gi];
    bool down = false;
    for (int m : grp.members) down |= !up[m];
    if (!down) continue;
    std::vector<int> alive;
    for (int m : grp.members)
      if (up[m]) alive.push_back(m);
    if (alive.empty()) continue;
    any_redirect = true;
    if (grp.failover) {
      redirect[gi].push_back({alive.front(), 1.0});
    } else {
      double total = 0;
      for (int m : alive) total += g_.node(m).Capacity();
      for (int m : alive)
        redirect[gi].push_back({m, total > 0 ? g_.node(m).Capacity() / total : 1.0 / alive.size()});
    }
  }
  const auto& ioff = g_.in_offsets();
  const auto& from = g_.in_sources();
  const int passes = (acyclic_ && !any_redirect) ? 1 : 200;
  std::vector<double> extra(n, 0.0);
  for (int pass = 0; pass < passes; ++pass) {
    // Inflow redirected from failed group members, from the previous pass's loads.
    if (any_redirect) {
      std::fill(extra.begin(), extra.end(), 0.0);
      for (int v = 0; v < n; ++v) {
        if (up[v] || g_.node(v).group < 0) continue;
        double in = ext_[v] * load_factor;
        for (int j = ioff[v]; j < ioff[v + 1]; ++j)
          if (up[from[j]]) in += in_mult_[j] * load[from[j]];
        for (auto [r, share] : redirect[g_.node(v).group]) extra[r] += in * share;
      }
    }
    double change = 0, scale = 1;
    for (int v : order_) {
      double next = 0;
      if (up[v]) {
        double in = ext_[v] * load_factor + extra[v];
        for (int j = ioff[v]; j < ioff[v + 1]; ++j)
          if (up[from[j]]) in += in_mult_[j] * load[from[j]];
        next = in * (1.0 - (shed.empty() ? 0.0 : std::clamp(shed[v], 0.0, 1.0)));
      }
      change = std::max(change, std::fabs(next - load[v]));
      scale = std::max(scale, next);
      load[v] = next;
    }
    if (pass > 0 && change <= 1e-9 * scale) break;
  }
  return load;
}

}  // namespace firebreak::graph
