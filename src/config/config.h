// Config: the validated contents of a configuration directory, with lookups by id.
//
// A Config is immutable once loaded; a reload builds a new one. Modules receive
// `std::shared_ptr<const Config>` and keep the snapshot they started with (escalations snapshot the
// policy they run).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "model/catalog.h"
#include "model/severity.h"

namespace firebreak::config {

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

  // Contact types for `s` (empty = all).
  const std::vector<std::string>& ContactTypesFor(model::Severity s) const;
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
  // State an incident moves to when all its alerts resolve: "mitigated" or "resolved".
  std::string auto_resolve_state = "mitigated";
  // Largest accepted HTTP request body.
  size_t max_body_bytes = 1 << 20;
  // Utilization thresholds for defense levels (YELLOW, ORANGE, RED, BLACK).
  double util_yellow = 0.75, util_orange = 0.80, util_red = 0.90, util_black = 0.95;
  // Escalation policy for services without one.
  std::string default_escalation_policy;
  // Names of config values that are secrets (redacted everywhere).
  std::vector<std::string> secret_names;

  model::SeverityPolicy For(model::Severity s) const;
};

struct Config {
  std::string dir;
  std::vector<model::Service> services;
  std::vector<model::Team> teams;
  std::vector<model::Person> people;
  std::vector<model::Schedule> schedules;
  std::vector<model::EscalationPolicy> policies;
  std::vector<model::SeverityRule> severity_rules;
  std::vector<model::Integration> integrations;
  std::vector<model::Channel> channels;
  std::vector<model::Runbook> runbooks;
  std::vector<model::RedundancyGroup> redundancy_groups;
  std::vector<model::Scenario> scenarios;
  Settings settings;

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
      integrations_, channels_, runbooks_, groups_, scenarios_;
};

}  // namespace firebreak::config
