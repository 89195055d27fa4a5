#include "store/report_repos.h"

namespace firebreak::store {

namespace {
ActionItemRow ReadRow(const Stmt& st) {
  ActionItemRow r;
  r.id = st.Int(0);
  r.incident_id = st.Text(1);
  r.owner = st.Text(2);
  r.status = st.Text(3);
  if (!st.IsNull(4)) r.due_ms = st.Int(4);
  r.updated_ms = st.Int(5);
  r.doc = st.Text(6);
  return r;
}
constexpr const char* kCols = "id, incident_id, owner, status, due_at, updated_at, doc";
}  // namespace

Result<int64_t> ActionItemRepo::Insert(const ActionItemRow& r) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO action_items(incident_id, owner, status, due_at, updated_at, doc) VALUES (?,?,?,?,?,?)"));
  st.Bind(1, r.incident_id).Bind(2, r.owner).Bind(3, r.status).Bind(4, r.due_ms).Bind(5, r.updated_ms).Bind(6, r.doc);
  FB_TRY(st.Run());
  return c_.LastInsertRowId();
}

Status ActionItemRepo::Update(const ActionItemRow& r) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "UPDATE action_items SET owner = ?, status = ?, due_at = ?, updated_at = ?, doc = ? WHERE id = ?"));
  st.Bind(1, r.owner).Bind(2, r.status).Bind(3, r.due_ms).Bind(4, r.updated_ms).Bind(5, r.doc).Bind(6, r.id);
  FB_TRY(st.Run());
  if (c_.Changes() == 0) return NotFound("action item " + std::to_string(r.id) + " not found", "id");
  return Ok();
}

Result<std::optional<ActionItemRow>> ActionItemRepo::Get(int64_t id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kCols + " FROM action_items WHERE id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<ActionItemRow>();
  return std::optional<ActionItemRow>(ReadRow(st));
}

Result<std::vector<ActionItemRow>> ActionItemRepo::List(const ActionItemFilter& f) {
  std::string sql = std::string("SELECT ") + kCols +
                    " FROM action_items WHERE (?1 IS NULL OR incident_id = ?1) AND (?2 IS NULL OR owner = ?2)"
                    " AND (?3 IS NULL OR status = ?3) AND (?4 = 0 OR status IN ('open','in_progress'))"
                    " AND (?5 IS NULL OR (due_at IS NOT NULL AND due_at < ?5)) ORDER BY id LIMIT ?6";
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(sql));
  st.Bind(1, f.incident_id).Bind(2, f.owner).Bind(3, f.status).Bind(4, f.open_only ? 1 : 0).Bind(5, f.due_before);
  st.Bind(6, static_cast<int64_t>(f.limit));
  std::vector<ActionItemRow> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadRow(st));
  }
  return out;
}

Result<std::optional<std::string>> PostmortemRepo::Get(std::string_view incident_id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT doc FROM postmortems WHERE incident_id = ?"));
  st.Bind(1, incident_id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.Text(0));
}

Status PostmortemRepo::Put(std::string_view incident_id, std::string_view doc, int64_t updated_ms) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO postmortems(incident_id, doc, updated_at) VALUES (?,?,?) "
      "ON CONFLICT(incident_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at"));
  st.Bind(1, incident_id).Bind(2, doc).Bind(3, updated_ms);
  return st.Run();
}

}  // namespace firebreak::store
