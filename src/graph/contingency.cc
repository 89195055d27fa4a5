#include "graph/contingency.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdint>
#include <optional>
#include <span>
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

// What Summarize and the N-1 walk read per failed service, packed together (the Node structs are
// large).
struct Facts {
  explicit Facts(const Graph& g) {
    fact.reserve(g.nodes().size());
    for (const auto& v : g.nodes()) fact.push_back({v.load_rps, v.tier, v.group, v.customer_facing});
  }
  struct Fact {
    double load;
    int tier;
    int group;
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

// One element's single loss, stored flat (no allocation per loss): its customer-facing failures
// are cf[cf_begin, cf_begin + cf_count) of the pass's shared array, sorted.
struct Single {
  int cf_begin = 0;
  int cf_count = 0;
  int failed_total = 0;
  int worst_tier = -1;
  double cf_load_lost = 0;
};

// The ranking of fatal losses, worst first, up to the name tie-break: more customer-facing
// failures, then the lowest failed tier, more customer load lost, more failures in total.
// Negative: a ranks first; positive: b does; 0: tied.
int CompareRank(size_t cf_a, int tier_a, double load_a, int total_a, size_t cf_b, int tier_b, double load_b,
                int total_b) {
  if (cf_a != cf_b) return cf_a > cf_b ? -1 : 1;
  if (TierKey(tier_a) != TierKey(tier_b)) return TierKey(tier_a) < TierKey(tier_b) ? -1 : 1;
  if (load_a != load_b) return load_a > load_b ? -1 : 1;
  if (total_a != total_b) return total_a > total_b ? -1 : 1;
  return 0;
}

// N-1 over services without one full propagation per loss.
//
// While no redundancy group is lost, losing v fails exactly the services v reaches over the edges
// "d -> c, c calls d hard, d in no group": a failed group member stops the propagation (the
// survivors serve its callers), anything else makes its hard callers fail. A group is lost during
// the propagation of impact.h iff this walk reaches at least size - min_healthy + 1 of its members
// (before the first group loss the two coincide; the propagation is monotone), so the walk gives up
// there and the caller runs the exact Propagator for that loss. The walk visits services in the
// Propagator's order (FIFO queue, hard callers in CSR order), so failed_list order and with it the
// floating-point sum of lost load are identical.
//
// Only services that reach a customer-facing service or a group member can be fatal or touch a
// group; one reverse sweep from those finds them and the other losses are not walked at all.
class ServiceWalk {
 public:
  ServiceWalk(const Graph& g, const Facts& facts) : facts_(facts) {
    const int n = g.size();
    node_.resize(n);
    group_.resize(n);
    for (int v = 0; v < n; ++v) {
      const auto& x = facts.fact[v];
      if (x.tier < INT16_MIN || x.tier > INT16_MAX) usable_ = false;  // not from a valid config
      node_[v] = {0, static_cast<int16_t>(x.tier), static_cast<uint8_t>(x.cf), static_cast<uint8_t>(x.group >= 0)};
      group_[v] = x.group;
    }
    off_.assign(n + 1, 0);
    callers_.reserve(g.edge_count());
    for (int d = 0; d < n; ++d) {
      off_[d + 1] = off_[d];
      if (node_[d].member) continue;  // a member's failure stops at it while its group serves
      for (const Edge& e : g.Callers(d))
        if (e.kind == EdgeKind::kHard) {
          callers_.push_back(e.other);
          ++off_[d + 1];
        }
    }
    queue_.resize(n);
    const size_t groups = g.groups().size();
    lost_at_.resize(groups);
    for (size_t gi = 0; gi < groups; ++gi) {
      const auto& grp = g.groups()[gi];
      lost_at_[gi] = static_cast<int>(grp.members.size()) - grp.min_healthy + 1;
    }
    gseen_.assign(groups, 0);
    gcount_.assign(groups, 0);
    // Relevant: reaches a customer-facing service or a group member over the walk's edges.
    relevant_.assign(n, 0);
    int tail = 0;
    for (int v = 0; v < n; ++v)
      if (node_[v].cf || node_[v].member) {
        relevant_[v] = 1;
        queue_[tail++] = v;
      }
    for (int head = 0; head < tail; ++head) {
      const int c = queue_[head];
      for (const Edge& e : g.Deps(c)) {
        const int d = e.other;
        if (e.kind != EdgeKind::kHard || relevant_[d] || node_[d].member) continue;
        relevant_[d] = 1;
        queue_[tail++] = d;
      }
    }
  }

  // False when a tier does not fit the walk's compact records (the caller propagates instead).
  bool usable() const { return usable_; }
  bool relevant(int v) const { return relevant_[v] != 0; }

  // Walks the loss of v: appends its customer-facing failures (sorted) to `cf` and fills `out`.
  // False when the loss takes a redundancy group down (nothing usable is left in `cf` or `out`).
  bool Walk(int v, std::vector<int>& cf, Single& out) {
    const uint32_t epoch = ++epoch_;
    touched_.clear();
    const size_t cf_begin = cf.size();
    Node* const node = node_.data();
    int* const queue = queue_.data();
    const int* const off = off_.data();
    const int* const callers = callers_.data();
    int tail = 0, worst = INT_MAX;
    double lost = 0;
    node[v].seen = epoch;
    queue[tail++] = v;
    for (int head = 0; head < tail; ++head) {
      const int u = queue[head];
      const Node& x = node[u];
      worst = std::min(worst, static_cast<int>(x.tier));
      if (x.cf) {
        cf.push_back(u);
        lost += facts_.fact[u].load;
      }
      if (x.member) {
        const int gi = group_[u];
        if (gseen_[gi] != epoch) {
          gseen_[gi] = epoch;
          gcount_[gi] = 0;
          touched_.push_back(gi);
        }
        if (++gcount_[gi] >= lost_at_[gi]) {
          cf.resize(cf_begin);
          return false;
        }
      }
      for (int k = off[u], end = off[u + 1]; k < end; ++k) {
        const int c = callers[k];
        if (node[c].seen == epoch) continue;
        node[c].seen = epoch;
        queue[tail++] = c;
      }
    }
    out.cf_begin = static_cast<int>(cf_begin);
    out.cf_count = static_cast<int>(cf.size() - cf_begin);
    out.failed_total = tail;
    out.worst_tier = worst;
    out.cf_load_lost = lost;
    if (out.cf_count > 1) std::sort(cf.begin() + static_cast<long>(cf_begin), cf.end());
    return true;
  }

  // After a successful Walk: the groups it failed members of (all still serving) and whether a
  // service failed.
  const std::vector<int>& touched_groups() const { return touched_; }
  bool failed(int v) const { return node_[v].seen == epoch_; }

 private:
  // What the walk reads and writes per service, in one place (one cache line holds eight).
  struct Node {
    uint32_t seen;  // == epoch_: failed in the current walk
    int16_t tier;
    uint8_t cf;
    uint8_t member;  // in a redundancy group (group_[v])
  };
  const Facts& facts_;
  bool usable_ = true;
  std::vector<Node> node_;
  std::vector<int> group_;
  std::vector<int> off_, callers_;  // walk edges: hard callers of services in no group (CSR)
  std::vector<uint32_t> gseen_;
  std::vector<int> queue_, gcount_, lost_at_, touched_;
  std::vector<char> relevant_;
  uint32_t epoch_ = 0;
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

  // N-1: services by the walk above where it applies, everything else (zones, groups, service
  // losses that take a group down) by one propagation each; remember what each touches for N-2.
  const Facts facts(g);
  std::optional<Propagator> prop;
  auto propagator = [&]() -> Propagator& {
    if (!prop) prop.emplace(g);
    return *prop;
  };
  std::optional<ServiceWalk> walk;
  if (opt.services) {
    walk.emplace(g, facts);
    if (!walk->usable()) walk.reset();
  }
  std::vector<Single> singles(E);
  std::vector<int> cf_flat;
  std::vector<std::vector<Touch>> touchers(g.groups().size());
  FailureSet f;
  SingleOutcome scratch;
  auto add_touch = [&](size_t i, int gi, auto&& member_failed) {
    const auto& members = g.groups()[gi].members;
    Touch t{static_cast<int>(i), 0, {}};
    for (size_t k = 0; k < members.size(); ++k) {
      if (!member_failed(members[k])) continue;
      if (k < 64) t.mask |= uint64_t{1} << k;
      t.positions.push_back(static_cast<int>(k));
    }
    touchers[gi].push_back(std::move(t));
  };
  for (size_t i = 0; i < E; ++i) {
    if (walk && elems[i].kind == ElementRef::Kind::kService) {
      const int v = elems[i].index;
      // Not relevant: fails no customer-facing service and touches no group (nothing to record).
      if (!walk->relevant(v)) continue;
      if (walk->Walk(v, cf_flat, singles[i])) {
        if (opt.pairs)
          for (int gi : walk->touched_groups()) add_touch(i, gi, [&](int m) { return walk->failed(m); });
        continue;
      }
    }
    f.services.clear();
    f.zones.clear();
    f.groups.clear();
    AddToFailureSet(elems[i], f);
    Propagator& p = propagator();
    p.Run(f);
    Summarize(facts, p, scratch);
    Single& s = singles[i];
    s.cf_begin = static_cast<int>(cf_flat.size());
    s.cf_count = static_cast<int>(scratch.failed_cf.size());
    s.failed_total = scratch.failed_total;
    s.worst_tier = scratch.worst_tier;
    s.cf_load_lost = scratch.cf_load_lost;
    cf_flat.insert(cf_flat.end(), scratch.failed_cf.begin(), scratch.failed_cf.end());
    if (!opt.pairs) continue;
    for (int gi : p.touched_groups())
      if (!p.group_lost(gi)) add_touch(i, gi, [&](int m) { return p.failed(m); });
  }
  auto cf_of = [&](size_t i) {
    return std::span<const int>(cf_flat.data() + singles[i].cf_begin, static_cast<size_t>(singles[i].cf_count));
  };
  std::vector<int> fatal;
  for (size_t i = 0; i < E; ++i)
    if (singles[i].cf_count > 0) fatal.push_back(static_cast<int>(i));
  const size_t fatal_count = fatal.size();
  rep.fatal_singles_total = fatal_count;
  // Names for the final tie-break (services by reference; zones and groups are few).
  std::vector<std::string> zone_names, group_names;
  for (const auto& z : g.zones()) zone_names.push_back("zone:" + z);
  for (const auto& gr : g.groups()) group_names.push_back("group:" + gr.id);
  auto name_of = [&](ElementRef e) -> const std::string& {
    switch (e.kind) {
      case ElementRef::Kind::kZone: return zone_names[e.index];
      case ElementRef::Kind::kGroup: return group_names[e.index];
      case ElementRef::Kind::kService: break;
    }
    return g.node(e.index).id;
  };
  auto single_less = [&](const SingleOutcome& a, const SingleOutcome& b) {
    const int c = CompareRank(a.failed_cf.size(), a.worst_tier, a.cf_load_lost, a.failed_total, b.failed_cf.size(),
                              b.worst_tier, b.cf_load_lost, b.failed_total);
    if (c != 0) return c < 0;
    return name_of(a.element) < name_of(b.element);
  };
  // Ranking the fatal losses: contiguous keys with the names' first 8 bytes (big-endian, so
  // integer order is byte order), so ties on the numbers rarely need the strings.
  struct RankEntry {
    int cf;
    int tier;
    double load;
    int total;
    int element;
    uint64_t prefix;
  };
  auto prefix_of = [](const std::string& s) {
    uint64_t p = 0;
    for (size_t k = 0; k < 8; ++k) p = (p << 8) | (k < s.size() ? static_cast<unsigned char>(s[k]) : 0u);
    return p;
  };
  std::vector<RankEntry> ranked;
  ranked.reserve(fatal.size());
  for (int i : fatal) {
    const Single& x = singles[i];
    ranked.push_back({x.cf_count, x.worst_tier, x.cf_load_lost, x.failed_total, i, prefix_of(name_of(elems[i]))});
  }
  auto fatal_less = [&](const RankEntry& x, const RankEntry& y) {
    const int c = CompareRank(static_cast<size_t>(x.cf), x.tier, x.load, x.total, static_cast<size_t>(y.cf), y.tier,
                              y.load, y.total);
    if (c != 0) return c < 0;
    if (x.prefix != y.prefix) return x.prefix < y.prefix;
    const std::string &na = name_of(elems[x.element]), &nb = name_of(elems[y.element]);
    if (na != nb) return na < nb;
    return x.element < y.element;
  };
  if (opt.limit && ranked.size() > opt.limit) {
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<long>(opt.limit), ranked.end(), fatal_less);
    ranked.resize(opt.limit);
  } else {
    std::sort(ranked.begin(), ranked.end(), fatal_less);
  }
  fatal.resize(ranked.size());
  for (size_t r = 0; r < ranked.size(); ++r) fatal[r] = ranked[r].element;
  // Outcomes are built only for the reported losses.
  rep.fatal_singles.resize(fatal.size());
  for (size_t r = 0; r < fatal.size(); ++r) {
    const Single& s = singles[fatal[r]];
    SingleOutcome& o = rep.fatal_singles[r];
    o.element = elems[fatal[r]];
    const auto cf = cf_of(static_cast<size_t>(fatal[r]));
    o.failed_cf.assign(cf.begin(), cf.end());
    o.failed_total = s.failed_total;
    o.worst_tier = s.worst_tier;
    o.cf_load_lost = s.cf_load_lost;
  }
  rep.cascade = opt.cascade;
  if (opt.cascade) {
    for (size_t i = 0; i < E; ++i) {
      CascadeScenario sc;
      AddToFailureSet(elems[i], sc.lost);
      auto cas = SimulateCascade(g, sc, opt.thresholds);
      if (cas.customer_facing_failed.size() <= static_cast<size_t>(singles[i].cf_count)) continue;
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
    Propagator& p = propagator();
    p.Run(f);
    ++rep.pairs_evaluated;
    PairOutcome po;
    po.a = elems[a];
    po.b = elems[b];
    Summarize(facts, p, po);
    known.clear();
    const auto cf_a = cf_of(static_cast<size_t>(a)), cf_b = cf_of(static_cast<size_t>(b));
    std::set_union(cf_a.begin(), cf_a.end(), cf_b.begin(), cf_b.end(), std::back_inserter(known));
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
