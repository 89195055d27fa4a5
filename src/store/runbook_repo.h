// Runbook runs, approvals and circuit breakers: JSON documents with indexed columns. The
// documents are written by app/runbooks.cc (through the engine) already redacted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "store/sqlite.h"

namespace firebreak::store {

struct RunRow {
  std::string id;
  std::string runbook, incident_id, service, state;
  core::TimePoint created_at{}, updated_at{};
  boost::json::object doc;
};

struct ApprovalRow {
  std::string id, run_id, state;
  core::TimePoint created_at{}, expires_at{};
  boost::json::object doc;
};

struct RunFilter {
  std::string state;        // empty = any
  std::string incident_id;  // empty = any
  int limit = 100;
};

class RunbookRepo {
 public:
  explicit RunbookRepo(Conn& c) : c_(c) {}
  // Next sequence numbers for ids ("RUN-<n>", "APR-<n>").
  Result<int64_t> NextRunSeq();
  Result<int64_t> NextApprovalSeq();
  Status PutRun(const RunRow& r, int64_t seq = 0);  // seq only on insert
  Result<std::optional<RunRow>> GetRun(std::string_view id);
  Result<std::vector<RunRow>> ListRuns(const RunFilter& f);
  Status PutApproval(const ApprovalRow& a, int64_t seq = 0);
  Result<std::optional<ApprovalRow>> GetApproval(std::string_view id);
  Result<std::vector<ApprovalRow>> ListApprovals(std::string_view state, int limit = 200);
  Result<std::optional<boost::json::object>> GetBreaker(std::string_view service);
  Status PutBreaker(std::string_view service, std::string_view state, const boost::json::object& doc);
  Result<std::vector<boost::json::object>> ListBreakers();

 private:
  Conn& c_;
};

}  // namespace firebreak::store
