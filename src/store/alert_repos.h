// Repositories for alerts and silences (ingestion and correlation state).
//
// An alert row is one firing episode of a key. Hot columns (status, count, last_seen, incident,
// join, flap history) are columns, so the frequent updates — a repeat bumps count and last_seen —
// never rewrite the JSON document, which holds what the source sent (labels, annotations, ...).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/alert.h"
#include "store/sqlite.h"

namespace firebreak::store {

struct AlertFilter {
  std::optional<std::string> incident_id;
  // "firing", "acknowledged", "resolved", or "open" (firing or acknowledged).
  std::optional<std::string> status;
  std::optional<std::string> service;
  std::optional<int64_t> before_id;  // pagination: ids below this
  int limit = 100;
  bool oldest_first = false;
};

// What the alerts of one incident add up to.
struct IncidentAlertSummary {
  int64_t total = 0;
  int64_t open = 0;
  std::set<std::string> services;
  std::optional<model::Severity> worst;  // over all its alerts
};

class AlertRepo {
 public:
  explicit AlertRepo(Conn& c) : c_(c) {}
  // Stores a new episode; returns its id.
  Result<int64_t> Insert(const model::Alert& a);
  // A repeat: count + 1, last_seen.
  Status Touch(int64_t id, core::TimePoint at);
  // Touch for each of `ids` (an id listed twice counts twice); sorts `ids`. Runs of consecutive ids
  // are written by one statement each.
  Status TouchAll(std::vector<int64_t>& ids, core::TimePoint at);
  // Acknowledged (first acknowledgement time kept).
  Status Acknowledge(int64_t id, core::TimePoint at);
  // Resolved (with the key's flap history).
  Status SetStatus(int64_t id, model::AlertStatus status, core::TimePoint at, bool flapping,
                   const std::vector<core::TimePoint>& changes);
  // Where the episode belongs (after a silence ended, or when it joined later).
  Status Attach(int64_t id, const std::string& incident_id, model::JoinKind kind, const std::string& reason,
                const std::string& silence_id);
  // Rewrites labels, annotations, summary and severity (a repeat whose labels changed).
  Status Refresh(const model::Alert& a);
  Result<std::optional<model::Alert>> Get(int64_t id);
  // Newest first (or oldest first).
  Result<std::vector<model::Alert>> List(const AlertFilter& f);
  // For rebuilding the correlator: every open episode, plus the latest episode of each key that
  // changed since `since`; in id order.
  Result<std::vector<model::Alert>> ForCorrelation(core::TimePoint since);
  Result<IncidentAlertSummary> Summary(const std::string& incident_id);
  Result<int64_t> CountOpen(const std::string& incident_id);
  // Moves every episode of incident `from` to incident `to` (a merge); returns how many moved.
  Result<int64_t> Reassign(const std::string& from, const std::string& to);

 private:
  Status Seen(int64_t id, core::TimePoint at);
  Conn& c_;
};

class SilenceRepo {
 public:
  explicit SilenceRepo(Conn& c) : c_(c) {}
  Result<int64_t> NextNumber();
  Status Insert(const model::Silence& s);
  Status Update(const model::Silence& s);
  Result<std::optional<model::Silence>> Get(std::string_view id);
  // Newest first. `live_at`: only silences not expired at that time (pending or active).
  Result<std::vector<model::Silence>> List(std::optional<core::TimePoint> live_at, int limit = 500);

 private:
  Conn& c_;
};

}  // namespace firebreak::store
