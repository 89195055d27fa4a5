// LogRepo: the durable side of log pattern mining (logs/). Mined families and templates (as the
// miner's JSON documents, so the in-memory miner restores from them), per template x minute line
// counts, a few redacted exemplar lines per template, and which patterns an incident's timeline
// already mentions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite.h"

namespace firebreak::store {

struct LogTemplateRecord {
  int64_t id = 0;
  std::string service;
  int64_t family_id = 0;
  std::string text;
  int64_t alias_of = 0;  // 0 = none
  int64_t count = 0, errors = 0;
  int64_t first_seen = 0, last_seen = 0;  // Unix ms
  std::string doc;                        // miner document (JSON)
  bool active = true;
};

struct LogExemplar {
  int64_t template_id = 0;
  int64_t time = 0;  // Unix ms
  std::string level;
  std::string line;
  std::string labels = "{}";  // JSON object
};

// Lines of one template in a range of minutes.
struct LogTemplateCount {
  int64_t template_id = 0;  // aliases folded into the template they merged into
  int64_t count = 0, errors = 0;
};

class LogRepo {
 public:
  explicit LogRepo(Conn& c) : c_(c) {}

  Status UpsertFamily(int64_t id, std::string_view service, std::string_view doc);
  // Marks a family and its templates inactive (evicted from memory; history stays).
  Status DeactivateFamily(int64_t id);
  Status UpsertTemplate(const LogTemplateRecord& t);
  // Adds lines to (template, minute).
  Status AddCount(int64_t template_id, int64_t minute, int64_t count, int64_t errors);
  // Stores an exemplar and keeps only the newest `keep` of its template.
  Status AddExemplar(const LogExemplar& e, int keep);

  // Every active family and template document, per service: {"families": [...], "templates": [...]}
  // as Miner::Restore reads them (documents are returned as stored JSON text).
  struct ServiceState {
    std::vector<std::string> families, templates;
  };
  Result<std::map<std::string, ServiceState>> LoadActive();
  Result<int64_t> MaxTemplateId();
  Result<int64_t> MaxFamilyId();

  Result<std::optional<LogTemplateRecord>> GetTemplate(int64_t id);
  // Templates of a service (all services when empty), most recently seen first.
  Result<std::vector<LogTemplateRecord>> ListTemplates(std::string_view service, int64_t seen_after_ms, int limit,
                                                       bool errors_only);
  // Lines per template of `service` in [from_minute, to_minute), aliases folded.
  Result<std::vector<LogTemplateCount>> Counts(std::string_view service, int64_t from_minute, int64_t to_minute);
  // Per-minute lines of one template (aliases included) in [from_minute, to_minute): minute -> count.
  Result<std::map<int64_t, int64_t>> Series(int64_t template_id, int64_t from_minute, int64_t to_minute);
  Result<std::vector<LogExemplar>> Exemplars(int64_t template_id, int limit);

  // Records that an incident's timeline mentions a template; false if it already did.
  Result<bool> Mark(std::string_view incident_id, int64_t template_id, std::string_view kind, int64_t time);
  Result<std::map<int64_t, std::string>> Marks(std::string_view incident_id);

  // Deletes counts older than `minute` and exemplars of templates not seen since `before_ms`.
  Result<int64_t> Prune(int64_t minute, int64_t before_ms);

 private:
  Conn& c_;
};

}  // namespace firebreak::store
