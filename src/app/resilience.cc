#include "app/resilience.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "graph/cascade.h"
#include "graph/centrality.h"
#include "graph/contingency.h"
#include "graph/impact.h"
#include "graph/json.h"
#include "graph/render.h"
#include "graph/shedding.h"
#include "paging/oncall_query.h"

namespace firebreak::app {

namespace json = boost::json;
using core::ObjectReader;

namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

const json::value& OrEmpty(const json::value& v) {
  static const json::value kEmpty = json::object{};
  return v.is_null() ? kEmpty : v;
}

// {"services", "zones", "groups"} into a FailureSet (names checked against the graph).
Result<graph::FailureSet> DecodeLoss(ObjectReader& r, const graph::Graph& g, bool require_something) {
  auto services = r.StringArray("services").value_or(std::vector<std::string>{});
  auto zones = r.StringArray("zones").value_or(std::vector<std::string>{});
  auto groups = r.StringArray("groups").value_or(std::vector<std::string>{});
  FB_TRY(r.status());
  if (require_something && services.empty() && zones.empty() && groups.empty())
    return InvalidArgument("name at least one lost service, zone or group", "services");
  for (const auto* list : {&services, &zones, &groups})
    if (list->size() > 10000) return InvalidArgument("too many names (at most 10000)", "services");
  return graph::ResolveFailureSet(g, services, zones, groups);
}

Result<int64_t> IntIn(ObjectReader& r, std::string_view key, int64_t lo, int64_t hi, int64_t def) {
  auto v = r.Int(key);
  FB_TRY(r.status());
  if (!v) return def;
  if (*v < lo || *v > hi)
    return InvalidArgument(std::string(key) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi),
                           std::string(key));
  return *v;
}

Result<double> NumIn(ObjectReader& r, std::string_view key, double lo, double hi, double def) {
  auto v = r.Number(key);
  FB_TRY(r.status());
  if (!v) return def;
  if (!(*v >= lo && *v <= hi))
    return InvalidArgument(std::string(key) + " must be between " + Num(lo) + " and " +
                               Num(hi),
                           std::string(key));
  return *v;
}

// The cascade scenario shared by cascade and shedding requests.
Result<graph::CascadeScenario> DecodeScenario(ObjectReader& r, const graph::Graph& g) {
  graph::CascadeScenario sc;
  FB_ASSIGN_OR_RETURN(sc.lost, DecodeLoss(r, g, false));
  FB_ASSIGN_OR_RETURN(sc.load_factor, NumIn(r, "load_factor", 0.0001, 100, 1.0));
  if (const auto* cl = r.Object("capacity_loss")) {
    for (const auto& kv : *cl) {
      std::string field = "capacity_loss." + std::string(kv.key());
      auto v = g.Find(kv.key());
      if (!v) return InvalidArgument("unknown service '" + core::Truncate(kv.key(), 64) + "'", field);
      if (!kv.value().is_number()) return InvalidArgument(field + " must be a number between 0 and 1", field);
      double share = kv.value().to_number<double>();
      if (!(share >= 0 && share <= 1)) return InvalidArgument(field + " must be between 0 and 1", field);
      sc.capacity_loss.emplace_back(*v, share);
    }
  }
  FB_TRY(r.status());
  return sc;
}

json::object LevelEntry(model::DefenseLevel l) { return {{"level", model::DefenseLevelName(l)}}; }

}  // namespace

Resilience::Resilience(ConfigSource config, const core::Clock& clock, OpenIncidents open_incidents)
    : config_(std::move(config)), clock_(clock), open_incidents_(std::move(open_incidents)) {}

Resilience::~Resilience() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Resilience::StartPrecompute() {
  {
    std::lock_guard lk(mu_);
    if (worker_.joinable()) return;
    dirty_ = true;
  }
  worker_ = std::thread([this] { Worker(); });
}

std::shared_ptr<const Resilience::Snapshot> Resilience::Current() const {
  auto cfg = config_();
  std::lock_guard lk(mu_);
  if (snapshot_ && snapshot_->config == cfg) return snapshot_;
  auto snap = std::make_shared<Snapshot>(Snapshot{cfg, graph::Graph::FromConfig(*cfg),
                                                  graph::Thresholds::From(cfg->settings)});
  snapshot_ = snap;
  dirty_ = true;
  cv_.notify_all();
  return snap;
}

void Resilience::Worker() {
  std::unique_lock lk(mu_);
  while (!stop_) {
    cv_.wait(lk, [&] { return stop_ || dirty_; });
    if (stop_) break;
    dirty_ = false;
    lk.unlock();
    auto snap = Current();
    PlansFor(snap);
    lk.lock();
  }
}

std::shared_ptr<const Resilience::Plans> Resilience::PlansFor(const std::shared_ptr<const Snapshot>& snap) {
  {
    std::lock_guard lk(mu_);
    if (plans_ && plans_->for_snapshot == snap) return plans_;
  }
  graph::FallbackOptions fo;
  fo.thresholds = snap->thresholds;
  fo.shed_target = snap->thresholds.orange;
  auto plans = std::make_shared<Plans>(Plans{snap, graph::FallbackSet::Compute(snap->graph, snap->config->scenarios, fo),
                                             clock_.Now()});
  std::lock_guard lk(mu_);
  // Keep the newest snapshot's plans if another thread got there first.
  if (!plans_ || plans_->for_snapshot != snapshot_) plans_ = plans;
  return plans->for_snapshot == snap ? std::shared_ptr<const Plans>(plans) : plans_;
}

Result<json::object> Resilience::Graph(const model::Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto snap = Current();
  return graph::GraphToJson(snap->graph);
}

Result<json::object> Resilience::CalculateBlastRadius(const model::Principal& who, const json::value& req) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto snap = Current();
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"services", "zones", "groups"});
  FB_ASSIGN_OR_RETURN(auto lost, DecodeLoss(r, snap->graph, true));
  auto br = graph::ComputeBlastRadius(snap->graph, lost);
  auto out = graph::ToJson(snap->graph, br);
  out["lost"] = graph::ToJson(snap->graph, lost);
  return out;
}

Result<json::object> Resilience::AnalyzeHubCentrality(const model::Principal& who, const json::value& req) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto snap = Current();
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"limit", "weighted"});
  FB_ASSIGN_OR_RETURN(auto limit, IntIn(r, "limit", 0, 1'000'000, 20));
  auto weighted = r.Bool("weighted").value_or(true);
  FB_TRY(r.status());
  graph::SpofOptions so;
  so.weighted = weighted;
  so.limit = static_cast<size_t>(limit);
  auto ranked = graph::RankSinglePointsOfFailure(snap->graph, so);
  json::array arr;
  for (const auto& e : ranked) arr.push_back(graph::ToJson(snap->graph, e));
  const double n = snap->graph.size();
  return json::object{{"services", arr},
                      {"count", snap->graph.size()},
                      {"normalizer", n > 2 ? (n - 1) * (n - 2) : 1.0},
                      {"note", "betweenness counts, over ordered pairs of services, the share of shortest "
                               "dependency paths through each service (divide by normalizer for 0..1)"}};
}

Result<json::object> Resilience::RunContingencyAnalysis(const model::Principal& who, const json::value& req) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto snap = Current();
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"depth", "kinds", "limit", "capacity"});
  FB_ASSIGN_OR_RETURN(auto depth, IntIn(r, "depth", 1, 2, 2));
  auto capacity = r.Bool("capacity");
  FB_ASSIGN_OR_RETURN(auto limit, IntIn(r, "limit", 0, 1'000'000, 50));
  auto kinds = r.StringArray("kinds");
  FB_TRY(r.status());
  graph::ContingencyOptions co;
  co.pairs = depth == 2;
  co.limit = static_cast<size_t>(limit);
  // Capacity-aware N-1 (a cascade per element) by default where it stays quick.
  co.cascade = capacity.value_or(snap->graph.size() <= 5000);
  co.thresholds = snap->thresholds;
  if (kinds) {
    co.services = co.zones = co.groups = false;
    for (size_t i = 0; i < kinds->size(); ++i) {
      const auto& k = (*kinds)[i];
      if (k == "services" || k == "service") co.services = true;
      else if (k == "zones" || k == "zone") co.zones = true;
      else if (k == "groups" || k == "group") co.groups = true;
      else
        return InvalidArgument("unknown kind '" + core::Truncate(k, 64) + "' (services, zones, groups)",
                               "kinds[" + std::to_string(i) + "]");
    }
  }
  auto rep = graph::RunContingency(snap->graph, co);
  auto out = graph::ToJson(snap->graph, rep);
  if (depth == 1) out.erase("n2");
  out["depth"] = depth;
  out["capacity"] = co.cascade;
  return out;
}

Result<json::object> Resilience::SimulateCascade(const model::Principal& who, const json::value& req) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto snap = Current();
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"services", "zones", "groups", "capacity_loss", "load_factor"});
  FB_ASSIGN_OR_RETURN(auto sc, DecodeScenario(r, snap->graph));
  auto res = graph::SimulateCascade(snap->graph, sc, snap->thresholds);
  auto out = graph::ToJson(snap->graph, res, snap->thresholds);
  out["lost"] = graph::ToJson(snap->graph, sc.lost);
  out["load_factor"] = sc.load_factor;
  return out;
}

Result<json::object> Resilience::SimulateLoadShedding(const model::Principal& who, const json::value& req) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto snap = Current();
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"services", "zones", "groups", "capacity_loss", "load_factor", "target", "protect_tier"});
  FB_ASSIGN_OR_RETURN(auto sc, DecodeScenario(r, snap->graph));
  graph::ShedOptions so;
  FB_ASSIGN_OR_RETURN(so.target, NumIn(r, "target", 0.01, 1.5, snap->thresholds.orange));
  FB_ASSIGN_OR_RETURN(auto protect, IntIn(r, "protect_tier", -1, 4, 0));
  so.protect_tier = static_cast<int>(protect);
  auto plan = graph::PlanShedding(snap->graph, sc, so);
  auto out = graph::ToJson(snap->graph, plan);
  out["lost"] = graph::ToJson(snap->graph, sc.lost);
  out["load_factor"] = sc.load_factor;
  out["protect_tier"] = so.protect_tier;
  return out;
}

Result<json::object> Resilience::CheckUtilizationThreshold(const model::Principal& who, const json::value& req) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto snap = Current();
  const auto& g = snap->graph;
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"services", "load_rps", "samples"});
  auto names = r.StringArray("services");
  const json::object* loads = r.Object("load_rps");
  const json::object* samples = r.Object("samples");
  FB_TRY(r.status());
  std::vector<int> which;
  if (names) {
    for (size_t i = 0; i < names->size(); ++i) {
      auto v = g.Find((*names)[i]);
      if (!v)
        return InvalidArgument("unknown service '" + core::Truncate((*names)[i], 64) + "'",
                               "services[" + std::to_string(i) + "]");
      which.push_back(*v);
    }
  } else {
    for (int v = 0; v < g.size(); ++v) which.push_back(v);
  }
  std::vector<double> load(g.size(), -1.0);
  if (loads) {
    for (const auto& kv : *loads) {
      std::string field = "load_rps." + std::string(kv.key());
      auto v = g.Find(kv.key());
      if (!v) return InvalidArgument("unknown service '" + core::Truncate(kv.key(), 64) + "'", field);
      if (!kv.value().is_number() || !(kv.value().to_number<double>() >= 0))
        return InvalidArgument(field + " must be a number >= 0", field);
      load[*v] = kv.value().to_number<double>();
      if (std::find(which.begin(), which.end(), *v) == which.end()) which.push_back(*v);
    }
  }
  std::vector<std::vector<graph::Sample>> series(g.size());
  if (samples) {
    for (const auto& kv : *samples) {
      std::string field = "samples." + std::string(kv.key());
      auto v = g.Find(kv.key());
      if (!v) return InvalidArgument("unknown service '" + core::Truncate(kv.key(), 64) + "'", field);
      if (!kv.value().is_array()) return InvalidArgument(field + " must be a list of samples", field);
      const auto& arr = kv.value().get_array();
      if (arr.size() > 100000) return InvalidArgument(field + ": at most 100000 samples", field);
      for (size_t i = 0; i < arr.size(); ++i) {
        ObjectReader sr(arr[i], field + "[" + std::to_string(i) + "]");
        sr.RejectUnknown({"time", "utilization", "load_rps"});
        auto t = sr.String("time", true);
        auto u = sr.Number("utilization");
        auto l = sr.Number("load_rps");
        FB_TRY(sr.status());
        auto tp = core::ParseRfc3339(*t);
        if (!tp) return InvalidArgument(tp.error().message, sr.PathOf("time"));
        double value;
        if (u) {
          value = *u;
        } else if (l) {
          if (!g.node(*v).HasCapacity())
            return InvalidArgument("load_rps samples need the service's capacity in the config", sr.PathOf("load_rps"));
          value = *l / g.node(*v).Capacity();
        } else {
          return InvalidArgument("a sample needs utilization or load_rps", sr.PathOf("utilization"));
        }
        series[*v].push_back({std::chrono::duration<double>(tp->time_since_epoch()).count(), value});
      }
      if (std::find(which.begin(), which.end(), *v) == which.end()) which.push_back(*v);
    }
  }
  json::array out;
  auto worst = model::DefenseLevel::kGreen;
  std::string worst_service;
  for (int v : which) {
    auto u = graph::AnalyzeUtilization(g, v, snap->thresholds, load[v]);
    json::object o = graph::ToJson(g, u);
    if (!series[v].empty()) {
      auto tr = graph::FitTrend(series[v]);
      if (!tr) return InvalidArgument(tr.error().message, "samples." + g.node(v).id);
      o["trend"] = graph::ToJson(*tr, snap->thresholds);
      // The level follows the newest fitted value when a trend is given.
      o["level_from_trend"] = model::DefenseLevelName(graph::LevelFor(tr->fitted_now, snap->thresholds));
    }
    if (u.known) {
      o["threshold_exceeded"] = u.level != model::DefenseLevel::kGreen;
      if (worst_service.empty() || u.level > worst) {
        worst = u.level;
        worst_service = g.node(v).id;
      }
    }
    out.push_back(std::move(o));
  }
  const auto& t = snap->thresholds;
  return json::object{{"services", out},
                      {"worst_level", model::DefenseLevelName(worst)},
                      {"worst_service", worst_service.empty() ? json::value(nullptr) : json::value(worst_service)},
                      {"thresholds", json::object{{"YELLOW", t.yellow}, {"ORANGE", t.orange}, {"RED", t.red},
                                                  {"BLACK", t.black}}}};
}

Result<json::object> Resilience::GetDefenseLevel(const model::Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto snap = Current();
  const auto& g = snap->graph;
  auto level = model::DefenseLevel::kGreen;
  json::object components;
  // The reason: what sets the level (the first component to reach it, in this order).
  std::string reason = "no open incident above SEV4, utilization under the thresholds, on-call covered";
  auto reason_level = model::DefenseLevel::kGreen;
  auto raise = [&](model::DefenseLevel l, std::string why) {
    if (l <= reason_level) return;
    reason_level = l;
    reason = std::move(why);
  };
  // Open incidents.
  if (open_incidents_) {
    FB_ASSIGN_OR_RETURN(auto open, open_incidents_());
    auto inc_level = model::DefenseLevel::kGreen;
    json::array list;
    const model::Incident* first = nullptr;  // the first open incident at inc_level
    size_t at_level = 0;                     // how many are at it
    for (const auto& i : open) {
      auto l = model::DefenseLevelOf(i.severity);
      if (!first || l > inc_level) {
        first = &i;
        at_level = 0;
      }
      at_level += l == model::DefenseLevelOf(first->severity);
      inc_level = model::Worst(inc_level, l);
      list.push_back(json::object{{"id", i.id}, {"severity", model::SeverityName(i.severity)},
                                  {"level", model::DefenseLevelName(l)}});
    }
    json::object c = LevelEntry(inc_level);
    c["open"] = list;
    components["incidents"] = c;
    level = model::Worst(level, inc_level);
    if (inc_level > model::DefenseLevel::kGreen)
      raise(inc_level, "open " + std::string(model::SeverityName(first->severity)) + " incident " + first->id +
                           (at_level > 1 ? " (and " + std::to_string(at_level - 1) + " more)" : ""));
  } else {
    components["incidents"] = json::object{{"level", nullptr}, {"status", "not_evaluated"},
                                           {"reason", "no incident store (offline analysis)"}};
  }
  // Utilization.
  auto util_level = model::DefenseLevel::kGreen;
  json::array hot;
  int hottest = -1;  // the most utilized service past a threshold
  double hottest_util = 0;
  for (int v = 0; v < g.size(); ++v) {
    auto u = graph::AnalyzeUtilization(g, v, snap->thresholds);
    if (!u.known || u.level == model::DefenseLevel::kGreen) continue;
    util_level = model::Worst(util_level, u.level);
    if (hottest < 0 || u.utilization > hottest_util) {
      hottest = v;
      hottest_util = u.utilization;
    }
    hot.push_back(json::object{{"service", g.node(v).id},
                               {"utilization", graph::Number(u.utilization)},
                               {"level", model::DefenseLevelName(u.level)}});
  }
  if (hottest >= 0) {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.0f%%", hottest_util * 100);
    raise(util_level, "utilization of " + g.node(hottest).id + " at " + pct);
  }
  json::object uc = LevelEntry(util_level);
  uc["services"] = hot;
  components["utilization"] = uc;
  level = model::Worst(level, util_level);
  // On-call coverage: policies that page nobody now, schedules uncovered within the look-ahead.
  const auto horizon = snap->config->settings.coverage_horizon;
  auto coverage = paging::AssessCoverage(*snap->config, clock_.Now(), horizon);
  components["coverage"] = paging::CoverageJson(coverage, horizon);
  level = model::Worst(level, coverage.level);
  if (!coverage.findings.empty()) raise(coverage.level, "on-call coverage: " + coverage.findings.front().detail);
  const auto& t = snap->thresholds;
  return json::object{{"level", model::DefenseLevelName(level)},
                      {"reason", reason},
                      {"components", components},
                      {"thresholds", json::object{{"YELLOW", t.yellow}, {"ORANGE", t.orange}, {"RED", t.red},
                                                  {"BLACK", t.black}}},
                      {"time", core::FormatRfc3339(clock_.Now())}};
}

std::optional<model::DefenseLevel> Resilience::ComponentLevel(const json::object& defense, std::string_view name) {
  const auto* components = defense.if_contains("components");
  if (!components || !components->is_object()) return std::nullopt;
  const auto* c = components->as_object().if_contains(name);
  if (!c || !c->is_object()) return std::nullopt;
  const auto* l = c->as_object().if_contains("level");
  if (!l || !l->is_string()) return std::nullopt;
  auto level = model::ParseDefenseLevel(l->get_string());
  if (!level) return std::nullopt;
  return *level;
}

Result<json::object> Resilience::GetStaticFallbacks(const model::Principal& who, const json::value& req) {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"name", "kind", "full"});
  auto name = r.String("name");
  auto kind = r.String("kind");
  bool full = r.Bool("full").value_or(false);
  FB_TRY(r.status());
  if (kind && *kind != "service" && *kind != "zone" && *kind != "group" && *kind != "pair" && *kind != "scenario")
    return InvalidArgument("kind must be service, zone, group, pair or scenario", "kind");
  auto snap = Current();
  auto plans = PlansFor(snap);
  json::object meta{{"fingerprint", plans->set.fingerprint()},
                    {"computed_at", core::FormatRfc3339(plans->computed_at)},
                    {"count", plans->set.plans().size()}};
  if (name) {
    const auto* p = plans->set.Find(*name);
    if (!p)
      return NotFound("no fallback plan named '" + core::Truncate(*name, 100) +
                          "' (list them with no name; names look like service:db, zone:eu-west-1a)",
                      "name");
    json::object out = p->plan;
    out["computed_at"] = meta["computed_at"];
    out["fingerprint"] = meta["fingerprint"];
    return out;
  }
  json::array list;
  for (const auto& p : plans->set.plans()) {
    if (kind && p.kind != *kind) continue;
    if (full) {
      list.push_back(p.plan);
      continue;
    }
    list.push_back(json::object{{"name", p.name},
                                {"kind", p.kind},
                                {"title", p.title},
                                {"suggested_severity", p.plan.at("suggested_severity")},
                                {"defense_level", p.plan.at("defense_level")},
                                {"actions", p.plan.at("actions").as_array().size()}});
  }
  meta["plans"] = list;
  return meta;
}

Result<RenderedGraph> Resilience::Render(const model::Principal& who, const json::value& req) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto snap = Current();
  ObjectReader r(OrEmpty(req), "");
  r.RejectUnknown({"format", "services", "zones", "groups", "impact_only", "title"});
  auto format = r.String("format").value_or("svg");
  bool impact_only = r.Bool("impact_only").value_or(false);
  auto title = r.String("title");
  FB_TRY(r.status());
  if (format != "dot" && format != "svg") return InvalidArgument("format must be dot or svg", "format");
  FB_ASSIGN_OR_RETURN(auto lost, DecodeLoss(r, snap->graph, false));
  graph::RenderOptions ro;
  if (!lost.empty()) {
    auto br = graph::ComputeBlastRadius(snap->graph, lost);
    std::vector<std::string> names;
    for (int v : lost.services) names.push_back(snap->graph.node(v).id);
    for (int z : lost.zones) names.push_back("zone " + snap->graph.zones()[z]);
    for (int gi : lost.groups) names.push_back("group " + snap->graph.groups()[gi].id);
    ro = graph::Highlight(br, "Blast radius of " + core::Join(names, ", "));
  } else {
    ro.title = "Service graph";
  }
  if (title) ro.title = core::Truncate(*title, 200);
  ro.impact_only = impact_only;
  RenderedGraph out;
  if (format == "dot") {
    out.content_type = "text/vnd.graphviz; charset=utf-8";
    out.body = graph::ToDot(snap->graph, ro);
  } else {
    out.content_type = "image/svg+xml";
    out.body = graph::ToSvg(snap->graph, ro);
  }
  return out;
}

}  // namespace firebreak::app
