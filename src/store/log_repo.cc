#include "store/log_repo.h"

namespace firebreak::store {

Status LogRepo::UpsertFamily(int64_t id, std::string_view service, std::string_view doc) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO log_families(id, service, doc, active) VALUES (?, ?, ?, 1) "
      "ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, active = 1"));
  return st.Bind(1, id).Bind(2, service).Bind(3, doc).Run();
}

Status LogRepo::DeactivateFamily(int64_t id) {
  FB_ASSIGN_OR_RETURN(auto f, c_.Prepare("UPDATE log_families SET active = 0 WHERE id = ?"));
  FB_TRY(f.Bind(1, id).Run());
  FB_ASSIGN_OR_RETURN(auto t, c_.Prepare("UPDATE log_templates SET active = 0 WHERE family_id = ?"));
  return t.Bind(1, id).Run();
}

Status LogRepo::UpsertTemplate(const LogTemplateRecord& t) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO log_templates(id, service, family_id, text, alias_of, count, errors, first_seen, last_seen, doc, "
      "active) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT(id) DO UPDATE SET text = excluded.text, alias_of = excluded.alias_of, count = excluded.count, "
      "errors = excluded.errors, first_seen = excluded.first_seen, last_seen = excluded.last_seen, "
      "doc = excluded.doc, active = excluded.active"));
  st.Bind(1, t.id).Bind(2, t.service).Bind(3, t.family_id).Bind(4, t.text);
  if (t.alias_of) st.Bind(5, t.alias_of);
  else st.BindNull(5);
  FB_TRY(st.Bind(6, t.count)
             .Bind(7, t.errors)
             .Bind(8, t.first_seen)
             .Bind(9, t.last_seen)
             .Bind(10, t.doc)
             .Bind(11, t.active ? 1 : 0)
             .Run());
  if (t.alias_of) {
    // Keep aliases one level deep: whatever merged into t now belongs to t's target.
    FB_ASSIGN_OR_RETURN(auto fl, c_.Prepare("UPDATE log_templates SET alias_of = ? WHERE alias_of = ?"));
    FB_TRY(fl.Bind(1, t.alias_of).Bind(2, t.id).Run());
  }
  return Ok();
}

Status LogRepo::AddCount(int64_t template_id, int64_t minute, int64_t count, int64_t errors) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO log_counts(template_id, minute, count, errors) VALUES (?, ?, ?, ?) "
      "ON CONFLICT(template_id, minute) DO UPDATE SET count = count + excluded.count, "
      "errors = errors + excluded.errors"));
  return st.Bind(1, template_id).Bind(2, minute).Bind(3, count).Bind(4, errors).Run();
}

Status LogRepo::AddExemplar(const LogExemplar& e, int keep) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO log_exemplars(template_id, time, level, line, labels) VALUES (?, ?, ?, ?, ?)"));
  FB_TRY(st.Bind(1, e.template_id).Bind(2, e.time).Bind(3, e.level).Bind(4, e.line).Bind(5, e.labels).Run());
  FB_ASSIGN_OR_RETURN(auto del, c_.Prepare(
      "DELETE FROM log_exemplars WHERE template_id = ?1 AND id NOT IN "
      "(SELECT id FROM log_exemplars WHERE template_id = ?1 ORDER BY id DESC LIMIT ?2)"));
  return del.Bind(1, e.template_id).Bind(2, static_cast<int64_t>(keep)).Run();
}

Result<std::map<std::string, LogRepo::ServiceState>> LogRepo::LoadActive() {
  std::map<std::string, ServiceState> out;
  FB_ASSIGN_OR_RETURN(auto f, c_.Prepare("SELECT service, doc FROM log_families WHERE active = 1 ORDER BY id"));
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, f.Step());
    if (!row) break;
    out[f.Text(0)].families.push_back(f.Text(1));
  }
  FB_ASSIGN_OR_RETURN(auto t, c_.Prepare(
      "SELECT t.service, t.doc FROM log_templates t JOIN log_families f ON f.id = t.family_id "
      "WHERE t.active = 1 AND f.active = 1 ORDER BY t.id"));
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, t.Step());
    if (!row) break;
    out[t.Text(0)].templates.push_back(t.Text(1));
  }
  return out;
}

Result<int64_t> LogRepo::MaxTemplateId() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COALESCE(MAX(id), 0) FROM log_templates"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

Result<int64_t> LogRepo::MaxFamilyId() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COALESCE(MAX(id), 0) FROM log_families"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

namespace {
constexpr const char* kTemplateColumns =
    "id, service, family_id, text, COALESCE(alias_of, 0), count, errors, first_seen, last_seen, doc, active";

LogTemplateRecord ReadTemplate(Stmt& st) {
  LogTemplateRecord t;
  t.id = st.Int(0);
  t.service = st.Text(1);
  t.family_id = st.Int(2);
  t.text = st.Text(3);
  t.alias_of = st.Int(4);
  t.count = st.Int(5);
  t.errors = st.Int(6);
  t.first_seen = st.Int(7);
  t.last_seen = st.Int(8);
  t.doc = st.Text(9);
  t.active = st.Int(10) != 0;
  return t;
}
}  // namespace

Result<std::optional<LogTemplateRecord>> LogRepo::GetTemplate(int64_t id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kTemplateColumns + " FROM log_templates WHERE id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<LogTemplateRecord>();
  return std::optional<LogTemplateRecord>(ReadTemplate(st));
}

Result<std::vector<LogTemplateRecord>> LogRepo::ListTemplates(std::string_view service, int64_t seen_after_ms,
                                                              int limit, bool errors_only) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kTemplateColumns +
                                          " FROM log_templates WHERE alias_of IS NULL AND (?1 = '' OR service = ?1) "
                                          "AND last_seen >= ?2 AND (?3 = 0 OR errors > 0) "
                                          "ORDER BY last_seen DESC, id DESC LIMIT ?4"));
  st.Bind(1, service).Bind(2, seen_after_ms).Bind(3, errors_only ? 1 : 0).Bind(4, static_cast<int64_t>(limit));
  std::vector<LogTemplateRecord> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadTemplate(st));
  }
  return out;
}

Result<std::vector<LogTemplateCount>> LogRepo::Counts(std::string_view service, int64_t from_minute,
                                                      int64_t to_minute) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT COALESCE(t.alias_of, t.id) AS tid, SUM(c.count), SUM(c.errors) FROM log_templates t "
      "JOIN log_counts c ON c.template_id = t.id AND c.minute >= ?2 AND c.minute < ?3 "
      "WHERE t.service = ?1 GROUP BY tid"));
  st.Bind(1, service).Bind(2, from_minute).Bind(3, to_minute);
  std::vector<LogTemplateCount> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(LogTemplateCount{st.Int(0), st.Int(1), st.Int(2)});
  }
  return out;
}

Result<std::map<int64_t, int64_t>> LogRepo::Series(int64_t template_id, int64_t from_minute, int64_t to_minute) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT c.minute, SUM(c.count) FROM log_counts c WHERE c.template_id IN "
      "(SELECT ?1 UNION SELECT id FROM log_templates WHERE alias_of = ?1) "
      "AND c.minute >= ?2 AND c.minute < ?3 GROUP BY c.minute"));
  st.Bind(1, template_id).Bind(2, from_minute).Bind(3, to_minute);
  std::map<int64_t, int64_t> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out[st.Int(0)] = st.Int(1);
  }
  return out;
}

Result<std::vector<LogExemplar>> LogRepo::Exemplars(int64_t template_id, int limit) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT template_id, time, level, line, labels FROM log_exemplars WHERE template_id IN "
      "(SELECT ?1 UNION SELECT id FROM log_templates WHERE alias_of = ?1) ORDER BY id DESC LIMIT ?2"));
  st.Bind(1, template_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<LogExemplar> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(LogExemplar{st.Int(0), st.Int(1), st.Text(2), st.Text(3), st.Text(4)});
  }
  return out;
}

Result<bool> LogRepo::Mark(std::string_view incident_id, int64_t template_id, std::string_view kind, int64_t time) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT OR IGNORE INTO log_incident_marks(incident_id, template_id, kind, time) VALUES (?, ?, ?, ?)"));
  FB_TRY(st.Bind(1, incident_id).Bind(2, template_id).Bind(3, kind).Bind(4, time).Run());
  return c_.Changes() > 0;
}

Result<std::map<int64_t, std::string>> LogRepo::Marks(std::string_view incident_id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT template_id, kind FROM log_incident_marks WHERE incident_id = ?"));
  st.Bind(1, incident_id);
  std::map<int64_t, std::string> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out[st.Int(0)] = st.Text(1);
  }
  return out;
}

Result<int64_t> LogRepo::Prune(int64_t minute, int64_t before_ms) {
  FB_ASSIGN_OR_RETURN(auto c, c_.Prepare("DELETE FROM log_counts WHERE minute < ?"));
  FB_TRY(c.Bind(1, minute).Run());
  int64_t n = c_.Changes();
  FB_ASSIGN_OR_RETURN(auto e, c_.Prepare(
      "DELETE FROM log_exemplars WHERE template_id IN (SELECT id FROM log_templates WHERE last_seen < ?)"));
  FB_TRY(e.Bind(1, before_ms).Run());
  return n + c_.Changes();
}

}  // namespace firebreak::store
