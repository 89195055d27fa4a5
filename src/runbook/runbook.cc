#include "runbook/runbook.h"

#include <algorithm>
#include <cctype>

#include <re2/re2.h>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::runbook {

namespace {

std::string PercentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<std::string> CheckValue(const model::RunbookParam& p, const config::Config& cfg, const std::string& v) {
  std::string field = "params." + p.name;
  if (v.size() > 4096) return InvalidArgument("parameter '" + p.name + "' is longer than 4096 bytes", field);
  if (!core::IsValidUtf8(v) || v.find('\0') != std::string::npos)
    return InvalidArgument("parameter '" + p.name + "' is not valid UTF-8 text", field);
  if (p.type == "int") {
    size_t i = (!v.empty() && (v[0] == '-' || v[0] == '+')) ? 1 : 0;
    if (i == v.size() || v.size() > 18 || !std::all_of(v.begin() + i, v.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return InvalidArgument("parameter '" + p.name + "' must be an integer, got '" + core::Truncate(v, 40) + "'", field);
  } else if (p.type == "bool") {
    if (v != "true" && v != "false")
      return InvalidArgument("parameter '" + p.name + "' must be true or false", field);
  } else if (p.type == "enum") {
    if (std::find(p.allowed.begin(), p.allowed.end(), v) == p.allowed.end())
      return InvalidArgument("parameter '" + p.name + "' must be one of " + core::Join(p.allowed, ", "), field);
  } else if (p.type == "service") {
    if (!cfg.FindService(v))
      return InvalidArgument("parameter '" + p.name + "': unknown service '" + core::Truncate(v, 64) + "'", field);
  } else if (p.type == "duration") {
    if (!core::ParseDuration(v)) return InvalidArgument("parameter '" + p.name + "' must be a duration like 5m", field);
  }
  if (!p.pattern.empty()) {
    RE2 re(p.pattern, RE2::Quiet);
    if (!re.ok() || !RE2::FullMatch(v, re))
      return InvalidArgument("parameter '" + p.name + "' does not match " + p.pattern, field);
  }
  return v;
}

std::string RiskName(model::RiskTier t) { return std::string(model::RiskTierName(t)); }

Result<json::value> SubstituteJson(const json::value& v, const Params& params, bool url) {
  if (v.is_string()) {
    FB_ASSIGN_OR_RETURN(auto s, Substitute(v.get_string(), params, url));
    return json::value(s);
  }
  if (v.is_array()) {
    json::array a;
    for (const auto& e : v.get_array()) {
      FB_ASSIGN_OR_RETURN(auto x, SubstituteJson(e, params, url));
      a.push_back(std::move(x));
    }
    return a;
  }
  if (v.is_object()) {
    json::object o;
    for (const auto& kv : v.get_object()) {
      FB_ASSIGN_OR_RETURN(auto x, SubstituteJson(kv.value(), params, url || kv.key() == "url"));
      o[kv.key()] = std::move(x);
    }
    return o;
  }
  return v;
}

std::string Str(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

}  // namespace

Result<Params> BindParams(const model::Runbook& rb, const config::Config& cfg, const Params& given,
                          const Params& labels) {
  for (const auto& kv : given) {
    const std::string& k = kv.first;
    bool known = std::any_of(rb.params.begin(), rb.params.end(), [&](const auto& p) { return p.name == k; });
    if (!known) return InvalidArgument("runbook '" + rb.id + "' has no parameter '" + core::Truncate(k, 64) + "'", "params." + k);
  }
  Params out;
  for (const auto& p : rb.params) {
    std::optional<std::string> v;
    if (auto it = given.find(p.name); it != given.end()) v = it->second;
    else if (auto it2 = labels.find(p.name); it2 != labels.end()) v = it2->second;
    else if (p.default_value) v = p.default_value;
    if (!v) {
      if (p.required) return InvalidArgument("parameter '" + p.name + "' is required", "params." + p.name);
      v = "";
      out[p.name] = *v;
      continue;
    }
    FB_ASSIGN_OR_RETURN(auto ok, CheckValue(p, cfg, *v));
    out[p.name] = ok;
  }
  return out;
}

std::vector<std::string> SecretValues(const model::Runbook& rb, const Params& params) {
  std::vector<std::string> out;
  for (const auto& p : rb.params)
    if (p.secret)
      if (auto it = params.find(p.name); it != params.end() && !it->second.empty()) out.push_back(it->second);
  return out;
}

Result<std::string> Substitute(std::string_view s, const Params& params, bool url_encode) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = s.find("{{", pos);
    if (open == std::string_view::npos) break;
    size_t close = s.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(s.substr(pos, open - pos));
    std::string name(core::Trim(s.substr(open + 2, close - open - 2)));
    auto it = params.find(name);
    if (it == params.end()) return InvalidArgument("unknown parameter '{{" + name + "}}' in a step", "params." + name);
    if (url_encode && open == 0) {
      // A URL that starts with a parameter takes it as its base, unencoded, but only an
      // http(s) URL; everything substituted later in the URL is percent-encoded.
      const std::string& v = it->second;
      if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
        return InvalidArgument("parameter '" + name + "' must be an http:// or https:// URL", "params." + name);
      if (v.find_first_of(" \t\r\n") != std::string::npos)
        return InvalidArgument("parameter '" + name + "' must be a URL without whitespace", "params." + name);
      out += v;
    } else {
      out += url_encode ? PercentEncode(it->second) : it->second;
    }
    pos = close + 2;
  }
  out.append(s.substr(pos));
  return out;
}

Result<json::object> RenderStep(const model::RunbookStep& st, const Params& params, int index) {
  json::object o;
  o["index"] = index;
  o["id"] = st.id;
  o["name"] = st.name;
  o["kind"] = st.kind;
  o["category"] = st.category;
  o["risk"] = RiskName(st.risk);
  o["timeout_ms"] = st.timeout.count();
  FB_ASSIGN_OR_RETURN(auto spec, SubstituteJson(st.spec, params, false));
  o["spec"] = std::move(spec);
  if (!st.rollback.empty()) {
    FB_ASSIGN_OR_RETURN(auto rb, RenderStep(st.rollback[0], params, index));
    o["rollback"] = std::move(rb);
  } else if (st.kind == "config_change") {
    o["rollback"] = json::object{{"kind", "restore_backup"}, {"name", "restore the backup of " + Str(o["spec"].get_object(), "path")}};
  }
  if (!st.verify.empty()) {
    FB_ASSIGN_OR_RETURN(auto vf, RenderStep(st.verify[0], params, index));
    o["verify"] = std::move(vf);
  }
  return o;
}

Result<json::array> RenderPlan(const model::Runbook& rb, const Params& params) {
  json::array a;
  for (size_t i = 0; i < rb.steps.size(); ++i) {
    FB_ASSIGN_OR_RETURN(auto s, RenderStep(rb.steps[i], params, static_cast<int>(i)));
    a.push_back(std::move(s));
  }
  return a;
}

std::string ApprovalReason(const model::Runbook& rb, bool breaker_open) {
  std::vector<std::string> high;
  for (const auto& s : rb.steps)
    if (s.risk == model::RiskTier::kHigh) high.push_back(s.id);
  if (!high.empty()) return "HIGH-risk step(s) " + core::Join(high, ", ") + " need four-eyes approval";
  if (breaker_open) return "the circuit breaker for the service is open: automation is stopped, runs need approval";
  return "";
}

std::string Describe(const json::object& step) {
  std::string kind = Str(step, "kind");
  const json::object empty;
  auto sit = step.find("spec");
  const json::object& spec = sit != step.end() && sit->value().is_object() ? sit->value().get_object() : empty;
  auto argv = [&]() {
    std::vector<std::string> parts;
    if (auto it = spec.find("argv"); it != spec.end() && it->value().is_array())
      for (const auto& a : it->value().get_array())
        parts.push_back(a.is_string() ? core::ToJson(a) : "?");
    return "[" + core::Join(parts, ", ") + "]";
  };
  if (kind == "command") return "command " + argv();
  if (kind == "http") return "http " + (Str(spec, "method").empty() ? std::string("POST") : Str(spec, "method")) + " " + Str(spec, "url");
  if (kind == "check") {
    std::string c = Str(spec, "check");
    if (c == "command") return "check command " + argv();
    if (c == "metric") return "check metric " + Str(spec, "metric") + " " + Str(spec, "op") + " " + Str(spec, "threshold") + " at " + Str(spec, "url");
    return "check http " + Str(spec, "url");
  }
  if (kind == "config_change") return "config_change " + Str(spec, "path");
  if (kind == "manual") return "manual: " + Str(spec, "instructions");
  if (kind == "restore_backup") return Str(step, "name");
  return kind;
}

std::vector<std::string> RollbackPlan(const json::array& plan) {
  std::vector<std::string> out;
  for (size_t i = plan.size(); i-- > 0;) {
    const auto& s = plan[i].get_object();
    if (auto it = s.find("rollback"); it != s.end() && it->value().is_object())
      out.push_back("step " + Str(s, "id") + ": " + Describe(it->value().get_object()));
  }
  return out;
}

std::vector<MatchResult> Match(const config::Config& cfg, const MatchInput& in) {
  std::vector<MatchResult> out;
  for (const auto& rb : cfg.runbooks) {
    MatchResult m;
    m.runbook = &rb;
    for (const auto& s : in.services)
      if (std::find(rb.services.begin(), rb.services.end(), s) != rb.services.end()) {
        m.score += 10;
        m.reasons.push_back("applies to service " + s);
      }
    bool labels_ok = !rb.match_labels.empty();
    for (const auto& [k, want] : rb.match_labels) {
      auto it = in.labels.find(k);
      bool hit = false;
      if (it != in.labels.end()) {
        if (!want.empty() && want[0] == '~') {
          RE2 re(want.substr(1), RE2::Quiet);
          hit = re.ok() && RE2::FullMatch(it->second, re);
        } else {
          hit = it->second == want;
        }
      }
      if (!hit) labels_ok = false;
    }
    if (labels_ok) {
      m.score += 5 * static_cast<int>(rb.match_labels.size());
      std::vector<std::string> ks;
      for (const auto& kv : rb.match_labels) ks.push_back(kv.first + "=" + in.labels.at(kv.first));
      m.reasons.push_back("alert labels match (" + core::Join(ks, ", ") + ")");
    }
    for (const auto& pat : rb.log_patterns) {
      RE2 re(pat, RE2::Quiet);
      if (!re.ok()) continue;
      for (const auto& line : in.logs)
        if (RE2::PartialMatch(line, re)) {
          m.score += 4;
          m.reasons.push_back("error log matches /" + pat + "/: " + core::Truncate(line, 80));
          break;
        }
    }
    if (m.score > 0 && in.severity &&
        std::find(rb.severities.begin(), rb.severities.end(), *in.severity) != rb.severities.end()) {
      m.score += 2;
      m.reasons.push_back("severity " + std::string(model::SeverityName(*in.severity)) + " is listed");
    }
    if (m.score > 0) out.push_back(std::move(m));
  }
  std::stable_sort(out.begin(), out.end(), [](const MatchResult& a, const MatchResult& b) {
    return a.score != b.score ? a.score > b.score : a.runbook->id < b.runbook->id;
  });
  return out;
}

}  // namespace firebreak::runbook
