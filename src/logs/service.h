// LogService: the server side of log pattern mining. It keeps one miner per service in memory and,
// inside the caller's store transaction, writes what a batch of lines changed: per template x minute
// counts, new and changed templates (the miner's documents, so the miner restores after a restart),
// and a few redacted exemplar lines per template. What readers see — exemplar lines, their label
// values and template text — passes through one LineRedactor (redact.h) before it is stored.
//
// Consistency with the store: a batch's changes are written in the caller's transaction; the
// miner marks them persisted only in Committed(), after the commit. If the transaction rolls back,
// the changed families and templates stay dirty and are written with the next batch, so the store
// never counts lines under a template it does not hold. Not thread-safe: the engine thread calls it.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "logs/format.h"
#include "logs/ingest.h"
#include "logs/miner.h"
#include "logs/redact.h"

namespace firebreak::store {
class Tx;
}

namespace firebreak::logs {

struct ServiceOptions {
  MinerOptions miner;
  // "auto" (JSON objects and logfmt recognized, otherwise the line is the message) or a LineParser spec.
  std::string format = "auto";
  int exemplars = 5;                       // kept per template
  std::vector<std::string> secret_names;  // settings.secret_names: extra secret keys, env values redacted
  core::Millis max_future{std::chrono::minutes(5)};  // later timestamps are clamped to now
};

// A template a batch touched.
struct Touched {
  int64_t template_id = 0;
  std::string service;
  bool created = false;  // first seen in this batch
  int64_t lines = 0, errors = 0;
  int64_t first_seen_ms = 0;
};

struct Batch {
  size_t accepted = 0;
  size_t dropped = 0;  // lines of unknown or missing services
  size_t new_templates = 0;
  std::vector<Touched> touched;
  // Internal: what was written, per service, for Committed().
  std::vector<std::pair<std::string, Miner::Dirty>> written;
};

class LogService {
 public:
  static Result<std::unique_ptr<LogService>> Create(ServiceOptions opt);

  // Rebuilds the miners from the store.
  Status Restore(store::Tx& tx);
  // Mines `entries` and writes their effects in `tx`. Entries whose service is empty or fails
  // `known` are dropped (and counted).
  Result<Batch> Ingest(store::Tx& tx, core::TimePoint now, const std::vector<LogEntry>& entries,
                       const std::function<bool(std::string_view)>& known);
  // Call once the transaction that ran Ingest committed.
  void Committed(const Batch& b);

  // Parses a line with the configured format (for tests and the import CLI).
  void Parse(const LogEntry& e, ParsedLine& out, int default_year) const;
  const ServiceOptions& options() const { return opt_; }
  // Templates and services held in memory (readable from any thread, for /metrics).
  size_t templates_in_memory() const { return templates_in_memory_.load(); }
  size_t services_in_memory() const { return services_in_memory_.load(); }

 private:
  LogService() = default;
  Result<Miner*> MinerFor(const std::string& service);

  ServiceOptions opt_;
  IdSource ids_;
  std::map<std::string, Miner> miners_;
  LineParser custom_, json_, logfmt_;
  bool auto_ = true;
  LineRedactor redactor_;
  std::unordered_map<int64_t, int64_t> last_exemplar_;  // template id -> Unix ms
  std::atomic<size_t> templates_in_memory_{0}, services_in_memory_{0};
  void UpdateGauges();
};

}  // namespace firebreak::logs
