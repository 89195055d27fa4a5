#include "store/sqlite.h"

#include <sqlite3.h>

#include <mutex>

namespace firebreak::store {

namespace {

// SQLite keeps process-wide memory statistics by default: every allocation and free takes a global
// mutex to update them (Debian's build has no lookaside, so every statement step allocates). Nothing
// here reads them (sqlite3_memory_used and friends), so switch them off before SQLite initialises:
// about a tenth of the instructions of a small UPDATE. Later calls (SQLite already initialised by
// someone else in the process) fail harmlessly and change nothing.
void ConfigureOnce() {
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  sqlite3_bind_double(s_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  // A null data pointer would bind SQL NULL; an empty string must stay ''.
  sqlite3_bind_text(s_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = conn_->MakeError(rc, sqlite3_sql(s_));
  sqlite3_reset(s_);
  return Unexpected(std::move(e));
}

Status Stmt::Run() {
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(s_, col); }
double Stmt::Double(int col) const { return sqlite3_column_double(s_, col); }
std::string Stmt::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  int n = sqlite3_column_bytes(s_, col);
  return p ? std::string(p, n) : std::string();
}
bool Stmt::IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

Result<std::unique_ptr<Conn>> Conn::Open(const std::string& path, const OpenOptions& opt) {
  ConfigureOnce();
  sqlite3* db = nullptr;
  int flags = (opt.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) |
              SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (db) sqlite3_close(db);
    return Unavailable("cannot open database " + path + ": " + msg);
  }
  std::unique_ptr<Conn> c(new Conn(db));
  sqlite3_busy_timeout(db, opt.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  if (!opt.read_only) {
    FB_TRY(c->Exec("PRAGMA journal_mode=WAL"));
  }
  std::string sync = opt.synchronous == "normal" ? "NORMAL" : "FULL";
  FB_TRY(c->Exec("PRAGMA synchronous=" + sync + "; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY"));
  return c;
}

Conn::~Conn() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

Status Conn::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Error e = MakeError(rc, s.substr(0, 80));
    if (err) sqlite3_free(err);
    return Unexpected(std::move(e));
  }
  return Ok();
}

Status Conn::ExecCached(std::string_view sql) {
  FB_ASSIGN_OR_RETURN(auto st, Prepare(sql));
  return st.Run();
}

Result<Stmt> Conn::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    sqlite3_reset(it->second);
    sqlite3_clear_bindings(it->second);
    return Stmt(this, it->second);
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                              &s, nullptr);
  if (rc != SQLITE_OK) return Unexpected(MakeError(rc, sql));
  cache_.emplace(sql, s);
  return Stmt(this, s);
}

void Conn::ResetAll() {
  for (auto& [sql, s] : cache_) sqlite3_reset(s);
}

int64_t Conn::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Conn::Changes() const { return sqlite3_changes(db_); }

Error Conn::MakeError(int rc, std::string_view what) const {
  std::string msg = std::string(sqlite3_errmsg(db_)) + " (in: " + std::string(what.substr(0, 120)) + "; code " +
                    std::to_string(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Error{ErrorCode::kUnavailable, "storage unavailable: " + msg, ""};
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
        return Error{ErrorCode::kAlreadyExists, msg, ""};
      return Error{ErrorCode::kFailedPrecondition, msg, ""};
    default:
      return Error{ErrorCode::kInternal, "storage error: " + msg, ""};
  }
}

}  // namespace firebreak::store
