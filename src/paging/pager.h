// Pager: wires on-call schedules, the escalation state machine and notification channels into the
// engine. It is the part of Firebreak that must not fail silently.
//
// Inside the engine (one transaction with the event that caused it):
// - an IncidentObserver keeps one escalation State per incident in the store (the policy is
//   snapshotted when the incident opens), arms a durable timer ("escalation", incident id) for its
//   next step, stops it when the incident is acknowledged / mitigated / resolved (cancelling queued
//   pages), and escalates immediately on a raised severity, a joining service, a failed remediation,
//   a data-loss / security flag or an explicit request;
// - each page resolves the tier's targets to people at that moment and writes one outbox row per
//   contact method chosen for the severity (plus one per subscribed broadcast channel) — the rows are
//   durable before anyone is told the incident exists.
//
// Outside the engine (own threads; never the engine thread): a deliverer sends outbox rows at least
// once (idempotency key per row), with exponential backoff and jitter, a per-destination rate limit
// and a dead-letter state that is itself announced (timeline, broadcast, metrics) and falls back to
// the person's next contact method — or escalates when nobody in the tier can be reached. Outcomes
// are recorded through engine commands (timeline receipts). A stale-escalation auditor flags steps
// overdue by more than `settings.paging.late_margin`.
//
// Signed one-click links (acknowledge / resolve; accept / decline on a request to respond) are HMAC tokens under a secret kept in the data
// directory (`link.key`), expiring and single-use; using one is audited.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "engine/engine.h"
#include "escalate/escalation.h"
#include "notify/links.h"
#include "notify/retry.h"
#include "notify/senders.h"
#include "store/store.h"

namespace firebreak::paging {

struct PagerOptions {
  // Data directory: holds the link secret (`link.key`) and is passed to command channels.
  std::string data_dir = "var";
  // Base URL for links; empty = settings.public_url.
  std::string public_url;
};

class Pager final : public engine::IncidentObserver {
 public:
  // Loads (creating on first use) the link secret and registers the observer and the timer handler
  // with `engine`. The engine must outlive the pager's threads (Stop before stopping the engine).
  static Result<std::unique_ptr<Pager>> Create(engine::Engine& engine, core::Registry& metrics, PagerOptions opt);
  ~Pager() override;
  Pager(const Pager&) = delete;
  Pager& operator=(const Pager&) = delete;

  // Starts the delivery threads (settings.paging.workers) and the auditor; Stop joins them. Rows
  // still queued stay pending in the store and are sent after the next start.
  void Start();
  void Stop();

  // Base URL of links (the server sets it to its bound address when the config names none).
  void SetPublicUrl(std::string url);
  std::string PublicUrl() const;

  Status OnIncidentEvent(engine::Tx& tx, const engine::IncidentEvent& ev) override;

  // ---- queries (read snapshots, any thread) ----
  // The escalation of an incident; nullopt if it never had one (no policy applied).
  Result<std::optional<escalate::State>> Escalation(std::string_view incident_id) const;
  // An incident's notifications, oldest first.
  Result<std::vector<store::OutboxRow>> Notifications(std::string_view incident_id) const;

  // ---- responders ----
  // Pages `targets` (people, schedules: whoever is on call now, teams: lead and members) for an
  // open incident now, outside the escalation tiers (PagerDuty's "add responders"): one page with
  // trigger "responders", recorded in the escalation's history, delivered like any page (contact
  // methods, fallbacks, acknowledgement links). `message` says what help is needed. InvalidArgument
  // names targets[i] for an unknown target; FailedPrecondition if nobody can be paged.
  Result<model::Incident> AddResponders(engine::Tx& tx, const model::Principal& who, std::string_view incident_id,
                                        const std::vector<model::EscalationTarget>& targets,
                                        const std::string& message);

  // A person's answer to their latest request to respond: accept (they are joining) or decline
  // (`note` says why). Only that person, or an admin recording it for them, may answer
  // (PermissionDenied); NotFound if they were not asked, FailedPrecondition if the
  // request was already answered or the incident is no longer open. Stops what is still pending
  // of that page to them, records it (timeline, audit), tells the person who asked (their contact
  // methods, event responder_accepted / responder_declined) and channels subscribed to the event.
  Result<model::Incident> AnswerResponder(engine::Tx& tx, const model::Principal& who, std::string_view incident_id,
                                          const std::string& person, bool accept, const std::string& note);

  // ---- signed links ----
  // Verifies a link without using it (AlreadyExists if it was used).
  Result<notify::LinkClaims> CheckLink(std::string_view token) const;
  // Uses a link inside an engine command: records its nonce (single use), applies the transition as
  // the person it was sent to, and audits the use.
  Result<model::Incident> UseLink(engine::Tx& tx, std::string_view token, const std::string& remote);
  std::string LinkUrl(const notify::LinkClaims& c) const;

  // ---- single-threaded operation (tests) ----
  // Sends every due notification on the calling thread, recording each outcome with Engine::Call.
  // Returns how many were attempted.
  int DeliverDue();
  // Flags escalation steps overdue by more than the late margin (timeline entries are submitted as
  // engine commands). Returns how many are overdue.
  int AuditOnce();

  // Gauges for /metrics (outbox by state, escalations by status).
  void RefreshGauges();

  // ---- shift handoffs ----
  // Plans the shift handoff notices (settings.paging.handoff_notice) from the running configuration,
  // schedule overrides included: sends those due now that were not sent yet and arms the durable
  // timer for the next one. Asynchronous (an engine command). Start calls it; call it again whenever
  // the configuration or the overrides change.
  void PlanHandoffs();
  // The latest `limit` handoff notices queued or sent, oldest first.
  Result<std::vector<store::OutboxRow>> HandoffNotices(int limit = 1000) const;

  // ---- the audit chain's head, published ----
  // Every settings.audit_head_every, when the chain moved since the last publication, its head
  // ("seq:hash") goes to the server log and to every channel subscribed to "audit_head", so that a
  // copy is kept off this machine. Due or not, the durable "audit_head" timer is re-armed (or
  // cancelled when off) from the running configuration. Start calls PlanAuditHead (asynchronous, an
  // engine command); a configuration reload calls PublishAuditHead in its command.
  void PlanAuditHead();
  Status PublishAuditHead(engine::Tx& tx);
  // The last publication ({"head", "at"}; null before the first), and the latest `limit` notices
  // of publications, oldest first.
  Result<boost::json::value> LastAuditHead() const;
  Result<std::vector<store::OutboxRow>> AuditHeadNotices(int limit = 20) const;

  // Re-plans the steps still ahead of the pages waiting for an acknowledgement, from the running
  // configuration: a page's remaining steps to a person become those their plan at the incident's
  // current severity gives (PlanContacts), counted from when the page went out. A queued step the
  // plan no longer has (same contact method, same time) is cancelled; a step of the plan still ahead
  // and not queued is queued; a step still planned whose channel is no longer the one delivering its
  // contact method is queued again through that one ("re-routed"); nothing is sent for a time
  // already past. Of incident `inc` (as it is
  // now), or of every triggered incident when null; the changes go on each incident's timeline with
  // `why`. A severity change runs it by itself; a configuration reload must call it.
  Status ReviewPlannedSteps(engine::Tx& tx, const model::Incident* inc, const std::string& why);

  // Sends a posted status update to the channels subscribed to its event — "status_update"
  // (internal) or "status_update_external" (the customer-facing text) — inside the command that
  // records it, so the notice is queued durably with the timeline entry.
  Status AnnounceStatusUpdate(engine::Tx& tx, const model::Incident& inc, bool external, const std::string& text);

 private:
  Pager(engine::Engine& engine, core::Registry& metrics, PagerOptions opt, std::string secret);

  // engine side (inside a command)
  Status Save(engine::Tx& tx, const escalate::State& s);
  // `hold_what`: what happened ("opened", "reopened", "raised to SEV3"), when a low-urgency incident
  // outside its policy's support hours may wait for them; empty when it may not (the escalation
  // starts because someone asked for it). `prior`: the incident's record, as the caller loaded it,
  // when it has one without tiers (no policy covered it, but responders were asked for help): its
  // pages, history and responders carry on, so page numbers (and delivery keys) never repeat.
  Status StartEscalation(engine::Tx& tx, const model::Incident& inc, const std::string& why,
                         const std::string& hold_what, std::optional<escalate::State> prior);
  // Low urgency outside support hours: holds `s` until they next begin, with a timeline entry saying
  // so (`what` happened: "opened", "reopened", ...). Pages at once (no hold) when the support hours
  // cannot be evaluated or never begin within a year, and says that too.
  Status HoldForSupportHours(engine::Tx& tx, escalate::State& s, const model::Incident& inc, const std::string& what);
  Status SendPages(engine::Tx& tx, escalate::State& s, const model::Incident& inc, std::vector<escalate::Page> pages);
  Status PageTier(engine::Tx& tx, escalate::State& s, const model::Incident& inc, const escalate::Page& p,
                  bool* nobody);
  Status PagePerson(engine::Tx& tx, const model::Incident& inc, const escalate::PageRecord& rec,
                    const std::string& person, const std::string& via);
  // A notice (not a page: no escalation, no fallback) to one person's contact methods; `key` makes
  // its idempotency keys unique within the incident.
  Status NotifyPerson(engine::Tx& tx, const model::Incident& inc, const std::string& person, const std::string& event,
                      const std::string& note, const std::string& key);
  Status Broadcast(engine::Tx& tx, const model::Incident& inc, const std::string& event, const std::string& note,
                   const escalate::PageRecord* rec, const std::string& except_channel = "");
  Status Enqueue(engine::Tx& tx, store::OutboxRow row);
  Status Trigger(engine::Tx& tx, const model::Incident& inc, const std::string& trigger, const std::string& reason);
  Status StopEscalation(engine::Tx& tx, const model::Incident& inc, model::Transition t, const model::Actor& actor);
  Status OnTimer(engine::Tx& tx, const store::TimerRecord& rec);
  // engine::kUnackTimer: an acknowledgement timed out or a snooze ended.
  Status OnUnackTimer(engine::Tx& tx, const store::TimerRecord& rec);
  Status Record(engine::Tx& tx, int64_t id, const notify::Outcome& out);
  Status DeadLetter(engine::Tx& tx, const store::OutboxRow& row);
  Status FlagStale(engine::Tx& tx, const std::string& incident_id, core::TimePoint due);
  // The "handoff" timer and PlanHandoffs: notices for every handoff in [now - 1m, now + notice] not
  // yet told, then the timer re-armed for the next.
  Status ProcessHandoffs(engine::Tx& tx);
  // Runs `step` as an engine command without waiting for it; a failure is logged ("cannot <what>").
  void SubmitLogged(Status (Pager::*step)(engine::Tx&), std::string what);

  // The audit head's durable timer and what was published last (meta key).
  static constexpr const char* kAuditHeadTimer = "audit_head";
  static constexpr const char* kAuditHeadMeta = "paging/audit_head";

  // delivery side
  void Push(store::OutboxRow row);  // fast path after commit
  void ScanDue(core::TimePoint now, size_t extra);
  notify::Outcome Attempt(const store::OutboxRow& row);
  void RecordAsync(int64_t id, notify::Outcome out);
  void DispatchLoop();
  void WorkerLoop();
  void Wake();
  notify::Links LinksFor(const store::OutboxRow& row, const boost::json::object& ctx) const;

  engine::Engine& engine_;
  store::Store& store_;
  const core::Clock& clock_;
  core::Registry& metrics_;
  PagerOptions opt_;
  const std::string secret_;
  mutable std::mutex url_mu_;
  std::string public_url_;
  notify::RateLimiter limiter_{60, 20};

  std::mutex mu_;
  std::condition_variable work_cv_;      // workers
  std::condition_variable dispatch_cv_;  // dispatcher
  std::deque<store::OutboxRow> queue_;
  std::multimap<core::TimePoint, store::OutboxRow> deferred_;  // rate limited
  std::set<int64_t> inflight_;  // claimed rows (queued, deferred, sending, or being recorded)
  // Rows whose outcome was recorded, with the scan epoch then: a scan whose snapshot may predate the
  // record must not claim them again.
  std::map<int64_t, uint64_t> settled_;
  uint64_t scan_epoch_ = 0;
  bool stop_ = true;
  bool woken_ = false;
  std::vector<std::thread> threads_;
  core::TimePoint next_audit_{};
  std::mutex audit_mu_;
  // Lets clock listeners outlive the pager safely.
  struct WakeHandle {
    std::mutex mu;
    Pager* pager = nullptr;
  };
  std::shared_ptr<WakeHandle> wake_handle_ = std::make_shared<WakeHandle>();
  int advance_handle_ = 0;
  std::set<std::pair<std::string, int64_t>> flagged_;  // (incident, due ms) already reported stale
};

// An incident's escalation record as `tx` sees it; nullopt if it never had one.
Result<std::optional<escalate::State>> LoadEscalation(store::Tx& tx, std::string_view incident_id);

// Templates' `incident` of a message about `inc`: id, title, severity, priority, state, services,
// blast radius, impact, flags, created_at, source.
boost::json::object IncidentContext(const model::Incident& inc);

// Reads (creating if missing, mode 0600) the link-signing secret of a data directory.
Result<std::string> LoadOrCreateSecret(const std::string& data_dir);

}  // namespace firebreak::paging
