#include "store/alert_repos.h"

#include <algorithm>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::store {

using core::FromUnixMillis;
using core::ToUnixMillis;

namespace {

constexpr const char* kAlertCols =
    "a.id, a.key, a.status, a.incident_id, a.service, a.source, a.severity, a.first_seen, s.last_seen, "
    "a.acknowledged_at, a.resolved_at, s.count, a.join_kind, a.join_reason, a.silence_id, a.flapping, a.changes, "
    "a.doc";
constexpr const char* kAlertFrom = " FROM alerts a JOIN alert_seen s ON s.alert_id = a.id";

std::string EncodeChanges(const std::vector<core::TimePoint>& changes) {
  std::string out;
  for (auto t : changes) {
    if (!out.empty()) out += ',';
    out += std::to_string(ToUnixMillis(t));
  }
  return out;
}

std::vector<core::TimePoint> DecodeChanges(const std::string& s) {
  std::vector<core::TimePoint> out;
  for (const auto& part : core::Split(s, ',', true)) out.push_back(FromUnixMillis(std::atoll(part.c_str())));
  return out;
}

// The document keeps what the source sent; the columns keep what changes.
std::string Doc(const model::Alert& a) {
  auto o = model::ToJson(a);
  for (const char* k : {"id", "status", "incident_id", "count", "last_seen", "acknowledged_at", "resolved_at",
                        "join_kind", "join_reason", "silence_id", "flapping", "state_changes"})
    o.erase(k);
  return core::ToJson(o);
}

Result<model::Alert> ReadAlert(const Stmt& st) {
  FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(st.Text(17)));
  if (v.is_object()) {
    auto& o = v.get_object();
    o["status"] = st.Text(2);
    o["severity"] = model::SeverityName(static_cast<model::Severity>(std::clamp<int64_t>(st.Int(6), 0, 4)));
  }
  FB_ASSIGN_OR_RETURN(auto a, model::AlertFromJson(v));
  a.id = st.Int(0);
  a.key = st.Text(1);
  a.incident_id = st.IsNull(3) ? "" : st.Text(3);
  a.service = st.Text(4);
  a.source = st.Text(5);
  a.first_seen = FromUnixMillis(st.Int(7));
  a.last_seen = FromUnixMillis(st.Int(8));
  if (!st.IsNull(9)) a.acknowledged_at = FromUnixMillis(st.Int(9));
  if (!st.IsNull(10)) a.resolved_at = FromUnixMillis(st.Int(10));
  a.count = st.Int(11);
  FB_ASSIGN_OR_RETURN(a.join_kind, model::ParseJoinKind(st.Text(12)));
  a.join_reason = st.Text(13);
  a.silence_id = st.IsNull(14) ? "" : st.Text(14);
  a.flapping = st.Int(15) != 0;
  a.state_changes = DecodeChanges(st.Text(16));
  return a;
}

Result<std::vector<model::Alert>> ReadAll(Stmt& st) {
  std::vector<model::Alert> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    FB_ASSIGN_OR_RETURN(auto a, ReadAlert(st));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

Result<int64_t> AlertRepo::Insert(const model::Alert& a) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO alerts(key, status, incident_id, service, source, severity, first_seen, "
      "acknowledged_at, resolved_at, join_kind, join_reason, silence_id, flapping, changes, doc) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  st.Bind(1, a.key).Bind(2, model::AlertStatusName(a.status));
  if (a.incident_id.empty()) st.BindNull(3); else st.Bind(3, a.incident_id);
  st.Bind(4, a.service).Bind(5, a.source).Bind(6, static_cast<int64_t>(a.severity));
  st.Bind(7, ToUnixMillis(a.first_seen));
  if (a.acknowledged_at) st.Bind(8, ToUnixMillis(*a.acknowledged_at)); else st.BindNull(8);
  if (a.resolved_at) st.Bind(9, ToUnixMillis(*a.resolved_at)); else st.BindNull(9);
  st.Bind(10, model::JoinKindName(a.join_kind)).Bind(11, a.join_reason);
  if (a.silence_id.empty()) st.BindNull(12); else st.Bind(12, a.silence_id);
  st.Bind(13, static_cast<int64_t>(a.flapping ? 1 : 0)).Bind(14, EncodeChanges(a.state_changes)).Bind(15, Doc(a));
  FB_TRY(st.Run());
  int64_t id = c_.LastInsertRowId();
  FB_ASSIGN_OR_RETURN(auto seen, c_.Prepare("INSERT INTO alert_seen(alert_id, count, last_seen) VALUES (?,?,?)"));
  FB_TRY(seen.Bind(1, id).Bind(2, a.count).Bind(3, ToUnixMillis(a.last_seen)).Run());
  return id;
}

Status AlertRepo::Touch(int64_t id, core::TimePoint at) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("UPDATE alert_seen SET count = count + 1, last_seen = ? WHERE alert_id = ?"));
  FB_TRY(st.Bind(1, ToUnixMillis(at)).Bind(2, id).Run());
  if (c_.Changes() == 0) return NotFound("alert " + std::to_string(id) + " not found");
  return Ok();
}

Status AlertRepo::TouchAll(std::vector<int64_t>& ids, core::TimePoint at) {
  if (ids.size() == 1) return Touch(ids.front(), at);
  std::sort(ids.begin(), ids.end());
  const int64_t ms = ToUnixMillis(at);
  // Each run of consecutive ids (no id twice: a repeated id starts a new run) is one statement. An
  // UPDATE costs SQLite about as much to start and finish as to change a row, so ten alerts stored
  // side by side cost about half of ten single-row UPDATEs.
  for (size_t i = 0; i < ids.size();) {
    size_t j = i + 1;
    while (j < ids.size() && ids[j] == ids[j - 1] + 1) ++j;
    if (j - i == 1) {
      FB_TRY(Touch(ids[i], at));
    } else {
      FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
          "UPDATE alert_seen SET count = count + 1, last_seen = ?1 WHERE alert_id BETWEEN ?2 AND ?3"));
      FB_TRY(st.Bind(1, ms).Bind(2, ids[i]).Bind(3, ids[j - 1]).Run());
      if (c_.Changes() != static_cast<int>(j - i))
        return NotFound("alerts " + std::to_string(ids[i]) + " to " + std::to_string(ids[j - 1]) + ": " +
                        std::to_string(j - i - c_.Changes()) + " not found");
    }
    i = j;
  }
  return Ok();
}

Status AlertRepo::Acknowledge(int64_t id, core::TimePoint at) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "UPDATE alerts SET status = 'acknowledged', acknowledged_at = COALESCE(acknowledged_at, ?1) WHERE id = ?2"));
  FB_TRY(st.Bind(1, ToUnixMillis(at)).Bind(2, id).Run());
  if (c_.Changes() == 0) return NotFound("alert " + std::to_string(id) + " not found");
  return Seen(id, at);
}

Status AlertRepo::Seen(int64_t id, core::TimePoint at) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("UPDATE alert_seen SET last_seen = ? WHERE alert_id = ?"));
  return st.Bind(1, ToUnixMillis(at)).Bind(2, id).Run();
}

Status AlertRepo::SetStatus(int64_t id, model::AlertStatus status, core::TimePoint at, bool flapping,
                            const std::vector<core::TimePoint>& changes) {
  const char* sql =
      status == model::AlertStatus::kResolved
          ? "UPDATE alerts SET status = ?, resolved_at = ?2, flapping = ?3, changes = ?4 WHERE id = ?5"
          : "UPDATE alerts SET status = ?, acknowledged_at = ?2, flapping = ?3, changes = ?4 WHERE id = ?5";
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(sql));
  FB_TRY(st.Bind(1, model::AlertStatusName(status))
             .Bind(2, ToUnixMillis(at))
             .Bind(3, static_cast<int64_t>(flapping ? 1 : 0))
             .Bind(4, EncodeChanges(changes))
             .Bind(5, id)
             .Run());
  if (c_.Changes() == 0) return NotFound("alert " + std::to_string(id) + " not found");
  return Seen(id, at);
}

Status AlertRepo::Attach(int64_t id, const std::string& incident_id, model::JoinKind kind, const std::string& reason,
                         const std::string& silence_id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "UPDATE alerts SET incident_id = ?, join_kind = ?, join_reason = ?, silence_id = ? WHERE id = ?"));
  if (incident_id.empty()) st.BindNull(1); else st.Bind(1, incident_id);
  st.Bind(2, model::JoinKindName(kind)).Bind(3, reason);
  if (silence_id.empty()) st.BindNull(4); else st.Bind(4, silence_id);
  FB_TRY(st.Bind(5, id).Run());
  if (c_.Changes() == 0) return NotFound("alert " + std::to_string(id) + " not found");
  return Ok();
}

Status AlertRepo::Refresh(const model::Alert& a) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("UPDATE alerts SET severity = ?, doc = ? WHERE id = ?"));
  FB_TRY(st.Bind(1, static_cast<int64_t>(a.severity)).Bind(2, Doc(a)).Bind(3, a.id).Run());
  if (c_.Changes() == 0) return NotFound("alert " + std::to_string(a.id) + " not found");
  return Ok();
}

Result<std::optional<model::Alert>> AlertRepo::Get(int64_t id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kAlertCols + kAlertFrom + " WHERE a.id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<model::Alert>();
  FB_ASSIGN_OR_RETURN(auto a, ReadAlert(st));
  return std::optional<model::Alert>(std::move(a));
}

Result<std::vector<model::Alert>> AlertRepo::List(const AlertFilter& f) {
  std::string sql = std::string("SELECT ") + kAlertCols + kAlertFrom + " WHERE 1=1";
  if (f.incident_id) sql += " AND a.incident_id = ?1";
  if (f.status) {
    if (*f.status == "open") sql += " AND a.status IN ('firing','acknowledged')";
    else sql += " AND a.status = ?2";
  }
  if (f.service) sql += " AND a.service = ?3";
  if (f.before_id) sql += " AND a.id < ?4";
  sql += f.oldest_first ? " ORDER BY a.id ASC LIMIT ?5" : " ORDER BY a.id DESC LIMIT ?5";
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(sql));
  if (f.incident_id) st.Bind(1, *f.incident_id);
  if (f.status && *f.status != "open") st.Bind(2, *f.status);
  if (f.service) st.Bind(3, *f.service);
  if (f.before_id) st.Bind(4, *f.before_id);
  st.Bind(5, static_cast<int64_t>(f.limit));
  return ReadAll(st);
}

Result<std::vector<model::Alert>> AlertRepo::ForCorrelation(core::TimePoint since) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      std::string("SELECT ") + kAlertCols + kAlertFrom +
      " WHERE a.status IN ('firing','acknowledged') OR a.id IN "
      "(SELECT MAX(x.id) FROM alerts x JOIN alert_seen y ON y.alert_id = x.id WHERE y.last_seen >= ? GROUP BY x.key)"
      " ORDER BY a.id"));
  st.Bind(1, ToUnixMillis(since));
  return ReadAll(st);
}

Result<IncidentAlertSummary> AlertRepo::Summary(const std::string& incident_id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT service, MIN(severity), COUNT(*), SUM(status IN ('firing','acknowledged')) FROM alerts "
      "WHERE incident_id = ? GROUP BY service"));
  st.Bind(1, incident_id);
  IncidentAlertSummary s;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    s.services.insert(st.Text(0));
    auto sev = static_cast<model::Severity>(std::clamp<int64_t>(st.Int(1), 0, 4));
    if (!s.worst || model::WorseThan(sev, *s.worst)) s.worst = sev;
    s.total += st.Int(2);
    s.open += st.Int(3);
  }
  return s;
}

Result<int64_t> AlertRepo::CountOpen(const std::string& incident_id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT COUNT(*) FROM alerts WHERE incident_id = ? AND status IN ('firing','acknowledged')"));
  st.Bind(1, incident_id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

Result<int64_t> AlertRepo::Reassign(const std::string& from, const std::string& to) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("UPDATE alerts SET incident_id = ? WHERE incident_id = ?"));
  FB_TRY(st.Bind(1, to).Bind(2, from).Run());
  return static_cast<int64_t>(c_.Changes());
}

// ---- silences ---------------------------------------------------------------------------------

Result<int64_t> SilenceRepo::NextNumber() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COALESCE(MAX(number), 0) + 1 FROM silences"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 1;
}

namespace {
int64_t NumberOf(const std::string& id) { return id.size() > 4 ? std::atoll(id.c_str() + 4) : 0; }
}  // namespace

Status SilenceRepo::Insert(const model::Silence& s) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO silences(id, number, starts_at, ends_at, expired_at, doc) VALUES (?,?,?,?,?,?)"));
  st.Bind(1, s.id).Bind(2, NumberOf(s.id)).Bind(3, ToUnixMillis(s.starts_at)).Bind(4, ToUnixMillis(s.ends_at));
  if (s.expired_at) st.Bind(5, ToUnixMillis(*s.expired_at)); else st.BindNull(5);
  return st.Bind(6, core::ToJson(model::ToJson(s, s.created_at))).Run();
}

Status SilenceRepo::Update(const model::Silence& s) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("UPDATE silences SET ends_at = ?, expired_at = ?, doc = ? WHERE id = ?"));
  st.Bind(1, ToUnixMillis(s.ends_at));
  if (s.expired_at) st.Bind(2, ToUnixMillis(*s.expired_at)); else st.BindNull(2);
  FB_TRY(st.Bind(3, core::ToJson(model::ToJson(s, s.created_at))).Bind(4, s.id).Run());
  if (c_.Changes() == 0) return NotFound("silence " + s.id + " not found");
  return Ok();
}

Result<std::optional<model::Silence>> SilenceRepo::Get(std::string_view id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT doc FROM silences WHERE id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<model::Silence>();
  FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(st.Text(0)));
  FB_ASSIGN_OR_RETURN(auto s, model::SilenceFromJson(v));
  return std::optional<model::Silence>(std::move(s));
}

Result<std::vector<model::Silence>> SilenceRepo::List(std::optional<core::TimePoint> live_at, int limit) {
  std::string sql = "SELECT doc FROM silences";
  if (live_at) sql += " WHERE expired_at IS NULL AND ends_at > ?1";
  sql += " ORDER BY number DESC LIMIT ?2";
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(sql));
  if (live_at) st.Bind(1, ToUnixMillis(*live_at));
  st.Bind(2, static_cast<int64_t>(limit));
  std::vector<model::Silence> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(st.Text(0)));
    FB_ASSIGN_OR_RETURN(auto s, model::SilenceFromJson(v));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace firebreak::store
