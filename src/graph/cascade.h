// Cascade simulation: what happens after a loss once load moves.
//
// Step 0 applies the scenario: lost services, zones and groups fail (and whatever hard-depends on
// them, per impact.h); services in lost zones keep only the replicas elsewhere; explicit capacity
// losses remove a share of a service's replicas; the load factor multiplies external load. Then,
// round after round, loads are recomputed with the load model (load.h: failed services stop
// calling, their group peers take over their traffic), and every service pushed past its
// `max_utilization` fails — with everything that hard-depends on it — until a round adds no
// failure. The result lists each round's failures with their cause and the final state.
#pragma once

#include <utility>
#include <vector>

#include "graph/capacity.h"
#include "graph/graph.h"
#include "graph/impact.h"

namespace firebreak::graph {

struct CascadeScenario {
  FailureSet lost;
  std::vector<std::pair<int, double>> capacity_loss;  // (service, share of replicas lost 0..1)
  double load_factor = 1.0;
};

struct CascadeEvent {
  int node = -1;
  Cause cause = Cause::kNone;
  int via = -1;
  double utilization = 0;  // for overloads: the utilization that broke it
};

struct CascadeStep {
  int step = 0;
  std::vector<CascadeEvent> failed;
};

struct CascadeResult {
  std::vector<CascadeStep> steps;          // step 0 is the scenario itself
  std::vector<Health> health;              // final, per service
  std::vector<double> load, capacity;      // final requests/s and capacity (replicas left)
  std::vector<double> utilization;         // final; 0 where capacity is unknown or failed
  std::vector<int> customer_facing_failed;
  int failed_total = 0;
  int overloads = 0;
  bool stabilized = true;  // false if the round limit stopped it
  // Services left up, per defense level of their final utilization.
  model::DefenseLevel worst_level = model::DefenseLevel::kGreen;
};

CascadeResult SimulateCascade(const Graph& g, const CascadeScenario& sc, const Thresholds& t,
                              int max_rounds = 1000);

// Replicas left per service under a scenario (zones and explicit losses), as a fraction.
std::vector<double> CapacityFractions(const Graph& g, const CascadeScenario& sc);

}  // namespace firebreak::graph
