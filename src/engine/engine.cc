#include "engine/engine.h"

#include <spdlog/spdlog.h>

#include "audit/audit.h"
#include "core/json.h"
#include "core/time.h"

namespace firebreak::engine {

// ---- Tx -------------------------------------------------------------------------------------

Tx::Tx(Engine& engine, store::Tx& store, core::TimePoint now, std::shared_ptr<const config::Config> config)
    : engine_(engine), store_(store), now_(now), config_(std::move(config)) {}

Result<model::TimelineEntry> Tx::Timeline(const std::string& incident_id, const model::Actor& actor,
                                          std::string kind, std::string text, boost::json::object data) {
  model::TimelineEntry e;
  e.incident_id = incident_id;
  e.time = now_;
  e.kind = std::move(kind);
  e.actor = actor.ToString();
  e.text = std::move(text);
  e.data = std::move(data);
  FB_ASSIGN_OR_RETURN(auto stored, store_.timeline().Append(std::move(e)));
  Publish(Change{"timeline", stored.incident_id, model::ToJson(stored)});
  return stored;
}

Result<model::AuditEntry> Tx::Audit(const model::Actor& actor, std::string action, std::string target,
                                    boost::json::object details) {
  model::AuditEntry e;
  e.time = now_;
  e.actor = actor.ToString();
  e.action = std::move(action);
  e.target = std::move(target);
  e.details = std::move(details);
  FB_ASSIGN_OR_RETURN(auto prev, store_.audit().Last());
  audit::Seal(e, prev);
  FB_TRY(store_.audit().Append(e));
  FB_TRY(store_.meta().Set("audit_head", audit::EncodeHead(e.seq, e.hash)));
  return e;
}

Result<int64_t> Tx::ArmTimer(const std::string& kind, const std::string& key, core::TimePoint due,
                             const boost::json::value& payload) {
  store::TimerRecord t;
  t.kind = kind;
  t.key = key;
  t.due = due;
  t.payload = core::ToJson(payload);
  t.created_at = now_;
  FB_ASSIGN_OR_RETURN(int64_t id, store_.timers().Upsert(t));
  armed_.emplace_back(id, due);
  return id;
}

Status Tx::CancelTimer(const std::string& kind, const std::string& key) {
  FB_ASSIGN_OR_RETURN(auto t, store_.timers().Find(kind, key));
  if (!t) return Ok();
  FB_TRY(store_.timers().Delete(t->id));
  cancelled_.push_back(t->id);
  return Ok();
}

// ---- Engine ---------------------------------------------------------------------------------

Engine::Engine(store::Store& store, const core::Clock& clock, std::shared_ptr<const config::Config> config,
               EngineOptions opt)
    : store_(store), clock_(clock), opt_(opt), config_(std::move(config)) {
  clock_listener_ = clock_.OnAdvance([this] { Wake(); });
}

Engine::~Engine() {
  clock_.RemoveOnAdvance(clock_listener_);
  Stop();
}

Status Engine::LoadTimers() {
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto all, tx->timers().All());
  for (const auto& t : all) timers_.Schedule(t.id, t.due);
  return Ok();
}

void Engine::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void Engine::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Engine::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Engine::Enqueue(Work w) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(w));
  }
  cv_.notify_one();
}

void Engine::RegisterTimerHandler(std::string kind, TimerHandler handler) {
  timer_handlers_[std::move(kind)] = std::move(handler);
}

Status Engine::Notify(Tx& tx, const IncidentEvent& ev) {
  for (auto* o : observers_) FB_TRY(o->OnIncidentEvent(tx, ev));
  return Ok();
}

int Engine::Subscribe(std::function<void(const Change&)> fn) {
  std::lock_guard lock(sub_mu_);
  int id = next_sub_++;
  subscribers_[id] = std::move(fn);
  return id;
}

void Engine::Unsubscribe(int id) {
  std::lock_guard lock(sub_mu_);
  subscribers_.erase(id);
}

std::shared_ptr<const config::Config> Engine::config() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

void Engine::SetConfig(std::shared_ptr<const config::Config> c) {
  std::lock_guard lock(config_mu_);
  config_ = std::move(c);
}

Engine::Stats Engine::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void Engine::Loop() {
  engine_thread_id_ = std::this_thread::get_id();
  while (true) {
    std::vector<Work> batch;
    {
      std::unique_lock lock(mu_);
      while (true) {
        if (!queue_.empty()) break;
        auto next = timers_.NextDeadline();
        if (next && clock_.Now() >= *next) break;
        if (stop_) return;
        woken_ = false;
        auto wait = next ? clock_.RealWaitFor(*next) : std::chrono::nanoseconds(std::chrono::hours(1));
        if (wait > std::chrono::hours(1)) wait = std::chrono::hours(1);
        cv_.wait_for(lock, wait, [&] { return stop_ || woken_ || !queue_.empty(); });
      }
      size_t n = std::min(queue_.size(), opt_.max_batch);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(std::move(batch));
  }
}

void Engine::RunUntilIdle() {
  while (true) {
    std::vector<Work> batch;
    {
      std::lock_guard lock(mu_);
      size_t n = std::min(queue_.size(), opt_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!RunBatch(std::move(batch))) return;
  }
}

bool Engine::RunBatch(std::vector<Work> batch) {
  auto now = clock_.Now();
  auto due = timers_.PopDue(now);
  if (batch.empty() && due.empty()) return false;

  std::vector<std::unique_ptr<Tx>> txs;
  std::vector<std::pair<int64_t, std::unique_ptr<Tx>>> timer_txs;
  auto undo = [](Tx& etx) {
    for (auto it = etx.on_rollback_.rbegin(); it != etx.on_rollback_.rend(); ++it) (*it)();
  };
  auto fail_all = [&](const Error& e) {
    // Undo in-memory effects of the commands that ran, latest first (timers ran last).
    for (auto it = timer_txs.rbegin(); it != timer_txs.rend(); ++it)
      if (it->second) undo(*it->second);
    for (auto it = txs.rbegin(); it != txs.rend(); ++it)
      if (*it) undo(**it);
    for (auto& w : batch) w.complete(Unexpected(e));
    for (int64_t id : due) timers_.Schedule(id, now + opt_.timer_retry);
    std::lock_guard lock(stats_mu_);
    ++stats_.commit_failures;
  };
  auto cfg = config();
  auto stx = store_.BeginWrite();
  if (!stx) {
    spdlog::error("engine: cannot begin transaction: {}", stx.error().ToString());
    fail_all(stx.error());
    return true;
  }
  std::vector<Status> results;
  txs.reserve(batch.size() + due.size());
  uint64_t failed = 0;

  auto run_one = [&](const std::function<Status(Tx&)>& fn) -> std::pair<Status, std::unique_ptr<Tx>> {
    auto etx = std::make_unique<Tx>(*this, **stx, now, cfg);
    auto sp = (*stx)->Savepoint("cmd");
    if (!sp) return {Unexpected(sp.error()), nullptr};
    Status st = fn(*etx);
    if (!st) {
      (void)(*stx)->RollbackTo("cmd");
      undo(*etx);
      ++failed;
      return {st, nullptr};
    }
    auto rel = (*stx)->Release("cmd");
    if (!rel) {
      undo(*etx);
      return {Unexpected(rel.error()), nullptr};
    }
    return {Ok(), std::move(etx)};
  };

  for (auto& w : batch) {
    auto [st, etx] = run_one(w.run);
    results.push_back(st);
    txs.push_back(std::move(etx));
  }

  // Due timers: the row is deleted in the same savepoint the handler runs in, so a handler that fails
  // leaves its timer armed (retried after opt_.timer_retry).
  std::vector<int64_t> retry;
  for (int64_t id : due) {
    auto [st, etx] = run_one([&](Tx& tx) -> Status {
      FB_ASSIGN_OR_RETURN(auto rec, tx.store().timers().Get(id));
      if (!rec) return Ok();  // cancelled meanwhile
      if (rec->due > now) return Ok();  // re-armed later by a command of this batch (which re-queues it)
      FB_TRY(tx.store().timers().Delete(id));
      auto h = timer_handlers_.find(rec->kind);
      if (h == timer_handlers_.end()) {
        spdlog::warn("engine: no handler for timer kind '{}' (key {}); dropped", rec->kind, rec->key);
        return Ok();
      }
      auto lateness = now - rec->due;
      return h->second(tx, *rec, lateness < core::Millis(0) ? core::Millis(0) : lateness);
    });
    if (!st) {
      spdlog::error("engine: timer {} failed: {}; retrying", id, st.error().ToString());
      retry.push_back(id);
    } else {
      timer_txs.emplace_back(id, std::move(etx));
    }
  }

  Status commit = (*stx)->Commit();
  stx->reset();
  if (!commit) {
    spdlog::error("engine: commit failed: {}", commit.error().ToString());
    fail_all(commit.error());
    return true;
  }

  {
    std::lock_guard lock(stats_mu_);
    ++stats_.batches;
    stats_.commands += batch.size();
    stats_.failed_commands += failed;
    stats_.timers_fired += timer_txs.size();
  }
  for (int64_t id : retry) timers_.Schedule(id, now + opt_.timer_retry);

  auto apply = [&](Tx& etx) {
    for (int64_t id : etx.cancelled_) timers_.Cancel(id);
    for (auto& [id, t] : etx.armed_) timers_.Schedule(id, t);
  };
  std::vector<Change> changes;
  auto collect = [&](Tx& etx) {
    apply(etx);
    for (auto& c : etx.changes_) changes.push_back(std::move(c));
  };
  for (auto& [id, etx] : timer_txs)
    if (etx) collect(*etx);
  for (size_t i = 0; i < batch.size(); ++i)
    if (txs[i]) collect(*txs[i]);

  // A command's commit handlers run before its caller hears of the result, so a caller that reads
  // right after sees what they set in memory (e.g. the configuration with a new schedule override).
  for (size_t i = 0; i < batch.size(); ++i) {
    if (txs[i])
      for (auto& fn : txs[i]->on_commit_) fn();
    batch[i].complete(results[i]);
  }
  for (auto& [id, etx] : timer_txs)
    if (etx)
      for (auto& fn : etx->on_commit_) fn();

  if (!changes.empty()) {
    std::vector<std::function<void(const Change&)>> subs;
    {
      std::lock_guard lock(sub_mu_);
      for (auto& [id, fn] : subscribers_) subs.push_back(fn);
    }
    for (const auto& c : changes)
      for (auto& fn : subs) fn(c);
  }
  return true;
}

}  // namespace firebreak::engine
