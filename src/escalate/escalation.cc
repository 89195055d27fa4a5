#include "escalate/escalation.h"

#include <algorithm>
#include <set>

#include "core/json.h"
#include "core/time.h"

namespace firebreak::escalate {

namespace {

constexpr size_t kMaxHistory = 500;
constexpr size_t kMaxResponders = 500;
constexpr const char* kReopened = "incident reopened";
constexpr const char* kUnacknowledged = "incident unacknowledged";

int TierCount(const State& s) { return static_cast<int>(s.policy.tiers.size()); }

// Sets tier_due for the state's position (next tier, or the next cycle, or nothing).
void Arm(State& s) {
  if (s.status != Status::kActive || TierCount(s) == 0) {
    s.tier_due.reset();
    return;
  }
  if (s.next_tier < TierCount(s)) {
    s.tier_due = s.cycle_start + s.policy.tiers[static_cast<size_t>(s.next_tier)].delay;
    s.exhausted = false;
  } else if (s.cycle < s.policy.repeat) {
    s.tier_due = s.cycle_start + CycleLength(s.policy);
    s.exhausted = false;
  } else {
    s.tier_due.reset();
    s.exhausted = true;
  }
}

std::string TimerReason(const State& s, int tier) {
  std::string r;
  if (s.cycle == 0 && tier == 0) {
    r = s.status_reason.empty() ? "incident opened" : s.status_reason;
  } else if (s.cycle > 0 && s.policy.tiers[static_cast<size_t>(tier)].delay == core::Millis(0)) {
    // "not acknowledged 0s after repeat 1 began" said nothing: what started the repeat is that the
    // previous round went unanswered.
    r = "not acknowledged " + core::FormatDuration(CycleLength(s.policy)) + " after " +
        (s.cycle == 1 ? std::string("the first round began") : "repeat " + std::to_string(s.cycle - 1) + " began") +
        "; the policy starts over";
  } else {
    r = "not acknowledged " + core::FormatDuration(s.policy.tiers[static_cast<size_t>(tier)].delay) + " after " +
        (s.cycle > 0                ? "repeat " + std::to_string(s.cycle) + " began"
         : s.hold_reason.empty()    ? std::string("the incident opened")
                                    : std::string("its escalation started"));
  }
  if (s.cycle > 0) r = "repeat " + std::to_string(s.cycle) + " of " + std::to_string(s.policy.repeat) + ": " + r;
  return r;
}

}  // namespace

PolicySnapshot Snapshot(const model::EscalationPolicy& p) {
  PolicySnapshot s;
  s.id = p.id;
  s.name = p.name;
  s.repeat = p.repeat;
  s.repeat_after = p.repeat_after;
  s.ack_timeout = p.ack_timeout;
  s.support_hours = p.support_hours;
  s.low_urgency = p.low_urgency;
  s.tiers = p.tiers;
  return s;
}

bool LowUrgency(const PolicySnapshot& p, model::Severity sev) {
  return !p.support_hours.empty() && std::find(p.low_urgency.begin(), p.low_urgency.end(), sev) != p.low_urgency.end();
}

core::Millis CycleLength(const PolicySnapshot& p) {
  if (p.repeat_after.count() > 0) return p.repeat_after;
  core::Millis last = p.tiers.empty() ? core::Millis(0) : p.tiers.back().delay;
  return last + std::chrono::minutes(15);
}

std::string_view StatusName(Status s) {
  switch (s) {
    case Status::kActive: return "active";
    case Status::kAcknowledged: return "acknowledged";
    case Status::kStopped: return "stopped";
  }
  return "stopped";
}

State Start(std::string incident_id, PolicySnapshot policy, model::Severity sev, core::Millis ack_sla,
            core::TimePoint now) {
  State s;
  s.incident_id = std::move(incident_id);
  s.policy = std::move(policy);
  s.severity = sev;
  s.ack_sla = ack_sla;
  s.started_at = now;
  s.cycle_start = now;
  if (ack_sla.count() > 0) s.sla_due = now + ack_sla;
  Arm(s);
  return s;
}

std::optional<core::TimePoint> NextDue(const State& s) {
  if (s.status != Status::kActive) return std::nullopt;
  if (s.tier_due && s.sla_due) return std::min(*s.tier_due, *s.sla_due);
  return s.tier_due ? s.tier_due : s.sla_due;
}

std::vector<Page> Due(State& s, core::TimePoint now) {
  std::vector<Page> pages;
  if (s.status != Status::kActive) return pages;
  std::set<int> paged;  // tiers paged in this call (catching up pages each tier once)
  const bool hold_ended = s.held_until && *s.held_until <= now;
  if (hold_ended) s.held_until.reset();
  for (int guard = 0; s.tier_due && *s.tier_due <= now && guard < 100000; ++guard) {
    core::TimePoint due = *s.tier_due;
    if (s.next_tier >= TierCount(s)) {  // the next cycle begins
      ++s.cycle;
      s.cycle_start = due;
      s.next_tier = 0;
      s.highest = -1;
      Arm(s);
      continue;
    }
    int tier = s.next_tier;
    if (!paged.count(tier)) {
      Page p;
      p.tier = tier;
      p.cycle = s.cycle;
      p.trigger = s.cycle == 0 && tier == 0 ? (hold_ended                           ? "support_hours"
                                               : s.status_reason == kReopened       ? "reopened"
                                               : s.status_reason == kUnacknowledged ? "unacknowledged"
                                                                                    : "opened")
                                            : (s.cycle > 0 && tier == 0 ? "repeat" : "timer");
      p.reason = hold_ended && s.cycle == 0 && tier == 0 ? "support hours began (" + s.hold_reason + ")"
                                                         : TimerReason(s, tier);
      p.due = due;
      p.lateness = now - due;
      pages.push_back(std::move(p));
      paged.insert(tier);
    }
    s.highest = tier;
    s.reached = std::max(s.reached, tier);
    ++s.next_tier;
    Arm(s);
  }
  if (s.sla_due && *s.sla_due <= now) {
    core::TimePoint due = *s.sla_due;
    std::string reason = "ack SLA of " + std::string(model::SeverityName(s.severity)) + " (" +
                         core::FormatDuration(s.ack_sla) + ") passed without acknowledgement";
    for (int tier = 0; tier <= s.reached && tier < TierCount(s); ++tier) {
      if (paged.count(tier)) continue;
      Page p;
      p.tier = tier;
      p.cycle = s.cycle;
      p.trigger = "ack_sla";
      p.reason = reason;
      p.due = due;
      p.lateness = now - due;
      pages.push_back(std::move(p));
    }
    if (s.ack_sla.count() > 0) {
      auto periods = (now - s.started_at) / s.ack_sla + 1;
      s.sla_due = s.started_at + s.ack_sla * periods;
    } else {
      s.sla_due.reset();
    }
  }
  return pages;
}

std::vector<Page> EscalateNow(State& s, core::TimePoint now, std::string trigger, std::string reason) {
  std::vector<Page> pages;
  if (TierCount(s) == 0) return pages;
  int target = s.next_tier >= TierCount(s) ? TierCount(s) : s.highest + 1;
  bool top_again = target >= TierCount(s);
  if (top_again) {
    target = TierCount(s) - 1;
    reason += " (no higher tier: paging the top tier again)";
  }
  auto page = [&](int tier) {
    Page p;
    p.tier = tier;
    p.cycle = s.cycle;
    p.trigger = trigger;
    p.reason = reason;
    p.due = now;
    pages.push_back(std::move(p));
    s.highest = std::max(s.highest, tier);
    s.reached = std::max(s.reached, tier);
  };
  page(target);
  if (!top_again) {
    // The following tiers keep their spacing from this page; tiers with the same delay as the
    // target are part of the same step and go out with it.
    const auto delay = s.policy.tiers[static_cast<size_t>(target)].delay;
    s.cycle_start = std::min(s.cycle_start, now - delay);
    s.next_tier = target + 1;
    while (s.next_tier < TierCount(s) && s.policy.tiers[static_cast<size_t>(s.next_tier)].delay <= delay) {
      page(s.next_tier);
      ++s.next_tier;
    }
    Arm(s);
  }
  return pages;
}

void Acknowledge(State& s, std::string why) {
  s.held_until.reset();
  s.status = Status::kAcknowledged;
  s.status_reason = std::move(why);
  s.tier_due.reset();
  s.sla_due.reset();
}

void Stop(State& s, std::string why) {
  s.held_until.reset();
  s.status = Status::kStopped;
  s.status_reason = std::move(why);
  s.tier_due.reset();
  s.sla_due.reset();
}

namespace {
// Back to tier 1 of the first cycle, starting at `at`.
void Restart(State& s, core::TimePoint at) {
  s.started_at = at;
  s.cycle_start = at;
  s.cycle = 0;
  s.next_tier = 0;
  s.highest = -1;
  s.reached = -1;
  s.sla_due.reset();
  if (s.ack_sla.count() > 0) s.sla_due = at + s.ack_sla;
  Arm(s);
}
}  // namespace

void Hold(State& s, core::TimePoint until, std::string why) {
  if (s.status != Status::kActive) return;
  s.held_until = until;
  s.hold_reason = std::move(why);
  Restart(s, until);
}

bool Held(const State& s, core::TimePoint now) {
  return s.status == Status::kActive && s.held_until && now < *s.held_until;
}

void Release(State& s, core::TimePoint now) {
  if (!s.held_until) return;
  s.held_until.reset();
  Restart(s, now);
}

void Reopen(State& s, core::TimePoint now, bool unacknowledged) {
  s.status = Status::kActive;
  s.status_reason = unacknowledged ? kUnacknowledged : kReopened;
  s.held_until.reset();
  s.hold_reason.clear();
  Restart(s, now);
}

void SetSeverity(State& s, model::Severity sev, core::Millis ack_sla, core::TimePoint now) {
  s.severity = sev;
  s.ack_sla = ack_sla;
  if (s.status != Status::kActive) return;
  if (ack_sla.count() <= 0) {
    s.sla_due.reset();
    return;
  }
  auto periods = now < s.started_at ? 1 : (now - s.started_at) / ack_sla + 1;
  s.sla_due = s.started_at + ack_sla * periods;
}

void SwitchPolicy(State& s, PolicySnapshot p) {
  s.policy = std::move(p);
  int n = TierCount(s);
  s.highest = std::min(s.highest, n - 1);
  s.reached = std::min(s.reached, n - 1);
  s.next_tier = std::min(s.highest + 1, n);
  Arm(s);
}

const PageRecord& Record(State& s, const Page& p, std::vector<std::string> people, core::TimePoint now,
                         core::Millis late_margin) {
  PageRecord r;
  r.n = ++s.pages;
  r.time = now;
  r.due = p.due;
  r.tier = p.tier;
  r.cycle = p.cycle;
  r.trigger = p.trigger;
  r.reason = p.reason;
  r.people = std::move(people);
  r.lateness = p.lateness;
  r.late = p.lateness > late_margin;
  s.history.push_back(std::move(r));
  if (s.history.size() > kMaxHistory) s.history.erase(s.history.begin());
  return s.history.back();
}

void AddResponderRequests(State& s, const PageRecord& rec, const std::string& requested_by,
                          const std::string& message) {
  for (const auto& person : rec.people) {
    // Asking again replaces an unanswered earlier request: only the latest can be answered.
    for (auto& old : s.responders)
      if (old.person == person && old.response == "pending") old.response = "superseded";
    ResponderRequest r;
    r.page = rec.n;
    r.person = person;
    r.requested_by = requested_by;
    r.message = message;
    r.requested_at = rec.time;
    s.responders.push_back(std::move(r));
  }
  if (s.responders.size() > kMaxResponders)
    s.responders.erase(s.responders.begin(),
                       s.responders.begin() + static_cast<std::ptrdiff_t>(s.responders.size() - kMaxResponders));
}

Result<ResponderRequest> AnswerResponderRequest(State& s, const std::string& person, bool accept,
                                                const std::string& responded_by, const std::string& note,
                                                core::TimePoint now) {
  auto it = std::find_if(s.responders.rbegin(), s.responders.rend(),
                         [&](const ResponderRequest& r) { return r.person == person; });
  if (it == s.responders.rend())
    return NotFound(person + " was not asked to respond to " + s.incident_id, "person");
  if (it->response != "pending")
    return FailedPrecondition(person + " already " + it->response + " the request to respond (at " +
                                  core::FormatRfc3339(it->responded_at.value_or(now)) + ")",
                              "response");
  it->response = accept ? "accepted" : "declined";
  it->responded_at = now;
  it->responded_by = responded_by;
  it->note = note;
  return *it;
}

std::vector<ResponderRequest> PendingResponderRequests(const State& s, const std::string& person) {
  std::vector<ResponderRequest> out;
  for (const auto& r : s.responders)
    if (r.person == person && r.response == "pending") out.push_back(r);
  return out;
}

// ---- JSON -------------------------------------------------------------------------------------

namespace {

namespace json = boost::json;

json::value Time(const std::optional<core::TimePoint>& t) {
  if (!t) return nullptr;
  return json::value(core::FormatRfc3339(*t));
}

}  // namespace

json::object ToJson(const PolicySnapshot& p) {
  json::array low;
  for (auto sev : p.low_urgency) low.emplace_back(model::SeverityName(sev));
  json::array tiers;
  for (const auto& t : p.tiers) {
    json::array targets;
    for (const auto& x : t.targets) targets.push_back(json::object{{"type", x.type}, {"id", x.id}});
    tiers.push_back(json::object{{"after_ms", t.delay.count()}, {"after", core::FormatDuration(t.delay)},
                                 {"targets", targets}});
  }
  return json::object{{"id", p.id},
                      {"name", p.name},
                      {"repeat", p.repeat},
                      {"repeat_after_ms", p.repeat_after.count()},
                      {"ack_timeout_ms", p.ack_timeout.count()},
                      {"support_hours", p.support_hours},
                      {"low_urgency", low},
                      {"cycle", core::FormatDuration(CycleLength(p))},
                      {"tiers", tiers}};
}

json::object ToJson(const ResponderRequest& r) {
  return json::object{{"page", r.page},
                      {"person", r.person},
                      {"requested_by", r.requested_by},
                      {"message", r.message},
                      {"requested_at", core::FormatRfc3339(r.requested_at)},
                      {"response", r.response},
                      {"responded_at", Time(r.responded_at)},
                      {"responded_by", r.responded_by},
                      {"note", r.note}};
}

json::object ToJson(const State& s) {
  json::array responders;
  for (const auto& r : s.responders) responders.push_back(ToJson(r));
  json::array hist;
  for (const auto& r : s.history) {
    json::array people;
    for (const auto& p : r.people) people.emplace_back(p);
    hist.push_back(json::object{{"n", r.n},
                                {"time", core::FormatRfc3339(r.time)},
                                {"due", core::FormatRfc3339(r.due)},
                                {"tier", r.tier + 1},
                                {"cycle", r.cycle},
                                {"trigger", r.trigger},
                                {"reason", r.reason},
                                {"people", people},
                                {"lateness_ms", r.lateness.count()},
                                {"late", r.late}});
  }
  json::object o{{"incident_id", s.incident_id},
                 {"policy", ToJson(s.policy)},
                 {"severity", model::SeverityName(s.severity)},
                 {"status", StatusName(s.status)},
                 {"status_reason", s.status_reason},
                 {"started_at", core::FormatRfc3339(s.started_at)},
                 {"cycle_start", core::FormatRfc3339(s.cycle_start)},
                 {"cycle", s.cycle},
                 {"next_tier", s.next_tier},
                 {"highest", s.highest},
                 {"reached", s.reached},
                 {"tier_due", Time(s.tier_due)},
                 {"sla_due", Time(s.sla_due)},
                 {"next_due", Time(NextDue(s))},
                 {"ack_sla_ms", s.ack_sla.count()},
                 {"exhausted", s.exhausted},
                 {"held_until", Time(s.held_until)},
                 {"hold_reason", s.hold_reason},
                 {"pages", s.pages},
                 {"history", hist},
                 {"responders", responders}};
  return o;
}

Result<State> StateFromJson(const json::value& v) {
  core::ObjectReader r(v, "");
  State s;
  s.incident_id = r.String("incident_id", true).value_or("");
  (void)r.Object("policy", true);
  if (!r.ok()) return Unexpected(r.status().error());
  {
    core::ObjectReader pr(*r.Raw("policy"), "policy");  // (the reader keeps a pointer: pass the stored value)
    s.policy.id = pr.String("id", true).value_or("");
    s.policy.name = pr.String("name").value_or("");
    s.policy.repeat = static_cast<int>(pr.Int("repeat").value_or(0));
    s.policy.repeat_after = core::Millis(pr.Int("repeat_after_ms").value_or(0));
    s.policy.ack_timeout = core::Millis(pr.Int("ack_timeout_ms").value_or(0));
    s.policy.support_hours = pr.String("support_hours").value_or("");
    for (const auto& name : pr.StringArray("low_urgency").value_or(std::vector<std::string>{})) {
      auto sev = model::ParseSeverity(name);
      if (!sev) return InvalidArgument("policy.low_urgency: " + sev.error().message, "policy.low_urgency");
      s.policy.low_urgency.push_back(*sev);
    }
    const json::array* tiers = pr.Array("tiers", true);
    if (!pr.ok()) return Unexpected(pr.status().error());
    for (const auto& tv : *tiers) {
      core::ObjectReader tr(tv, "policy.tiers");
      model::EscalationTier t;
      t.delay = core::Millis(tr.Int("after_ms", true).value_or(0));
      const json::array* targets = tr.Array("targets", true);
      if (!tr.ok()) return Unexpected(tr.status().error());
      for (const auto& xv : *targets) {
        core::ObjectReader xr(xv, "policy.tiers.targets");
        model::EscalationTarget x;
        x.type = xr.String("type", true).value_or("");
        x.id = xr.String("id", true).value_or("");
        if (!xr.ok()) return Unexpected(xr.status().error());
        t.targets.push_back(std::move(x));
      }
      s.policy.tiers.push_back(std::move(t));
    }
  }
  FB_ASSIGN_OR_RETURN(s.severity, model::ParseSeverity(r.String("severity", true).value_or("")));
  auto st = r.String("status", true).value_or("");
  if (st == "active") s.status = Status::kActive;
  else if (st == "acknowledged") s.status = Status::kAcknowledged;
  else if (st == "stopped") s.status = Status::kStopped;
  else return InvalidArgument("unknown escalation status '" + st + "'", "status");
  s.status_reason = r.String("status_reason").value_or("");
  s.started_at = r.Time("started_at", true).value_or(core::TimePoint{});
  s.cycle_start = r.Time("cycle_start", true).value_or(core::TimePoint{});
  s.cycle = static_cast<int>(r.Int("cycle").value_or(0));
  s.next_tier = static_cast<int>(r.Int("next_tier").value_or(0));
  s.highest = static_cast<int>(r.Int("highest").value_or(-1));
  s.reached = static_cast<int>(r.Int("reached").value_or(-1));
  s.tier_due = r.Time("tier_due");
  s.sla_due = r.Time("sla_due");
  s.ack_sla = core::Millis(r.Int("ack_sla_ms").value_or(0));
  s.exhausted = r.Bool("exhausted").value_or(false);
  s.held_until = r.Time("held_until");
  s.hold_reason = r.String("hold_reason").value_or("");
  s.pages = r.Int("pages").value_or(0);
  if (const json::array* hist = r.Array("history")) {
    for (const auto& hv : *hist) {
      core::ObjectReader hr(hv, "history");
      PageRecord p;
      p.n = hr.Int("n").value_or(0);
      p.time = hr.Time("time", true).value_or(core::TimePoint{});
      p.due = hr.Time("due", true).value_or(core::TimePoint{});
      p.tier = static_cast<int>(hr.Int("tier").value_or(1)) - 1;
      p.cycle = static_cast<int>(hr.Int("cycle").value_or(0));
      p.trigger = hr.String("trigger").value_or("");
      p.reason = hr.String("reason").value_or("");
      p.people = hr.StringArray("people").value_or(std::vector<std::string>{});
      p.lateness = core::Millis(hr.Int("lateness_ms").value_or(0));
      p.late = hr.Bool("late").value_or(false);
      FB_TRY(hr.status());
      s.history.push_back(std::move(p));
    }
  }
  if (const json::array* resp = r.Array("responders")) {
    for (const auto& rv : *resp) {
      core::ObjectReader rr(rv, "responders");
      ResponderRequest q;
      q.page = rr.Int("page").value_or(0);
      q.person = rr.String("person", true).value_or("");
      q.requested_by = rr.String("requested_by").value_or("");
      q.message = rr.String("message").value_or("");
      q.requested_at = rr.Time("requested_at", true).value_or(core::TimePoint{});
      q.response = rr.String("response").value_or("pending");
      q.responded_at = rr.Time("responded_at");
      q.responded_by = rr.String("responded_by").value_or("");
      q.note = rr.String("note").value_or("");
      if (!rr.ok()) return Unexpected(rr.status().error());
      if (q.response != "pending" && q.response != "accepted" && q.response != "declined" &&
          q.response != "superseded")
        return InvalidArgument("unknown responder response '" + q.response + "'", "responders");
      s.responders.push_back(std::move(q));
    }
  }
  if (!r.ok()) return Unexpected(r.status().error());
  int n = static_cast<int>(s.policy.tiers.size());
  if (s.next_tier < 0 || s.next_tier > n || s.highest < -1 || s.highest >= n || s.reached >= n || s.cycle < 0)
    return InvalidArgument("escalation state is inconsistent with its policy", "next_tier");
  return s;
}

}  // namespace firebreak::escalate
