#include "store/store.h"

#include <filesystem>

#include "core/time.h"
#include "store/migrations.h"

namespace firebreak::store {

Tx::~Tx() {
  conn_->ResetAll();
  if (!done_) {
    (void)conn_->Exec(writable_ ? "ROLLBACK" : "COMMIT");
  }
  store_->ReleaseConn(conn_, writable_);
}

// Savepoints run once per engine command: prepared once and reused (sqlite3_exec would parse the
// statement every time).
Status Tx::Savepoint(std::string_view name) { return conn_->ExecCached("SAVEPOINT " + std::string(name)); }
Status Tx::RollbackTo(std::string_view name) {
  FB_TRY(conn_->Exec("ROLLBACK TO " + std::string(name)));
  return conn_->Exec("RELEASE " + std::string(name));
}
Status Tx::Release(std::string_view name) { return conn_->ExecCached("RELEASE " + std::string(name)); }

Status Tx::Commit() {
  if (done_) return FailedPrecondition("transaction already finished");
  conn_->ResetAll();
  auto st = conn_->ExecCached("COMMIT");  // once per batch: prepared once, like the savepoints
  if (!st) {
    (void)conn_->Exec("ROLLBACK");
    done_ = true;
    return st;
  }
  done_ = true;
  return Ok();
}

Result<std::unique_ptr<Store>> Store::OpenDir(const std::string& dir, const StoreOptions& opt) {
  std::error_code ec;
  if (!opt.read_only) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Unavailable("cannot create data directory " + dir + ": " + ec.message());
  } else if (!std::filesystem::exists(dir + "/firebreak.db")) {
    return NotFound("no Firebreak database in " + dir + " (expected " + dir + "/firebreak.db)");
  }
  return OpenFile(dir + "/firebreak.db", opt);
}

Result<std::unique_ptr<Store>> Store::OpenFile(const std::string& path, const StoreOptions& opt) {
  std::unique_ptr<Store> s(new Store());
  s->path_ = path;
  s->opt_ = opt;
  OpenOptions oo;
  oo.synchronous = opt.synchronous;
  oo.read_only = opt.read_only;
  FB_ASSIGN_OR_RETURN(s->writer_, Conn::Open(path, oo));
  if (!opt.read_only) {
    FB_TRY(s->Migrate());
  } else {
    auto st = s->writer_->Prepare("SELECT COALESCE(MAX(version),0) FROM schema_migrations");
    if (!st) return NotFound("not a Firebreak database: " + path);
    FB_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row) s->schema_version_ = static_cast<int>(st->Int(0));
    s->writer_->ResetAll();
  }
  return s;
}

Store::~Store() = default;

Status Store::Migrate() {
  FB_TRY(writer_->Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at INTEGER NOT NULL)"));
  FB_ASSIGN_OR_RETURN(auto st, writer_->Prepare("SELECT COALESCE(MAX(version),0) FROM schema_migrations"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  int current = row ? static_cast<int>(st.Int(0)) : 0;
  // Finish the read: a statement left mid-result keeps this connection's read snapshot open, and
  // SQLite then fails the next BEGIN IMMEDIATE at once (no busy wait) whenever another process
  // (the server, when an offline command opens its data) has written since.
  writer_->ResetAll();
  const auto& all = Migrations();
  if (!all.empty() && current > all.back().version)
    return FailedPrecondition("database schema version " + std::to_string(current) +
                              " is newer than this binary supports (" +
                              std::to_string(all.back().version) + ")");
  for (const auto& m : all) {
    if (m.version <= current) continue;
    FB_TRY(writer_->Exec("BEGIN IMMEDIATE"));
    auto ok = writer_->Exec(m.sql);
    if (ok) {
      auto ins = writer_->Prepare(
          "INSERT INTO schema_migrations(version, name, applied_at) "
          "VALUES (?, ?, CAST(strftime('%s','now') AS INTEGER) * 1000)");
      if (ins) {
        ok = ins->Bind(1, m.version).Bind(2, m.name).Run();
      } else {
        ok = Unexpected(ins.error());
      }
    }
    if (!ok) {
      (void)writer_->Exec("ROLLBACK");
      return Internal("migration " + std::to_string(m.version) + " (" + m.name + ") failed: " + ok.error().message);
    }
    FB_TRY(writer_->Exec("COMMIT"));
    current = m.version;
  }
  schema_version_ = current;
  return Ok();
}

Result<std::unique_ptr<Tx>> Store::BeginWrite() {
  if (opt_.read_only) return FailedPrecondition("store opened read-only");
  {
    std::lock_guard lock(writer_mu_);
    if (writer_busy_) return Internal("a write transaction is already open on this store");
    writer_busy_ = true;
  }
  auto st = writer_->ExecCached("BEGIN IMMEDIATE");
  if (!st) {
    std::lock_guard lock(writer_mu_);
    writer_busy_ = false;
    return Unexpected(st.error());
  }
  return std::unique_ptr<Tx>(new Tx(this, writer_.get(), true));
}

Result<std::unique_ptr<Tx>> Store::BeginRead() {
  std::unique_ptr<Conn> c;
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_readers_.empty()) {
      c = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (!c) {
    FB_ASSIGN_OR_RETURN(c, OpenReader());
  }
  auto st = c->Exec("BEGIN");
  if (!st) return Unexpected(st.error());
  Conn* raw = c.release();
  return std::unique_ptr<Tx>(new Tx(this, raw, false));
}

Status Store::SnapshotTo(const std::string& path) const {
  if (std::filesystem::exists(path)) return AlreadyExists("snapshot target " + path + " already exists", "to");
  FB_ASSIGN_OR_RETURN(auto c, OpenReader());
  FB_ASSIGN_OR_RETURN(auto st, c->Prepare("VACUUM INTO ?"));
  st.Bind(1, path);
  return st.Run();
}

Status Store::CheckIntegrity() const {
  FB_ASSIGN_OR_RETURN(auto c, OpenReader());
  FB_ASSIGN_OR_RETURN(auto st, c->Prepare("PRAGMA integrity_check"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  std::string verdict = row ? st.Text(0) : "no answer";
  if (verdict != "ok") return Unavailable(path_ + " failed SQLite's integrity check: " + verdict);
  return Ok();
}

Result<std::unique_ptr<Conn>> Store::OpenReader() const {
  OpenOptions oo;
  oo.read_only = true;
  oo.synchronous = opt_.synchronous;
  return Conn::Open(path_, oo);
}

void Store::ReleaseConn(Conn* c, bool writable) {
  if (writable) {
    std::lock_guard lock(writer_mu_);
    writer_busy_ = false;
    return;
  }
  std::lock_guard lock(pool_mu_);
  if (idle_readers_.size() < 16) {
    idle_readers_.emplace_back(c);
  } else {
    delete c;
  }
}

}  // namespace firebreak::store
