#include "graph/fallbacks.h"

#include <algorithm>
#include <cmath>

#include "graph/cascade.h"
#include "graph/contingency.h"
#include "graph/impact.h"
#include "graph/json.h"
#include "graph/shedding.h"

namespace firebreak::graph {

namespace json = boost::json;

namespace {

std::string List(const Graph& g, const std::vector<int>& v, size_t max = 8) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max; ++i) out += (i ? ", " : "") + g.node(v[i]).id;
  if (v.size() > max) out += " and " + std::to_string(v.size() - max) + " more";
  return out;
}

std::string Pct(double u) {
  if (!std::isfinite(u)) return "overloaded";
  return std::to_string(static_cast<int>(std::lround(u * 100))) + "%";
}

}  // namespace

FallbackPlan FallbackSet::Plan(const Graph& g, std::string name, std::string kind, std::string title,
                               const FailureSet& lost, double load_factor, const FallbackOptions& opt) {
  FallbackPlan fp;
  fp.name = std::move(name);
  fp.kind = std::move(kind);
  fp.title = std::move(title);
  const auto br = ComputeBlastRadius(g, lost);
  CascadeScenario sc;
  sc.lost = lost;
  sc.load_factor = load_factor;
  const auto cas = SimulateCascade(g, sc, opt.thresholds);
  ShedOptions so;
  so.target = opt.shed_target;
  so.protect_tier = opt.protect_tier;
  const auto shed = PlanShedding(g, sc, so);

  int cf_total = 0;
  for (const auto& v : g.nodes()) cf_total += v.customer_facing ? 1 : 0;
  std::vector<int> cf_degraded_final;
  for (int v = 0; v < g.size(); ++v)
    if (g.node(v).customer_facing && cas.health[v] == Health::kDegraded) cf_degraded_final.push_back(v);
  const int cf_failed = static_cast<int>(cas.customer_facing_failed.size());
  model::Severity sev = model::Severity::kSev4;
  if (cf_failed > 0) sev = (cf_total > 0 && cf_failed * 2 >= cf_total) ? model::Severity::kSev0 : model::Severity::kSev1;
  else if (!cf_degraded_final.empty()) sev = model::Severity::kSev2;
  else if (cas.failed_total > static_cast<int>(lost.services.size()) || !br.degraded.empty()) sev = model::Severity::kSev3;
  // Capacity: survivors the loss pushes past a defense threshold (worse than before the loss) make
  // it at least SEV3 (YELLOW) or, past the queueing knee (ORANGE and worse: waits climb, the plan
  // scales or sheds), SEV2 — a partial degradation, not an outage, while no customer-facing service
  // fails. The plan's defense level is its severity's (SEV2 is ORANGE, as everywhere else); the
  // survivors' own level is reported beside it as capacity_level.
  const auto before = SimulateCascade(g, CascadeScenario{}, opt.thresholds).worst_level;
  const bool capacity_worse = cas.worst_level > before && cas.worst_level >= model::DefenseLevel::kYellow;
  const model::Severity capacity_sev =
      !capacity_worse ? model::Severity::kSev4
      : cas.worst_level >= model::DefenseLevel::kOrange ? model::Severity::kSev2
                                                        : model::Severity::kSev3;
  const bool raised_by_capacity = model::WorseThan(capacity_sev, sev);
  if (raised_by_capacity) sev = capacity_sev;
  const auto level = model::DefenseLevelOf(sev);
  int hottest = -1;
  for (int v = 0; v < g.size(); ++v)
    if (cas.health[v] != Health::kFailed && (hottest < 0 || cas.utilization[v] > cas.utilization[hottest]))
      hottest = v;

  json::array actions;
  auto act = [&](std::string kind_, std::string text, std::string risk = "LOW") {
    actions.push_back(json::object{{"step", actions.size() + 1}, {"kind", kind_}, {"risk", risk}, {"text", text}});
  };
  if (cf_failed > 0)
    act("declare", "Declare " + std::string(model::SeverityName(sev)) + ": customer-facing " +
                       List(g, cas.customer_facing_failed) + " fail" +
                       (cas.overloads > 0 ? " (after the overload cascade)" : ""));
  else if (!cf_degraded_final.empty())
    act("declare", "Declare " + std::string(model::SeverityName(sev)) + ": customer-facing " +
                       List(g, cf_degraded_final) + " degraded");
  else if (raised_by_capacity && hottest >= 0)
    act("declare", "Declare " + std::string(model::SeverityName(sev)) + ": " + g.node(hottest).id + " at " +
                       Pct(cas.utilization[hottest]) + " of what is left after the loss (" +
                       std::string(model::DefenseLevelName(cas.worst_level)) + ")");
  for (const auto& f : br.failovers)
    act("failover", "Confirm redundancy group " + g.groups()[f.group].id + " failed over: " + List(g, f.serving) +
                        " now serve" + (f.serving.size() == 1 ? "s" : "") + " for " + List(g, f.failed_members),
        "LOW");
  for (const auto& st : cas.steps)
    for (const auto& e : st.failed)
      if (e.cause == Cause::kOverload)
        act("watch", "Expect " + g.node(e.node).id + " to overload at " + Pct(e.utilization) + " (round " +
                         std::to_string(st.step) + ")");
  for (const auto& h : shed.hot)
    if (h.replicas_needed > 0)
      act("scale", "Scale " + g.node(h.node).id + " by +" + std::to_string(h.replicas_needed) +
                       (h.replicas_needed == 1 ? " replica: " : " replicas: ") + Pct(h.utilization_before) + " of what is left after the loss",
          "HIGH");
  for (const auto& st : shed.steps) {
    std::string text = "Shed " + std::to_string(static_cast<int>(std::lround(st.fraction * 100))) + "% of " +
                       g.node(st.node).id + " traffic (tier " + std::to_string(g.node(st.node).tier) + ")";
    if (!st.degraded_callers.empty()) text += "; degrades " + List(g, st.degraded_callers);
    act("shed", text + " — needs approval", "HIGH");
  }
  if (actions.empty()) act("monitor", "No customer impact expected: confirm and monitor");

  json::object cascade = ToJson(g, cas, opt.thresholds);
  cascade.erase("services");
  json::object shedding = ToJson(g, shed);
  shedding.erase("sacrifice_hierarchy");
  shedding.erase("protected");
  fp.plan = json::object{{"name", fp.name},
                         {"kind", fp.kind},
                         {"title", fp.title},
                         {"lost", ToJson(g, lost)},
                         {"load_factor", load_factor},
                         {"impact", ToJson(g, br)},
                         {"cascade", cascade},
                         {"shedding", shedding},
                         {"suggested_severity", model::SeverityName(sev)},
                         {"defense_level", model::DefenseLevelName(level)},
                         {"capacity_level", model::DefenseLevelName(cas.worst_level)},
                         {"actions", actions}};
  return fp;
}

FallbackSet FallbackSet::Compute(const Graph& g, const std::vector<model::Scenario>& scenarios,
                                 const FallbackOptions& opt) {
  FallbackSet set;
  set.fingerprint_ = g.fingerprint();
  auto add = [&](FallbackPlan p) {
    set.index_.emplace(p.name, set.plans_.size());
    set.plans_.push_back(std::move(p));
  };
  ContingencyOptions co;
  co.pairs = opt.max_pairs > 0;
  co.limit = opt.max_pairs;
  const auto rep = RunContingency(g, co);
  // Single services: those whose loss reaches beyond themselves, and the customer-facing ones.
  Propagator p(g);
  for (int v = 0; v < g.size(); ++v) {
    p.Run(FailureSet{{v}, {}, {}});
    bool reaches = p.failed_list().size() > 1 || g.node(v).customer_facing || g.node(v).group >= 0;
    for (const Edge& e : g.Callers(v)) reaches |= e.kind == EdgeKind::kSoft && p.unavailable(v);
    if (!reaches) continue;
    add(Plan(g, "service:" + g.node(v).id, "service", "Loss of " + g.node(v).id, FailureSet{{v}, {}, {}}, 1.0, opt));
  }
  for (int z = 0; z < static_cast<int>(g.zones().size()); ++z)
    add(Plan(g, "zone:" + g.zones()[z], "zone", "Loss of zone " + g.zones()[z], FailureSet{{}, {z}, {}}, 1.0, opt));
  for (int gi = 0; gi < static_cast<int>(g.groups().size()); ++gi)
    add(Plan(g, "group:" + g.groups()[gi].id, "group", "Loss of every member of " + g.groups()[gi].id,
             FailureSet{{}, {}, {gi}}, 1.0, opt));
  for (const auto& pr : rep.fatal_pairs) {
    FailureSet f;
    AddToFailureSet(pr.a, f);
    AddToFailureSet(pr.b, f);
    std::string a = ElementName(g, pr.a), b = ElementName(g, pr.b);
    add(Plan(g, "pair:" + a + "+" + b, "pair", "Loss of " + a + " and " + b, f, 1.0, opt));
  }
  for (const auto& sc : scenarios) {
    auto f = ResolveFailureSet(g, sc.services, sc.zones);
    if (!f) continue;  // the loader validated the names
    add(Plan(g, "scenario:" + sc.id, "scenario", sc.name.empty() ? sc.id : sc.name, *f, sc.load_factor, opt));
  }
  return set;
}

const FallbackPlan* FallbackSet::Find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &plans_[it->second];
}

}  // namespace firebreak::graph
