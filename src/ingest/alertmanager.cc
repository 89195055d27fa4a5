// Alertmanager webhook payloads (version "4"):
//   {"version":"4","groupKey":"...","status":"firing","receiver":"...","groupLabels":{},
//    "commonLabels":{},"commonAnnotations":{},"externalURL":"...","truncatedAlerts":0,
//    "alerts":[{"status":"firing","labels":{},"annotations":{},"startsAt":"...","endsAt":"...",
//               "generatorURL":"...","fingerprint":"..."}]}
//
// Two readers share one builder. The single-pass reader (DecodeAlertmanagerFast) handles what
// Alertmanager actually sends, straight from the bytes; anything else it declines, and the tree
// reader (ParseBody + DecodeAlertmanager(value)) decides, with its error naming the field. For every
// input the single-pass reader accepts, both give the same result (checked by a property test and by
// the fuzz target).
#include <bitset>

#include <boost/json/basic_parser_impl.hpp>

#include "core/strings.h"
#include "ingest/internal.h"

namespace firebreak::ingest {

namespace {

// One alert's fields as read, before the checks and defaults.
struct RawAlert {
  std::string status;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string generator_url;
  std::string fingerprint;
  std::optional<std::string> starts_at;
  std::optional<std::string> ends_at;
};

struct RawWebhook {
  std::optional<std::string> version, group_key, status, receiver, external_url;
};

// The webhook-level checks, once its scalar fields and the number of alerts are known.
Result<AlertmanagerWebhook> StartWebhook(RawWebhook&& raw, size_t alerts) {
  AlertmanagerWebhook w;
  w.version = raw.version.value_or("4");
  w.group_key = raw.group_key.value_or("");
  w.status = raw.status.value_or("");
  w.receiver = raw.receiver.value_or("");
  w.external_url = raw.external_url.value_or("");
  if (w.version != "4")
    return InvalidArgument("unsupported webhook version '" + core::Truncate(w.version, 16) + "' (expected \"4\")",
                           "version");
  if (!w.status.empty() && w.status != "firing" && w.status != "resolved")
    return InvalidArgument("status must be \"firing\" or \"resolved\"", "status");
  if (alerts > kMaxAlertsPerRequest)
    return InvalidArgument("too many alerts in one request (" + std::to_string(alerts) + ", max " +
                               std::to_string(kMaxAlertsPerRequest) + ")",
                           "alerts");
  w.alerts.reserve(alerts);
  return w;
}

// alerts[i] from its fields: the checks and defaults both readers apply. Field paths are built only
// for an error (this runs for every alert of every webhook).
Result<model::AlertEvent> BuildAlert(RawAlert&& raw, size_t i, const std::string& group_key) {
  auto path = [i](std::string_view field) { return "alerts[" + std::to_string(i) + "]." + std::string(field); };
  model::AlertEvent e;
  e.generator_url = std::move(raw.generator_url);
  e.dedup_key = std::move(raw.fingerprint);
  auto starts = internal::ParseOptionalTime(raw.starts_at);
  if (!starts) return InvalidArgument(starts.error().message, path("startsAt"));
  e.starts_at = *starts;
  auto ends = internal::ParseOptionalTime(raw.ends_at);
  if (!ends) return InvalidArgument(ends.error().message, path("endsAt"));
  e.ends_at = *ends;
  if (raw.status == "firing") {
    e.action = model::AlertEvent::Action::kTrigger;
  } else if (raw.status == "resolved") {
    e.action = model::AlertEvent::Action::kResolve;
  } else {
    return InvalidArgument("status must be \"firing\" or \"resolved\", got \"" + core::Truncate(raw.status, 32) + "\"",
                           path("status"));
  }
  if (raw.labels.empty()) return InvalidArgument("an alert needs at least one label", path("labels"));
  e.labels = std::move(raw.labels);
  e.annotations = std::move(raw.annotations);
  FB_TRY(internal::CheckLabels(e.labels, [&] { return path("labels"); }));
  FB_TRY(internal::CheckLabels(e.annotations, [&] { return path("annotations"); }));
  if (e.dedup_key.size() > kMaxDedupKey) return InvalidArgument("fingerprint is too long", path("fingerprint"));
  if (e.dedup_key.empty()) e.dedup_key = Fingerprint(e.labels);
  if (auto it = e.labels.find("service"); it != e.labels.end()) e.service_hint = it->second;
  // Summary: the conventional annotations, else the alert name.
  for (const char* k : {"summary", "title", "message", "description"}) {
    if (auto it = e.annotations.find(k); it != e.annotations.end() && !it->second.empty()) {
      e.summary = it->second;
      break;
    }
  }
  auto name_it = e.labels.find("alertname");
  static const std::string kNoName;
  const std::string& name = name_it == e.labels.end() ? kNoName : name_it->second;
  if (e.summary.empty()) e.summary = name.empty() ? "Alert " + e.dedup_key : name;
  else if (!name.empty() && e.summary.find(name) == std::string::npos) e.summary = name + ": " + e.summary;
  if (e.summary.size() > kMaxSummary) e.summary = core::Truncate(e.summary, kMaxSummary);
  e.group_key = group_key;
  return e;
}

// ---- the single-pass reader -------------------------------------------------------------------

// A boost::json::basic_parser handler that fills RawWebhook/RawAlert as the bytes stream by. It
// returns false (declines) on anything the tree reader treats specially: a known field of another
// type or null, a repeated known field, label values that are not strings, nesting past 64 levels.
class WebhookHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  RawWebhook hook;
  std::vector<RawAlert> alerts;
  bool saw_alerts = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }

  bool on_object_begin(boost::system::error_code& ec) {
    if (stack_.size() >= 64) return Decline(ec);
    if (stack_.empty()) return Push(kTop);
    switch (Where()) {
      case kTop:
        if (key_ == "groupLabels") return Enter(0, kSkip, nullptr, ec);
        if (key_ == "commonLabels") return Enter(1, kMap, nullptr, ec);
        if (key_ == "commonAnnotations") return Enter(2, kMap, nullptr, ec);
        return IsKnownTop() ? Decline(ec) : Push(kSkip);
      case kAlerts:
        alerts.emplace_back();
        return Push(kAlert);
      case kAlert:
        if (key_ == "labels") return Enter(0, kMap, &alerts.back().labels, ec);
        if (key_ == "annotations") return Enter(1, kMap, &alerts.back().annotations, ec);
        return IsKnownAlert() ? Decline(ec) : Push(kSkip);
      case kSkip: return Push(kSkip);
      default: return Decline(ec);
    }
  }
  bool on_object_end(std::size_t, boost::system::error_code& ec) {
    if (Where() == kAlert && (!seen_.back()[2] || !seen_.back()[0])) return Decline(ec);  // status, labels
    return Pop();
  }
  bool on_array_begin(boost::system::error_code& ec) {
    if (stack_.size() >= 64 || stack_.empty()) return Decline(ec);
    switch (Where()) {
      case kTop:
        if (key_ == "alerts") {
          saw_alerts = true;
          return Enter(3, kAlerts, nullptr, ec);
        }
        return IsKnownTop() ? Decline(ec) : Push(kSkip);
      case kAlert: return IsKnownAlert() ? Decline(ec) : Push(kSkip);
      case kSkip: return Push(kSkip);
      default: return Decline(ec);
    }
  }
  bool on_array_end(std::size_t, boost::system::error_code&) { return Pop(); }

  // A key or string may arrive in parts; `n` counts its bytes so far, so the first part is the one
  // whose size is n.
  bool on_key_part(std::string_view s, std::size_t n, boost::system::error_code&) {
    Collect(key_, s, n);
    return true;
  }
  bool on_key(std::string_view s, std::size_t n, boost::system::error_code&) {
    Collect(key_, s, n);
    return true;
  }
  bool on_string_part(std::string_view s, std::size_t n, boost::system::error_code&) {
    Collect(str_, s, n);
    return true;
  }
  bool on_string(std::string_view s, std::size_t n, boost::system::error_code& ec) {
    Collect(str_, s, n);
    return OnString(ec);
  }
  bool on_int64(int64_t, std::string_view, boost::system::error_code& ec) { return OnScalar(true, ec); }
  bool on_uint64(uint64_t, std::string_view, boost::system::error_code& ec) { return OnScalar(false, ec); }
  bool on_double(double, std::string_view, boost::system::error_code& ec) { return OnScalar(false, ec); }
  bool on_bool(bool, boost::system::error_code& ec) { return OnScalar(false, ec); }
  bool on_null(boost::system::error_code& ec) { return OnScalar(false, ec); }

 private:
  enum Kind { kTop, kAlerts, kAlert, kMap, kSkip };
  struct Frame {
    Kind kind;
    std::map<std::string, std::string>* map;
  };

  static void Collect(std::string& to, std::string_view s, std::size_t n) {
    if (n == s.size()) to.assign(s.data(), s.size());
    else to.append(s.data(), s.size());
  }
  Kind Where() const { return stack_.back().kind; }
  // Enters the value of known field `bit` (declining a repeat).
  bool Enter(size_t bit, Kind k, std::map<std::string, std::string>* m, boost::system::error_code& ec) {
    if (!Known(bit)) return Decline(ec);
    return Push(k, m);
  }
  bool Push(Kind k, std::map<std::string, std::string>* m = nullptr) {
    stack_.push_back({k, m});
    seen_.emplace_back();
    return true;
  }
  bool Pop() {
    stack_.pop_back();
    seen_.pop_back();
    return true;
  }
  static bool Decline(boost::system::error_code& ec) {
    ec = boost::json::error::syntax;  // any error: the tree reader takes over
    return false;
  }
  // Marks known field `bit` of the current object as seen; a repeat declines.
  bool Known(size_t bit) {
    if (seen_.back()[bit]) return false;
    seen_.back()[bit] = true;
    return true;
  }
  bool IsKnownTop() const {
    return key_ == "version" || key_ == "groupKey" || key_ == "status" || key_ == "receiver" ||
           key_ == "externalURL" || key_ == "truncatedAlerts" || key_ == "groupLabels" || key_ == "commonLabels" ||
           key_ == "commonAnnotations" || key_ == "alerts";
  }
  bool IsKnownAlert() const {
    return key_ == "status" || key_ == "labels" || key_ == "annotations" || key_ == "generatorURL" ||
           key_ == "fingerprint" || key_ == "startsAt" || key_ == "endsAt";
  }
  // Stores str_ in `out` (a string or an optional one; once per object: field `bit`).
  template <class Out>
  bool Take(size_t bit, Out& out) {
    if (!Known(bit)) return false;
    out = std::move(str_);
    return true;
  }
  bool OnString(boost::system::error_code& ec) {
    if (stack_.empty()) return Decline(ec);
    bool ok = true;
    switch (Where()) {
      case kTop:
        if (key_ == "version") ok = Take(4, hook.version);
        else if (key_ == "groupKey") ok = Take(5, hook.group_key);
        else if (key_ == "status") ok = Take(6, hook.status);
        else if (key_ == "receiver") ok = Take(7, hook.receiver);
        else if (key_ == "externalURL") ok = Take(8, hook.external_url);
        else ok = !IsKnownTop();
        break;
      case kAlert: {
        auto& a = alerts.back();
        if (key_ == "status") ok = Take(2, a.status);
        else if (key_ == "generatorURL") ok = Take(3, a.generator_url);
        else if (key_ == "fingerprint") ok = Take(4, a.fingerprint);
        else if (key_ == "startsAt") ok = Take(5, a.starts_at);
        else if (key_ == "endsAt") ok = Take(6, a.ends_at);
        else ok = !IsKnownAlert();
        break;
      }
      case kMap:
        // A repeated label goes to the tree reader; the common maps' values are not kept.
        if (stack_.back().map) ok = stack_.back().map->emplace(key_, std::move(str_)).second;
        break;
      case kSkip: break;
      default: ok = false;  // a string in the alerts array
    }
    str_.clear();
    return ok || Decline(ec);
  }
  bool OnScalar(bool is_int64, boost::system::error_code& ec) {
    if (stack_.empty()) return Decline(ec);
    switch (Where()) {
      case kTop:
        if (key_ == "truncatedAlerts" && is_int64) return Known(9) || Decline(ec);
        return !IsKnownTop() || Decline(ec);
      case kAlert: return !IsKnownAlert() || Decline(ec);
      case kSkip: return true;
      default: return Decline(ec);  // numbers, booleans and nulls in label maps go to the tree reader
    }
  }

  std::vector<Frame> stack_;
  std::vector<std::bitset<16>> seen_;
  std::string key_;
  std::string str_;
};

}  // namespace

std::optional<AlertmanagerWebhook> DecodeAlertmanagerFast(std::string_view body) {
  boost::json::parse_options opt;
  opt.max_depth = 64;
  boost::json::basic_parser<WebhookHandler> p(opt);
  boost::system::error_code ec;
  size_t n = p.write_some(false, body.data(), body.size(), ec);
  if (ec || n != body.size() || !p.done()) return std::nullopt;
  auto& h = p.handler();
  if (!h.saw_alerts) return std::nullopt;
  auto w = StartWebhook(std::move(h.hook), h.alerts.size());
  if (!w) return std::nullopt;
  for (size_t i = 0; i < h.alerts.size(); ++i) {
    auto e = BuildAlert(std::move(h.alerts[i]), i, w->group_key);
    if (!e) return std::nullopt;
    w->alerts.push_back(std::move(*e));
  }
  return std::move(*w);
}

Result<AlertmanagerWebhook> DecodeAlertmanager(std::string_view body) {
  if (auto fast = DecodeAlertmanagerFast(body)) return std::move(*fast);
  boost::json::monotonic_resource arena;
  FB_ASSIGN_OR_RETURN(auto v, ParseBody(body, boost::json::storage_ptr(&arena)));
  return DecodeAlertmanager(v);
}

Result<AlertmanagerWebhook> DecodeAlertmanager(const boost::json::value& body) {
  core::ObjectReader r(body, "");
  RawWebhook raw;
  raw.version = r.String("version");
  raw.group_key = r.String("groupKey");
  raw.status = r.String("status");
  raw.receiver = r.String("receiver");
  raw.external_url = r.String("externalURL");
  (void)r.Int("truncatedAlerts");
  (void)r.Object("groupLabels");
  (void)r.StringMap("commonLabels");
  (void)r.StringMap("commonAnnotations");
  const auto* alerts = r.Array("alerts", true);
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(auto w, StartWebhook(std::move(raw), alerts->size()));
  for (size_t i = 0; i < alerts->size(); ++i) {
    core::ObjectReader ar((*alerts)[i], "alerts[" + std::to_string(i) + "]");
    RawAlert a;
    auto status = ar.String("status", true);
    auto labels = ar.StringMap("labels", true);
    auto annotations = ar.StringMap("annotations");
    a.generator_url = ar.String("generatorURL").value_or("");
    a.fingerprint = ar.String("fingerprint").value_or("");
    a.starts_at = ar.String("startsAt");
    a.ends_at = ar.String("endsAt");
    FB_TRY(ar.status());
    a.status = std::move(*status);
    a.labels = std::move(*labels);
    if (annotations) a.annotations = std::move(*annotations);
    FB_ASSIGN_OR_RETURN(auto e, BuildAlert(std::move(a), i, w.group_key));
    w.alerts.push_back(std::move(e));
  }
  return w;
}

}  // namespace firebreak::ingest
