#include "app/alert_requests.h"

#include <algorithm>

#include "app/requests.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::app {

using core::ObjectReader;

namespace {

// Silence matchers: strings in Prometheus syntax, or objects in Alertmanager's shape
// ({"name","value","isRegex","isEqual"}) or ours ({"name","value","op"}). Errors name matchers[i].
Result<std::vector<model::Matcher>> ReadMatchers(const boost::json::array& ms) {
  std::vector<model::Matcher> matchers;
  for (size_t i = 0; i < ms.size(); ++i) {
    std::string field = "matchers[" + std::to_string(i) + "]";
    const auto& m = ms[i];
    if (m.is_string()) {
      auto parsed = model::ParseMatcher(m.get_string());
      if (!parsed) return InvalidArgument(parsed.error().message, field);
      matchers.push_back(std::move(*parsed));
      continue;
    }
    // Alertmanager's shape: {"name","value","isRegex","isEqual"}; or ours with "op".
    ObjectReader mr(m, field);
    mr.RejectUnknown({"name", "value", "op", "isRegex", "isEqual"});
    model::Matcher out;
    out.name = mr.String("name", true).value_or("");
    out.value = mr.String("value").value_or("");
    auto op = mr.String("op");
    bool is_regex = mr.Bool("isRegex").value_or(false);
    bool is_equal = mr.Bool("isEqual").value_or(true);
    FB_TRY(mr.status());
    if (op) {
      auto parsed = model::ParseMatcher(out.name + *op + out.value);
      if (!parsed || parsed->name != out.name)
        return InvalidArgument("op must be =, !=, =~ or !~", field + ".op");
      out.op = parsed->op;
    } else {
      out.op = is_regex ? (is_equal ? model::Matcher::Op::kRegex : model::Matcher::Op::kNotRegex)
                        : (is_equal ? model::Matcher::Op::kEqual : model::Matcher::Op::kNotEqual);
    }
    if (out.name.empty()) return InvalidArgument("matcher name must not be empty", field + ".name");
    matchers.push_back(std::move(out));
  }
  return matchers;
}

}  // namespace

Result<engine::SilenceSpec> DecodeSilence(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"matchers", "starts_at", "ends_at", "duration", "comment"});
  const auto* ms = r.Array("matchers", true);
  auto starts = r.String("starts_at");
  auto ends = r.String("ends_at");
  auto duration = r.String("duration");
  engine::SilenceSpec spec;
  spec.comment = r.String("comment", true).value_or("");
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(spec.matchers, ReadMatchers(*ms));
  if (starts) {
    auto t = core::ParseRfc3339(*starts);
    if (!t) return InvalidArgument(t.error().message, "starts_at");
    spec.starts_at = *t;
  }
  if (ends && duration) return InvalidArgument("give ends_at or duration, not both", "duration");
  if (ends) {
    auto t = core::ParseRfc3339(*ends);
    if (!t) return InvalidArgument(t.error().message, "ends_at");
    spec.ends_at = *t;
  } else if (duration) {
    auto d = core::ParseDuration(*duration);
    if (!d) return InvalidArgument(d.error().message, "duration");
    if (d->count() <= 0) return InvalidArgument("duration must be positive", "duration");
    spec.duration = *d;  // the engine counts it from the start it settles on
  } else {
    return InvalidArgument("a silence needs ends_at or duration", "ends_at");
  }
  return spec;
}

Result<AmSilenceRequest> DecodeAmSilence(const boost::json::value& body, core::TimePoint now) {
  ObjectReader r(body, "");
  AmSilenceRequest out;
  out.replaces = r.String("id").value_or("");
  const auto* ms = r.Array("matchers", true);
  auto starts = r.String("startsAt");
  auto ends = r.String("endsAt", true);
  out.created_by = r.String("createdBy").value_or("");
  out.spec.comment = r.String("comment", true).value_or("");
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(out.spec.matchers, ReadMatchers(*ms));
  if (out.spec.matchers.empty()) return InvalidArgument("a silence needs at least one matcher", "matchers");
  if (starts) {
    auto t = core::ParseRfc3339(*starts);
    if (!t) return InvalidArgument(t.error().message, "startsAt");
    // Alertmanager moves a start in the past to now.
    out.spec.starts_at = std::max(*t, now);
  }
  auto t = core::ParseRfc3339(*ends);
  if (!t) return InvalidArgument(t.error().message, "endsAt");
  out.spec.ends_at = *t;
  if (out.spec.ends_at <= out.spec.starts_at.value_or(now))
    return InvalidArgument("endsAt must be after startsAt and in the future", "endsAt");
  return out;
}

boost::json::object HeartbeatJson(const engine::HeartbeatStatus& h) {
  boost::json::object o{{"id", h.id},
                        {"service", h.service},
                        {"timeout", core::FormatDuration(h.timeout)},
                        {"timeout_seconds", h.timeout.count() / 1000},
                        {"state", h.state}};
  auto put = [&o](const char* k, const std::optional<core::TimePoint>& t) {
    o[k] = t ? boost::json::value(core::FormatRfc3339(*t)) : boost::json::value(nullptr);
  };
  put("last_ping", h.last_ping);
  o["last_via"] = h.last_via;
  put("due", h.due);
  put("missed_at", h.missed_at);
  o["incident_id"] = h.incident_id.empty() ? boost::json::value(nullptr) : boost::json::value(h.incident_id);
  return o;
}

boost::json::object MaintenanceJson(const engine::MaintenanceStatus& m) {
  auto strings = [](const std::vector<std::string>& v) {
    boost::json::array a;
    for (const auto& x : v) a.emplace_back(x);
    return a;
  };
  auto time = [](const std::optional<core::TimePoint>& t) {
    return t ? boost::json::value(core::FormatRfc3339(*t)) : boost::json::value(nullptr);
  };
  return boost::json::object{
      {"name", m.name},
      {"matchers", strings(m.matchers)},
      {"mute_time_intervals", strings(m.mute_time_intervals)},
      {"active_time_intervals", strings(m.active_time_intervals)},
      {"comment", m.comment},
      {"in_window", m.in_window},
      {"ends_at", time(m.ends_at)},
      {"silence_id", m.silence_id.empty() ? boost::json::value(nullptr) : boost::json::value(m.silence_id)},
      {"next_start", time(m.next_start)},
      {"next_end", time(m.next_end)}};
}

Result<store::AlertFilter> DecodeAlertFilter(const std::map<std::string, std::string>& q) {
  store::AlertFilter f;
  for (const auto& [k, v] : q) {
    if (k == "status") {
      if (v != "open" && v != "firing" && v != "acknowledged" && v != "resolved")
        return InvalidArgument("status must be firing, acknowledged, resolved or open", "status");
      f.status = v;
    } else if (k == "service") {
      f.service = v;
    } else if (k == "incident") {
      f.incident_id = v;
    } else if (k == "limit") {
      FB_ASSIGN_OR_RETURN(auto n, ParseInt(v, "limit", 1, 1000));
      f.limit = static_cast<int>(n);
    } else if (k == "before") {
      FB_ASSIGN_OR_RETURN(auto n, ParseInt(v, "before", 1, INT64_MAX));
      f.before_id = n;
    } else {
      return UnknownName("query parameter", k, "query");
    }
  }
  return f;
}

Result<ChangeFilter> DecodeChangeFilter(const std::map<std::string, std::string>& q, core::TimePoint now) {
  ChangeFilter f;
  f.from = now - std::chrono::hours(24);
  f.to = now + std::chrono::hours(24 * 365);
  for (const auto& [k, v] : q) {
    if (k == "since") {
      FB_ASSIGN_OR_RETURN(f.from, ParseAgoOrTime(v, "since", now));
    } else if (k == "until") {
      FB_ASSIGN_OR_RETURN(f.to, ParseAgoOrTime(v, "until", now));
    } else if (k == "service") {
      f.service = v;
    } else if (k == "limit") {
      FB_ASSIGN_OR_RETURN(auto n, ParseInt(v, "limit", 1, 1000));
      f.limit = static_cast<int>(n);
    } else {
      return UnknownName("query parameter", k, "query");
    }
  }
  return f;
}

Result<std::optional<std::string>> DecodeSilenceState(const std::map<std::string, std::string>& q) {
  std::optional<std::string> state;
  for (const auto& [k, v] : q) {
    if (k != "state") return UnknownName("query parameter", k, "query");
    if (v != "active" && v != "pending" && v != "expired" && v != "all")
      return InvalidArgument("state must be active, pending, expired or all", "state");
    state = v;
  }
  return state;
}

}  // namespace firebreak::app
