#include "graph/impact.h"

#include <algorithm>

namespace firebreak::graph {

std::string_view HealthName(Health h) {
  switch (h) {
    case Health::kOk: return "ok";
    case Health::kDegraded: return "degraded";
    case Health::kFailed: return "failed";
  }
  return "ok";
}

std::string_view CauseName(Cause c) {
  switch (c) {
    case Cause::kNone: return "none";
    case Cause::kInitial: return "initial";
    case Cause::kZone: return "zone";
    case Cause::kHardDependency: return "hard_dependency";
    case Cause::kSoftDependency: return "soft_dependency";
    case Cause::kDegradedDependency: return "degraded_dependency";
    case Cause::kOverload: return "overload";
    case Cause::kGroupLost: return "group_lost";
  }
  return "none";
}

Propagator::Propagator(const Graph& g)
    : g_(g),
      failed_(g.size(), 0),
      unavail_(g.size(), 0),
      zone_lost_(g.zones().size(), 0),
      cause_(g.size(), Cause::kNone),
      via_(g.size(), -1),
      group_alive_(g.groups().size()) {
  for (size_t i = 0; i < g.groups().size(); ++i) group_alive_[i] = static_cast<int>(g.groups()[i].members.size());
  const int n = g.size();
  group_.resize(n);
  hard_off_.assign(n + 1, 0);
  for (int v = 0; v < n; ++v) {
    group_[v] = g.node(v).group;
    hard_off_[v + 1] = hard_off_[v];
    for (const Edge& e : g.Callers(v))
      if (e.kind == EdgeKind::kHard) {
        hard_callers_.push_back(e.other);
        ++hard_off_[v + 1];
      }
  }
}

void Propagator::Reset() {
  for (int v : failed_list_) {
    failed_[v] = 0;
    unavail_[v] = 0;
  }
  for (int gi : touched_groups_) group_alive_[gi] = static_cast<int>(g_.groups()[gi].members.size());
  failed_list_.clear();
  touched_groups_.clear();
  queue_.clear();
  head_ = 0;
}

bool Propagator::group_lost(int gi) const { return group_alive_[gi] < g_.groups()[gi].min_healthy; }

void Propagator::MarkUnavailable(int v) {
  if (unavail_[v]) return;
  unavail_[v] = 1;
  queue_.push_back(v);
}

void Propagator::Fail(int v, Cause cause, int via) {
  if (failed_[v]) return;
  failed_[v] = 1;
  cause_[v] = cause;
  via_[v] = via;
  failed_list_.push_back(v);
  const int gi = group_[v];
  if (gi < 0) {
    MarkUnavailable(v);
    return;
  }
  const auto& grp = g_.groups()[gi];
  if (group_alive_[gi] == static_cast<int>(grp.members.size())) touched_groups_.push_back(gi);
  --group_alive_[gi];
  if (group_alive_[gi] == grp.min_healthy - 1) {
    // The group just stopped serving: the members still up go down with it, and every member is
    // now unavailable to its callers.
    for (int m : grp.members) {
      if (!failed_[m]) Fail(m, Cause::kGroupLost, v);
      MarkUnavailable(m);
    }
  } else if (group_alive_[gi] < grp.min_healthy - 1) {
    MarkUnavailable(v);
  }
}

void Propagator::Seed(const FailureSet& f) {
  for (int v : f.services) Fail(v, Cause::kInitial);
  for (int gi : f.groups)
    for (int m : g_.groups()[gi].members) Fail(m, Cause::kInitial);
  if (!f.zones.empty()) {
    for (int z : f.zones) zone_lost_[z] = 1;
    for (int v = 0; v < g_.size(); ++v)
      if (g_.LostWithZones(v, zone_lost_)) Fail(v, Cause::kZone);
    for (int z : f.zones) zone_lost_[z] = 0;
  }
}

void Propagator::Settle() {
  while (head_ < queue_.size()) {
    const int d = queue_[head_++];
    for (int k = hard_off_[d], end = hard_off_[d + 1]; k < end; ++k) {
      const int c = hard_callers_[k];
      if (failed_[c]) continue;
      if (group_[c] < 0) {
        // Fast path of Fail() for a service outside any redundancy group (most of them).
        failed_[c] = 1;
        unavail_[c] = 1;
        cause_[c] = Cause::kHardDependency;
        via_[c] = d;
        failed_list_.push_back(c);
        queue_.push_back(c);
      } else {
        Fail(c, Cause::kHardDependency, d);
      }
    }
  }
}

namespace {

std::vector<int> PathTo(int v, const std::vector<int>& via) {
  std::vector<int> path;
  // `via` chains end at a root failure; the bound guards against a malformed chain.
  for (int cur = v, steps = 0; cur >= 0 && steps <= static_cast<int>(via.size()); cur = via[cur], ++steps)
    path.push_back(cur);
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace

std::vector<Health> HealthAfter(const Graph& g, const Propagator& p, std::vector<Cause>* cause_out,
                                std::vector<int>* via_out, std::vector<int>* degraded_out) {
  const int n = g.size();
  std::vector<Health> health(n, Health::kOk);
  std::vector<Cause> local_cause;
  std::vector<int> local_via, local_queue;
  auto& cause = cause_out ? *cause_out : local_cause;
  auto& via = via_out ? *via_out : local_via;
  auto& queue = degraded_out ? *degraded_out : local_queue;
  cause.assign(n, Cause::kNone);
  via.assign(n, -1);
  queue.clear();
  for (int v : p.failed_list()) {
    health[v] = Health::kFailed;
    cause[v] = p.cause(v);
    via[v] = p.via(v);
  }
  // Degradation: soft callers of unavailable services, then callers of degraded services.
  for (int d : p.failed_list()) {
    if (!p.unavailable(d)) continue;
    for (const Edge& e : g.Callers(d)) {
      if (e.kind != EdgeKind::kSoft || health[e.other] != Health::kOk) continue;
      health[e.other] = Health::kDegraded;
      cause[e.other] = Cause::kSoftDependency;
      via[e.other] = d;
      queue.push_back(e.other);
    }
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    const int d = queue[head];
    for (const Edge& e : g.Callers(d)) {
      if (health[e.other] != Health::kOk) continue;
      health[e.other] = Health::kDegraded;
      cause[e.other] = Cause::kDegradedDependency;
      via[e.other] = d;
      queue.push_back(e.other);
    }
  }
  return health;
}

BlastRadius ComputeBlastRadius(const Graph& g, const FailureSet& f) {
  Propagator p(g);
  p.Run(f);
  const int n = g.size();
  BlastRadius br;
  std::vector<Cause> cause;
  std::vector<int> via, queue;
  br.health = HealthAfter(g, p, &cause, &via, &queue);
  auto make = [&](int v) {
    Affected a;
    a.node = v;
    a.health = br.health[v];
    a.cause = cause[v];
    a.via = via[v];
    a.path = PathTo(v, via);
    return a;
  };
  for (int v : p.failed_list()) {
    br.failed.push_back(make(v));
    if (g.node(v).customer_facing) br.customer_facing_failed.push_back(v);
    if (br.worst_tier_failed < 0 || g.node(v).tier < br.worst_tier_failed) br.worst_tier_failed = g.node(v).tier;
  }
  for (int v : queue) {
    br.degraded.push_back(make(v));
    if (g.node(v).customer_facing) br.customer_facing_degraded.push_back(v);
    if (br.worst_tier_degraded < 0 || g.node(v).tier < br.worst_tier_degraded) br.worst_tier_degraded = g.node(v).tier;
  }
  std::sort(br.customer_facing_failed.begin(), br.customer_facing_failed.end());
  std::sort(br.customer_facing_degraded.begin(), br.customer_facing_degraded.end());
  for (int gi : p.touched_groups()) {
    if (p.group_lost(gi)) continue;
    Failover fo;
    fo.group = gi;
    for (int m : g.groups()[gi].members) (p.failed(m) ? fo.failed_members : fo.serving).push_back(m);
    br.failovers.push_back(std::move(fo));
  }
  if (!f.zones.empty()) {
    std::vector<char> lost(g.zones().size(), 0);
    for (int z : f.zones) lost[z] = 1;
    for (int v = 0; v < n; ++v) {
      if (br.health[v] == Health::kFailed) continue;
      double left = g.ZoneFractionLeft(v, lost);
      if (left >= 1.0) continue;
      CapacityHit h;
      h.node = v;
      h.fraction_left = left;
      const Node& s = g.node(v);
      if (s.HasCapacity()) {
        h.utilization_before = s.load_rps / s.Capacity();
        h.utilization_after = left > 0 ? s.load_rps / (s.Capacity() * left) : 0;
        h.over_limit = h.utilization_after > s.max_utilization;
      }
      br.capacity.push_back(h);
    }
  }
  return br;
}

std::vector<std::string> BlastRadius::AffectedIds(const Graph& g) const {
  std::vector<std::string> out;
  for (const auto& a : failed)
    if (a.cause != Cause::kInitial) out.push_back(g.node(a.node).id);
  for (const auto& a : degraded) out.push_back(g.node(a.node).id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<FailureSet> ResolveFailureSet(const Graph& g, const std::vector<std::string>& services,
                                     const std::vector<std::string>& zones, const std::vector<std::string>& groups) {
  FailureSet f;
  for (size_t i = 0; i < services.size(); ++i) {
    auto v = g.Find(services[i]);
    if (!v) return InvalidArgument("unknown service '" + services[i] + "'", "services[" + std::to_string(i) + "]");
    f.services.push_back(*v);
  }
  for (size_t i = 0; i < zones.size(); ++i) {
    auto z = g.FindZone(zones[i]);
    if (!z) return InvalidArgument("no service runs in zone '" + zones[i] + "'", "zones[" + std::to_string(i) + "]");
    f.zones.push_back(*z);
  }
  for (size_t i = 0; i < groups.size(); ++i) {
    auto gi = g.FindGroup(groups[i]);
    if (!gi) return InvalidArgument("unknown redundancy group '" + groups[i] + "'", "groups[" + std::to_string(i) + "]");
    f.groups.push_back(*gi);
  }
  auto dedupe = [](std::vector<int>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  dedupe(f.services);
  dedupe(f.zones);
  dedupe(f.groups);
  return f;
}

std::vector<std::string> IncidentBlastRadius(const config::Config& cfg, const std::vector<std::string>& services) {
  Graph g = Graph::FromConfig(cfg);
  FailureSet f;
  for (const auto& s : services)
    if (auto v = g.Find(s)) f.services.push_back(*v);
  return ComputeBlastRadius(g, f).AffectedIds(g);
}

}  // namespace firebreak::graph
