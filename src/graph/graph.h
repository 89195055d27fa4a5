// The service graph: services (nodes) and their dependencies (edges "caller -> dependency"), with
// the facts resilience analysis needs — tier, customer-facing flag, capacity and load, zones and
// redundancy groups — in a compact indexed form (CSR adjacency both ways).
//
// Built once per configuration snapshot (`FromConfig`) or from plain values (`Build`, used by
// tests and benchmarks); immutable afterwards, so analyses may share it across threads.
// Everything in graph/ is pure computation over this structure: no I/O, no clock, no SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "model/catalog.h"

namespace firebreak::graph {

enum class EdgeKind : uint8_t { kHard, kSoft };

struct Node {
  std::string id;
  std::string name;
  std::string team;
  int tier = 2;  // 0 most critical .. 4
  bool customer_facing = false;
  double rps_per_replica = 0;
  int replicas = 0;
  int concurrency = 1;
  double load_rps = 0;
  double max_utilization = 1.0;
  bool sheddable = true;
  std::vector<int> zones;  // zone indices; replicas spread evenly over them
  int group = -1;          // redundancy group index or -1

  // Requests/s the service handles at 100% utilization with all replicas (0 = unknown).
  double Capacity() const { return rps_per_replica * replicas; }
  bool HasCapacity() const { return rps_per_replica > 0 && replicas > 0; }
};

struct Group {
  std::string id;
  std::string name;
  bool failover = false;  // failover: members[0] is the primary; else active-active
  std::vector<int> members;
  int min_healthy = 1;
};

// One dependency edge as seen from either end. `other` is the dependency (out-edges) or the
// caller (in-edges).
struct Edge {
  int other = 0;
  EdgeKind kind = EdgeKind::kHard;
  double weight = 1.0;
  double rps = -1;  // declared requests/s over this edge; < 0 = not declared
};

class Graph {
 public:
  // Builds from plain values. Unknown dependency or member ids, duplicate ids, self-dependencies,
  // services in two groups and non-positive weights are InvalidArgument naming the item (the config
  // loader reports the same problems with file:line:col before this is ever reached).
  static Result<Graph> Build(const std::vector<model::Service>& services,
                             const std::vector<model::RedundancyGroup>& groups = {});
  // From a validated config (cannot fail for one the loader accepted; aborts loudly otherwise).
  static Graph FromConfig(const config::Config& cfg);

  int size() const { return static_cast<int>(nodes_.size()); }
  const Node& node(int v) const { return nodes_[v]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::optional<int> Find(std::string_view id) const;

  // Dependencies of v (v calls them) and callers of v (they call v).
  std::span<const Edge> Deps(int v) const {
    return {out_.data() + out_off_[v], out_.data() + out_off_[v + 1]};
  }
  std::span<const Edge> Callers(int v) const {
    return {in_.data() + in_off_[v], in_.data() + in_off_[v + 1]};
  }
  size_t edge_count() const { return out_.size(); }

  // Raw CSR arrays (for the hot loops of centrality): out_offsets()[v]..[v+1] index out_targets().
  const std::vector<int>& out_offsets() const { return out_off_; }
  const std::vector<int>& out_targets() const { return out_to_; }
  const std::vector<double>& out_weights() const { return out_w_; }
  const std::vector<int>& in_offsets() const { return in_off_; }
  const std::vector<int>& in_sources() const { return in_from_; }
  const std::vector<double>& in_weights() const { return in_w_; }
  // The same over hard edges only (failure propagation), in Deps/Callers order.
  const std::vector<int>& hard_out_offsets() const { return hard_out_off_; }
  const std::vector<int>& hard_out_targets() const { return hard_out_to_; }
  const std::vector<int>& hard_in_offsets() const { return hard_in_off_; }
  const std::vector<int>& hard_in_sources() const { return hard_in_from_; }

  const std::vector<std::string>& zones() const { return zones_; }
  std::optional<int> FindZone(std::string_view name) const;
  const std::vector<Group>& groups() const { return groups_; }
  std::optional<int> FindGroup(std::string_view id) const;

  // Services with no replica outside the zones marked true in `lost` (all their zones are lost).
  // Services without zones are never lost to a zone.
  bool LostWithZones(int v, const std::vector<char>& lost) const;
  // Fraction of v's replicas left when the zones marked in `lost` are gone (1 without zones).
  double ZoneFractionLeft(int v, const std::vector<char>& lost) const;

  // A stable digest of everything analyses depend on (changes when the config's graph changes).
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  std::vector<Node> nodes_;
  std::vector<Group> groups_;
  std::vector<std::string> zones_;
  std::unordered_map<std::string, int> index_, zone_index_, group_index_;
  std::vector<int> out_off_, in_off_;
  std::vector<Edge> out_, in_;
  std::vector<int> out_to_, in_from_;
  std::vector<double> out_w_, in_w_;
  std::vector<int> hard_out_off_, hard_out_to_, hard_in_off_, hard_in_from_;
  std::string fingerprint_;
};

}  // namespace firebreak::graph
