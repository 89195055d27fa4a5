// Alertmanager webhook payloads (version "4"):
//   {"version":"4","groupKey":"...","status":"firing","receiver":"...","groupLabels":{},
//    "commonLabels":{},"commonAnnotations":{},"externalURL":"...","truncatedAlerts":0,
//    "alerts":[{"status":"firing","labels":{},"annotations":{},"startsAt":"...","endsAt":"...",
//               "generatorURL":"...","fingerprint":"..."}]}
#include "core/strings.h"
#include "ingest/internal.h"

namespace firebreak::ingest {

Result<AlertmanagerWebhook> DecodeAlertmanager(std::string_view body) {
  FB_ASSIGN_OR_RETURN(auto v, ParseBody(body));
  return DecodeAlertmanager(v);
}

Result<AlertmanagerWebhook> DecodeAlertmanager(const boost::json::value& body) {
  core::ObjectReader r(body, "");
  AlertmanagerWebhook w;
  w.version = r.String("version").value_or("4");
  w.group_key = r.String("groupKey").value_or("");
  w.status = r.String("status").value_or("");
  w.receiver = r.String("receiver").value_or("");
  w.external_url = r.String("externalURL").value_or("");
  (void)r.Int("truncatedAlerts");
  (void)r.Object("groupLabels");
  auto common_labels = r.StringMap("commonLabels");
  (void)r.StringMap("commonAnnotations");
  const auto* alerts = r.Array("alerts", true);
  FB_TRY(r.status());
  if (w.version != "4")
    return InvalidArgument("unsupported webhook version '" + core::Truncate(w.version, 16) + "' (expected \"4\")",
                           "version");
  if (!w.status.empty() && w.status != "firing" && w.status != "resolved")
    return InvalidArgument("status must be \"firing\" or \"resolved\"", "status");
  if (alerts->size() > kMaxAlertsPerRequest)
    return InvalidArgument("too many alerts in one request (" + std::to_string(alerts->size()) + ", max " +
                               std::to_string(kMaxAlertsPerRequest) + ")",
                           "alerts");
  w.alerts.reserve(alerts->size());
  for (size_t i = 0; i < alerts->size(); ++i) {
    std::string path = "alerts[" + std::to_string(i) + "]";
    core::ObjectReader ar((*alerts)[i], path);
    model::AlertEvent e;
    auto status = ar.String("status", true);
    auto labels = ar.StringMap("labels", true);
    auto annotations = ar.StringMap("annotations");
    e.generator_url = ar.String("generatorURL").value_or("");
    e.dedup_key = ar.String("fingerprint").value_or("");
    FB_TRY(ar.status());
    FB_ASSIGN_OR_RETURN(e.starts_at, internal::ReadTime(ar, "startsAt"));
    FB_ASSIGN_OR_RETURN(e.ends_at, internal::ReadTime(ar, "endsAt"));
    if (*status == "firing") {
      e.action = model::AlertEvent::Action::kTrigger;
    } else if (*status == "resolved") {
      e.action = model::AlertEvent::Action::kResolve;
    } else {
      return InvalidArgument("status must be \"firing\" or \"resolved\", got \"" + core::Truncate(*status, 32) + "\"",
                             path + ".status");
    }
    if (labels->empty()) return InvalidArgument("an alert needs at least one label", path + ".labels");
    e.labels = std::move(*labels);
    if (annotations) e.annotations = std::move(*annotations);
    FB_TRY(internal::CheckLabels(e.labels, path + ".labels"));
    FB_TRY(internal::CheckLabels(e.annotations, path + ".annotations"));
    if (e.dedup_key.size() > kMaxDedupKey) return InvalidArgument("fingerprint is too long", path + ".fingerprint");
    if (e.dedup_key.empty()) e.dedup_key = Fingerprint(e.labels);
    if (auto it = e.labels.find("service"); it != e.labels.end()) e.service_hint = it->second;
    // Summary: the conventional annotations, else the alert name.
    for (const char* k : {"summary", "title", "message", "description"}) {
      if (auto it = e.annotations.find(k); it != e.annotations.end() && !it->second.empty()) {
        e.summary = it->second;
        break;
      }
    }
    std::string name = e.labels.count("alertname") ? e.labels.at("alertname") : "";
    if (e.summary.empty()) e.summary = name.empty() ? "Alert " + e.dedup_key : name;
    else if (!name.empty() && e.summary.find(name) == std::string::npos) e.summary = name + ": " + e.summary;
    e.summary = core::Truncate(e.summary, kMaxSummary);
    e.group_key = w.group_key;
    (void)common_labels;
    w.alerts.push_back(std::move(e));
  }
  return w;
}

}  // namespace firebreak::ingest
