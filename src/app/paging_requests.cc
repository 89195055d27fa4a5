#include "app/paging_requests.h"

#include <initializer_list>

#include "app/overrides.h"
#include "app/requests.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::app {

using core::ObjectReader;

namespace {

Result<std::optional<core::TimePoint>> TimeParam(const std::map<std::string, std::string>& q, const char* key) {
  auto it = q.find(key);
  if (it == q.end() || it->second.empty()) return std::optional<core::TimePoint>();
  auto t = core::ParseRfc3339(it->second);
  if (!t) return InvalidArgument(std::string(key) + ": " + t.error().message, key);
  return std::optional<core::TimePoint>(*t);
}

std::string Param(const std::map<std::string, std::string>& q, const char* key) {
  auto it = q.find(key);
  return it == q.end() ? "" : it->second;
}

Status CheckId(const std::string& s, const char* field) {
  if (s.size() > 128) return InvalidArgument(std::string(field) + " is too long", field);
  return Ok();
}

// `days` (1..93) as a query parameter, if given.
Result<std::optional<int>> DaysParam(const std::map<std::string, std::string>& q) {
  auto d = Param(q, "days");
  if (d.empty()) return std::optional<int>();
  if (d.size() > 2 || d.find_first_not_of("0123456789") != std::string::npos || std::stoi(d) < 1 || std::stoi(d) > 93)
    return InvalidArgument("days must be 1..93", "days");
  return std::optional<int>(std::stoi(d));
}

// `from` and `to` (RFC 3339) and `days`, if given; `to` and `days` exclude each other.
Status RangeParams(const std::map<std::string, std::string>& q, std::optional<core::TimePoint>& from,
                   std::optional<core::TimePoint>& to, int& days) {
  FB_ASSIGN_OR_RETURN(from, TimeParam(q, "from"));
  FB_ASSIGN_OR_RETURN(to, TimeParam(q, "to"));
  FB_ASSIGN_OR_RETURN(auto d, DaysParam(q));
  if (d) {
    if (to) return InvalidArgument("give to or days, not both", "days");
    days = *d;
  }
  return Ok();
}

// Copies an integer `days` (1..93) from tool arguments into query form.
Status DaysArg(const boost::json::object& o, std::map<std::string, std::string>& q) {
  auto it = o.find("days");
  if (it == o.end()) return Ok();
  if (!it->value().is_int64() && !it->value().is_uint64())
    return InvalidArgument("days must be an integer 1..93", "days");
  auto d = it->value().to_number<int64_t>();
  if (d < 1 || d > 93) return InvalidArgument("days must be 1..93", "days");
  q["days"] = std::to_string(d);
  return Ok();
}

// MCP tool arguments as the query parameters of the GET they mirror: the string fields of `allowed`
// and, if it names "days", an integer `days` (DaysArg). Null arguments are no parameters; a field
// not in `allowed` is refused by name.
Result<std::map<std::string, std::string>> ArgsAsQuery(const boost::json::value& body,
                                                       std::initializer_list<std::string_view> allowed) {
  std::map<std::string, std::string> q;
  if (body.is_null()) return q;
  ObjectReader r(body, "");
  r.RejectUnknown(allowed);
  bool days = false;
  for (auto k : allowed) {
    if (k == "days") days = true;
    else if (auto v = r.String(k)) q[std::string(k)] = *v;
  }
  FB_TRY(r.status());
  if (days) FB_TRY(DaysArg(body.get_object(), q));
  return q;
}

}  // namespace

Result<OncallQuery> DecodeOncallQuery(const std::map<std::string, std::string>& q) {
  FB_TRY(OnlyParams(q, {"schedule", "service", "severity", "at"}));
  OncallQuery o;
  o.schedule = Param(q, "schedule");
  o.service = Param(q, "service");
  FB_TRY(CheckId(o.schedule, "schedule"));
  FB_TRY(CheckId(o.service, "service"));
  if (!o.schedule.empty() && !o.service.empty())
    return InvalidArgument("ask for a schedule or a service, not both", "service");
  if (auto s = Param(q, "severity"); !s.empty()) {
    auto sev = model::ParseSeverity(s);
    if (!sev) return InvalidArgument(sev.error().message, "severity");
    o.severity = *sev;
  }
  FB_ASSIGN_OR_RETURN(o.at, TimeParam(q, "at"));
  return o;
}

Result<OncallQuery> DecodeOncallArgs(const boost::json::value& body) {
  FB_ASSIGN_OR_RETURN(auto q, ArgsAsQuery(body, {"schedule", "service", "severity", "at"}));
  return DecodeOncallQuery(q);
}

Result<ShiftsQuery> DecodeShiftsQuery(const std::map<std::string, std::string>& q) {
  FB_TRY(OnlyParams(q, {"schedule", "from", "to", "days"}));
  ShiftsQuery s;
  s.schedule = Param(q, "schedule");
  if (s.schedule.empty()) return InvalidArgument("schedule is required", "schedule");
  FB_TRY(CheckId(s.schedule, "schedule"));
  FB_TRY(RangeParams(q, s.from, s.to, s.days));
  return s;
}

Result<RosterQuery> DecodeRosterQuery(const std::map<std::string, std::string>& q) {
  FB_TRY(OnlyParams(q, {"schedule", "team", "from", "to", "days"}));
  RosterQuery r;
  r.schedule = Param(q, "schedule");
  r.team = Param(q, "team");
  FB_TRY(CheckId(r.schedule, "schedule"));
  FB_TRY(CheckId(r.team, "team"));
  if (r.schedule.empty() && r.team.empty()) return InvalidArgument("give a schedule or a team", "schedule");
  if (!r.schedule.empty() && !r.team.empty()) return InvalidArgument("give a schedule or a team, not both", "team");
  FB_TRY(RangeParams(q, r.from, r.to, r.days));
  return r;
}

Result<PeopleQuery> DecodePeopleQuery(const std::map<std::string, std::string>& q) {
  FB_TRY(OnlyParams(q, {"team"}));
  PeopleQuery r;
  r.team = Param(q, "team");
  FB_TRY(CheckId(r.team, "team"));
  return r;
}

Result<PeopleQuery> DecodePeopleArgs(const boost::json::value& body) {
  if (!body.is_null() && !body.is_object()) return InvalidArgument("arguments must be an object", "");
  FB_ASSIGN_OR_RETURN(auto q, ArgsAsQuery(body, {"team"}));
  return DecodePeopleQuery(q);
}

Result<PersonQuery> DecodePersonQuery(std::string person, const std::map<std::string, std::string>& q) {
  FB_TRY(OnlyParams(q, {"from", "to", "days"}));
  PersonQuery r;
  r.person = std::move(person);
  if (r.person.empty()) return InvalidArgument("give a person id, or me", "person");
  FB_TRY(CheckId(r.person, "person"));
  FB_TRY(RangeParams(q, r.from, r.to, r.days));
  return r;
}

Result<PersonQuery> DecodePersonArgs(const boost::json::value& body) {
  if (!body.is_object()) return InvalidArgument("arguments must be an object", "");
  std::map<std::string, std::string> q;
  ObjectReader r(body, "");
  r.RejectUnknown({"person", "from", "to", "days"});
  std::string person = r.String("person", true).value_or("");
  for (const char* k : {"from", "to"})
    if (auto v = r.String(k)) q[k] = *v;
  FB_TRY(r.status());
  FB_TRY(DaysArg(body.get_object(), q));
  return DecodePersonQuery(std::move(person), q);
}

Result<ResponderQuery> DecodeResponderQuery(const std::map<std::string, std::string>& q) {
  FB_TRY(OnlyParams(q, {"from", "days"}));
  ResponderQuery r;
  FB_ASSIGN_OR_RETURN(r.from, TimeParam(q, "from"));
  FB_ASSIGN_OR_RETURN(auto days, DaysParam(q));
  if (days) r.days = *days;
  return r;
}

Result<ResponderQuery> DecodeResponderArgs(const boost::json::value& body) {
  if (!body.is_null() && !body.is_object()) return InvalidArgument("arguments must be an object", "");
  FB_ASSIGN_OR_RETURN(auto q, ArgsAsQuery(body, {"from", "days"}));
  return DecodeResponderQuery(q);
}

Result<RosterQuery> DecodeRosterArgs(const boost::json::value& body) {
  FB_ASSIGN_OR_RETURN(auto q, ArgsAsQuery(body, {"schedule", "team", "from", "to", "days"}));
  return DecodeRosterQuery(q);
}

Result<HandoffsQuery> DecodeHandoffsQuery(const std::map<std::string, std::string>& q) {
  FB_TRY(OnlyParams(q, {"schedule", "from", "to", "days"}));
  HandoffsQuery h;
  h.schedule = Param(q, "schedule");
  FB_TRY(CheckId(h.schedule, "schedule"));
  FB_TRY(RangeParams(q, h.from, h.to, h.days));
  return h;
}

Result<HandoffsQuery> DecodeHandoffsArgs(const boost::json::value& body) {
  FB_ASSIGN_OR_RETURN(auto q, ArgsAsQuery(body, {"schedule", "from", "to", "days"}));
  return DecodeHandoffsQuery(q);
}

Result<EscalateRequest> DecodeEscalate(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"reason"});
  EscalateRequest e;
  e.reason = r.String("reason", true).value_or("");
  FB_TRY(r.status());
  return e;
}

Result<FlagRequest> DecodeFlag(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"flag", "reason"});
  FlagRequest f;
  f.flag = r.String("flag", true).value_or("");
  f.reason = r.String("reason", true).value_or("");
  FB_TRY(r.status());
  if (f.flag != "data_loss" && f.flag != "security")
    return InvalidArgument("flag must be data_loss or security", "flag");
  return f;
}

Result<ClockRequest> DecodeClock(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"advance", "set"});
  auto adv = r.String("advance");
  auto set = r.String("set");
  FB_TRY(r.status());
  if (adv.has_value() == set.has_value()) return InvalidArgument("give exactly one of advance or set", "advance");
  ClockRequest c;
  if (adv) {
    auto d = core::ParseDuration(*adv);
    if (!d) return InvalidArgument("advance: " + d.error().message, "advance");
    if (d->count() < 0) return InvalidArgument("advance must not be negative", "advance");
    c.advance = *d;
  } else {
    auto t = core::ParseRfc3339(*set);
    if (!t) return InvalidArgument("set: " + t.error().message, "set");
    c.set = *t;
  }
  return c;
}

Result<OverrideRequest> DecodeOverride(const boost::json::value& body) {
  ObjectReader r(body, "");
  r.RejectUnknown({"schedule", "person", "replaces", "start", "end", "duration", "reason"});
  OverrideRequest q;
  q.schedule = r.String("schedule", true).value_or("");
  q.person = r.String("person", true).value_or("");
  q.replaces = r.String("replaces").value_or("");
  auto start = r.String("start");
  auto end = r.String("end");
  auto duration = r.String("duration");
  q.reason = r.String("reason").value_or("");
  FB_TRY(r.status());
  FB_TRY(CheckId(q.schedule, "schedule"));
  FB_TRY(CheckId(q.person, "person"));
  FB_TRY(CheckId(q.replaces, "replaces"));
  if (q.schedule.empty()) return InvalidArgument("schedule is empty", "schedule");
  if (q.person.empty()) return InvalidArgument("person is empty", "person");
  if (q.reason.size() > 1000) return InvalidArgument("reason is too long (at most 1000 bytes)", "reason");
  if (start && !start->empty()) {
    auto t = core::ParseRfc3339(*start);
    if (!t) return InvalidArgument("start: " + t.error().message, "start");
    q.start = *t;
  }
  if (end && duration) return InvalidArgument("give end or duration, not both", "duration");
  if (!end && !duration) return InvalidArgument("end or duration is required", "end");
  if (end) {
    auto t = core::ParseRfc3339(*end);
    if (!t) return InvalidArgument("end: " + t.error().message, "end");
    q.end = *t;
  } else {
    auto d = core::ParseDuration(*duration);
    if (!d) return InvalidArgument("duration: " + d.error().message, "duration");
    if (*d <= core::Millis(0)) return InvalidArgument("duration must be positive", "duration");
    q.duration = *d;
  }
  return q;
}

Result<OverrideQuery> DecodeOverrideQuery(const std::map<std::string, std::string>& q) {
  FB_TRY(OnlyParams(q, {"schedule", "state"}));
  OverrideQuery o;
  o.schedule = Param(q, "schedule");
  FB_TRY(CheckId(o.schedule, "schedule"));
  const std::string state = Param(q, "state");
  if (!state.empty() && state != "current" && state != "all")
    return InvalidArgument("state must be current or all", "state");
  o.all = state == "all";
  return o;
}

Result<OverrideQuery> DecodeOverrideArgs(const boost::json::value& body) {
  std::map<std::string, std::string> q;
  if (!body.is_null()) {
    ObjectReader r(body, "");
    r.RejectUnknown({"schedule", "state"});
    for (const char* k : {"schedule", "state"})
      if (auto v = r.String(k)) q[k] = *v;
    FB_TRY(r.status());
  }
  return DecodeOverrideQuery(q);
}

}  // namespace firebreak::app
