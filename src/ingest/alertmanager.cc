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
#include <algorithm>
#include <cstring>
#include <deque>
#include <tuple>

#include <boost/json/basic_parser_impl.hpp>

#include "core/strings.h"
#include "ingest/internal.h"

namespace firebreak::ingest {

namespace {

// One alert's fields as read, before the checks and defaults. The strings are views of what the
// reader holds (the request body, the JSON tree or the reader's own copies) until BuildAlert returns.
struct RawAlert {
  std::string_view status;
  model::LabelSet labels;
  std::map<std::string, std::string> annotations;
  std::string_view generator_url;
  std::string_view fingerprint;
  std::optional<std::string_view> starts_at;
  std::optional<std::string_view> ends_at;
  // The single-pass reader checks each label and annotation as it reads it (declining the webhook
  // otherwise), so BuildAlert need not walk the maps again.
  bool labels_checked = false;
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
  return w;
}

// m's value for `key`, if any. Label maps are small, and a scan that compares lengths first is
// cheaper than a search, each step of which compares whole strings (through memcmp).
template <class Map>
const std::string* FindIn(const Map& m, const std::string& key) {
  if (m.size() > 16) {
    auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
  }
  for (const auto& [k, v] : m)
    if (k.size() == key.size() && std::memcmp(k.data(), key.data(), key.size()) == 0) return &v;
  return nullptr;
}

}  // namespace

namespace internal {

void Describe(model::AlertEvent& e) {
  static const std::string kService = "service", kAlertName = "alertname";
  static const std::string kSummaryKeys[] = {"summary", "title", "message", "description"};
  if (const auto* service = FindIn(e.labels, kService)) e.service_hint = *service;
  // Summary: the conventional annotations, else the alert name.
  const std::string* text = nullptr;
  for (const auto& k : kSummaryKeys) {
    if ((text = FindIn(e.annotations, k)) && !text->empty()) break;
    text = nullptr;
  }
  const std::string* name_entry = FindIn(e.labels, kAlertName);
  std::string_view name = name_entry ? std::string_view(*name_entry) : std::string_view();
  if (!text) {
    if (name.empty()) e.summary = "Alert " + e.dedup_key;
    else e.summary = name;
  } else if (!name.empty() && text->find(name) == std::string::npos) {
    e.summary.reserve(name.size() + 2 + text->size());
    e.summary.append(name).append(": ", 2).append(*text);
  } else {
    e.summary = *text;
  }
  if (e.summary.size() > kMaxSummary) e.summary = core::Truncate(e.summary, kMaxSummary);
}

}  // namespace internal

namespace {

// alerts[i] from its fields, into `e` (built in place: an AlertEvent is large to move): the checks
// and defaults both readers apply; everything but group_key, which the caller sets. Field paths are
// built only for an error (this runs for every alert of every webhook).
Status BuildAlert(RawAlert&& raw, size_t i, model::AlertEvent& e) {
  auto path = [i](std::string_view field) { return "alerts[" + std::to_string(i) + "]." + std::string(field); };
  e.generator_url = raw.generator_url;
  e.dedup_key = raw.fingerprint;
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
  if (!raw.labels_checked) {
    FB_TRY(internal::CheckLabels(e.labels, [&] { return path("labels"); }));
    FB_TRY(internal::CheckLabels(e.annotations, [&] { return path("annotations"); }));
  }
  if (e.dedup_key.size() > kMaxDedupKey) return InvalidArgument("fingerprint is too long", path("fingerprint"));
  if (e.dedup_key.empty()) e.dedup_key = Fingerprint(e.labels);
  internal::Describe(e);
  return Ok();
}

// ---- the single-pass reader -------------------------------------------------------------------

// A boost::json::basic_parser handler that builds the webhook's alerts as the bytes stream by (each
// alert when its object ends). It returns false (declines) on anything the tree reader treats
// specially: a known field of another type or null, a key repeated in any object (a known field, a
// label, or a key of a skipped value), label values that are not strings, nesting past 64 levels,
// and any error at all.
//
// Costs it avoids, per alert: strings that arrive whole and unescaped are used in place, as views
// of the body (which outlives the parse), and copied once, into the AlertEvent; a key is resolved to
// a known field once, by its length; labels arriving in order (Alertmanager sorts them) are
// appended to their map with a hint instead of searched for; and labels are checked against the
// limits as they are inserted.
class WebhookHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit WebhookHandler(std::string_view body) : body_(body) {
    stack_.reserve(8);
    stack_.push_back({kDocument});
    // A guess at the number of alerts (real ones take some hundreds of bytes), so the events are
    // rarely moved as the vector grows; bounded by the body's size.
    alerts.reserve(std::min(body.size() / 256 + 1, kMaxAlertsPerRequest));
  }

  RawWebhook hook;
  std::vector<model::AlertEvent> alerts;  // built but for group_key, which may come last
  bool saw_alerts = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }

  bool on_object_begin(boost::system::error_code& ec) {
    if (stack_.size() > 64) return Decline(ec);
    switch (Where()) {
      case kDocument: return Push(kTop);
      case kTop:
        switch (field_) {
          case kGroupLabels: return Enter(kSkip, nullptr, nullptr, ec);
          case kCommonLabels:
          case kCommonAnnotations: return Enter(kMap, nullptr, nullptr, ec);
          case kOther: return Push(kSkip);
          default: return Decline(ec);
        }
      case kAlerts:
        // Past the limit the tree reader names the error.
        if (alerts.size() >= kMaxAlertsPerRequest) return Decline(ec);
        alert_ = RawAlert();
        alert_.labels_checked = true;
        return Push(kAlert);
      case kAlert:
        switch (field_) {
          case kLabels: return Enter(kMap, nullptr, &alert_.labels, ec);
          case kAnnotations: return Enter(kMap, &alert_.annotations, nullptr, ec);
          case kOther: return Push(kSkip);
          default: return Decline(ec);
        }
      case kSkip: return Push(kSkip);
      default: return Decline(ec);
    }
  }
  bool on_object_end(std::size_t, boost::system::error_code& ec) {
    if (Where() == kAlert && !FinishAlert()) return Decline(ec);
    Pop();
    return true;
  }
  bool on_array_begin(boost::system::error_code& ec) {
    if (stack_.size() > 64) return Decline(ec);
    switch (Where()) {
      case kTop:
        if (field_ == kAlertsField) {
          saw_alerts = true;
          return Enter(kAlerts, nullptr, nullptr, ec);
        }
        return field_ == kOther ? Push(kSkip) : Decline(ec);
      case kAlert: return field_ == kOther ? Push(kSkip) : Decline(ec);
      case kSkip: return Push(kSkip);
      default: return Decline(ec);
    }
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    Pop();
    return true;
  }

  // A key or string may arrive in parts (around escapes); `n` counts its bytes so far, so the first
  // part is the one whose size is n. What a skipped value holds is not kept.
  bool on_key_part(std::string_view s, std::size_t n, boost::system::error_code&) {
    Collect(key_buf_, s, n);
    return true;
  }
  // A key repeated in its object declines (the tree reader names it). Known fields (Known()) and
  // label and annotation maps (AddTo()) find their repeats themselves; the other keys of the webhook
  // and of an alert, and every key of a skipped value or of a common map, are looked up in others_.
  [[gnu::always_inline]] bool on_key(std::string_view s, std::size_t n, boost::system::error_code& ec) {
    Kind k = Where();
    key_ = Whole(s, n, key_buf_);
    if (k == kTop) field_ = TopField(key_);
    else if (k == kAlert) field_ = AlertField(key_);
    else if (k == kMap && (stack_.back().labels || stack_.back().map)) return true;
    else return OtherKey(ec);
    return field_ != kOther || OtherKey(ec);
  }
  bool on_string_part(std::string_view s, std::size_t n, boost::system::error_code&) {
    if (Where() != kSkip) Collect(str_buf_, s, n);
    return true;
  }
  bool on_string(std::string_view s, std::size_t n, boost::system::error_code& ec) {
    if (Where() == kSkip) return true;
    return OnString(Whole(s, n, str_buf_)) || Decline(ec);
  }
  bool on_int64(int64_t, std::string_view, boost::system::error_code& ec) { return OnScalar(true, ec); }
  bool on_uint64(uint64_t, std::string_view, boost::system::error_code& ec) { return OnScalar(false, ec); }
  bool on_double(double, std::string_view, boost::system::error_code& ec) { return OnScalar(false, ec); }
  bool on_bool(bool, boost::system::error_code& ec) { return OnScalar(false, ec); }
  bool on_null(boost::system::error_code& ec) { return OnScalar(false, ec); }

 private:
  // What the value being read is part of: the document (nothing yet), the webhook object, the alerts
  // array, an alert, a string map, or a value nobody reads.
  enum Kind : uint8_t { kDocument, kTop, kAlerts, kAlert, kMap, kSkip };
  // The known fields of the webhook and of an alert (also bits of Frame::seen).
  enum Field : uint8_t {
    kOther,  // any other key: its value is skipped
    kVersion, kGroupKey, kStatus, kReceiver, kExternalUrl, kTruncatedAlerts, kGroupLabels, kCommonLabels,
    kCommonAnnotations, kAlertsField,                                              // webhook
    kLabels, kAnnotations, kGeneratorUrl, kFingerprint, kStartsAt, kEndsAt,  // alert (and kStatus)
  };
  struct Frame {
    Kind kind;
    uint32_t seen = 0;                               // known fields of this object read so far
    std::map<std::string, std::string>* map = nullptr;  // kMap: where annotations go
    model::LabelSet* labels = nullptr;                  // kMap: where labels go (neither: only checked)
  };

  // k == lit, compared inline (std::string_view's operator== calls memcmp).
  template <size_t N>
  static bool Is(std::string_view k, const char (&lit)[N]) {
    return k.size() == N - 1 && __builtin_memcmp(k.data(), lit, N - 1) == 0;
  }
  static Field TopField(std::string_view k) {
    switch (k.size()) {
      case 6: return Is(k, "status") ? kStatus : Is(k, "alerts") ? kAlertsField : kOther;
      case 7: return Is(k, "version") ? kVersion : kOther;
      case 8: return Is(k, "groupKey") ? kGroupKey : Is(k, "receiver") ? kReceiver : kOther;
      case 11: return Is(k, "externalURL") ? kExternalUrl : Is(k, "groupLabels") ? kGroupLabels : kOther;
      case 12: return Is(k, "commonLabels") ? kCommonLabels : kOther;
      case 15: return Is(k, "truncatedAlerts") ? kTruncatedAlerts : kOther;
      case 17: return Is(k, "commonAnnotations") ? kCommonAnnotations : kOther;
      default: return kOther;
    }
  }
  static Field AlertField(std::string_view k) {
    switch (k.size()) {
      case 6: return Is(k, "status") ? kStatus : Is(k, "labels") ? kLabels : Is(k, "endsAt") ? kEndsAt : kOther;
      case 8: return Is(k, "startsAt") ? kStartsAt : kOther;
      case 11: return Is(k, "annotations") ? kAnnotations : Is(k, "fingerprint") ? kFingerprint : kOther;
      case 12: return Is(k, "generatorURL") ? kGeneratorUrl : kOther;
      default: return kOther;
    }
  }

  static void Collect(std::string& to, std::string_view s, std::size_t n) {
    if (n == s.size()) to.assign(s.data(), s.size());
    else to.append(s.data(), s.size());
  }
  // The whole key or string whose last part is `s`: `s` itself when it is all of it and lies in the
  // body (unescaped); else `buf`, gathering the parts (an escaped string's parts are in the parser's
  // scratch buffer, which the next string reuses).
  std::string_view Whole(std::string_view s, std::size_t n, std::string& buf) const {
    if (n == s.size() && InBody(s)) return s;
    Collect(buf, s, n);
    return buf;
  }
  // Whether `s` lies in the body. Any string seen here lies either in the body or in a buffer of the
  // parser's or of this handler, never partly in both, so its start tells (one unsigned comparison).
  bool InBody(std::string_view s) const {
    return reinterpret_cast<uintptr_t>(s.data()) - reinterpret_cast<uintptr_t>(body_.data()) < body_.size();
  }
  // `v` kept until the alert is built: a view of the body, else a copy in field f's own buffer.
  std::string_view Keep(std::string_view v, Field f) {
    if (InBody(v)) return v;
    auto& buf = alert_buf_[f == kStatus ? 0 : f - kGeneratorUrl + 1];
    buf.assign(v.data(), v.size());
    return buf;
  }

  Kind Where() const { return stack_.back().kind; }
  // key_ as a key nothing else checks for repeats: compared with the object's other such keys (out
  // of line: the common keys never get here). Past kMaxOtherKeys of them the tree reader, which
  // uses a hash set, takes over, so a body of many keys costs no quadratic search here.
  [[gnu::noinline]] bool OtherKey(boost::system::error_code& ec) {
    const uint32_t depth = static_cast<uint32_t>(stack_.size());
    if (other_objects_.empty() || other_objects_.back().depth != depth)
      other_objects_.push_back({depth, static_cast<uint32_t>(others_.size())});
    const std::size_t begin = other_objects_.back().begin;
    if (others_.size() - begin >= kMaxOtherKeys) return Decline(ec);
    for (std::size_t i = begin; i < others_.size(); ++i)
      if (others_[i] == key_) return Decline(ec);
    others_.push_back(InBody(key_) ? key_ : std::string_view(other_copies_.emplace_back(key_)));
    return true;
  }
  void Pop() {
    if (!other_objects_.empty() && other_objects_.back().depth == stack_.size()) [[unlikely]] {
      others_.resize(other_objects_.back().begin);
      other_objects_.pop_back();
    }
    stack_.pop_back();
  }
  // Enters the value of the current known field (declining a repeat).
  bool Enter(Kind k, std::map<std::string, std::string>* m, model::LabelSet* labels, boost::system::error_code& ec) {
    if (!Known()) return Decline(ec);
    stack_.push_back({k, 0, m, labels});
    return true;
  }
  bool Push(Kind k) {
    stack_.push_back({k});
    return true;
  }
  static bool Decline(boost::system::error_code& ec) {
    ec = boost::json::error::syntax;  // any error: the tree reader takes over
    return false;
  }
  // Marks the current known field of the current object as seen; a repeat declines.
  bool Known() {
    uint32_t bit = 1u << field_;
    if (stack_.back().seen & bit) return false;
    stack_.back().seen |= bit;
    return true;
  }

  bool OnString(std::string_view v) {
    switch (Where()) {
      case kTop: {
        std::optional<std::string>* out = nullptr;
        switch (field_) {
          case kVersion: out = &hook.version; break;
          case kGroupKey: out = &hook.group_key; break;
          case kStatus: out = &hook.status; break;
          case kReceiver: out = &hook.receiver; break;
          case kExternalUrl: out = &hook.external_url; break;
          case kOther: return true;
          default: return false;  // a known field of another type
        }
        if (!Known()) return false;
        out->emplace(v);
        return true;
      }
      case kAlert:
        switch (field_) {
          case kStatus: return Known() && (alert_.status = Keep(v, kStatus), true);
          case kGeneratorUrl: return Known() && (alert_.generator_url = Keep(v, kGeneratorUrl), true);
          case kFingerprint: return Known() && (alert_.fingerprint = Keep(v, kFingerprint), true);
          case kStartsAt: return Known() && (alert_.starts_at = Keep(v, kStartsAt), true);
          case kEndsAt: return Known() && (alert_.ends_at = Keep(v, kEndsAt), true);
          case kOther: return true;
          default: return false;
        }
      case kMap: return AddEntry(v);
      default: return false;  // a string in the alerts array, or the whole document
    }
  }
  // key_: v into the current map. The common maps' entries are not kept (only their types matter).
  bool AddEntry(std::string_view v) {
    const Frame& f = stack_.back();
    if (f.labels) return AddTo(*f.labels, v);
    if (f.map) return AddTo(*f.map, v);
    return true;
  }
  template <class Map>
  bool AddTo(Map& m, std::string_view v) {
    // The limits internal::CheckLabels applies: past them the tree reader names the entry.
    if (key_.empty() || key_.size() > kMaxLabelName || v.size() > kMaxLabelValue || m.size() >= kMaxLabels)
      return false;
    // Alertmanager sends labels sorted by name, so each one usually goes after the last: with the
    // end as the hint, that takes one comparison instead of a search. Out of order, the hint is no
    // help and the map searches; a repeat is not inserted, and declines.
    size_t size = m.size();
    if constexpr (std::is_same_v<Map, model::LabelSet>) {
      if (size == 0) m.reserve(8);  // a typical alert's labels in one allocation, not one per doubling
      m.emplace_hint(m.end(), key_, v);
    } else {
      m.emplace_hint(m.end(), std::piecewise_construct, std::forward_as_tuple(key_), std::forward_as_tuple(v));
    }
    return m.size() != size;
  }
  bool OnScalar(bool is_int64, boost::system::error_code& ec) {
    switch (Where()) {
      case kTop:
        if (field_ == kTruncatedAlerts && is_int64) return Known() || Decline(ec);
        return field_ == kOther || Decline(ec);
      case kAlert: return field_ == kOther || Decline(ec);
      case kSkip: return true;
      default: return Decline(ec);  // numbers, booleans and nulls in label maps: the tree reader refuses them
    }
  }
  // At the end of an alert's object: it needs a status and labels; then it is built.
  bool FinishAlert() {
    uint32_t seen = stack_.back().seen;
    if (!(seen & (1u << kStatus)) || !(seen & (1u << kLabels))) return false;
    size_t i = alerts.size();
    return BuildAlert(std::move(alert_), i, alerts.emplace_back()).has_value();
  }

  std::string_view body_;
  std::vector<Frame> stack_;
  static constexpr std::size_t kMaxOtherKeys = 16;
  struct OtherObject {
    uint32_t depth;  // the object's stack_.size()
    uint32_t begin;  // its first key in others_
  };
  std::vector<OtherObject> other_objects_;  // the open objects OtherKey has seen, innermost last
  std::vector<std::string_view> others_;    // their keys
  std::deque<std::string> other_copies_;  // those that are not views of the body (escaped ones)
  std::string_view key_;  // the current key: a view of the body or of key_buf_
  Field field_ = kOther;  // key_ as a known field of the current object (kTop, kAlert)
  std::string key_buf_, str_buf_;
  RawAlert alert_;                   // the alert being read
  std::string alert_buf_[5];         // its string fields that are not views of the body
};

}  // namespace

std::optional<AlertmanagerWebhook> DecodeAlertmanagerFast(std::string_view body) {
  boost::json::parse_options opt;
  opt.max_depth = 64;
  boost::json::basic_parser<WebhookHandler> p(opt, body);
  boost::system::error_code ec;
  size_t n = p.write_some(false, body.data(), body.size(), ec);
  if (ec || n != body.size() || !p.done()) return std::nullopt;
  auto& h = p.handler();
  if (!h.saw_alerts) return std::nullopt;
  auto w = StartWebhook(std::move(h.hook), h.alerts.size());
  if (!w) return std::nullopt;
  w->alerts = std::move(h.alerts);
  for (auto& e : w->alerts) e.group_key = w->group_key;
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
  (void)internal::ReadStrings(r, "commonLabels");
  (void)internal::ReadStrings(r, "commonAnnotations");
  const auto* alerts = r.Array("alerts", true);
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(auto w, StartWebhook(std::move(raw), alerts->size()));
  w.alerts.reserve(alerts->size());
  for (size_t i = 0; i < alerts->size(); ++i) {
    core::ObjectReader ar((*alerts)[i], "alerts[" + std::to_string(i) + "]");
    auto status = ar.String("status", true);
    auto labels = internal::ReadStrings(ar, "labels", true);
    auto annotations = internal::ReadStrings(ar, "annotations");
    auto generator_url = ar.String("generatorURL");
    auto fingerprint = ar.String("fingerprint");
    auto starts_at = ar.String("startsAt");
    auto ends_at = ar.String("endsAt");
    FB_TRY(ar.status());
    RawAlert a;
    a.status = *status;
    a.labels = model::LabelSet(*labels);
    if (annotations) a.annotations = std::move(*annotations);
    if (generator_url) a.generator_url = *generator_url;
    if (fingerprint) a.fingerprint = *fingerprint;
    if (starts_at) a.starts_at = *starts_at;
    if (ends_at) a.ends_at = *ends_at;
    auto& e = w.alerts.emplace_back();
    FB_TRY(BuildAlert(std::move(a), i, e));
    e.group_key = w.group_key;
  }
  return w;
}

}  // namespace firebreak::ingest
