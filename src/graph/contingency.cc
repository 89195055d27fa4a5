#include "graph/contingency.h"

#include <algorithm>
#include <bit>
#include <unordered_map>

#include "graph/cascade.h"

namespace firebreak::graph {

std::string_view ElementKindName(ElementRef::Kind k) {
  switch (k) {
    case ElementRef::Kind::kService: return "service";
    case ElementRef::Kind::kZone: return "zone";
    case ElementRef::Kind::kGroup: return "group";
  }
  return "service";
}

std::string ElementName(const Graph& g, ElementRef e) {
  switch (e.kind) {
    case ElementRef::Kind::kService: return g.node(e.index).id;
    case ElementRef::Kind::kZone: return "zone:" + g.zones()[e.index];
    case ElementRef::Kind::kGroup: return "group:" + g.groups()[e.index].id;
  }
  return "";
}

void AddToFailureSet(ElementRef e, FailureSet& f) {
  switch (e.kind) {
    case ElementRef::Kind::kService: f.services.push_back(e.index); break;
    case ElementRef::Kind::kZone: f.zones.push_back(e.index); break;
    case ElementRef::Kind::kGroup: f.groups.push_back(e.index); break;
  }
}

namespace {

// What Summarize reads per failed service, packed together (the Node structs are large).
struct Facts {
  explicit Facts(const Graph& g) {
    for (const auto& v : g.nodes()) fact.push_back({v.load_rps, v.tier, v.customer_facing});
  }
  struct Fact {
    double load;
    int tier;
    bool cf;
  };
  std::vector<Fact> fact;
};

// Fills the outcome fields shared by singles and pairs from a finished propagation.
template <class Out>
void Summarize(const Facts& f, const Propagator& p, Out& out) {
  out.failed_cf.clear();
  out.failed_total = static_cast<int>(p.failed_list().size());
  int worst = -1;
  double lost = 0;
  for (int v : p.failed_list()) {
    const auto& x = f.fact[v];
    if (worst < 0 || x.tier < worst) worst = x.tier;
    if (x.cf) {
      out.failed_cf.push_back(v);
      lost += x.load;
    }
  }
  out.worst_tier = worst;
  out.cf_load_lost = lost;
  if (out.failed_cf.size() > 1) std::sort(out.failed_cf.begin(), out.failed_cf.end());
}

int TierKey(int t) { return t < 0 ? 1000 : t; }

// A group touched (some members failed, still serving) by one element's loss.
struct Touch {
  int element;
  uint64_t mask;                // failed members by position (groups of up to 64 members)
  std::vector<int> positions;   // the same, for larger groups
};

}  // namespace

SingleOutcome EvaluateLoss(const Graph& g, const std::vector<ElementRef>& elements) {
  FailureSet f;
  for (const auto& e : elements) AddToFailureSet(e, f);
  Propagator p(g);
  p.Run(f);
  SingleOutcome out;
  if (!elements.empty()) out.element = elements.front();
  Summarize(Facts(g), p, out);
  return out;
}

ContingencyReport RunContingency(const Graph& g, const ContingencyOptions& opt) {
  ContingencyReport rep;
  std::vector<ElementRef> elems;
  if (opt.services)
    for (int v = 0; v < g.size(); ++v) elems.push_back({ElementRef::Kind::kService, v});
  if (opt.zones)
    for (int z = 0; z < static_cast<int>(g.zones().size()); ++z) elems.push_back({ElementRef::Kind::kZone, z});
  if (opt.groups)
    for (int gi = 0; gi < static_cast<int>(g.groups().size()); ++gi) elems.push_back({ElementRef::Kind::kGroup, gi});
  const size_t E = elems.size();
  rep.elements = E;
  rep.pairs_total = E < 2 ? 0 : static_cast<uint64_t>(E) * (E - 1) / 2;

  // N-1: one propagation per element; remember what each touches for N-2.
  const Facts facts(g);
  Propagator p(g);
  std::vector<SingleOutcome> singles(E);
  std::vector<std::vector<Touch>> touchers(g.groups().size());
  FailureSet f;
  for (size_t i = 0; i < E; ++i) {
    f.services.clear();
    f.zones.clear();
    f.groups.clear();
    AddToFailureSet(elems[i], f);
    p.Run(f);
    singles[i].element = elems[i];
    Summarize(facts, p, singles[i]);
    if (!opt.pairs) continue;
    for (int gi : p.touched_groups()) {
      if (p.group_lost(gi)) continue;
      const auto& members = g.groups()[gi].members;
      Touch t{static_cast<int>(i), 0, {}};
      for (size_t k = 0; k < members.size(); ++k) {
        if (!p.failed(members[k])) continue;
        if (k < 64) t.mask |= uint64_t{1} << k;
        t.positions.push_back(static_cast<int>(k));
      }
      touchers[gi].push_back(std::move(t));
    }
  }
  std::vector<int> fatal;
  for (size_t i = 0; i < E; ++i)
    if (!singles[i].failed_cf.empty()) fatal.push_back(static_cast<int>(i));
  const size_t fatal_count = fatal.size();
  rep.fatal_singles_total = fatal_count;
  // Names for the final tie-break, computed once (sorting thousands of outcomes).
  std::vector<std::string> svc_names, zone_names, group_names;
  for (const auto& v : g.nodes()) svc_names.push_back(v.id);
  for (const auto& z : g.zones()) zone_names.push_back("zone:" + z);
  for (const auto& gr : g.groups()) group_names.push_back("group:" + gr.id);
  auto name_of = [&](ElementRef e) -> const std::string& {
    switch (e.kind) {
      case ElementRef::Kind::kZone: return zone_names[e.index];
      case ElementRef::Kind::kGroup: return group_names[e.index];
      case ElementRef::Kind::kService: break;
    }
    return svc_names[e.index];
  };
  auto single_less = [&](const SingleOutcome& a, const SingleOutcome& b) {
    if (a.failed_cf.size() != b.failed_cf.size()) return a.failed_cf.size() > b.failed_cf.size();
    if (TierKey(a.worst_tier) != TierKey(b.worst_tier)) return TierKey(a.worst_tier) < TierKey(b.worst_tier);
    if (a.cf_load_lost != b.cf_load_lost) return a.cf_load_lost > b.cf_load_lost;
    if (a.failed_total != b.failed_total) return a.failed_total > b.failed_total;
    return name_of(a.element) < name_of(b.element);
  };
  std::sort(fatal.begin(), fatal.end(), [&](int a, int b) { return single_less(singles[a], singles[b]); });
  if (opt.limit && fatal.size() > opt.limit) fatal.resize(opt.limit);
  rep.fatal_singles.reserve(fatal.size());
  // N-2 and the cascade pass still read the singles; otherwise they can be moved out.
  const bool keep_singles = opt.pairs || opt.cascade;
  for (int i : fatal) rep.fatal_singles.push_back(keep_singles ? singles[i] : std::move(singles[i]));
  rep.cascade = opt.cascade;
  if (opt.cascade) {
    for (size_t i = 0; i < E; ++i) {
      CascadeScenario sc;
      AddToFailureSet(elems[i], sc.lost);
      auto cas = SimulateCascade(g, sc, opt.thresholds);
      if (cas.customer_facing_failed.size() <= singles[i].failed_cf.size()) continue;
      SingleOutcome o;
      o.element = elems[i];
      o.failed_cf = cas.customer_facing_failed;
      o.failed_total = cas.failed_total;
      for (int v = 0; v < g.size(); ++v) {
        if (cas.health[v] != Health::kFailed) continue;
        if (o.worst_tier < 0 || g.node(v).tier < o.worst_tier) o.worst_tier = g.node(v).tier;
      }
      for (int v : o.failed_cf) o.cf_load_lost += g.node(v).load_rps;
      rep.cascade_fatal.push_back(std::move(o));
    }
    rep.cascade_fatal_total = rep.cascade_fatal.size();
    std::sort(rep.cascade_fatal.begin(), rep.cascade_fatal.end(), single_less);
    if (opt.limit && rep.cascade_fatal.size() > opt.limit) rep.cascade_fatal.resize(opt.limit);
  }
  {
    uint64_t rest = E - fatal_count;
    rep.pairs_with_fatal_single = rep.pairs_total - (rest < 2 ? 0 : rest * (rest - 1) / 2);
  }
  if (!opt.pairs || E < 2) return rep;

  // N-2 candidates: pairs that together bring a group they both touch below min_healthy.
  std::vector<uint64_t> candidates;
  auto is_zone = [&](int i) { return elems[i].kind == ElementRef::Kind::kZone; };
  auto emit = [&](int a, int b) {
    if (a == b) return;
    if (is_zone(a) && is_zone(b)) return;  // every zone pair is evaluated below
    if (a > b) std::swap(a, b);
    candidates.push_back((static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b));
  };
  for (size_t gi = 0; gi < touchers.size(); ++gi) {
    const auto& list = touchers[gi];
    if (list.size() < 2) continue;
    const auto& grp = g.groups()[gi];
    const int size = static_cast<int>(grp.members.size());
    const int lost_at = size - grp.min_healthy + 1;  // failed members that stop the group
    if (size <= 64) {
      std::unordered_map<uint64_t, std::vector<int>> by_mask;
      for (const auto& t : list) by_mask[t.mask].push_back(t.element);
      std::vector<std::pair<uint64_t, const std::vector<int>*>> buckets;
      for (const auto& [m, v] : by_mask) buckets.emplace_back(m, &v);
      for (size_t x = 0; x < buckets.size(); ++x) {
        for (size_t y = x; y < buckets.size(); ++y) {
          if (std::popcount(buckets[x].first | buckets[y].first) < lost_at) continue;
          const auto& bx = *buckets[x].second;
          const auto& by = *buckets[y].second;
          for (size_t i = 0; i < bx.size(); ++i)
            for (size_t j = (x == y ? i + 1 : 0); j < by.size(); ++j) emit(bx[i], by[j]);
        }
      }
    } else {
      for (size_t x = 0; x < list.size(); ++x) {
        for (size_t y = x + 1; y < list.size(); ++y) {
          std::vector<int> u;
          std::set_union(list[x].positions.begin(), list[x].positions.end(), list[y].positions.begin(),
                         list[y].positions.end(), std::back_inserter(u));
          if (static_cast<int>(u.size()) >= lost_at) emit(list[x].element, list[y].element);
        }
      }
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<int> zone_elems;
  for (size_t i = 0; i < E; ++i)
    if (is_zone(static_cast<int>(i))) zone_elems.push_back(static_cast<int>(i));
  for (size_t x = 0; x < zone_elems.size(); ++x)
    for (size_t y = x + 1; y < zone_elems.size(); ++y)
      candidates.push_back((static_cast<uint64_t>(zone_elems[x]) << 32) | static_cast<uint32_t>(zone_elems[y]));

  std::vector<int> known;
  for (uint64_t key : candidates) {
    const int a = static_cast<int>(key >> 32), b = static_cast<int>(key & 0xffffffffu);
    f.services.clear();
    f.zones.clear();
    f.groups.clear();
    AddToFailureSet(elems[a], f);
    AddToFailureSet(elems[b], f);
    p.Run(f);
    ++rep.pairs_evaluated;
    PairOutcome po;
    po.a = elems[a];
    po.b = elems[b];
    Summarize(facts, p, po);
    known.clear();
    std::set_union(singles[a].failed_cf.begin(), singles[a].failed_cf.end(), singles[b].failed_cf.begin(),
                   singles[b].failed_cf.end(), std::back_inserter(known));
    std::set_difference(po.failed_cf.begin(), po.failed_cf.end(), known.begin(), known.end(),
                        std::back_inserter(po.new_failed_cf));
    if (!po.new_failed_cf.empty()) rep.fatal_pairs.push_back(std::move(po));
  }
  rep.fatal_pairs_total = rep.fatal_pairs.size();
  auto pair_less = [&](const PairOutcome& a, const PairOutcome& b) {
    if (a.failed_cf.size() != b.failed_cf.size()) return a.failed_cf.size() > b.failed_cf.size();
    if (a.new_failed_cf.size() != b.new_failed_cf.size()) return a.new_failed_cf.size() > b.new_failed_cf.size();
    if (TierKey(a.worst_tier) != TierKey(b.worst_tier)) return TierKey(a.worst_tier) < TierKey(b.worst_tier);
    if (a.cf_load_lost != b.cf_load_lost) return a.cf_load_lost > b.cf_load_lost;
    if (a.failed_total != b.failed_total) return a.failed_total > b.failed_total;
    if (name_of(a.a) != name_of(b.a)) return name_of(a.a) < name_of(b.a);
    return name_of(a.b) < name_of(b.b);
  };
  if (opt.limit && rep.fatal_pairs.size() > opt.limit) {
    std::partial_sort(rep.fatal_pairs.begin(), rep.fatal_pairs.begin() + static_cast<long>(opt.limit),
                      rep.fatal_pairs.end(), pair_less);
    rep.fatal_pairs.resize(opt.limit);
  } else {
    std::sort(rep.fatal_pairs.begin(), rep.fatal_pairs.end(), pair_less);
  }
  return rep;
}

}  // namespace firebreak::graph
