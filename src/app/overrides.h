// Schedule overrides made at run time ("take my shift Tuesday night"): who carries a schedule's
// pager instead of its rotation for a stretch of time, created over the HTTP API, the CLI, MCP or
// the console without editing the configuration.
//
// They live in the store (meta key "oncall/overrides": the whole book as one JSON document, written
// in the command that changes it, so a 2xx means the override is durable). The running
// configuration is the files' configuration with each live override appended to its schedule's
// `overrides` (after the configured ones, oldest first, so the newest wins where they overlap), so
// paging, /api/v1/oncall, shifts, rosters and responder resilience all see them without knowing
// where they came from. An override whose schedule or person is no longer configured is kept but
// not applied (the listing says why). Deleting one that has not started cancels it; deleting one
// in progress ends it now; ended ones stay as history (pruned 93 days after their end).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace firebreak::app {

struct ScheduleOverride {
  std::string id;  // OVR-n
  std::string schedule;
  std::string person;
  std::string replaces;  // optional: only while this person would be on call
  core::TimePoint start{};
  core::TimePoint end{};  // exclusive
  std::string reason;
  std::string created_by;  // actor
  core::TimePoint created_at{};
  bool cancelled = false;      // deleted before it started: never applies
  std::string ended_by;        // who deleted it (cancelled, or ended early)
  std::optional<core::TimePoint> ended_at;

  // upcoming | active | ended | cancelled
  std::string StateAt(core::TimePoint now) const;
};

struct OverrideBook {
  int64_t next = 1;
  std::vector<ScheduleOverride> items;  // by id
};

// Limits: how many stay in the book, how long one may last and how far ahead it may start.
inline constexpr size_t kMaxOverrides = 1000;
inline constexpr int kMaxOverrideDays = 93;
inline constexpr int kMaxOverrideLeadDays = 366;

Result<OverrideBook> LoadOverrides(store::Tx& tx);
Status SaveOverrides(store::Tx& tx, const OverrideBook& book);
// Drops overrides cancelled or ended more than kMaxOverrideDays before `now`.
void PruneOverrides(OverrideBook& book, core::TimePoint now);

// The configuration the engine runs: `files` with every applicable override appended to its
// schedule. Returns `files` itself when nothing applies.
std::shared_ptr<const config::Config> WithOverrides(std::shared_ptr<const config::Config> files,
                                                    const std::vector<ScheduleOverride>& items);

// JSON as the API shows it: the fields, `state` at `now`, and `applied: false` with `problem` when
// the configuration no longer has its schedule or person.
boost::json::object OverrideJson(const ScheduleOverride& o, const config::Config& cfg, core::TimePoint now);

// POST /api/v1/oncall/overrides (and the MCP tool): {"schedule", "person", "replaces", "start"
// (RFC 3339, default now), "end" (RFC 3339) or "duration" ("8h"), "reason"}.
struct OverrideRequest {
  std::string schedule;
  std::string person;
  std::string replaces;
  std::optional<core::TimePoint> start, end;
  std::optional<core::Millis> duration;
  std::string reason;
};
Result<OverrideRequest> DecodeOverride(const boost::json::value& body);

// GET /api/v1/oncall/overrides: ?schedule= and ?state=current (upcoming and active, the default) |
// all. The MCP tool passes the same as a JSON object.
struct OverrideQuery {
  std::string schedule;
  bool all = false;
};
Result<OverrideQuery> DecodeOverrideQuery(const std::map<std::string, std::string>& query);
Result<OverrideQuery> DecodeOverrideArgs(const boost::json::value& body);

// Checks `req` against the running configuration `cfg` (its schedules already carry the live
// overrides) at `now` and builds the override (without id and creator). A start up to five minutes
// in the past is taken as now; an earlier one is refused, as an override must not rewrite who was on
// call. With `replaces`, that person must be on the rotation (layers, before overrides) in the range.
Result<ScheduleOverride> CheckOverride(const config::Config& cfg, const OverrideRequest& req, core::TimePoint now);

}  // namespace firebreak::app
