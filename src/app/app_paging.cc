// App commands and queries for on-call schedules, escalations, notifications and signed links.
#include "app/app.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "engine/incidents.h"
#include "escalate/escalation.h"
#include "oncall/resilience.h"
#include "paging/handoff.h"
#include "paging/oncall_query.h"
#include "paging/people.h"

namespace firebreak::app {

namespace json = boost::json;

namespace {

// Webhook URLs can carry secrets (Slack's do): show only where they point.
std::string RedactDestination(const std::string& d) {
  auto scheme = d.find("://");
  if (scheme == std::string::npos) return d;
  auto path = d.find('/', scheme + 3);
  return path == std::string::npos ? d : d.substr(0, path) + "/…";
}

json::value OptTime(const std::optional<core::TimePoint>& t) {
  return t ? json::value(core::FormatRfc3339(*t)) : json::value(nullptr);
}

// What every listing of notifications shows of one: to whom, through what, and how its delivery went.
json::object DeliveryJson(const store::OutboxRow& r) {
  return json::object{{"idempotency_key", r.key},
                      {"event", r.event},
                      {"person", r.person},
                      {"channel", r.channel},
                      {"channel_type", r.channel_type},
                      {"destination", RedactDestination(r.destination)},
                      {"state", r.state},
                      {"attempts", r.attempts},
                      {"created_at", core::FormatRfc3339(r.created_at)},
                      {"delivered_at", OptTime(r.delivered_at)},
                      {"last_error", r.last_error}};
}

template <class F>
void Submit(engine::Engine& e, F fn, Callback<model::Incident> cb) {
  e.Submit<model::Incident>(std::function<Result<model::Incident>(engine::Tx&)>(std::move(fn)), std::move(cb));
}

}  // namespace

Result<json::object> App::OnCall(const model::Principal& who, const OncallQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = config();
  core::TimePoint at = q.at.value_or(clock_->Now());
  if (!q.service.empty()) return paging::OnCallForService(*cfg, q.service, q.severity, at);
  return paging::OnCallForSchedules(*cfg, q.schedule, at);
}

Result<json::object> App::Shifts(const model::Principal& who, const ShiftsQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = config();
  core::TimePoint from = q.from.value_or(clock_->Now());
  core::TimePoint to = q.to.value_or(from + std::chrono::hours(24) * q.days);
  return paging::ShiftsJson(*cfg, q.schedule, from, to);
}

Result<json::object> App::Handoffs(const model::Principal& who, const HandoffsQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = config();
  core::TimePoint from = q.from.value_or(clock_->Now());
  core::TimePoint to = q.to.value_or(from + std::chrono::hours(24) * q.days);
  FB_ASSIGN_OR_RETURN(auto out, paging::HandoffsJson(*cfg, q.schedule, from, to));
  json::array notices;
  if (pager_) {
    FB_ASSIGN_OR_RETURN(auto rows, pager_->HandoffNotices());
    for (auto it = rows.rbegin(); it != rows.rend() && notices.size() < 50; ++it) {
      const auto& r = *it;
      std::string schedule, at;
      if (auto ctx = core::ParseJson(r.context); ctx && ctx->is_object()) {
        if (const auto* sh = ctx->get_object().if_contains("shift"); sh && sh->is_object()) {
          if (const auto* v = sh->get_object().if_contains("schedule"); v && v->is_string()) schedule = v->get_string();
          if (const auto* v = sh->get_object().if_contains("at"); v && v->is_string()) at = v->get_string();
        }
      }
      if (!q.schedule.empty() && schedule != q.schedule) continue;
      auto notice = DeliveryJson(r);
      notice["schedule"] = schedule;
      notice["at"] = at;
      notices.push_back(std::move(notice));
    }
  }
  out["notices"] = std::move(notices);
  return out;
}

Result<json::object> App::AuditHeadPublished(const model::Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  json::object out{{"published", nullptr}, {"notices", json::array{}}};
  if (!pager_) return out;
  FB_ASSIGN_OR_RETURN(out["published"], pager_->LastAuditHead());
  FB_ASSIGN_OR_RETURN(auto rows, pager_->AuditHeadNotices(20));
  auto& notices = out["notices"].as_array();
  for (const auto& row : rows) {
    auto o = DeliveryJson(row);
    if (auto ctx = core::ParseJson(row.context); ctx && ctx->is_object())
      if (const auto* a = ctx->get_object().if_contains("audit"); a && a->is_object())
        if (const auto* h = a->get_object().if_contains("head")) o["head"] = *h;
    notices.push_back(std::move(o));
  }
  return out;
}

Result<json::object> App::Roster(const model::Principal& who, const RosterQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = config();
  core::TimePoint from = q.from.value_or(clock_->Now());
  core::TimePoint to = q.to.value_or(from + std::chrono::hours(24) * q.days);
  return paging::RosterJson(*cfg, q.schedule, q.team, from, to);
}

Result<json::object> App::ResponderResilience(const model::Principal& who, const ResponderQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = config();
  const core::TimePoint from = q.from.value_or(clock_->Now());
  const core::Millis horizon = std::chrono::hours(24) * q.days;
  const auto& rules = cfg->settings.responders;
  std::vector<oncall::PageRecord> pages;
  std::vector<oncall::Holding> holdings;
  {
    FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    // Night pages whose rest period reaches into the window.
    FB_ASSIGN_OR_RETURN(auto rows, tx->outbox().PagesBetween(from - rules.rest_after_night_page, from + horizon, 100000));
    std::set<std::tuple<std::string, std::string, int64_t>> seen;  // one per page, not per contact method
    for (const auto& r : rows)
      if (seen.emplace(r.person, r.incident_id, r.page_n).second)
        pages.push_back({r.person, r.created_at, r.incident_id});
    store::IncidentFilter f;
    f.open_only = true;
    f.limit = 100000;
    FB_ASSIGN_OR_RETURN(auto open, tx->incidents().List(f));
    for (const auto& inc : open)
      for (const auto& [role, person] : inc.roles)
        if (!person.empty()) holdings.push_back({person, "role", inc.id, role});
    FB_ASSIGN_OR_RETURN(auto unacked, tx->outbox().UnacknowledgedPages());
    for (const auto& [person, incident] : unacked) holdings.push_back({person, "page", incident, "acknowledge"});
  }
  oncall::Roster roster{&cfg->schedules, &cfg->teams, &cfg->people, &cfg->services, &cfg->policies, nullptr};
  roster.policy_for = [&cfg](const model::Service& s) { return cfg->PolicyFor(s.id, model::Severity::kSev2); };
  FB_ASSIGN_OR_RETURN(auto rep, oncall::AnalyzeResilience(roster, rules, from, horizon, pages, holdings));
  auto out = oncall::ToJson(rep);
  json::object limits;
  limits["max_oncall_per_week_hours"] = static_cast<double>(rules.max_oncall_per_week.count()) / 3.6e6;
  limits["max_consecutive_shifts"] = rules.max_consecutive_shifts;
  limits["rest_after_night_page_hours"] = static_cast<double>(rules.rest_after_night_page.count()) / 3.6e6;
  limits["night_hours"] = std::to_string(rules.night_start_hour) + "-" + std::to_string(rules.night_end_hour);
  limits["max_pending"] = rules.max_pending;
  limits["critical_max_tier"] = rules.critical_max_tier;
  out["rules"] = std::move(limits);
  return out;
}

// ---- people ------------------------------------------------------------------------------------

Result<json::object> App::People(const model::Principal& who, const PeopleQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  return paging::PeopleJson(*config(), q.team, clock_->Now());
}

Result<json::object> App::Person(const model::Principal& who, const PersonQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  std::string id = q.person;
  if (id == "me") {
    if (who.person.empty()) return InvalidArgument("this token belongs to no person: name one instead of me", "person");
    id = who.person;
  }
  auto cfg = config();
  const auto now = clock_->Now();
  const core::TimePoint from = q.from.value_or(now);
  const core::TimePoint to = q.to.value_or(from + std::chrono::hours(24) * q.days);
  FB_ASSIGN_OR_RETURN(auto out, paging::PersonJson(*cfg, id, now, from, to));

  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  store::IncidentFilter f;
  f.open_only = true;
  f.limit = 100000;
  FB_ASSIGN_OR_RETURN(auto open, tx->incidents().List(f));
  auto brief = [](const model::Incident& inc) {
    return json::object{{"id", inc.id},
                        {"title", inc.title},
                        {"severity", model::SeverityName(inc.severity)},
                        {"state", model::StateName(inc.state)}};
  };
  json::array roles, pages, overrides;
  for (const auto& inc : open)
    for (const auto& [role, person] : inc.roles)
      if (person == id) {
        auto o = brief(inc);
        o["role"] = role;
        roles.push_back(std::move(o));
      }
  FB_ASSIGN_OR_RETURN(auto unacked, tx->outbox().UnacknowledgedPages());
  std::set<std::string> paged;
  for (const auto& [person, incident] : unacked)
    if (person == id) paged.insert(incident);
  for (const auto& inc : open)
    if (paged.count(inc.id)) pages.push_back(brief(inc));
  json::array asked;
  for (const auto& inc : open) {
    FB_ASSIGN_OR_RETURN(auto s, paging::LoadEscalation(*tx, inc.id));
    if (!s) continue;
    for (const auto& r : escalate::PendingResponderRequests(*s, id)) {
      auto o = brief(inc);
      o["request"] = escalate::ToJson(r);
      asked.push_back(std::move(o));
    }
  }
  FB_ASSIGN_OR_RETURN(auto book, LoadOverrides(*tx));
  std::stable_sort(book.items.begin(), book.items.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  for (const auto& o : book.items) {
    const std::string state = o.StateAt(now);
    if ((state == "upcoming" || state == "active") && (o.person == id || o.replaces == id))
      overrides.push_back(OverrideJson(o, *cfg, now));
  }
  out["incidents"] = std::move(roles);
  out["pending_pages"] = std::move(pages);
  out["responder_requests"] = std::move(asked);
  out["overrides"] = std::move(overrides);
  return out;
}

// ---- schedule overrides ---------------------------------------------------------------------

std::shared_ptr<const config::Config> App::FileConfig() const {
  std::lock_guard lk(file_config_mu_);
  return file_config_;
}

void App::ApplyOverrides(const std::vector<ScheduleOverride>& items) {
  engine_->SetConfig(WithOverrides(FileConfig(), items));
  if (pager_) pager_->PlanHandoffs();  // a handoff may have moved, appeared or gone
}

Result<json::object> App::ListOverrides(const model::Principal& who, const OverrideQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = config();
  const auto now = clock_->Now();
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto book, LoadOverrides(*tx));
  if (!q.schedule.empty() && !cfg->FindSchedule(q.schedule) &&
      std::none_of(book.items.begin(), book.items.end(), [&](const auto& o) { return o.schedule == q.schedule; }))
    return InvalidArgument("unknown schedule '" + core::Truncate(q.schedule, 64) + "'", "schedule");
  std::stable_sort(book.items.begin(), book.items.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  json::array out;
  for (const auto& o : book.items) {
    if (!q.schedule.empty() && o.schedule != q.schedule) continue;
    std::string state = o.StateAt(now);
    if (!q.all && state != "upcoming" && state != "active") continue;
    out.push_back(OverrideJson(o, *cfg, now));
  }
  return json::object{{"overrides", std::move(out)}};
}

Result<json::object> App::GetOverride(const model::Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto book, LoadOverrides(*tx));
  for (const auto& o : book.items)
    if (o.id == id) return OverrideJson(o, *config(), clock_->Now());
  return NotFound("no schedule override " + core::Truncate(id, 64), "id");
}

void App::CreateOverride(const model::Principal& who, OverrideRequest req, Callback<json::object> cb) {
  if (auto st = model::RequireScope(who, model::kScopeWrite); !st) return cb(Unexpected(st.error()));
  engine_->Submit<json::object>(
      std::function<Result<json::object>(engine::Tx&)>([this, who, req](engine::Tx& tx) -> Result<json::object> {
        FB_ASSIGN_OR_RETURN(auto o, CheckOverride(tx.config(), req, tx.now()));
        FB_ASSIGN_OR_RETURN(auto book, LoadOverrides(tx.store()));
        PruneOverrides(book, tx.now());
        if (book.items.size() >= kMaxOverrides)
          return FailedPrecondition("there are already " + std::to_string(kMaxOverrides) +
                                    " schedule overrides; delete some first");
        o.id = "OVR-" + std::to_string(book.next++);
        o.created_by = who.actor.ToString();
        o.created_at = tx.now();
        book.items.push_back(o);
        FB_TRY(SaveOverrides(tx.store(), book));
        auto j = OverrideJson(o, tx.config(), tx.now());
        FB_TRY(tx.Audit(who.actor, "oncall.override.create", "override:" + o.id, j));
        tx.Publish(engine::Change{"oncall", o.id, j});
        tx.OnCommit([this, items = std::move(book.items)] { ApplyOverrides(items); });
        return j;
      }),
      std::move(cb));
}

void App::DeleteOverride(const model::Principal& who, std::string id, Callback<json::object> cb) {
  if (auto st = model::RequireScope(who, model::kScopeWrite); !st) return cb(Unexpected(st.error()));
  engine_->Submit<json::object>(
      std::function<Result<json::object>(engine::Tx&)>([this, who, id](engine::Tx& tx) -> Result<json::object> {
        FB_ASSIGN_OR_RETURN(auto book, LoadOverrides(tx.store()));
        auto it = std::find_if(book.items.begin(), book.items.end(), [&](const auto& o) { return o.id == id; });
        if (it == book.items.end()) return NotFound("no schedule override " + core::Truncate(id, 64), "id");
        const auto now = tx.now();
        const std::string state = it->StateAt(now);
        if (state == "cancelled" || state == "ended")
          return FailedPrecondition("schedule override " + id + " is " + state + "; it stays as history");
        if (state == "upcoming") {
          it->cancelled = true;
        } else {
          it->end = now;  // in progress: ends now, and stays as what happened
        }
        it->ended_by = who.actor.ToString();
        it->ended_at = now;
        FB_TRY(SaveOverrides(tx.store(), book));
        auto j = OverrideJson(*it, tx.config(), now);
        FB_TRY(tx.Audit(who.actor, "oncall.override.delete", "override:" + id,
                        {{"was", state}, {"schedule", it->schedule}, {"person", it->person}}));
        tx.Publish(engine::Change{"oncall", id, j});
        tx.OnCommit([this, items = std::move(book.items)] { ApplyOverrides(items); });
        return j;
      }),
      std::move(cb));
}

Result<json::object> App::GetEscalation(const model::Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto s, pager_->Escalation(id));
  json::object out{{"incident_id", std::string(id)}};
  out["escalation"] = s ? json::value(escalate::ToJson(*s)) : json::value(nullptr);
  // An acknowledged incident's deadline: the policy's ack_timeout or a snooze.
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto unack, tx->timers().Find(engine::kUnackTimer, id));
  json::value again = nullptr;
  if (unack)
    again = json::object{{"at", core::FormatRfc3339(unack->due)}, {"reason", engine::ParseUnackPayload(unack->payload).reason}};
  out["pages_again_at"] = std::move(again);
  return out;
}

Result<json::object> App::Responders(const model::Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto s, pager_->Escalation(id));
  json::array items;
  int64_t pending = 0;
  if (s)
    for (const auto& r : s->responders) {
      if (r.response == "pending") ++pending;
      items.push_back(escalate::ToJson(r));
    }
  return json::object{{"incident_id", std::string(id)}, {"responders", std::move(items)}, {"pending", pending}};
}

Result<json::object> App::ListNotifications(const model::Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto rows, pager_->Notifications(id));
  const auto now = clock_->Now();
  json::array arr;
  for (const auto& r : rows) {
    auto o = DeliveryJson(r);
    o["id"] = r.id;
    o["kind"] = r.kind;
    o["page"] = r.page_n;
    o["next_attempt_at"] = r.state == "pending" ? json::value(core::FormatRfc3339(r.next_attempt_at)) : json::value(nullptr);
    // A notification rule's later step: when it was planned for (sent then unless acknowledged
    // first); `planned` while that time is still ahead.
    o["planned_for"] = r.IsRuleStep() ? json::value(core::FormatRfc3339(r.event_at)) : json::value(nullptr);
    o["planned"] = r.IsRuleStep() && r.IsPlanned(now);
    o["receipt"] = r.receipt;
    arr.push_back(std::move(o));
  }
  return json::object{{"incident_id", std::string(id)}, {"notifications", arr}};
}

void App::Escalate(const model::Principal& who, std::string id, EscalateRequest req, Callback<model::Incident> cb) {
  Submit(*engine_, [who, id = std::move(id), req = std::move(req)](engine::Tx& tx) {
        return engine::RequestEscalation(tx, who, id, req.reason, false);
      },
      std::move(cb));
}

void App::Flag(const model::Principal& who, std::string id, FlagRequest req, Callback<model::Incident> cb) {
  Submit(*engine_, [who, id = std::move(id), req = std::move(req)](engine::Tx& tx) {
        return engine::FlagIncident(tx, who, id, req.flag, req.reason);
      },
      std::move(cb));
}

Result<App::LinkInfo> App::CheckLink(std::string_view token) const {
  FB_ASSIGN_OR_RETURN(auto claims, pager_->CheckLink(token));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(claims.incident));
  if (!inc) return NotFound("incident '" + core::Truncate(claims.incident, 64) + "' not found", "id");
  return LinkInfo{std::move(claims), std::move(*inc)};
}

void App::UseLink(std::string token, std::string remote, Callback<model::Incident> cb) {
  paging::Pager* p = pager_.get();
  Submit(*engine_, [p, token = std::move(token), remote = std::move(remote)](engine::Tx& tx) {
        return p->UseLink(tx, token, remote);
      },
      std::move(cb));
}

namespace {

// Runs no-op commands until one finds no timer due at the current time: due timers run in the batch
// of the first one, and a timer they arm that is already due runs in the next.
void Settle(engine::Engine& e, const core::Clock& clock, int rounds, Callback<core::TimePoint> cb) {
  e.Submit<bool>([](engine::Tx&) -> Result<bool> { return true; },
                 [&e, &clock, rounds, cb = std::move(cb)](Result<bool> r) mutable {
                   // On the engine thread, after the batch committed and re-armed its timers.
                   if (!r) return cb(Unexpected(r.error()));
                   auto next = e.NextTimer();
                   if (next && *next <= clock.Now() && rounds > 0) return Settle(e, clock, rounds - 1, std::move(cb));
                   cb(clock.Now());
                 });
}

}  // namespace

void App::AdjustClock(const model::Principal& who, const ClockRequest& req, Callback<core::TimePoint> cb) {
  if (auto st = model::RequireScope(who, model::kScopeAdmin); !st) return cb(Unexpected(st.error()));
  if (!manual_clock_)
    return cb(FailedPrecondition("the clock can only be moved on a server started with --clock manual", "clock"));
  if (req.set) {
    if (*req.set < manual_clock_->Now()) return cb(InvalidArgument("the clock only moves forward", "set"));
    manual_clock_->Set(*req.set);
  } else if (req.advance) {
    manual_clock_->Advance(*req.advance);
  }
  if (!engine_->started()) return cb(manual_clock_->Now());
  Settle(*engine_, *manual_clock_, 1000, std::move(cb));
}

}  // namespace firebreak::app
