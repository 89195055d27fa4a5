// Alerts and silences.
//
// An AlertEvent is what an ingest decoder makes of one event from a source (an Alertmanager alert,
// a PagerDuty Events v2 event, a generic event): trigger, acknowledge or resolve something known by
// a key. An Alert is what Firebreak keeps: one row per firing episode of a key, with its repeat
// count, the incident it joined and *why* it joined. A Silence is a time-bounded set of label
// matchers that keeps matching alerts from opening or paging incidents (they are still recorded).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "model/severity.h"
#include "model/label_set.h"

namespace firebreak::model {

struct Link {
  std::string href;
  std::string text;
};

struct Image {
  std::string src;
  std::string href;
  std::string alt;
};

// One normalized event from a source.
struct AlertEvent {
  enum class Action { kTrigger, kAcknowledge, kResolve };
  Action action = Action::kTrigger;
  // The source's own key (PagerDuty dedup_key, Alertmanager fingerprint, generic dedup_key); empty =
  // derive a fingerprint from the labels.
  std::string dedup_key;
  std::string summary;
  // An explicit service hint (a `service` label, PagerDuty `payload.component`); resolved against the
  // catalog by the correlator, falling back to the integration's service.
  std::string service_hint;
  LabelSet labels;                                 // includes `severity` when the source gave one
  std::map<std::string, std::string> annotations;  // descriptions, runbook URLs, custom details
  std::string generator_url;
  std::vector<Link> links;
  std::vector<Image> images;
  boost::json::object details;  // source-specific extras kept verbatim (PagerDuty custom_details)
  std::optional<core::TimePoint> starts_at;  // when the source says it started
  std::optional<core::TimePoint> ends_at;    // when it ended (resolved alerts)
  // Firing alerts of sources that must keep re-sending them (Prometheus and other clients of
  // Alertmanager's API): the alert resolves by itself at this time unless an update moves it.
  std::optional<core::TimePoint> expires_at;
  std::string group_key;                     // Alertmanager groupKey, if any
};

std::string_view ActionName(AlertEvent::Action a);  // "trigger", "acknowledge", "resolve"

enum class AlertStatus { kFiring, kAcknowledged, kResolved };
std::string_view AlertStatusName(AlertStatus s);  // "firing", "acknowledged", "resolved"
Result<AlertStatus> ParseAlertStatus(std::string_view s);

// How an alert came to be where it is (JoinKind) plus a sentence (join_reason).
enum class JoinKind {
  kOpened,       // it opened its incident
  kSameKey,      // an earlier episode of the same key belongs to the incident
  kRule,         // a grouping rule put it there
  kSameService,  // the incident already affects its service
  kUpstream,     // its service is a dependency of a service of the incident
  kDownstream,   // its service depends (transitively) on a service of the incident
  kStorm,        // collapsed into its source's storm incident
  kSilenced,     // recorded only: a silence matched
  kNone,         // not attached (e.g. below the severity threshold or unknown)
};
std::string_view JoinKindName(JoinKind k);  // "opened", "same_key", ...
Result<JoinKind> ParseJoinKind(std::string_view s);

struct Alert {
  int64_t id = 0;
  std::string key;          // dedup key, scoped by source: "am:<fp>", "pd:<service>:<dedup_key>", ...
  std::string dedup_key;    // the key as the source knows it (returned to PagerDuty clients)
  std::string source;       // alertmanager | pagerduty | event
  std::string integration;  // integration name
  std::string service;
  std::string summary;
  AlertStatus status = AlertStatus::kFiring;
  Severity severity = Severity::kSev3;
  std::string severity_rule;        // the rule that set the severity ("" = default)
  std::vector<std::string> flags;   // data_loss, security (from the severity rule)
  LabelSet labels;
  std::map<std::string, std::string> annotations;
  std::string generator_url;
  std::vector<Link> links;
  std::vector<Image> images;
  boost::json::object details;
  core::TimePoint starts_at{};   // as reported by the source (or first_seen)
  core::TimePoint first_seen{};  // when Firebreak first received it
  core::TimePoint last_seen{};   // last event for it (repeats included)
  std::optional<core::TimePoint> acknowledged_at;
  std::optional<core::TimePoint> resolved_at;
  int64_t count = 1;                     // events received for this episode (repeats included)
  std::string incident_id;               // "" when not attached (silenced)
  JoinKind join_kind = JoinKind::kNone;
  std::string join_reason;               // "same service (checkout)", "downstream of db", ...
  std::string silence_id;                // the silence that matched, if any
  bool flapping = false;
  std::vector<core::TimePoint> state_changes;  // recent firing<->resolved changes of this key
};

boost::json::object ToJson(const Alert& a);
// Inverse of ToJson (used by the store); unknown fields are ignored.
Result<Alert> AlertFromJson(const boost::json::value& v);

// A label matcher: name op value, with Alertmanager's operators.
struct Matcher {
  enum class Op { kEqual, kNotEqual, kRegex, kNotRegex };
  std::string name;
  Op op = Op::kEqual;
  std::string value;
};
std::string_view MatcherOpName(Matcher::Op op);  // "=", "!=", "=~", "!~"
// "name=value", "name!=value", "name=~regex", "name!~regex" (syntax only; correlate/ compiles the
// regexes, which must match the whole value).
Result<Matcher> ParseMatcher(std::string_view s);
std::string ToString(const Matcher& m);

struct Silence {
  std::string id;  // "SIL-<n>"
  std::vector<Matcher> matchers;  // all must match
  core::TimePoint starts_at{};
  core::TimePoint ends_at{};
  std::string comment;
  std::string created_by;  // actor
  core::TimePoint created_at{};
  std::optional<core::TimePoint> expired_at;  // set when it ended (early or on time)
  std::string expired_by;

  // pending (not started), active or expired at `now`.
  std::string_view StateAt(core::TimePoint now) const;
};

boost::json::object ToJson(const Silence& s, core::TimePoint now);
Result<Silence> SilenceFromJson(const boost::json::value& v);

}  // namespace firebreak::model
