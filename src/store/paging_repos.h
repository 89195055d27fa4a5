// Repositories of the paging tables: escalation state per incident, the notification outbox, and
// the record of used one-click action links. Documents are opaque JSON here (escalate/ and paging/
// define them); the columns are what queries need.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/sqlite.h"

namespace firebreak::store {

struct EscalationRow {
  std::string incident_id;
  std::string status;  // active | acknowledged | stopped
  std::string policy;
  std::optional<core::TimePoint> next_due;
  core::TimePoint updated_at{};
  std::string doc;  // JSON
};

class EscalationRepo {
 public:
  explicit EscalationRepo(Conn& c) : c_(c) {}
  // Inserts or replaces the row of its incident.
  Status Put(const EscalationRow& r);
  Result<std::optional<EscalationRow>> Get(std::string_view incident_id);
  // Escalations whose next step was due before `before`, oldest first.
  Result<std::vector<EscalationRow>> Overdue(core::TimePoint before, int limit);
  Result<std::map<std::string, int64_t>> CountByStatus();

 private:
  Conn& c_;
};

// One notification: a message to one destination over one channel, delivered at least once.
struct OutboxRow {
  int64_t id = 0;
  std::string key;  // idempotency key (unique)
  std::string incident_id;
  std::string kind;   // page (to a person) | broadcast (to a channel)
  std::string event;  // page, opened, acknowledged, resolved, reopened, notification_failed, ...
  std::string channel;
  std::string channel_type;
  std::string destination;
  std::string person;
  int contact_index = -1;  // which of the person's contact methods
  int64_t page_n = 0;      // the escalation page it belongs to
  std::string context;     // JSON rendered at delivery
  std::string state = "pending";  // pending | delivered | dead | cancelled
  int attempts = 0;
  core::TimePoint next_attempt_at{};
  core::TimePoint event_at{};  // when what it reports became due (latency SLI)
  core::TimePoint created_at{};
  core::TimePoint updated_at{};
  std::optional<core::TimePoint> delivered_at;
  std::string last_error;
  std::string receipt;

  // A later step of a person's notification rules: written with its page, due after it (event_at).
  bool IsRuleStep() const { return event_at > created_at; }
  // Waiting for its time at `now` (a rule step not yet due), as opposed to due and not yet delivered.
  bool IsPlanned(core::TimePoint now) const { return state == "pending" && event_at > now; }
};

class OutboxRepo {
 public:
  explicit OutboxRepo(Conn& c) : c_(c) {}
  // Stores `r` (its key must be new) and returns its id.
  Result<int64_t> Insert(const OutboxRow& r);
  Result<std::optional<OutboxRow>> Get(int64_t id);
  // Pending rows due at `now`, earliest first.
  Result<std::vector<OutboxRow>> Due(core::TimePoint now, int limit);
  // Earliest next attempt of a pending row that is later than `after`.
  Result<std::optional<core::TimePoint>> NextPendingAfter(core::TimePoint after);
  // An incident's notifications, oldest first.
  Result<std::vector<OutboxRow>> ForIncident(std::string_view incident_id, int limit);
  // The latest `limit` rows of incident `incident_id` ("" for messages of no incident) of `kind` and
  // `event` (either empty: any), oldest first.
  Result<std::vector<OutboxRow>> Latest(std::string_view incident_id, std::string_view kind, std::string_view event,
                                        int limit);
  // Rows whose key starts with `prefix` (one message's copies to a person's contact methods), in
  // key order; read through the key's index.
  Result<std::vector<OutboxRow>> WithKeyPrefix(std::string_view prefix, int limit);
  // Pending rows of `kind` for incident `incident_id` ("" for messages of no incident, such as shift
  // handoff notices), planned ones included, oldest first.
  Result<std::vector<OutboxRow>> Pending(std::string_view incident_id, std::string_view kind);
  // Rows of one page to one person (every contact method tried).
  Result<std::vector<OutboxRow>> ForPage(std::string_view incident_id, int64_t page_n, std::string_view person);
  // Pages to people created in [from, to), in time order (responder fatigue: night pages).
  Result<std::vector<OutboxRow>> PagesBetween(core::TimePoint from, core::TimePoint to, int limit);
  // (person, incident) pairs paged for escalations still waiting for an acknowledgement.
  Result<std::vector<std::pair<std::string, std::string>>> UnacknowledgedPages();
  // Marks an incident's pending page notifications cancelled; returns how many.
  Result<int64_t> CancelPendingPages(std::string_view incident_id, core::TimePoint at);
  // Writes the delivery fields (state, attempts, times, error, receipt) of `r`.
  Status UpdateDelivery(const OutboxRow& r);
  // Rows by state; pending rows planned for later than `now` are counted as "planned", not "pending".
  Result<std::map<std::string, int64_t>> CountByState(core::TimePoint now);

 private:
  Conn& c_;
};

class ActionLinkRepo {
 public:
  explicit ActionLinkRepo(Conn& c) : c_(c) {}
  // Records that link `nonce` was used; AlreadyExists if it was used before.
  Status Use(std::string_view nonce, std::string_view incident_id, std::string_view action, std::string_view person,
             core::TimePoint at, std::string_view remote);
  // When the link was used, if it was.
  Result<std::optional<core::TimePoint>> UsedAt(std::string_view nonce);

 private:
  Conn& c_;
};

}  // namespace firebreak::store
