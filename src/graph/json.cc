#include "graph/json.h"

#include <cmath>

namespace firebreak::graph {

namespace json = boost::json;

json::value Number(double v, int decimals) {
  if (!std::isfinite(v)) return nullptr;
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

namespace {

json::array Ids(const Graph& g, const std::vector<int>& v) {
  json::array a;
  for (int x : v) a.emplace_back(g.node(x).id);
  return a;
}

json::value Tier(int t) { return t < 0 ? json::value(nullptr) : json::value(t); }

json::object Element(const Graph& g, ElementRef e) {
  return {{"kind", ElementKindName(e.kind)}, {"name", ElementName(g, e)}};
}

}  // namespace

json::object GraphToJson(const Graph& g) {
  json::array services, deps, groups, zones;
  for (int v = 0; v < g.size(); ++v) {
    const Node& s = g.node(v);
    json::object o{{"id", s.id}, {"name", s.name}, {"team", s.team}, {"tier", s.tier},
                   {"customer_facing", s.customer_facing}};
    json::array zs;
    for (int z : s.zones) zs.emplace_back(g.zones()[z]);
    o["capacity"] = json::object{{"rps_per_replica", s.rps_per_replica},
                                 {"replicas", s.replicas},
                                 {"concurrency", s.concurrency},
                                 {"zones", zs},
                                 {"load_rps", s.load_rps},
                                 {"max_utilization", s.max_utilization},
                                 {"sheddable", s.sheddable}};
    o["utilization"] = s.HasCapacity() ? Number(s.load_rps / s.Capacity()) : json::value(nullptr);
    o["group"] = s.group >= 0 ? json::value(g.groups()[s.group].id) : json::value(nullptr);
    services.push_back(std::move(o));
    for (const Edge& e : g.Deps(v)) {
      json::object d{{"from", s.id}, {"to", g.node(e.other).id}, {"kind", e.kind == EdgeKind::kHard ? "hard" : "soft"},
                     {"weight", e.weight}};
      if (e.rps >= 0) d["rps"] = e.rps;
      deps.push_back(std::move(d));
    }
  }
  for (const auto& grp : g.groups())
    groups.push_back(json::object{{"id", grp.id},
                                  {"name", grp.name},
                                  {"kind", grp.failover ? "failover" : "active_active"},
                                  {"members", Ids(g, grp.members)},
                                  {"min_healthy", grp.min_healthy}});
  for (const auto& z : g.zones()) zones.emplace_back(z);
  return {{"services", services}, {"dependencies", deps}, {"groups", groups}, {"zones", zones},
          {"fingerprint", g.fingerprint()}};
}

json::object ToJson(const Graph& g, const FailureSet& f) {
  json::array zones, groups;
  for (int z : f.zones) zones.emplace_back(g.zones()[z]);
  for (int gi : f.groups) groups.emplace_back(g.groups()[gi].id);
  return {{"services", Ids(g, f.services)}, {"zones", zones}, {"groups", groups}};
}

json::object ToJson(const Graph& g, const BlastRadius& br) {
  auto affected = [&](const std::vector<Affected>& list) {
    json::array a;
    for (const auto& x : list) {
      const Node& s = g.node(x.node);
      json::object o{{"service", s.id},
                     {"tier", s.tier},
                     {"customer_facing", s.customer_facing},
                     {"cause", CauseName(x.cause)},
                     {"via", x.via >= 0 ? json::value(g.node(x.via).id) : json::value(nullptr)},
                     {"path", Ids(g, x.path)}};
      a.push_back(std::move(o));
    }
    return a;
  };
  json::array failovers, capacity;
  for (const auto& f : br.failovers)
    failovers.push_back(json::object{{"group", g.groups()[f.group].id},
                                     {"kind", g.groups()[f.group].failover ? "failover" : "active_active"},
                                     {"failed_members", Ids(g, f.failed_members)},
                                     {"serving", Ids(g, f.serving)}});
  for (const auto& c : br.capacity) {
    json::object o{{"service", g.node(c.node).id}, {"fraction_left", Number(c.fraction_left)}};
    if (g.node(c.node).HasCapacity()) {
      o["utilization_before"] = Number(c.utilization_before);
      o["utilization_after"] = Number(c.utilization_after);
      o["over_limit"] = c.over_limit;
    }
    capacity.push_back(std::move(o));
  }
  int worst = br.worst_tier_failed;
  if (br.worst_tier_degraded >= 0 && (worst < 0 || br.worst_tier_degraded < worst)) worst = br.worst_tier_degraded;
  json::object impact{{"customer_facing_failed", Ids(g, br.customer_facing_failed)},
                      {"customer_facing_degraded", Ids(g, br.customer_facing_degraded)},
                      {"worst_tier_failed", Tier(br.worst_tier_failed)},
                      {"worst_tier_degraded", Tier(br.worst_tier_degraded)},
                      {"worst_tier", Tier(worst)}};
  json::array ids;
  for (const auto& id : br.AffectedIds(g)) ids.emplace_back(id);
  return {{"failed", affected(br.failed)},     {"degraded", affected(br.degraded)},
          {"failovers", failovers},            {"capacity", capacity},
          {"customer_impact", impact},         {"blast_radius", ids},
          {"failed_count", br.failed.size()},  {"degraded_count", br.degraded.size()}};
}

json::object ToJson(const Graph& g, const ContingencyReport& r) {
  json::array singles, pairs;
  for (const auto& s : r.fatal_singles) {
    json::object o = Element(g, s.element);
    o["customer_facing_failed"] = Ids(g, s.failed_cf);
    o["failed_total"] = s.failed_total;
    o["worst_tier"] = Tier(s.worst_tier);
    o["customer_load_lost_rps"] = Number(s.cf_load_lost, 3);
    singles.push_back(std::move(o));
  }
  for (const auto& p : r.fatal_pairs) {
    json::object o{{"elements", json::array{Element(g, p.a), Element(g, p.b)}},
                   {"name", ElementName(g, p.a) + " + " + ElementName(g, p.b)},
                   {"customer_facing_failed", Ids(g, p.failed_cf)},
                   {"new_customer_facing_failed", Ids(g, p.new_failed_cf)},
                   {"failed_total", p.failed_total},
                   {"worst_tier", Tier(p.worst_tier)},
                   {"customer_load_lost_rps", Number(p.cf_load_lost, 3)}};
    pairs.push_back(std::move(o));
  }
  json::object n1{{"fatal", singles}, {"fatal_total", r.fatal_singles_total}};
  if (r.cascade) {
    json::array cas;
    for (const auto& s : r.cascade_fatal) {
      json::object o = Element(g, s.element);
      o["customer_facing_failed"] = Ids(g, s.failed_cf);
      o["failed_total"] = s.failed_total;
      o["worst_tier"] = Tier(s.worst_tier);
      cas.push_back(std::move(o));
    }
    n1["fatal_after_cascade"] = cas;
    n1["fatal_after_cascade_total"] = r.cascade_fatal_total;
  }
  return {{"elements", r.elements},
          {"n1", n1},
          {"n2", json::object{{"fatal_pairs", pairs},
                              {"fatal_pairs_total", r.fatal_pairs_total},
                              {"pairs_total", r.pairs_total},
                              {"pairs_evaluated", r.pairs_evaluated},
                              {"pairs_with_fatal_single", r.pairs_with_fatal_single}}}};
}

json::object ToJson(const Graph& g, const SpofEntry& e) {
  return {{"service", g.node(e.node).id},
          {"tier", g.node(e.node).tier},
          {"customer_facing", g.node(e.node).customer_facing},
          {"customer_facing_failed", e.cf_failed},
          {"failed_total", e.failed_total},
          {"worst_tier", Tier(e.worst_tier)},
          {"betweenness", Number(e.betweenness, 3)},
          {"betweenness_weighted", Number(e.betweenness_weighted, 3)},
          {"direct_dependents", e.direct_dependents},
          {"transitive_dependents", e.transitive_dependents},
          {"redundant", e.redundant},
          {"single_point_of_failure", e.cf_failed > 0}};
}

json::object ToJson(const QueueMetrics& q) {
  return {{"servers", q.servers},
          {"offered_erlangs", Number(q.offered)},
          {"stable", q.stable},
          {"p_wait", Number(q.p_wait, 6)},
          {"wait_ms", Number(q.wait_s * 1000, 3)},
          {"service_ms", Number(q.service_s * 1000, 3)},
          {"response_ms", Number(q.response_s * 1000, 3)},
          {"queue_length", Number(q.queue_length)}};
}

json::object ToJson(const Graph& g, const ServiceUtilization& u) {
  const Node& s = g.node(u.node);
  json::object o{{"service", s.id}, {"tier", s.tier}, {"customer_facing", s.customer_facing}, {"known", u.known},
                 {"load_rps", Number(u.load_rps, 3)}};
  if (!u.known) return o;
  o["capacity_rps"] = Number(u.capacity_rps, 3);
  o["utilization"] = Number(u.utilization);
  o["level"] = model::DefenseLevelName(u.level);
  o["queue"] = ToJson(u.queue);
  o["knee_load_rps"] = Number(u.knee_load_rps, 3);
  o["headroom_rps"] = Number(u.headroom_rps, 3);
  json::array curve;
  for (const auto& p : u.curve)
    curve.push_back(json::object{{"utilization", p.utilization},
                                 {"wait_ms", Number(p.wait_s * 1000, 3)},
                                 {"growth", Number(p.growth, 2)}});
  o["wait_curve"] = curve;
  return o;
}

json::object ToJson(const Trend& t, const Thresholds& th) {
  auto until = [&](double level) {
    auto s = t.SecondsUntil(level);
    return s ? Number(*s, 1) : json::value(nullptr);
  };
  return {{"samples", t.samples},
          {"slope_per_hour", Number(t.slope_per_s * 3600, 6)},
          {"fitted_now", Number(t.fitted_now)},
          {"r2", Number(t.r2)},
          {"seconds_to",
           json::object{{"YELLOW", until(th.yellow)},
                        {"ORANGE", until(th.orange)},
                        {"RED", until(th.red)},
                        {"BLACK", until(th.black)},
                        {"exhaustion", until(1.0)}}}};
}

json::object ToJson(const Graph& g, const CascadeResult& r, const Thresholds& th) {
  json::array steps, services;
  for (const auto& st : r.steps) {
    json::array failed;
    for (const auto& e : st.failed) {
      json::object o{{"service", g.node(e.node).id},
                     {"cause", CauseName(e.cause)},
                     {"via", e.via >= 0 ? json::value(g.node(e.via).id) : json::value(nullptr)}};
      if (e.cause == Cause::kOverload) o["utilization"] = Number(e.utilization);
      failed.push_back(std::move(o));
    }
    steps.push_back(json::object{{"step", st.step}, {"failed", failed}});
  }
  for (int v = 0; v < g.size(); ++v) {
    const Node& s = g.node(v);
    json::object o{{"service", s.id}, {"health", HealthName(r.health[v])}, {"load_rps", Number(r.load[v], 3)}};
    if (s.HasCapacity()) {
      o["capacity_rps"] = Number(r.capacity[v], 3);
      if (r.health[v] != Health::kFailed) {
        o["utilization"] = Number(r.utilization[v]);
        o["level"] = model::DefenseLevelName(LevelFor(r.utilization[v], th));
      }
    }
    services.push_back(std::move(o));
  }
  return {{"steps", steps},
          {"rounds", r.steps.empty() ? 0 : r.steps.size() - 1},
          {"failed_total", r.failed_total},
          {"overloads", r.overloads},
          {"customer_facing_failed", Ids(g, r.customer_facing_failed)},
          {"stabilized", r.stabilized},
          {"worst_level_of_survivors", model::DefenseLevelName(r.worst_level)},
          {"services", services}};
}

json::object ToJson(const Graph& g, const ShedPlan& p) {
  json::array steps, hot, actions, hierarchy, prot;
  std::string impact;
  for (const auto& st : p.steps) {
    const Node& s = g.node(st.node);
    steps.push_back(json::object{{"service", s.id},
                                 {"tier", s.tier},
                                 {"customer_facing", s.customer_facing},
                                 {"fraction", Number(st.fraction, 3)},
                                 {"shed_rps", Number(st.shed_rps, 3)},
                                 {"degraded_callers", Ids(g, st.degraded_callers)},
                                 {"relieves", Ids(g, st.relieved)}});
    actions.push_back(json::object{{"action", "shed_load"}, {"service", s.id}, {"fraction", Number(st.fraction, 3)}});
    if (!impact.empty()) impact += "; ";
    impact += "drop " + std::to_string(static_cast<int>(std::lround(st.fraction * 100))) + "% of " + s.id +
              " traffic (tier " + std::to_string(s.tier) + (s.customer_facing ? ", customer-facing" : "") + ")";
    if (!st.degraded_callers.empty()) {
      impact += ", degrading";
      for (int c : st.degraded_callers) impact += " " + g.node(c).id;
    }
  }
  for (const auto& h : p.hot)
    hot.push_back(json::object{{"service", g.node(h.node).id},
                               {"utilization_before", Number(h.utilization_before)},
                               {"utilization_after", Number(h.utilization_after)},
                               {"met", h.met},
                               {"replicas_needed", h.replicas_needed}});
  for (int v : p.hierarchy) hierarchy.emplace_back(g.node(v).id);
  for (int v : p.protected_services) prot.emplace_back(g.node(v).id);
  json::object execution{{"risk", "HIGH"},
                         {"requires_approval", true},
                         {"category", "traffic"},
                         {"actions", actions},
                         {"impact_statement", impact.empty() ? "nothing to shed" : impact},
                         {"rollback_plan", "restore each shed service's traffic to 100% (remove the rate limits "
                                           "in reverse order) and watch utilization stay under the target"}};
  return {{"target", p.target},
          {"met", p.met},
          {"total_shed_rps", Number(p.total_shed_rps, 3)},
          {"steps", steps},
          {"hot", hot},
          {"sacrifice_hierarchy", hierarchy},
          {"protected", prot},
          {"simulation", true},
          {"execution", execution}};
}

}  // namespace firebreak::graph
