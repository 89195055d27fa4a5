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
  explicit ServiceWalk(const Graph& g)
      : off_(g.hard_in_offsets().data()), callers_(g.hard_in_sources().data()) {
    const int n = g.size();
    node_.resize(n);
    group_.resize(n);
    cf_load_.resize(n);
    for (int v = 0; v < n; ++v) {
      const Node& x = g.node(v);
      if (x.tier < INT16_MIN || x.tier > INT16_MAX) usable_ = false;  // not from a valid config
      const bool member = x.group >= 0;
      // A member's failure stops at it while its group serves: its callers are not walked.
      const bool called = !member && off_[v + 1] > off_[v];
      const uint8_t flags = (x.customer_facing ? kCf : 0) | (member ? kMember : 0) | (called ? kCalled : 0);
      node_[v] = {0, static_cast<int16_t>(x.tier), flags, 0};
      group_[v] = x.group;
      cf_load_[v] = x.customer_facing ? x.load_rps : 0.0;
    }
    queue_.resize(n + 1);  // + 1: the walk writes one entry past the count
    found_.resize(n + 1);
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
      if (node_[v].flags & (kCf | kMember)) {
        relevant_[v] = 1;
        queue_[tail++] = v;
      }
    const int* const deps_off = g.hard_out_offsets().data();
    const int* const deps = g.hard_out_targets().data();
    for (int head = 0; head < tail; ++head) {
      const int c = queue_[head];
      for (int k = deps_off[c]; k < deps_off[c + 1]; ++k) {
        const int d = deps[k];
        if (relevant_[d] || (node_[d].flags & kMember)) continue;
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
  //
  // A service is accounted for when it is first reached rather than when it leaves the queue: with
  // a FIFO queue the two orders are the same, and a service nobody calls over the walk's edges
  // (a leaf, every group member) then never enters the queue at all.
  bool Walk(int v, std::vector<int>& cf, Single& out) {
    const uint32_t epoch = ++epoch_;
    touched_.clear();
    NodeRec* const node = node_.data();
    int* const queue = queue_.data();
    const int* const off = off_;
    const int* const callers = callers_;
    int* const found = found_.data();
    int tail = 0, failed = 0, nfound = 0, worst = INT_MAX;
    double lost = 0;
    const double* const cf_load = cf_load_.data();
    // Reaches u (the lost service, or a caller of a failed one): marks it failed; false when that
    // takes its redundancy group down. No branch on whether u had already failed, is
    // customer-facing or is walked on (each a coin toss per edge): an already failed service adds
    // nothing (its flags count as zero, its load as + 0.0: the same sum, in the same order) and
    // entries written past the counts are overwritten.
    auto reach = [&](int u) __attribute__((always_inline)) {
      NodeRec& x = node[u];
      const uint32_t fresh = x.seen != epoch;
      x.seen = epoch;
      const uint32_t flags = x.flags & (0u - fresh);
      failed += static_cast<int>(fresh);
      worst = std::min(worst, fresh ? static_cast<int>(x.tier) : INT_MAX);
      queue[tail] = u;
      tail += static_cast<int>((flags & kCalled) != 0);
      found[nfound] = u;
      nfound += static_cast<int>(flags & kCf);
      lost += std::bit_cast<double>(std::bit_cast<uint64_t>(cf_load[u]) & (uint64_t{0} - fresh));
      if ((flags & kMember) != 0) [[unlikely]]
        return CountMember(u, epoch);
      return true;
    };
    bool ok = reach(v);
    for (int head = 0; ok && head < tail; ++head) {
      const int u = queue[head];
      for (int k = off[u], end = off[u + 1]; k < end; ++k)
        if (!reach(callers[k])) {
          ok = false;
          break;
        }
    }
    if (!ok) return false;
    std::sort(found, found + nfound);
    out.cf_begin = static_cast<int>(cf.size());
    out.cf_count = nfound;
    out.failed_total = failed;
    out.worst_tier = worst;
    out.cf_load_lost = lost;
    cf.insert(cf.end(), found, found + nfound);
    return true;
  }

  // Counts a failed group member; false when its group is lost.
  bool CountMember(int u, uint32_t epoch) {
    const int gi = group_[u];
    if (gseen_[gi] != epoch) {
      gseen_[gi] = epoch;
      gcount_[gi] = 0;
      touched_.push_back(gi);
    }
    return ++gcount_[gi] < lost_at_[gi];
  }

  // After a successful Walk: the groups it failed members of (all still serving) and whether a
  // service failed.
  const std::vector<int>& touched_groups() const { return touched_; }
  bool failed(int v) const { return node_[v].seen == epoch_; }

 private:
  static constexpr uint8_t kCf = 1, kMember = 2, kCalled = 4;  // kCalled: has walk callers
  // What the walk reads and writes per service, in one place (one cache line holds eight).
  struct NodeRec {
    uint32_t seen;  // == epoch_: failed in the current walk
    int16_t tier;
    uint8_t flags;
    uint8_t unused;
  };
  bool usable_ = true;
  std::vector<NodeRec> node_;
  std::vector<int> group_;
  std::vector<double> cf_load_;  // load_rps of customer-facing services, 0 for the others
  const int* off_;  // the graph's hard callers (CSR); not walked from group members
  const int* callers_;
  std::vector<uint32_t> gseen_;
  std::vector<int> queue_, found_, gcount_, lost_at_, touched_;
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
  elems.reserve((opt.services ? g.size() : 0) + (opt.zones ? g.zones().size() : 0) +
                (opt.groups ? g.groups().size() : 0));
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
  std::optional<Facts> facts_store;  // only the propagated losses read these
  auto facts = [&]() -> const Facts& {
    if (!facts_store) facts_store.emplace(g);
    return *facts_store;
  };
  std::optional<Propagator> prop;
  auto propagator = [&]() -> Propagator& {
    if (!prop) prop.emplace(g);
    return *prop;
  };
  std::optional<ServiceWalk> walk;
  if (opt.services) {
    walk.emplace(g);
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
    Summarize(facts(), p, scratch);
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
  // Ranking the fatal losses: the order of CompareRank packed into unsigned keys compared as
  // integers (smaller ranks first), then the names' first 8 bytes (big-endian, so integer order is
  // byte order), so ties on the numbers rarely need the strings.
  struct RankEntry {
    uint64_t cf_tier;  // more customer-facing failures, then the lowest tier
    uint64_t load;     // more customer load lost
    uint64_t total;    // more failures in total
    uint64_t prefix;
    int element;
  };
  auto prefix_of = [](const std::string& s) {
    uint64_t p = 0;
    for (size_t k = 0; k < 8; ++k) p = (p << 8) | (k < s.size() ? static_cast<unsigned char>(s[k]) : 0u);
    return p;
  };
  // Doubles to integers of the same order (-0 and +0 tie, as they compare equal).
  auto ordered = [](double d) {
    const uint64_t b = std::bit_cast<uint64_t>(d + 0.0);
    return (b >> 63) != 0 ? ~b : b | (uint64_t{1} << 63);
  };
  std::vector<RankEntry> ranked;
  ranked.reserve(fatal.size());
  for (int i : fatal) {
    const Single& x = singles[i];
    const uint64_t tier = static_cast<uint32_t>(TierKey(x.worst_tier)) ^ 0x80000000u;
    ranked.push_back({(uint64_t{~static_cast<uint32_t>(x.cf_count)} << 32) | tier, ~ordered(x.cf_load_lost),
                      uint64_t{~static_cast<uint32_t>(x.failed_total)}, prefix_of(name_of(elems[i])), i});
  }
  auto fatal_less = [&](const RankEntry& x, const RankEntry& y) {
    if (x.cf_tier != y.cf_tier) return x.cf_tier < y.cf_tier;
    if (x.load != y.load) return x.load < y.load;
    if (x.total != y.total) return x.total < y.total;
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
    Summarize(facts(), p, po);
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
