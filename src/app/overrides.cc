#include "app/overrides.h"

#include <algorithm>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "oncall/schedule.h"

namespace firebreak::app {

namespace json = boost::json;

namespace {

constexpr std::string_view kKey = "oncall/overrides";
constexpr core::Millis kPastSlack = std::chrono::minutes(5);
constexpr core::Millis kKeepEnded = std::chrono::hours(24 * kMaxOverrideDays);

std::string Str(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

Result<core::TimePoint> Time(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (!v || !v->is_string()) return Internal("stored override has no " + std::string(k));
  return core::ParseRfc3339(v->get_string());
}

json::object Stored(const ScheduleOverride& o) {
  json::object j{{"id", o.id},
                 {"schedule", o.schedule},
                 {"person", o.person},
                 {"replaces", o.replaces},
                 {"start", core::FormatRfc3339(o.start)},
                 {"end", core::FormatRfc3339(o.end)},
                 {"reason", o.reason},
                 {"created_by", o.created_by},
                 {"created_at", core::FormatRfc3339(o.created_at)},
                 {"cancelled", o.cancelled},
                 {"ended_by", o.ended_by}};
  if (o.ended_at) j["ended_at"] = core::FormatRfc3339(*o.ended_at);
  return j;
}

// Why an override cannot apply under `cfg` ("" if it can).
std::string Problem(const ScheduleOverride& o, const config::Config& cfg) {
  if (!cfg.FindSchedule(o.schedule)) return "schedule '" + o.schedule + "' is no longer configured";
  if (!cfg.FindPerson(o.person)) return "person '" + o.person + "' is no longer configured";
  if (!o.replaces.empty() && !cfg.FindPerson(o.replaces))
    return "person '" + o.replaces + "' (replaced) is no longer configured";
  return "";
}

}  // namespace

std::string ScheduleOverride::StateAt(core::TimePoint now) const {
  if (cancelled) return "cancelled";
  if (now < start) return "upcoming";
  if (now < end) return "active";
  return "ended";
}

Result<OverrideBook> LoadOverrides(store::Tx& tx) {
  OverrideBook book;
  FB_ASSIGN_OR_RETURN(auto raw, tx.meta().Get(kKey));
  if (!raw) return book;
  auto doc = core::ParseJson(*raw);
  if (!doc || !doc->is_object()) return Internal("the stored schedule overrides are not a JSON object");
  const auto& root = doc->get_object();
  if (auto* n = root.if_contains("next"); n && n->is_int64()) book.next = n->get_int64();
  auto* items = root.if_contains("overrides");
  if (!items || !items->is_array()) return Internal("the stored schedule overrides have no list");
  for (const auto& v : items->get_array()) {
    if (!v.is_object()) return Internal("a stored schedule override is not an object");
    const auto& j = v.get_object();
    ScheduleOverride o;
    o.id = Str(j, "id");
    o.schedule = Str(j, "schedule");
    o.person = Str(j, "person");
    o.replaces = Str(j, "replaces");
    o.reason = Str(j, "reason");
    o.created_by = Str(j, "created_by");
    o.ended_by = Str(j, "ended_by");
    FB_ASSIGN_OR_RETURN(o.start, Time(j, "start"));
    FB_ASSIGN_OR_RETURN(o.end, Time(j, "end"));
    FB_ASSIGN_OR_RETURN(o.created_at, Time(j, "created_at"));
    if (j.contains("ended_at")) {
      FB_ASSIGN_OR_RETURN(auto t, Time(j, "ended_at"));
      o.ended_at = t;
    }
    if (auto* c = j.if_contains("cancelled"); c && c->is_bool()) o.cancelled = c->get_bool();
    book.items.push_back(std::move(o));
  }
  return book;
}

Status SaveOverrides(store::Tx& tx, const OverrideBook& book) {
  json::array items;
  for (const auto& o : book.items) items.push_back(Stored(o));
  json::object root{{"next", book.next}, {"overrides", std::move(items)}};
  return tx.meta().Set(kKey, core::ToJson(root));
}

std::shared_ptr<const config::Config> WithOverrides(std::shared_ptr<const config::Config> files,
                                                    const std::vector<ScheduleOverride>& items) {
  std::shared_ptr<config::Config> out;
  for (const auto& o : items) {
    if (o.cancelled || !Problem(o, *files).empty()) continue;
    if (!out) out = std::make_shared<config::Config>(*files);
    for (auto& s : out->schedules)
      if (s.id == o.schedule) s.overrides.push_back(model::Override{o.person, o.start, o.end, o.replaces});
  }
  if (!out) return files;
  return out;
}

json::object OverrideJson(const ScheduleOverride& o, const config::Config& cfg, core::TimePoint now) {
  json::object j = Stored(o);
  if (o.replaces.empty()) j["replaces"] = nullptr;
  if (!o.ended_at) j["ended_at"] = nullptr;
  if (o.ended_by.empty()) j["ended_by"] = nullptr;
  j["state"] = o.StateAt(now);
  if (auto* p = cfg.FindPerson(o.person)) j["person_name"] = p->name;
  std::string problem = o.cancelled ? "" : Problem(o, cfg);
  j["applied"] = !o.cancelled && problem.empty();
  if (!problem.empty()) j["problem"] = problem;
  return j;
}

Result<ScheduleOverride> CheckOverride(const config::Config& cfg, const OverrideRequest& req, core::TimePoint now) {
  const model::Schedule* s = cfg.FindSchedule(req.schedule);
  if (!s) return InvalidArgument("unknown schedule '" + req.schedule + "'", "schedule");
  if (!cfg.FindPerson(req.person)) return InvalidArgument("unknown person '" + req.person + "'", "person");
  if (!req.replaces.empty()) {
    if (!cfg.FindPerson(req.replaces)) return InvalidArgument("unknown person '" + req.replaces + "'", "replaces");
    if (req.replaces == req.person) return InvalidArgument("a person cannot replace themselves", "replaces");
  }
  ScheduleOverride o;
  o.schedule = req.schedule;
  o.person = req.person;
  o.replaces = req.replaces;
  o.reason = req.reason;
  o.start = req.start.value_or(now);
  if (o.start < now) {
    if (now - o.start > kPastSlack)
      return InvalidArgument("start " + core::FormatRfc3339(o.start) +
                                 " is in the past: an override cannot change who was on call (leave start out to begin now)",
                             "start");
    o.start = now;
  }
  if (o.start > now + std::chrono::hours(24 * kMaxOverrideLeadDays))
    return InvalidArgument("start is more than " + std::to_string(kMaxOverrideLeadDays) + " days ahead", "start");
  const core::Millis longest = std::chrono::hours(24 * kMaxOverrideDays);
  const char* end_field = req.end ? "end" : "duration";
  const std::string too_long = "an override lasts at most " + std::to_string(kMaxOverrideDays) + " days";
  if (req.duration && *req.duration > longest) return InvalidArgument(too_long, end_field);
  o.end = req.end ? *req.end : o.start + *req.duration;
  if (o.end <= o.start) return InvalidArgument("end must be after start", end_field);
  if (o.end - o.start > longest) return InvalidArgument(too_long, end_field);
  if (!req.replaces.empty()) {
    // `replaces` names a person of the rotation (overrides apply over the layers' result, not over
    // each other): check the schedule without any override.
    model::Schedule rotation = *s;
    rotation.overrides.clear();
    FB_ASSIGN_OR_RETURN(auto shifts, oncall::FinalShifts(rotation, o.start, o.end));
    bool on_call = std::any_of(shifts.begin(), shifts.end(), [&](const oncall::Shift& sh) { return sh.person == req.replaces; });
    if (!on_call)
      return InvalidArgument(req.replaces + " is not on call in " + req.schedule + " between " +
                                 core::FormatRfc3339(o.start) + " and " + core::FormatRfc3339(o.end),
                             "replaces");
  }
  return o;
}

void PruneOverrides(OverrideBook& book, core::TimePoint now) {
  std::erase_if(book.items, [now](const ScheduleOverride& o) {
    core::TimePoint last = o.cancelled ? o.ended_at.value_or(o.created_at) : o.end;
    return now - last > kKeepEnded;
  });
}

}  // namespace firebreak::app
