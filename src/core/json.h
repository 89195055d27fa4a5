// JSON helpers over Boost.JSON: bounded parsing, canonical encoding (for hashes), and ObjectReader,
// which reads typed fields and reports the first problem with the field's path ("payload.summary").
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

namespace firebreak::core {

namespace json = boost::json;

// Parses one JSON document. Rejects invalid UTF-8, trailing garbage and nesting deeper than
// `max_depth`; the error says where (byte offset) and why. Numbers are read exactly (see
// ParseJsonExact); a repeated key keeps its last value.
Result<json::value> ParseJson(std::string_view text, size_t max_depth = 64);

// Compact serialization.
std::string ToJson(const json::value& v);
// Canonical serialization: object keys sorted bytewise, no whitespace. Stable across runs; used for
// hashing (audit chain) and fingerprints.
std::string CanonicalJson(const json::value& v);

// Reads typed fields from a JSON object. Every accessor records the first error (wrong type, missing
// required field) with the full field path; later calls are no-ops once an error is recorded.
class ObjectReader {
 public:
  // `path` names this object in errors ("" for the root, "payload" for a nested one).
  ObjectReader(const json::value& v, std::string path);
  // Reads an object directly (without this overload, an object would bind to a temporary value).
  ObjectReader(const json::object& o, std::string path) : obj_(&o), path_(std::move(path)) {}

  bool ok() const { return !error_.has_value(); }
  // The first problem, or Ok.
  Status status() const;

  std::optional<std::string> String(std::string_view key, bool required = false);
  std::optional<int64_t> Int(std::string_view key, bool required = false);
  std::optional<double> Number(std::string_view key, bool required = false);
  std::optional<bool> Bool(std::string_view key, bool required = false);
  // An RFC 3339 time (a string that is not one is an error naming the key).
  std::optional<TimePoint> Time(std::string_view key, bool required = false);
  const json::object* Object(std::string_view key, bool required = false);
  const json::array* Array(std::string_view key, bool required = false);
  std::optional<std::vector<std::string>> StringArray(std::string_view key, bool required = false);
  // An object whose values are strings (numbers and bools are accepted and stringified).
  std::optional<std::map<std::string, std::string>> StringMap(std::string_view key,
                                                              bool required = false);
  // The raw value, or nullptr when absent.
  const json::value* Raw(std::string_view key) const;
  bool Has(std::string_view key) const;
  // Records an error for the first key not in `allowed`.
  void RejectUnknown(std::initializer_list<std::string_view> allowed);

  // "payload.summary"
  std::string PathOf(std::string_view key) const;
  // Records a custom error against `key` (keeps the first error).
  void Fail(std::string_view key, std::string message);
  const json::object* object() const { return obj_; }

 private:
  const json::value* Find(std::string_view key, bool required);
  const json::object* obj_ = nullptr;
  std::string path_;
  std::optional<Error> error_;
};

}  // namespace firebreak::core
