// A thin SQLite wrapper: one Conn per thread of use, prepared statements cached by SQL text.
//
// Repositories (store/*.h) are written against Conn and Stmt; they are the only code that contains
// SQL. Errors come back as Result: SQLITE_BUSY/IOERR/FULL -> Unavailable, constraint violations ->
// AlreadyExists or FailedPrecondition, the rest -> Internal.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/hash.h"
#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace firebreak::store {

class Conn;

// A prepared statement. Bind parameters are 1-based. Obtained from Conn::Prepare and reset
// automatically when prepared again.
class Stmt {
 public:
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& BindNull(int i);
  template <class T>
  Stmt& Bind(int i, const std::optional<T>& v) {
    if (v) return Bind(i, *v);
    return BindNull(i);
  }

  // Advances to the next row: true if there is a row, false when done.
  Result<bool> Step();
  // Runs to completion (for statements without result rows).
  Status Run();

  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  bool IsNull(int col) const;

 private:
  friend class Conn;
  Stmt(Conn* c, sqlite3_stmt* s) : conn_(c), s_(s) {}
  Conn* conn_;
  sqlite3_stmt* s_;
};

struct OpenOptions {
  bool read_only = false;
  // "full" (fsync every commit; durable across power loss) or "normal" (durable across process
  // crashes in WAL mode).
  std::string synchronous = "full";
  int busy_timeout_ms = 10000;
};

class Conn {
 public:
  static Result<std::unique_ptr<Conn>> Open(const std::string& path, const OpenOptions& opt);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs one or more statements without parameters.
  Status Exec(std::string_view sql);
  // Returns the cached prepared statement for `sql`, reset and with bindings cleared.
  Result<Stmt> Prepare(std::string_view sql);
  // Runs one statement without parameters through the statement cache: for statements run often
  // (BEGIN, COMMIT, savepoints), which Exec would parse every time.
  Status ExecCached(std::string_view sql);
  // Resets every cached statement so none keeps a read snapshot open.
  void ResetAll();
  int64_t LastInsertRowId() const;
  int Changes() const;
  // Maps the connection's last error (`rc`) to an Error with `what` as context.
  Error MakeError(int rc, std::string_view what) const;
  sqlite3* raw() { return db_; }

 private:
  explicit Conn(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  // Looked up by string_view: a statement written as a literal costs no std::string per use.
  std::unordered_map<std::string, sqlite3_stmt*, core::StringHash, std::equal_to<>> cache_;
};

}  // namespace firebreak::store
