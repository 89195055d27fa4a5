// Ingest: decoders from what alert sources send to normalized values (model::AlertEvent,
// model::ChangeEvent). Pure functions over the request body: no I/O, no clock, no config.
//
// Sources and their endpoints (DESIGN.md §4):
//   Alertmanager webhook (version "4")  POST /api/v1/alerts/alertmanager
//   PagerDuty Events API v2             POST /v2/enqueue
//   PagerDuty change events             POST /v2/change/enqueue
//   generic JSON event                  POST /api/v1/events
//   Alertmanager's own API (Prometheus)  POST /api/v2/alerts
//
// Every decoder rejects bad input as a whole (InvalidArgument naming the offending field, e.g.
// "alerts[3].labels" or "payload.severity"); it never returns a half-decoded batch.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"
#include "model/alert.h"
#include "model/change_event.h"

namespace firebreak::ingest {

// PagerDuty's documented limit for one event; Firebreak applies it to its PagerDuty endpoints.
inline constexpr size_t kPagerDutyMaxBytes = 512 * 1024;
// Bounds that keep one request from holding the engine for long.
inline constexpr size_t kMaxAlertsPerRequest = 10000;
inline constexpr size_t kMaxLabels = 256;
inline constexpr size_t kMaxLabelName = 256;
inline constexpr size_t kMaxLabelValue = 16 * 1024;
inline constexpr size_t kMaxSummary = 1024;  // PagerDuty truncates summaries to 1024 characters
inline constexpr size_t kMaxDedupKey = 255;  // PagerDuty's limit

// Parses a request body as JSON (core::ParseJsonStrict: a key repeated in an object is refused,
// naming it). Invalid UTF-8 inside a string is reported against the field that holds it
// ("alerts[0].labels.instance"). `storage` lets a caller parse into an arena
// (boost::json::monotonic_resource) that it frees at once.
Result<boost::json::value> ParseBody(std::string_view body, boost::json::storage_ptr storage = {});

// A 16-hex-digit fingerprint of `labels` restricted to `names` (all labels when empty): stable
// across runs and label order.
std::string Fingerprint(const model::LabelSet& labels,
                        const std::vector<std::string>& names = {});

// ---- Alertmanager ----------------------------------------------------------------------------

struct AlertmanagerWebhook {
  std::string version;
  std::string group_key;
  std::string status;    // of the group: firing | resolved
  std::string receiver;
  std::string external_url;
  std::vector<model::AlertEvent> alerts;  // one per alert; trigger for firing, resolve for resolved
};
Result<AlertmanagerWebhook> DecodeAlertmanager(const boost::json::value& body);
// From the bytes: the single-pass reader first, the tree reader when it declines.
Result<AlertmanagerWebhook> DecodeAlertmanager(std::string_view body);
// The single-pass reader alone: decodes a webhook straight from the bytes (no JSON tree), or returns
// nothing for input it leaves to the tree reader (any error, a known field of an unusual type or
// null, a repeated field or label, non-string label values). Where it decodes, the result equals
// DecodeAlertmanager(ParseBody(body)).
std::optional<AlertmanagerWebhook> DecodeAlertmanagerFast(std::string_view body);

// ---- Alertmanager's API: what Prometheus sends to an Alertmanager ----------------------------
//
// POST /api/v2/alerts takes a JSON array of postable alerts:
//   [{"labels":{...},"annotations":{...},"startsAt":"RFC 3339","endsAt":"RFC 3339",
//     "generatorURL":"..."}]
// Prometheus (and Grafana, vmalert, Thanos and Loki rulers) re-send every firing alert while it
// fires, with endsAt a few evaluation intervals ahead; an alert that stops being re-sent therefore
// ends by itself. As in Alertmanager:
//   - endsAt at or before `now`: the alert resolved then (action resolve, ends_at set);
//   - endsAt after `now`: firing, expiring at endsAt unless re-sent (expires_at);
//   - no endsAt: firing, expiring `resolve_timeout` after `now`;
//   - no startsAt: `now`; endsAt before startsAt, no labels or an invalid label name: rejected.
// Each alert's identity is its label set (dedup_key = Fingerprint(labels)).
struct PostableAlerts {
  std::vector<model::AlertEvent> alerts;
};
Result<PostableAlerts> DecodePostableAlerts(const boost::json::value& body, core::TimePoint now,
                                            core::Millis resolve_timeout);
Result<PostableAlerts> DecodePostableAlerts(std::string_view body, core::TimePoint now,
                                            core::Millis resolve_timeout);
// Prometheus's label name syntax: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

// ---- PagerDuty Events API v2 -----------------------------------------------------------------

struct PagerDutyEvent {
  std::string routing_key;
  model::AlertEvent event;  // dedup_key empty for a trigger without one (the caller generates it)
};
Result<PagerDutyEvent> DecodePagerDuty(const boost::json::value& body);
Result<PagerDutyEvent> DecodePagerDuty(std::string_view body);

struct PagerDutyChange {
  std::string routing_key;
  model::ChangeEvent change;  // service left empty: the integration decides
};
Result<PagerDutyChange> DecodePagerDutyChange(const boost::json::value& body);
Result<PagerDutyChange> DecodePagerDutyChange(std::string_view body);

// ---- generic events --------------------------------------------------------------------------

struct GenericEvent {
  std::string routing_key;  // from the body; the caller may take it from X-Routing-Key instead
  bool is_change = false;
  model::AlertEvent alert;     // when !is_change
  model::ChangeEvent change;   // when is_change
  std::string service;         // explicit service, if given
};
Result<GenericEvent> DecodeGeneric(const boost::json::value& body);
Result<GenericEvent> DecodeGeneric(std::string_view body);

// Guesses a change's kind from its summary and details: deploy | config | feature_flag | rollback |
// other.
std::string GuessChangeKind(std::string_view summary, const std::map<std::string, std::string>& labels);

}  // namespace firebreak::ingest
