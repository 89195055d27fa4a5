#include "store/paging_repos.h"

#include "core/time.h"

namespace firebreak::store {

using core::FromUnixMillis;
using core::ToUnixMillis;

// ---- escalations ------------------------------------------------------------------------------

namespace {
constexpr const char* kEscCols = "incident_id, status, policy, next_due, updated_at, doc";
EscalationRow ReadEscalation(const Stmt& st) {
  EscalationRow r;
  r.incident_id = st.Text(0);
  r.status = st.Text(1);
  r.policy = st.Text(2);
  if (!st.IsNull(3)) r.next_due = FromUnixMillis(st.Int(3));
  r.updated_at = FromUnixMillis(st.Int(4));
  r.doc = st.Text(5);
  return r;
}
}  // namespace

Status EscalationRepo::Put(const EscalationRow& r) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO escalations(incident_id, status, policy, next_due, updated_at, doc) VALUES (?,?,?,?,?,?) "
      "ON CONFLICT(incident_id) DO UPDATE SET status = excluded.status, policy = excluded.policy, "
      "next_due = excluded.next_due, updated_at = excluded.updated_at, doc = excluded.doc"));
  st.Bind(1, r.incident_id).Bind(2, r.status).Bind(3, r.policy);
  if (r.next_due) st.Bind(4, ToUnixMillis(*r.next_due));
  else st.BindNull(4);
  return st.Bind(5, ToUnixMillis(r.updated_at)).Bind(6, r.doc).Run();
}

Result<std::optional<EscalationRow>> EscalationRepo::Get(std::string_view incident_id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kEscCols + " FROM escalations WHERE incident_id = ?"));
  st.Bind(1, incident_id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<EscalationRow>();
  return std::optional<EscalationRow>(ReadEscalation(st));
}

Result<std::vector<EscalationRow>> EscalationRepo::Overdue(core::TimePoint before, int limit) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kEscCols +
                                          " FROM escalations WHERE next_due IS NOT NULL AND next_due < ? "
                                          "ORDER BY next_due LIMIT ?"));
  st.Bind(1, ToUnixMillis(before)).Bind(2, static_cast<int64_t>(limit));
  std::vector<EscalationRow> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadEscalation(st));
  }
  return out;
}

Result<std::map<std::string, int64_t>> EscalationRepo::CountByStatus() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT status, COUNT(*) FROM escalations GROUP BY status"));
  std::map<std::string, int64_t> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out[st.Text(0)] = st.Int(1);
  }
  return out;
}

// ---- outbox -----------------------------------------------------------------------------------

namespace {
constexpr const char* kOutCols =
    "id, idempotency_key, incident_id, kind, event, channel, channel_type, destination, person, contact_index, "
    "page_n, context, state, attempts, next_attempt_at, event_at, created_at, updated_at, delivered_at, last_error, "
    "receipt";
OutboxRow ReadOutbox(const Stmt& st) {
  OutboxRow r;
  r.id = st.Int(0);
  r.key = st.Text(1);
  r.incident_id = st.Text(2);
  r.kind = st.Text(3);
  r.event = st.Text(4);
  r.channel = st.Text(5);
  r.channel_type = st.Text(6);
  r.destination = st.Text(7);
  r.person = st.Text(8);
  r.contact_index = static_cast<int>(st.Int(9));
  r.page_n = st.Int(10);
  r.context = st.Text(11);
  r.state = st.Text(12);
  r.attempts = static_cast<int>(st.Int(13));
  r.next_attempt_at = FromUnixMillis(st.Int(14));
  r.event_at = FromUnixMillis(st.Int(15));
  r.created_at = FromUnixMillis(st.Int(16));
  r.updated_at = FromUnixMillis(st.Int(17));
  if (!st.IsNull(18)) r.delivered_at = FromUnixMillis(st.Int(18));
  r.last_error = st.Text(19);
  r.receipt = st.Text(20);
  return r;
}
Result<std::vector<OutboxRow>> ReadAll(Stmt& st) {
  std::vector<OutboxRow> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadOutbox(st));
  }
  return out;
}
}  // namespace

Result<int64_t> OutboxRepo::Insert(const OutboxRow& r) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO outbox(idempotency_key, incident_id, kind, event, channel, channel_type, destination, person, "
      "contact_index, page_n, context, state, attempts, next_attempt_at, event_at, created_at, updated_at, "
      "last_error, receipt) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  FB_TRY(st.Bind(1, r.key)
             .Bind(2, r.incident_id)
             .Bind(3, r.kind)
             .Bind(4, r.event)
             .Bind(5, r.channel)
             .Bind(6, r.channel_type)
             .Bind(7, r.destination)
             .Bind(8, r.person)
             .Bind(9, r.contact_index)
             .Bind(10, r.page_n)
             .Bind(11, r.context)
             .Bind(12, r.state)
             .Bind(13, r.attempts)
             .Bind(14, ToUnixMillis(r.next_attempt_at))
             .Bind(15, ToUnixMillis(r.event_at))
             .Bind(16, ToUnixMillis(r.created_at))
             .Bind(17, ToUnixMillis(r.updated_at))
             .Bind(18, r.last_error)
             .Bind(19, r.receipt)
             .Run());
  return c_.LastInsertRowId();
}

Result<std::optional<OutboxRow>> OutboxRepo::Get(int64_t id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kOutCols + " FROM outbox WHERE id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<OutboxRow>();
  return std::optional<OutboxRow>(ReadOutbox(st));
}

Result<std::vector<OutboxRow>> OutboxRepo::Due(core::TimePoint now, int limit) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kOutCols +
                                          " FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? "
                                          "ORDER BY next_attempt_at, id LIMIT ?"));
  st.Bind(1, ToUnixMillis(now)).Bind(2, static_cast<int64_t>(limit));
  return ReadAll(st);
}

Result<std::optional<core::TimePoint>> OutboxRepo::NextPendingAfter(core::TimePoint after) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending' AND next_attempt_at > ?"));
  st.Bind(1, ToUnixMillis(after));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row || st.IsNull(0)) return std::optional<core::TimePoint>();
  return std::optional<core::TimePoint>(FromUnixMillis(st.Int(0)));
}

Result<std::vector<OutboxRow>> OutboxRepo::ForIncident(std::string_view incident_id, int limit) {
  // The latest `limit`, oldest first.
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT * FROM (SELECT ") + kOutCols +
                                          " FROM outbox WHERE incident_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id"));
  st.Bind(1, incident_id).Bind(2, static_cast<int64_t>(limit));
  return ReadAll(st);
}

Result<std::vector<OutboxRow>> OutboxRepo::Latest(std::string_view incident_id, std::string_view kind,
                                                  std::string_view event, int limit) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT * FROM (SELECT ") + kOutCols +
                                          " FROM outbox WHERE incident_id = ?1 AND (?2 = '' OR kind = ?2) "
                                          "AND (?3 = '' OR event = ?3) ORDER BY id DESC LIMIT ?4) ORDER BY id"));
  st.Bind(1, incident_id).Bind(2, kind).Bind(3, event).Bind(4, static_cast<int64_t>(limit));
  return ReadAll(st);
}

Result<std::vector<OutboxRow>> OutboxRepo::WithKeyPrefix(std::string_view prefix, int limit) {
  // [prefix, prefix + U+10FFFF): every key that starts with the prefix (keys are UTF-8), as a range
  // the unique index on the key can serve.
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kOutCols +
                                          " FROM outbox WHERE idempotency_key >= ?1 AND idempotency_key < ?2 "
                                          "ORDER BY idempotency_key LIMIT ?3"));
  const std::string end = std::string(prefix) + "\xf4\x8f\xbf\xbf";
  st.Bind(1, prefix).Bind(2, end).Bind(3, static_cast<int64_t>(limit));
  return ReadAll(st);
}

Result<std::vector<OutboxRow>> OutboxRepo::Pending(std::string_view incident_id, std::string_view kind) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kOutCols +
                                          " FROM outbox WHERE state = 'pending' AND incident_id = ? AND kind = ? "
                                          "ORDER BY id"));
  st.Bind(1, incident_id).Bind(2, kind);
  return ReadAll(st);
}

Result<std::vector<OutboxRow>> OutboxRepo::ForPage(std::string_view incident_id, int64_t page_n,
                                                   std::string_view person) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kOutCols +
                                          " FROM outbox WHERE incident_id = ? AND page_n = ? AND person = ? "
                                          "AND kind = 'page' ORDER BY id"));
  st.Bind(1, incident_id).Bind(2, page_n).Bind(3, person);
  return ReadAll(st);
}

Result<std::vector<OutboxRow>> OutboxRepo::PagesBetween(core::TimePoint from, core::TimePoint to, int limit) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kOutCols +
                                          " FROM outbox WHERE kind = 'page' AND person <> '' AND created_at >= ? "
                                          "AND created_at < ? AND state <> 'cancelled' ORDER BY created_at, id LIMIT ?"));
  st.Bind(1, ToUnixMillis(from)).Bind(2, ToUnixMillis(to)).Bind(3, static_cast<int64_t>(limit));
  return ReadAll(st);
}

Result<std::vector<std::pair<std::string, std::string>>> OutboxRepo::UnacknowledgedPages() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT DISTINCT o.person, o.incident_id FROM outbox o JOIN escalations e ON e.incident_id = o.incident_id "
      "WHERE o.kind = 'page' AND o.person <> '' AND e.status = 'active' ORDER BY o.person, o.incident_id"));
  std::vector<std::pair<std::string, std::string>> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.emplace_back(st.Text(0), st.Text(1));
  }
  return out;
}

Result<int64_t> OutboxRepo::CancelPendingPages(std::string_view incident_id, core::TimePoint at) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "UPDATE outbox SET state = 'cancelled', updated_at = ? WHERE incident_id = ? AND kind = 'page' "
      "AND state = 'pending'"));
  FB_TRY(st.Bind(1, ToUnixMillis(at)).Bind(2, incident_id).Run());
  return static_cast<int64_t>(c_.Changes());
}

Status OutboxRepo::UpdateDelivery(const OutboxRow& r) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, updated_at = ?, delivered_at = ?, "
      "last_error = ?, receipt = ? WHERE id = ?"));
  st.Bind(1, r.state).Bind(2, r.attempts).Bind(3, ToUnixMillis(r.next_attempt_at)).Bind(4, ToUnixMillis(r.updated_at));
  if (r.delivered_at) st.Bind(5, ToUnixMillis(*r.delivered_at));
  else st.BindNull(5);
  FB_TRY(st.Bind(6, r.last_error).Bind(7, r.receipt).Bind(8, r.id).Run());
  if (c_.Changes() == 0) return NotFound("notification " + std::to_string(r.id) + " not found");
  return Ok();
}

Result<std::map<std::string, int64_t>> OutboxRepo::CountByState(core::TimePoint now) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT CASE WHEN state = 'pending' AND event_at > ?1 THEN 'planned' ELSE state END AS s, COUNT(*) "
      "FROM outbox GROUP BY s"));
  st.Bind(1, ToUnixMillis(now));
  std::map<std::string, int64_t> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out[st.Text(0)] = st.Int(1);
  }
  return out;
}

// ---- action links -----------------------------------------------------------------------------

Status ActionLinkRepo::Use(std::string_view nonce, std::string_view incident_id, std::string_view action,
                           std::string_view person, core::TimePoint at, std::string_view remote) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO action_links(nonce, incident_id, action, person, used_at, remote) VALUES (?,?,?,?,?,?)"));
  auto r = st.Bind(1, nonce).Bind(2, incident_id).Bind(3, action).Bind(4, person).Bind(5, ToUnixMillis(at))
               .Bind(6, remote).Run();
  if (!r && r.error().code == ErrorCode::kAlreadyExists)
    return MakeError(ErrorCode::kAlreadyExists, "this link was already used", "token");
  return r;
}

Result<std::optional<core::TimePoint>> ActionLinkRepo::UsedAt(std::string_view nonce) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT used_at FROM action_links WHERE nonce = ?"));
  st.Bind(1, nonce);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<core::TimePoint>();
  return std::optional<core::TimePoint>(FromUnixMillis(st.Int(0)));
}

}  // namespace firebreak::store
