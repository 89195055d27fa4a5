// The alert pipeline: turns ingested events into alert rows and incident changes, inside engine
// commands.
//
// For each event it asks the correlator (correlate::Correlator, in memory) what the event means,
// writes that to the store (alerts table; incidents through the lifecycle operations of
// incidents.h, which write their timeline and audit entries and notify observers), then applies
// it to the correlator. The correlator's changes are journaled and undone if the command rolls
// back or the batch does not commit (engine::Tx::OnRollback), so it always mirrors the store.
//
// What the pipeline does to incidents (actor system:correlate):
//   - a new alert nothing accepts opens an incident (engine::Declare, source = the source) at the
//     severity the severity rules give it; flags from the rule go through FlagIncident;
//   - an alert that joins an incident gets a timeline entry with the join reason, adds its service
//     (AddServices) and raises the severity if it is worse (SetSeverity; never lowered);
//   - a re-firing alert reopens a mitigated/resolved incident, unless it is flapping;
//   - when the last alert of an incident resolves, the incident moves to settings.auto_resolve;
//   - a PagerDuty acknowledge acknowledges a triggered incident;
//   - in storm mode (a source past its token bucket) new alerts collapse: no per-alert timeline,
//     services or severity changes, no reopening — one storm incident pages once; when the storm
//     ends (timer "ingest.storm") every open incident is reconciled with its alerts;
//   - alerts of sources that keep re-sending them (Prometheus, expires_at) resolve by themselves when
//     not re-sent in time (timer "alert.expire", re-armed by every firing event);
//   - silenced alerts are recorded without an incident; when their silence ends (timer
//     "silence.expire" or an explicit expiry) still-firing ones are placed as if new.
//   - inhibition (config::InhibitRule): every new episode that matches a rule's source matchers adds
//     an inhibition (a silence "INH-<alert>-<rule>" of the rule's targets with its equal labels'
//     values) to the correlator; when it resolves, the inhibition ends like a silence. Rebuilt from
//     the open alerts at Load and when a reload changes the rules;
//   - maintenance windows (config::MaintenanceWindow, maintenance.cc): each muting stretch of a
//     window starts a silence (by system:maintenance) that ends with it; timer "maintenance.window"
//     fires at each window's next change, and a config change restarts changed windows;
//   - heartbeats (config::Heartbeat): a ping re-arms timer "heartbeat.miss"; when it fires, an alert
//     of source "heartbeat" goes through this same pipeline (incident, severity rules, paging) and
//     the next ping resolves it. Firing alerts carrying a heartbeat's match_labels are pings, not
//     alerts.
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "correlate/correlator.h"
#include "engine/engine.h"
#include "model/actor.h"
#include "model/alert.h"
#include "model/change_event.h"

namespace firebreak::engine {

struct IngestRequest {
  model::Integration integration;  // the integration whose key authenticated the request
  std::string source;              // alertmanager | pagerduty | event
  std::vector<model::AlertEvent> events;
};

struct IngestOutcome {
  std::string dedup_key;  // as the source knows it (PagerDuty clients get it back)
  int64_t alert_id = 0;
  std::string incident_id;
  std::string result;  // new | repeat | acknowledged | resolved | ignored
  std::string join_reason;
};

struct IngestResult {
  std::vector<IngestOutcome> outcomes;
};

struct SilenceSpec {
  std::vector<model::Matcher> matchers;
  std::optional<core::TimePoint> starts_at;  // default: now
  core::TimePoint ends_at{};                 // unless `duration` is given
  // "for 90m": counted from the start the engine settles on (the commit's time for "now"), so
  // the silence lasts exactly that long whatever the queueing before the commit.
  std::optional<core::Millis> duration;
  std::string comment;
};

// What is known of a heartbeat: `state` is waiting (never pinged), up, or missed.
struct HeartbeatStatus {
  std::string id;
  std::string service;
  core::Millis timeout{};
  std::string state;
  std::optional<core::TimePoint> last_ping;
  std::string last_via;  // who pinged last: an integration's name, or token:<person or id>
  std::optional<core::TimePoint> due;        // up: when it is missed without a ping
  std::optional<core::TimePoint> missed_at;  // missed: since when
  std::string incident_id;                   // missed: the incident its alert opened or joined
};

// What a maintenance window (config::MaintenanceWindow) is doing at some time: in a muting stretch
// (until when, and the silence it started unless that was expired by hand) or not, and its next
// stretch (looked for up to a year ahead).
struct MaintenanceStatus {
  std::string name;
  std::vector<std::string> matchers, mute_time_intervals, active_time_intervals;
  std::string comment;
  bool in_window = false;
  std::optional<core::TimePoint> ends_at;  // in_window: the end of this stretch
  std::string silence_id;                  // in_window: its live silence
  std::optional<core::TimePoint> next_start, next_end;
};

// Every configured maintenance window at `now`, from the store (any transaction).
Result<std::vector<MaintenanceStatus>> MaintenanceStatuses(store::Tx& tx, const config::Config& cfg,
                                                           core::TimePoint now);

// The status of every configured heartbeat, from the store (any transaction).
Result<std::vector<HeartbeatStatus>> HeartbeatStatuses(store::Tx& tx, const config::Config& cfg);

class AlertPipeline : public IncidentObserver {
 public:
  // Registers itself as an observer and the timer handlers with `engine`.
  explicit AlertPipeline(Engine& engine);

  // Rebuilds the correlator from the store (open incidents, open and recent alerts, live
  // silences). Call once before the engine starts.
  Status Load();

  // ---- commands (run inside engine commands) -----------------------------------------------------
  Result<IngestResult> Ingest(Tx& tx, const IngestRequest& req);
  // Stores a change event for `integration` (service: `service` if it names a known one, else the
  // integration's). Repeats of a dedup_key return the stored id.
  Result<model::ChangeEvent> RecordChange(Tx& tx, const model::Integration& integration, model::ChangeEvent change,
                                          const std::string& service);
  Result<model::Silence> CreateSilence(Tx& tx, const model::Principal& who, const SilenceSpec& spec);
  // Ends a silence now (audited); still-firing alerts it silenced are placed.
  Result<model::Silence> ExpireSilence(Tx& tx, const model::Principal& who, const std::string& id);
  // A ping of heartbeat `id` from `via`; `integration`, when the ping came with an integration key,
  // is that integration's name (refused if the heartbeat names another). A missed heartbeat's
  // alert resolves. NotFound for an unknown heartbeat.
  Result<HeartbeatStatus> PingHeartbeat(Tx& tx, const std::string& id, const std::string& via,
                                        const std::optional<std::string>& integration);

  // Merges each incident of `from` into incident `into` (PagerDuty's "merge incidents"): their
  // alerts move to `into`, which takes on their services (blast radius), flags, unfilled roles
  // and, if worse, their severity; each merged incident is resolved with `merged_into` set, and
  // whatever would have joined it joins `into` from now on. Every incident must be open and
  // distinct; otherwise nothing changes. Returns `into` as it is afterwards.
  Result<model::Incident> Merge(Tx& tx, const model::Principal& who, const std::string& into,
                                const std::vector<std::string>& from, const std::string& note);

  Status OnIncidentEvent(Tx& tx, const IncidentEvent& ev) override;
  // Brings the correlator in line with the transaction's config (rules, and the inhibitions they
  // cause). Every command does so first; a config reload calls it so that nothing waits for one.
  Status Resync(Tx& tx);

  // The service an event belongs to: an explicit hint or `service` label naming a known service,
  // else a service whose configured labels all match the alert's, else the integration's.
  static std::string ResolveService(const config::Config& cfg, const model::Integration& integration,
                                    const model::AlertEvent& e);

  // Counters for /metrics (read from any thread).
  struct Counters {
    std::atomic<uint64_t> events{0}, new_alerts{0}, repeats{0}, resolved{0}, acknowledged{0}, ignored{0},
        silenced{0}, inhibited{0}, collapsed{0}, incidents_opened{0}, storms{0}, expired{0}, heartbeat_pings{0},
        heartbeats_missed{0};
  };
  const Counters& counters() const { return counters_; }
  // Engine thread only (tests, benchmarks).
  const correlate::Correlator& correlator() const { return corr_; }

 private:
  void Guard(Tx& tx);
  void SyncConfig(Tx& tx);
  Status OnSilenceTimer(Tx& tx, const store::TimerRecord& t);
  // Stores, arms, audits and announces silence `s` (its id is assigned here) as created by `by`.
  Status StartSilence(Tx& tx, const model::Actor& by, model::Silence& s);
  // Ends live silence `s` now (by `by`, audited with `reason`); still-firing alerts it silenced are
  // placed.
  Status StopSilence(Tx& tx, const model::Actor& by, model::Silence& s, const std::string& reason);
  // Maintenance windows (maintenance.cc): after a config change, new and changed windows (re)start
  // and removed ones end their silences; the timer brings one window up to date at each change.
  Status SyncMaintenance(Tx& tx);
  Status ApplyWindow(Tx& tx, const config::MaintenanceWindow& w, std::string& silence_id);
  Status OnMaintenanceTimer(Tx& tx, const store::TimerRecord& t);
  Status OnStormTimer(Tx& tx, const store::TimerRecord& t);
  // Stores a new episode and applies the decision's incident effects.
  Result<IngestOutcome> NewEpisode(Tx& tx, const IngestRequest& req, const model::AlertEvent& e,
                                   const correlate::AlertInput& in, const correlate::Decision& d);
  // Attaches an episode (stored as `alert`) where `d` says; returns the incident id ("" if silenced).
  Result<std::string> Place(Tx& tx, const std::string& source, const correlate::AlertInput& in, model::Alert& alert,
                            const correlate::Decision& d, bool stored);
  // Resolves the episode `d` names; `expired`: no resolve event came, its expiry timer fired.
  Status ResolveEpisode(Tx& tx, const correlate::AlertInput& in, const correlate::Decision& d, bool expired);
  Status OnExpireTimer(Tx& tx, const store::TimerRecord& t);
  Status Resolved(Tx& tx, const model::Alert& summary_of, const correlate::Decision& d, bool expired);
  Status AutoResolve(Tx& tx, const std::string& incident_id, const std::string& why);
  Status Reconcile(Tx& tx, const std::string& incident_id, const std::string& why);
  Status EndSilence(Tx& tx, const std::string& silence_id);
  Status OnHeartbeatTimer(Tx& tx, const store::TimerRecord& t);
  // Adds the inhibitions open alert `a` causes (one per rule whose source matchers it matches).
  Status StartInhibitions(const config::Config& cfg, const model::Alert& a);
  // Inhibits after the fact the open alerts placed within settings.inhibit_grace before `source`
  // that its inhibitions mute: they leave their incidents, and an incident left with no alert at
  // all is resolved (one left with none open moves to settings.auto_resolve).
  Status InhibitRecent(Tx& tx, const model::Alert& source);
  // Ends the inhibitions of alert `alert_id` (it resolved): what they muted and still fires is placed.
  Status EndInhibitions(Tx& tx, int64_t alert_id);
  // After a reload changed the rules: the inhibitions the open alerts cause now, and no others.
  Status ResyncInhibitions(Tx& tx);
  // The heartbeats a firing event pings: its labels carry every match label, and it came from the
  // integration each names (if any).
  std::vector<const config::Heartbeat*> PingedBy(const config::Config& cfg, const IngestRequest& req,
                                                 const model::AlertEvent& e) const;

  Engine& engine_;
  correlate::Correlator corr_;
  const config::Config* synced_ = nullptr;
  const config::Config* maintenance_synced_ = nullptr;
  core::TimePoint last_prune_{};
  Counters counters_;
  // Incidents that received collapsed alerts, per storming source (reconciled when it ends).
  std::map<std::string, std::set<std::string>> storm_touched_;
};

}  // namespace firebreak::engine
