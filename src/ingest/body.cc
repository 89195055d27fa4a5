// Shared pieces of the decoders: body parsing with field-accurate UTF-8 errors, fingerprints,
// label checks, change-kind guessing.
#include <cstring>

#include "core/crypto.h"
#include "core/json.h"
#include "core/json_strict.h"
#include "core/strings.h"
#include "ingest/internal.h"

namespace firebreak::ingest {

namespace {
// Depth-first search for the first string (key or value) that is not valid UTF-8.
bool FindBadUtf8(const boost::json::value& v, std::string& path) {
  if (v.is_string()) return !core::IsValidUtf8(v.get_string());
  if (v.is_array()) {
    const auto& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      std::string sub = path + "[" + std::to_string(i) + "]";
      if (FindBadUtf8(a[i], sub)) {
        path = std::move(sub);
        return true;
      }
    }
    return false;
  }
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      std::string_view key = kv.key();
      if (!core::IsValidUtf8(key)) {
        path = path.empty() ? "(a key)" : path + ".(a key)";
        return true;
      }
      std::string sub = path.empty() ? std::string(key) : path + "." + std::string(key);
      if (FindBadUtf8(kv.value(), sub)) {
        path = std::move(sub);
        return true;
      }
    }
  }
  return false;
}
}  // namespace

Result<boost::json::value> ParseBody(std::string_view body, boost::json::storage_ptr storage) {
  if (core::Trim(body).empty()) return InvalidArgument("the request body is empty; expected a JSON object", "body");
  auto strict = core::ParseJsonStrict(body, std::move(storage));
  if (strict) return strict;
  if (!strict.error().field.empty()) return strict;  // a repeated key, named by its path
  // Was it only bad UTF-8? Parse again leniently to name the field that holds it.
  boost::json::parse_options opt;
  opt.max_depth = 64;
  opt.allow_invalid_utf8 = true;
  boost::system::error_code ec;
  boost::json::value lenient = boost::json::parse(body, ec, {}, opt);
  if (!ec) {
    std::string path;
    if (FindBadUtf8(lenient, path)) {
      // Escape the path itself, which may contain the bad bytes.
      std::string shown;
      for (char c : path) shown += (static_cast<unsigned char>(c) < 0x80) ? c : '?';
      // A body that is itself one bad string has no field path.
      if (shown.empty()) return InvalidArgument("the body is a string that is not valid UTF-8", "body");
      return InvalidArgument("field '" + shown + "' is not valid UTF-8", shown);
    }
  }
  return InvalidArgument(strict.error().message, "body");
}

std::string Fingerprint(const model::LabelSet& labels, const std::vector<std::string>& names) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&](std::string_view s) {
    h = core::Fnv1a64(s, h);
    h = core::Fnv1a64(std::string_view("\xff", 1), h);
  };
  if (names.empty()) {
    for (const auto& [k, v] : labels) {
      mix(k);
      mix(v);
    }
  } else {
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    for (const auto& k : sorted) {
      auto it = labels.find(k);
      mix(k);
      mix(it == labels.end() ? std::string_view("\xfe", 1) : std::string_view(it->second));
    }
  }
  static const char* kHex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[i] = kHex[h & 0xf];
    h >>= 4;
  }
  return out;
}

namespace internal {

namespace {
template <class Map>
Status CheckMap(const Map& labels, const std::function<std::string()>& field_of) {
  if (labels.size() > kMaxLabels) {
    const std::string field = field_of();
    return InvalidArgument("too many entries in '" + field + "' (" + std::to_string(labels.size()) + ", max " +
                               std::to_string(kMaxLabels) + ")",
                           field);
  }
  for (const auto& [k, v] : labels) {
    if (!k.empty() && k.size() <= kMaxLabelName && v.size() <= kMaxLabelValue) continue;
    const std::string field = field_of();
    if (k.empty()) return InvalidArgument("empty name in '" + field + "'", field);
    if (k.size() > kMaxLabelName)
      return InvalidArgument("a name in '" + field + "' is longer than " + std::to_string(kMaxLabelName) + " bytes",
                             field);
    return InvalidArgument("value of '" + field + "." + k + "' is longer than " + std::to_string(kMaxLabelValue) +
                               " bytes",
                           field + "." + k);
  }
  return Ok();
}

}  // namespace

Status CheckLabels(const std::map<std::string, std::string>& labels, const std::function<std::string()>& field) {
  return CheckMap(labels, field);
}
Status CheckLabels(const model::LabelSet& labels, const std::function<std::string()>& field) {
  return CheckMap(labels, field);
}
Status CheckLabels(const std::map<std::string, std::string>& labels, const std::string& field) {
  return CheckMap(labels, [&] { return field; });
}
Status CheckLabels(const model::LabelSet& labels, const std::string& field) {
  return CheckMap(labels, [&] { return field; });
}

std::optional<core::TimePoint> ParseCommonRfc3339(std::string_view s) {
  using namespace std::chrono;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
  bool ok = true;
  auto num = [&](size_t pos, size_t n) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      unsigned d = static_cast<unsigned char>(s[i]) - '0';
      ok &= d <= 9;
      v = v * 10 + static_cast<int>(d);
    }
    return v;
  };
  int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  // A leap second (se == 60) is clamped by the general parser: left to it.
  if (!ok || h > 23 || mi > 59 || se > 59) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  size_t pos = 19;
  int ms = 0;
  if (s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
    // Milliseconds: the first three digits, the rest truncated (as the general parser does).
    for (size_t i = 0; i < 3; ++i) ms = ms * 10 + (start + i < pos ? s[start + i] - '0' : 0);
  }
  size_t rest = s.size() - pos;
  if (!(rest == 1 && s[pos] == 'Z') && !(rest == 6 && std::memcmp(s.data() + pos, "+00:00", 6) == 0))
    return std::nullopt;
  return core::TimePoint(sys_days(ymd).time_since_epoch()) + hours(h) + minutes(mi) + seconds(se) + core::Millis(ms);
}

Result<std::optional<core::TimePoint>> ParseOptionalTime(std::optional<std::string_view> s) {
  if (!s) return std::optional<core::TimePoint>();
  // Go's zero time ("0001-01-01T00:00:00Z") means "not set" in Alertmanager payloads. It is every
  // firing alert's endsAt, so its usual spelling is recognized before any parsing.
  if (s->size() == 20 && std::memcmp(s->data(), "0001-01-01T00:00:00Z", 20) == 0)
    return std::optional<core::TimePoint>();
  auto t = ParseCommonRfc3339(*s);
  if (!t) {
    auto full = core::ParseRfc3339(*s);
    if (!full) return Unexpected(full.error());
    t = *full;
  }
  // Any time before the epoch counts as unset (Go's zero time in any other spelling).
  if (core::ToUnixMillis(*t) < 0) return std::optional<core::TimePoint>();
  return t;
}

Result<std::optional<core::TimePoint>> ParseOptionalTime(const std::optional<std::string>& s) {
  return ParseOptionalTime(s ? std::optional<std::string_view>(*s) : std::nullopt);
}

Result<std::optional<core::TimePoint>> ReadTime(core::ObjectReader& r, std::string_view key) {
  auto s = r.String(key);
  // A time of another JSON type (a number, an object...) is an error naming the field, not "unset".
  FB_TRY(r.status());
  auto t = ParseOptionalTime(s);
  if (!t) return InvalidArgument(t.error().message, r.PathOf(key));
  return t;
}

Status CheckLength(std::string_view v, const std::string& field) {
  if (v.size() <= kMaxLabelValue) return Ok();
  return InvalidArgument("'" + field + "' is longer than " + std::to_string(kMaxLabelValue) + " bytes", field);
}

namespace {
// An optional string field of a link or image, bounded like a label value; errors name it.
std::optional<std::string> BoundedString(core::ObjectReader& r, std::string_view key, bool required = false) {
  auto v = r.String(key, required);
  if (v) {
    if (auto st = CheckLength(*v, r.PathOf(key)); !st) r.Fail(key, st.error().message);
  }
  return v;
}
}  // namespace

Result<std::vector<model::Link>> ReadLinks(core::ObjectReader& r, std::string_view key, bool strings_allowed) {
  std::vector<model::Link> out;
  const auto* arr = r.Array(key);
  FB_TRY(r.status());
  if (!arr) return out;
  if (arr->size() > 100) return InvalidArgument("too many links (max 100)", r.PathOf(key));
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string path = r.PathOf(key) + "[" + std::to_string(i) + "]";
    const auto& e = (*arr)[i];
    if (e.is_string() && strings_allowed) {
      FB_TRY(CheckLength(e.get_string(), path));
      out.push_back(model::Link{std::string(e.get_string()), ""});
      continue;
    }
    core::ObjectReader lr(e, path);  // anything but an object is an error naming links[i]
    model::Link l;
    l.href = BoundedString(lr, "href", true).value_or("");
    l.text = BoundedString(lr, "text").value_or("");
    FB_TRY(lr.status());
    out.push_back(std::move(l));
  }
  return out;
}

Result<std::vector<model::Image>> ReadImages(core::ObjectReader& r, std::string_view key) {
  std::vector<model::Image> out;
  const auto* arr = r.Array(key);
  FB_TRY(r.status());
  if (!arr) return out;
  if (arr->size() > 100) return InvalidArgument("too many images (max 100)", r.PathOf(key));
  for (size_t i = 0; i < arr->size(); ++i) {
    core::ObjectReader ir((*arr)[i], r.PathOf(key) + "[" + std::to_string(i) + "]");
    model::Image im;
    im.src = BoundedString(ir, "src", true).value_or("");
    im.href = BoundedString(ir, "href").value_or("");
    im.alt = BoundedString(ir, "alt").value_or("");
    FB_TRY(ir.status());
    out.push_back(std::move(im));
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ReadStrings(core::ObjectReader& r, std::string_view key,
                                                              bool required) {
  const auto* o = r.Object(key, required);
  if (!o) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& kv : *o) {
    const auto& v = kv.value();
    if (!v.is_string()) [[unlikely]] {
      const char* kind = v.is_number() ? "a number" : v.is_bool() ? "a boolean" : v.is_null() ? "null"
                         : v.is_object() ? "an object" : "an array";
      const std::string entry = std::string(key) + "." + std::string(kv.key());
      r.Fail(entry, "field '" + r.PathOf(entry) + "' must be a string, got " + kind);
      return std::nullopt;
    }
    out.emplace_hint(out.end(), kv.key(), v.get_string());
  }
  return out;
}

std::string ScalarText(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return boost::json::serialize(v);
}

}  // namespace internal

std::string GuessChangeKind(std::string_view summary, const std::map<std::string, std::string>& labels) {
  for (const char* k : {"kind", "type", "change_type"}) {
    auto it = labels.find(k);
    if (it == labels.end()) continue;
    std::string v = core::ToLower(it->second);
    for (const char* known : {"deploy", "config", "feature_flag", "rollback", "other"})
      if (v == known) return v;
  }
  std::string s = core::ToLower(summary);
  auto has = [&](const char* w) { return s.find(w) != std::string::npos; };
  if (has("rollback") || has("roll back") || has("rolled back") || has("revert")) return "rollback";
  if (has("feature flag") || has("feature_flag") || has("flag ") || has("toggle")) return "feature_flag";
  if (has("config") || has("setting")) return "config";
  if (has("deploy") || has("release") || has("rollout") || has("roll out") || has("upgrade") || has("version"))
    return "deploy";
  return "other";
}

}  // namespace firebreak::ingest
