// App: the composition root and the one surface front ends call.
//
// Builds everything from a config directory and a data directory, authenticates tokens, and offers
// commands (async: they run on the engine and call back once durable) and queries (sync: they read
// a store snapshot on the caller's thread). Every rule a caller must obey lives at or below this
// layer, so HTTP, MCP and the CLI enforce the same things.
#pragma once

#include <functional>
#include <map>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/alert_requests.h"
#include "app/analysis.h"
#include "app/overrides.h"
#include "app/paging_requests.h"
#include "app/report.h"
#include "app/requests.h"
#include "app/resilience.h"
#include "app/runbooks.h"
#include "audit/audit.h"
#include "config/config.h"
#include "config/diagnostics.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "engine/alerts.h"
#include "engine/engine.h"
#include "engine/incidents.h"
#include "logs/ingest.h"
#include "logs/patterns.h"
#include "logs/service.h"
#include "model/actor.h"
#include "notify/links.h"
#include "paging/pager.h"
#include "store/store.h"

namespace firebreak::app {

template <class T>
using Callback = std::function<void(Result<T>)>;

struct AppOptions {
  // Configuration directory; empty = an empty catalog (for offline tools such as `token create`).
  std::string config_dir;
  std::string data_dir = "var";
  // Time source; null = the real clock.
  const core::Clock* clock = nullptr;
  // SQLite synchronous mode: "full" (fsync per commit) or "normal".
  std::string synchronous = "full";
  // Test only: run on a manual clock starting here, moved with AdjustClock (`serve --clock manual`).
  std::optional<core::TimePoint> manual_clock_start;
};

// Who sends logs or pings: a token's principal, or an integration key's (then lines default to its
// service, and `integration` names it).
struct IngestIdentity {
  model::Principal principal;
  std::string default_service;
  std::string integration;  // empty for a token
};

// What a configuration reload did.
struct ReloadReport {
  std::string config_dir;
  std::string fingerprint;  // SHA-256 of the files read, in name order (the audit entry carries it)
  bool changed = false;     // the files differ from the running configuration's
  size_t services = 0, people = 0, schedules = 0, policies = 0, runbooks = 0, integrations = 0;
  // Settings read once at start-up that differ in the new files: they take effect at the next start.
  std::vector<std::string> restart_required;
  std::vector<config::Diagnostic> warnings;
};

struct LogIngestReport {
  size_t accepted = 0;
  size_t dropped = 0;  // lines without a known service
  size_t new_templates = 0;
  std::vector<std::string> incidents_noted;  // incidents whose timeline got a log pattern entry
};

// An incident's log window: its services, from `incident_lookback` before it was declared until it
// resolved (or now).
struct LogWindow {
  core::TimePoint from{}, to{};
  std::vector<std::string> services;
};

struct LogTemplateFilter {
  std::string service;       // "" = all services
  core::TimePoint since{};   // last seen at or after
  int limit = 100;
  bool errors_only = false;
};

// The quick status of the whole system (what exists so far; other capabilities add to it).
struct SystemStatus {
  model::DefenseLevel defense_level = model::DefenseLevel::kGreen;
  std::vector<std::string> reasons;                   // why the level is what it is
  std::map<model::Severity, int64_t> open_by_severity;  // every severity present, zeros included
  int64_t open_total = 0;
  std::vector<model::Incident> worst_open;  // up to 5 open incidents, worst severity first
  core::TimePoint at{};
};

// What depends on a set of services (from the configured dependency graph).
struct BlastRadius {
  std::vector<std::string> services;            // the failed ones, as given (sorted, unique)
  std::vector<std::string> dependents;          // transitively depending on them
  std::vector<std::string> customer_facing;     // of services + dependents, the customer-facing ones
};

// A token as handed to its owner exactly once.
struct NewToken {
  std::string token;  // "fbt_<id>_<secret>"
  store::TokenRecord record;
};

class App {
 public:
  // Loads and validates the config (an InvalidArgument error carries every diagnostic, one per
  // line), opens the store and the engine. The engine thread is not started yet.
  static Result<std::unique_ptr<App>> Open(const AppOptions& opt);
  ~App();

  // Starts and stops the engine thread (without Start, commands run on the calling thread).
  void Start();
  void Stop();

  // ---- identity -------------------------------------------------------------------------------
  // Accepts "Bearer <token>" or a bare token. Unauthenticated if missing, malformed, unknown or revoked.
  Result<model::Principal> Authenticate(std::string_view authorization) const;
  // Creates a token (needs admin unless `who` is the system). The secret is returned once.
  Result<NewToken> CreateToken(const model::Principal& who, const TokenRequest& req);
  Result<std::vector<store::TokenRecord>> ListTokens(const model::Principal& who);
  Status RevokeToken(const model::Principal& who, const std::string& id);
  // On a store without any active token, creates an admin token and returns it.
  Result<std::optional<NewToken>> EnsureBootstrapToken();

  // ---- configuration ----------------------------------------------------------------------------
  // Reads the configuration directory again (needs admin). Invalid: an InvalidArgument error
  // listing every problem (file:line:col), and the running configuration stays. Valid: audited
  // (`config.reload`, with the files' fingerprint), then every command, query and timer that starts
  // afterwards sees it — services and the dependency graph, integrations, severity and grouping
  // rules, schedules, escalation policies (escalations already running keep their snapshot),
  // channels, runbooks. A few settings are read once at start-up; the report names those that
  // changed. Reloads are serialized; `serve` also reloads on SIGHUP.
  Result<ReloadReport> ReloadConfig(const model::Principal& who);

  // ---- incident commands ----------------------------------------------------------------------
  void Declare(const model::Principal& who, engine::DeclareSpec spec, Callback<model::Incident> cb);
  void Transition(const model::Principal& who, std::string id, model::Transition t, TransitionRequest req,
                  Callback<model::Incident> cb);
  void Note(const model::Principal& who, std::string id, NoteRequest req, Callback<model::Incident> cb);
  void ChangeSeverity(const model::Principal& who, std::string id, SeverityRequest req,
                      Callback<model::Incident> cb);
  void AssignRole(const model::Principal& who, std::string id, RoleRequest req, Callback<model::Incident> cb);
  void SetImpact(const model::Principal& who, std::string id, ImpactRequest req, Callback<model::Incident> cb);
  void AddServices(const model::Principal& who, std::string id, ServicesRequest req,
                   Callback<model::Incident> cb);
  // Pages responders for an incident now (paging::Pager::AddResponders).
  void AddResponders(const model::Principal& who, std::string id, RespondersRequest req, Callback<model::Incident> cb);
  // A person's answer to their request to respond (paging::Pager::AnswerResponder); `person` may be
  // "me" (the token's person).
  void AnswerResponder(const model::Principal& who, std::string id, std::string person, ResponderAnswer req,
                       Callback<model::Incident> cb);
  // An incident's requests to respond and their answers: {"incident_id", "responders": [...],
  // "pending": n}, oldest first.
  Result<boost::json::object> Responders(const model::Principal& who, std::string_view id) const;
  // Snoozes an acknowledged incident (engine::Snooze).
  void Snooze(const model::Principal& who, std::string id, SnoozeRequest req, Callback<model::Incident> cb);
  // Merges req.incidents into incident `id` (engine::AlertPipeline::Merge).
  void Merge(const model::Principal& who, std::string id, MergeRequest req, Callback<model::Incident> cb);

  // ---- audit of front-end events ----------------------------------------------------------------
  // Appends one audit entry that is not a side product of a state change (e.g. an MCP tool call,
  // reads included). Durable when `cb` runs.
  void RecordAudit(const model::Principal& who, std::string action, std::string target,
                   boost::json::object details, Callback<bool> cb);

  // ---- logs (app/logs.cc) ----------------------------------------------------------------------
  // Resolves the credential of a log sender: "Bearer <token>", "Basic <base64 user:token>", or an
  // integration key in either place (lines then default to the integration's service).
  Result<IngestIdentity> AuthenticateIngest(std::string_view authorization) const;
  // The same for a credential already taken from the request; `field` names where it was found
  // (for the error). A token needs the write scope.
  Result<IngestIdentity> AuthenticateSender(std::string_view secret, std::string_view field) const;
  // Mines and stores log lines (needs write). When an error pattern is new or surging on a service
  // with an open incident, the incident's timeline says so (once per incident and pattern).
  void IngestLogs(const model::Principal& who, std::vector<logs::LogEntry> entries, Callback<LogIngestReport> cb);
  Result<std::vector<store::LogTemplateRecord>> LogTemplates(const model::Principal& who,
                                                             const LogTemplateFilter& f) const;
  // Patterns of services in a window: new, surging and error templates with rates and exemplars.
  Result<std::vector<logs::Pattern>> LogPatterns(const model::Principal& who, logs::PatternQuery q) const;
  // The log patterns of an incident: its services, from `incident_lookback` before it was declared
  // until it resolved (or now). The input for runbook matching on log patterns.
  Result<std::vector<logs::Pattern>> IncidentLogPatterns(const model::Principal& who, std::string_view incident_id,
                                                         bool errors_only = false, size_t limit = 20) const;
  Result<LogWindow> IncidentLogWindow(const model::Principal& who, std::string_view incident_id) const;
  // A PatternQuery with the configured baseline and surge settings.
  logs::PatternQuery DefaultPatternQuery() const;

  // ---- queries --------------------------------------------------------------------------------
  Result<std::vector<model::Incident>> ListIncidents(const model::Principal& who,
                                                     const store::IncidentFilter& f) const;
  Result<model::Incident> GetIncident(const model::Principal& who, std::string_view id) const;
  Result<std::vector<model::TimelineEntry>> Timeline(const model::Principal& who, std::string_view id,
                                                     int64_t after = 0, int limit = 1000) const;
  Result<std::vector<model::AuditEntry>> Audit(const model::Principal& who, const store::AuditFilter& f) const;
  // The audit chain checked entry by entry and against its stored head; given `anchor` (a head
  // "seq:hash" kept elsewhere, as AuditHead gives it), also against that: the chain must still hold
  // that entry with that hash, which catches a tail cut off with the stored head rewritten to match.
  // InvalidArgument naming `anchor` when it is not a head.
  Result<audit::VerifyResult> VerifyAudit(const model::Principal& who, std::string_view anchor = {}) const;
  // The head of the audit chain, "seq:hash" ("0:" before the first entry), to keep elsewhere.
  Result<std::string> AuditHead(const model::Principal& who) const;
  // What the server itself published of it (settings.audit_head_every): {"published": {"head",
  // "at"} or null, "notices": the latest notices to channels, oldest first}.
  Result<boost::json::object> AuditHeadPublished(const model::Principal& who) const;
  // Defense level (worst of the open incidents' levels), open incidents by severity, the worst ones.
  Result<SystemStatus> GetSystemStatus(const model::Principal& who) const;
  // InvalidArgument naming services[i] for an unknown service.
  Result<BlastRadius> ComputeBlastRadius(const model::Principal& who, std::vector<std::string> services) const;

  // ---- alerts, silences, change events (app/alerts.cc) -----------------------------------------
  // The integration an ingest request's key names. Unknown keys are Unauthenticated (field
  // `field`: the header or body field that carried the key). Compares hashes, not keys.
  Result<model::Integration> FindIntegration(std::string_view key, std::string_view field) const;
  // Runs the alert pipeline on a decoded batch; the callback runs once it is durable. The engine
  // drops its reference as soon as the command ran, so the caller's frees the batch (off the
  // engine thread).
  void IngestAlerts(std::shared_ptr<const engine::IngestRequest> req, Callback<engine::IngestResult> cb);
  // Stores a change event for an integration (`service`: an explicit service, validated).
  void RecordChange(model::Integration integration, model::ChangeEvent change, std::string service,
                    Callback<model::ChangeEvent> cb);
  void CreateSilence(const model::Principal& who, engine::SilenceSpec spec, Callback<model::Silence> cb);
  void ExpireSilence(const model::Principal& who, std::string id, Callback<model::Silence> cb);
  Result<std::vector<model::Alert>> ListAlerts(const model::Principal& who, const store::AlertFilter& f) const;
  // The alerts of an incident, oldest first, with their join reasons.
  Result<std::vector<model::Alert>> IncidentAlerts(const model::Principal& who, std::string_view incident_id) const;
  // state: active | pending | expired | all; none = active and pending.
  Result<std::vector<model::Silence>> ListSilences(const model::Principal& who,
                                                   const std::optional<std::string>& state) const;
  Result<model::Silence> GetSilence(const model::Principal& who, std::string_view id) const;
  Result<std::vector<model::ChangeEvent>> ListChanges(const model::Principal& who, const ChangeFilter& f) const;
  // A ping of heartbeat `id` (durable when `cb` runs). `via` says who sent it; `integration` is the
  // integration's name when an integration key authenticated the ping.
  void PingHeartbeat(std::string id, std::string via, std::optional<std::string> integration,
                     Callback<engine::HeartbeatStatus> cb);
  Result<std::vector<engine::HeartbeatStatus>> ListHeartbeats(const model::Principal& who) const;
  // The configured maintenance windows now: in a muting stretch or not, and the next one.
  Result<std::vector<engine::MaintenanceStatus>> ListMaintenanceWindows(const model::Principal& who) const;
  engine::AlertPipeline& alerts() { return *alerts_; }
  // ---- automated investigation (metrics, anomalies, changes, root-cause hypotheses) ----
  Analysis& analysis() { return *analysis_; }
  // ---- on call, escalation and paging (app_paging.cc) -------------------------------------------
  // Who is on call: for a schedule, a service (its policy's tiers resolved to people), or every
  // schedule. The MCP tool get_oncall wraps this.
  Result<boost::json::object> OnCall(const model::Principal& who, const OncallQuery& q) const;
  // The final schedule's shifts over a range (default: the next 7 days).
  Result<boost::json::object> Shifts(const model::Principal& who, const ShiftsQuery& q) const;
  // The roster of a schedule or a team over the next N days (or a range): every schedule's shifts,
  // gaps, coverage and rotation members, and per-person on-call totals. Built for responder-
  // resilience analytics (N-1 roster coverage, bus factor); an MCP tool can return it as is.
  Result<boost::json::object> Roster(const model::Principal& who, const RosterQuery& q) const;
  // Responder resilience over the next q.days: roster N-1 coverage, bus factor of critical
  // services, fatigue-rule violations (settings.responders) and cognitive load (open incident
  // roles, unacknowledged pages). JSON as oncall::ToJson(ResilienceReport).
  Result<boost::json::object> ResponderResilience(const model::Principal& who, const ResponderQuery& q) const;
  // The people directory (paging/people.h), and one person's on-call picture: their shifts across
  // schedules, every policy tier that can page them, the open incidents where they hold a role, the
  // incidents whose pages to them wait for an acknowledgement, the requests to respond they have not
  // answered, and the current run-time overrides that put them on or take them off a schedule. "me"
  // is the token's person.
  Result<boost::json::object> People(const model::Principal& who, const PeopleQuery& q) const;
  Result<boost::json::object> Person(const model::Principal& who, const PersonQuery& q) const;
  // Schedule overrides made at run time (app/overrides.h): listed (`{"overrides": [...]}`, by
  // start), created (write scope; audited `oncall.override.create`) and deleted (a future one is
  // cancelled, one in progress ends now; audited `oncall.override.delete`). Paging uses the new
  // schedule from the next command on.
  Result<boost::json::object> ListOverrides(const model::Principal& who, const OverrideQuery& q) const;
  Result<boost::json::object> GetOverride(const model::Principal& who, std::string_view id) const;
  void CreateOverride(const model::Principal& who, OverrideRequest req, Callback<boost::json::object> cb);
  void DeleteOverride(const model::Principal& who, std::string id, Callback<boost::json::object> cb);
  // Shift handoffs: the coming ones (paging::HandoffsJson) and "notices": the handoff notices queued
  // or sent ([{"idempotency_key","event","person","schedule","at","channel","channel_type",
  // "destination","state","attempts","created_at","delivered_at","last_error"}], newest first, at
  // most 50; for one schedule when the query names it).
  Result<boost::json::object> Handoffs(const model::Principal& who, const HandoffsQuery& q) const;
  // An incident's escalation: policy snapshot, status, next step, page history ({"escalation": null}
  // when no policy applied).
  Result<boost::json::object> GetEscalation(const model::Principal& who, std::string_view id) const;
  // An incident's notifications (outbox rows; webhook URLs reduced to their origin).
  Result<boost::json::object> ListNotifications(const model::Principal& who, std::string_view id) const;
  // Escalates to the next tier now (the MCP tool escalate_incident wraps this).
  void Escalate(const model::Principal& who, std::string id, EscalateRequest req, Callback<model::Incident> cb);
  // Flags data loss or a security risk (escalates at once).
  void Flag(const model::Principal& who, std::string id, FlagRequest req, Callback<model::Incident> cb);
  // A signed one-click link: verified (not used) with the incident it names.
  struct LinkInfo {
    notify::LinkClaims claims;
    model::Incident incident;
  };
  Result<LinkInfo> CheckLink(std::string_view token) const;
  // Uses a signed link (single use, audited) from `remote`.
  void UseLink(std::string token, std::string remote, Callback<model::Incident> cb);
  // Test only: whether the server runs on a manual clock, and moving it (admin scope). `cb` gets the
  // new time once every timer due by then has fired and committed (and the timers those armed, if
  // due too), so a caller that reads right after sees the escalation steps of the elapsed time.
  bool manual_clock() const { return manual_clock_ != nullptr; }
  void AdjustClock(const model::Principal& who, const ClockRequest& req, Callback<core::TimePoint> cb);
  paging::Pager& pager() { return *pager_; }

  // ---- resilience analytics (service graph, N-1/N-2, cascades, shedding, fallbacks) -------------
  // Read-only queries over the current config's service graph (see app/resilience.h).
  Resilience& resilience() { return *resilience_; }

  // ---- runbooks (library, matching, dry-run, runs, approvals, circuit breakers) -----------------
  // JSON in/out for HTTP, MCP and the CLI (see app/runbooks.h). Agents may request, never approve.
  Runbooks& runbooks() { return *runbooks_; }
  // ---- reports: status updates, response plans, postmortems, MTTx, action items ----------------
  Reports& reports() { return *reports_; }
  const Reports& reports() const { return *reports_; }

  // ---- plumbing -------------------------------------------------------------------------------
  engine::Engine& engine() { return *engine_; }
  store::Store& store() { return *store_; }
  std::shared_ptr<const config::Config> config() const { return engine_->config(); }
  const core::Clock& clock() const { return *clock_; }
  core::Registry& metrics() { return metrics_; }
  // Updates gauges computed from the store (incidents by state); call before rendering /metrics.
  void RefreshGauges();
  // Warnings from loading the config (errors prevent Open).
  const std::vector<config::Diagnostic>& config_warnings() const { return warnings_; }

 private:
  App() = default;
  template <class F>
  void Run(F fn, Callback<model::Incident> cb);

  std::unique_ptr<core::RealClock> real_clock_;
  std::unique_ptr<core::ManualClock> manual_clock_;
  const core::Clock* clock_ = nullptr;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<engine::AlertPipeline> alerts_;
  // SHA-256 of integration key -> integration, for the config it was built from.
  mutable std::mutex integrations_mu_;
  mutable const config::Config* integrations_of_ = nullptr;
  mutable std::map<std::string, model::Integration> integrations_;
  std::unique_ptr<logs::LogService> logs_;
  std::unique_ptr<engine::IncidentObserver> log_observer_;
  std::unique_ptr<paging::Pager> pager_;  // after engine_: destroyed first
  core::Registry metrics_;
  friend class LogIncidentObserver;
  Status OpenLogs();
  std::unique_ptr<Analysis> analysis_;
  std::vector<config::Diagnostic> warnings_;
  std::string config_dir_;
  std::mutex reload_mu_;
  std::string config_fingerprint_;  // of the running configuration's files (guarded by reload_mu_)
  // The configuration as loaded from the files; the engine runs it with the schedule overrides
  // applied (ApplyOverrides, on the engine thread, whenever either changes).
  mutable std::mutex file_config_mu_;
  std::shared_ptr<const config::Config> file_config_;
  std::shared_ptr<const config::Config> FileConfig() const;
  void ApplyOverrides(const std::vector<ScheduleOverride>& items);
  std::unique_ptr<Reports> reports_;         // observes the engine; destroyed after it stopped
  std::unique_ptr<Resilience> resilience_;  // after engine_: destroyed (and joined) first
  std::unique_ptr<Runbooks> runbooks_;      // after engine_: its worker stops first
};

// The principal an AI agent acts as: the token's person and scopes, with the audit actor
// `agent:<client_name>` (the MCP client's self-reported name, reduced to [A-Za-z0-9._-], at most 64
// characters, "unknown" if empty). The token still decides what the agent may do; four-eyes checks
// still see the person behind the token. An agent never holds `approve` or `admin` (admin becomes
// read+write): approving a risky action is a person's act.
model::Principal AgentPrincipal(const model::Principal& token_principal, std::string_view client_name);

// Exclusive ownership of a data directory by one long-running process (`serve` or `mcp`), which
// holds the only in-memory engine state (timers, caches) for it. An advisory POSIX record lock on
// <data>/firebreak.lock, owned by this process only (children it forks do not hold it) and
// released when the process exits, even by a crash. Offline tools (`token create`, `audit verify`)
// do not take it.
class DataDirLock {
 public:
  // Takes the lock for `command` ("serve" or "mcp"). FailedPrecondition naming the owner (its pid,
  // command and URL) when another process holds it.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir, const std::string& command);
  ~DataDirLock();
  // Records where the owner can be reached (serve: its URL), for the message other processes get.
  void SetUrl(const std::string& url);
  // What the lock file says about the current owner: {"pid","command","url"} (empty if none). Not
  // for the owner itself (closing the file would drop its lock).
  static boost::json::object ReadOwner(const std::string& data_dir);

 private:
  DataDirLock() = default;
  void Write();
  int fd_ = -1;
  std::string key_;
  std::string command_;
  std::string url_;
};

// Runs an async command and waits for its result (CLI, MCP stdio, tests). Must not be called on the
// engine thread.
template <class T, class F>
Result<T> Wait(F&& start) {
  auto p = std::make_shared<std::promise<Result<T>>>();
  auto fut = p->get_future();
  start([p](Result<T> r) { p->set_value(std::move(r)); });
  return fut.get();
}

// Verifies the audit chain of a data directory without a running server (opens it read-only).
Result<audit::VerifyResult> VerifyAuditDir(const std::string& data_dir, std::string_view anchor = {});
// The head of a data directory's audit chain, as App::AuditHead gives it.
Result<std::string> AuditHeadDir(const std::string& data_dir);

struct BackupReport {
  std::string to;
  int64_t db_bytes = 0;
  int schema_version = 0;
  int64_t incidents = 0;
  audit::VerifyResult audit;        // of the copy
  std::vector<std::string> copied;  // files besides the database, relative to the data directory
};
// A consistent copy of a data directory into `to_dir` (new or empty), while a server may be running
// on it: the database as one snapshot of what was committed, the key that signs one-click page
// links, and the runbooks' file backups. The copy is checked (SQLite integrity check, audit chain)
// before this returns; it is a data directory `serve --data` opens as it is. An existing database in
// `to_dir` is never overwritten.
Result<BackupReport> BackupDataDir(const std::string& data_dir, const std::string& to_dir);

}  // namespace firebreak::app
