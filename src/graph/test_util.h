// Helpers for graph/ tests: compact graph specs, random graphs, and brute-force reference
// implementations written straight from the definitions (no shared code with the real ones).
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace firebreak::graph::testutil {

struct Spec {
  std::vector<model::Service> services;
  std::vector<model::RedundancyGroup> groups;

  // Adds a service; returns it for further tweaks.
  model::Service& Add(const std::string& id, std::vector<std::string> hard = {}, std::vector<std::string> soft = {},
                      bool customer_facing = false, int tier = 2) {
    model::Service s;
    s.id = s.name = id;
    s.tier = tier;
    s.customer_facing = customer_facing;
    for (auto& h : hard) s.dependencies.push_back({h, model::DependencyKind::kHard, 1.0, std::nullopt, {}});
    for (auto& x : soft) s.dependencies.push_back({x, model::DependencyKind::kSoft, 1.0, std::nullopt, {}});
    services.push_back(s);
    return services.back();
  }
  model::Service& Get(const std::string& id) {
    for (auto& s : services)
      if (s.id == id) return s;
    throw std::runtime_error("no service " + id);
  }
  void Capacity(const std::string& id, double rps_per_replica, int replicas, double load,
                std::vector<std::string> zones = {}) {
    auto& s = Get(id);
    s.capacity.rps_per_replica = rps_per_replica;
    s.capacity.replicas = replicas;
    s.capacity.load_rps = load;
    s.capacity.zones = std::move(zones);
  }
  void Group(const std::string& id, std::vector<std::string> members, int min_healthy = 1, bool failover = false) {
    model::RedundancyGroup g;
    g.id = id;
    g.kind = failover ? "failover" : "active_active";
    g.min_healthy = min_healthy;
    for (auto& m : members) g.members.push_back({m, {}});
    groups.push_back(g);
  }
  Graph Build() const {
    auto g = Graph::Build(services, groups);
    if (!g) throw std::runtime_error(g.error().message);
    return std::move(*g);
  }
};

// A random service graph: up to `max_n` services, random hard/soft edges (cycles allowed),
// customer-facing flags, tiers, integer weights 1..4, zones and disjoint redundancy groups.
inline Spec RandomSpec(uint64_t seed, int max_n = 9, int max_zones = 3) {
  std::mt19937_64 rng(seed);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Spec s;
  const int n = uni(1, max_n);
  const int zones = uni(0, max_zones);
  const double density = std::uniform_real_distribution<double>(0.05, 0.5)(rng);
  for (int i = 0; i < n; ++i) {
    auto& svc = s.Add("s" + std::to_string(i), {}, {}, uni(0, 2) == 0, uni(0, 4));
    for (int z = 0; z < zones; ++z)
      if (uni(0, 1)) svc.capacity.zones.push_back("z" + std::to_string(z));
  }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      if (i == j || std::uniform_real_distribution<double>(0, 1)(rng) > density) continue;
      model::Dependency d;
      d.service = "s" + std::to_string(j);
      d.kind = uni(0, 3) == 0 ? model::DependencyKind::kSoft : model::DependencyKind::kHard;
      d.weight = uni(1, 4);
      s.services[i].dependencies.push_back(d);
    }
  std::vector<int> perm(n);
  for (int i = 0; i < n; ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  int at = 0, gi = 0;
  while (at + 1 < n && uni(0, 2) != 0) {
    const int size = std::min(n - at, uni(2, 3));
    if (size < 2) break;
    std::vector<std::string> members;
    for (int k = 0; k < size; ++k) members.push_back("s" + std::to_string(perm[at + k]));
    s.Group("g" + std::to_string(gi++), members, uni(1, size), uni(0, 1) == 1);
    at += size;
  }
  return s;
}

// ---- brute force, from the definitions -------------------------------------------------------

struct BruteState {
  std::vector<char> failed, degraded;
};

// Fixpoint iteration: fail what has an unavailable hard dependency until nothing changes.
inline BruteState BruteFailures(const Spec& spec, const std::set<std::string>& lost_services,
                                const std::set<std::string>& lost_zones, const std::set<std::string>& lost_groups) {
  const int n = static_cast<int>(spec.services.size());
  auto idx = [&](const std::string& id) {
    for (int i = 0; i < n; ++i)
      if (spec.services[i].id == id) return i;
    return -1;
  };
  BruteState st;
  st.failed.assign(n, 0);
  st.degraded.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    const auto& s = spec.services[i];
    if (lost_services.count(s.id)) st.failed[i] = 1;
    if (!s.capacity.zones.empty()) {
      bool all = true;
      for (auto& z : s.capacity.zones) all &= lost_zones.count(z) > 0;
      if (all) st.failed[i] = 1;
    }
  }
  for (const auto& g : spec.groups)
    if (lost_groups.count(g.id))
      for (const auto& m : g.members) st.failed[idx(m.service)] = 1;
  auto covered = [&](int d) {
    for (const auto& g : spec.groups) {
      bool member = false;
      int up = 0;
      for (const auto& m : g.members) {
        member |= m.service == spec.services[d].id;
        up += st.failed[idx(m.service)] ? 0 : 1;
      }
      if (member) return up >= g.min_healthy;
    }
    return false;
  };
  for (bool changed = true; changed;) {
    changed = false;
    // A group below min_healthy is lost: every member fails.
    for (const auto& g : spec.groups) {
      int up = 0;
      for (const auto& m : g.members) up += st.failed[idx(m.service)] ? 0 : 1;
      if (up >= g.min_healthy) continue;
      for (const auto& m : g.members)
        if (!st.failed[idx(m.service)]) {
          st.failed[idx(m.service)] = 1;
          changed = true;
        }
    }
    for (int i = 0; i < n; ++i) {
      if (st.failed[i]) continue;
      for (const auto& d : spec.services[i].dependencies) {
        const int j = idx(d.service);
        if (d.kind == model::DependencyKind::kHard && st.failed[j] && !covered(j)) {
          st.failed[i] = 1;
          changed = true;
          break;
        }
      }
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = 0; i < n; ++i) {
      if (st.failed[i] || st.degraded[i]) continue;
      for (const auto& d : spec.services[i].dependencies) {
        const int j = idx(d.service);
        const bool unavailable = st.failed[j] && !covered(j);
        if ((d.kind == model::DependencyKind::kSoft && unavailable) || st.degraded[j]) {
          st.degraded[i] = 1;
          changed = true;
          break;
        }
      }
    }
  }
  return st;
}

}  // namespace firebreak::graph::testutil
