// Firebreak's own event format (POST /api/v1/events), for sources that are neither Alertmanager nor
// PagerDuty clients:
//   {"routing_key":"...", "type":"alert", "action":"trigger|acknowledge|resolve",
//    "dedup_key":"...", "summary":"...", "service":"checkout", "severity":"critical",
//    "labels":{...}, "annotations":{...}, "time":"RFC 3339", "links":[...], "details":{...}}
//   {"routing_key":"...", "type":"change", "kind":"deploy", "summary":"...", "service":"...",
//    "time":"...", "labels":{...}, "links":[...], "dedup_key":"...", "source":"ci"}
#include "core/strings.h"
#include "ingest/internal.h"

namespace firebreak::ingest {

Result<GenericEvent> DecodeGeneric(std::string_view body) {
  FB_ASSIGN_OR_RETURN(auto v, ParseBody(body));
  return DecodeGeneric(v);
}

Result<GenericEvent> DecodeGeneric(const boost::json::value& body) {
  core::ObjectReader r(body, "");
  GenericEvent out;
  out.routing_key = r.String("routing_key").value_or("");
  auto type = r.String("type").value_or("alert");
  FB_TRY(r.status());
  if (type == "change") {
    r.RejectUnknown({"routing_key", "type", "kind", "summary", "service", "time", "labels", "links", "dedup_key",
                     "source"});
    out.is_change = true;
    auto& c = out.change;
    c.summary = r.String("summary", true).value_or("");
    out.service = r.String("service").value_or("");
    auto kind = r.String("kind");
    c.dedup_key = r.String("dedup_key").value_or("");
    c.source = r.String("source").value_or("");
    if (auto l = r.StringMap("labels")) c.labels = std::move(*l);
    FB_TRY(r.status());
    FB_ASSIGN_OR_RETURN(auto t, internal::ReadTime(r, "time"));
    if (t) c.time = *t;
    if (core::Trim(c.summary).empty()) return InvalidArgument("summary must not be empty", "summary");
    c.summary = core::Truncate(c.summary, kMaxSummary);
    if (c.dedup_key.size() > kMaxDedupKey) return InvalidArgument("dedup_key is longer than 255 characters", "dedup_key");
    // As POST /api/v1/changes bounds it: a change's source names a tool, not a document.
    if (c.source.size() > kMaxSummary) return InvalidArgument("source is longer than 1024 bytes", "source");
    FB_TRY(internal::CheckLabels(c.labels, "labels"));
    FB_ASSIGN_OR_RETURN(auto links, internal::ReadLinks(r, "links", /*strings_allowed=*/true));
    for (auto& l : links) c.links.push_back(std::move(l.href));
    if (kind) {
      static const char* kKinds[] = {"deploy", "config", "feature_flag", "rollback", "other"};
      if (std::none_of(std::begin(kKinds), std::end(kKinds), [&](const char* k) { return *kind == k; }))
        return InvalidArgument("kind must be deploy, config, feature_flag, rollback or other", "kind");
      c.kind = *kind;
    } else {
      c.kind = GuessChangeKind(c.summary, c.labels);
    }
    return out;
  }
  if (type != "alert") return InvalidArgument("type must be \"alert\" or \"change\"", "type");
  r.RejectUnknown({"routing_key", "type", "action", "dedup_key", "summary", "service", "severity", "labels",
                   "annotations", "time", "links", "details"});
  auto& e = out.alert;
  auto action = r.String("action").value_or("trigger");
  e.dedup_key = r.String("dedup_key").value_or("");
  e.summary = r.String("summary").value_or("");
  out.service = r.String("service").value_or("");
  auto severity = r.String("severity");
  if (auto l = r.StringMap("labels")) e.labels = model::LabelSet(*l);
  if (auto a = r.StringMap("annotations")) e.annotations = std::move(*a);
  if (const auto* d = r.Object("details")) e.details = *d;
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(e.starts_at, internal::ReadTime(r, "time"));
  if (action == "trigger") {
    e.action = model::AlertEvent::Action::kTrigger;
  } else if (action == "acknowledge") {
    e.action = model::AlertEvent::Action::kAcknowledge;
  } else if (action == "resolve") {
    e.action = model::AlertEvent::Action::kResolve;
  } else {
    return InvalidArgument("action must be trigger, acknowledge or resolve", "action");
  }
  if (e.dedup_key.size() > kMaxDedupKey) return InvalidArgument("dedup_key is longer than 255 characters", "dedup_key");
  FB_TRY(internal::CheckLabels(e.labels, "labels"));
  FB_TRY(internal::CheckLabels(e.annotations, "annotations"));
  if (severity) {
    if (severity->empty()) return InvalidArgument("severity must not be empty", "severity");
    if (severity->size() > 64) return InvalidArgument("severity is too long", "severity");
    e.labels["severity"] = *severity;
  }
  if (e.action == model::AlertEvent::Action::kTrigger) {
    if (core::Trim(e.summary).empty()) return InvalidArgument("summary is required to trigger an alert", "summary");
  } else if (e.dedup_key.empty() && e.labels.empty()) {
    return InvalidArgument("dedup_key (or the labels of the alert) is required to " + action + " an alert",
                           "dedup_key");
  }
  e.summary = core::Truncate(e.summary, kMaxSummary);
  // Without a dedup_key the pipeline identifies the alert by its labels (or its summary).
  FB_ASSIGN_OR_RETURN(e.links, internal::ReadLinks(r, "links", /*strings_allowed=*/true));
  e.service_hint = out.service;
  if (e.service_hint.empty())
    if (auto it = e.labels.find("service"); it != e.labels.end()) e.service_hint = it->second;
  return out;
}

}  // namespace firebreak::ingest
