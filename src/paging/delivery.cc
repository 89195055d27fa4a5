// The deliverer: threads that send outbox rows and record what happened through engine commands.
//
// A row reaches a worker two ways: right after the transaction that wrote it commits (Push, no
// store read), or when a scan of the store finds it due (retries, rows planned for later by a
// person's notification rules, rows left from before a restart).
// A claimed row's id stays in `inflight_` until the command recording its outcome has committed, so
// neither path can send it twice from one process.
#include <csignal>

#include <spdlog/spdlog.h>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "paging/pager.h"

namespace firebreak::paging {

namespace json = boost::json;

namespace {

std::string RateKey(const store::OutboxRow& r) { return r.channel + "|" + r.destination; }

std::string EnvSecret(const std::string& name) {
  if (name.empty()) return "";
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

// The pending rows due at `now`. A notification rule's step was written with its page, minutes
// ago: its message is given what the incident is now (title, severity, state), not what it was then.
Result<std::vector<store::OutboxRow>> ReadDue(store::Tx& tx, core::TimePoint now, int limit) {
  FB_ASSIGN_OR_RETURN(auto rows, tx.outbox().Due(now, limit));
  for (auto& r : rows) {
    if (r.kind != "page" || !r.IsRuleStep()) continue;
    FB_ASSIGN_OR_RETURN(auto inc, tx.incidents().Get(r.incident_id));
    auto ctx = core::ParseJson(r.context);
    if (!inc || !ctx || !ctx->is_object()) continue;
    ctx->get_object()["incident"] = IncidentContext(*inc);
    r.context = core::ToJson(*ctx);
  }
  return rows;
}

}  // namespace

void Pager::Start() {
  {
    std::lock_guard lock(mu_);
    if (!stop_) return;
    stop_ = false;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a command channel that exits early must not kill the server
  auto cfg = engine_.config();
  const auto& ps = cfg->settings.paging;
  limiter_.Configure(ps.rate_per_minute, ps.burst);
  threads_.emplace_back([this] { DispatchLoop(); });
  for (int i = 0; i < ps.workers; ++i) threads_.emplace_back([this] { WorkerLoop(); });
  PlanHandoffs();  // the configuration may have changed while the server was down
  PlanAuditHead();  // due now if the server was down when it was
}

void Pager::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_ && threads_.empty()) return;
    stop_ = true;
  }
  work_cv_.notify_all();
  dispatch_cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void Pager::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  dispatch_cv_.notify_all();
}

void Pager::Push(store::OutboxRow row) {
  if (row.next_attempt_at > clock_.Now()) {
    Wake();  // due later (a notification rule's step): the dispatcher's next scan time may be earlier now
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (stop_) return;  // not started (single-threaded mode) or stopping: the store has it
    if (!inflight_.insert(row.id).second) return;
    queue_.push_back(std::move(row));
  }
  work_cv_.notify_one();
}

void Pager::ScanDue(core::TimePoint now, size_t extra) {
  uint64_t epoch;
  {
    std::lock_guard lock(mu_);
    epoch = ++scan_epoch_;
  }
  // The snapshot begins after the epoch moved: every outcome settled before that is visible in it.
  auto tx = store_.BeginRead();
  if (!tx) return;
  auto rows = ReadDue(**tx, now, static_cast<int>(extra + 256));
  if (!rows) {
    spdlog::error("notify: cannot read the outbox: {}", rows.error().ToString());
    return;
  }
  size_t added = 0;
  {
    std::lock_guard lock(mu_);
    for (auto& r : *rows) {
      // Settled while this scan's snapshot may have been older: the store has moved on.
      if (auto it = settled_.find(r.id); it != settled_.end() && it->second >= epoch) continue;
      if (!inflight_.insert(r.id).second) continue;
      queue_.push_back(std::move(r));
      ++added;
    }
    for (auto it = settled_.begin(); it != settled_.end();) {
      if (it->second < epoch) it = settled_.erase(it);
      else ++it;
    }
  }
  if (added) work_cv_.notify_all();
}

notify::Links Pager::LinksFor(const store::OutboxRow& row, const json::object& ctx) const {
  notify::Links l;
  if (row.incident_id.empty()) return l;  // a shift handoff notice: nothing to act on
  std::string base = PublicUrl();
  l.incident = base + "/api/v1/incidents/" + row.incident_id;
  std::string state;
  if (auto it = ctx.find("incident"); it != ctx.end() && it->value().is_object()) {
    const auto& inc = it->value().get_object();
    if (auto s = inc.find("state"); s != inc.end() && s->value().is_string()) state = s->value().get_string();
  }
  bool open = state == "triggered" || state == "acknowledged" || state == "mitigated" || state.empty();
  if (!open) return l;
  auto ttl = engine_.config()->settings.paging.link_ttl;
  // A notification rule's later step is queued with the page but sent at its time: its links live
  // `link_ttl` from then, or a step 23h30m after the page would arrive with 30 minutes left.
  const auto sent_from = std::max(row.created_at, row.event_at);
  auto make = [&](const char* action, const char* suffix) {
    notify::LinkClaims c{row.incident_id, action, row.person, sent_from + ttl, row.key + suffix};
    return LinkUrl(c);
  };
  if (row.event.rfind("responder_", 0) == 0) return l;  // an answer to a request to respond: for reading
  if (row.kind == "page" && !row.person.empty()) {
    // A request to respond is answered by the person asked.
    if (auto it = ctx.find("page"); it != ctx.end() && it->value().is_object()) {
      const auto& page = it->value().get_object();
      if (auto t = page.find("trigger"); t != page.end() && t->value().is_string() && t->value().get_string() == "responders") {
        l.accept = make("accept", ".acc");
        l.decline = make("decline", ".dec");
      }
    }
  }
  if (row.event == "page" || row.event == "opened" || row.event == "reopened" || row.event == "escalation_stale" ||
      row.event == "notification_failed")
    l.acknowledge = make("acknowledge", ".ack");
  if (row.event != "resolved") l.resolve = make("resolve", ".res");
  return l;
}

notify::Outcome Pager::Attempt(const store::OutboxRow& row) {
  auto cfg = engine_.config();
  const model::Channel* ch = cfg->FindChannel(row.channel);
  if (!ch) return notify::Outcome{notify::Outcome::Kind::kPermanent, "channel '" + row.channel + "' is no longer configured", {}};
  auto ctxv = core::ParseJson(row.context);
  if (!ctxv || !ctxv->is_object())
    return notify::Outcome{notify::Outcome::Kind::kPermanent, "stored context is not a JSON object", {}};
  const auto& ctx = ctxv->get_object();
  auto msg = notify::Render(*ch, ctx, LinksFor(row, ctx), row.key);
  if (!msg) return notify::Outcome{notify::Outcome::Kind::kPermanent, msg.error().message, {}};
  notify::Delivery d;
  d.channel = ch;
  d.key = row.key;
  d.event = row.event;
  d.incident_id = row.incident_id;
  if (auto it = ctx.find("incident"); it != ctx.end() && it->value().is_object()) {
    const auto& inc = it->value().get_object();
    if (auto s = inc.find("severity"); s != inc.end() && s->value().is_string()) d.severity = s->value().get_string();
  }
  d.message = std::move(*msg);
  d.secret = EnvSecret(ch->secret_env);
  d.now = clock_.Now();
  d.timeout = cfg->settings.paging.send_timeout;
  if (auto it = ch->options.find("timeout"); it != ch->options.end() && it->value().is_string())
    if (auto t = core::ParseDuration(it->value().get_string())) d.timeout = *t;
  d.data_dir = opt_.data_dir;
  d.clock = &clock_;
  const bool http = ch->type == "webhook" || ch->type == "slack";
  if (http) {
    bool own_url = ch->type == "webhook" && (row.destination.rfind("http://", 0) == 0 ||
                                             row.destination.rfind("https://", 0) == 0);
    d.destination = own_url ? row.destination : ch->url;
  } else {
    d.destination = row.destination;
  }
  return notify::Send(d);
}

void Pager::RecordAsync(int64_t id, notify::Outcome out) {
  std::function<Result<bool>(engine::Tx&)> fn = [this, id, out = std::move(out)](engine::Tx& tx) -> Result<bool> {
    FB_TRY(Record(tx, id, out));
    return true;
  };
  engine_.Submit<bool>(std::move(fn), [this, id](Result<bool> r) {
    if (!r) spdlog::error("notify: cannot record the outcome of notification {}: {}", id, r.error().ToString());
    {
      std::lock_guard lock(mu_);
      inflight_.erase(id);
      settled_[id] = scan_epoch_;
    }
    Wake();  // a retry time may now be the earliest
  });
}

void Pager::WorkerLoop() {
  while (true) {
    store::OutboxRow row;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      row = std::move(queue_.front());
      queue_.pop_front();
    }
    core::TimePoint now = clock_.Now();
    auto wait = limiter_.Take(RateKey(row), now);
    if (wait.count() > 0) {
      {
        std::lock_guard lock(mu_);
        deferred_.emplace(now + wait, std::move(row));
      }
      Wake();
      continue;
    }
    auto out = Attempt(row);
    RecordAsync(row.id, std::move(out));
  }
}

void Pager::DispatchLoop() {
  while (true) {
    core::TimePoint now = clock_.Now();
    size_t inflight = 0;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      woken_ = false;
      inflight = inflight_.size();
      // Rate-limited rows whose token is due go back to the workers.
      while (!deferred_.empty() && deferred_.begin()->first <= now) {
        queue_.push_back(std::move(deferred_.begin()->second));
        deferred_.erase(deferred_.begin());
      }
    }
    work_cv_.notify_all();
    ScanDue(now, inflight);
    if (now >= next_audit_) {
      AuditOnce();
      auto margin = engine_.config()->settings.paging.late_margin;
      next_audit_ = now + std::clamp<core::Millis>(margin / 2, std::chrono::seconds(1), std::chrono::seconds(30));
    }
    // Sleep until the next retry, the next rate-limit token, the next audit, or a wake-up.
    core::TimePoint next = next_audit_;
    if (auto tx = store_.BeginRead()) {
      if (auto np = (*tx)->outbox().NextPendingAfter(now); np && *np) next = std::min(next, **np);
    }
    std::unique_lock lock(mu_);
    if (!deferred_.empty()) next = std::min(next, deferred_.begin()->first);
    auto wait = clock_.RealWaitFor(next);
    if (wait > std::chrono::hours(1)) wait = std::chrono::hours(1);
    dispatch_cv_.wait_for(lock, wait, [&] { return stop_ || woken_; });
  }
}

int Pager::DeliverDue() {
  auto now = clock_.Now();
  std::vector<store::OutboxRow> rows;
  {
    auto tx = store_.BeginRead();
    if (!tx) return 0;
    auto due = ReadDue(**tx, now, 100000);
    if (!due) return 0;
    rows = std::move(*due);
  }
  int n = 0;
  for (const auto& row : rows) {
    if (limiter_.Take(RateKey(row), now).count() > 0) continue;
    auto out = Attempt(row);
    ++n;
    int64_t id = row.id;
    auto r = engine_.Call<bool>([this, id, out](engine::Tx& tx) -> Result<bool> {
      FB_TRY(Record(tx, id, out));
      return true;
    });
    if (!r) spdlog::error("notify: cannot record notification {}: {}", id, r.error().ToString());
  }
  return n;
}

int Pager::AuditOnce() {
  auto cfg = engine_.config();
  auto margin = cfg->settings.paging.late_margin;
  auto now = clock_.Now();
  std::vector<store::EscalationRow> overdue;
  {
    auto tx = store_.BeginRead();
    if (!tx) return 0;
    auto rows = (*tx)->escalations().Overdue(now - margin, 10000);
    if (!rows) return 0;
    overdue = std::move(*rows);
  }
  metrics_.GetGauge("firebreak_escalation_stale_steps", "Escalation steps overdue by more than the late margin")
      .Set(static_cast<double>(overdue.size()));
  std::set<std::pair<std::string, int64_t>> current;
  std::vector<std::pair<std::string, core::TimePoint>> fresh;
  {
    std::lock_guard lock(audit_mu_);
    for (const auto& r : overdue) {
      std::pair<std::string, int64_t> k{r.incident_id, core::ToUnixMillis(*r.next_due)};
      current.insert(k);
      if (!flagged_.count(k)) fresh.emplace_back(r.incident_id, *r.next_due);
    }
    flagged_ = std::move(current);
  }
  for (const auto& [id, due] : fresh) {
    metrics_.GetCounter("firebreak_escalation_stale_total", "Overdue escalation steps flagged by the auditor").Inc();
    spdlog::error("escalation: {} step due {} is overdue by {}", id, core::FormatRfc3339(due),
                  core::FormatDuration(now - due));
    std::function<Result<bool>(engine::Tx&)> fn = [this, id = id, due = due](engine::Tx& tx) -> Result<bool> {
      FB_TRY(FlagStale(tx, id, due));
      return true;
    };
    engine_.Submit<bool>(std::move(fn), [](Result<bool> r) {
      if (!r) spdlog::error("escalation: cannot record a stale step: {}", r.error().ToString());
    });
  }
  return static_cast<int>(overdue.size());
}

}  // namespace firebreak::paging
