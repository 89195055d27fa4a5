#include "core/json.h"

#include "core/json_strict.h"
#include "core/json_text.h"
#include "core/time.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace firebreak::core {

Result<json::value> ParseJson(std::string_view text, size_t max_depth) {
  return ParseJsonExact(text, {}, max_depth);
}

namespace {

bool HasDouble(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: return true;
    case json::kind::array:
      return std::any_of(v.get_array().begin(), v.get_array().end(), [](const auto& e) { return HasDouble(e); });
    case json::kind::object:
      return std::any_of(v.get_object().begin(), v.get_object().end(),
                         [](const auto& kv) { return HasDouble(kv.value()); });
    default: return false;
  }
}

// ToJson writes numbers as people write them: a double is its shortest round-trip decimal form
// ("0.194", "2.0", "1e+21"; Boost.JSON alone writes "1.94E-1" and "2E0"), and a non-finite double,
// which JSON cannot express, is null.
void AppendDouble(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  out += s;
  // Keep it a floating-point number for readers that tell the two apart ("2" would read as an int).
  if (s.find_first_of(".e") == std::string_view::npos) out += ".0";
}

// The two ways Firebreak writes a JSON tree. Canonical (for hashes: the audit chain, fingerprints)
// sorts object keys and keeps Boost.JSON's form of doubles, so that stored hashes stay valid;
// readable (ToJson) keeps key order and writes doubles with AppendDouble. Strings are the same in
// both, and as Boost.JSON writes them.
enum class Style { kCanonical, kReadable };

void Write(const json::value& v, Style style, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      std::vector<const json::key_value_pair*> kv;
      kv.reserve(o.size());
      for (const auto& p : o) kv.push_back(&p);
      if (style == Style::kCanonical)
        std::sort(kv.begin(), kv.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
      out += '{';
      bool first = true;
      for (auto* p : kv) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, p->key());
        out += ':';
        Write(p->value(), style, out);
      }
      out += '}';
      break;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        Write(e, style, out);
      }
      out += ']';
      break;
    }
    case json::kind::double_:
      if (style == Style::kReadable) AppendDouble(v.get_double(), out);
      else out += json::serialize(v);
      break;
    case json::kind::string: AppendJsonString(out, v.get_string()); break;
    default: out += json::serialize(v);
  }
}

std::string_view KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "unknown";
}
}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  // Boost.JSON escapes only '"', '\\' and control characters (other bytes, UTF-8 included, go out
  // as they are), so a string without them is copied between quotes.
  bool plain = std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
  });
  if (!plain) {
    out += json::serialize(json::string_view(s.data(), s.size()));
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

std::string ToJson(const json::value& v) {
  // Most documents hold no double (every ingest answer, for one): Boost.JSON's serializer as it is.
  if (!HasDouble(v)) return json::serialize(v);
  std::string out;
  Write(v, Style::kReadable, out);
  return out;
}

std::string CanonicalJson(const json::value& v) {
  std::string out;
  Write(v, Style::kCanonical, out);
  return out;
}

ObjectReader::ObjectReader(const json::value& v, std::string path) : path_(std::move(path)) {
  if (!v.is_object()) {
    error_ = Error{ErrorCode::kInvalidArgument,
                   (path_.empty() ? std::string("body") : path_) + " must be a JSON object, got " +
                       std::string(KindName(v)),
                   path_.empty() ? std::string("body") : path_};
  } else {
    obj_ = &v.get_object();
  }
}

Status ObjectReader::status() const {
  if (error_) return Unexpected(*error_);
  return Ok();
}

std::string ObjectReader::PathOf(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

std::optional<TimePoint> ObjectReader::Time(std::string_view key, bool required) {
  auto s = String(key, required);
  if (!s) return std::nullopt;
  auto t = ParseRfc3339(*s);
  if (!t) {
    Fail(key, PathOf(key) + ": " + t.error().message);
    return std::nullopt;
  }
  return *t;
}

void ObjectReader::Fail(std::string_view key, std::string message) {
  if (!error_) error_ = Error{ErrorCode::kInvalidArgument, std::move(message), PathOf(key)};
}

const json::value* ObjectReader::Raw(std::string_view key) const {
  if (!obj_) return nullptr;
  auto it = obj_->find(key);
  return it == obj_->end() ? nullptr : &it->value();
}

bool ObjectReader::Has(std::string_view key) const {
  const auto* v = Raw(key);
  return v && !v->is_null();
}

const json::value* ObjectReader::Find(std::string_view key, bool required) {
  if (error_) return nullptr;
  const auto* v = Raw(key);
  if (!v || v->is_null()) {
    if (required) Fail(key, "missing required field '" + PathOf(key) + "'");
    return nullptr;
  }
  return v;
}

std::optional<std::string> ObjectReader::String(std::string_view key, bool required) {
  const auto* v = Find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Fail(key, "field '" + PathOf(key) + "' must be a string, got " + std::string(KindName(*v)));
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<int64_t> ObjectReader::Int(std::string_view key, bool required) {
  const auto* v = Find(key, required);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) {
    double d = v->get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
  }
  Fail(key, "field '" + PathOf(key) + "' must be an integer, got " + std::string(KindName(*v)));
  return std::nullopt;
}

std::optional<double> ObjectReader::Number(std::string_view key, bool required) {
  const auto* v = Find(key, required);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  Fail(key, "field '" + PathOf(key) + "' must be a number, got " + std::string(KindName(*v)));
  return std::nullopt;
}

std::optional<bool> ObjectReader::Bool(std::string_view key, bool required) {
  const auto* v = Find(key, required);
  if (!v) return std::nullopt;
  if (v->is_bool()) return v->get_bool();
  Fail(key, "field '" + PathOf(key) + "' must be a boolean, got " + std::string(KindName(*v)));
  return std::nullopt;
}

const json::object* ObjectReader::Object(std::string_view key, bool required) {
  const auto* v = Find(key, required);
  if (!v) return nullptr;
  if (!v->is_object()) {
    Fail(key, "field '" + PathOf(key) + "' must be an object, got " + std::string(KindName(*v)));
    return nullptr;
  }
  return &v->get_object();
}

const json::array* ObjectReader::Array(std::string_view key, bool required) {
  const auto* v = Find(key, required);
  if (!v) return nullptr;
  if (!v->is_array()) {
    Fail(key, "field '" + PathOf(key) + "' must be an array, got " + std::string(KindName(*v)));
    return nullptr;
  }
  return &v->get_array();
}

std::optional<std::vector<std::string>> ObjectReader::StringArray(std::string_view key,
                                                                  bool required) {
  const auto* a = Array(key, required);
  if (!a) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    const auto& e = (*a)[i];
    if (!e.is_string()) {
      Fail(key, "field '" + PathOf(key) + "[" + std::to_string(i) + "]' must be a string, got " +
                    std::string(KindName(e)));
      return std::nullopt;
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ObjectReader::StringMap(std::string_view key,
                                                                         bool required) {
  const auto* o = Object(key, required);
  if (!o) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& kv : *o) {
    const auto& v = kv.value();
    if (v.is_string()) {
      out.emplace(kv.key(), v.get_string());
    } else if (v.is_number() || v.is_bool()) {
      out.emplace(kv.key(), json::serialize(v));
    } else if (v.is_null()) {
      continue;
    } else {
      Fail(key, "field '" + PathOf(key) + "." + std::string(kv.key()) +
                    "' must be a string, got " + std::string(KindName(v)));
      return std::nullopt;
    }
  }
  return out;
}

void ObjectReader::RejectUnknown(std::initializer_list<std::string_view> allowed) {
  if (!obj_ || error_) return;
  for (const auto& kv : *obj_) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      Fail(kv.key(), "unknown field '" + PathOf(kv.key()) + "'");
      return;
    }
  }
}

}  // namespace firebreak::core
