// App: the composition root and the one surface front ends call.
//
// Builds everything from a config directory and a data directory, authenticates tokens, and offers
// commands (async: they run on the engine and call back once durable) and queries (sync: they read
// a store snapshot on the caller's thread). Every rule a caller must obey lives at or below this
// layer, so HTTP, MCP and the CLI enforce the same things.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/paging_requests.h"
#include "app/requests.h"
#include "app/resilience.h"
#include "audit/audit.h"
#include "config/config.h"
#include "config/diagnostics.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "engine/engine.h"
#include "engine/incidents.h"
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

  // ---- queries --------------------------------------------------------------------------------
  Result<std::vector<model::Incident>> ListIncidents(const model::Principal& who,
                                                     const store::IncidentFilter& f) const;
  Result<model::Incident> GetIncident(const model::Principal& who, std::string_view id) const;
  Result<std::vector<model::TimelineEntry>> Timeline(const model::Principal& who, std::string_view id,
                                                     int64_t after = 0, int limit = 1000) const;
  Result<std::vector<model::AuditEntry>> Audit(const model::Principal& who, const store::AuditFilter& f) const;
  Result<audit::VerifyResult> VerifyAudit(const model::Principal& who) const;

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
  std::unique_ptr<paging::Pager> pager_;  // after engine_: destroyed first
  core::Registry metrics_;
  std::vector<config::Diagnostic> warnings_;
  std::unique_ptr<Resilience> resilience_;  // after engine_: destroyed (and joined) first
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
Result<audit::VerifyResult> VerifyAuditDir(const std::string& data_dir);

}  // namespace firebreak::app
