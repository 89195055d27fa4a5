#include "mcp/schema.h"

#include <cmath>

#include "core/json.h"
#include "core/strings.h"

namespace firebreak::mcp::schema {

json::object Str(std::string description, size_t max_length, size_t min_length) {
  json::object o{{"type", "string"}, {"description", description}, {"maxLength", max_length}};
  if (min_length) o["minLength"] = min_length;
  return o;
}

json::object Enum(std::string description, const std::vector<std::string>& values) {
  json::array a;
  for (const auto& v : values) a.emplace_back(v);
  return json::object{{"type", "string"}, {"description", description}, {"enum", a}};
}

json::object Int(std::string description, int64_t minimum, int64_t maximum) {
  return json::object{{"type", "integer"},
                      {"description", description},
                      {"minimum", minimum},
                      {"maximum", maximum}};
}

json::object Num(std::string description) {
  return json::object{{"type", "number"}, {"description", description}};
}

json::object Bool(std::string description) {
  return json::object{{"type", "boolean"}, {"description", description}};
}

json::object StrArray(std::string description, size_t max_items, size_t max_length) {
  return json::object{{"type", "array"},
                      {"description", description},
                      {"items", json::object{{"type", "string"}, {"maxLength", max_length}}},
                      {"maxItems", max_items}};
}

json::object Array(std::string description, json::object items) {
  return json::object{{"type", "array"}, {"description", description}, {"items", std::move(items)}};
}

json::object Object(std::vector<std::pair<std::string, json::object>> properties,
                    std::vector<std::string> required, bool open) {
  json::object props;
  for (auto& [k, v] : properties) props[k] = std::move(v);
  json::object o{{"type", "object"}, {"properties", std::move(props)}};
  if (!required.empty()) {
    json::array r;
    for (const auto& k : required) r.emplace_back(k);
    o["required"] = std::move(r);
  }
  o["additionalProperties"] = open;
  return o;
}

json::object Map(std::string description, json::object values) {
  return json::object{{"type", "object"},
                      {"description", description},
                      {"additionalProperties", std::move(values)}};
}

json::object Describe(json::object s, std::string description) {
  s["description"] = description;
  return s;
}

json::object Nullable(json::object s) {
  if (auto* t = s.if_contains("type"); t && t->is_string()) {
    json::array types{t->get_string(), "null"};
    s["type"] = std::move(types);
  }
  return s;
}

namespace {

class Validator {
 public:
  explicit Validator(const json::object& root) : root_(root) {}

  Status Check(const json::object& s, const json::value& v, const std::string& path, int depth) {
    if (depth > 32) return InvalidArgument("value nested too deeply", path);
    if (auto* ref = s.if_contains("$ref")) {
      FB_ASSIGN_OR_RETURN(const json::object* target, Resolve(*ref));
      FB_TRY(Check(*target, v, path, depth + 1));
    }
    if (auto* t = s.if_contains("type")) {
      bool ok = false;
      std::string names;
      auto one = [&](const json::value& tv) {
        if (!tv.is_string()) return;
        std::string_view tn = tv.get_string();
        if (!names.empty()) names += " or ";
        names += tn;
        if (TypeMatches(tn, v)) ok = true;
      };
      if (t->is_array()) {
        for (const auto& tv : t->get_array()) one(tv);
      } else {
        one(*t);
      }
      if (!ok)
        return InvalidArgument(Name(path) + " must be " + Article(names) + ", got " + KindOf(v),
                               path);
    }
    if (auto* e = s.if_contains("enum"); e && e->is_array()) {
      bool found = false;
      std::vector<std::string> allowed;
      for (const auto& x : e->get_array()) {
        if (x == v) found = true;
        allowed.push_back(x.is_string() ? std::string(x.get_string()) : core::ToJson(x));
      }
      if (!found)
        return InvalidArgument(Name(path) + " must be one of " + core::Join(allowed, ", "), path);
    }
    if (auto* c = s.if_contains("const"); c && *c != v)
      return InvalidArgument(Name(path) + " must be " + core::ToJson(*c), path);
    if (v.is_string()) {
      std::string_view str = v.get_string();
      size_t chars = CountChars(str);
      if (auto* m = s.if_contains("maxLength");
          m && m->is_number() && chars > m->to_number<double>())
        return InvalidArgument(
            Name(path) + " is too long (" + std::to_string(chars) + " characters, max " +
                std::to_string(static_cast<int64_t>(m->to_number<double>())) + ")",
            path);
      if (auto* m = s.if_contains("minLength");
          m && m->is_number() && chars < m->to_number<double>())
        return InvalidArgument(Name(path) + " must not be empty", path);
    }
    if (v.is_number()) {
      double d = v.to_number<double>();
      if (auto* m = s.if_contains("minimum"); m && m->is_number() && d < m->to_number<double>())
        return InvalidArgument(Name(path) + " must be at least " + core::ToJson(*m), path);
      if (auto* m = s.if_contains("maximum"); m && m->is_number() && d > m->to_number<double>())
        return InvalidArgument(Name(path) + " must be at most " + core::ToJson(*m), path);
    }
    if (v.is_array()) {
      const auto& a = v.get_array();
      if (auto* m = s.if_contains("maxItems");
          m && m->is_number() && a.size() > m->to_number<double>())
        return InvalidArgument(Name(path) + " has too many items (" + std::to_string(a.size()) +
                                   ", max " + core::ToJson(*m) + ")",
                               path);
      if (auto* m = s.if_contains("minItems");
          m && m->is_number() && a.size() < m->to_number<double>())
        return InvalidArgument(Name(path) + " needs at least " + core::ToJson(*m) + " item(s)",
                               path);
      if (auto* items = s.if_contains("items"); items && items->is_object()) {
        for (size_t i = 0; i < a.size(); ++i)
          FB_TRY(Check(items->get_object(), a[i], path + "[" + std::to_string(i) + "]", depth + 1));
      }
    }
    if (v.is_object()) {
      const auto& o = v.get_object();
      const json::object* props = nullptr;
      if (auto* p = s.if_contains("properties"); p && p->is_object()) props = &p->get_object();
      if (auto* r = s.if_contains("required"); r && r->is_array()) {
        for (const auto& k : r->get_array()) {
          if (k.is_string() && !o.contains(k.get_string()))
            return InvalidArgument(Name(Join(path, k.get_string())) + " is required",
                                   Join(path, k.get_string()));
        }
      }
      const json::value* additional = s.if_contains("additionalProperties");
      for (const auto& kv : o) {
        std::string child = Join(path, kv.key());
        if (props) {
          if (auto* ps = props->if_contains(kv.key()); ps && ps->is_object()) {
            FB_TRY(Check(ps->get_object(), kv.value(), child, depth + 1));
            continue;
          }
        }
        if (additional && additional->is_bool() && !additional->get_bool()) {
          std::string known;
          if (props) {
            std::vector<std::string> names;
            for (const auto& p : *props) names.emplace_back(p.key());
            known = names.empty() ? " (it takes no arguments)"
                                  : " (known: " + core::Join(names, ", ") + ")";
          }
          return InvalidArgument("unknown property '" + core::Truncate(kv.key(), 64) + "'" + known,
                                 child);
        }
        if (additional && additional->is_object())
          FB_TRY(Check(additional->get_object(), kv.value(), child, depth + 1));
      }
    }
    return Ok();
  }

 private:
  Result<const json::object*> Resolve(const json::value& ref) {
    if (!ref.is_string()) return InvalidArgument("schema: $ref must be a string");
    std::string_view r = ref.get_string();
    if (r.substr(0, 2) != "#/") return InvalidArgument("schema: only local $ref is supported");
    const json::value* cur = nullptr;
    json::value root_holder;
    const json::object* obj = &root_;
    for (const auto& part : core::Split(r.substr(2), '/', true)) {
      cur = obj->if_contains(part);
      if (!cur || !cur->is_object())
        return InvalidArgument("schema: unresolved $ref " + std::string(r));
      obj = &cur->get_object();
    }
    return obj;
  }

  static bool TypeMatches(std::string_view t, const json::value& v) {
    if (t == "string") return v.is_string();
    if (t == "integer") {
      if (v.is_int64() || v.is_uint64()) return true;
      if (v.is_double()) {
        double d = v.get_double();
        return std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15;
      }
      return false;
    }
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_bool();
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "null") return v.is_null();
    return false;
  }
  static std::string KindOf(const json::value& v) {
    switch (v.kind()) {
      case json::kind::null:
        return "null";
      case json::kind::bool_:
        return "a boolean";
      case json::kind::int64:
      case json::kind::uint64:
        return "an integer";
      case json::kind::double_:
        return "a number";
      case json::kind::string:
        return "a string";
      case json::kind::array:
        return "an array";
      case json::kind::object:
        return "an object";
    }
    return "a value";
  }
  static std::string Article(const std::string& names) {
    if (names == "integer" || names == "array" || names == "object") return "an " + names;
    if (names == "null") return names;
    return "a " + names;
  }
  static size_t CountChars(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s)
      if ((c & 0xC0) != 0x80) ++n;
    return n;
  }
  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  std::string Name(const std::string& path) const {
    return path.empty() ? root_name_ : "'" + path + "'";
  }

 public:
  std::string root_name_ = "arguments";

 private:
  const json::object& root_;
};

}  // namespace

Status Validate(const json::object& schema, const json::value& v, const std::string& root) {
  Validator val(schema);
  val.root_name_ = root;
  return val.Check(schema, v, "", 0);
}

}  // namespace firebreak::mcp::schema
