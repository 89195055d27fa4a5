#include "app/requests.h"

#include <algorithm>
#include <charconv>

#include <boost/beast/core/detail/base64.hpp>

#include "app/text.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::app {

using core::ObjectReader;

Result<engine::DeclareSpec> DecodeDeclare(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"title", "severity", "services", "impact", "roles", "flags"});
  engine::DeclareSpec s;
  s.title = r.String("title", true).value_or("");
  auto sev = r.String("severity");
  s.services = r.StringArray("services").value_or(std::vector<std::string>{});
  s.impact = r.String("impact").value_or("");
  if (auto roles = r.StringMap("roles")) s.roles = *roles;
  s.flags = r.StringArray("flags").value_or(std::vector<std::string>{});
  FB_TRY(r.status());
  FB_TRY(SingleLine(s.title, "title"));
  if (sev) {
    auto parsed = model::ParseSeverity(*sev);
    if (!parsed) return InvalidArgument(parsed.error().message, "severity");
    s.severity = *parsed;
  }
  return s;
}

Result<TransitionRequest> DecodeTransition(const boost::json::value& body) {
  TransitionRequest t;
  if (body.is_null()) return t;
  ObjectReader r(body, "");
  r.RejectUnknown({"note"});
  t.note = r.String("note").value_or("");
  FB_TRY(r.status());
  return t;
}

Result<NoteRequest> DecodeNote(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"text"});
  NoteRequest n;
  n.text = r.String("text", true).value_or("");
  FB_TRY(r.status());
  return n;
}

Result<SeverityRequest> DecodeSeverity(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"severity", "reason"});
  auto sev = r.String("severity", true);
  auto reason = r.String("reason");
  FB_TRY(r.status());
  auto parsed = model::ParseSeverity(*sev);
  if (!parsed) return InvalidArgument(parsed.error().message, "severity");
  return SeverityRequest{*parsed, reason.value_or("")};
}

Result<RoleRequest> DecodeRole(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"role", "person"});
  RoleRequest q;
  q.role = r.String("role", true).value_or("");
  q.person = r.String("person").value_or("");
  FB_TRY(r.status());
  return q;
}

Result<ImpactRequest> DecodeImpact(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"impact"});
  ImpactRequest q;
  q.impact = r.String("impact", true).value_or("");
  FB_TRY(r.status());
  return q;
}

Result<ServicesRequest> DecodeServices(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"services", "reason"});
  ServicesRequest q;
  q.services = r.StringArray("services", true).value_or(std::vector<std::string>{});
  q.reason = r.String("reason").value_or("");
  FB_TRY(r.status());
  if (q.services.empty()) return InvalidArgument("services must not be empty", "services");
  return q;
}

Result<MergeRequest> DecodeMerge(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"incidents", "note"});
  MergeRequest q;
  q.incidents = r.StringArray("incidents", true).value_or(std::vector<std::string>{});
  q.note = r.String("note").value_or("");
  FB_TRY(r.status());
  if (q.incidents.empty()) return InvalidArgument("incidents must name at least one incident to merge", "incidents");
  if (q.incidents.size() > 50)
    return InvalidArgument("incidents names " + std::to_string(q.incidents.size()) + " incidents (at most 50)",
                           "incidents");
  return q;
}

Result<RespondersRequest> DecodeResponders(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"targets", "message"});
  RespondersRequest q;
  const auto* targets = r.Array("targets", true);
  q.message = r.String("message", true).value_or("");
  FB_TRY(r.status());
  if (targets->empty()) return InvalidArgument("targets must name at least one person, schedule or team", "targets");
  if (targets->size() > 20)
    return InvalidArgument("targets names " + std::to_string(targets->size()) + " responders (at most 20)", "targets");
  for (size_t i = 0; i < targets->size(); ++i) {
    const std::string field = "targets[" + std::to_string(i) + "]";
    const auto& t = (*targets)[i];
    if (!t.is_object() || t.get_object().size() != 1)
      return InvalidArgument(field + " must be {\"person\": id}, {\"schedule\": id} or {\"team\": id}", field);
    const auto& kv = *t.get_object().begin();
    const std::string type(kv.key());
    if (type != "person" && type != "schedule" && type != "team")
      return InvalidArgument(field + " must be {\"person\": id}, {\"schedule\": id} or {\"team\": id}", field);
    if (!kv.value().is_string() || kv.value().get_string().empty() || kv.value().get_string().size() > 100)
      return InvalidArgument(field + "." + type + " must be an id (a string of 1 to 100 bytes)", field + "." + type);
    q.targets.push_back(model::EscalationTarget{type, std::string(kv.value().get_string()), {}});
  }
  if (core::Trim(q.message).empty()) return InvalidArgument("message must say what help is needed", "message");
  if (q.message.size() > 2000) return InvalidArgument("message is too long (max 2000 bytes)", "message");
  return q;
}

Result<ResponderAnswer> DecodeResponderAnswer(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"response", "note"});
  auto response = r.String("response", true);
  ResponderAnswer q;
  q.note = r.String("note").value_or("");
  FB_TRY(r.status());
  if (*response != "accept" && *response != "decline")
    return InvalidArgument("response must be \"accept\" or \"decline\"", "response");
  q.accept = *response == "accept";
  if (q.note.size() > 2000) return InvalidArgument("note is too long (max 2000 bytes)", "note");
  return q;
}

Result<SnoozeRequest> DecodeSnooze(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"duration", "note"});
  auto duration = r.String("duration", true);
  SnoozeRequest q;
  q.note = r.String("note").value_or("");
  FB_TRY(r.status());
  auto d = core::ParseDuration(*duration);
  if (!d) return InvalidArgument(d.error().message, "duration");
  if (*d < engine::kMinSnooze || *d > engine::kMaxSnooze)
    return InvalidArgument("duration must be between 1m and 7d", "duration");
  q.duration = *d;
  return q;
}

Result<TokenRequest> DecodeToken(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"person", "scopes", "name"});
  TokenRequest q;
  q.person = r.String("person").value_or("");
  q.scopes = r.String("scopes", true).value_or("");
  q.name = r.String("name").value_or("");
  FB_TRY(r.status());
  return q;
}

Result<int64_t> ParseInt(const std::string& s, const char* field, int64_t lo, int64_t hi) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi)
    return InvalidArgument(std::string(field) + " must be an integer in " + std::to_string(lo) + ".." +
                               std::to_string(hi),
                           field);
  return v;
}

Result<core::Millis> ParseWait(const std::map<std::string, std::string>& query, core::Millis max) {
  auto it = query.find("wait");
  if (it == query.end()) return core::Millis(0);
  auto d = core::ParseDuration(it->second);
  if (!d || d->count() < 0 || *d > max)
    return InvalidArgument("wait must be a duration up to " + core::FormatDuration(max) + ", like 30s", "wait");
  return *d;
}

Result<std::optional<core::Millis>> ParseAgo(std::string_view s, const std::string& field) {
  auto d = core::ParseDuration(s);
  if (!d) return std::optional<core::Millis>();
  if (d->count() < 0) return InvalidArgument(field + " must be a positive duration (how long ago)", field);
  return std::optional<core::Millis>(*d);
}

Result<core::TimePoint> ParseAgoOrTime(std::string_view s, const std::string& field, core::TimePoint now) {
  FB_ASSIGN_OR_RETURN(auto ago, ParseAgo(s, field));
  if (ago) return now - *ago;
  auto t = core::ParseRfc3339(s);
  if (!t) return InvalidArgument(field + " must be a duration like 1h or an RFC 3339 time", field);
  return *t;
}

Result<TimelineQuery> DecodeTimelineQuery(const std::map<std::string, std::string>& q) {
  TimelineQuery t;
  for (const auto& [k, v] : q) {
    if (k == "after") {
      FB_ASSIGN_OR_RETURN(t.after, ParseInt(v, "after", 0, INT64_MAX));
    } else if (k == "limit") {
      FB_ASSIGN_OR_RETURN(auto n, ParseInt(v, "limit", 1, 5000));
      t.limit = static_cast<int>(n);
    } else {
      return UnknownName("query parameter", k, "query");
    }
  }
  return t;
}

Status OnlyParams(const std::map<std::string, std::string>& q, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : q) {
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return UnknownName("query parameter", k, "query", list.empty() ? " (this request takes none)" : " (" + list + ")");
  }
  return Ok();
}

Result<bool> ParseBool(const std::string& s, const std::string& field) {
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  return InvalidArgument(field + " must be true or false (or 1 or 0)", field);
}

Result<store::IncidentFilter> DecodeIncidentFilter(const std::map<std::string, std::string>& q) {
  store::IncidentFilter f;
  for (const auto& [k, v] : q) {
    if (k == "state") {
      if (v == "open") {
        f.open_only = true;
      } else {
        FB_ASSIGN_OR_RETURN(auto st, model::ParseState(v));
        f.state = st;
      }
    } else if (k == "service") {
      f.service = v;
    } else if (k == "severity") {
      auto s = model::ParseSeverity(v);
      if (!s) return InvalidArgument(s.error().message, "severity");
      f.severity = *s;
    } else if (k == "limit") {
      FB_ASSIGN_OR_RETURN(auto n, ParseInt(v, "limit", 1, 1000));
      f.limit = static_cast<int>(n);
    } else if (k == "before") {
      std::string num = v.rfind("INC-", 0) == 0 ? v.substr(4) : v;
      FB_ASSIGN_OR_RETURN(auto n, ParseInt(num, "before", 1, INT64_MAX));
      f.before_number = n;
    } else {
      return UnknownName("query parameter", k, "query");
    }
  }
  return f;
}

Result<store::AuditFilter> DecodeAuditFilter(const std::map<std::string, std::string>& q) {
  store::AuditFilter f;
  for (const auto& [k, v] : q) {
    if (k == "actor") f.actor = v;
    else if (k == "action") f.action_prefix = v;
    else if (k == "target") f.target = v;
    else if (k == "after") {
      FB_ASSIGN_OR_RETURN(f.after_seq, ParseInt(v, "after", 0, INT64_MAX));
    } else if (k == "limit") {
      FB_ASSIGN_OR_RETURN(auto n, ParseInt(v, "limit", 1, 1000));
      f.limit = static_cast<int>(n);
    } else {
      return UnknownName("query parameter", k, "query");
    }
  }
  return f;
}

Result<std::string> CredentialOf(std::string_view authorization) {
  std::string_view a = core::Trim(authorization);
  if (a.size() > 6 && core::ToLower(a.substr(0, 6)) == "basic ") {
    std::string_view enc = core::Trim(a.substr(6));
    if (enc.size() > 4096) return Unauthenticated("malformed basic credentials");
    std::string dec(boost::beast::detail::base64::decoded_size(enc.size()), '\0');
    auto n = boost::beast::detail::base64::decode(dec.data(), enc.data(), enc.size()).first;
    dec.resize(n);
    auto colon = dec.find(':');
    return colon == std::string::npos ? dec : dec.substr(colon + 1);
  }
  if (a.size() > 7 && core::ToLower(a.substr(0, 7)) == "bearer ") return std::string(core::Trim(a.substr(7)));
  return std::string(a);
}

}  // namespace firebreak::app
