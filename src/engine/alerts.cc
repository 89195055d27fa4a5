#include "engine/alerts.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "core/strings.h"
#include "core/time.h"
#include "engine/incidents.h"
#include "engine/pipeline_text.h"
#include "model/matcher_scope.h"
#include "ingest/ingest.h"

namespace firebreak::engine {

const model::Principal& Correlate() {
  static const model::Principal p = model::Principal::System("correlate");
  return p;
}

std::string Quote(const std::string& s) { return "'" + core::Truncate(s, 200) + "'"; }

namespace {

constexpr core::Millis kStormCheck{std::chrono::seconds(30)};
constexpr core::Millis kPruneEvery{std::chrono::minutes(1)};
constexpr size_t kMaxTitle = 300;
// The durable timer that resolves an alert its source stopped re-sending (AlertEvent::expires_at).
const std::string kExpireTimer = "alert.expire";

// A short, stable, non-secret tag of an integration key, to scope dedup keys by integration
// (cached: computed once per key).
std::string Scope(const model::Integration& in) {
  static thread_local std::map<std::string, std::string> cache;
  auto it = cache.find(in.key);
  if (it != cache.end()) return it->second;
  if (cache.size() > 10000) cache.clear();
  return cache[in.key] = core::Sha256Hex(in.key).substr(0, 10);
}

std::string Prefix(const std::string& source) {
  if (source == "alertmanager") return "am";
  if (source == "pagerduty") return "pd";
  if (source == "prometheus") return "prom";
  if (source == "heartbeat") return "hb";
  return "ev";
}

std::string SevText(const correlate::Triage& t) {
  std::string s(model::SeverityName(t.severity));
  if (!t.rule.empty()) s += " by rule '" + t.rule + "'";
  return s;
}

model::AlertEvent EventOf(const model::Alert& a) {
  model::AlertEvent e;
  e.action = model::AlertEvent::Action::kTrigger;
  e.dedup_key = a.dedup_key;
  e.summary = a.summary;
  e.labels = a.labels;
  e.annotations = a.annotations;
  return e;
}

}  // namespace

AlertPipeline::AlertPipeline(Engine& engine) : engine_(engine), corr_(engine.config()) {
  synced_ = &corr_.config();
  engine.AddObserver(this);
  engine.RegisterTimerHandler("silence.expire", [this](Tx& tx, const store::TimerRecord& t, core::Millis) {
    return OnSilenceTimer(tx, t);
  });
  engine.RegisterTimerHandler("ingest.storm", [this](Tx& tx, const store::TimerRecord& t, core::Millis) {
    return OnStormTimer(tx, t);
  });
  engine.RegisterTimerHandler(kExpireTimer, [this](Tx& tx, const store::TimerRecord& t, core::Millis) {
    return OnExpireTimer(tx, t);
  });
  engine.RegisterTimerHandler("heartbeat.miss", [this](Tx& tx, const store::TimerRecord& t, core::Millis) {
    return OnHeartbeatTimer(tx, t);
  });
  engine.RegisterTimerHandler("maintenance.window", [this](Tx& tx, const store::TimerRecord& t, core::Millis) {
    return OnMaintenanceTimer(tx, t);
  });
}

Status AlertPipeline::Load() {
  auto cfg = engine_.config();
  corr_.SetConfig(cfg);
  synced_ = cfg.get();
  const auto now = engine_.clock().Now();
  const auto keep = std::max(cfg->settings.flap_window, cfg->settings.correlation_window);
  FB_ASSIGN_OR_RETURN(auto tx, engine_.store().BeginRead());
  store::IncidentFilter open;
  open.open_only = true;
  open.limit = 1000000;
  FB_ASSIGN_OR_RETURN(auto incidents, tx->incidents().List(open));
  store::IncidentFilter resolved;
  resolved.state = model::IncidentState::kResolved;
  resolved.limit = 10000;
  FB_ASSIGN_OR_RETURN(auto recent, tx->incidents().List(resolved));
  for (auto& inc : recent)
    if (inc.resolved_at && now - *inc.resolved_at <= keep) incidents.push_back(std::move(inc));
  for (const auto& inc : incidents) corr_.TrackIncident(inc, now);
  FB_ASSIGN_OR_RETURN(auto alerts, tx->alerts().ForCorrelation(now - keep));
  for (const auto& a : alerts) corr_.LoadAlert(a);
  FB_ASSIGN_OR_RETURN(auto silences, tx->silences().List(now));
  for (const auto& s : silences) {
    if (auto st = corr_.AddSilence(s); !st) spdlog::warn("alerts: silence {} not loaded: {}", s.id, st.error().ToString());
  }
  for (const auto& a : alerts)
    if (a.status != model::AlertStatus::kResolved) {
      if (auto st = StartInhibitions(*cfg, a); !st)
        spdlog::warn("alerts: inhibitions of alert {} not loaded: {}", a.id, st.error().ToString());
    }
  corr_.Commit();
  auto stats = corr_.Stats();
  spdlog::info("alerts: correlator loaded {} incidents, {} alerts ({} open), {} silences", stats.incidents,
               stats.alerts, stats.open_alerts, stats.silences);
  return Ok();
}

void AlertPipeline::Guard(Tx& tx) {
  size_t mark = corr_.Mark();
  tx.OnRollback([this, mark] { corr_.RollbackTo(mark); });
  auto now = tx.now();
  tx.OnCommit([this, now] {
    corr_.Commit();
    if (now - last_prune_ >= kPruneEvery) {
      corr_.Prune(now);
      last_prune_ = now;
    }
  });
}

std::string AlertPipeline::ResolveService(const config::Config& cfg, const model::Integration& integration,
                                          const model::AlertEvent& e) {
  if (!e.service_hint.empty() && cfg.FindService(e.service_hint)) return e.service_hint;
  if (auto it = e.labels.find("service"); it != e.labels.end() && cfg.FindService(it->second)) return it->second;
  const model::Service* best = nullptr;
  for (const auto& s : cfg.services) {
    if (s.labels.empty() || (best && best->labels.size() >= s.labels.size())) continue;
    bool all = std::all_of(s.labels.begin(), s.labels.end(), [&](const auto& kv) {
      auto it = e.labels.find(kv.first);
      return it != e.labels.end() && it->second == kv.second;
    });
    if (all) best = &s;
  }
  if (best) return best->id;
  return integration.service;
}

// ---- ingest ---------------------------------------------------------------------------------------

Result<IngestResult> AlertPipeline::Ingest(Tx& tx, const IngestRequest& req) {
  Guard(tx);
  SyncConfig(tx);
  const auto& cfg = tx.config();
  const auto now = tx.now();
  const std::string scope = Prefix(req.source) + ":" + Scope(req.integration) + ":";
  const auto& fp = req.integration.fingerprint;
  struct Tally {
    uint64_t events = 0, fresh = 0, repeats = 0, resolved = 0, acked = 0, ignored = 0, silenced = 0,
             inhibited = 0, collapsed = 0;
  } tally;
  IngestResult out;
  out.outcomes.reserve(req.events.size());
  // Plain repeats (count + 1, last_seen) not yet written: they are written together (AlertRepo::
  // TouchAll), before anything else this command writes or reads about alerts and before it
  // returns, so what the store holds at every step is what it would hold had each been written at
  // once. A webhook's alerts are usually stored side by side, so most become one range UPDATE.
  std::vector<int64_t> touched;
  auto flush = [&]() -> Status {
    if (touched.empty()) return Ok();
    Status st = tx.store().alerts().TouchAll(touched, now);
    touched.clear();
    return st;
  };
  for (const auto& e : req.events) {
    ++tally.events;
    // A firing alert that carries a heartbeat's match labels (Prometheus's Watchdog) is its ping.
    if (!cfg.heartbeats.empty() && req.source != "heartbeat") {
      if (auto pinged = PingedBy(cfg, req, e); !pinged.empty()) {
        FB_TRY(flush());
        for (const auto* hb : pinged) FB_TRY(PingHeartbeat(tx, hb->id, req.integration.name, std::nullopt));
        IngestOutcome o;
        o.dedup_key = e.dedup_key;
        o.result = "heartbeat";
        out.outcomes.push_back(std::move(o));
        continue;
      }
    }
    std::string service = ResolveService(cfg, req.integration, e);
    std::string dedup = e.dedup_key;
    // Alertmanager's fingerprint and Prometheus's label sets are the alerts' identity; a configured
    // fingerprint replaces them.
    const bool labels_identify = req.source == "alertmanager" || req.source == "prometheus";
    if (!fp.empty() && !e.labels.empty() && (labels_identify || dedup.empty()))
      dedup = ingest::Fingerprint(e.labels, fp);
    if (dedup.empty()) {
      if (req.source == "pagerduty") {
        dedup = core::RandomHex(16);  // PagerDuty makes up a key and returns it
      } else if (!e.labels.empty()) {
        auto labels = e.labels;
        labels.erase("severity");  // a severity change does not make a new alert
        dedup = ingest::Fingerprint(labels.empty() ? e.labels : labels);
      } else {
        dedup = ingest::Fingerprint({{"summary", e.summary}});
      }
    }
    // Alertmanager's fingerprint is a hash of all the labels: the labels are the identity.
    bool labels_are_key = labels_identify && fp.empty();
    correlate::AlertInput in{&e, scope + dedup, req.integration.name, service, labels_are_key};
    correlate::Decision d = corr_.Decide(in, now);
    IngestOutcome o;
    o.dedup_key = dedup;
    o.result = std::string(correlate::KindName(d.kind));
    o.alert_id = d.alert_id;
    o.incident_id = d.incident_id;
    const bool plain_repeat = d.kind == correlate::Decision::Kind::kRepeat && !d.labels_changed;
    if (!plain_repeat) FB_TRY(flush());
    switch (d.kind) {
      case correlate::Decision::Kind::kIgnore:
        ++tally.ignored;
        break;
      case correlate::Decision::Kind::kRepeat: {
        ++tally.repeats;
        if (plain_repeat) {
          touched.push_back(d.alert_id);
          break;
        }
        FB_TRY(tx.store().alerts().Touch(d.alert_id, now));
        FB_ASSIGN_OR_RETURN(auto stored, tx.store().alerts().Get(d.alert_id));
        if (!stored) break;
        stored->labels = e.labels;
        if (!e.annotations.empty()) stored->annotations = e.annotations;
        if (!e.summary.empty()) stored->summary = e.summary;
        bool worse = model::WorseThan(d.triage.severity, stored->severity);
        if (worse) {
          stored->severity = d.triage.severity;
          stored->severity_rule = d.triage.rule;
          stored->flags = d.triage.flags;
        }
        FB_TRY(tx.store().alerts().Refresh(*stored));
        corr_.Apply(in, d, d.alert_id, d.incident_id, now);
        if (d.incident_id.empty()) break;
        if (d.raise_severity && worse) {
          FB_TRY(SetSeverity(tx, Correlate(), d.incident_id, d.triage.severity,
                             "alert " + Quote(stored->summary) + " is now " + SevText(d.triage)));
        }
        for (const auto& f : worse ? d.triage.flags : std::vector<std::string>{}) {
          FB_TRY(FlagIncident(tx, Correlate(), d.incident_id, f,
                              "alert " + Quote(stored->summary) + " matched severity rule '" + d.triage.rule + "'"));
        }
        break;
      }
      case correlate::Decision::Kind::kAcknowledge: {
        ++tally.acked;
        FB_TRY(tx.store().alerts().Acknowledge(d.alert_id, now));
        corr_.Apply(in, d, d.alert_id, d.incident_id, now);
        if (!d.incident_id.empty() && d.incident_state == model::IncidentState::kTriggered) {
          FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, d.incident_id));
          if (inc.state == model::IncidentState::kTriggered) {
            FB_TRY(ApplyTransition(tx, Correlate(), d.incident_id, model::Transition::kAcknowledge,
                                   "acknowledged by a " + req.source + " event from " + req.integration.name));
          }
        }
        break;
      }
      case correlate::Decision::Kind::kResolve: {
        ++tally.resolved;
        FB_TRY(ResolveEpisode(tx, in, d, false));
        break;
      }
      case correlate::Decision::Kind::kNew: {
        ++tally.fresh;
        if (correlate::Correlator::IsInhibition(d.silence_id)) ++tally.inhibited;
        else if (!d.silence_id.empty()) ++tally.silenced;
        else if (d.storm) ++tally.collapsed;
        FB_ASSIGN_OR_RETURN(o, NewEpisode(tx, req, e, in, d));
        o.dedup_key = dedup;
        break;
      }
    }
    // A source that keeps re-sending firing alerts (Prometheus): each firing event moves the time the
    // alert ends by itself; a resolve ends that wait.
    if (e.expires_at && (d.kind == correlate::Decision::Kind::kNew || d.kind == correlate::Decision::Kind::kRepeat)) {
      FB_TRY(tx.ArmTimer(kExpireTimer, in.key, *e.expires_at));
    } else if (req.source == "prometheus" && e.action == model::AlertEvent::Action::kResolve) {
      FB_TRY(tx.CancelTimer(kExpireTimer, in.key));
    }
    out.outcomes.push_back(std::move(o));
  }
  FB_TRY(flush());
  tx.OnCommit([this, tally] {
    counters_.events += tally.events;
    counters_.new_alerts += tally.fresh;
    counters_.repeats += tally.repeats;
    counters_.resolved += tally.resolved;
    counters_.acknowledged += tally.acked;
    counters_.ignored += tally.ignored;
    counters_.silenced += tally.silenced;
    counters_.inhibited += tally.inhibited;
    counters_.collapsed += tally.collapsed;
  });
  return out;
}

Result<IngestOutcome> AlertPipeline::NewEpisode(Tx& tx, const IngestRequest& req, const model::AlertEvent& e,
                                                const correlate::AlertInput& in, const correlate::Decision& d) {
  const auto now = tx.now();
  model::Alert a;
  a.key = in.key;
  a.dedup_key = in.key.substr(in.key.rfind(':') + 1);
  a.source = req.source;
  a.integration = req.integration.name;
  a.service = in.service;
  a.summary = e.summary;
  a.status = model::AlertStatus::kFiring;
  a.severity = d.triage.severity;
  a.severity_rule = d.triage.rule;
  a.flags = d.triage.flags;
  a.labels = e.labels;
  a.annotations = e.annotations;
  a.generator_url = e.generator_url;
  a.links = e.links;
  a.images = e.images;
  a.details = e.details;
  a.starts_at = e.starts_at.value_or(now);
  a.first_seen = now;
  a.last_seen = now;
  a.flapping = d.flapping;
  a.state_changes = d.state_changes;
  FB_ASSIGN_OR_RETURN(auto incident, Place(tx, req.source, in, a, d, false));
  if (!tx.config().inhibit_rules.empty()) {
    FB_TRY(StartInhibitions(tx.config(), a));
    FB_TRY(InhibitRecent(tx, a));
  }
  IngestOutcome o;
  o.alert_id = a.id;
  o.incident_id = incident;
  o.result = d.silence_id.empty()                                    ? "new"
             : correlate::Correlator::IsInhibition(d.silence_id) ? "inhibited"
                                                                 : "silenced";
  o.join_reason = a.join_reason;
  return o;
}

Result<std::string> AlertPipeline::Place(Tx& tx, const std::string& source, const correlate::AlertInput& in,
                                         model::Alert& a, const correlate::Decision& d, bool stored) {
  const auto now = tx.now();
  const auto& who = Correlate();
  if (!d.silence_id.empty()) {
    a.incident_id.clear();
    a.join_kind = model::JoinKind::kSilenced;
    a.join_reason = d.join_reason;
    a.silence_id = d.silence_id;
    if (stored) {
      FB_TRY(tx.store().alerts().Attach(a.id, "", a.join_kind, a.join_reason, a.silence_id));
    } else {
      FB_ASSIGN_OR_RETURN(a.id, tx.store().alerts().Insert(a));
    }
    corr_.Apply(in, d, a.id, "", now);
    return std::string();
  }
  std::string incident = d.incident_id;
  bool opened = false;
  if (incident.empty()) {
    DeclareSpec spec;
    bool storm = d.group_key.rfind("storm:", 0) == 0;
    spec.title = core::Truncate(storm ? "Alert storm from " + in.source + ": " + a.summary : a.service + ": " + a.summary,
                                kMaxTitle);
    spec.severity = d.triage.severity;
    spec.services = {a.service};
    spec.source = source;
    spec.group_key = d.group_key;
    FB_ASSIGN_OR_RETURN(auto inc, Declare(tx, who, spec));
    incident = inc.id;
    opened = true;
    a.join_kind = model::JoinKind::kOpened;
    tx.OnCommit([this] { counters_.incidents_opened++; });
  } else {
    a.join_kind = d.join;
  }
  a.incident_id = incident;
  a.join_reason = d.join_reason;
  a.silence_id.clear();
  if (stored) {
    FB_TRY(tx.store().alerts().Attach(a.id, incident, a.join_kind, a.join_reason, ""));
  } else {
    FB_ASSIGN_OR_RETURN(a.id, tx.store().alerts().Insert(a));
  }
  corr_.Apply(in, d, a.id, incident, now);

  if (!d.storm || opened) {
    boost::json::object data{{"alert_id", a.id},
                             {"key", a.key},
                             {"service", a.service},
                             {"severity", model::SeverityName(a.severity)},
                             {"join", model::JoinKindName(a.join_kind)},
                             {"reason", a.join_reason}};
    if (!a.severity_rule.empty()) data["severity_rule"] = a.severity_rule;
    std::string text = (opened ? "Alert opened the incident: " : "Alert joined: ") + a.summary + " (" + a.service +
                       ", " + SevText(d.triage) + ") — " + a.join_reason;
    FB_TRY(tx.Timeline(incident, who.actor, "alert", std::move(text), std::move(data)));
  }
  if (!opened) {
    if (d.reopen) {
      FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, incident));
      if (inc.state == model::IncidentState::kMitigated || inc.state == model::IncidentState::kResolved) {
        FB_TRY(ApplyTransition(tx, who, incident, model::Transition::kReopen,
                               "alert " + Quote(a.summary) + " fired (" + a.join_reason + ")"));
      }
    }
    if (!d.storm) {
      if (d.add_service && tx.config().FindService(a.service))
        FB_TRY(AddServices(tx, who, incident, {a.service}, "alert " + Quote(a.summary) + ": " + a.join_reason));
    }
    // Severity rises when a worse alert joins; in a storm only for data-loss/security alerts.
    if (d.raise_severity && (!d.storm || !d.triage.flags.empty())) {
      FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, incident));
      if (model::IsOpen(inc.state) && model::WorseThan(d.triage.severity, inc.severity))
        FB_TRY(SetSeverity(tx, who, incident, d.triage.severity,
                           "alert " + Quote(a.summary) + " joined at " + SevText(d.triage)));
    }
  }
  for (const auto& f : d.triage.flags) {
    FB_TRY(FlagIncident(tx, who, incident, f,
                        "alert " + Quote(a.summary) + " matched severity rule '" + d.triage.rule + "'"));
  }
  FB_TRY(SetAlertCounts(tx, incident, 1, corr_.OpenAlerts(incident)));
  if (d.storm) storm_touched_[in.source].insert(incident);
  if (d.storm_started) {
    const auto& st = tx.config().settings;
    std::string text = "Alert storm from " + in.source + ": more than " + std::to_string(st.storm_burst) +
                       " new alerts at over " + core::Truncate(std::to_string(st.storm_rate), 6) +
                       "/s; new alerts now collapse (this incident pages once)";
    FB_TRY(tx.Timeline(incident, who.actor, "storm", text, {{"source", in.source}}));
    FB_TRY(tx.Audit(who.actor, "ingest.storm_start", "integration:" + in.source,
                    {{"incident", incident}, {"burst", st.storm_burst}, {"rate", st.storm_rate}}));
    FB_TRY(tx.ArmTimer("ingest.storm", in.source, now + kStormCheck));
    tx.OnCommit([this] { counters_.storms++; });
  }
  return incident;
}

Status AlertPipeline::ResolveEpisode(Tx& tx, const correlate::AlertInput& in, const correlate::Decision& d,
                                     bool expired) {
  const auto now = tx.now();
  // Read before the resolution is written, which moves last_seen: an expiry names the last time the
  // alert was received.
  std::optional<model::Alert> stored;
  if (!d.incident_id.empty()) {
    FB_ASSIGN_OR_RETURN(stored, tx.store().alerts().Get(d.alert_id));
  }
  FB_TRY(tx.store().alerts().SetStatus(d.alert_id, model::AlertStatus::kResolved, now, d.flapping, d.state_changes));
  corr_.Apply(in, d, d.alert_id, d.incident_id, now);
  if (stored) FB_TRY(Resolved(tx, *stored, d, expired));
  if (!tx.config().inhibit_rules.empty()) FB_TRY(EndInhibitions(tx, d.alert_id));
  return Ok();
}

Status AlertPipeline::OnExpireTimer(Tx& tx, const store::TimerRecord& t) {
  Guard(tx);
  SyncConfig(tx);
  model::AlertEvent ev;
  ev.action = model::AlertEvent::Action::kResolve;
  correlate::AlertInput in{&ev, t.key, "", ""};
  correlate::Decision d = corr_.Decide(in, tx.now());
  if (d.kind != correlate::Decision::Kind::kResolve) return Ok();  // resolved meanwhile
  FB_TRY(ResolveEpisode(tx, in, d, true));
  tx.OnCommit([this] { ++counters_.expired; });
  return Ok();
}

Status AlertPipeline::Resolved(Tx& tx, const model::Alert& a, const correlate::Decision& d, bool expired) {
  const auto& who = Correlate();
  const std::string& incident = d.incident_id;
  int64_t open = corr_.OpenAlerts(incident);
  FB_TRY(SetAlertCounts(tx, incident, 0, open));
  bool quiet = corr_.Storming(a.integration) || (d.flapping && !d.became_flapping);
  if (!quiet) {
    boost::json::object data{{"alert_id", a.id}, {"key", a.key}, {"open_alerts", open}};
    std::string text = "Alert resolved: " + a.summary + " (" + a.service + ")";
    if (expired) {
      text = "Alert expired: " + a.summary + " (" + a.service + "): its source stopped sending it (last received " +
             core::FormatRfc3339(a.last_seen) + ")";
      data["expired"] = true;
    }
    FB_TRY(tx.Timeline(incident, who.actor, "alert_resolved", text, std::move(data)));
  }
  if (d.became_flapping) {
    const auto& st = tx.config().settings;
    FB_TRY(tx.Timeline(incident, who.actor, "alert_flapping",
                       "Alert " + Quote(a.summary) + " is flapping (" + std::to_string(d.state_changes.size()) +
                           " changes within " + core::FormatDuration(st.flap_window) +
                           "); it will not reopen or re-page this incident",
                       {{"alert_id", a.id}, {"key", a.key}}));
  }
  if (d.last_open && open == 0) {
    FB_ASSIGN_OR_RETURN(auto summary, tx.store().alerts().Summary(incident));
    FB_TRY(AutoResolve(tx, incident,
                       "all " + std::to_string(summary.total) + (summary.total == 1 ? " alert" : " alerts") +
                           " resolved"));
  }
  return Ok();
}

Status AlertPipeline::AutoResolve(Tx& tx, const std::string& incident_id, const std::string& why) {
  FB_ASSIGN_OR_RETURN(auto inc, LoadIncident(tx, incident_id));
  const bool to_resolved = tx.config().settings.auto_resolve_state == "resolved";
  if (to_resolved) {
    if (model::IsOpen(inc.state))
      FB_TRY(ApplyTransition(tx, Correlate(), incident_id, model::Transition::kResolve, why));
  } else if (inc.state == model::IncidentState::kTriggered || inc.state == model::IncidentState::kAcknowledged) {
    FB_TRY(ApplyTransition(tx, Correlate(), incident_id, model::Transition::kMitigate, why));
  }
  return Ok();
}

// ---- storms ---------------------------------------------------------------------------------------

Status AlertPipeline::OnStormTimer(Tx& tx, const store::TimerRecord& t) {
  Guard(tx);
  SyncConfig(tx);
  const auto& source = t.key;
  const auto& st = tx.config().settings;
  if (corr_.Storming(source) && corr_.Tokens(source, tx.now()) < st.storm_burst * 0.5) {
    FB_TRY(tx.ArmTimer("ingest.storm", source, tx.now() + kStormCheck));
    return Ok();
  }
  corr_.EndStorm(source);
  std::set<std::string> touched;
  if (auto it = storm_touched_.find(source); it != storm_touched_.end()) touched = it->second;
  // After a restart the in-memory list is gone: at least reconcile the storm's own incident.
  store::IncidentFilter f;
  f.open_only = true;
  f.limit = 100000;
  FB_ASSIGN_OR_RETURN(auto open, tx.store().incidents().List(f));
  for (const auto& inc : open)
    if (inc.group_key == "storm:" + source) touched.insert(inc.id);
  FB_TRY(tx.Audit(Correlate().actor, "ingest.storm_end", "integration:" + source,
                  {{"incidents", static_cast<int64_t>(touched.size())}}));
  for (const auto& id : touched) FB_TRY(Reconcile(tx, id, "alert storm from " + source + " ended"));
  tx.OnCommit([this, source] { storm_touched_.erase(source); });
  return Ok();
}

Status AlertPipeline::Reconcile(Tx& tx, const std::string& incident_id, const std::string& why) {
  const auto& who = Correlate();
  auto loaded = LoadIncident(tx, incident_id);
  if (!loaded) return Ok();  // gone
  auto inc = *loaded;
  if (inc.state == model::IncidentState::kClosed) return Ok();
  FB_ASSIGN_OR_RETURN(auto summary, tx.store().alerts().Summary(incident_id));
  FB_TRY(tx.Timeline(incident_id, who.actor, "storm",
                     "Alert storm over (" + why + "): " + std::to_string(summary.total) + " alerts, " +
                         std::to_string(summary.open) + " still firing",
                     {{"alerts", summary.total}, {"open_alerts", summary.open}}));
  std::vector<std::string> missing;
  for (const auto& s : summary.services)
    if (tx.config().FindService(s) && !std::binary_search(inc.services.begin(), inc.services.end(), s))
      missing.push_back(s);
  if (!missing.empty()) FB_TRY(AddServices(tx, who, incident_id, missing, why + ": services of its alerts"));
  if (summary.open > 0 &&
      (inc.state == model::IncidentState::kMitigated || inc.state == model::IncidentState::kResolved)) {
    FB_TRY(ApplyTransition(tx, who, incident_id, model::Transition::kReopen,
                           why + ": " + std::to_string(summary.open) + " alerts still firing"));
  }
  FB_ASSIGN_OR_RETURN(inc, LoadIncident(tx, incident_id));
  if (summary.worst && model::IsOpen(inc.state) && model::WorseThan(*summary.worst, inc.severity))
    FB_TRY(SetSeverity(tx, who, incident_id, *summary.worst,
                       why + ": its worst alert is " + std::string(model::SeverityName(*summary.worst))));
  return Ok();
}

// ---- change events ---------------------------------------------------------------------------------

Result<model::ChangeEvent> AlertPipeline::RecordChange(Tx& tx, const model::Integration& integration,
                                                       model::ChangeEvent change, const std::string& service) {
  change.service = !service.empty() && tx.config().FindService(service) ? service : integration.service;
  if (change.time == core::TimePoint{}) change.time = tx.now();
  change.received_at = tx.now();
  if (change.source.empty()) change.source = integration.name;
  FB_ASSIGN_OR_RETURN(change.id, tx.store().changes().Insert(change));
  tx.Publish(Change{"change", std::to_string(change.id), model::ToJson(change)});
  return change;
}

// ---- silences ---------------------------------------------------------------------------------------

Result<model::Silence> AlertPipeline::CreateSilence(Tx& tx, const model::Principal& who, const SilenceSpec& spec) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  Guard(tx);
  SyncConfig(tx);
  const auto now = tx.now();
  if (spec.matchers.empty()) return InvalidArgument("a silence needs at least one matcher", "matchers");
  if (spec.matchers.size() > 64) return InvalidArgument("too many matchers (max 64)", "matchers");
  for (size_t i = 0; i < spec.matchers.size(); ++i) {
    const auto& m = spec.matchers[i];
    if (m.name.empty() || m.name.size() > 256 || m.value.size() > 4096 || !core::IsValidUtf8(m.value))
      return InvalidArgument("matcher " + std::to_string(i + 1) + " is invalid", "matchers[" + std::to_string(i) + "]");
  }
  FB_TRY(model::RequireSelective(spec.matchers, "matchers"));
  if (core::Trim(spec.comment).empty()) return InvalidArgument("a silence needs a comment saying why", "comment");
  if (spec.comment.size() > 2000 || !core::IsValidUtf8(spec.comment))
    return InvalidArgument("comment is too long or not UTF-8", "comment");
  model::Silence s;
  s.matchers = spec.matchers;
  s.starts_at = spec.starts_at.value_or(now);
  if (s.starts_at < now) s.starts_at = now;
  s.ends_at = spec.duration ? s.starts_at + *spec.duration : spec.ends_at;
  if (s.ends_at <= s.starts_at) return InvalidArgument("ends_at must be after starts_at (and in the future)", "ends_at");
  if (s.ends_at - s.starts_at > std::chrono::hours(24 * 366))
    return InvalidArgument("a silence may last at most a year", "ends_at");
  s.comment = spec.comment;
  FB_TRY(StartSilence(tx, who.actor, s));
  return s;
}

Result<model::Silence> AlertPipeline::ExpireSilence(Tx& tx, const model::Principal& who, const std::string& id) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  Guard(tx);
  SyncConfig(tx);
  FB_ASSIGN_OR_RETURN(auto s, tx.store().silences().Get(id));
  if (!s) return NotFound("silence '" + core::Truncate(id, 64) + "' not found", "id");
  if (s->StateAt(tx.now()) == "expired") return FailedPrecondition("silence " + s->id + " has already ended", "id");
  FB_TRY(StopSilence(tx, who.actor, *s, "expired early"));
  return std::move(*s);
}

Status AlertPipeline::StartSilence(Tx& tx, const model::Actor& by, model::Silence& s) {
  const auto now = tx.now();
  s.created_by = by.ToString();
  s.created_at = now;
  FB_ASSIGN_OR_RETURN(int64_t n, tx.store().silences().NextNumber());
  s.id = "SIL-" + std::to_string(n);
  FB_TRY(corr_.AddSilence(s));
  FB_TRY(tx.store().silences().Insert(s));
  FB_TRY(tx.ArmTimer("silence.expire", s.id, s.ends_at));
  FB_TRY(tx.Audit(by, "silence.create", "silence:" + s.id, model::ToJson(s, now)));
  tx.Publish(Change{"silence", s.id, model::ToJson(s, now)});
  return Ok();
}

Status AlertPipeline::StopSilence(Tx& tx, const model::Actor& by, model::Silence& s, const std::string& reason) {
  s.expired_at = tx.now();
  s.expired_by = by.ToString();
  FB_TRY(tx.store().silences().Update(s));
  FB_TRY(tx.CancelTimer("silence.expire", s.id));
  FB_TRY(tx.Audit(by, "silence.expire", "silence:" + s.id, {{"reason", reason}}));
  tx.Publish(Change{"silence", s.id, model::ToJson(s, tx.now())});
  return EndSilence(tx, s.id);
}

Status AlertPipeline::OnSilenceTimer(Tx& tx, const store::TimerRecord& t) {
  Guard(tx);
  SyncConfig(tx);
  FB_ASSIGN_OR_RETURN(auto s, tx.store().silences().Get(t.key));
  if (!s) return Ok();
  // (The engine deleted the firing timer already, so StopSilence's cancel finds nothing.)
  if (!s->expired_at) return StopSilence(tx, model::Actor::System("silence"), *s, "ended on schedule");
  return EndSilence(tx, s->id);
}

Status AlertPipeline::EndSilence(Tx& tx, const std::string& silence_id) {
  corr_.RemoveSilence(silence_id);
  for (const auto& [key, alert_id] : corr_.SilencedBy(silence_id)) {
    FB_ASSIGN_OR_RETURN(auto stored, tx.store().alerts().Get(alert_id));
    if (!stored || stored->status == model::AlertStatus::kResolved) continue;
    model::AlertEvent ev = EventOf(*stored);
    correlate::AlertInput in{&ev, key, stored->integration, stored->service};
    correlate::Decision d = corr_.Redecide(in, tx.now());
    if (d.kind != correlate::Decision::Kind::kNew) continue;
    FB_TRY(Place(tx, stored->source, in, *stored, d, true));
  }
  return Ok();
}

// ---- observer ---------------------------------------------------------------------------------------

Status AlertPipeline::OnIncidentEvent(Tx& tx, const IncidentEvent& ev) {
  if (!ev.after) return Ok();
  Guard(tx);
  SyncConfig(tx);
  const auto& inc = *ev.after;
  switch (ev.kind) {
    case IncidentEvent::Kind::kOpened:
      corr_.TrackIncident(inc, tx.now());
      break;
    case IncidentEvent::Kind::kTransitioned:
      corr_.IncidentState(inc.id, inc.state, tx.now());
      break;
    case IncidentEvent::Kind::kSeverityChanged:
      corr_.IncidentSeverity(inc.id, inc.severity);
      break;
    case IncidentEvent::Kind::kServicesAdded:
      corr_.IncidentServices(inc.id, inc.services);
      break;
    default:
      break;
  }
  return Ok();
}

}  // namespace firebreak::engine
