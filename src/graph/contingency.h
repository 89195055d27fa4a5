// Contingency analysis: N-1 and N-2 over services, zones and redundancy groups.
//
// An *element* is one thing that can be lost: a service, a zone (every service whose replicas are
// all in it), or a whole redundancy group. A loss is *fatal* when a customer-facing service fails.
//
// N-1 gives the same outcomes as running the propagation of impact.h once per element; for
// services it walks each loss's failures directly and propagates only losses that take a
// redundancy group down (see docs/ARCHITECTURE.md). N-2 does not try every pair. It rests on
// one fact of the failure semantics: without redundancy groups, the failures caused by losing
// {a, b} are exactly the union of those of {a} and {b} (hard dependencies are an AND; the union of
// two closed sets is closed). Something new can only fail when a redundancy group that survives
// each single loss is lost by the pair together, which needs each single loss to have failed at
// least one of its members while leaving it serving ("touching" it). So N-2 only evaluates pairs
// that both touch a common group *and* together bring it below `min_healthy` — found per group by
// bucketing the touching elements by the set of members they fail — plus every pair of zones
// (losing two zones can take out a service spread over exactly those two, a redundancy the graph
// does not model as a group). Every other pair is provably the union of its singles. See
// docs/ARCHITECTURE.md ("Contingency analysis") for the argument and the cost.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/capacity.h"
#include "graph/graph.h"
#include "graph/impact.h"

namespace firebreak::graph {

struct ElementRef {
  enum class Kind : uint8_t { kService, kZone, kGroup };
  Kind kind = Kind::kService;
  int index = 0;
  bool operator==(const ElementRef&) const = default;
};
// "db", "zone:eu-west-1a", "group:orders-db"
std::string ElementName(const Graph& g, ElementRef e);
std::string_view ElementKindName(ElementRef::Kind k);  // "service", "zone", "group"
// Seeds for losing one element.
void AddToFailureSet(ElementRef e, FailureSet& f);

struct SingleOutcome {
  ElementRef element;
  std::vector<int> failed_cf;  // customer-facing services that fail, sorted
  int failed_total = 0;        // every failed service, the element's own included
  int worst_tier = -1;         // lowest tier number among failed services
  double cf_load_lost = 0;     // load_rps of the failed customer-facing services
};

struct PairOutcome {
  ElementRef a, b;
  std::vector<int> failed_cf;      // customer-facing services failed by the pair, sorted
  std::vector<int> new_failed_cf;  // ... that neither element fails alone
  int failed_total = 0;
  int worst_tier = -1;
  double cf_load_lost = 0;
};

struct ContingencyOptions {
  bool services = true;
  bool zones = true;
  bool groups = true;
  bool pairs = true;  // N-2 as well as N-1
  size_t limit = 0;   // most entries per ranked list; 0 = all
  // Also run the cascade simulation (cascade.h) for every single loss: survivors that overload
  // once they carry the lost capacity's traffic fail in turn. Structural N-1/N-2 above is exact
  // and load-independent; this adds what capacity makes fatal.
  bool cascade = false;
  Thresholds thresholds;
};

struct ContingencyReport {
  size_t elements = 0;
  // Every single loss that fails a customer-facing service, worst first.
  std::vector<SingleOutcome> fatal_singles;
  size_t fatal_singles_total = 0;
  // Every pair whose joint loss fails a customer-facing service that neither loss fails alone,
  // worst first.
  std::vector<PairOutcome> fatal_pairs;
  size_t fatal_pairs_total = 0;
  // With `cascade`: single losses that fail customer-facing services once overloads are simulated
  // and more of them than structurally (failed_cf here is the count after the cascade), worst
  // first.
  bool cascade = false;
  std::vector<SingleOutcome> cascade_fatal;
  size_t cascade_fatal_total = 0;
  // Pairs containing a fatal single (fatal, but nothing new beyond N-1).
  uint64_t pairs_with_fatal_single = 0;
  uint64_t pairs_total = 0;      // elements choose 2
  uint64_t pairs_evaluated = 0;  // pairs propagated jointly (the rest were proved to add nothing)
};

ContingencyReport RunContingency(const Graph& g, const ContingencyOptions& opt = {});

// Outcome of losing exactly the given elements together (used by tests and fallback plans).
SingleOutcome EvaluateLoss(const Graph& g, const std::vector<ElementRef>& elements);

}  // namespace firebreak::graph
