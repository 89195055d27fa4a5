// Config: the validated contents of a configuration directory, with lookups by id.
//
// A Config is immutable once loaded; a reload builds a new one. Modules receive
// `std::shared_ptr<const Config>` and keep the snapshot they started with (escalations snapshot the
// policy they run).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "model/alert.h"
#include "model/catalog.h"
#include "model/severity.h"
#include "model/time_interval.h"

namespace firebreak::config {

// Log pattern mining (logs/): how lines are parsed, attributed and judged.
struct LogSettings {
  // Header format applied to ingested lines: "auto" (JSON objects and logfmt are recognized, anything
  // else is the message), or any logs::LineParser spec.
  std::string format = "auto";
  // Stream labels (Loki) or fields (JSON lines) naming the service, first match wins.
  std::vector<std::string> service_labels = {"service", "service_name", "app", "job"};
  // Miner: similarity threshold, distinct values before a word becomes a variable, templates kept
  // in memory per service, extra RE2 masks.
  double similarity = 0.7;
  int min_distinct = 3;
  int max_templates = 5000;
  std::vector<std::string> masks;
  // Redacted example lines kept per template.
  int exemplars = 5;
  // Per-minute counts older than this are deleted.
  core::Millis retention{std::chrono::hours(24 * 7)};
  // Rates are compared with this much history before a window.
  core::Millis baseline{std::chrono::hours(1)};
  // An incident's log window starts this long before it was declared.
  core::Millis incident_lookback{std::chrono::minutes(30)};
  // A template surges when its rate is at least `surge_ratio` times its baseline median, `surge_z`
  // robust deviations (MAD) above it, and it has at least `surge_min_count` lines in the window.
  double surge_z = 4.0;
  double surge_ratio = 3.0;
  int surge_min_count = 5;
};

// Paging: how escalations and notifications behave (`settings.paging`).
struct PagingSettings {
  // A page later than its deadline by more than this is marked late; the stale-escalation auditor
  // flags pending steps overdue by more than this.
  core::Millis late_margin{std::chrono::seconds(5)};
  // Contact types used to page a person, per severity ("all" = every contact method). A dead-lettered
  // notification falls back to the person's next contact method whatever its type.
  std::map<model::Severity, std::vector<std::string>> contact_types;
  // Delivery retries: exponential backoff from retry_initial (doubling, equal jitter) up to
  // retry_max; dead letter after max_attempts attempts or give_up_after since it was queued.
  core::Millis retry_initial{std::chrono::seconds(2)};
  core::Millis retry_max{std::chrono::minutes(5)};
  int max_attempts = 12;
  core::Millis give_up_after{std::chrono::minutes(30)};
  // Per-destination rate limit (token bucket): sustained rate and burst.
  double rate_per_minute = 60;
  int burst = 20;
  // Lifetime of signed acknowledge/resolve links.
  core::Millis link_ttl{std::chrono::hours(24)};
  // Delivery threads and the time limit of one attempt.
  int workers = 4;
  core::Millis send_timeout{std::chrono::seconds(10)};
  // Shift handoff notices: this long before an on-call schedule passes from one person to the next,
  // the person coming on call and the person going off call are each told (with the open incidents
  // paging through that schedule). Unset = no notices; zero = at the handoff itself.
  std::optional<core::Millis> handoff_notice;
  // The contact types handoff notices use (empty = those of SEV4, the least urgent severity).
  std::vector<std::string> handoff_contact_types;

  // Contact types for `s` (empty = all).
  const std::vector<std::string>& ContactTypesFor(model::Severity s) const;
};

// Reports (`settings.reports`): template overrides and the status-update cadence.
struct ReportSettings {
  // Directory of `<name>.mustache` files replacing built-in templates (relative to the config dir).
  std::string templates_dir;
  // Interval between status updates per severity while an incident is open (0 = none); severities
  // not listed use report::DefaultStatusCadence (SEV0/SEV1 15m, SEV2 30m, SEV3 1h, SEV4 none).
  std::map<model::Severity, core::Millis> status_cadence;
};

struct Settings {
  // Public base URL used in links (acknowledge links, reports).
  std::string public_url = "http://127.0.0.1:8080";
  // Whether the config set public_url (if not, a server may use the address it is bound to).
  bool public_url_set = false;
  PagingSettings paging;
  // Ack and resolve SLAs per severity (defaults: DESIGN.md §3).
  std::map<model::Severity, model::SeverityPolicy> severities;
  // Alerts of one service (or adjacent services) within this window join one incident.
  core::Millis correlation_window{std::chrono::minutes(5)};
  // Alerts posted to Alertmanager's API (POST /api/v2/alerts) without an endsAt resolve by
  // themselves this long after the last time they were sent (Alertmanager's resolve_timeout).
  core::Millis resolve_timeout{std::chrono::minutes(5)};
  // An alert placed at most this long before an alert that inhibits it is inhibited after the fact
  // (taken out of its incident), as Alertmanager's group_wait lets a source catch up with its
  // targets; 0 = only alerts that start after their source are inhibited.
  core::Millis inhibit_grace{std::chrono::seconds(30)};
  // State an incident moves to when all its alerts resolve: "mitigated" or "resolved".
  std::string auto_resolve_state = "mitigated";
  // Largest accepted HTTP request body.
  size_t max_body_bytes = 1 << 20;
  // Utilization thresholds for defense levels (YELLOW, ORANGE, RED, BLACK).
  double util_yellow = 0.75, util_orange = 0.80, util_red = 0.90, util_black = 0.95;
  // On-call coverage in the defense level: schedules uncovered within this look-ahead are YELLOW
  // (settings.defense.coverage_horizon; 0 = only gaps now count).
  core::Millis coverage_horizon{std::chrono::hours(24)};
  // Escalation policy for services without one.
  std::string default_escalation_policy;
  // How often the audit chain's head ("seq:hash") is published, when it moved since the last time:
  // to the server log and to the channels subscribed to the `audit_head` event, so that a copy lives
  // off this machine (`audit verify --anchor` checks against it). 0 = never.
  core::Millis audit_head_every{std::chrono::hours(1)};
  // Names of config values that are secrets (redacted everywhere).
  std::vector<std::string> secret_names;
  // Responder resilience limits (fatigue, cognitive load, what counts as critical).
  model::ResponderRules responders;
  // Storm control: a token bucket per integration over *new* alerts (repeats are free). Past it,
  // new alerts collapse into the source's storm incident.
  int storm_burst = 100;
  double storm_rate = 1.0;  // tokens per second
  // Flap detection: this many firing<->resolved changes of one alert within the window.
  int flap_changes = 4;
  core::Millis flap_window{std::chrono::minutes(30)};
  // Severity of alerts no severity rule matches.
  model::Severity default_severity = model::Severity::kSev3;
  // Runbook execution (settings.runbooks).
  struct Runbooks {
    int breaker_failures = 3;  // failed automatic runs of a service within the window trip its breaker
    core::Millis breaker_window{std::chrono::hours(1)};
    core::Millis approval_ttl{std::chrono::minutes(30)};  // pending approvals expire after this
    std::string sandbox;  // working directory of steps; empty = <data>/sandbox
    int64_t max_output_bytes = 64 * 1024;  // per stream of a step
  } runbooks;
  LogSettings logs;
  ReportSettings reports;

  model::SeverityPolicy For(model::Severity s) const;
};

// Prometheus as a metrics source for analysis (`analyze.prometheus`).
struct PrometheusSettings {
  std::string url;  // empty = not used
  core::Millis timeout{std::chrono::seconds(5)};  // per query
  core::Millis budget{std::chrono::seconds(20)};  // all queries of one analysis
  core::Millis step{std::chrono::seconds(15)};    // query_range resolution
  std::string bearer_token_env;  // env var holding a bearer token
  // Queries run for every service: name -> PromQL, `$service` replaced by the service id.
  std::map<std::string, std::string> queries;
  // Extra or overriding queries per service: service -> name -> PromQL.
  std::map<std::string, std::map<std::string, std::string>> services;
};

// Automated investigation (`analyze:`): metrics retention, automatic root-cause analysis on
// incidents, resource trends.
struct AnalyzeSettings {
  bool auto_analyze = true;  // analyse new incidents automatically
  core::Millis delay{std::chrono::minutes(1)};         // after the incident opens
  core::Millis rerun_every{std::chrono::minutes(10)};  // while it stays open (0 = never)
  int max_runs = 3;
  core::Millis lookback{std::chrono::hours(1)};        // baseline history before the window
  core::Millis window_before{std::chrono::minutes(15)};  // window starts this long before opening
  // Embedded metrics store.
  core::Millis retention{std::chrono::hours(24 * 14)};
  core::Millis raw_retention{std::chrono::hours(48)};
  core::Millis rollup{std::chrono::minutes(5)};
  // Resource trends: report resources forecast to run out within `trend_horizon`, fitted over
  // the last `trend_window`; explicit limits per metric name.
  core::Millis trend_horizon{std::chrono::hours(24)};
  core::Millis trend_window{std::chrono::hours(6)};
  std::map<std::string, double> trend_limits;
  PrometheusSettings prometheus;
};

// A heartbeat (dead man's switch, `heartbeats:`): a sender that must be heard from at least every
// `timeout` once it has been heard from at all. A ping is `POST /api/v1/heartbeats/<id>/ping`, or
// an ingested firing alert carrying every `match_labels` label (Prometheus's always-firing
// Watchdog), which is then consumed and opens no incident. When the timeout passes without one,
// an alert (source "heartbeat") opens an incident on `service` through the usual correlation and
// paging; the next ping resolves it.
struct Heartbeat {
  std::string id;
  std::string service;
  core::Millis timeout{std::chrono::minutes(5)};
  // Labels of the missed alert besides alertname, heartbeat and service (severity rules and
  // grouping rules see them, e.g. severity: critical).
  std::map<std::string, std::string> labels;
  std::string summary;  // the missed alert's summary (default: which heartbeat, and since when)
  std::map<std::string, std::string> match_labels;  // exact values; empty: pings over HTTP only
  // Name of the integration whose key (and alerts) may ping; empty: any integration's.
  std::string integration;
  model::SourceLoc loc;
};

// An inhibition rule (`inhibit_rules:`, as in Alertmanager): while an alert matching every
// `source` matcher is open, new alerts matching every `target` matcher and carrying the same values
// of the `equal` labels (a missing label is the empty value) are recorded as inhibited by it and
// open no incident; when it resolves, the ones still firing are placed as if new. An alert that
// matches a rule's source matchers is not inhibited by that rule. Matchers as in silences; the
// name `service` also matches an alert's resolved service.
struct InhibitRule {
  std::string name;
  std::vector<model::Matcher> source, target;
  std::vector<std::string> equal;
  model::SourceLoc loc;
};

// A maintenance window (`maintenance_windows:`): a recurring silence. While the time is in any of
// `mute_time_intervals` (or, when `active_time_intervals` is set, in none of those), alerts matching
// every matcher are silenced: the engine starts a silence (SIL-n, by system:maintenance) for each
// stretch, which ends by itself at the stretch's end, when still-firing alerts are placed as after
// any silence. Intervals are named entries of `time_intervals:` (Alertmanager's format).
struct MaintenanceWindow {
  std::string name;
  std::vector<model::Matcher> matchers;
  std::vector<std::string> mute_time_intervals, active_time_intervals;
  std::string comment;
  model::SourceLoc loc;
};

struct Config {
  std::string dir;
  std::vector<model::Service> services;
  std::vector<model::Team> teams;
  std::vector<model::Person> people;
  std::vector<model::Schedule> schedules;
  std::vector<model::EscalationPolicy> policies;
  std::vector<model::SeverityRule> severity_rules;
  std::vector<model::GroupingRule> grouping_rules;
  std::vector<model::Integration> integrations;
  std::vector<model::Channel> channels;
  std::vector<model::Runbook> runbooks;
  std::vector<model::RedundancyGroup> redundancy_groups;
  std::vector<model::Scenario> scenarios;
  std::vector<Heartbeat> heartbeats;
  std::vector<InhibitRule> inhibit_rules;
  std::vector<model::TimeInterval> time_intervals;
  std::vector<MaintenanceWindow> maintenance_windows;
  Settings settings;
  AnalyzeSettings analyze;

  const model::Service* FindService(std::string_view id) const;
  const model::Team* FindTeam(std::string_view id) const;
  const model::Person* FindPerson(std::string_view id) const;
  const model::Schedule* FindSchedule(std::string_view id) const;
  const model::EscalationPolicy* FindPolicy(std::string_view id) const;
  const model::Integration* FindIntegration(std::string_view key) const;
  const model::Channel* FindChannel(std::string_view id) const;
  const model::Runbook* FindRunbook(std::string_view id) const;
  const model::RedundancyGroup* FindGroup(std::string_view id) const;
  const model::Scenario* FindScenario(std::string_view id) const;
  const Heartbeat* FindHeartbeat(std::string_view id) const;
  const model::TimeInterval* FindTimeInterval(std::string_view name) const;
  const MaintenanceWindow* FindMaintenanceWindow(std::string_view name) const;
  // The policy for a service and severity: per-severity override, else the service's, else the
  // owning team's, else the default. Null if none.
  const model::EscalationPolicy* PolicyFor(std::string_view service, model::Severity sev) const;
  // Services that (transitively) depend on any service of `failed` (not including them), hard and
  // soft alike. The incident blast radius uses graph::BlastRadius, which tells them apart.
  std::vector<std::string> Dependents(const std::vector<std::string>& failed) const;

  // Rebuilds the lookup indexes; call after changing the vectors.
  void Index();

 private:
  std::map<std::string, size_t, std::less<>> services_, teams_, people_, schedules_, policies_,
      integrations_, channels_, runbooks_, groups_, scenarios_, heartbeats_;
};

}  // namespace firebreak::config
