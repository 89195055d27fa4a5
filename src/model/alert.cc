#include "model/alert.h"

#include "core/json.h"
#include "core/time.h"

namespace firebreak::model {

std::string_view ActionName(AlertEvent::Action a) {
  switch (a) {
    case AlertEvent::Action::kTrigger: return "trigger";
    case AlertEvent::Action::kAcknowledge: return "acknowledge";
    case AlertEvent::Action::kResolve: return "resolve";
  }
  return "trigger";
}

std::string_view AlertStatusName(AlertStatus s) {
  switch (s) {
    case AlertStatus::kFiring: return "firing";
    case AlertStatus::kAcknowledged: return "acknowledged";
    case AlertStatus::kResolved: return "resolved";
  }
  return "firing";
}

Result<AlertStatus> ParseAlertStatus(std::string_view s) {
  for (auto st : {AlertStatus::kFiring, AlertStatus::kAcknowledged, AlertStatus::kResolved})
    if (AlertStatusName(st) == s) return st;
  return InvalidArgument("invalid alert status '" + std::string(s.substr(0, 32)) +
                             "': expected firing, acknowledged or resolved",
                         "status");
}

namespace {
constexpr std::pair<JoinKind, std::string_view> kJoinKinds[] = {
    {JoinKind::kOpened, "opened"},           {JoinKind::kSameKey, "same_key"},
    {JoinKind::kRule, "rule"},               {JoinKind::kSameService, "same_service"},
    {JoinKind::kUpstream, "upstream"},       {JoinKind::kDownstream, "downstream"},
    {JoinKind::kStorm, "storm"},             {JoinKind::kSilenced, "silenced"},
    {JoinKind::kNone, "none"}};
}  // namespace

std::string_view JoinKindName(JoinKind k) {
  for (const auto& [kind, name] : kJoinKinds)
    if (kind == k) return name;
  return "none";
}

Result<JoinKind> ParseJoinKind(std::string_view s) {
  for (const auto& [kind, name] : kJoinKinds)
    if (name == s) return kind;
  return InvalidArgument("invalid join kind '" + std::string(s.substr(0, 32)) + "'", "join_kind");
}

namespace {
template <class Map>
boost::json::object StrMap(const Map& m) {
  boost::json::object o;
  o.reserve(m.size());
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}
boost::json::array StrArray(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
}  // namespace

boost::json::object ToJson(const Alert& a) {
  boost::json::object o;
  o["id"] = a.id;
  o["key"] = a.key;
  o["dedup_key"] = a.dedup_key;
  o["source"] = a.source;
  o["integration"] = a.integration;
  o["service"] = a.service;
  o["summary"] = a.summary;
  o["status"] = AlertStatusName(a.status);
  o["severity"] = SeverityName(a.severity);
  if (!a.severity_rule.empty()) o["severity_rule"] = a.severity_rule;
  o["flags"] = StrArray(a.flags);
  o["labels"] = StrMap(a.labels);
  o["annotations"] = StrMap(a.annotations);
  if (!a.generator_url.empty()) o["generator_url"] = a.generator_url;
  if (!a.links.empty()) {
    boost::json::array links;
    for (const auto& l : a.links) links.push_back(boost::json::object{{"href", l.href}, {"text", l.text}});
    o["links"] = std::move(links);
  }
  if (!a.images.empty()) {
    boost::json::array images;
    for (const auto& i : a.images)
      images.push_back(boost::json::object{{"src", i.src}, {"href", i.href}, {"alt", i.alt}});
    o["images"] = std::move(images);
  }
  if (!a.details.empty()) o["details"] = a.details;
  o["starts_at"] = core::FormatRfc3339(a.starts_at);
  o["first_seen"] = core::FormatRfc3339(a.first_seen);
  o["last_seen"] = core::FormatRfc3339(a.last_seen);
  if (a.acknowledged_at) o["acknowledged_at"] = core::FormatRfc3339(*a.acknowledged_at);
  if (a.resolved_at) o["resolved_at"] = core::FormatRfc3339(*a.resolved_at);
  o["count"] = a.count;
  o["incident_id"] = a.incident_id;
  o["join_kind"] = JoinKindName(a.join_kind);
  o["join_reason"] = a.join_reason;
  if (!a.silence_id.empty()) o["silence_id"] = a.silence_id;
  o["flapping"] = a.flapping;
  if (!a.state_changes.empty()) {
    boost::json::array ch;
    for (auto t : a.state_changes) ch.emplace_back(core::FormatRfc3339(t));
    o["state_changes"] = std::move(ch);
  }
  return o;
}


Result<Alert> AlertFromJson(const boost::json::value& v) {
  core::ObjectReader r(v, "alert");
  Alert a;
  a.id = r.Int("id").value_or(0);
  a.key = r.String("key", true).value_or("");
  a.dedup_key = r.String("dedup_key").value_or("");
  a.source = r.String("source").value_or("");
  a.integration = r.String("integration").value_or("");
  a.service = r.String("service").value_or("");
  a.summary = r.String("summary").value_or("");
  auto status = r.String("status", true);
  auto sev = r.String("severity", true);
  a.severity_rule = r.String("severity_rule").value_or("");
  a.flags = r.StringArray("flags").value_or(std::vector<std::string>{});
  if (auto m = r.StringMap("labels")) a.labels = LabelSet(*m);
  if (auto m = r.StringMap("annotations")) a.annotations = std::move(*m);
  a.generator_url = r.String("generator_url").value_or("");
  if (const auto* links = r.Array("links")) {
    for (const auto& l : *links) {
      core::ObjectReader lr(l, "alert.links");
      a.links.push_back(Link{lr.String("href").value_or(""), lr.String("text").value_or("")});
    }
  }
  if (const auto* images = r.Array("images")) {
    for (const auto& i : *images) {
      core::ObjectReader ir(i, "alert.images");
      a.images.push_back(
          Image{ir.String("src").value_or(""), ir.String("href").value_or(""), ir.String("alt").value_or("")});
    }
  }
  if (const auto* d = r.Object("details")) a.details = *d;
  a.count = r.Int("count").value_or(1);
  a.incident_id = r.String("incident_id").value_or("");
  auto join = r.String("join_kind");
  a.join_reason = r.String("join_reason").value_or("");
  a.silence_id = r.String("silence_id").value_or("");
  a.flapping = r.Bool("flapping").value_or(false);
  auto changes = r.StringArray("state_changes");
  a.starts_at = r.Time("starts_at").value_or(core::TimePoint{});
  a.first_seen = r.Time("first_seen").value_or(core::TimePoint{});
  a.last_seen = r.Time("last_seen").value_or(core::TimePoint{});
  a.acknowledged_at = r.Time("acknowledged_at");
  a.resolved_at = r.Time("resolved_at");
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(a.status, ParseAlertStatus(*status));
  FB_ASSIGN_OR_RETURN(a.severity, ParseSeverity(*sev));
  if (join) {
    FB_ASSIGN_OR_RETURN(a.join_kind, ParseJoinKind(*join));
  }
  if (changes) {
    for (const auto& c : *changes) {
      FB_ASSIGN_OR_RETURN(auto t, core::ParseRfc3339(c));
      a.state_changes.push_back(t);
    }
  }
  return a;
}

std::string_view MatcherOpName(Matcher::Op op) {
  switch (op) {
    case Matcher::Op::kEqual: return "=";
    case Matcher::Op::kNotEqual: return "!=";
    case Matcher::Op::kRegex: return "=~";
    case Matcher::Op::kNotRegex: return "!~";
  }
  return "=";
}

Result<Matcher> ParseMatcher(std::string_view s) {
  auto is_name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  size_t i = 0;
  while (i < s.size() && is_name_char(s[i])) ++i;
  if (i == 0)
    return InvalidArgument("matcher '" + std::string(s.substr(0, 64)) +
                               "' must start with a label name (letters, digits, _ . -)",
                           "matchers");
  Matcher m;
  m.name = std::string(s.substr(0, i));
  std::string_view rest = s.substr(i);
  if (rest.substr(0, 2) == "=~") {
    m.op = Matcher::Op::kRegex;
    rest.remove_prefix(2);
  } else if (rest.substr(0, 2) == "!~") {
    m.op = Matcher::Op::kNotRegex;
    rest.remove_prefix(2);
  } else if (rest.substr(0, 2) == "!=") {
    m.op = Matcher::Op::kNotEqual;
    rest.remove_prefix(2);
  } else if (rest.substr(0, 1) == "=") {
    m.op = Matcher::Op::kEqual;
    rest.remove_prefix(1);
  } else {
    return InvalidArgument("matcher '" + std::string(s.substr(0, 64)) +
                               "' needs an operator after the label name (=, !=, =~, !~)",
                           "matchers");
  }
  // Optional quotes around the value, as amtool writes them.
  if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') rest = rest.substr(1, rest.size() - 2);
  m.value = std::string(rest);
  return m;
}

std::string ToString(const Matcher& m) { return m.name + std::string(MatcherOpName(m.op)) + m.value; }

std::string_view Silence::StateAt(core::TimePoint now) const {
  if (expired_at || now >= ends_at) return "expired";
  if (now < starts_at) return "pending";
  return "active";
}

boost::json::object ToJson(const Silence& s, core::TimePoint now) {
  boost::json::object o;
  o["id"] = s.id;
  boost::json::array ms;
  for (const auto& m : s.matchers)
    ms.push_back(boost::json::object{{"name", m.name}, {"op", MatcherOpName(m.op)}, {"value", m.value}});
  o["matchers"] = std::move(ms);
  o["starts_at"] = core::FormatRfc3339(s.starts_at);
  o["ends_at"] = core::FormatRfc3339(s.ends_at);
  o["comment"] = s.comment;
  o["created_by"] = s.created_by;
  o["created_at"] = core::FormatRfc3339(s.created_at);
  if (s.expired_at) o["expired_at"] = core::FormatRfc3339(*s.expired_at);
  if (!s.expired_by.empty()) o["expired_by"] = s.expired_by;
  o["state"] = s.StateAt(now);
  return o;
}

Result<Silence> SilenceFromJson(const boost::json::value& v) {
  core::ObjectReader r(v, "silence");
  Silence s;
  s.id = r.String("id", true).value_or("");
  if (const auto* ms = r.Array("matchers", true)) {
    for (const auto& mv : *ms) {
      core::ObjectReader mr(mv, "silence.matchers");
      Matcher m;
      m.name = mr.String("name", true).value_or("");
      auto op = mr.String("op", true).value_or("=");
      m.value = mr.String("value").value_or("");
      FB_TRY(mr.status());
      FB_ASSIGN_OR_RETURN(auto parsed, ParseMatcher(m.name + op + "x"));
      m.op = parsed.op;
      s.matchers.push_back(std::move(m));
    }
  }
  s.comment = r.String("comment").value_or("");
  s.created_by = r.String("created_by").value_or("");
  s.expired_by = r.String("expired_by").value_or("");
  s.starts_at = r.Time("starts_at", true).value_or(core::TimePoint{});
  s.ends_at = r.Time("ends_at", true).value_or(core::TimePoint{});
  s.created_at = r.Time("created_at").value_or(core::TimePoint{});
  s.expired_at = r.Time("expired_at");
  FB_TRY(r.status());
  return s;
}

}  // namespace firebreak::model
