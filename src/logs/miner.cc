#include "logs/miner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "core/json.h"
#include "core/strings.h"

namespace firebreak::logs {

namespace json = boost::json;

std::string_view CutUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  // Back up over continuation bytes so no sequence is split.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t acc = 0;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    acc |= v;
  }
  for (; n; --n) acc |= static_cast<uint8_t>(*p++);
  return (acc & 0x8080808080808080ull) == 0;
}

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len && i + len <= s.size() && core::IsValidUtf8(s.substr(i, len))) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

Status ValidateOptions(const MinerOptions& opt) {
  if (!(opt.similarity > 0 && opt.similarity <= 1))
    return InvalidArgument("similarity must be in (0, 1]", "similarity");
  if (opt.min_distinct < 2 || opt.min_distinct > 1000)
    return InvalidArgument("min_distinct must be 2..1000", "min_distinct");
  if (opt.max_message_bytes < 16) return InvalidArgument("max_message_bytes must be at least 16", "max_message_bytes");
  if (opt.mask.max_tokens == 0 || opt.mask.max_tokens > 4096)
    return InvalidArgument("max_tokens must be 1..4096", "max_tokens");
  return Ok();
}

namespace {

constexpr uint32_t kNone = UINT32_MAX;

enum Kind : uint8_t { kConst = 0, kPending = 1, kWild = 2 };

inline uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

uint64_t HashTokens(const Tokens& t) {
  // The joined text separates tokens by single spaces and tokens hold no spaces: it identifies the
  // token sequence.
  std::string_view s = t.text();
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
  while (n >= 16) {
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    h = Mix(h ^ a) + Mix(b ^ 0x2545F4914F6CDD1Dull);
    p += 16;
    n -= 16;
  }
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = Mix(h ^ v);
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = Mix(h ^ v ^ (static_cast<uint64_t>(n) << 56));
  }
  return Mix(h ^ t.size());
}

// Delimiters at which a token may be cut when two values are generalized: "(root)" and "(news)"
// become "(<*>)".
bool IsDelim(char c) {
  switch (c) {
    case '(': case ')': case '[': case ']': case '{': case '}': case '<': case '>': case '"':
    case '\'': case ',': case ';': case ':': case '=': case '/': case '|': case '@': case '#':
      return true;
    default:
      return false;
  }
}

// Lengths of the common prefix and suffix of a and b that end (start) at a delimiter.
std::pair<size_t, size_t> CommonEnds(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size()), p = 0, pre = 0;
  while (p < n && a[p] == b[p]) {
    ++p;
    if (IsDelim(a[p - 1])) pre = p;
  }
  size_t q = 0, suf = 0;
  while (q < n - pre && a[a.size() - 1 - q] == b[b.size() - 1 - q]) {
    ++q;
    if (IsDelim(a[a.size() - q])) suf = q;
  }
  return {pre, suf};
}

std::string Generalize(std::string_view a, std::string_view b) {
  auto [pre, suf] = CommonEnds(a, b);
  std::string r(a.substr(0, pre));
  r += kVar;
  r += a.substr(a.size() - suf);
  for (size_t p; (p = r.find("<*><*>")) != std::string::npos;) r.erase(p, 3);
  return r;
}

// Whether two differing tokens may be the same variable: the parts that differ must look like
// values (digits, lowercase words), not like identifiers (UPPERCASE enums, CamelCase names).
bool Generalizable(std::string_view a, std::string_view b) {
  auto [pre, suf] = CommonEnds(a, b);
  auto ma = a.substr(pre, a.size() - pre - suf);
  auto mb = b.substr(pre, b.size() - pre - suf);
  auto bad = [](WordClass c) { return c == WordClass::kUpper || c == WordClass::kCamel; };
  return !bad(ClassifyWord(ma)) && !bad(ClassifyWord(mb));
}

}  // namespace

struct Miner::Impl {
  struct Family {
    uint64_t id = 0;
    bool live = false;
    std::vector<std::string> tokens;              // patterns
    std::vector<uint8_t> kinds;                   // Kind per position
    std::vector<std::vector<std::string>> values;  // distinct values of pending positions
    std::vector<uint32_t> templates;              // live template slots
    std::vector<uint32_t> all_slots;              // live and alias slots
    std::unordered_map<std::string, uint32_t> by_key;
    uint64_t tick = 0;
    uint64_t version = 0;
  };
  struct Slot {
    Template t;
    uint32_t family = kNone;
    uint32_t gen = 0;
    uint32_t alias = kNone;  // slot merged into
    bool live = false;       // a live template (not an alias, not free)
    bool used = false;       // live or alias
    std::vector<std::pair<uint32_t, std::string>> key;  // values at pending positions
    uint64_t version = 0;
  };
  struct CacheEntry {
    uint64_t sig = 0;
    uint32_t slot = kNone;
    uint32_t gen = 0;
  };

  MinerOptions opt;
  Masker masker;
  IdSource own_ids;
  IdSource* ids = &own_ids;

  std::vector<Family> families;
  std::vector<uint32_t> free_families;
  std::vector<Slot> slots;
  std::vector<uint32_t> free_slots;
  std::unordered_map<uint32_t, std::vector<uint32_t>> buckets;  // token count -> family slots
  std::unordered_map<uint64_t, uint32_t> by_id;                 // template id -> slot
  std::unordered_map<uint64_t, uint32_t> family_by_id;

  std::vector<CacheEntry> cache;
  size_t cache_used = 0, cache_cap = 0;

  uint64_t tick = 0;
  size_t live_templates = 0, live_families = 0;
  uint64_t evicted = 0;

  // Incremental persistence.
  std::unordered_set<uint64_t> dirty_families, dirty_templates;
  std::vector<uint64_t> evicted_ids;

  Tokens toks;  // scratch
  std::string valid_utf8;
  std::vector<uint32_t> diffs, best_diffs;

  // ---- helpers ----
  uint32_t Resolve(uint32_t s) const {
    while (slots[s].alias != kNone) s = slots[s].alias;
    return s;
  }

  void TouchFamily(uint32_t f) {
    families[f].version++;
    if (opt.track_changes) dirty_families.insert(families[f].id);
  }
  void TouchTemplate(uint32_t s) {
    slots[s].version++;
    if (opt.track_changes) dirty_templates.insert(slots[s].t.id);
  }

  std::string Render(const Family& f, const Slot& s) const {
    std::string out;
    size_t k = 0;
    for (size_t i = 0; i < f.tokens.size(); ++i) {
      if (i) out += ' ';
      while (k < s.key.size() && s.key[k].first < i) ++k;
      if (k < s.key.size() && s.key[k].first == i) out += s.key[k].second;
      else out += f.tokens[i];
    }
    return out;
  }

  static std::string KeyString(const std::vector<std::pair<uint32_t, std::string>>& key) {
    std::string k;
    for (const auto& [pos, v] : key) {
      k += v;
      k += '\x1f';
    }
    return k;
  }

  uint32_t NewFamily(const Tokens& t) {
    uint32_t f;
    if (!free_families.empty()) {
      f = free_families.back();
      free_families.pop_back();
    } else {
      f = static_cast<uint32_t>(families.size());
      families.emplace_back();
    }
    Family& fam = families[f];
    fam = Family{};
    fam.id = ids->next_family++;
    fam.live = true;
    fam.tokens.reserve(t.size());
    for (size_t i = 0; i < t.size(); ++i) fam.tokens.emplace_back(t[i]);
    fam.kinds.assign(t.size(), kConst);
    fam.values.resize(t.size());
    buckets[static_cast<uint32_t>(t.size())].push_back(f);
    family_by_id[fam.id] = f;
    ++live_families;
    TouchFamily(f);
    return f;
  }

  uint32_t NewSlot() {
    uint32_t s;
    if (!free_slots.empty()) {
      s = free_slots.back();
      free_slots.pop_back();
    } else {
      s = static_cast<uint32_t>(slots.size());
      slots.emplace_back();
    }
    uint32_t gen = slots[s].gen;
    slots[s] = Slot{};
    slots[s].gen = gen;
    return s;
  }

  // Finds the family for `t`, generalizing it if needed, or creates one.
  uint32_t FindFamily(const Tokens& t) {
    const size_t n = t.size();
    auto it = buckets.find(static_cast<uint32_t>(n));
    uint32_t best = kNone;
    double best_score = -1;
    bool exact = false;
    if (it != buckets.end()) {
      for (uint32_t f : it->second) {
        const Family& fam = families[f];
        size_t eq = 0;
        diffs.clear();
        bool ok = true;
        for (size_t i = 0; i < n && ok; ++i) {
          std::string_view a = fam.tokens[i], b = t[i];
          if (fam.kinds[i] == kConst && a == b) {
            ++eq;
            continue;
          }
          if (fam.kinds[i] == kPending) {
            const auto& vals = fam.values[i];
            if (std::find(vals.begin(), vals.end(), b) != vals.end()) continue;
          }
          if (a.find(kVar) != std::string_view::npos && GlobMatch(a, b)) continue;
          if (!Generalizable(a, b)) ok = false;
          diffs.push_back(static_cast<uint32_t>(i));
        }
        if (!ok) continue;
        if (diffs.empty()) {
          best = f;
          exact = true;
          break;
        }
        double score = n ? static_cast<double>(eq) / static_cast<double>(n) : 1.0;
        if (score > best_score) {
          best_score = score;
          best = f;
          best_diffs = diffs;
        }
      }
    }
    if (best == kNone || (!exact && best_score < opt.similarity)) return NewFamily(t);
    if (!exact) Merge(best, t, best_diffs);
    return best;
  }

  // Generalizes family `f` at the positions `d` where message `t` differs.
  void Merge(uint32_t f, const Tokens& t, const std::vector<uint32_t>& d) {
    Family& fam = families[f];
    bool new_pending = false;
    for (uint32_t i : d) {
      std::string_view b = t[i];
      if (fam.kinds[i] == kConst) {
        fam.values[i].assign(1, fam.tokens[i]);
        fam.kinds[i] = kPending;
        new_pending = true;
        // Existing templates keep the old constant as their value at i.
        for (uint32_t s : fam.templates) {
          auto& key = slots[s].key;
          auto pos = std::lower_bound(key.begin(), key.end(), std::make_pair(i, std::string()),
                                      [](const auto& x, const auto& y) { return x.first < y.first; });
          key.insert(pos, {i, fam.tokens[i]});
        }
      }
      fam.tokens[i] = Generalize(fam.tokens[i], b);
    }
    if (new_pending) RebuildKeys(f);
    TouchFamily(f);
    for (uint32_t s : fam.templates) {
      slots[s].t.text = Render(fam, slots[s]);
      TouchTemplate(s);
    }
  }

  void RebuildKeys(uint32_t f) {
    Family& fam = families[f];
    fam.by_key.clear();
    for (uint32_t s : fam.templates) fam.by_key[KeyString(slots[s].key)] = s;
  }

  // Records the message's values at pending positions; positions reaching min_distinct values
  // become variables (and templates that differed only there merge).
  void Observe(uint32_t f, const Tokens& t) {
    Family& fam = families[f];
    std::vector<uint32_t> now_wild;
    for (size_t i = 0; i < fam.kinds.size(); ++i) {
      if (fam.kinds[i] != kPending) continue;
      auto& vals = fam.values[i];
      std::string_view v = t[i];
      if (std::find(vals.begin(), vals.end(), v) != vals.end()) continue;
      vals.emplace_back(v);
      TouchFamily(f);
      if (vals.size() >= opt.min_distinct) now_wild.push_back(static_cast<uint32_t>(i));
    }
    if (now_wild.empty()) return;
    for (uint32_t i : now_wild) {
      fam.kinds[i] = kWild;
      fam.values[i].clear();
      for (uint32_t s : fam.templates) {
        auto& key = slots[s].key;
        key.erase(std::remove_if(key.begin(), key.end(), [i](const auto& kv) { return kv.first == i; }), key.end());
      }
    }
    // Merge templates whose keys became equal: the oldest (smallest id) survives.
    std::vector<uint32_t> order = fam.templates;
    std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return slots[x].t.id < slots[y].t.id; });
    fam.by_key.clear();
    std::vector<uint32_t> keep;
    for (uint32_t s : order) {
      auto k = KeyString(slots[s].key);
      auto [pos, inserted] = fam.by_key.emplace(k, s);
      if (inserted) {
        keep.push_back(s);
        continue;
      }
      Slot& into = slots[pos->second];
      Slot& from = slots[s];
      into.t.count += from.t.count;
      into.t.errors += from.t.errors;
      if (from.t.first_seen_ms && (!into.t.first_seen_ms || from.t.first_seen_ms < into.t.first_seen_ms))
        into.t.first_seen_ms = from.t.first_seen_ms;
      into.t.last_seen_ms = std::max(into.t.last_seen_ms, from.t.last_seen_ms);
      from.alias = pos->second;
      from.t.alias_of = into.t.id;
      from.t.text = Render(fam, into);
      from.live = false;
      --live_templates;
      TouchTemplate(s);
    }
    fam.templates = keep;
    for (uint32_t s : fam.templates) {
      slots[s].t.text = Render(fam, slots[s]);
      TouchTemplate(s);
    }
  }

  uint32_t TemplateFor(uint32_t f, const Tokens& t, std::string_view message, bool& created) {
    Family& fam = families[f];
    std::vector<std::pair<uint32_t, std::string>> key;
    for (size_t i = 0; i < fam.kinds.size(); ++i)
      if (fam.kinds[i] == kPending) key.emplace_back(static_cast<uint32_t>(i), std::string(t[i]));
    auto k = KeyString(key);
    if (auto it = fam.by_key.find(k); it != fam.by_key.end()) {
      created = false;
      return it->second;
    }
    created = true;
    uint32_t s = NewSlot();
    Slot& slot = slots[s];
    slot.family = f;
    slot.live = true;
    slot.used = true;
    slot.key = std::move(key);
    slot.t.id = ids->next_template++;
    slot.t.family_id = fam.id;
    slot.t.sample = std::string(CutUtf8(message, opt.sample_bytes));
    slot.t.text = Render(fam, slot);
    fam.templates.push_back(s);
    fam.all_slots.push_back(s);
    fam.by_key.emplace(std::move(k), s);
    by_id[slot.t.id] = s;
    ++live_templates;
    TouchTemplate(s);
    return s;
  }

  void Count(uint32_t s, int64_t time_ms, bool error) {
    Template& t = slots[s].t;
    ++t.count;
    if (error) ++t.errors;
    if (time_ms) {
      if (!t.first_seen_ms || time_ms < t.first_seen_ms) t.first_seen_ms = time_ms;
      if (time_ms > t.last_seen_ms) t.last_seen_ms = time_ms;
    }
    TouchTemplate(s);
    families[slots[s].family].tick = ++tick;
  }

  // ---- shape cache (open addressing, cleared when it fills up) ----
  uint32_t CacheFind(uint64_t sig) const {
    if (cache.empty()) return kNone;
    size_t mask = cache.size() - 1;
    for (size_t i = sig & mask;; i = (i + 1) & mask) {
      const CacheEntry& e = cache[i];
      if (e.slot == kNone) return kNone;
      if (e.sig == sig) {
        const Slot& s = slots[e.slot];
        return (s.used && s.gen == e.gen) ? e.slot : kNone;
      }
    }
  }
  void CacheInsert(uint64_t sig, uint32_t slot) {
    if (cache.empty()) return;
    if (cache_used * 10 >= cache.size() * 7) {
      if (cache.size() < cache_cap) {  // grow: small tables stay in the CPU caches
        std::vector<CacheEntry> old(cache.size() * 2);
        old.swap(cache);
        cache_used = 0;
        size_t mask = cache.size() - 1;
        for (const auto& e : old) {
          if (e.slot == kNone) continue;
          size_t i = e.sig & mask;
          while (cache[i].slot != kNone) i = (i + 1) & mask;
          cache[i] = e;
          ++cache_used;
        }
      } else {
        std::fill(cache.begin(), cache.end(), CacheEntry{});
        cache_used = 0;
      }
    }
    size_t mask = cache.size() - 1;
    for (size_t i = sig & mask;; i = (i + 1) & mask) {
      CacheEntry& e = cache[i];
      if (e.slot == kNone) {
        e = CacheEntry{sig, slot, slots[slot].gen};
        ++cache_used;
        return;
      }
      if (e.sig == sig) {
        e.slot = slot;
        e.gen = slots[slot].gen;
        return;
      }
    }
  }

  // ---- eviction ----
  void EvictFamily(uint32_t f) {
    Family& fam = families[f];
    for (uint32_t s : fam.all_slots) {
      Slot& slot = slots[s];
      if (slot.live) --live_templates;
      by_id.erase(slot.t.id);
      dirty_templates.erase(slot.t.id);
      slot.live = slot.used = false;
      slot.gen++;
      slot.key.clear();
      slot.t = Template{};
      free_slots.push_back(s);
    }
    auto& b = buckets[static_cast<uint32_t>(fam.tokens.size())];
    b.erase(std::remove(b.begin(), b.end(), f), b.end());
    family_by_id.erase(fam.id);
    dirty_families.erase(fam.id);
    if (opt.track_changes) evicted_ids.push_back(fam.id);
    fam = Family{};
    free_families.push_back(f);
    --live_families;
    ++evicted;
  }

  void MaybeEvict(uint32_t keep) {
    if (opt.max_templates == 0 || live_templates <= opt.max_templates) return;
    std::vector<std::pair<uint64_t, uint32_t>> order;
    for (uint32_t f = 0; f < families.size(); ++f)
      if (families[f].live && f != keep) order.emplace_back(families[f].tick, f);
    std::sort(order.begin(), order.end());
    size_t target = opt.max_templates - opt.max_templates / 10;
    for (const auto& [t, f] : order) {
      if (live_templates <= target) break;
      EvictFamily(f);
    }
  }

  // ---- persistence ----
  json::object FamilyDoc(const Family& f) const {
    json::array toks, pending, wild;
    for (const auto& t : f.tokens) toks.emplace_back(t);
    for (size_t i = 0; i < f.kinds.size(); ++i) {
      if (f.kinds[i] == kPending) {
        json::array vals;
        for (const auto& v : f.values[i]) vals.emplace_back(v);
        pending.push_back(json::array{static_cast<int64_t>(i), vals});
      } else if (f.kinds[i] == kWild) {
        wild.emplace_back(static_cast<int64_t>(i));
      }
    }
    return json::object{{"id", f.id}, {"tokens", toks}, {"pending", pending}, {"wild", wild}};
  }
  json::object TemplateDoc(const Slot& s) const {
    json::array key;
    for (const auto& [pos, v] : s.key) key.push_back(json::array{static_cast<int64_t>(pos), v});
    json::object o{{"id", s.t.id},         {"family", s.t.family_id},     {"text", s.t.text},
                   {"key", key},           {"count", s.t.count},          {"errors", s.t.errors},
                   {"first", s.t.first_seen_ms}, {"last", s.t.last_seen_ms}, {"sample", s.t.sample}};
    if (s.t.alias_of) o["alias_of"] = s.t.alias_of;
    return o;
  }
};

// ---- Miner ------------------------------------------------------------------------------------

Miner::Miner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Miner::Miner(Miner&&) noexcept = default;
Miner& Miner::operator=(Miner&&) noexcept = default;
Miner::~Miner() = default;

Result<Miner> Miner::Create(MinerOptions opt, IdSource* ids) {
  FB_TRY(ValidateOptions(opt));
  auto impl = std::make_unique<Impl>();
  FB_ASSIGN_OR_RETURN(impl->masker, Masker::Create(opt.mask));
  impl->opt = std::move(opt);
  if (ids) impl->ids = ids;
  if (impl->opt.cache_entries > 0) {
    size_t n = 16;
    while (n < impl->opt.cache_entries * 10 / 7 + 1) n <<= 1;
    impl->cache_cap = n;
    impl->cache.assign(std::min<size_t>(n, 1024), Impl::CacheEntry{});
  }
  return Miner(std::move(impl));
}

MatchResult Miner::Add(std::string_view message, int64_t time_ms, bool error) {
  Impl& m = *impl_;
  message = CutUtf8(message, m.opt.max_message_bytes);
  if (!IsAscii(message) && !core::IsValidUtf8(message)) {
    m.valid_utf8 = ToValidUtf8(message);  // templates are stored and served as JSON text
    message = m.valid_utf8;
  }
  m.masker.Mask(message, m.toks);
  uint64_t sig = HashTokens(m.toks);
  MatchResult r;
  uint32_t hit = m.CacheFind(sig);
  if (hit != kNone) {
    uint32_t s = m.Resolve(hit);
    m.Count(s, time_ms, error);
    r.slot = s;
    r.id = m.slots[s].t.id;
    return r;
  }
  uint32_t f = m.FindFamily(m.toks);
  uint32_t s = m.TemplateFor(f, m.toks, message, r.created);
  m.Observe(f, m.toks);
  s = m.Resolve(s);
  m.CacheInsert(sig, s);
  m.Count(s, time_ms, error);
  m.MaybeEvict(f);
  r.slot = s;
  r.id = m.slots[s].t.id;
  return r;
}

const Template& Miner::Get(uint32_t slot) const { return impl_->slots[impl_->Resolve(slot)].t; }

const Template* Miner::Find(uint64_t id) const {
  auto it = impl_->by_id.find(id);
  if (it == impl_->by_id.end()) return nullptr;
  return &impl_->slots[impl_->Resolve(it->second)].t;
}

std::vector<const Template*> Miner::Templates() const {
  std::vector<const Template*> out;
  for (const auto& s : impl_->slots)
    if (s.live) out.push_back(&s.t);
  std::sort(out.begin(), out.end(), [](const Template* a, const Template* b) { return a->id < b->id; });
  return out;
}

size_t Miner::template_count() const { return impl_->live_templates; }
size_t Miner::family_count() const { return impl_->live_families; }
uint64_t Miner::evicted_families() const { return impl_->evicted; }
const MinerOptions& Miner::options() const { return impl_->opt; }

json::object Miner::Snapshot() const {
  json::array fams, tpls;
  for (const auto& f : impl_->families)
    if (f.live) fams.push_back(impl_->FamilyDoc(f));
  for (const auto& s : impl_->slots)
    if (s.used) tpls.push_back(impl_->TemplateDoc(s));
  return json::object{{"families", fams}, {"templates", tpls}};
}

Miner::Dirty Miner::TakeDirty() const {
  Dirty d;
  const Impl& m = *impl_;
  for (uint64_t id : m.dirty_families) {
    auto it = m.family_by_id.find(id);
    if (it == m.family_by_id.end()) continue;
    d.families.emplace_back(id, m.FamilyDoc(m.families[it->second]));
    d.family_versions.emplace_back(id, m.families[it->second].version);
  }
  for (uint64_t id : m.dirty_templates) {
    auto it = m.by_id.find(id);
    if (it == m.by_id.end()) continue;
    d.templates.emplace_back(id, m.TemplateDoc(m.slots[it->second]));
    d.template_versions.emplace_back(id, m.slots[it->second].version);
  }
  d.evicted_families = m.evicted_ids;
  std::sort(d.families.begin(), d.families.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::sort(d.templates.begin(), d.templates.end(), [](auto& a, auto& b) { return a.first < b.first; });
  return d;
}

void Miner::MarkPersisted(const Dirty& d) {
  Impl& m = *impl_;
  for (const auto& [id, version] : d.family_versions) {
    auto it = m.family_by_id.find(id);
    if (it == m.family_by_id.end() || m.families[it->second].version == version) m.dirty_families.erase(id);
  }
  for (const auto& [id, version] : d.template_versions) {
    auto it = m.by_id.find(id);
    if (it == m.by_id.end() || m.slots[it->second].version == version) m.dirty_templates.erase(id);
  }
  auto& ev = m.evicted_ids;
  for (uint64_t id : d.evicted_families) ev.erase(std::remove(ev.begin(), ev.end(), id), ev.end());
}

// ---- restore ----------------------------------------------------------------------------------

namespace {

Result<uint64_t> U64(const json::object& o, std::string_view k, const std::string& where) {
  auto* v = o.if_contains(k);
  if (!v) return InvalidArgument(where + ": missing '" + std::string(k) + "'", where);
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<uint64_t>(v->as_int64());
  return InvalidArgument(where + ": '" + std::string(k) + "' must be a non-negative integer", where);
}
Result<int64_t> I64(const json::object& o, std::string_view k, const std::string& where) {
  auto* v = o.if_contains(k);
  if (!v) return int64_t{0};
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v->as_uint64());
  return InvalidArgument(where + ": '" + std::string(k) + "' must be an integer", where);
}
Result<std::string> Str(const json::object& o, std::string_view k, const std::string& where) {
  auto* v = o.if_contains(k);
  if (!v) return std::string();
  if (!v->is_string()) return InvalidArgument(where + ": '" + std::string(k) + "' must be a string", where);
  return std::string(v->as_string());
}

}  // namespace

Result<Miner> Miner::Restore(MinerOptions opt, const json::value& snapshot, IdSource* ids) {
  FB_ASSIGN_OR_RETURN(auto miner, Create(std::move(opt), ids));
  Impl& m = *miner.impl_;
  if (!snapshot.is_object()) return InvalidArgument("miner state must be a JSON object", "state");
  const auto& root = snapshot.as_object();
  const auto* fams = root.if_contains("families");
  const auto* tpls = root.if_contains("templates");
  if (!fams || !fams->is_array() || !tpls || !tpls->is_array())
    return InvalidArgument("miner state needs 'families' and 'templates' arrays", "state");
  uint64_t max_family = 0, max_template = 0;
  const size_t max_tokens = m.opt.mask.max_tokens + 1;
  for (size_t fi = 0; fi < fams->as_array().size(); ++fi) {
    const auto& fv = fams->as_array()[fi];
    std::string where = "families[" + std::to_string(fi) + "]";
    if (!fv.is_object()) return InvalidArgument(where + " must be an object", where);
    const auto& fo = fv.as_object();
    FB_ASSIGN_OR_RETURN(uint64_t id, U64(fo, "id", where));
    if (id == 0 || m.family_by_id.count(id)) return InvalidArgument(where + ": duplicate or zero id", where);
    const auto* tv = fo.if_contains("tokens");
    if (!tv || !tv->is_array() || tv->as_array().size() > max_tokens)
      return InvalidArgument(where + ": 'tokens' must be an array of at most " + std::to_string(max_tokens) + " strings", where);
    uint32_t f = m.free_families.empty() ? static_cast<uint32_t>(m.families.size()) : m.free_families.back();
    if (f == m.families.size()) m.families.emplace_back();
    else m.free_families.pop_back();
    auto& fam = m.families[f];
    fam = Impl::Family{};
    fam.id = id;
    fam.live = true;
    for (const auto& t : tv->as_array()) {
      if (!t.is_string()) return InvalidArgument(where + ": tokens must be strings", where);
      fam.tokens.emplace_back(t.as_string());
    }
    size_t n = fam.tokens.size();
    fam.kinds.assign(n, kConst);
    fam.values.resize(n);
    if (const auto* pv = fo.if_contains("pending")) {
      if (!pv->is_array()) return InvalidArgument(where + ": 'pending' must be an array", where);
      for (const auto& p : pv->as_array()) {
        if (!p.is_array() || p.as_array().size() != 2 || !p.as_array()[0].is_int64() || !p.as_array()[1].is_array())
          return InvalidArgument(where + ": pending entries are [position, [values]]", where);
        int64_t pos = p.as_array()[0].as_int64();
        const auto& vals = p.as_array()[1].as_array();
        if (pos < 0 || static_cast<size_t>(pos) >= n || fam.kinds[pos] != kConst || vals.empty() ||
            vals.size() >= m.opt.min_distinct)
          return InvalidArgument(where + ": bad pending position " + std::to_string(pos), where);
        fam.kinds[pos] = kPending;
        for (const auto& v : vals) {
          if (!v.is_string()) return InvalidArgument(where + ": pending values must be strings", where);
          fam.values[pos].emplace_back(v.as_string());
        }
      }
    }
    if (const auto* wv = fo.if_contains("wild")) {
      if (!wv->is_array()) return InvalidArgument(where + ": 'wild' must be an array", where);
      for (const auto& w : wv->as_array()) {
        if (!w.is_int64() || w.as_int64() < 0 || static_cast<size_t>(w.as_int64()) >= n ||
            fam.kinds[w.as_int64()] != kConst)
          return InvalidArgument(where + ": bad wild position", where);
        fam.kinds[w.as_int64()] = kWild;
      }
    }
    m.buckets[static_cast<uint32_t>(n)].push_back(f);
    m.family_by_id[id] = f;
    ++m.live_families;
    max_family = std::max(max_family, id);
  }
  // Templates: live ones first, then aliases (which refer to live ones).
  std::vector<std::pair<uint64_t, uint64_t>> aliases;  // slot id -> into id
  for (size_t ti = 0; ti < tpls->as_array().size(); ++ti) {
    const auto& tv = tpls->as_array()[ti];
    std::string where = "templates[" + std::to_string(ti) + "]";
    if (!tv.is_object()) return InvalidArgument(where + " must be an object", where);
    const auto& to = tv.as_object();
    FB_ASSIGN_OR_RETURN(uint64_t id, U64(to, "id", where));
    FB_ASSIGN_OR_RETURN(uint64_t fid, U64(to, "family", where));
    if (id == 0 || m.by_id.count(id)) return InvalidArgument(where + ": duplicate or zero id", where);
    auto fit = m.family_by_id.find(fid);
    if (fit == m.family_by_id.end()) return InvalidArgument(where + ": unknown family " + std::to_string(fid), where);
    uint32_t f = fit->second;
    auto& fam = m.families[f];
    uint32_t s = m.NewSlot();
    auto& slot = m.slots[s];
    slot.family = f;
    slot.used = true;
    slot.t.id = id;
    slot.t.family_id = fid;
    FB_ASSIGN_OR_RETURN(slot.t.count, U64(to, "count", where));
    FB_ASSIGN_OR_RETURN(slot.t.errors, U64(to, "errors", where));
    FB_ASSIGN_OR_RETURN(slot.t.first_seen_ms, I64(to, "first", where));
    FB_ASSIGN_OR_RETURN(slot.t.last_seen_ms, I64(to, "last", where));
    FB_ASSIGN_OR_RETURN(slot.t.sample, Str(to, "sample", where));
    const auto* kv = to.if_contains("key");
    if (kv && !kv->is_array()) return InvalidArgument(where + ": 'key' must be an array", where);
    if (kv) {
      for (const auto& e : kv->as_array()) {
        if (!e.is_array() || e.as_array().size() != 2 || !e.as_array()[0].is_int64() || !e.as_array()[1].is_string())
          return InvalidArgument(where + ": key entries are [position, value]", where);
        int64_t pos = e.as_array()[0].as_int64();
        if (pos < 0 || static_cast<size_t>(pos) >= fam.tokens.size() || (!slot.key.empty() && slot.key.back().first >= pos))
          return InvalidArgument(where + ": bad key position", where);
        slot.key.emplace_back(static_cast<uint32_t>(pos), std::string(e.as_array()[1].as_string()));
      }
    }
    m.by_id[id] = s;
    fam.all_slots.push_back(s);
    max_template = std::max(max_template, id);
    if (const auto* av = to.if_contains("alias_of"); av && !av->is_null()) {
      FB_ASSIGN_OR_RETURN(uint64_t into, U64(to, "alias_of", where));
      slot.t.alias_of = into;
      aliases.emplace_back(id, into);
      continue;
    }
    // A live template's key names exactly the family's pending positions.
    size_t pending = 0;
    for (auto k : fam.kinds) pending += k == kPending;
    bool match = slot.key.size() == pending;
    for (const auto& [pos, v] : slot.key) match = match && fam.kinds[pos] == kPending;
    if (!match) return InvalidArgument(where + ": key does not match the family's pending positions", where);
    auto k = Impl::KeyString(slot.key);
    if (!fam.by_key.emplace(k, s).second) return InvalidArgument(where + ": duplicate key in its family", where);
    slot.live = true;
    fam.templates.push_back(s);
    slot.t.text = m.Render(fam, slot);
    ++m.live_templates;
  }
  for (const auto& [id, into] : aliases) {
    auto it = m.by_id.find(into);
    if (it == m.by_id.end() || into == id) return InvalidArgument("alias of unknown template " + std::to_string(into), "templates");
    uint32_t s = m.by_id[id];
    m.slots[s].alias = it->second;
    m.slots[s].t.text = m.Render(m.families[m.slots[s].family], m.slots[s]);
  }
  // No alias cycles.
  for (const auto& [id, into] : aliases) {
    uint32_t s = m.by_id[id];
    size_t steps = 0;
    while (m.slots[s].alias != kNone && steps <= aliases.size()) {
      s = m.slots[s].alias;
      ++steps;
    }
    if (steps > aliases.size()) return InvalidArgument("alias cycle at template " + std::to_string(id), "templates");
  }
  m.ids->next_family = std::max(m.ids->next_family, max_family + 1);
  m.ids->next_template = std::max(m.ids->next_template, max_template + 1);
  m.dirty_families.clear();
  m.dirty_templates.clear();
  return miner;
}

}  // namespace firebreak::logs
