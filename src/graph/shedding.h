// Load-shedding plans: the sacrifice hierarchy.
//
// Given a scenario (what is lost, capacity lost, load factor — as for a cascade) the planner
// finds the services whose utilization would be above `target` ("hot") and sheds traffic to bring
// them under it, lowest priority first:
//   - the sacrifice order is tier 4 before tier 0, internal before customer-facing, then the
//     larger load first; services with tier <= protect_tier, `sheddable: false` or already failed
//     are never shed;
//   - a service may be shed only once every hard caller still up is shed entirely: never shed
//     what a kept service needs (soft callers only degrade, and the plan lists them);
//   - a candidate is used only if its traffic reaches a hot service;
//   - each step sheds a whole service, except the last, which sheds just the fraction needed.
// Loads follow the load model (load.h), so shedding a caller also relieves its dependencies.
// This is a simulation: executing a plan changes production traffic and is a HIGH-risk runbook
// action that needs approval (see `ExecutionRequest`).
#pragma once

#include <string>
#include <vector>

#include "graph/capacity.h"
#include "graph/cascade.h"
#include "graph/graph.h"

namespace firebreak::graph {

struct ShedOptions {
  double target = 0.80;  // bring every hot service to at most this utilization
  int protect_tier = 0;  // never shed services with tier <= this
};

struct ShedStep {
  int node = -1;
  double fraction = 1.0;  // share of its traffic shed (1 = all of it)
  double shed_rps = 0;    // requests/s dropped at this service
  std::vector<int> degraded_callers;  // soft callers that lose it (when fraction == 1) or see errors
  std::vector<int> relieved;          // hot services whose load this step lowered
};

struct HotSpot {
  int node = -1;
  double utilization_before = 0;
  double utilization_after = 0;
  bool met = false;
  // Replicas to add (beyond those left) to reach the target without shedding anything.
  int replicas_needed = 0;
};

struct ShedPlan {
  double target = 0.8;
  bool met = true;             // every hot service ends at or under target
  std::vector<ShedStep> steps;
  std::vector<HotSpot> hot;
  std::vector<int> hierarchy;  // every sheddable service in sacrifice order
  std::vector<int> protected_services;
  std::vector<double> load_before, load_after, capacity;
  double total_shed_rps = 0;
};

ShedPlan PlanShedding(const Graph& g, const CascadeScenario& sc, const ShedOptions& opt);

}  // namespace firebreak::graph
