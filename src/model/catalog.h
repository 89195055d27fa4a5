// The catalog: what the configuration describes (services, people, schedules, policies,
// integrations, channels, runbooks). Plain values; config/ loads and validates them.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "model/severity.h"

namespace firebreak::model {

// Where a configuration item was written, for diagnostics.
struct SourceLoc {
  std::string file;
  int line = 0;  // 1-based; 0 = unknown
  int col = 0;
  std::string ToString() const;  // "file:line:col"
};

enum class DependencyKind { kHard, kSoft };
struct Dependency {
  std::string service;
  DependencyKind kind = DependencyKind::kHard;
  // Length of this edge for weighted centrality (shortest paths); > 0. A busy edge can be given a
  // smaller weight ("closer").
  double weight = 1.0;
  // Requests/s the caller sends to the dependency at its current load. Unset: the dependency's
  // load is attributed to its callers in proportion to their loads (graph/load model).
  std::optional<double> rps;
  SourceLoc loc;
};

struct Capacity {
  double rps_per_replica = 0;  // requests/s one replica serves at 100% utilization
  int replicas = 0;
  std::vector<std::string> zones;  // replicas are spread evenly over these
  double load_rps = 0;  // current or expected load
  int concurrency = 1;  // requests one replica works on at once (M/M/c: servers per replica)
  // Utilization past which the service stops keeping up and fails (cascade simulation).
  double max_utilization = 1.0;
  // Whether a load-shedding plan may shed this service's traffic.
  bool sheddable = true;
};

struct Service {
  std::string id;
  std::string name;
  std::string description;
  std::string team;
  int tier = 2;  // 0 (most critical) .. 4
  bool customer_facing = false;
  std::vector<Dependency> dependencies;  // services this one calls
  std::string escalation_policy;
  std::map<std::string, std::string> escalation_by_severity;  // "SEV0" -> policy id
  std::map<std::string, std::string> labels;
  Capacity capacity;
  SourceLoc loc;
};

// Services that stand in for one another: a failover pair (primary, standby...) or an
// active-active set. A dependency on a member is served while at least `min_healthy` members are up.
struct GroupMember {
  std::string service;
  SourceLoc loc;
};
struct RedundancyGroup {
  std::string id;
  std::string name;
  std::string kind = "active_active";  // active_active | failover (first member is the primary)
  std::vector<GroupMember> members;
  int min_healthy = 1;
  SourceLoc loc;
};

// A named what-if (services and zones lost, load multiplied) for precomputed fallback plans.
struct Scenario {
  std::string id;
  std::string name;
  std::string description;
  std::vector<std::string> services;  // lost services
  std::vector<std::string> zones;     // lost zones
  double load_factor = 1.0;           // every service's load multiplied by this
  SourceLoc loc;
};

struct ContactMethod {
  std::string type;  // email, phone, sms, slack, webhook, command
  std::string address;
  std::string channel;  // optional: the channel that delivers it (default: the first that accepts the type)
};

// A person's own notification rule (PagerDuty's): a page at one of `severities` (empty = any) reaches
// their contact methods of type `contact` `after` it was sent, unless the incident was acknowledged
// (or mitigated, or resolved) by then.
struct NotificationRule {
  core::Millis after{0};
  std::string contact;  // a contact type the person has
  std::vector<Severity> severities;  // empty: every severity
  SourceLoc loc;

  bool AppliesTo(Severity sev) const {
    return severities.empty() || std::find(severities.begin(), severities.end(), sev) != severities.end();
  }
};

struct Person {
  std::string id;
  std::string name;
  std::string email;
  std::string title;     // "SRE", "Engineering manager", ...
  std::string timezone;  // IANA name
  std::vector<ContactMethod> contacts;
  // How a page reaches them. Rules that apply to a page's severity replace the severity's contact
  // types (settings.paging.contact_types) for this person; none = those.
  std::vector<NotificationRule> notification_rules;
  // Whether they get shift handoff notices (settings.paging.handoff_notice).
  bool handoff_notices = true;
  SourceLoc loc;
};

struct Team {
  std::string id;
  std::string name;
  std::vector<std::string> members;
  std::string lead;
  std::string escalation_policy;
  SourceLoc loc;
};

// A daily window in which a layer is active, e.g. weekdays 09:00-17:00.
struct Restriction {
  std::vector<int> weekdays;  // 0 = Monday .. 6 = Sunday; empty = every day
  int start_minute = 0;       // minutes after local midnight
  int end_minute = 24 * 60;   // exclusive; may be < start (wraps midnight)
};

struct Layer {
  std::string name;
  std::string rotation = "weekly";  // daily | weekly | custom
  core::Millis shift_length{std::chrono::hours(24 * 7)};
  std::string start_date;  // local date "YYYY-MM-DD" of the first handoff
  int handoff_minute = 9 * 60;  // local time of day of handoffs
  std::string timezone;        // defaults to the schedule's
  std::vector<std::string> members;
  std::vector<Restriction> restrictions;
};

struct Override {
  std::string person;
  core::TimePoint start{};
  core::TimePoint end{};
  std::string replaces;  // optional: only replace this person
};

struct Schedule {
  std::string id;
  std::string name;
  std::string timezone = "UTC";
  std::vector<Layer> layers;  // later layers take precedence where active
  std::vector<Override> overrides;
  SourceLoc loc;
};

struct EscalationTarget {
  std::string type;  // person | schedule | team
  std::string id;
  SourceLoc loc;
};

struct EscalationTier {
  core::Millis delay{0};  // after the incident opened (cumulative from the start of a cycle)
  std::vector<EscalationTarget> targets;
};

struct EscalationPolicy {
  std::string id;
  std::string name;
  int repeat = 0;  // extra cycles through all tiers when nobody acknowledges
  // Time from the start of one cycle to the start of the next; 0 = last tier's delay + 15 minutes.
  core::Millis repeat_after{0};
  // An incident acknowledged this long ago and neither mitigated nor resolved is unacknowledged
  // (back to triggered, escalation from tier 1), as PagerDuty's acknowledgement timeout; 0 = never.
  core::Millis ack_timeout{0};
  // Support hours (PagerDuty's urgency by support hours): a named time interval. Incidents of a
  // `low_urgency` severity opened (or reopened) outside it page nobody until it next begins; empty =
  // every severity pages at once, at any hour.
  std::string support_hours;
  std::vector<Severity> low_urgency;  // defaults to SEV3 and SEV4 when support_hours is set
  std::vector<EscalationTier> tiers;
  SourceLoc loc;
};

struct SeverityRule {
  std::string name;
  std::map<std::string, std::string> match_labels;  // value "~regex" matches a regex
  std::map<std::string, std::string> match_annotations;  // same, over annotations
  std::optional<int> max_service_tier;              // service tier <= this
  std::optional<bool> customer_facing;
  int min_affected_services = 0;
  Severity severity = Severity::kSev3;
  std::vector<std::string> flags;  // flags set on the incident, e.g. data_loss, security
  SourceLoc loc;
};

struct Integration {
  std::string key;   // the routing/integration key clients send
  std::string name;
  std::string service;
  std::string type = "generic";  // pagerduty | alertmanager | generic
  // Labels whose values identify an alert (dedup fingerprint) instead of the source's own key;
  // empty = the source's key (dedup_key, Alertmanager fingerprint), else all labels.
  std::vector<std::string> fingerprint;
  SourceLoc loc;
};

// Groups alerts into incidents by label values instead of by service and dependencies.
struct GroupingRule {
  std::string name;
  std::map<std::string, std::string> match_labels;  // all must match ("~regex" allowed); empty = any
  std::vector<std::string> match_services;         // alert's service is one of these; empty = any
  std::vector<std::string> group_by;               // label names ("service" = the alert's service)
  std::optional<core::Millis> window;               // default: settings.correlation_window
  SourceLoc loc;
};

struct Channel {
  std::string id;
  std::string type;  // webhook | slack | email | command
  std::string url;
  std::string secret_env;  // env var holding an HMAC secret / password
  std::vector<std::string> to;
  std::vector<std::string> argv;
  std::vector<Severity> severities;  // empty = all
  boost::json::object options;
  // Incident events this channel receives as a broadcast (not addressed to a person): opened, page,
  // acknowledged, resolved, reopened, notification_failed, escalation_stale. Empty = none.
  std::vector<std::string> events;
  // Person contact types it delivers (default by type: email -> email, slack -> slack, webhook ->
  // webhook, command -> sms, phone, command).
  std::vector<std::string> contact_types;
  // Mustache templates overriding the built-in ones ("" = built-in).
  std::string template_subject;
  std::string template_text;
  SourceLoc loc;
};
// The contact types a channel delivers (its `contact_types`, else the default for its type).
std::vector<std::string> ContactTypesOf(const Channel& c);

enum class RiskTier { kLow = 0, kMedium = 1, kHigh = 2 };
std::string_view RiskTierName(RiskTier t);  // "LOW", "MEDIUM", "HIGH"

struct RunbookParam {
  std::string name;
  std::string type = "string";  // string | int | bool | enum | service | duration
  std::string description;
  bool required = false;
  std::optional<std::string> default_value;
  std::vector<std::string> allowed;  // for enum
  std::string pattern;               // regex a string must fully match
  bool secret = false;               // redacted wherever it is stored or shown
};

struct RunbookStep {
  std::string id;
  std::string name;
  std::string kind;      // command | http | check | config_change | manual
  std::string category;  // diagnostic, restart, failover, deploy, traffic, config, data_write, ...
  RiskTier risk = RiskTier::kLow;
  core::Millis timeout{std::chrono::seconds(30)};
  boost::json::object spec;          // kind-specific fields (argv, url, path, ...)
  std::vector<RunbookStep> rollback;  // zero or one step
  std::vector<RunbookStep> verify;    // zero or one check step
  SourceLoc loc;
};

// Limits for responder resilience analytics (`settings.responders`; oncall/resilience.h).
struct ResponderRules {
  core::Millis max_oncall_per_week{0};    // most on-call time in any 7 days; 0 = no limit
  int max_consecutive_shifts = 0;         // most back-to-back shifts; 0 = no limit
  core::Millis rest_after_night_page{0};  // cover needed after a night page; 0 = no rule
  int night_start_hour = 0;               // the night, in the person's own time zone: [start, end)
  int night_end_hour = 6;
  int max_pending = 7;        // cognitive load: open incident roles + unacknowledged pages + approvals
  int critical_max_tier = 1;  // services at or below this tier are critical (bus factor)
};

struct Runbook {
  std::string id;
  std::string title;
  std::string description;
  std::vector<std::string> services;                // applies to
  std::map<std::string, std::string> match_labels;  // alert labels ("~regex" allowed)
  std::vector<std::string> log_patterns;            // regexes over error log templates
  std::vector<Severity> severities;
  std::vector<RunbookParam> params;
  std::vector<RunbookStep> steps;
  SourceLoc loc;
  RiskTier MaxRisk() const;
};

}  // namespace firebreak::model
