#include "graph/graph.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/crypto.h"

namespace firebreak::graph {

Result<Graph> Graph::Build(const std::vector<model::Service>& services,
                           const std::vector<model::RedundancyGroup>& groups) {
  Graph g;
  const int n = static_cast<int>(services.size());
  g.nodes_.resize(n);
  g.index_.reserve(n * 2);
  for (int i = 0; i < n; ++i) {
    const auto& s = services[i];
    if (!g.index_.emplace(s.id, i).second)
      return InvalidArgument("service '" + s.id + "' is defined twice", "services[" + std::to_string(i) + "].id");
    Node& v = g.nodes_[i];
    v.id = s.id;
    v.name = s.name.empty() ? s.id : s.name;
    v.team = s.team;
    v.tier = s.tier;
    v.customer_facing = s.customer_facing;
    v.rps_per_replica = s.capacity.rps_per_replica;
    v.replicas = s.capacity.replicas;
    v.concurrency = std::max(1, s.capacity.concurrency);
    v.load_rps = s.capacity.load_rps;
    v.max_utilization = s.capacity.max_utilization;
    v.sheddable = s.capacity.sheddable;
    for (const auto& z : s.capacity.zones) {
      auto [it, fresh] = g.zone_index_.emplace(z, static_cast<int>(g.zones_.size()));
      if (fresh) g.zones_.push_back(z);
      if (std::find(v.zones.begin(), v.zones.end(), it->second) == v.zones.end()) v.zones.push_back(it->second);
    }
  }
  // Edges, counted first so both directions are laid out contiguously.
  std::vector<int> out_count(n, 0), in_count(n, 0), seen(n, -1);
  for (int i = 0; i < n; ++i) {
    for (size_t k = 0; k < services[i].dependencies.size(); ++k) {
      const auto& d = services[i].dependencies[k];
      std::string field = "services[" + std::to_string(i) + "].dependencies[" + std::to_string(k) + "]";
      auto it = g.index_.find(d.service);
      if (it == g.index_.end())
        return InvalidArgument("service '" + services[i].id + "' depends on unknown service '" + d.service + "'", field);
      if (it->second == i) return InvalidArgument("service '" + services[i].id + "' depends on itself", field);
      if (seen[it->second] == i)
        return InvalidArgument("service '" + services[i].id + "' lists dependency '" + d.service + "' twice", field);
      seen[it->second] = i;
      if (!(d.weight > 0) || !std::isfinite(d.weight))
        return InvalidArgument("dependency weight must be a positive number", field + ".weight");
      ++out_count[i];
      ++in_count[it->second];
    }
  }
  g.out_off_.assign(n + 1, 0);
  g.in_off_.assign(n + 1, 0);
  for (int i = 0; i < n; ++i) {
    g.out_off_[i + 1] = g.out_off_[i] + out_count[i];
    g.in_off_[i + 1] = g.in_off_[i] + in_count[i];
  }
  g.out_.resize(g.out_off_[n]);
  g.in_.resize(g.in_off_[n]);
  std::vector<int> in_fill(g.in_off_.begin(), g.in_off_.end() - 1);
  for (int i = 0; i < n; ++i) {
    int o = g.out_off_[i];
    for (const auto& d : services[i].dependencies) {
      int t = g.index_.at(d.service);
      Edge e{t, d.kind == model::DependencyKind::kSoft ? EdgeKind::kSoft : EdgeKind::kHard, d.weight,
             d.rps ? *d.rps : -1.0};
      g.out_[o++] = e;
      e.other = i;
      g.in_[in_fill[t]++] = e;
    }
  }
  g.out_to_.resize(g.out_.size());
  g.out_w_.resize(g.out_.size());
  for (size_t k = 0; k < g.out_.size(); ++k) {
    g.out_to_[k] = g.out_[k].other;
    g.out_w_[k] = g.out_[k].weight;
  }
  g.in_from_.resize(g.in_.size());
  g.in_w_.resize(g.in_.size());
  for (size_t k = 0; k < g.in_.size(); ++k) {
    g.in_from_[k] = g.in_[k].other;
    g.in_w_[k] = g.in_[k].weight;
  }
  // Hard edges only, in the same order (what failure propagation walks).
  auto hard_only = [n](const std::vector<int>& off, const std::vector<Edge>& edges, std::vector<int>& hoff,
                       std::vector<int>& hto) {
    hoff.assign(n + 1, 0);
    hto.clear();
    for (int v = 0; v < n; ++v) {
      for (int k = off[v]; k < off[v + 1]; ++k)
        if (edges[k].kind == EdgeKind::kHard) hto.push_back(edges[k].other);
      hoff[v + 1] = static_cast<int>(hto.size());
    }
  };
  hard_only(g.out_off_, g.out_, g.hard_out_off_, g.hard_out_to_);
  hard_only(g.in_off_, g.in_, g.hard_in_off_, g.hard_in_from_);
  // Redundancy groups.
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const auto& src = groups[gi];
    std::string field = "redundancy_groups[" + std::to_string(gi) + "]";
    if (!g.group_index_.emplace(src.id, static_cast<int>(gi)).second)
      return InvalidArgument("redundancy group '" + src.id + "' is defined twice", field);
    Group grp;
    grp.id = src.id;
    grp.name = src.name.empty() ? src.id : src.name;
    grp.failover = src.kind == "failover";
    grp.min_healthy = src.min_healthy;
    for (const auto& m : src.members) {
      auto it = g.index_.find(m.service);
      if (it == g.index_.end())
        return InvalidArgument("redundancy group '" + src.id + "' names unknown service '" + m.service + "'", field);
      Node& v = g.nodes_[it->second];
      if (v.group >= 0)
        return InvalidArgument("service '" + m.service + "' is in two redundancy groups", field);
      v.group = static_cast<int>(gi);
      grp.members.push_back(it->second);
    }
    if (grp.members.size() < 2) return InvalidArgument("redundancy group '" + src.id + "' needs two members", field);
    if (grp.min_healthy < 1 || grp.min_healthy > static_cast<int>(grp.members.size()))
      return InvalidArgument("redundancy group '" + src.id + "': min_healthy out of range", field);
    g.groups_.push_back(std::move(grp));
  }
  // Fingerprint: a canonical text of the analysed facts.
  std::string canon;
  char buf[128];
  for (const auto& v : g.nodes_) {
    std::snprintf(buf, sizeof buf, "|%d|%d|%.17g|%d|%d|%.17g|%.17g|%d|%d|", v.tier, v.customer_facing ? 1 : 0,
                  v.rps_per_replica, v.replicas, v.concurrency, v.load_rps, v.max_utilization, v.sheddable ? 1 : 0,
                  v.group);
    canon += v.id + buf;
    for (int z : v.zones) canon += g.zones_[z] + ",";
    canon += ";";
  }
  for (const auto& e : g.out_) {
    std::snprintf(buf, sizeof buf, "%d:%d:%.17g:%.17g;", e.other, static_cast<int>(e.kind), e.weight, e.rps);
    canon += buf;
  }
  for (const auto& grp : g.groups_) {
    canon += grp.id + (grp.failover ? ":f:" : ":a:") + std::to_string(grp.min_healthy) + ":";
    for (int m : grp.members) canon += std::to_string(m) + ",";
    canon += ";";
  }
  g.fingerprint_ = core::Sha256Hex(canon).substr(0, 16);
  return g;
}

Graph Graph::FromConfig(const config::Config& cfg) {
  auto g = Build(cfg.services, cfg.redundancy_groups);
  if (!g) {
    // The loader validates everything Build checks; reaching this is a bug.
    std::fprintf(stderr, "graph: config accepted by the loader is invalid: %s\n", g.error().ToString().c_str());
    std::abort();
  }
  return std::move(*g);
}

std::optional<int> Graph::Find(std::string_view id) const {
  auto it = index_.find(std::string(id));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::optional<int> Graph::FindZone(std::string_view name) const {
  auto it = zone_index_.find(std::string(name));
  if (it == zone_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<int> Graph::FindGroup(std::string_view id) const {
  auto it = group_index_.find(std::string(id));
  if (it == group_index_.end()) return std::nullopt;
  return it->second;
}

bool Graph::LostWithZones(int v, const std::vector<char>& lost) const {
  const auto& zs = nodes_[v].zones;
  if (zs.empty()) return false;
  for (int z : zs)
    if (!lost[z]) return false;
  return true;
}

double Graph::ZoneFractionLeft(int v, const std::vector<char>& lost) const {
  const auto& zs = nodes_[v].zones;
  if (zs.empty()) return 1.0;
  int left = 0;
  for (int z : zs) left += lost[z] ? 0 : 1;
  return static_cast<double>(left) / static_cast<double>(zs.size());
}

}  // namespace firebreak::graph
