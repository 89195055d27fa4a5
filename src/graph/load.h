// A linear model of how request load flows down the dependency graph, shared by the cascade
// simulation and the load-shedding planner.
//
// At baseline every service carries its configured load_rps. Each edge u -> d carries a fixed
// number of requests to d per request u serves (its multiplier): the declared `rps` of the
// dependency divided by u's load, or — when undeclared — d's remaining load split over its
// undeclared callers in proportion to their loads. What callers do not explain is external load
// (users, cron, other systems). So at baseline
//     L(d) = ext(d) + sum over callers u of m(u->d) * L(u)
// holds exactly. Under a scenario:
//   - a failed service carries no load and calls nobody;
//   - the load arriving at a failed member of a redundancy group goes to its members still up (a
//     failover group: the first member up in declaration order; active-active: split by capacity);
//   - a shed fraction f of a service drops that share of its arriving requests, and with them the
//     requests it would have sent downstream;
//   - the load factor multiplies all external load (a traffic surge).
#pragma once

#include <vector>

#include "graph/graph.h"

namespace firebreak::graph {

class LoadModel {
 public:
  explicit LoadModel(const Graph& g);

  double external(int v) const { return ext_[v]; }
  // Requests sent over out-edge k (CSR index of Graph::out_targets) per request its caller serves.
  double multiplier(int k) const { return mult_[k]; }

  // Steady-state loads. `up[v]` false = failed; `shed[v]` in [0, 1] (empty = none).
  std::vector<double> Solve(const std::vector<char>& up, const std::vector<double>& shed,
                            double load_factor = 1.0) const;

 private:
  const Graph& g_;
  std::vector<double> ext_, mult_;
  std::vector<double> in_mult_;  // the same multipliers, indexed like Graph::in_sources
  std::vector<int> order_;  // callers before their dependencies (cycles: DFS order)
  bool acyclic_ = true;
};

}  // namespace firebreak::graph
