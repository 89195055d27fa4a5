// Alertmanager's own API for senders of alerts (POST /api/v2/alerts), as Prometheus and the other
// rule evaluators speak it: a JSON array of postable alerts. See ingest.h for the semantics of
// startsAt and endsAt.
#include "core/strings.h"
#include "ingest/internal.h"

namespace firebreak::ingest {

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

Result<PostableAlerts> DecodePostableAlerts(std::string_view body, core::TimePoint now,
                                            core::Millis resolve_timeout) {
  boost::json::monotonic_resource arena;
  FB_ASSIGN_OR_RETURN(auto v, ParseBody(body, boost::json::storage_ptr(&arena)));
  return DecodePostableAlerts(v, now, resolve_timeout);
}

Result<PostableAlerts> DecodePostableAlerts(const boost::json::value& body, core::TimePoint now,
                                            core::Millis resolve_timeout) {
  if (!body.is_array())
    return InvalidArgument("the body must be a JSON array of alerts ([{\"labels\":{...},...}])", "body");
  const auto& arr = body.get_array();
  if (arr.size() > kMaxAlertsPerRequest)
    return InvalidArgument("too many alerts in one request (" + std::to_string(arr.size()) + ", max " +
                               std::to_string(kMaxAlertsPerRequest) + ")",
                           "body");
  PostableAlerts out;
  out.alerts.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    auto path = [&at](std::string_view field) { return at + "." + std::string(field); };
    if (!arr[i].is_object()) return InvalidArgument("an alert must be a JSON object", at);
    core::ObjectReader r(arr[i], at);
    auto labels = internal::ReadStrings(r, "labels", true);
    auto annotations = internal::ReadStrings(r, "annotations");
    auto generator_url = r.String("generatorURL");
    FB_TRY(r.status());
    FB_ASSIGN_OR_RETURN(auto starts, internal::ReadTime(r, "startsAt"));
    FB_ASSIGN_OR_RETURN(auto ends, internal::ReadTime(r, "endsAt"));
    FB_TRY(r.status());
    if (labels->empty()) return InvalidArgument("an alert needs at least one label", path("labels"));
    for (const auto& [name, value] : *labels) {
      if (!IsValidLabelName(name))
        return InvalidArgument("invalid label name '" + core::Truncate(name, 64) +
                                   "' (names match [a-zA-Z_][a-zA-Z0-9_]*)",
                               path("labels." + core::Truncate(name, 64)));
    }
    auto& e = out.alerts.emplace_back();
    e.labels = model::LabelSet(*labels);
    if (annotations) e.annotations = std::move(*annotations);
    FB_TRY(internal::CheckLabels(e.labels, path("labels")));
    FB_TRY(internal::CheckLabels(e.annotations, path("annotations")));
    if (generator_url) e.generator_url = core::Truncate(*generator_url, 2048);
    e.starts_at = starts.value_or(now);
    if (ends && *ends < *e.starts_at)
      return InvalidArgument("endsAt is before startsAt", path("endsAt"));
    if (ends && *ends <= now) {
      e.action = model::AlertEvent::Action::kResolve;
      e.ends_at = *ends;
    } else {
      e.action = model::AlertEvent::Action::kTrigger;
      e.expires_at = ends ? *ends : now + resolve_timeout;
    }
    e.dedup_key = Fingerprint(e.labels);
    internal::Describe(e);
  }
  return out;
}

}  // namespace firebreak::ingest
