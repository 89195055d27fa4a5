#include "store/runbook_repo.h"

#include "core/json.h"
#include "core/time.h"

namespace firebreak::store {

namespace {

using core::FromUnixMillis;
using core::ToUnixMillis;

Result<boost::json::object> Doc(const std::string& text) {
  FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(text));
  if (!v.is_object()) return Internal("stored document is not an object");
  return v.get_object();
}

Result<RunRow> ReadRun(Stmt& st) {
  RunRow r;
  r.id = st.Text(0);
  r.runbook = st.Text(1);
  r.incident_id = st.Text(2);
  r.service = st.Text(3);
  r.state = st.Text(4);
  r.created_at = FromUnixMillis(st.Int(5));
  r.updated_at = FromUnixMillis(st.Int(6));
  FB_ASSIGN_OR_RETURN(r.doc, Doc(st.Text(7)));
  return r;
}

Result<ApprovalRow> ReadApproval(Stmt& st) {
  ApprovalRow a;
  a.id = st.Text(0);
  a.run_id = st.Text(1);
  a.state = st.Text(2);
  a.created_at = FromUnixMillis(st.Int(3));
  a.expires_at = FromUnixMillis(st.Int(4));
  FB_ASSIGN_OR_RETURN(a.doc, Doc(st.Text(5)));
  return a;
}

constexpr const char* kRunCols = "id, runbook, incident_id, service, state, created_at, updated_at, doc";
constexpr const char* kApprovalCols = "id, run_id, state, created_at, expires_at, doc";

}  // namespace

Result<int64_t> RunbookRepo::NextRunSeq() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM runbook_runs"));
  FB_TRY(st.Step());
  return st.Int(0);
}

Result<int64_t> RunbookRepo::NextApprovalSeq() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM approvals"));
  FB_TRY(st.Step());
  return st.Int(0);
}

Status RunbookRepo::PutRun(const RunRow& r, int64_t seq) {
  if (seq > 0) {
    FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
        "INSERT INTO runbook_runs(id, seq, runbook, incident_id, service, state, created_at, updated_at, doc) "
        "VALUES (?,?,?,?,?,?,?,?,?)"));
    st.Bind(1, r.id).Bind(2, seq).Bind(3, r.runbook).Bind(4, r.incident_id).Bind(5, r.service).Bind(6, r.state)
        .Bind(7, ToUnixMillis(r.created_at)).Bind(8, ToUnixMillis(r.updated_at)).Bind(9, core::ToJson(r.doc));
    return st.Run();
  }
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("UPDATE runbook_runs SET state = ?, updated_at = ?, doc = ? WHERE id = ?"));
  st.Bind(1, r.state).Bind(2, ToUnixMillis(r.updated_at)).Bind(3, core::ToJson(r.doc)).Bind(4, r.id);
  FB_TRY(st.Run());
  if (c_.Changes() != 1) return NotFound("run " + r.id + " not found");
  return Ok();
}

Result<std::optional<RunRow>> RunbookRepo::GetRun(std::string_view id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kRunCols + " FROM runbook_runs WHERE id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<RunRow>();
  FB_ASSIGN_OR_RETURN(auto r, ReadRun(st));
  return std::optional<RunRow>(std::move(r));
}

Result<std::vector<RunRow>> RunbookRepo::ListRuns(const RunFilter& f) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kRunCols +
      " FROM runbook_runs WHERE (? = '' OR state = ?) AND (? = '' OR incident_id = ?) ORDER BY seq DESC LIMIT ?"));
  st.Bind(1, f.state).Bind(2, f.state).Bind(3, f.incident_id).Bind(4, f.incident_id).Bind(5, static_cast<int64_t>(f.limit));
  std::vector<RunRow> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    FB_ASSIGN_OR_RETURN(auto r, ReadRun(st));
    out.push_back(std::move(r));
  }
  return out;
}

Status RunbookRepo::PutApproval(const ApprovalRow& a, int64_t seq) {
  if (seq > 0) {
    FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
        "INSERT INTO approvals(id, seq, run_id, state, created_at, expires_at, doc) VALUES (?,?,?,?,?,?,?)"));
    st.Bind(1, a.id).Bind(2, seq).Bind(3, a.run_id).Bind(4, a.state).Bind(5, ToUnixMillis(a.created_at))
        .Bind(6, ToUnixMillis(a.expires_at)).Bind(7, core::ToJson(a.doc));
    return st.Run();
  }
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("UPDATE approvals SET state = ?, doc = ? WHERE id = ?"));
  st.Bind(1, a.state).Bind(2, core::ToJson(a.doc)).Bind(3, a.id);
  FB_TRY(st.Run());
  if (c_.Changes() != 1) return NotFound("approval " + a.id + " not found");
  return Ok();
}

Result<std::optional<ApprovalRow>> RunbookRepo::GetApproval(std::string_view id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kApprovalCols + " FROM approvals WHERE id = ?"));
  st.Bind(1, id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<ApprovalRow>();
  FB_ASSIGN_OR_RETURN(auto a, ReadApproval(st));
  return std::optional<ApprovalRow>(std::move(a));
}

Result<std::vector<ApprovalRow>> RunbookRepo::ListApprovals(std::string_view state, int limit) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(std::string("SELECT ") + kApprovalCols +
      " FROM approvals WHERE (? = '' OR state = ?) ORDER BY seq DESC LIMIT ?"));
  st.Bind(1, state).Bind(2, state).Bind(3, static_cast<int64_t>(limit));
  std::vector<ApprovalRow> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    FB_ASSIGN_OR_RETURN(auto a, ReadApproval(st));
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::optional<boost::json::object>> RunbookRepo::GetBreaker(std::string_view service) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT doc FROM circuit_breakers WHERE service = ?"));
  st.Bind(1, service);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<boost::json::object>();
  FB_ASSIGN_OR_RETURN(auto d, Doc(st.Text(0)));
  return std::optional<boost::json::object>(std::move(d));
}

Status RunbookRepo::PutBreaker(std::string_view service, std::string_view state, const boost::json::object& doc) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO circuit_breakers(service, state, doc) VALUES (?,?,?) "
      "ON CONFLICT(service) DO UPDATE SET state = excluded.state, doc = excluded.doc"));
  st.Bind(1, service).Bind(2, state).Bind(3, core::ToJson(doc));
  return st.Run();
}

Result<std::vector<boost::json::object>> RunbookRepo::ListBreakers() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT doc FROM circuit_breakers ORDER BY service"));
  std::vector<boost::json::object> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    FB_ASSIGN_OR_RETURN(auto d, Doc(st.Text(0)));
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace firebreak::store
