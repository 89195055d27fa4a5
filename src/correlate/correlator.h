// Correlate: dedup, grouping into incidents, storm and flap control, severity rules, silences.
//
// The Correlator is a pure in-memory index: it never touches SQL or the clock. For each incoming
// event it *decides* (Decide, const) what the event means — a repeat of an open alert, a new firing
// episode and the incident it joins and why, an acknowledgement, a resolution — and, once the
// caller has written that decision to the store, *applies* it (Apply). The caller (engine's alert
// pipeline) runs both inside one engine command.
//
// Every mutation is journaled: Mark() returns a position, RollbackTo(mark) undoes everything after
// it, Commit() forgets the journal. The engine calls RollbackTo when a command rolls back or a batch
// fails to commit, so the index always equals what is durable, while later commands of the same
// batch already see earlier ones (group commit).
//
// One thread only (the engine's), const methods included: Decide and Evaluate keep scratch state
// and per-matcher regex memos in the compiled config, so two threads must not share a Correlator.
//
// Vocabulary: a *key* identifies an alert across its firing episodes (the source's dedup key or a
// label fingerprint, scoped by source). An incident *accepts* a new alert when it is open and either
// still has firing alerts or saw alert activity within the correlation window; a mitigated or
// resolved incident accepts (and is reopened) within the window after it was mitigated/resolved.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "config/config.h"
#include "correlate/key_index.h"
#include "core/clock.h"
#include "model/alert.h"
#include "model/incident.h"

namespace re2 {
class RE2;
}

namespace firebreak::correlate {

// "INC-12" -> 12; 0 if malformed.
int64_t IncidentNumber(std::string_view id);
std::string IncidentId(int64_t number);
// A 64-bit hash of the sorted labels (names, values and their lengths), for change detection on
// repeats; in memory only, never stored.
uint64_t LabelsHash(const model::LabelSet& labels);

// A severity rule match.
struct Triage {
  model::Severity severity = model::Severity::kSev3;
  std::string rule;  // "" when no rule matched (default severity)
  std::vector<std::string> flags;
};

// What the caller tells the correlator about one event.
struct AlertInput {
  const model::AlertEvent* event = nullptr;
  std::string key;      // scoped key
  std::string source;   // storm bucket id (the integration name)
  std::string service;  // resolved service id (always set)
  // The key is a fingerprint of all the labels (Alertmanager): a repeat cannot carry other labels,
  // so the per-repeat label comparison (for re-triage) is skipped.
  bool labels_are_key = false;
};

struct Decision {
  enum class Kind {
    kNew,          // a new firing episode of the key
    kRepeat,       // the open episode again
    kAcknowledge,  // the open episode acknowledged
    kResolve,      // the open episode resolved
    kIgnore,       // ack/resolve of an unknown or resolved key (PagerDuty drops these)
  };
  Kind kind = Kind::kIgnore;
  int64_t alert_id = 0;      // the open episode (repeat, ack, resolve)
  std::string incident_id;   // the incident joined / of the episode; "" = open a new one (kNew)
  model::JoinKind join = model::JoinKind::kNone;
  std::string join_reason;   // one sentence: "same service (checkout)", "downstream of db via payments"
  std::string related_service;
  Triage triage;             // kNew, and kRepeat when labels changed
  std::string silence_id;    // kNew: a silence matched (no incident)
  bool storm = false;        // kNew: the source is in storm mode (collapsed: no per-alert timeline,
                             // services and severity reconciled when the storm ends)
  bool storm_started = false;
  std::string group_key;     // kNew opening an incident: its group key
  bool reopen = false;       // kNew joining a mitigated/resolved incident: reopen it
  bool add_service = false;  // kNew: the incident does not list the service yet
  bool raise_severity = false;  // the incident's severity is better than triage.severity
  bool labels_changed = false;  // kRepeat: labels differ from the episode's
  bool flapping = false;        // the key is flapping after this change
  bool became_flapping = false;
  std::vector<core::TimePoint> state_changes;  // the key's recent changes after this event
  bool last_open = false;       // kResolve: the incident has no other open alert
  model::IncidentState incident_state = model::IncidentState::kTriggered;  // of incident_id, if tracked
  // kNew: the event's service and source as the correlator numbers them, so that Apply does not
  // look the names up again (-1: not known; Apply looks them up).
  int32_t service_id = -1;
  int32_t source_id = -1;
};

std::string_view KindName(Decision::Kind k);

struct CorrelatorStats {
  size_t alerts = 0;       // keys tracked (open episodes + recently resolved)
  size_t open_alerts = 0;  // firing or acknowledged episodes
  size_t incidents = 0;    // incidents tracked
  size_t silences = 0;
  size_t storming_sources = 0;
  size_t journal = 0;
};

class Correlator {
 public:
  explicit Correlator(std::shared_ptr<const config::Config> cfg);
  ~Correlator();
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;

  // Uses a new config snapshot (services, rules, settings) from now on.
  void SetConfig(std::shared_ptr<const config::Config> cfg);
  const config::Config& config() const { return *cfg_; }

  // ---- events ----------------------------------------------------------------------------------
  Decision Decide(const AlertInput& in, core::TimePoint now) const;
  // Records `d` after the caller stored it: `alert_id` is the stored episode (kNew), `incident_id`
  // the incident it joined or opened ("" if none).
  void Apply(const AlertInput& in, const Decision& d, int64_t alert_id, const std::string& incident_id,
             core::TimePoint now);
  // Severity rules for an alert of `service` with these labels, when `affected` services would be
  // affected.
  Triage Evaluate(const model::LabelSet& labels,
                  const std::map<std::string, std::string>& annotations, const std::string& service,
                  size_t affected) const;

  // ---- incidents (told by the engine's observer) -------------------------------------------------
  void TrackIncident(const model::Incident& inc, core::TimePoint now);
  // Forgets nothing: closed incidents simply stop accepting.
  void IncidentState(const std::string& id, model::IncidentState state, core::TimePoint now);
  void IncidentSeverity(const std::string& id, model::Severity sev);
  void IncidentServices(const std::string& id, const std::vector<std::string>& services);
  // Open (firing/acknowledged) episodes the correlator counts for `id`.
  int64_t OpenAlerts(const std::string& id) const;
  // Incident ids the correlator tracks that are open (triggered, acknowledged or mitigated).
  std::vector<std::string> OpenIncidents() const;
  // Incident `from` was merged into `into` (both tracked; the caller moved the stored alerts):
  // its episodes now count for `into`, and what would have joined `from` — a re-firing key, its
  // grouping rule's group — joins `into` instead. `from` itself never accepts an alert again.
  void MergeIncident(const std::string& from, const std::string& into, core::TimePoint now);

  // ---- silences ----------------------------------------------------------------------------------
  // Adds or replaces a silence; InvalidArgument if a regex does not compile (field "matchers[i]").
  Status AddSilence(const model::Silence& s);
  void RemoveSilence(const std::string& id);
  // (key, alert id) of open episodes silenced by `silence_id` (to re-evaluate when it ends).
  std::vector<std::pair<std::string, int64_t>> SilencedBy(const std::string& silence_id) const;
  // Re-decides an open silenced episode as if it were new now (the silence has ended): where it
  // joins and why. Kind is kNew; the caller stores it and calls Apply.
  Decision Redecide(const AlertInput& in, core::TimePoint now) const;

  // ---- inhibitions (config::InhibitRule) -----------------------------------------------------------
  // Mutes new episodes that match every `target` matcher and not every `unless` matcher, under the
  // silence id InhibitionId(source_alert, rule) (1-based rule), until RemoveSilence of that id.
  Status AddInhibition(int64_t source_alert, int rule, const std::vector<model::Matcher>& target,
                       const std::vector<model::Matcher>& unless);
  static std::string InhibitionId(int64_t source_alert, int rule);  // "INH-<alert>-<rule>"
  // An open episode already placed in an incident is muted after the fact by inhibition
  // `silence_id` (its source came in moments later): it leaves its incident's count and is placed
  // again like any muted episode when the inhibition ends. Journaled; no-op for an unknown key or
  // an episode that is resolved or already muted.
  void InhibitPlaced(const std::string& key, const std::string& silence_id);
  // Whether an alert's silence_id names an inhibition rather than a silence.
  static bool IsInhibition(std::string_view silence_id) { return silence_id.rfind("INH-", 0) == 0; }
  bool HasSilence(const std::string& id) const { return silences_.count(id) > 0; }
  // Ids of the inhibitions in force.
  std::vector<std::string> InhibitionIds() const;

  // ---- storms ------------------------------------------------------------------------------------
  bool Storming(const std::string& source) const;
  // Tokens available to `source` at `now`.
  double Tokens(const std::string& source, core::TimePoint now) const;
  // Ends `source`'s storm mode (the caller checked Tokens).
  void EndStorm(const std::string& source);
  std::vector<std::string> StormingSources() const;

  // ---- journal -----------------------------------------------------------------------------------
  size_t Mark() const { return journal_.size(); }
  void RollbackTo(size_t mark);
  void Commit() { journal_.clear(); }

  // ---- rebuild and housekeeping ----------------------------------------------------------------
  // Loads a stored episode (latest episode of a key last). Not journaled.
  void LoadAlert(const model::Alert& a);
  // Drops resolved episodes older than the flap window and incidents that can no longer accept
  // alerts and have no open episode. Not journaled: call it between batches (after Commit); with
  // journal entries still open it does nothing, as a rollback could not restore what it erased.
  void Prune(core::TimePoint now);

  CorrelatorStats Stats() const;

 private:
  struct AlertSlot {
    int64_t id = 0;
    int64_t incident = 0;  // incident number, 0 = none
    uint64_t labels_hash = 0;
    int32_t service = -1;  // interned
    model::AlertStatus status = model::AlertStatus::kFiring;
    model::Severity severity = model::Severity::kSev3;
    bool flapping = false;
    bool silenced = false;
    uint8_t nchanges = 0;
    std::array<uint32_t, 8> changes{};  // recent state changes, seconds since the epoch, oldest first
    int64_t silence = 0;  // silence number when silenced
  };
  struct IncidentSlot {
    int64_t number = 0;
    model::IncidentState state = model::IncidentState::kTriggered;
    model::Severity severity = model::Severity::kSev3;
    std::vector<int32_t> services;  // interned, sorted
    core::TimePoint created_at{};
    core::TimePoint last_activity{};
    core::TimePoint state_at{};  // when it entered its state
    int64_t open_alerts = 0;
    std::string group_key;
    int64_t merged_into = 0;  // incident number; 0 = not merged
  };
  struct Bucket {
    double tokens = 0;
    core::TimePoint last{};
    bool storming = false;
  };
  struct CompiledSilence;
  struct Compiled;  // config-derived: service graph, rules

  // The journal never records an erased key (Apply only inserts or updates, and Prune, which
  // erases, runs only with an empty journal), so a node id stays valid for as long as its entry.
  struct AlertUndo {
    uint32_t node;                 // in alerts_
    std::optional<AlertSlot> old;  // none: the entry inserted the key
  };
  struct IncidentUndo {
    int64_t number;
    std::optional<IncidentSlot> old;
  };
  // Only the counters of an incident changed (the frequent case; does not touch the indexes).
  struct CountUndo {
    int64_t number;
    int64_t open_alerts;
    core::TimePoint last_activity;
  };
  struct BucketUndo {
    int32_t source;  // interned
    std::optional<Bucket> old;
  };
  struct SilenceUndo {
    std::string id;
    std::shared_ptr<const CompiledSilence> old;
  };
  using Undo = std::variant<AlertUndo, IncidentUndo, CountUndo, BucketUndo, SilenceUndo>;

  int32_t Intern(std::string_view service) const { return services_.Id(service); }
  // Sources (storm buckets) are interned too: a bucket is found by index, and its journal entry
  // holds the index instead of a copy of the name.
  int32_t SourceId(std::string_view source) const { return sources_.Id(source); }
  // The bucket of source `source` (an id, -1 for a source never seen); null if it has none.
  const Bucket* FindBucket(int32_t source) const;
  const std::string& ServiceName(int32_t id) const;
  // The config's definition of an interned service; null if the config does not define it.
  const model::Service* ServiceDef(int32_t id) const;
  // Evaluate for a service already looked up.
  Triage Evaluate(const model::LabelSet& labels,
                  const std::map<std::string, std::string>& annotations, const model::Service* svc,
                  size_t affected) const;
  void SetIncident(int64_t number, std::optional<IncidentSlot> v);
  void SetBucket(int32_t source, std::optional<Bucket> v);
  void SetSilence(const std::string& id, std::shared_ptr<const CompiledSilence> v);
  void EnsureIndex() const;
  bool Accepts(const IncidentSlot& inc, core::TimePoint now, core::Millis window) const;
  const CompiledSilence* MatchSilence(const model::AlertEvent& e, const std::string& service,
                                      core::TimePoint now, const std::string& except = {}) const;
  // Fills the join target of a new episode of `in` (of interned service `svc`); returns the
  // incident it joins, null if it opens one or is silenced.
  const IncidentSlot* Place(const AlertInput& in, int32_t svc, const AlertSlot* prev, core::TimePoint now,
                            Decision& d) const;
  Decision DecideNew(const AlertInput& in, const AlertSlot* prev, core::TimePoint now,
                     const std::string& except_silence) const;
  std::vector<core::TimePoint> Changes(const AlertSlot* prev, core::TimePoint now) const;

  std::shared_ptr<const config::Config> cfg_;
  std::unique_ptr<Compiled> compiled_;

  KeyIndex<AlertSlot> alerts_;
  std::unordered_map<int64_t, IncidentSlot> incidents_;
  std::vector<std::optional<Bucket>> buckets_;  // by source id (may be shorter than sources_)
  mutable Interner sources_;
  std::map<std::string, std::shared_ptr<const CompiledSilence>> silences_;
  std::vector<Undo> journal_;

  // Interned service ids (never shrinks, so stored ids stay valid across config reloads).
  mutable Interner services_;

  // Derived indexes over incidents_, rebuilt lazily after incidents change.
  mutable bool index_dirty_ = true;
  mutable std::unordered_map<int32_t, std::vector<int64_t>> by_service_;
  mutable std::unordered_map<std::string, int64_t> by_group_;
};

}  // namespace firebreak::correlate
