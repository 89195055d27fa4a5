#include "graph/centrality.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/impact.h"

namespace firebreak::graph {

namespace {

// Shortest-path lengths are sums of doubles; two lengths within this relative tolerance are
// equal (the convention igraph uses too), so rounding does not split ties.
constexpr double kEps = 1e-10;
inline bool Same(double a, double b) { return std::fabs(a - b) <= kEps * std::max(std::fabs(a), std::fabs(b)); }

void Unweighted(const Graph& g, const std::vector<int>& sources, std::vector<double>& bc) {
  const int n = g.size();
  const int* ooff = g.out_offsets().data();
  const int* oto = g.out_targets().data();
  const int* ioff = g.in_offsets().data();
  const int* ifrom = g.in_sources().data();
  std::vector<int> dist(n, -1), order(n);
  std::vector<double> sigma(n, 0.0), delta(n, 0.0);
  auto one = [&](int s) {
    int head = 0, tail = 0;
    order[tail++] = s;
    dist[s] = 0;
    sigma[s] = 1.0;
    while (head < tail) {
      const int v = order[head++];
      const int dv = dist[v] + 1;
      const double sv = sigma[v];
      for (int k = ooff[v], end = ooff[v + 1]; k < end; ++k) {
        const int w = oto[k];
        if (dist[w] < 0) {
          dist[w] = dv;
          order[tail++] = w;
        }
        if (dist[w] == dv) sigma[w] += sv;
      }
    }
    for (int i = tail - 1; i > 0; --i) {
      const int w = order[i];
      const double coeff = (1.0 + delta[w]) / sigma[w];
      const int dw = dist[w] - 1;
      for (int k = ioff[w], end = ioff[w + 1]; k < end; ++k) {
        const int v = ifrom[k];
        if (dist[v] == dw) delta[v] += sigma[v] * coeff;
      }
      bc[w] += delta[w];
    }
    for (int i = 0; i < tail; ++i) {
      const int v = order[i];
      dist[v] = -1;
      sigma[v] = 0.0;
      delta[v] = 0.0;
    }
  };
  if (sources.empty()) {
    for (int s = 0; s < n; ++s) one(s);
  } else {
    for (int s : sources) one(s);
  }
}

// Binary min-heap of nodes keyed by distance, with decrease-key (position index).
class Heap {
 public:
  explicit Heap(int n) : pos_(n, -1) { heap_.reserve(n); }
  bool empty() const { return heap_.empty(); }
  void PushOrDecrease(int v, const double* key) {
    if (pos_[v] < 0) {
      pos_[v] = static_cast<int>(heap_.size());
      heap_.push_back(v);
    }
    Up(pos_[v], key);
  }
  int Pop(const double* key) {
    const int top = heap_[0];
    pos_[top] = -1;
    const int last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) {
      heap_[0] = last;
      pos_[last] = 0;
      Down(0, key);
    }
    return top;
  }

 private:
  void Up(int i, const double* key) {
    const int v = heap_[i];
    const double kv = key[v];
    while (i > 0) {
      const int parent = (i - 1) >> 1;
      const int u = heap_[parent];
      if (key[u] <= kv) break;
      heap_[i] = u;
      pos_[u] = i;
      i = parent;
    }
    heap_[i] = v;
    pos_[v] = i;
  }
  void Down(int i, const double* key) {
    const int n = static_cast<int>(heap_.size());
    const int v = heap_[i];
    const double kv = key[v];
    while (true) {
      int c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && key[heap_[c + 1]] < key[heap_[c]]) ++c;
      if (key[heap_[c]] >= kv) break;
      heap_[i] = heap_[c];
      pos_[heap_[i]] = i;
      i = c;
    }
    heap_[i] = v;
    pos_[v] = i;
  }
  std::vector<int> heap_, pos_;
};

void Weighted(const Graph& g, const std::vector<int>& sources, std::vector<double>& bc) {
  const int n = g.size();
  const int* ooff = g.out_offsets().data();
  const int* oto = g.out_targets().data();
  const double* ow = g.out_weights().data();
  const int* ioff = g.in_offsets().data();
  const int* ifrom = g.in_sources().data();
  const double* iw = g.in_weights().data();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> dist(n, kInf), sigma(n, 0.0), delta(n, 0.0);
  std::vector<char> settled(n, 0);
  std::vector<int> order(n), reached;
  reached.reserve(n);
  Heap heap(n);
  auto one = [&](int s) {
    int tail = 0;
    dist[s] = 0;
    sigma[s] = 1.0;
    reached.push_back(s);
    heap.PushOrDecrease(s, dist.data());
    while (!heap.empty()) {
      const int v = heap.Pop(dist.data());
      settled[v] = 1;
      order[tail++] = v;
      const double dv = dist[v];
      const double sv = sigma[v];
      for (int k = ooff[v], end = ooff[v + 1]; k < end; ++k) {
        const int w = oto[k];
        if (settled[w]) continue;
        const double nd = dv + ow[k];
        if (dist[w] == kInf) {
          reached.push_back(w);
          dist[w] = nd;
          sigma[w] = sv;
          heap.PushOrDecrease(w, dist.data());
        } else if (Same(nd, dist[w])) {
          sigma[w] += sv;
        } else if (nd < dist[w]) {
          dist[w] = nd;
          sigma[w] = sv;
          heap.PushOrDecrease(w, dist.data());
        }
      }
    }
    for (int i = tail - 1; i > 0; --i) {
      const int w = order[i];
      const double coeff = (1.0 + delta[w]) / sigma[w];
      const double dw = dist[w];
      for (int k = ioff[w], end = ioff[w + 1]; k < end; ++k) {
        const int v = ifrom[k];
        if (settled[v] && Same(dist[v] + iw[k], dw)) delta[v] += sigma[v] * coeff;
      }
      bc[w] += delta[w];
    }
    for (int v : reached) {
      dist[v] = kInf;
      sigma[v] = 0.0;
      delta[v] = 0.0;
      settled[v] = 0;
    }
    reached.clear();
  };
  if (sources.empty()) {
    for (int s = 0; s < n; ++s) one(s);
  } else {
    for (int s : sources) one(s);
  }
}

}  // namespace

std::vector<double> Betweenness(const Graph& g, const BetweennessOptions& opt) {
  std::vector<double> bc(g.size(), 0.0);
  if (opt.weighted) Weighted(g, opt.sources, bc);
  else Unweighted(g, opt.sources, bc);
  return bc;
}

Dependents CountDependents(const Graph& g) {
  const int n = g.size();
  Dependents d;
  d.direct.assign(n, 0);
  d.transitive.assign(n, 0);
  std::vector<int> stamp(n, -1), queue;
  queue.reserve(n);
  for (int v = 0; v < n; ++v) {
    // Distinct callers (a caller may list a service once per edge kind at most).
    for (const Edge& e : g.Callers(v)) {
      if (stamp[e.other] != v) {
        stamp[e.other] = v;
        ++d.direct[v];
      }
    }
  }
  std::fill(stamp.begin(), stamp.end(), -1);
  for (int v = 0; v < n; ++v) {
    queue.clear();
    queue.push_back(v);
    stamp[v] = v;
    for (size_t head = 0; head < queue.size(); ++head)
      for (const Edge& e : g.Callers(queue[head]))
        if (stamp[e.other] != v) {
          stamp[e.other] = v;
          queue.push_back(e.other);
        }
    d.transitive[v] = static_cast<int>(queue.size()) - 1;
  }
  return d;
}

std::vector<SpofEntry> RankSinglePointsOfFailure(const Graph& g, const SpofOptions& opt) {
  const int n = g.size();
  std::vector<SpofEntry> out(n);
  auto bc = Betweenness(g, {});
  std::vector<double> bcw;
  if (opt.weighted) bcw = Betweenness(g, BetweennessOptions{true, {}});
  auto deps = CountDependents(g);
  Propagator p(g);
  for (int v = 0; v < n; ++v) {
    SpofEntry& e = out[v];
    e.node = v;
    p.Reset();
    p.Fail(v, Cause::kInitial);
    p.Settle();
    e.failed_total = static_cast<int>(p.failed_list().size());
    for (int u : p.failed_list()) {
      const Node& s = g.node(u);
      if (s.customer_facing) ++e.cf_failed;
      if (e.worst_tier < 0 || s.tier < e.worst_tier) e.worst_tier = s.tier;
    }
    e.redundant = g.node(v).group >= 0 && !p.group_lost(g.node(v).group);
    e.betweenness = bc[v];
    e.betweenness_weighted = opt.weighted ? bcw[v] : 0;
    e.direct_dependents = deps.direct[v];
    e.transitive_dependents = deps.transitive[v];
  }
  std::sort(out.begin(), out.end(), [&](const SpofEntry& a, const SpofEntry& b) {
    if (a.cf_failed != b.cf_failed) return a.cf_failed > b.cf_failed;
    if (a.failed_total != b.failed_total) return a.failed_total > b.failed_total;
    int ta = a.worst_tier < 0 ? 1000 : a.worst_tier, tb = b.worst_tier < 0 ? 1000 : b.worst_tier;
    if (ta != tb) return ta < tb;
    if (a.betweenness != b.betweenness) return a.betweenness > b.betweenness;
    if (a.transitive_dependents != b.transitive_dependents) return a.transitive_dependents > b.transitive_dependents;
    return g.node(a.node).id < g.node(b.node).id;
  });
  if (opt.limit && out.size() > opt.limit) out.resize(opt.limit);
  return out;
}

}  // namespace firebreak::graph
