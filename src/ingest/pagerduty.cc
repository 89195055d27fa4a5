// PagerDuty Events API v2 (POST /v2/enqueue) and change events (POST /v2/change/enqueue).
//
// An alert event:
//   {"routing_key":"...","event_action":"trigger|acknowledge|resolve","dedup_key":"...",
//    "payload":{"summary":"...","source":"...","severity":"critical|error|warning|info",
//               "timestamp":"...","component":"...","group":"...","class":"...",
//               "custom_details":{...}},
//    "images":[{"src","href","alt"}],"links":[{"href","text"}],"client":"...","client_url":"..."}
// A change event:
//   {"routing_key":"...","payload":{"summary":"...","timestamp":"...","source":"...",
//    "custom_details":{...}},"links":[...]}
#include <iterator>
#include <string>
#include <vector>

#include "core/strings.h"
#include "ingest/internal.h"

namespace firebreak::ingest {

Result<PagerDutyEvent> DecodePagerDuty(std::string_view body) {
  FB_ASSIGN_OR_RETURN(auto v, ParseBody(body));
  return DecodePagerDuty(v);
}

Result<PagerDutyEvent> DecodePagerDuty(const boost::json::value& body) {
  core::ObjectReader r(body, "");
  PagerDutyEvent out;
  auto& e = out.event;
  out.routing_key = r.String("routing_key", true).value_or("");
  auto action = r.String("event_action", true);
  e.dedup_key = r.String("dedup_key").value_or("");
  auto client = r.String("client");
  auto client_url = r.String("client_url");
  FB_TRY(r.status());
  if (out.routing_key.empty()) return InvalidArgument("routing_key must not be empty", "routing_key");
  if (*action == "trigger") {
    e.action = model::AlertEvent::Action::kTrigger;
  } else if (*action == "acknowledge") {
    e.action = model::AlertEvent::Action::kAcknowledge;
  } else if (*action == "resolve") {
    e.action = model::AlertEvent::Action::kResolve;
  } else {
    return InvalidArgument("event_action must be trigger, acknowledge or resolve, got \"" +
                               core::Truncate(*action, 32) + "\"",
                           "event_action");
  }
  if (e.dedup_key.size() > kMaxDedupKey)
    return InvalidArgument("dedup_key is longer than 255 characters", "dedup_key");
  if (e.action != model::AlertEvent::Action::kTrigger) {
    // PagerDuty: acknowledge and resolve need the key of the alert they act on; a payload is
    // optional and ignored.
    if (e.dedup_key.empty())
      return InvalidArgument("dedup_key is required for " + *action + " events", "dedup_key");
    return out;
  }
  (void)r.Object("payload", true);
  FB_TRY(r.status());
  core::ObjectReader pr(*r.Raw("payload"), "payload");  // the value itself: the reader keeps a pointer
  auto summary = pr.String("summary", true);
  auto source = pr.String("source", true);
  auto severity = pr.String("severity", true);
  auto component = pr.String("component");
  auto group = pr.String("group");
  auto klass = pr.String("class");
  const auto* custom = pr.Raw("custom_details");
  FB_TRY(pr.status());
  FB_ASSIGN_OR_RETURN(e.starts_at, internal::ReadTime(pr, "timestamp"));
  if (core::Trim(*summary).empty()) return InvalidArgument("payload.summary must not be empty", "payload.summary");
  if (core::Trim(*source).empty()) return InvalidArgument("payload.source must not be empty", "payload.source");
  if (*severity != "critical" && *severity != "error" && *severity != "warning" && *severity != "info")
    return InvalidArgument("payload.severity must be critical, error, warning or info, got \"" +
                               core::Truncate(*severity, 32) + "\"",
                           "payload.severity");
  // The payload's own strings become labels (and the client's annotations): bounded as labels are,
  // named as the fields they came from.
  for (const auto& [field, value] : {std::pair{"payload.source", &source}, std::pair{"payload.component", &component},
                                     std::pair{"payload.group", &group}, std::pair{"payload.class", &klass},
                                     std::pair{"client", &client}, std::pair{"client_url", &client_url}}) {
    if (*value) FB_TRY(internal::CheckLength(**value, field));
  }
  e.summary = core::Truncate(*summary, kMaxSummary);
  e.labels["severity"] = *severity;
  e.labels["source"] = *source;
  if (component && !component->empty()) e.labels["component"] = *component;
  if (group && !group->empty()) e.labels["group"] = *group;
  if (klass && !klass->empty()) e.labels["class"] = *klass;
  // custom_details: any JSON. An object's top-level scalars become labels (severity rules and
  // silences match them) and the object is kept verbatim in details; a string becomes the annotation
  // `details`.
  if (custom && !custom->is_null()) {
    if (custom->is_object()) {
      const auto& o = custom->get_object();
      // Inserted together (one sort, however many keys a 512 KB body holds, in whatever order); the
      // payload's own labels above keep their values. CheckLabels below bounds the result.
      std::vector<model::LabelSet::value_type> scalars;
      for (const auto& kv : o) {
        const auto& val = kv.value();
        if (val.is_string() || val.is_number() || val.is_bool())
          scalars.emplace_back(std::string(kv.key()), internal::ScalarText(val));
      }
      e.labels.insert(std::make_move_iterator(scalars.begin()), std::make_move_iterator(scalars.end()));
      e.details["custom_details"] = o;
    } else if (custom->is_string()) {
      // PagerDuty accepts a plain string here. It is kept once, as the annotation `details` (which
      // severity rules match and listings show), bounded as an object's values are.
      FB_TRY(internal::CheckLength(custom->get_string(), "payload.custom_details"));
      e.annotations["details"] = std::string(custom->get_string());
    } else {
      // Any other JSON (an array, a number) is kept verbatim.
      e.details["custom_details"] = *custom;
    }
  }
  FB_TRY(internal::CheckLabels(e.labels, "payload.custom_details"));
  if (client) e.annotations["client"] = *client;
  if (client_url) e.annotations["client_url"] = *client_url;
  FB_ASSIGN_OR_RETURN(e.links, internal::ReadLinks(r, "links", /*strings_allowed=*/false));
  FB_ASSIGN_OR_RETURN(e.images, internal::ReadImages(r, "images"));
  if (auto it = e.labels.find("service"); it != e.labels.end()) {
    e.service_hint = it->second;
  } else if (component) {
    e.service_hint = *component;
  }
  return out;
}

Result<PagerDutyChange> DecodePagerDutyChange(std::string_view body) {
  FB_ASSIGN_OR_RETURN(auto v, ParseBody(body));
  return DecodePagerDutyChange(v);
}

Result<PagerDutyChange> DecodePagerDutyChange(const boost::json::value& body) {
  core::ObjectReader r(body, "");
  PagerDutyChange out;
  out.routing_key = r.String("routing_key", true).value_or("");
  (void)r.Object("payload", true);
  FB_TRY(r.status());
  if (out.routing_key.empty()) return InvalidArgument("routing_key must not be empty", "routing_key");
  core::ObjectReader pr(*r.Raw("payload"), "payload");  // the value itself: the reader keeps a pointer
  auto summary = pr.String("summary", true);
  auto source = pr.String("source");
  const auto* custom = pr.Raw("custom_details");
  FB_TRY(pr.status());
  FB_ASSIGN_OR_RETURN(auto ts, internal::ReadTime(pr, "timestamp"));
  if (core::Trim(*summary).empty()) return InvalidArgument("payload.summary must not be empty", "payload.summary");
  if (source) FB_TRY(internal::CheckLength(*source, "payload.source"));  // as the trigger's
  auto& c = out.change;
  c.summary = core::Truncate(*summary, kMaxSummary);
  c.source = source.value_or("pagerduty");
  if (ts) c.time = *ts;
  if (custom && custom->is_object()) {
    for (const auto& kv : custom->get_object()) {
      const auto& val = kv.value();
      if (val.is_string() || val.is_number() || val.is_bool())
        c.labels.emplace(std::string(kv.key()), internal::ScalarText(val));
    }
  } else if (custom && custom->is_string()) {
    FB_TRY(internal::CheckLength(custom->get_string(), "payload.custom_details"));
    c.labels["details"] = std::string(custom->get_string());
  }
  FB_TRY(internal::CheckLabels(c.labels, "payload.custom_details"));
  FB_ASSIGN_OR_RETURN(auto links, internal::ReadLinks(r, "links", /*strings_allowed=*/false));
  for (auto& l : links) c.links.push_back(std::move(l.href));
  c.kind = GuessChangeKind(c.summary, c.labels);
  return out;
}

}  // namespace firebreak::ingest
