// Repositories: typed access to Firebreak's tables. Each is a cheap value bound to a transaction's
// connection (obtain them from Tx). Times are stored as Unix milliseconds.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/audit_entry.h"
#include "model/change_event.h"
#include "model/incident.h"
#include "store/sqlite.h"

namespace firebreak::store {

struct IncidentFilter {
  std::optional<model::IncidentState> state;
  bool open_only = false;
  std::optional<std::string> service;
  std::optional<model::Severity> severity;
  std::optional<int64_t> before_number;  // pagination cursor: numbers below this
  int limit = 100;
};

class IncidentRepo {
 public:
  explicit IncidentRepo(Conn& c) : c_(c) {}
  Result<int64_t> NextNumber();
  Status Insert(const model::Incident& i);
  // Replaces the stored incident with the same id (NotFound if none).
  Status Update(const model::Incident& i);
  Result<std::optional<model::Incident>> Get(std::string_view id);
  // Newest first.
  Result<std::vector<model::Incident>> List(const IncidentFilter& f);
  // "state" -> count, over all incidents.
  Result<std::map<std::string, int64_t>> CountByState();
  // Open incidents per severity name.
  Result<std::map<std::string, int64_t>> CountOpenBySeverity();

 private:
  Conn& c_;
};

class TimelineRepo {
 public:
  explicit TimelineRepo(Conn& c) : c_(c) {}
  // Stores `e` and returns it with its id.
  Result<model::TimelineEntry> Append(model::TimelineEntry e);
  // Oldest first; entries with id > after_id.
  Result<std::vector<model::TimelineEntry>> List(std::string_view incident_id, int64_t after_id = 0,
                                                 int limit = 1000);

 private:
  Conn& c_;
};

struct AuditFilter {
  std::optional<std::string> actor;
  std::optional<std::string> action_prefix;
  std::optional<std::string> target;
  int64_t after_seq = 0;
  int limit = 100;
};

class AuditRepo {
 public:
  explicit AuditRepo(Conn& c) : c_(c) {}
  // Stores an entry whose seq and hash the caller computed (audit/ does).
  Status Append(const model::AuditEntry& e);
  Result<std::optional<model::AuditEntry>> Last();
  // Oldest first.
  Result<std::vector<model::AuditEntry>> List(const AuditFilter& f);
  // Calls fn for every entry in storage order (by seq); stops early if fn returns false.
  Status Scan(const std::function<bool(const model::AuditEntry&)>& fn);
  Result<int64_t> Count();

 private:
  Conn& c_;
};

struct TokenRecord {
  std::string id;    // public part, "t_<hex>"
  std::string hash;  // SHA-256 of the secret part
  std::string person;
  std::string name;
  unsigned scopes = 0;
  core::TimePoint created_at{};
  std::optional<core::TimePoint> revoked_at;
};

class TokenRepo {
 public:
  explicit TokenRepo(Conn& c) : c_(c) {}
  Status Insert(const TokenRecord& t);
  Result<std::optional<TokenRecord>> Get(std::string_view id);
  Result<std::vector<TokenRecord>> List();
  Status Revoke(std::string_view id, core::TimePoint at);
  Result<int64_t> CountActive();

 private:
  Conn& c_;
};

// A durable timer: `kind` names the handler, `key` makes it unique within the kind.
struct TimerRecord {
  int64_t id = 0;
  std::string kind;
  std::string key;
  core::TimePoint due{};
  std::string payload;  // JSON
  core::TimePoint created_at{};
};

class TimerRepo {
 public:
  explicit TimerRepo(Conn& c) : c_(c) {}
  // Inserts or re-arms the timer (kind, key); returns its id.
  Result<int64_t> Upsert(const TimerRecord& t);
  Result<std::optional<TimerRecord>> Get(int64_t id);
  Result<std::optional<TimerRecord>> Find(std::string_view kind, std::string_view key);
  Status Delete(int64_t id);
  // Every armed timer.
  Result<std::vector<TimerRecord>> All();

 private:
  Conn& c_;
};

class ChangeEventRepo {
 public:
  explicit ChangeEventRepo(Conn& c) : c_(c) {}
  // Stores `e` and returns its id; an event whose dedup_key was already stored returns the
  // existing id and changes nothing.
  Result<int64_t> Insert(const model::ChangeEvent& e);
  // Events with from <= time < to, oldest first; `service` empty = every service.
  Result<std::vector<model::ChangeEvent>> List(core::TimePoint from, core::TimePoint to,
                                               std::string_view service = {}, int limit = 1000);

 private:
  Conn& c_;
};

class MetaRepo {
 public:
  explicit MetaRepo(Conn& c) : c_(c) {}
  Result<std::optional<std::string>> Get(std::string_view key);
  Status Set(std::string_view key, std::string_view value);

 private:
  Conn& c_;
};

}  // namespace firebreak::store
