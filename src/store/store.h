// Store: the durable state of Firebreak (SQLite by default).
//
// The engine is the only writer: it holds the one write transaction at a time (BeginWrite) and
// commits a batch of commands in it. Everyone else reads through snapshot transactions
// (BeginRead), from any thread. Repositories are small value types bound to a transaction; they
// hold all SQL.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/alert_repos.h"
#include "store/log_repo.h"
#include "store/metrics_repo.h"
#include "store/paging_repos.h"
#include "store/repos.h"
#include "store/runbook_repo.h"
#include "store/sqlite.h"

namespace firebreak::store {

class Store;

// A transaction. Write transactions must be committed explicitly; destroying one uncommitted
// rolls it back. Read transactions see one consistent snapshot and end when destroyed.
class Tx {
 public:
  ~Tx();
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  IncidentRepo incidents() { return IncidentRepo(*conn_); }
  TimelineRepo timeline() { return TimelineRepo(*conn_); }
  AuditRepo audit() { return AuditRepo(*conn_); }
  TokenRepo tokens() { return TokenRepo(*conn_); }
  TimerRepo timers() { return TimerRepo(*conn_); }
  MetaRepo meta() { return MetaRepo(*conn_); }
  ChangeEventRepo changes() { return ChangeEventRepo(*conn_); }
  AlertRepo alerts() { return AlertRepo(*conn_); }
  SilenceRepo silences() { return SilenceRepo(*conn_); }
  LogRepo logs() { return LogRepo(*conn_); }
  MetricRepo metrics() { return MetricRepo(*conn_); }
  AnalysisRepo analyses() { return AnalysisRepo(*conn_); }
  EscalationRepo escalations() { return EscalationRepo(*conn_); }
  OutboxRepo outbox() { return OutboxRepo(*conn_); }
  ActionLinkRepo action_links() { return ActionLinkRepo(*conn_); }
  RunbookRepo runbooks() { return RunbookRepo(*conn_); }
  // The connection, for repositories of other modules' tables (store/ only).
  Conn& conn() { return *conn_; }

  bool writable() const { return writable_; }
  // Nested savepoints: the engine wraps each command of a batch in one.
  Status Savepoint(std::string_view name);
  Status RollbackTo(std::string_view name);
  Status Release(std::string_view name);
  Status Commit();

 private:
  friend class Store;
  Tx(Store* store, Conn* conn, bool writable) : store_(store), conn_(conn), writable_(writable) {}
  Store* store_;
  Conn* conn_;
  bool writable_;
  bool done_ = false;
};

struct StoreOptions {
  std::string synchronous = "full";  // see OpenOptions
  bool read_only = false;            // open an existing database for reading only (audit verify)
};

class Store {
 public:
  // Opens (creating if needed) `dir/firebreak.db` and applies pending migrations.
  static Result<std::unique_ptr<Store>> OpenDir(const std::string& dir, const StoreOptions& opt = {});
  // Opens a database file directly.
  static Result<std::unique_ptr<Store>> OpenFile(const std::string& path, const StoreOptions& opt = {});
  ~Store();

  // Begins the write transaction (BEGIN IMMEDIATE). One at a time per Store; blocks while another is
  // open in this process.
  Result<std::unique_ptr<Tx>> BeginWrite();
  // Begins a read snapshot on a pooled connection. Thread-safe.
  Result<std::unique_ptr<Tx>> BeginRead();
  // Writes a consistent, compacted copy of the database to `path` (which must not exist) on a
  // connection of its own (SQLite's VACUUM INTO): the engine goes on writing meanwhile, and the
  // copy holds exactly the transactions committed when it started.
  Status SnapshotTo(const std::string& path) const;
  // SQLite's integrity check of the whole file; Unavailable naming what it found unless all is well.
  Status CheckIntegrity() const;
  // Schema version after migrations.
  int schema_version() const { return schema_version_; }
  const std::string& path() const { return path_; }

 private:
  friend class Tx;
  Store() = default;
  Status Migrate();
  void ReleaseConn(Conn* c, bool writable);
  // A new read-only connection to the database.
  Result<std::unique_ptr<Conn>> OpenReader() const;

  std::string path_;
  StoreOptions opt_;
  std::unique_ptr<Conn> writer_;
  std::mutex writer_mu_;
  bool writer_busy_ = false;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Conn>> idle_readers_;
  int schema_version_ = 0;
};

}  // namespace firebreak::store
