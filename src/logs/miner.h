// The template miner: online, single pass. Each message is masked (mask.h), then assigned to a
// template, creating or generalizing templates as it goes.
//
// Messages with the same number of tokens form families. A message joins the family it shares the
// most constant tokens with (at least `similarity` of them) provided every token that differs may
// become a variable: a word position becomes a variable only when it has shown `min_distinct`
// distinct values, and only for value-like words (lowercase words, words with digits), never for
// enum-like UPPERCASE or CamelCase identifiers. Until then each value keeps its own template inside
// the family. When a position becomes a variable, the family's templates that differed only there
// merge into the oldest one (the others become aliases of it), so template ids stay stable.
//
// A cache from the masked shape of a message to its template makes repeated shapes cost one hash
// lookup. Memory is bounded: beyond `max_templates` live templates the least recently used
// families are evicted. The state serializes to JSON and restores (Snapshot / Restore), and changes
// since the last persisted version can be listed for incremental persistence (Dirty / MarkPersisted).
//
// Not thread-safe: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"
#include "logs/mask.h"

namespace firebreak::logs {

struct MinerOptions {
  MaskOptions mask;
  // Share of a template's constant tokens a message must share to join it (0 < s <= 1).
  double similarity = 0.7;
  // Distinct values a word position shows before it becomes a variable (>= 2).
  size_t min_distinct = 3;
  // Live templates kept in memory (0 = unbounded); the least recently used families go first.
  size_t max_templates = 0;
  // Entries of the shape cache (0 disables it).
  size_t cache_entries = 1 << 18;
  // Longer messages are cut (at a UTF-8 boundary) before mining.
  size_t max_message_bytes = 16 << 10;
  // Bytes of the first message kept as a template's sample.
  size_t sample_bytes = 512;
  // Track changed families and templates for TakeDirty (servers that persist incrementally).
  bool track_changes = false;
};

// Checks option ranges; InvalidArgument names the field.
Status ValidateOptions(const MinerOptions& opt);

// Allocates ids; shared by several miners (one per service) so ids are unique across them.
struct IdSource {
  uint64_t next_template = 1;
  uint64_t next_family = 1;
};

struct Template {
  uint64_t id = 0;
  uint64_t family_id = 0;
  std::string text;    // the template: tokens joined by spaces, variables as <*>
  uint64_t count = 0;  // messages, including those of templates merged into this one
  uint64_t errors = 0; // of which error-level
  int64_t first_seen_ms = 0, last_seen_ms = 0;  // Unix ms; 0 = unknown
  std::string sample;   // the first message (cut to sample_bytes)
  uint64_t alias_of = 0;  // non-zero: merged into that template
};

struct MatchResult {
  uint32_t slot = 0;   // handle for Get() (valid until the template is evicted)
  uint64_t id = 0;     // the template id
  bool created = false;  // a new template (not seen before)
};

class Miner {
 public:
  static Result<Miner> Create(MinerOptions opt, IdSource* ids = nullptr);
  Miner(Miner&&) noexcept;
  Miner& operator=(Miner&&) noexcept;
  ~Miner();

  // Mines one message. `time_ms` (Unix ms, 0 = unknown) updates first/last seen; `error` counts the
  // message as error-level.
  MatchResult Add(std::string_view message, int64_t time_ms = 0, bool error = false);

  // The template behind a slot (after merges, the template it was merged into).
  const Template& Get(uint32_t slot) const;
  // Finds a live template by id (following aliases); null if unknown or evicted.
  const Template* Find(uint64_t id) const;
  // Live templates (not aliases), in id order.
  std::vector<const Template*> Templates() const;
  size_t template_count() const;
  size_t family_count() const;
  uint64_t evicted_families() const;
  const MinerOptions& options() const;

  // ---- persistence ----
  // The whole state: {"families": [...], "templates": [...]}.
  boost::json::object Snapshot() const;
  // Rebuilds a miner from Snapshot() output (or from persisted family and template documents).
  // Bad documents are rejected with InvalidArgument naming the item.
  static Result<Miner> Restore(MinerOptions opt, const boost::json::value& snapshot, IdSource* ids = nullptr);

  // Incremental persistence: families and templates changed since they were last marked persisted.
  struct Dirty {
    std::vector<std::pair<uint64_t, boost::json::object>> families;  // id, document
    std::vector<std::pair<uint64_t, boost::json::object>> templates;  // id, document
    std::vector<uint64_t> evicted_families;                            // ids
    // Internal, for MarkPersisted: (id, version) of each document.
    std::vector<std::pair<uint64_t, uint64_t>> family_versions, template_versions;
  };
  Dirty TakeDirty() const;
  // Call after the documents of `d` were durably stored.
  void MarkPersisted(const Dirty& d);

  struct Impl;

 private:
  explicit Miner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view CutUtf8(std::string_view s, size_t max);
// True if every byte is ASCII.
bool IsAscii(std::string_view s);
// Replaces invalid UTF-8 sequences with U+FFFD.
std::string ToValidUtf8(std::string_view s);

}  // namespace firebreak::logs
