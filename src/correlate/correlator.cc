#include "correlate/correlator.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>

#include <re2/re2.h>

#include "core/crypto.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::correlate {

using model::AlertStatus;
using model::IncidentState;
using model::JoinKind;

int64_t IncidentNumber(std::string_view id) {
  if (id.size() < 5 || std::memcmp(id.data(), "INC-", 4) != 0) return 0;
  // Digits by hand first: this runs for every new alert, and up to 18 digits cannot overflow.
  // Anything else (a sign, 19 digits) goes to from_chars, which decides as it always did.
  if (id.size() <= 22) {
    int64_t n = 0;
    size_t i = 4;
    for (; i < id.size(); ++i) {
      auto d = static_cast<unsigned>(id[i] - '0');
      if (d > 9) break;
      n = n * 10 + d;
    }
    if (i == id.size()) return n;
  }
  int64_t n = 0;
  auto r = std::from_chars(id.data() + 4, id.data() + id.size(), n);
  if (r.ec != std::errc() || r.ptr != id.data() + id.size()) return 0;
  return n;
}

std::string IncidentId(int64_t number) {
  char buf[24] = "INC-";
  auto r = std::to_chars(buf + 4, buf + sizeof buf, number);
  return std::string(buf, r.ptr);
}

namespace {
// Silences are numbered by their id: SIL-<n> is n; an inhibition INH-<alert>-<rule> (rule 1..1023)
// is -(alert * 1024 + rule).
constexpr int64_t kRulesPerAlert = 1024;
int64_t SilenceNumber(std::string_view id) {
  if (id.size() < 5) return 0;
  int64_t n = 0;
  const char* end = id.data() + id.size();
  if (id.substr(0, 4) == "SIL-") {
    auto r = std::from_chars(id.data() + 4, end, n);
    return r.ec == std::errc() && r.ptr == end ? n : 0;
  }
  if (id.substr(0, 4) != "INH-") return 0;
  int64_t rule = 0;
  auto r = std::from_chars(id.data() + 4, end, n);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != '-') return 0;
  auto r2 = std::from_chars(r.ptr + 1, end, rule);
  if (r2.ec != std::errc() || r2.ptr != end || rule < 1 || rule >= kRulesPerAlert || n <= 0) return 0;
  return -(n * kRulesPerAlert + rule);
}
std::string SilenceId(int64_t n) {
  if (n >= 0) return "SIL-" + std::to_string(n);
  return "INH-" + std::to_string(-n / kRulesPerAlert) + "-" + std::to_string(-n % kRulesPerAlert);
}
}  // namespace

uint64_t LabelsHash(const model::LabelSet& labels) {
  // In-memory change detection only (never stored), computed for every new episode: an inline
  // word-at-a-time hash over every string, lengths included so that label boundaries count
  // (std::hash, an out-of-line call per string, was an eighth of a new alert's instructions).
  uint64_t h = HashMix(0x9e3779b97f4a7c15ULL, labels.size());
  for (const auto& [k, v] : labels) h = HashBytes(HashBytes(h, k), v);
  return h ^ (h >> 33);
}

std::string_view KindName(Decision::Kind k) {
  switch (k) {
    case Decision::Kind::kNew: return "new";
    case Decision::Kind::kRepeat: return "repeat";
    case Decision::Kind::kAcknowledge: return "acknowledged";
    case Decision::Kind::kResolve: return "resolved";
    case Decision::Kind::kIgnore: return "ignored";
  }
  return "ignored";
}

// ---- compiled config ----------------------------------------------------------------------------

namespace {
struct LabelMatch {
  std::string name;
  std::string value;               // equality when re is null
  std::shared_ptr<const re2::RE2> re;  // "~regex": full match
  int slot = -1;                   // severity rules: index of `name` in Compiled::sev_label_names
  // Regex results by label value. Label values repeat (a few severities, alert names, jobs), and a
  // hash lookup costs a fraction of an RE2 match; capped so that unbounded values (instances, ids)
  // cannot grow it without limit.
  mutable std::unordered_map<std::string, bool> memo;
};

constexpr size_t kMaxMemo = 4096;
// Up to this many distinct label names in the severity rules, Evaluate scans an alert's labels
// once instead of looking each name up.
constexpr size_t kScanNames = 8;

std::vector<LabelMatch> CompileMatches(const std::map<std::string, std::string>& m) {
  std::vector<LabelMatch> out;
  for (const auto& [k, v] : m) {
    LabelMatch lm;
    lm.name = k;
    if (!v.empty() && v[0] == '~') {
      auto re = std::make_shared<re2::RE2>(v.substr(1), re2::RE2::Quiet);
      if (re->ok()) lm.re = std::move(re);
      else lm.value = v;  // the loader rejected it already; never matches a sane label
    } else {
      lm.value = v;
    }
    out.push_back(std::move(lm));
  }
  return out;
}

// For labels (a LabelSet) and annotations (a std::map) alike.
template <class Map>
const std::string& Lookup(const Map& labels, const std::string& name) {
  static const std::string kEmpty;
  auto it = labels.find(name);
  return it == labels.end() ? kEmpty : it->second;
}

bool Matches(const LabelMatch& m, const std::string& v) {
  if (!m.re) return v == m.value;
  if (auto it = m.memo.find(v); it != m.memo.end()) return it->second;
  bool ok = re2::RE2::FullMatch(v, *m.re);
  if (m.memo.size() < kMaxMemo) m.memo.emplace(v, ok);
  return ok;
}

template <class Map>
bool MatchesAll(const std::vector<LabelMatch>& ms, const Map& labels) {
  for (const auto& m : ms)
    if (!Matches(m, Lookup(labels, m.name))) return false;
  return true;
}
}  // namespace

struct Correlator::CompiledSilence {
  std::string id;
  int64_t number = 0;
  core::TimePoint starts_at{}, ends_at{};
  struct M {
    std::string name;
    model::Matcher::Op op;
    std::string value;
    std::shared_ptr<const re2::RE2> re;
  };
  std::vector<M> matchers;
  std::vector<M> unless;  // an alert matching all of these (if any) is not muted
};

struct Correlator::Compiled {
  struct Edge {
    int32_t to;
    bool soft;
  };
  struct Up {
    int32_t service;
    int dist;
    int32_t parent;  // the node before `service` on the path from the alert's service
    bool soft;       // some edge on the path is soft
  };
  // S -> everything S depends on (transitively), nearest first; `parent` leads back towards S.
  std::unordered_map<int32_t, std::vector<Up>> upstream;
  // S -> everything that depends on S (its blast radius), nearest first.
  std::unordered_map<int32_t, std::vector<Up>> downstream;
  struct SevRule {
    std::string name;
    std::vector<LabelMatch> labels, annotations;
    std::optional<int> max_tier;
    std::optional<bool> customer_facing;
    int min_affected = 0;
    model::Severity severity;
    std::vector<std::string> flags;
  };
  std::vector<SevRule> sev_rules;
  // The label names the severity rules' label matchers read, each once. Rules share names (the
  // example rules read `severity` four times), so Evaluate looks a name up in an alert's labels
  // the first time a rule needs it and reuses the value for later rules; a std::map lookup with
  // string compares over cold nodes was the largest cost of a new alert.
  std::vector<std::string> sev_label_names;
  mutable std::vector<const std::string*> sev_label_values;  // Evaluate's scratch, by slot
  mutable std::vector<int32_t> path;                         // Place's scratch: a join's path
  // Interned service id -> its definition (null for ids interned later: not in this config).
  std::vector<const model::Service*> service_defs;
  struct GroupRule {
    std::string name;
    std::vector<LabelMatch> labels;
    std::vector<std::string> services;
    std::vector<std::string> group_by;
    core::Millis window;
  };
  std::vector<GroupRule> group_rules;
};

Correlator::Correlator(std::shared_ptr<const config::Config> cfg) { SetConfig(std::move(cfg)); }
Correlator::~Correlator() = default;

void Correlator::SetConfig(std::shared_ptr<const config::Config> cfg) {
  cfg_ = std::move(cfg);
  auto c = std::make_unique<Compiled>();
  std::unordered_map<int32_t, std::vector<Compiled::Edge>> deps, callers;
  for (const auto& s : cfg_->services) {
    int32_t from = Intern(s.id);
    for (const auto& d : s.dependencies) {
      int32_t to = Intern(d.service);
      bool soft = d.kind == model::DependencyKind::kSoft;
      deps[from].push_back({to, soft});
      callers[to].push_back({from, soft});
    }
  }
  // Breadth-first from every service over the edges: nearest first; a soft edge only links direct
  // neighbours.
  auto closure = [](int32_t start, const std::unordered_map<int32_t, std::vector<Compiled::Edge>>& edges) {
    std::vector<Compiled::Up> out;
    std::unordered_map<int32_t, bool> seen{{start, true}};
    std::deque<std::pair<int32_t, std::pair<int, bool>>> q{{start, {0, false}}};
    while (!q.empty()) {
      auto [cur, info] = q.front();
      q.pop_front();
      // A soft dependency degrades its caller at most: it links direct neighbours only.
      if (info.second) continue;
      auto it = edges.find(cur);
      if (it == edges.end()) continue;
      for (const auto& e : it->second) {
        if (seen.count(e.to) || (e.soft && info.first > 0)) continue;
        seen[e.to] = true;
        bool soft = info.second || e.soft;
        out.push_back({e.to, info.first + 1, cur, soft});
        q.push_back({e.to, {info.first + 1, soft}});
      }
    }
    return out;
  };
  for (const auto& s : cfg_->services) {
    int32_t start = Intern(s.id);
    c->upstream[start] = closure(start, deps);
    c->downstream[start] = closure(start, callers);
  }
  for (const auto& r : cfg_->severity_rules) {
    Compiled::SevRule sr;
    sr.name = r.name;
    sr.labels = CompileMatches(r.match_labels);
    sr.annotations = CompileMatches(r.match_annotations);
    sr.max_tier = r.max_service_tier;
    sr.customer_facing = r.customer_facing;
    sr.min_affected = r.min_affected_services;
    sr.severity = r.severity;
    sr.flags = r.flags;
    for (auto& m : sr.labels) {
      auto& names = c->sev_label_names;
      m.slot = static_cast<int>(std::find(names.begin(), names.end(), m.name) - names.begin());
      if (m.slot == static_cast<int>(names.size())) names.push_back(m.name);
    }
    c->sev_rules.push_back(std::move(sr));
  }
  for (const auto& r : cfg_->grouping_rules) {
    Compiled::GroupRule gr;
    gr.name = r.name;
    gr.labels = CompileMatches(r.match_labels);
    gr.services = r.match_services;
    gr.group_by = r.group_by;
    gr.window = r.window.value_or(cfg_->settings.correlation_window);
    c->group_rules.push_back(std::move(gr));
  }
  c->service_defs.assign(services_.size(), nullptr);
  for (const auto& s : cfg_->services) {
    auto& def = c->service_defs[Intern(s.id)];
    if (!def) def = &s;  // as FindService: the first definition
  }
  compiled_ = std::move(c);
  index_dirty_ = true;
}

const Correlator::Bucket* Correlator::FindBucket(int32_t source) const {
  if (source < 0 || static_cast<size_t>(source) >= buckets_.size()) return nullptr;
  const auto& b = buckets_[static_cast<size_t>(source)];
  return b ? &*b : nullptr;
}

const std::string& Correlator::ServiceName(int32_t id) const {
  static const std::string kUnknown = "?";
  if (id < 0 || static_cast<size_t>(id) >= services_.size()) return kUnknown;
  return services_.Name(id);
}

// ---- journaled setters ---------------------------------------------------------------------------

void Correlator::SetIncident(int64_t number, std::optional<IncidentSlot> v) {
  auto it = incidents_.find(number);
  journal_.emplace_back(
      IncidentUndo{number, it == incidents_.end() ? std::nullopt : std::optional<IncidentSlot>(it->second)});
  if (v) incidents_[number] = std::move(*v);
  else if (it != incidents_.end()) incidents_.erase(it);
  index_dirty_ = true;
}

void Correlator::SetBucket(int32_t source, std::optional<Bucket> v) {
  if (buckets_.size() <= static_cast<size_t>(source)) buckets_.resize(static_cast<size_t>(source) + 1);
  auto& b = buckets_[static_cast<size_t>(source)];
  journal_.emplace_back(BucketUndo{source, b});
  b = v;
}

void Correlator::SetSilence(const std::string& id, std::shared_ptr<const CompiledSilence> v) {
  auto it = silences_.find(id);
  journal_.emplace_back(SilenceUndo{id, it == silences_.end() ? nullptr : it->second});
  if (v) silences_[id] = std::move(v);
  else if (it != silences_.end()) silences_.erase(it);
}

void Correlator::RollbackTo(size_t mark) {
  while (journal_.size() > mark) {
    Undo u = std::move(journal_.back());
    journal_.pop_back();
    std::visit(
        [this](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, AlertUndo>) {
            if (x.old) alerts_.At(x.node) = *x.old;
            else alerts_.EraseId(x.node);
          } else if constexpr (std::is_same_v<T, IncidentUndo>) {
            if (x.old) incidents_[x.number] = std::move(*x.old);
            else incidents_.erase(x.number);
            index_dirty_ = true;
          } else if constexpr (std::is_same_v<T, CountUndo>) {
            if (auto it = incidents_.find(x.number); it != incidents_.end()) {
              it->second.open_alerts = x.open_alerts;
              it->second.last_activity = x.last_activity;
            }
          } else if constexpr (std::is_same_v<T, BucketUndo>) {
            buckets_[static_cast<size_t>(x.source)] = x.old;
          } else {
            if (x.old) silences_[x.id] = x.old;
            else silences_.erase(x.id);
          }
        },
        u);
  }
}

// ---- indexes -------------------------------------------------------------------------------------

void Correlator::EnsureIndex() const {
  if (!index_dirty_) return;
  by_service_.clear();
  by_group_.clear();
  for (const auto& [n, inc] : incidents_) {
    if (inc.state == IncidentState::kClosed) continue;
    // A merged incident is reached only through its target (Place follows merged_into).
    if (!inc.merged_into) for (int32_t s : inc.services) by_service_[s].push_back(n);
    if (!inc.group_key.empty()) {
      auto [it, inserted] = by_group_.emplace(inc.group_key, n);
      if (!inserted && n > it->second) it->second = n;  // the latest incident of a group
    }
  }
  index_dirty_ = false;
}

bool Correlator::Accepts(const IncidentSlot& inc, core::TimePoint now, core::Millis window) const {
  switch (inc.state) {
    case IncidentState::kTriggered:
    case IncidentState::kAcknowledged:
      return inc.open_alerts > 0 || now - inc.last_activity <= window;
    case IncidentState::kMitigated:
      return inc.open_alerts > 0 || now - inc.state_at <= window;
    case IncidentState::kResolved:
      return now - inc.state_at <= window;
    case IncidentState::kClosed:
      return false;
  }
  return false;
}

// ---- severity rules ------------------------------------------------------------------------------

Triage Correlator::Evaluate(const model::LabelSet& labels,
                            const std::map<std::string, std::string>& annotations, const std::string& service,
                            size_t affected) const {
  return Evaluate(labels, annotations, cfg_->FindService(service), affected);
}

const model::Service* Correlator::ServiceDef(int32_t id) const {
  const auto& defs = compiled_->service_defs;
  return id >= 0 && static_cast<size_t>(id) < defs.size() ? defs[id] : nullptr;
}

Triage Correlator::Evaluate(const model::LabelSet& labels,
                            const std::map<std::string, std::string>& annotations, const model::Service* svc,
                            size_t affected) const {
  const auto& names = compiled_->sev_label_names;
  auto& values = compiled_->sev_label_values;
  if (names.size() <= kScanNames) {
    // Few names (the usual case): one pass over the labels, comparing lengths first, finds them
    // all for fewer string compares than a map lookup per name.
    static const std::string kAbsent;
    values.assign(names.size(), &kAbsent);
    for (const auto& [k, v] : labels)
      for (size_t i = 0; i < names.size(); ++i)
        if (k.size() == names[i].size() && k[0] == names[i][0] && k == names[i]) values[i] = &v;
  } else {
    values.assign(names.size(), nullptr);  // looked up when a rule first needs them
  }
  auto labels_match = [&](const std::vector<LabelMatch>& ms) {
    for (const auto& m : ms) {
      const std::string*& v = values[m.slot];
      if (!v) v = &Lookup(labels, m.name);
      if (!Matches(m, *v)) return false;
    }
    return true;
  };
  for (const auto& r : compiled_->sev_rules) {
    if (r.max_tier && (!svc || svc->tier > *r.max_tier)) continue;
    if (r.customer_facing && (!svc || svc->customer_facing != *r.customer_facing)) continue;
    if (static_cast<int>(affected) < r.min_affected) continue;
    if (!labels_match(r.labels)) continue;
    if (!MatchesAll(r.annotations, annotations)) continue;
    return Triage{r.severity, r.name, r.flags};
  }
  return Triage{cfg_->settings.default_severity, "", {}};
}

// ---- silences ------------------------------------------------------------------------------------

namespace {

// Compiles matchers for a silence; InvalidArgument naming `field[i]` for a bad regex.
template <class M>
Result<std::vector<M>> CompileMatchers(const std::vector<model::Matcher>& ms, const std::string& field) {
  std::vector<M> out;
  for (size_t i = 0; i < ms.size(); ++i) {
    const auto& m = ms[i];
    M cm{m.name, m.op, m.value, nullptr};
    if (m.op == model::Matcher::Op::kRegex || m.op == model::Matcher::Op::kNotRegex) {
      auto re = std::make_shared<re2::RE2>(m.value, re2::RE2::Quiet);
      if (!re->ok())
        return InvalidArgument("matcher '" + core::Truncate(model::ToString(m), 80) +
                                   "': invalid regular expression: " + re->error(),
                               field + "[" + std::to_string(i) + "]");
      cm.re = std::move(re);
    }
    out.push_back(std::move(cm));
  }
  return out;
}

}  // namespace

Status Correlator::AddSilence(const model::Silence& s) {
  auto cs = std::make_shared<CompiledSilence>();
  cs->id = s.id;
  cs->number = SilenceNumber(s.id);
  cs->starts_at = s.starts_at;
  cs->ends_at = s.expired_at ? std::min(s.ends_at, *s.expired_at) : s.ends_at;
  FB_ASSIGN_OR_RETURN(cs->matchers, CompileMatchers<CompiledSilence::M>(s.matchers, "matchers"));
  SetSilence(s.id, std::move(cs));
  return Ok();
}

std::vector<std::string> Correlator::InhibitionIds() const {
  std::vector<std::string> out;
  for (const auto& [id, s] : silences_)
    if (s && s->number < 0) out.push_back(id);
  return out;
}

std::string Correlator::InhibitionId(int64_t source_alert, int rule) {
  return "INH-" + std::to_string(source_alert) + "-" + std::to_string(rule);
}

Status Correlator::AddInhibition(int64_t source_alert, int rule, const std::vector<model::Matcher>& target,
                                 const std::vector<model::Matcher>& unless) {
  if (source_alert <= 0 || rule < 1 || rule >= kRulesPerAlert) return InvalidArgument("bad inhibition", "rule");
  auto cs = std::make_shared<CompiledSilence>();
  cs->id = InhibitionId(source_alert, rule);
  cs->number = SilenceNumber(cs->id);
  cs->starts_at = core::TimePoint::min();
  cs->ends_at = core::TimePoint::max();
  FB_ASSIGN_OR_RETURN(cs->matchers, CompileMatchers<CompiledSilence::M>(target, "target_matchers"));
  FB_ASSIGN_OR_RETURN(cs->unless, CompileMatchers<CompiledSilence::M>(unless, "source_matchers"));
  auto id = cs->id;
  SetSilence(id, std::move(cs));
  return Ok();
}

void Correlator::InhibitPlaced(const std::string& key, const std::string& silence_id) {
  const uint32_t node = alerts_.FindId(key);
  if (node == KeyIndex<AlertSlot>::kNone) return;
  AlertSlot& cur = alerts_.At(node);
  if (cur.silenced || cur.status == AlertStatus::kResolved) return;
  journal_.emplace_back(AlertUndo{node, cur});
  const int64_t incident = cur.incident;
  cur.silenced = true;
  cur.silence = SilenceNumber(silence_id);
  cur.incident = 0;
  if (auto it = incidents_.find(incident); incident && it != incidents_.end()) {
    journal_.emplace_back(CountUndo{incident, it->second.open_alerts, it->second.last_activity});
    it->second.open_alerts = std::max<int64_t>(0, it->second.open_alerts - 1);
  }
}

void Correlator::RemoveSilence(const std::string& id) {
  if (silences_.count(id)) SetSilence(id, nullptr);
}

const Correlator::CompiledSilence* Correlator::MatchSilence(const model::AlertEvent& e, const std::string& service,
                                                            core::TimePoint now, const std::string& except) const {
  auto all_match = [&](const std::vector<CompiledSilence::M>& ms) {
    for (const auto& m : ms) {
      const std::string* v = &Lookup(e.labels, m.name);
      if (v->empty() && m.name == "service") v = &service;
      bool ok;
      switch (m.op) {
        case model::Matcher::Op::kEqual: ok = *v == m.value; break;
        case model::Matcher::Op::kNotEqual: ok = *v != m.value; break;
        case model::Matcher::Op::kRegex: ok = re2::RE2::FullMatch(*v, *m.re); break;
        case model::Matcher::Op::kNotRegex: ok = !re2::RE2::FullMatch(*v, *m.re); break;
        default: ok = false;
      }
      if (!ok) return false;
    }
    return true;
  };
  for (const auto& [id, s] : silences_) {
    if (id == except || now < s->starts_at || now >= s->ends_at) continue;
    if (all_match(s->matchers) && (s->unless.empty() || !all_match(s->unless))) return s.get();
  }
  return nullptr;
}

std::vector<std::pair<std::string, int64_t>> Correlator::SilencedBy(const std::string& silence_id) const {
  int64_t n = SilenceNumber(silence_id);
  std::vector<std::pair<std::string, int64_t>> out;
  alerts_.ForEach([&](std::string_view key, const AlertSlot& a) {
    if (a.silenced && a.silence == n && a.status != AlertStatus::kResolved) out.emplace_back(std::string(key), a.id);
  });
  std::sort(out.begin(), out.end());
  return out;
}

// ---- decisions -----------------------------------------------------------------------------------

std::vector<core::TimePoint> Correlator::Changes(const AlertSlot* prev, core::TimePoint now) const {
  std::vector<core::TimePoint> out;
  out.reserve(prev ? prev->nchanges + 1u : 1u);
  auto window = cfg_->settings.flap_window;
  if (prev) {
    for (uint8_t i = 0; i < prev->nchanges; ++i) {
      core::TimePoint t = core::TimePoint(std::chrono::seconds(prev->changes[i]));
      if (now - t <= window) out.push_back(t);
    }
  }
  out.push_back(now);
  if (out.size() > 8) out.erase(out.begin(), out.begin() + static_cast<long>(out.size() - 8));
  return out;
}

Decision Correlator::Decide(const AlertInput& in, core::TimePoint now) const {
  const auto& e = *in.event;
  const AlertSlot* slot = alerts_.Find(in.key);
  const bool open = slot && slot->status != AlertStatus::kResolved;
  Decision d;
  auto fill_incident = [&] {
    if (!slot || !slot->incident) return static_cast<const IncidentSlot*>(nullptr);
    d.incident_id = IncidentId(slot->incident);
    auto inc = incidents_.find(slot->incident);
    if (inc == incidents_.end()) return static_cast<const IncidentSlot*>(nullptr);
    d.incident_state = inc->second.state;
    return &inc->second;
  };
  switch (e.action) {
    case model::AlertEvent::Action::kTrigger: {
      if (!open) return DecideNew(in, slot, now, "");
      d.kind = Decision::Kind::kRepeat;
      d.alert_id = slot->id;
      d.flapping = slot->flapping;
      const IncidentSlot* inc = fill_incident();
      if (!in.labels_are_key && LabelsHash(e.labels) != slot->labels_hash) {
        d.labels_changed = true;
        size_t affected = 1;
        if (inc) {
          int32_t svc = Intern(in.service);
          affected = inc->services.size() +
                     (std::binary_search(inc->services.begin(), inc->services.end(), svc) ? 0 : 1);
        }
        d.triage = Evaluate(e.labels, e.annotations, in.service, affected);
        if (inc && model::IsOpen(inc->state) && model::WorseThan(d.triage.severity, inc->severity))
          d.raise_severity = true;
      }
      return d;
    }
    case model::AlertEvent::Action::kAcknowledge: {
      if (!open) return d;  // kIgnore
      d.alert_id = slot->id;
      fill_incident();
      d.kind = slot->status == AlertStatus::kAcknowledged ? Decision::Kind::kIgnore : Decision::Kind::kAcknowledge;
      return d;
    }
    case model::AlertEvent::Action::kResolve: {
      if (!open) return d;  // kIgnore
      d.kind = Decision::Kind::kResolve;
      d.alert_id = slot->id;
      const IncidentSlot* inc = fill_incident();
      d.state_changes = Changes(slot, now);
      d.flapping = static_cast<int>(d.state_changes.size()) >= cfg_->settings.flap_changes;
      d.became_flapping = d.flapping && !slot->flapping;
      if (!slot->silenced && inc) d.last_open = inc->open_alerts <= 1;
      return d;
    }
  }
  return d;
}

Decision Correlator::DecideNew(const AlertInput& in, const AlertSlot* prev, core::TimePoint now,
                               const std::string& except_silence) const {
  const auto& e = *in.event;
  Decision d;
  d.kind = Decision::Kind::kNew;
  d.state_changes = Changes(prev, now);
  d.flapping = static_cast<int>(d.state_changes.size()) >= cfg_->settings.flap_changes;
  d.became_flapping = d.flapping && !(prev && prev->flapping);
  const int32_t svc = Intern(in.service);
  d.service_id = svc;
  const model::Service* def = ServiceDef(svc);
  if (const auto* s = MatchSilence(e, in.service, now, except_silence)) {
    d.join = JoinKind::kSilenced;
    d.silence_id = s->id;
    d.join_reason = s->number < 0 ? "inhibited by alert " + std::to_string(-s->number / kRulesPerAlert) + " (" + s->id + ")"
                                  : "silenced by " + s->id;
    d.triage = Evaluate(e.labels, e.annotations, def, 1);
    return d;
  }
  // Storm control: a token bucket per source over new episodes.
  const auto& st = cfg_->settings;
  d.source_id = SourceId(in.source);
  const Bucket* b = FindBucket(d.source_id);
  if (b && b->storming) {
    d.storm = true;
  } else {
    double tokens = static_cast<double>(st.storm_burst);
    if (b) {
      double secs = std::chrono::duration<double>(now - b->last).count();
      tokens = std::min(tokens, b->tokens + std::max(0.0, secs) * st.storm_rate);
    }
    if (tokens < 1.0) {
      d.storm = true;
      d.storm_started = true;
    }
  }
  if (const IncidentSlot* inc = Place(in, svc, prev, now, d)) {
    size_t affected = inc->services.size() + (d.add_service ? 1 : 0);
    d.triage = Evaluate(e.labels, e.annotations, def, affected);
    d.raise_severity = model::WorseThan(d.triage.severity, inc->severity);
    return d;
  }
  d.triage = Evaluate(e.labels, e.annotations, def, 1);
  return d;
}

const Correlator::IncidentSlot* Correlator::Place(const AlertInput& in, int32_t svc, const AlertSlot* prev,
                                                  core::TimePoint now, Decision& d) const {
  EnsureIndex();
  const auto& e = *in.event;
  const auto window = cfg_->settings.correlation_window;
  const IncidentSlot* joined = nullptr;
  auto join = [&](const IncidentSlot& inc, JoinKind k, std::string reason, const std::string& related) {
    joined = &inc;
    d.incident_id = IncidentId(inc.number);
    d.incident_state = inc.state;
    d.join = k;
    d.join_reason = std::move(reason);
    d.related_service = related;
    // A storm pages once: collapsed alerts never reopen; the storm's end reconciles states.
    d.reopen = (inc.state == IncidentState::kMitigated || inc.state == IncidentState::kResolved) && !d.flapping &&
               !d.storm;
    d.add_service = !std::binary_search(inc.services.begin(), inc.services.end(), svc);
  };
  // An incident merged into another stands for that one (followed along a chain of merges).
  auto find = [&](int64_t n) -> const IncidentSlot* {
    for (int hops = 0; hops < 64; ++hops) {
      auto it = incidents_.find(n);
      if (it == incidents_.end()) return nullptr;
      if (!it->second.merged_into) return &it->second;
      n = it->second.merged_into;
    }
    return nullptr;
  };
  // The most recently active accepting incident among `numbers`.
  auto best_of = [&](const std::vector<int64_t>& numbers, core::Millis w) -> const IncidentSlot* {
    const IncidentSlot* best = nullptr;
    for (int64_t n : numbers) {
      const auto* inc = find(n);
      if (!inc || !Accepts(*inc, now, w)) continue;
      if (!best || inc->last_activity > best->last_activity ||
          (inc->last_activity == best->last_activity && inc->number > best->number))
        best = inc;
    }
    return best;
  };

  // 1. An earlier episode of the same key: back to its incident. A flapping key goes back without
  //    reopening (it does not re-page).
  if (prev && prev->incident) {
    if (const auto* inc = find(prev->incident); inc && inc->state != IncidentState::kClosed) {
      if (d.flapping) {
        join(*inc, JoinKind::kSameKey, "same key, flapping (" + std::to_string(d.state_changes.size()) +
                                           " changes): not re-paged", "");
        d.reopen = false;
        return joined;
      }
      if (Accepts(*inc, now, window)) {
        join(*inc, JoinKind::kSameKey,
             inc->number == prev->incident
                 ? std::string("same key: it fired before in this incident")
                 : "same key: it fired before in " + IncidentId(prev->incident) + ", merged into this incident",
             "");
        return joined;
      }
    }
  }

  // 2. Grouping rules replace service-based grouping for the alerts they match.
  std::string open_group;
  std::string open_reason;
  for (const auto& r : compiled_->group_rules) {
    if (!r.services.empty() && std::find(r.services.begin(), r.services.end(), in.service) == r.services.end())
      continue;
    if (!MatchesAll(r.labels, e.labels)) continue;
    std::string values;
    for (const auto& l : r.group_by) {
      const std::string& v = l == "service" && !e.labels.count("service") ? in.service : Lookup(e.labels, l);
      if (!values.empty()) values += ",";
      values += l + "=" + v;
    }
    std::string gk = "rule:" + r.name + ":" + values;
    if (auto g = by_group_.find(gk); g != by_group_.end()) {
      if (const auto* inc = find(g->second); inc && Accepts(*inc, now, r.window)) {
        join(*inc, JoinKind::kRule, "grouping rule '" + r.name + "' (" + values + ")", "");
        return joined;
      }
    }
    open_group = gk;
    open_reason = "opened: grouping rule '" + r.name + "' (" + values + ")";
    break;
  }

  if (open_group.empty()) {
    // 3. The same service.
    if (auto it = by_service_.find(svc); it != by_service_.end()) {
      if (const auto* inc = best_of(it->second, window)) {
        std::string reason;
        reason.reserve(16 + in.service.size());
        reason.append("same service (").append(in.service).append(")");
        join(*inc, JoinKind::kSameService, std::move(reason), in.service);
        return joined;
      }
    }
    // 4. Downstream: the alert's service depends (transitively) on a service of the incident — a
    //    symptom of it. 5. Upstream: a service of the incident depends on the alert's service — a
    //    likely cause. Nearest first; among equals the most recently active incident.
    for (int pass = 0; pass < 2; ++pass) {
      const auto& graph = pass == 0 ? compiled_->upstream : compiled_->downstream;
      auto reach = graph.find(svc);
      if (reach == graph.end()) continue;
      const IncidentSlot* best = nullptr;
      const Compiled::Up* via = nullptr;
      for (const auto& n : reach->second) {
        if (best && n.dist > via->dist) break;
        auto it = by_service_.find(n.service);
        if (it == by_service_.end()) continue;
        const auto* inc = best_of(it->second, window);
        if (inc && (!best || inc->last_activity > best->last_activity)) {
          best = inc;
          via = &n;
        }
      }
      if (!best) continue;
      // The path between the alert's service and the incident's, as ids (names are appended to
      // the reason once, without a string per hop) in a reused buffer.
      std::vector<int32_t>& path = compiled_->path;
      path.clear();
      path.push_back(via->service);
      int32_t cur = via->parent;
      while (cur != svc) {
        path.push_back(cur);
        auto p = std::find_if(reach->second.begin(), reach->second.end(),
                              [&](const auto& u) { return u.service == cur; });
        if (p == reach->second.end()) break;
        cur = p->parent;
      }
      path.push_back(svc);
      const std::string& other = ServiceName(via->service);
      std::string reason;
      reason.reserve(64 + 24 * path.size());
      reason += pass == 0 ? "downstream of " : "upstream of ";
      reason += other;
      if (path.size() > 2) {
        // Downstream: alert's service -> ... -> incident's service; upstream the other way round.
        if (pass == 0) std::reverse(path.begin(), path.end());
        reason += " (";
        for (size_t i = 0; i < path.size(); ++i) {
          if (i > 0) reason += " -> ";
          reason += ServiceName(path[i]);
        }
        reason += ")";
      } else {
        const std::string& dependent = pass == 0 ? in.service : other;
        const std::string& dependency = pass == 0 ? other : in.service;
        reason.append(" (").append(dependent).append(" depends on ").append(dependency).append(")");
      }
      if (via->soft) reason += ", soft dependency";
      join(*best, pass == 0 ? JoinKind::kDownstream : JoinKind::kUpstream, std::move(reason), other);
      return joined;
    }
  }

  // 6. Storm mode: whatever would open an incident collapses into the source's storm incident.
  if (d.storm) {
    std::string gk = "storm:" + in.source;
    if (auto g = by_group_.find(gk); g != by_group_.end()) {
      if (const auto* inc = find(g->second); inc && model::IsOpen(inc->state)) {
        join(*inc, JoinKind::kStorm, "alert storm from " + in.source + ": collapsed", "");
        return joined;
      }
    }
    d.group_key = gk;
    d.join = JoinKind::kOpened;
    d.join_reason = "opened: alert storm from " + in.source;
    return joined;
  }
  d.join = JoinKind::kOpened;
  if (!open_group.empty()) {
    d.group_key = open_group;
    d.join_reason = open_reason;
  } else {
    d.join_reason = "opened: no open incident for " + in.service + " or its dependencies";
  }
  return joined;
}

Decision Correlator::Redecide(const AlertInput& in, core::TimePoint now) const {
  const AlertSlot* found = alerts_.Find(in.key);
  if (!found) return Decision{};
  const AlertSlot& slot = *found;
  Decision d = DecideNew(in, &slot, now, SilenceId(slot.silence));
  d.alert_id = slot.id;
  d.state_changes.clear();
  for (uint8_t i = 0; i < slot.nchanges; ++i)
    d.state_changes.push_back(core::TimePoint(std::chrono::seconds(slot.changes[i])));
  d.flapping = slot.flapping;
  d.became_flapping = false;
  return d;
}

void Correlator::Apply(const AlertInput& in, const Decision& d, int64_t alert_id, const std::string& incident_id,
                       core::TimePoint now) {
  if (d.kind == Decision::Kind::kIgnore || (d.kind == Decision::Kind::kRepeat && !d.labels_changed)) return;
  // One lookup per event: write through the found slot, journaling the old value. A new episode
  // always writes its key's slot, so it finds or inserts the slot at once.
  AlertSlot* cur = nullptr;
  bool inserted = false;
  uint32_t node = KeyIndex<AlertSlot>::kNone;
  if (d.kind == Decision::Kind::kNew) {
    auto ins = alerts_.Insert(in.key);
    cur = ins.value;
    inserted = ins.inserted;
    node = ins.id;
  } else {
    node = alerts_.FindId(in.key);
    if (node != KeyIndex<AlertSlot>::kNone) cur = &alerts_.At(node);
  }
  auto put = [&](const AlertSlot& v) {
    journal_.emplace_back(AlertUndo{node, inserted ? std::nullopt : std::optional<AlertSlot>(*cur)});
    *cur = v;
  };
  auto set_changes = [](AlertSlot& s, const std::vector<core::TimePoint>& ch) {
    s.nchanges = static_cast<uint8_t>(std::min<size_t>(ch.size(), s.changes.size()));
    size_t off = ch.size() - s.nchanges;
    for (uint8_t i = 0; i < s.nchanges; ++i)
      s.changes[i] = static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::seconds>(ch[off + i].time_since_epoch()).count());
  };
  auto bump_incident = [&](int64_t number, int delta, bool activity) {
    auto inc = incidents_.find(number);
    if (inc == incidents_.end()) return;
    auto& slot = inc->second;
    journal_.emplace_back(CountUndo{number, slot.open_alerts, slot.last_activity});
    slot.open_alerts = std::max<int64_t>(0, slot.open_alerts + delta);
    if (activity) slot.last_activity = now;
  };
  switch (d.kind) {
    case Decision::Kind::kIgnore:
      return;
    case Decision::Kind::kRepeat: {
      if (!cur || !d.labels_changed) return;
      AlertSlot s = *cur;
      s.labels_hash = LabelsHash(in.event->labels);
      if (model::WorseThan(d.triage.severity, s.severity)) s.severity = d.triage.severity;
      put(s);
      return;
    }
    case Decision::Kind::kAcknowledge: {
      if (!cur) return;
      AlertSlot s = *cur;
      s.status = AlertStatus::kAcknowledged;
      put(s);
      return;
    }
    case Decision::Kind::kResolve: {
      if (!cur) return;
      AlertSlot s = *cur;
      s.status = AlertStatus::kResolved;
      s.flapping = d.flapping;
      set_changes(s, d.state_changes);
      put(s);
      if (!s.silenced && s.incident) bump_incident(s.incident, -1, false);
      return;
    }
    case Decision::Kind::kNew: {
      // A re-decided silenced episode was not counted anywhere yet; a new one replaces the previous
      // (resolved) episode of its key.
      AlertSlot s;
      s.id = alert_id;
      s.incident = IncidentNumber(incident_id);
      // When the key is a fingerprint of the labels, repeats never compare them (Decide), so the
      // hash would go unused.
      s.labels_hash = in.labels_are_key ? 0 : LabelsHash(in.event->labels);
      s.service = d.service_id >= 0 ? d.service_id : Intern(in.service);
      s.status = AlertStatus::kFiring;
      s.severity = d.triage.severity;
      s.flapping = d.flapping;
      s.silenced = !d.silence_id.empty();
      s.silence = SilenceNumber(d.silence_id);
      set_changes(s, d.state_changes);
      put(s);
      if (s.silenced) return;
      // As SetBucket, updating the bucket in place.
      const auto& st = cfg_->settings;
      int32_t src = d.source_id >= 0 ? d.source_id : SourceId(in.source);
      if (buckets_.size() <= static_cast<size_t>(src)) buckets_.resize(static_cast<size_t>(src) + 1);
      auto& slot = buckets_[static_cast<size_t>(src)];
      journal_.emplace_back(BucketUndo{src, slot});
      const bool fresh = !slot;
      if (fresh) slot = Bucket{};
      Bucket& b = *slot;
      if (!fresh) {
        double secs = std::chrono::duration<double>(now - b.last).count();
        b.tokens = std::min(static_cast<double>(st.storm_burst), b.tokens + std::max(0.0, secs) * st.storm_rate);
      } else {
        b.tokens = static_cast<double>(st.storm_burst);
      }
      b.last = now;
      b.tokens = std::max(0.0, b.tokens - 1.0);
      if (d.storm_started) b.storming = true;
      if (s.incident) bump_incident(s.incident, +1, true);
      return;
    }
  }
}

// ---- incidents -----------------------------------------------------------------------------------

void Correlator::TrackIncident(const model::Incident& inc, core::TimePoint now) {
  IncidentSlot s;
  s.number = inc.number ? inc.number : IncidentNumber(inc.id);
  s.state = inc.state;
  s.severity = inc.severity;
  for (const auto& svc : inc.services) s.services.push_back(Intern(svc));
  std::sort(s.services.begin(), s.services.end());
  s.created_at = inc.created_at;
  s.last_activity = std::max(inc.created_at, inc.updated_at);
  switch (inc.state) {
    case IncidentState::kMitigated: s.state_at = inc.mitigated_at.value_or(inc.updated_at); break;
    case IncidentState::kResolved: s.state_at = inc.resolved_at.value_or(inc.updated_at); break;
    case IncidentState::kClosed: s.state_at = inc.closed_at.value_or(inc.updated_at); break;
    default: s.state_at = inc.created_at;
  }
  // Open episodes are counted by Apply (and LoadAlert on rebuild), not taken from the document.
  if (auto it = incidents_.find(s.number); it != incidents_.end()) s.open_alerts = it->second.open_alerts;
  s.group_key = inc.group_key;
  s.merged_into = IncidentNumber(inc.merged_into);
  (void)now;
  SetIncident(s.number, std::move(s));
}

void Correlator::IncidentState(const std::string& id, model::IncidentState state, core::TimePoint now) {
  auto it = incidents_.find(IncidentNumber(id));
  if (it == incidents_.end()) return;
  IncidentSlot s = it->second;
  s.state = state;
  s.state_at = now;
  if (state == IncidentState::kTriggered) s.last_activity = now;
  SetIncident(s.number, std::move(s));
}

void Correlator::IncidentSeverity(const std::string& id, model::Severity sev) {
  auto it = incidents_.find(IncidentNumber(id));
  if (it == incidents_.end()) return;
  IncidentSlot s = it->second;
  s.severity = sev;
  SetIncident(s.number, std::move(s));
}

void Correlator::IncidentServices(const std::string& id, const std::vector<std::string>& services) {
  auto it = incidents_.find(IncidentNumber(id));
  if (it == incidents_.end()) return;
  IncidentSlot s = it->second;
  s.services.clear();
  for (const auto& svc : services) s.services.push_back(Intern(svc));
  std::sort(s.services.begin(), s.services.end());
  s.services.erase(std::unique(s.services.begin(), s.services.end()), s.services.end());
  SetIncident(s.number, std::move(s));
}

int64_t Correlator::OpenAlerts(const std::string& id) const {
  auto it = incidents_.find(IncidentNumber(id));
  return it == incidents_.end() ? 0 : it->second.open_alerts;
}

std::vector<std::string> Correlator::OpenIncidents() const {
  std::vector<int64_t> ns;
  for (const auto& [n, inc] : incidents_)
    if (model::IsOpen(inc.state)) ns.push_back(n);
  std::sort(ns.begin(), ns.end());
  std::vector<std::string> out;
  for (auto n : ns) out.push_back(IncidentId(n));
  return out;
}

void Correlator::MergeIncident(const std::string& from, const std::string& into, core::TimePoint now) {
  const int64_t f = IncidentNumber(from);
  const int64_t t = IncidentNumber(into);
  auto fi = incidents_.find(f);
  auto ti = incidents_.find(t);
  if (f == t || fi == incidents_.end() || ti == incidents_.end()) return;
  // Episodes: collected by key first (writing while iterating the index is not allowed).
  std::vector<std::string> keys;
  alerts_.ForEach([&](std::string_view k, const AlertSlot& a) {
    if (a.incident == f) keys.emplace_back(k);
  });
  for (const auto& k : keys) {
    uint32_t node = alerts_.FindId(k);
    AlertSlot& cur = alerts_.At(node);
    journal_.emplace_back(AlertUndo{node, cur});
    cur.incident = t;
  }
  IncidentSlot src = fi->second;
  IncidentSlot dst = ti->second;
  dst.open_alerts += src.open_alerts;
  dst.last_activity = std::max({dst.last_activity, src.last_activity, now});
  // Services and severity follow through the lifecycle operations the engine runs for the merge
  // (IncidentServices, IncidentSeverity), as for an alert joining.
  src.open_alerts = 0;
  src.merged_into = t;
  // Incidents merged into `from` earlier keep pointing at it: Place follows the chain (as it must
  // after a restart, where each incident knows only what it was merged into).
  SetIncident(t, std::move(dst));
  SetIncident(f, std::move(src));
}

// ---- storms --------------------------------------------------------------------------------------

bool Correlator::Storming(const std::string& source) const {
  const Bucket* b = FindBucket(sources_.Find(source));
  return b && b->storming;
}

double Correlator::Tokens(const std::string& source, core::TimePoint now) const {
  const auto& st = cfg_->settings;
  const Bucket* b = FindBucket(sources_.Find(source));
  if (!b) return static_cast<double>(st.storm_burst);
  double secs = std::chrono::duration<double>(now - b->last).count();
  return std::min(static_cast<double>(st.storm_burst), b->tokens + std::max(0.0, secs) * st.storm_rate);
}

void Correlator::EndStorm(const std::string& source) {
  int32_t src = sources_.Find(source);
  const Bucket* cur = FindBucket(src);
  if (!cur || !cur->storming) return;
  Bucket b = *cur;
  b.storming = false;
  SetBucket(src, b);
}

std::vector<std::string> Correlator::StormingSources() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < buckets_.size(); ++i)
    if (buckets_[i] && buckets_[i]->storming) out.push_back(sources_.Name(static_cast<int32_t>(i)));
  std::sort(out.begin(), out.end());
  return out;
}

// ---- rebuild and housekeeping --------------------------------------------------------------------

void Correlator::LoadAlert(const model::Alert& a) {
  AlertSlot s;
  s.id = a.id;
  s.incident = IncidentNumber(a.incident_id);
  s.labels_hash = LabelsHash(a.labels);
  s.service = Intern(a.service);
  s.status = a.status;
  s.severity = a.severity;
  s.flapping = a.flapping;
  s.silenced = !a.silence_id.empty() && a.incident_id.empty();
  s.silence = SilenceNumber(a.silence_id);
  size_t n = std::min<size_t>(a.state_changes.size(), s.changes.size());
  s.nchanges = static_cast<uint8_t>(n);
  for (size_t i = 0; i < n; ++i)
    s.changes[i] = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                             a.state_changes[a.state_changes.size() - n + i].time_since_epoch())
                                             .count());
  alerts_.Put(a.key, s);
  if (s.incident) {
    auto it = incidents_.find(s.incident);
    if (it != incidents_.end()) {
      if (a.status != AlertStatus::kResolved && !s.silenced) ++it->second.open_alerts;
      it->second.last_activity = std::max(it->second.last_activity, a.first_seen);
    }
  }
}

void Correlator::Prune(core::TimePoint now) {
  // Erasing under a live journal would invalidate the node ids it holds (and a rollback could not
  // bring the keys back): housekeeping waits for the next commit.
  if (!journal_.empty()) return;
  const auto& st = cfg_->settings;
  auto keep = std::max(st.flap_window, st.correlation_window);
  alerts_.EraseIf([&](std::string_view, const AlertSlot& a) {
    return a.status == AlertStatus::kResolved &&
           (a.nchanges == 0 || now - core::TimePoint(std::chrono::seconds(a.changes[a.nchanges - 1])) > keep);
  });
  size_t before = incidents_.size();
  for (auto it = incidents_.begin(); it != incidents_.end();) {
    const auto& inc = it->second;
    bool done = inc.state == IncidentState::kClosed ||
                (inc.open_alerts == 0 && !model::IsOpen(inc.state) && now - inc.state_at > keep);
    it = done ? incidents_.erase(it) : std::next(it);
  }
  if (incidents_.size() != before) index_dirty_ = true;
}

CorrelatorStats Correlator::Stats() const {
  CorrelatorStats s;
  s.alerts = alerts_.size();
  alerts_.ForEach([&](std::string_view, const AlertSlot& a) {
    if (a.status != AlertStatus::kResolved) ++s.open_alerts;
  });
  s.incidents = incidents_.size();
  s.silences = silences_.size();
  for (const auto& b : buckets_)
    if (b && b->storming) ++s.storming_sources;
  s.journal = journal_.size();
  return s;
}

}  // namespace firebreak::correlate
