// Static fallback plans: what to do if X is lost, worked out before it happens.
//
// One plan per named scenario:
//   service:<id>   each service whose loss fails or degrades anything beyond itself, and every
//                  customer-facing service
//   zone:<name>    each zone
//   group:<id>     each redundancy group lost as a whole
//   pair:<a>+<b>   the worst pairs of the N-2 analysis
//   scenario:<id>  the scenarios declared in the config (`scenarios:`)
// A plan holds the blast radius, the cascade that follows, a load-shedding plan to stay under the
// target, the failovers to confirm, a suggested severity (from customer impact, raised to SEV3/SEV2
// when the loss pushes survivors past the yellow/orange utilization threshold) with its defense
// level (the severity table's: SEV4 GREEN .. SEV0 BLACK), the survivors' worst utilization level
// (capacity_level) and an ordered list of actions. Plans are
// computed from one graph snapshot and served as they are (the app recomputes them when the
// config changes), so fetching one during an incident is a lookup.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include "graph/capacity.h"
#include "graph/graph.h"
#include "graph/impact.h"
#include "model/catalog.h"

namespace firebreak::graph {

struct FallbackOptions {
  Thresholds thresholds;
  double shed_target = 0.80;
  int protect_tier = 0;
  size_t max_pairs = 20;
};

struct FallbackPlan {
  std::string name;   // "service:db"
  std::string kind;   // service | zone | group | pair | scenario
  std::string title;  // "Loss of db"
  boost::json::object plan;
};

class FallbackSet {
 public:
  static FallbackSet Compute(const Graph& g, const std::vector<model::Scenario>& scenarios,
                             const FallbackOptions& opt = {});
  // One plan for an ad-hoc loss (the same content as a precomputed one).
  static FallbackPlan Plan(const Graph& g, std::string name, std::string kind, std::string title,
                           const FailureSet& lost, double load_factor, const FallbackOptions& opt);

  const FallbackPlan* Find(std::string_view name) const;
  const std::vector<FallbackPlan>& plans() const { return plans_; }
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  std::vector<FallbackPlan> plans_;
  std::unordered_map<std::string, size_t> index_;
  std::string fingerprint_;
};

}  // namespace firebreak::graph
