// Runbooks: the application surface of runbook automation (DESIGN.md §3), shared by HTTP, the CLI
// and MCP. Every call takes the caller's Principal and returns JSON, so front ends only decode and
// encode.
//
// Rules enforced here, below every front end:
//   - a run whose runbook has a HIGH step (or whose service's circuit breaker is open) waits for an
//     approval; LOW and MEDIUM steps run automatically (MEDIUM only with a rollback: config/);
//   - an approval needs a person holding the `approve` scope who is not the requester; agents
//     (MCP clients, tokens without a person) may request runs but never approve or reject them;
//     approvals expire on a durable engine timer; a rejection needs a reason;
//   - every request, decision, step start/end and rollback is written through the engine with
//     its audit entry and (for runs tied to an incident) a timeline entry;
//   - a run's steps execute on the runbook worker thread, one at a time, each bracketed by engine
//     commands, so a restart finds the in-flight step recorded as running and marks it
//     interrupted (it is never re-run silently);
//   - a failed step or verification rolls back the completed steps in reverse order, then raises
//     the incident's remediation-failed trigger (escalation); automatic failures count towards the
//     service's circuit breaker;
//   - everything stored or returned is passed through the one redactor (core/redact.h).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "core/redact.h"
#include "engine/engine.h"
#include "model/actor.h"
#include "store/store.h"

namespace firebreak::app {

using JsonCallback = std::function<void(Result<boost::json::value>)>;

class Runbooks {
 public:
  Runbooks(engine::Engine& engine, store::Store& store, std::string data_dir);
  ~Runbooks();

  // Marks runs interrupted by a previous process, resumes queued ones and starts the worker.
  // Call after the engine started.
  void Start();
  void Stop();

  // ---- queries -----------------------------------------------------------------------------
  Result<boost::json::value> List(const model::Principal& who) const;
  Result<boost::json::value> Show(const model::Principal& who, std::string_view id) const;
  // body: {incident?, services?, labels?, logs?, severity?} -> {matches: [{runbook, title, score, reasons}]}
  Result<boost::json::value> Match(const model::Principal& who, const boost::json::value& body) const;
  // body as for RequestRun: what would run, exactly, touching nothing.
  Result<boost::json::value> DryRun(const model::Principal& who, const boost::json::value& body) const;
  Result<boost::json::value> GetRun(const model::Principal& who, std::string_view id) const;
  Result<boost::json::value> ListRuns(const model::Principal& who, const std::string& state,
                                      const std::string& incident) const;
  Result<boost::json::value> ListApprovals(const model::Principal& who, const std::string& state) const;
  Result<boost::json::value> GetApproval(const model::Principal& who, std::string_view id) const;
  Result<boost::json::value> Breakers(const model::Principal& who) const;

  // ---- commands (the callback runs once the change is durable) -------------------------------
  // body: {runbook, incident?, service?, params?, labels?, rationale?, expected_impact?,
  //        rollback_plan?, dry_run?}. Returns the run (state queued or pending_approval).
  void RequestRun(const model::Principal& who, boost::json::value body, JsonCallback cb);
  // body: {note?}
  void Approve(const model::Principal& who, std::string approval_id, boost::json::value body, JsonCallback cb);
  // body: {reason} (required)
  void Reject(const model::Principal& who, std::string approval_id, boost::json::value body, JsonCallback cb);
  // Ticks a manual step a run is waiting on. body: {note?}
  void CompleteManual(const model::Principal& who, std::string run_id, std::string step_id,
                      boost::json::value body, JsonCallback cb);
  // body: {reason} (required)
  void ResetBreaker(const model::Principal& who, std::string service, boost::json::value body, JsonCallback cb);

  // Long polls: call back once the run is settled (not queued, running or rolling back) or the
  // approval decided, or when `timeout` passes (with its current state either way). Each wait
  // runs on its own thread (at most kMaxWaiters at once).
  void WaitRun(const model::Principal& who, std::string id, core::Millis timeout, JsonCallback cb);
  void WaitApproval(const model::Principal& who, std::string id, core::Millis timeout, JsonCallback cb);
  static constexpr int kMaxWaiters = 64;

  // Blocks until the worker has nothing queued or running (tests, shutdown).
  void WaitIdle();

 private:
  struct RawRun;  // unredacted plan and parameters, kept in memory only
  void Enqueue(const std::string& run_id);
  void Forget(const std::string& run_id);  // drops a finished run's in-memory plan
  std::shared_ptr<RawRun> Raw(const std::string& run_id);  // its in-memory plan, if this process has it
  void WorkerLoop();
  void Process(const std::string& run_id);
  std::unique_ptr<core::Redactor> RedactorFor(const std::vector<std::string>& secrets) const;

  engine::Engine& engine_;
  store::Store& store_;
  std::string data_dir_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread worker_;
  std::map<std::string, std::shared_ptr<RawRun>> raw_;  // run id -> its unredacted plan

  // Long-poll waiters: woken by the engine's change feed.
  void WaitFor(std::function<Result<std::pair<bool, boost::json::value>>()> probe, core::Millis timeout,
               JsonCallback cb);
  int subscription_ = 0;
  std::mutex wmu_;
  std::condition_variable wcv_;
  uint64_t generation_ = 0;
  int waiters_ = 0;
  bool wstop_ = false;
};

}  // namespace firebreak::app
