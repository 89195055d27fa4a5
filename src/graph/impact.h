// Failure propagation and blast radius.
//
// Semantics (the contract every analysis here shares):
// - A service FAILS when it is lost directly, when every zone it runs in is lost, or when one of
//   its hard dependencies is unavailable.
// - A failed service is *unavailable* to its callers unless it belongs to a redundancy group that
//   still has at least `min_healthy` members up: then the survivors serve its callers (failover)
//   and the failure stops there.
// - A redundancy group with fewer than `min_healthy` members up is lost: its remaining members
//   fail too (a quorum or a capacity floor is gone) and every member is unavailable.
// - A service that has not failed is DEGRADED when a soft dependency is unavailable or any
//   dependency (hard or soft) is degraded.
// Failure is monotone: losing more never heals anything. Propagation is linear in the size of what
// it touches (each service fails and becomes unavailable at most once).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace firebreak::graph {

enum class Health : uint8_t { kOk = 0, kDegraded = 1, kFailed = 2 };
enum class Cause : uint8_t {
  kNone,
  kInitial,             // lost directly
  kZone,                // all its zones lost
  kHardDependency,      // a hard dependency became unavailable
  kSoftDependency,      // (degraded) a soft dependency became unavailable
  kDegradedDependency,  // (degraded) a dependency is degraded
  kOverload,            // (cascade) pushed past its utilization limit
  kGroupLost,           // its redundancy group fell below min_healthy
};
std::string_view HealthName(Health h);  // "ok", "degraded", "failed"
std::string_view CauseName(Cause c);    // "initial", "zone", "hard_dependency", ...

// What is lost at the start.
struct FailureSet {
  std::vector<int> services;
  std::vector<int> zones;
  std::vector<int> groups;  // whole redundancy groups (every member)
  bool empty() const { return services.empty() && zones.empty() && groups.empty(); }
};

// Hard-failure propagation with reusable buffers: construct once per graph, run many times (the
// contingency analysis runs it once per element and candidate pair). Not thread-safe.
class Propagator {
 public:
  explicit Propagator(const Graph& g);

  // Clears the previous run (in time proportional to what it touched).
  void Reset();
  // Seeds a failure; call Settle() after seeding.
  void Fail(int v, Cause cause, int via = -1);
  // Seeds everything in `f` (zones: services whose zones are all in f.zones).
  void Seed(const FailureSet& f);
  // Propagates until nothing more fails.
  void Settle();
  // Reset + Seed + Settle.
  void Run(const FailureSet& f) {
    Reset();
    Seed(f);
    Settle();
  }

  bool failed(int v) const { return failed_[v] != 0; }
  // Failed and not covered by its redundancy group.
  bool unavailable(int v) const { return unavail_[v] != 0; }
  Cause cause(int v) const { return cause_[v]; }
  int via(int v) const { return via_[v]; }
  // Failed services in the order they failed.
  const std::vector<int>& failed_list() const { return failed_list_; }
  // Groups with at least one failed member (serving or lost).
  const std::vector<int>& touched_groups() const { return touched_groups_; }
  int alive_members(int group) const { return group_alive_[group]; }
  bool group_lost(int group) const;

 private:
  void MarkUnavailable(int v);
  const Graph& g_;
  // Compact copies of what the hot loop reads: each service's group and its hard callers (CSR).
  std::vector<int> group_, hard_off_, hard_callers_;
  std::vector<char> failed_, unavail_, zone_lost_;
  std::vector<Cause> cause_;
  std::vector<int> via_;
  std::vector<int> failed_list_, queue_, touched_groups_, group_alive_;
  size_t head_ = 0;
};

struct Affected {
  int node = -1;
  Health health = Health::kOk;
  Cause cause = Cause::kNone;
  int via = -1;           // the dependency (or group member) that caused it
  std::vector<int> path;  // from the root failure to this service
};

// A redundancy group that absorbed member failures.
struct Failover {
  int group = -1;
  std::vector<int> failed_members;
  std::vector<int> serving;  // members still up
};

// A service that lost part of its replicas with a zone but survives.
struct CapacityHit {
  int node = -1;
  double fraction_left = 1.0;
  double utilization_before = 0;  // 0 when capacity is unknown
  double utilization_after = 0;
  bool over_limit = false;  // utilization_after > the service's max_utilization
};

struct BlastRadius {
  std::vector<Affected> failed;    // every failed service, the lost ones first
  std::vector<Affected> degraded;  // services up but degraded
  std::vector<Failover> failovers;
  std::vector<CapacityHit> capacity;
  std::vector<int> customer_facing_failed, customer_facing_degraded;
  int worst_tier_failed = -1;    // lowest tier number among failed services; -1 if none
  int worst_tier_degraded = -1;  // among degraded ones
  std::vector<Health> health;    // per service
  // Failed and degraded services except those lost directly, sorted by id (the incident's
  // `blast_radius`).
  std::vector<std::string> AffectedIds(const Graph& g) const;
};

BlastRadius ComputeBlastRadius(const Graph& g, const FailureSet& f);

// Health of every service after a settled propagation: failed ones, then degradation spread from
// the unavailable ones. `cause`/`via` (optional) receive why; `degraded` (optional) the degraded
// services in the order found.
std::vector<Health> HealthAfter(const Graph& g, const Propagator& p, std::vector<Cause>* cause = nullptr,
                                std::vector<int>* via = nullptr, std::vector<int>* degraded = nullptr);

// Resolves service, zone and group names into a FailureSet; unknown names are InvalidArgument
// naming the field ("services[2]").
Result<FailureSet> ResolveFailureSet(const Graph& g, const std::vector<std::string>& services,
                                     const std::vector<std::string>& zones = {},
                                     const std::vector<std::string>& groups = {});

// The incident blast radius for a set of affected service ids (unknown ids are ignored).
std::vector<std::string> IncidentBlastRadius(const config::Config& cfg, const std::vector<std::string>& services);

}  // namespace firebreak::graph
