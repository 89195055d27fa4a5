// Hub centrality and single points of failure.
//
// Betweenness is Brandes' algorithm (2001) on the directed dependency graph (every edge, hard and
// soft): for each source a BFS (unweighted) or Dijkstra (weighted by each dependency's `weight`),
// then dependencies accumulated in reverse order of distance. The raw (unnormalized) value counts,
// over all ordered pairs (s, t), the share of shortest s->t paths through the service — the same
// quantity igraph's `betweenness(directed=True)` and networkx's
// `betweenness_centrality(normalized=False)` return.
//
// Single points of failure rank services by what their loss takes down (customer-facing services
// failed, then everything failed), then by betweenness and transitive dependents.
#pragma once

#include <vector>

#include "graph/graph.h"

namespace firebreak::graph {

struct BetweennessOptions {
  bool weighted = false;
  // Sources to start from; empty = every service (exact). A subset gives the partial sums used
  // for sampling on very large graphs.
  std::vector<int> sources;
};

// Raw betweenness per service.
std::vector<double> Betweenness(const Graph& g, const BetweennessOptions& opt = {});

// Services that depend on v, directly (distinct callers) and transitively (over any edge).
struct Dependents {
  std::vector<int> direct;
  std::vector<int> transitive;
};
Dependents CountDependents(const Graph& g);

struct SpofEntry {
  int node = -1;
  int cf_failed = 0;      // customer-facing services failed by its loss (itself included)
  int failed_total = 0;   // services failed by its loss (itself included)
  int worst_tier = -1;    // lowest tier number among them
  double betweenness = 0;
  double betweenness_weighted = 0;
  int direct_dependents = 0;
  int transitive_dependents = 0;
  bool redundant = false;  // in a redundancy group that survives its loss
};

struct SpofOptions {
  bool weighted = true;  // also compute weighted betweenness
  size_t limit = 0;      // 0 = every service
};
// Every service ranked as a single point of failure, worst first.
std::vector<SpofEntry> RankSinglePointsOfFailure(const Graph& g, const SpofOptions& opt = {});

}  // namespace firebreak::graph
