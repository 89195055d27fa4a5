#include "store/repos.h"

#include "core/json.h"
#include "core/time.h"

namespace firebreak::store {

using core::FromUnixMillis;
using core::ToUnixMillis;

// ---- incidents ------------------------------------------------------------------------------

Result<int64_t> IncidentRepo::NextNumber() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COALESCE(MAX(number), 0) + 1 FROM incidents"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 1;
}

namespace {
Status WriteServices(Conn& c, const model::Incident& i) {
  FB_ASSIGN_OR_RETURN(auto del, c.Prepare("DELETE FROM incident_services WHERE incident_id = ?"));
  FB_TRY(del.Bind(1, i.id).Run());
  for (const auto& s : i.services) {
    FB_ASSIGN_OR_RETURN(auto ins, c.Prepare("INSERT OR IGNORE INTO incident_services(incident_id, service) VALUES (?, ?)"));
    FB_TRY(ins.Bind(1, i.id).Bind(2, s).Run());
  }
  return Ok();
}

Result<model::Incident> DecodeIncident(const std::string& doc) {
  FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(doc));
  return model::IncidentFromJson(v);
}
}  // namespace

Status IncidentRepo::Insert(const model::Incident& i) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO incidents(id, number, state, severity, created_at, updated_at, doc) VALUES (?,?,?,?,?,?,?)"));
  FB_TRY(st.Bind(1, i.id)
             .Bind(2, i.number)
             .Bind(3, model::StateName(i.state))
             .Bind(4, static_cast<int64_t>(i.severity))
             .Bind(5, ToUnixMillis(i.created_at))
             .Bind(6, ToUnixMillis(i.updated_at))
             .Bind(7, core::ToJson(model::ToJson(i)))
             .Run());
  return WriteServices(c_, i);
}

Status IncidentRepo::Update(const model::Incident& i) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "UPDATE incidents SET state = ?, severity = ?, updated_at = ?, doc = ? WHERE id = ?"));
  FB_TRY(st.Bind(1, model::StateName(i.state))
             .Bind(2, static_cast<int64_t>(i.severity))
             .Bind(3, ToUnixMillis(i.updated_at))
             .Bind(4, core::ToJson(model::ToJson(i)))
             .Bind(5, i.id)
             .Run());
  if (c_.Changes() == 0) return NotFound("incident " + i.id + " not found");
  return WriteServices(c_, i);
}

Result<std::optional<model::Incident>> IncidentRepo::Get(std::string_view id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT doc FROM incidents WHERE id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<model::Incident>();
  FB_ASSIGN_OR_RETURN(auto inc, DecodeIncident(st.Text(0)));
  return std::optional<model::Incident>(std::move(inc));
}

Result<std::vector<model::Incident>> IncidentRepo::List(const IncidentFilter& f) {
  std::string sql = "SELECT i.doc FROM incidents i";
  if (f.service) sql += " JOIN incident_services s ON s.incident_id = i.id AND s.service = ?1";
  sql += " WHERE 1=1";
  if (f.state) sql += " AND i.state = ?2";
  if (f.open_only) sql += " AND i.state IN ('triggered','acknowledged','mitigated')";
  if (f.severity) sql += " AND i.severity = ?3";
  if (f.before_number) sql += " AND i.number < ?4";
  sql += " ORDER BY i.number DESC LIMIT ?5";
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(sql));
  if (f.service) st.Bind(1, *f.service);
  if (f.state) st.Bind(2, model::StateName(*f.state));
  if (f.severity) st.Bind(3, static_cast<int64_t>(*f.severity));
  if (f.before_number) st.Bind(4, *f.before_number);
  st.Bind(5, static_cast<int64_t>(f.limit));
  std::vector<model::Incident> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    FB_ASSIGN_OR_RETURN(auto inc, DecodeIncident(st.Text(0)));
    out.push_back(std::move(inc));
  }
  return out;
}

Result<std::map<std::string, int64_t>> IncidentRepo::CountByState() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT state, COUNT(*) FROM incidents GROUP BY state"));
  std::map<std::string, int64_t> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out[st.Text(0)] = st.Int(1);
  }
  return out;
}

Result<std::map<std::string, int64_t>> IncidentRepo::CountOpenBySeverity() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT severity, COUNT(*) FROM incidents WHERE state IN ('triggered','acknowledged','mitigated') "
      "GROUP BY severity"));
  std::map<std::string, int64_t> out;
  for (auto s : model::kAllSeverities) out[std::string(model::SeverityName(s))] = 0;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    int64_t sev = st.Int(0);
    if (sev >= 0 && sev <= 4) out[std::string(model::SeverityName(static_cast<model::Severity>(sev)))] = st.Int(1);
  }
  return out;
}

// ---- timeline -------------------------------------------------------------------------------

Result<model::TimelineEntry> TimelineRepo::Append(model::TimelineEntry e) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO timeline(incident_id, time, kind, actor, text, data) VALUES (?,?,?,?,?,?)"));
  FB_TRY(st.Bind(1, e.incident_id)
             .Bind(2, ToUnixMillis(e.time))
             .Bind(3, e.kind)
             .Bind(4, e.actor)
             .Bind(5, e.text)
             .Bind(6, core::ToJson(e.data))
             .Run());
  e.id = c_.LastInsertRowId();
  return e;
}

Result<std::vector<model::TimelineEntry>> TimelineRepo::List(std::string_view incident_id,
                                                             int64_t after_id, int limit) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT id, incident_id, time, kind, actor, text, data FROM timeline WHERE incident_id = ? AND id > ? "
      "ORDER BY id LIMIT ?"));
  st.Bind(1, incident_id).Bind(2, after_id).Bind(3, static_cast<int64_t>(limit));
  std::vector<model::TimelineEntry> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    model::TimelineEntry e;
    e.id = st.Int(0);
    e.incident_id = st.Text(1);
    e.time = FromUnixMillis(st.Int(2));
    e.kind = st.Text(3);
    e.actor = st.Text(4);
    e.text = st.Text(5);
    auto data = core::ParseJson(st.Text(6));
    if (data && data->is_object()) e.data = data->get_object();
    out.push_back(std::move(e));
  }
  return out;
}

// ---- audit ----------------------------------------------------------------------------------

namespace {
model::AuditEntry ReadAudit(const Stmt& st) {
  model::AuditEntry e;
  e.seq = st.Int(0);
  e.time = FromUnixMillis(st.Int(1));
  e.actor = st.Text(2);
  e.action = st.Text(3);
  e.target = st.Text(4);
  auto d = core::ParseJson(st.Text(5));
  if (d && d->is_object()) {
    e.details = d->get_object();
  } else {
    // Keep unparseable details visible to the verifier: the hash will not match.
    e.details["__unparseable__"] = st.Text(5);
  }
  e.prev_hash = st.Text(6);
  e.hash = st.Text(7);
  return e;
}
constexpr const char* kAuditCols = "seq, time, actor, action, target, details, prev_hash, hash";
}  // namespace

Status AuditRepo::Append(const model::AuditEntry& e) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO audit(seq, time, actor, action, target, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)"));
  return st.Bind(1, e.seq)
      .Bind(2, ToUnixMillis(e.time))
      .Bind(3, e.actor)
      .Bind(4, e.action)
      .Bind(5, e.target)
      .Bind(6, core::CanonicalJson(e.details))
      .Bind(7, e.prev_hash)
      .Bind(8, e.hash)
      .Run();
}

Result<std::optional<model::AuditEntry>> AuditRepo::Last() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kAuditCols + " FROM audit ORDER BY seq DESC LIMIT 1"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<model::AuditEntry>();
  return std::optional<model::AuditEntry>(ReadAudit(st));
}

Result<std::vector<model::AuditEntry>> AuditRepo::List(const AuditFilter& f) {
  std::string sql = std::string("SELECT ") + kAuditCols + " FROM audit WHERE seq > ?1";
  if (f.actor) sql += " AND actor = ?2";
  if (f.action_prefix) sql += " AND substr(action, 1, length(?3)) = ?3";
  if (f.target) sql += " AND target = ?4";
  sql += " ORDER BY seq LIMIT ?5";
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(sql));
  st.Bind(1, f.after_seq);
  if (f.actor) st.Bind(2, *f.actor);
  if (f.action_prefix) st.Bind(3, *f.action_prefix);
  if (f.target) st.Bind(4, *f.target);
  st.Bind(5, static_cast<int64_t>(f.limit));
  std::vector<model::AuditEntry> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadAudit(st));
  }
  return out;
}

Status AuditRepo::Scan(const std::function<bool(const model::AuditEntry&)>& fn) {
  // Storage order is rowid order; for the audit table rowid == seq.
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kAuditCols + " FROM audit ORDER BY rowid"));
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    if (!fn(ReadAudit(st))) break;
  }
  return Ok();
}

Result<int64_t> AuditRepo::Count() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COUNT(*) FROM audit"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

// ---- tokens ---------------------------------------------------------------------------------

namespace {
TokenRecord ReadToken(const Stmt& st) {
  TokenRecord t;
  t.id = st.Text(0);
  t.hash = st.Text(1);
  t.person = st.Text(2);
  t.name = st.Text(3);
  t.scopes = static_cast<unsigned>(st.Int(4));
  t.created_at = FromUnixMillis(st.Int(5));
  if (!st.IsNull(6)) t.revoked_at = FromUnixMillis(st.Int(6));
  return t;
}
}  // namespace

Status TokenRepo::Insert(const TokenRecord& t) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO tokens(id, hash, person, name, scopes, created_at, revoked_at) VALUES (?,?,?,?,?,?,NULL)"));
  return st.Bind(1, t.id)
      .Bind(2, t.hash)
      .Bind(3, t.person)
      .Bind(4, t.name)
      .Bind(5, static_cast<int64_t>(t.scopes))
      .Bind(6, ToUnixMillis(t.created_at))
      .Run();
}

Result<std::optional<TokenRecord>> TokenRepo::Get(std::string_view id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT id, hash, person, name, scopes, created_at, revoked_at FROM tokens WHERE id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<TokenRecord>();
  return std::optional<TokenRecord>(ReadToken(st));
}

Result<std::vector<TokenRecord>> TokenRepo::List() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT id, hash, person, name, scopes, created_at, revoked_at FROM tokens ORDER BY created_at"));
  std::vector<TokenRecord> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadToken(st));
  }
  return out;
}

Status TokenRepo::Revoke(std::string_view id, core::TimePoint at) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"));
  FB_TRY(st.Bind(1, ToUnixMillis(at)).Bind(2, id).Run());
  if (c_.Changes() == 0) return NotFound("no active token " + std::string(id));
  return Ok();
}

Result<int64_t> TokenRepo::CountActive() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COUNT(*) FROM tokens WHERE revoked_at IS NULL"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

// ---- timers ---------------------------------------------------------------------------------

namespace {
TimerRecord ReadTimer(const Stmt& st) {
  TimerRecord t;
  t.id = st.Int(0);
  t.kind = st.Text(1);
  t.key = st.Text(2);
  t.due = FromUnixMillis(st.Int(3));
  t.payload = st.Text(4);
  t.created_at = FromUnixMillis(st.Int(5));
  return t;
}
constexpr const char* kTimerCols = "id, kind, key, due_at, payload, created_at";
}  // namespace

Result<int64_t> TimerRepo::Upsert(const TimerRecord& t) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO timers(kind, key, due_at, payload, created_at) VALUES (?,?,?,?,?) "
      "ON CONFLICT(kind, key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload "
      "RETURNING id"));
  st.Bind(1, t.kind).Bind(2, t.key).Bind(3, ToUnixMillis(t.due)).Bind(4, t.payload).Bind(5, ToUnixMillis(t.created_at));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Internal("timer upsert returned no id");
  int64_t id = st.Int(0);
  FB_TRY(st.Run());
  return id;
}

Result<std::optional<TimerRecord>> TimerRepo::Get(int64_t id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kTimerCols + " FROM timers WHERE id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<TimerRecord>();
  return std::optional<TimerRecord>(ReadTimer(st));
}

Result<std::optional<TimerRecord>> TimerRepo::Find(std::string_view kind, std::string_view key) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kTimerCols + " FROM timers WHERE kind = ? AND key = ?"));
  st.Bind(1, kind).Bind(2, key);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<TimerRecord>();
  return std::optional<TimerRecord>(ReadTimer(st));
}

Status TimerRepo::Delete(int64_t id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("DELETE FROM timers WHERE id = ?"));
  return st.Bind(1, id).Run();
}

Result<std::vector<TimerRecord>> TimerRepo::All() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kTimerCols + " FROM timers ORDER BY due_at, id"));
  std::vector<TimerRecord> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadTimer(st));
  }
  return out;
}

// ---- change events ----------------------------------------------------------------------------

Result<int64_t> ChangeEventRepo::Insert(const model::ChangeEvent& e) {
  if (!e.dedup_key.empty()) {
    FB_ASSIGN_OR_RETURN(auto q, c_.Prepare("SELECT id FROM change_events WHERE dedup_key = ?"));
    q.Bind(1, e.dedup_key);
    FB_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) return q.Int(0);
  }
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO change_events(service, kind, time, received_at, dedup_key, doc) VALUES (?,?,?,?,?,?)"));
  st.Bind(1, e.service).Bind(2, e.kind).Bind(3, ToUnixMillis(e.time)).Bind(4, ToUnixMillis(e.received_at));
  if (e.dedup_key.empty()) st.BindNull(5); else st.Bind(5, e.dedup_key);
  st.Bind(6, core::ToJson(model::ToJson(e)));
  FB_TRY(st.Run());
  return c_.LastInsertRowId();
}

Result<std::vector<model::ChangeEvent>> ChangeEventRepo::List(core::TimePoint from, core::TimePoint to,
                                                              std::string_view service, int limit) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT id, doc FROM change_events WHERE time >= ? AND time < ? AND (? = '' OR service = ?) "
      "ORDER BY time, id LIMIT ?"));
  st.Bind(1, ToUnixMillis(from)).Bind(2, ToUnixMillis(to)).Bind(3, service).Bind(4, service).Bind(5, static_cast<int64_t>(limit));
  std::vector<model::ChangeEvent> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(st.Text(1)));
    core::ObjectReader r(v, "change_event");
    model::ChangeEvent e;
    e.id = st.Int(0);
    e.service = r.String("service").value_or("");
    e.kind = r.String("kind").value_or("");
    e.summary = r.String("summary").value_or("");
    e.source = r.String("source").value_or("");
    e.dedup_key = r.String("dedup_key").value_or("");
    if (auto l = r.StringMap("labels")) e.labels = *l;
    if (auto l = r.StringArray("links")) e.links = *l;
    FB_TRY(r.status());
    FB_ASSIGN_OR_RETURN(e.time, core::ParseRfc3339(r.String("time").value_or("")));
    FB_ASSIGN_OR_RETURN(e.received_at, core::ParseRfc3339(r.String("received_at").value_or("")));
    out.push_back(std::move(e));
  }
  return out;
}

// ---- meta -----------------------------------------------------------------------------------

Result<std::optional<std::string>> MetaRepo::Get(std::string_view key) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT value FROM meta WHERE key = ?"));
  st.Bind(1, key);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.Text(0));
}

Status MetaRepo::Set(std::string_view key, std::string_view value) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  return st.Bind(1, key).Bind(2, value).Run();
}

}  // namespace firebreak::store
