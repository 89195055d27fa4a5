// Repositories for the report module's tables (migration 60): action items and postmortem fields.
// Rows keep the whole object as a JSON document (report/ owns its shape) plus the columns that are
// filtered on. Obtain them with `ActionItemRepo(tx.conn())`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite.h"

namespace firebreak::store {

struct ActionItemRow {
  int64_t id = 0;
  std::string incident_id;
  std::string owner;
  std::string status;
  std::optional<int64_t> due_ms;
  int64_t updated_ms = 0;
  std::string doc;  // JSON
};

struct ActionItemFilter {
  std::optional<std::string> incident_id;
  std::optional<std::string> owner;
  std::optional<std::string> status;
  bool open_only = false;            // status open or in_progress
  std::optional<int64_t> due_before;  // due_ms < this
  int limit = 1000;
};

class ActionItemRepo {
 public:
  explicit ActionItemRepo(Conn& c) : c_(c) {}
  // Inserts a row (id ignored) and returns its id.
  Result<int64_t> Insert(const ActionItemRow& r);
  Status Update(const ActionItemRow& r);
  Result<std::optional<ActionItemRow>> Get(int64_t id);
  // Oldest first.
  Result<std::vector<ActionItemRow>> List(const ActionItemFilter& f);

 private:
  Conn& c_;
};

class PostmortemRepo {
 public:
  explicit PostmortemRepo(Conn& c) : c_(c) {}
  Result<std::optional<std::string>> Get(std::string_view incident_id);
  Status Put(std::string_view incident_id, std::string_view doc, int64_t updated_ms);

 private:
  Conn& c_;
};

}  // namespace firebreak::store
