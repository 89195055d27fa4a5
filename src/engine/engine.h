// Engine: the only writer of state.
//
// Commands are queued from any thread and run on one engine thread. The engine takes a batch of
// queued commands (plus every durable timer that is due), runs each inside its own savepoint of one
// store transaction, and commits the batch once (group commit): a command's completion runs only
// after its effects are durable. A command that fails is rolled back to its savepoint and leaves
// nothing behind; the rest of the batch is unaffected.
//
// Every state change goes through a command, which writes the new state, its timeline entry and its
// audit entry through engine::Tx in the same transaction.
//
// Timers are rows in the store (kind, key, due time); the engine keeps an in-memory queue of them,
// rebuilt from the store on Start, so deadlines survive restarts and a missed deadline fires at once
// with its lateness reported to the handler.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/timer_queue.h"
#include "model/actor.h"
#include "model/audit_entry.h"
#include "model/incident.h"
#include "store/store.h"

namespace firebreak::engine {

class Engine;

// A committed change, published to subscribers (web console stream, MCP resource subscriptions).
struct Change {
  std::string topic;  // "incident", "timeline", "approval", "oncall", "alert", ...
  std::string id;     // the incident id (or other object id)
  boost::json::value data;
};

// What a command sees while it runs.
class Tx {
 public:
  Tx(Engine& engine, store::Tx& store, core::TimePoint now,
     std::shared_ptr<const config::Config> config);

  store::Tx& store() { return store_; }
  core::TimePoint now() const { return now_; }
  const config::Config& config() const { return *config_; }
  std::shared_ptr<const config::Config> config_ptr() const { return config_; }
  Engine& engine() { return engine_; }

  // Appends an entry to an incident's timeline and publishes it after commit.
  Result<model::TimelineEntry> Timeline(const std::string& incident_id, const model::Actor& actor,
                                        std::string kind, std::string text,
                                        boost::json::object data = {});
  // Appends an audit entry (hash-chained) in this transaction.
  Result<model::AuditEntry> Audit(const model::Actor& actor, std::string action, std::string target,
                                  boost::json::object details = {});
  // Arms (or re-arms) the durable timer (kind, key) for `due`.
  Result<int64_t> ArmTimer(const std::string& kind, const std::string& key, core::TimePoint due,
                           const boost::json::value& payload = boost::json::object());
  // Disarms (kind, key) if armed.
  Status CancelTimer(const std::string& kind, const std::string& key);
  // Runs `fn` on the engine thread after the batch commits (never if this command rolls back).
  void OnCommit(std::function<void()> fn) { on_commit_.push_back(std::move(fn)); }
  // Publishes `c` to subscribers after commit.
  void Publish(Change c) { changes_.push_back(std::move(c)); }

 private:
  friend class Engine;
  Engine& engine_;
  store::Tx& store_;
  core::TimePoint now_;
  std::shared_ptr<const config::Config> config_;
  std::vector<std::function<void()>> on_commit_;
  std::vector<Change> changes_;
  std::vector<std::pair<int64_t, core::TimePoint>> armed_;
  std::vector<int64_t> cancelled_;
};

// Something that reacts to incident changes inside the same transaction (escalation, notification,
// correlation indexes). Returning an error rolls the whole command back.
struct IncidentEvent {
  enum class Kind {
    kOpened,               // a new incident (after is set, before is null)
    kTransitioned,         // acknowledge/mitigate/resolve/reopen/close (transition is set)
    kSeverityChanged,      // severity raised or lowered
    kServicesAdded,        // a previously unaffected service joined
    kFlagged,              // data_loss / security flagged (reason names the flag)
    kRemediationFailed,    // a runbook step or its verification failed (reason says which)
    kEscalationRequested,  // someone asked to escalate now (reason says why)
    kUpdated,              // roles, impact, notes and other changes that do not page
  };
  Kind kind = Kind::kUpdated;
  const model::Incident* before = nullptr;  // null for kOpened
  const model::Incident* after = nullptr;
  model::Actor actor;
  std::optional<model::Transition> transition;
  std::string reason;
};

class IncidentObserver {
 public:
  virtual ~IncidentObserver() = default;
  virtual Status OnIncidentEvent(Tx& tx, const IncidentEvent& ev) = 0;
};

struct EngineOptions {
  // Most commands per transaction.
  size_t max_batch = 2048;
  // Delay before retrying a timer whose handler failed.
  core::Millis timer_retry{std::chrono::seconds(5)};
};

class Engine {
 public:
  Engine(store::Store& store, const core::Clock& clock, std::shared_ptr<const config::Config> config,
         EngineOptions opt = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads armed timers from the store. Call once before Start or RunUntilIdle.
  Status LoadTimers();
  // Starts the engine thread. Without Start, commands run on the caller's thread in Call/RunUntilIdle
  // (deterministic single-threaded mode for tests).
  void Start();
  // Finishes queued commands and stops the thread.
  void Stop();
  bool started() const { return thread_.joinable(); }

  // Queues `fn`. `done` receives fn's result once the batch committed (or the commit error). It runs on
  // the engine thread: keep it short and hand work off.
  template <class T>
  void Submit(std::function<Result<T>(Tx&)> fn, std::function<void(Result<T>)> done);
  // Queues `fn` and waits for its committed result. Must not be called from the engine thread. In
  // single-threaded mode it runs the queue itself.
  template <class T>
  Result<T> Call(std::function<Result<T>(Tx&)> fn);

  // Single-threaded mode: runs queued commands and due timers until none is left.
  void RunUntilIdle();

  // Registers the handler for timers of `kind`. It runs in a command; `lateness` is how long after
  // its due time it fired (zero or more).
  using TimerHandler = std::function<Status(Tx&, const store::TimerRecord&, core::Millis lateness)>;
  void RegisterTimerHandler(std::string kind, TimerHandler handler);

  void AddObserver(IncidentObserver* o) { observers_.push_back(o); }
  // Tells every observer about `ev` (called by the lifecycle operations).
  Status Notify(Tx& tx, const IncidentEvent& ev);

  // Change feed. Callbacks run on the engine thread after commit; keep them short.
  int Subscribe(std::function<void(const Change&)> fn);
  void Unsubscribe(int id);

  std::shared_ptr<const config::Config> config() const;
  // Replaces the config snapshot for commands queued from now on.
  void SetConfig(std::shared_ptr<const config::Config> c);
  const core::Clock& clock() const { return clock_; }
  store::Store& store() { return store_; }
  // Earliest armed timer (engine thread or single-threaded mode only).
  std::optional<core::TimePoint> NextTimer() const { return timers_.NextDeadline(); }
  // Counters for /metrics.
  struct Stats {
    uint64_t batches = 0, commands = 0, failed_commands = 0, timers_fired = 0, commit_failures = 0;
  };
  Stats stats() const;

 private:
  struct Work {
    std::function<Status(Tx&)> run;
    std::function<void(const Status& commit)> complete;
  };
  void Enqueue(Work w);
  void Loop();
  // Runs one batch; returns false if there was nothing to do.
  bool RunBatch(std::vector<Work> batch);
  void Wake();

  store::Store& store_;
  const core::Clock& clock_;
  int clock_listener_ = 0;
  EngineOptions opt_;
  mutable std::mutex config_mu_;
  std::shared_ptr<const config::Config> config_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Work> queue_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
  std::thread::id engine_thread_id_;

  core::TimerQueue timers_;  // engine thread only
  std::map<std::string, TimerHandler> timer_handlers_;
  std::vector<IncidentObserver*> observers_;

  std::mutex sub_mu_;
  std::map<int, std::function<void(const Change&)>> subscribers_;
  int next_sub_ = 1;

  mutable std::mutex stats_mu_;
  Stats stats_;
};

template <class T>
void Engine::Submit(std::function<Result<T>(Tx&)> fn, std::function<void(Result<T>)> done) {
  auto holder = std::make_shared<std::optional<Result<T>>>();
  Work w;
  w.run = [fn = std::move(fn), holder](Tx& tx) -> Status {
    *holder = fn(tx);
    if (!holder->value()) return Unexpected(holder->value().error());
    return Ok();
  };
  w.complete = [done = std::move(done), holder](const Status& commit) {
    if (!holder->has_value()) {
      done(Unexpected(commit ? Error{ErrorCode::kInternal, "command did not run", ""} : commit.error()));
    } else if (!commit && holder->value()) {
      done(Unexpected(commit.error()));
    } else {
      done(std::move(holder->value()));
    }
  };
  Enqueue(std::move(w));
}

template <class T>
Result<T> Engine::Call(std::function<Result<T>(Tx&)> fn) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto fut = promise->get_future();
  Submit<T>(std::move(fn), [promise](Result<T> r) { promise->set_value(std::move(r)); });
  if (!started()) RunUntilIdle();
  return fut.get();
}

}  // namespace firebreak::engine
