#include "paging/pager.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "engine/incidents.h"
#include "paging/contacts.h"
#include "paging/handoff.h"
#include "paging/oncall_query.h"

namespace firebreak::paging {

namespace json = boost::json;

namespace {

constexpr const char* kTimerKind = "escalation";
// Shift handoff notices: one durable timer, and the handoffs already told (meta key).
constexpr const char* kHandoffTimer = "handoff";
constexpr const char* kHandoffKey = "next";
constexpr const char* kHandoffMeta = "paging/handoffs";
// A handoff notice timer that fires this late still tells; a handoff further in the past is not
// announced after a restart (it happened; the people are paged anyway if something breaks).
constexpr auto kHandoffGrace = std::chrono::minutes(1);

model::Actor EscalateActor() { return model::Actor::System("escalate"); }
model::Actor NotifyActor() { return model::Actor::System("notify"); }

std::vector<double> LatenessBuckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}

// The people a page reaches, as recorded: [{"person", "via"}].
json::array PeopleJson(const std::vector<Recipient>& recipients) {
  json::array out;
  for (const auto& r : recipients) out.push_back(json::object{{"person", r.person}, {"via", r.via}});
  return out;
}

// The data of a page's timeline entry (tier pages and responder requests alike; no tier for the
// latter, as in PageContext).
json::object PageEntry(const escalate::PageRecord& rec, const std::vector<Recipient>& recipients,
                       const std::vector<std::string>& notes) {
  json::array nts;
  for (const auto& n : notes) nts.emplace_back(n);
  json::object o{{"n", rec.n},
                 {"cycle", rec.cycle},
                 {"trigger", rec.trigger},
                 {"reason", rec.reason},
                 {"people", PeopleJson(recipients)},
                 {"notes", nts},
                 {"due", core::FormatRfc3339(rec.due)},
                 {"late", rec.late},
                 {"lateness_ms", rec.lateness.count()}};
  if (rec.tier >= 0) o["tier"] = rec.tier + 1;
  return o;
}

json::object PageContext(const escalate::PageRecord& r) {
  json::object o{{"n", r.n},          {"cycle", r.cycle}, {"trigger", r.trigger},
                 {"reason", r.reason}, {"late", r.late},   {"lateness_ms", r.lateness.count()}};
  if (r.tier >= 0) o["tier"] = r.tier;  // a responder request is outside the tiers
  return o;
}

// The outbox row of one message to contact method `i` of `person` (one ChooseContacts or PlanContacts chose), through
// the channel that delivers it at `sev`; its key is `prefix.person.i`. `incident_id` is empty for a
// notice that belongs to no incident (a shift handoff). The caller adds what is its own (page
// number, event time, context).
store::OutboxRow PersonRow(const config::Config& cfg, const std::string& incident_id, model::Severity sev,
                           const model::Person& person, size_t i, const std::string& kind, const std::string& event,
                           const std::string& prefix) {
  const auto& c = person.contacts[i];
  const auto* ch = ChannelFor(cfg, c, sev);
  store::OutboxRow row;
  row.key = prefix + "." + person.id + "." + std::to_string(i);
  row.incident_id = incident_id;
  row.kind = kind;
  row.event = event;
  row.channel = ch->id;
  row.channel_type = ch->type;
  row.destination = c.address;
  row.person = person.id;
  row.contact_index = static_cast<int>(i);
  return row;
}

// Templates' `recipient` of a message to contact method `i` of `person`.
json::object RecipientContext(const model::Person& person, size_t i) {
  const auto& c = person.contacts[i];
  return json::object{{"person", person.id}, {"name", person.name}, {"contact_type", c.type}, {"address", c.address}};
}

// `context`, the context of a message to a person, for contact method `i` of `person` instead: its
// recipient becomes that method's, keeping how the person was reached (`via`). Other contexts are
// returned as they are.
Result<json::value> RetargetContext(std::string_view context, const model::Person& person, size_t i) {
  FB_ASSIGN_OR_RETURN(auto ctx, core::ParseJson(context));
  if (!ctx.is_object()) return ctx;
  auto& o = ctx.get_object();
  auto* old = o.if_contains("recipient");
  if (!old || !old->is_object()) return ctx;
  auto recipient = RecipientContext(person, i);
  if (const auto* via = old->get_object().if_contains("via")) recipient["via"] = *via;
  *old = std::move(recipient);
  return ctx;
}

// A message to a person has the key "<prefix><contact index>" (PersonRow); this is its prefix.
std::string KeyPrefix(const std::string& key) { return key.substr(0, key.rfind('.') + 1); }

// Marks `row` (pending) cancelled now (tx.now()) with the reason, in the store and in `row`.
Status Cancel(engine::Tx& tx, store::OutboxRow& row, std::string reason) {
  row.state = "cancelled";
  row.updated_at = tx.now();
  row.last_error = std::move(reason);
  return tx.store().outbox().UpdateDelivery(row);
}

// After `row` (a message to a person) was dead-lettered: whether one of `siblings` (the rows of the
// same message to that person's other contact methods, `row` included) is still under way or
// arrived, and otherwise the copy of `row` to the person's next contact method not tried yet that a
// channel delivers at `sev` (none when nothing is left to try).
struct Fallback {
  bool reached = false;
  std::optional<store::OutboxRow> row;
  std::string contact_type;
};
Result<Fallback> NextContact(const config::Config& cfg, const store::OutboxRow& row,
                             const std::vector<store::OutboxRow>& siblings, model::Severity sev, core::TimePoint now) {
  Fallback out;
  std::set<int> tried;
  for (const auto& r : siblings) {
    // Planned by a notification rule for later: neither tried nor a sign the person was reached.
    if (r.IsPlanned(now)) continue;
    tried.insert(r.contact_index);
    if (r.state == "pending" || r.state == "delivered") out.reached = true;
  }
  const auto* person = cfg.FindPerson(row.person);
  if (out.reached || !person) return out;
  for (size_t i = 0; i < person->contacts.size(); ++i) {
    if (tried.count(static_cast<int>(i))) continue;
    const auto& c = person->contacts[i];
    const auto* ch = ChannelFor(cfg, c, sev);
    if (!ch) continue;
    store::OutboxRow next = row;
    next.id = 0;
    next.key = KeyPrefix(row.key) + std::to_string(i);
    next.channel = ch->id;
    next.channel_type = ch->type;
    next.destination = c.address;
    next.contact_index = static_cast<int>(i);
    next.next_attempt_at = {};
    next.attempts = 0;
    next.delivered_at.reset();
    next.last_error.clear();
    next.receipt.clear();
    FB_ASSIGN_OR_RETURN(auto ctxv, RetargetContext(row.context, *person, i));
    next.context = core::ToJson(ctxv);
    out.row = std::move(next);
    out.contact_type = c.type;
    return out;
  }
  return out;
}

// The contact type a message to a person was sent for (its context's recipient), "" if unknown.
std::string ContactTypeOf(const store::OutboxRow& row) {
  auto v = core::ParseJson(row.context);
  if (!v || !v->is_object()) return "";
  const auto* rec = v->get_object().if_contains("recipient");
  const auto* type = rec && rec->is_object() ? rec->get_object().if_contains("contact_type") : nullptr;
  return type && type->is_string() ? std::string(type->get_string()) : "";
}

std::string Tier1(int tier) { return std::to_string(tier + 1); }

std::string JoinPeople(const std::vector<std::string>& people) {
  return people.empty() ? std::string("nobody") : core::Join(people, ", ");
}

bool TimerDriven(const std::string& trigger) {
  return trigger == "timer" || trigger == "repeat" || trigger == "ack_sla" || trigger == "support_hours";
}

}  // namespace

json::object IncidentContext(const model::Incident& inc) {
  json::array svcs, blast, flags;
  for (const auto& s : inc.services) svcs.emplace_back(s);
  for (const auto& s : inc.blast_radius) blast.emplace_back(s);
  for (const auto& s : inc.flags) flags.emplace_back(s);
  return json::object{{"id", inc.id},
                      {"title", inc.title},
                      {"severity", model::SeverityName(inc.severity)},
                      {"priority", model::PriorityName(inc.severity)},
                      {"state", model::StateName(inc.state)},
                      {"services", svcs},
                      {"blast_radius", blast},
                      {"impact", inc.impact},
                      {"flags", flags},
                      {"created_at", core::FormatRfc3339(inc.created_at)},
                      {"source", inc.source}};
}

// ---- secret -----------------------------------------------------------------------------------

Result<std::string> LoadOrCreateSecret(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  const std::string path = data_dir + "/link.key";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    std::string key = core::RandomHex(32) + "\n";
    bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(path.c_str());
      return Unavailable("cannot write " + path + ": " + std::strerror(errno));
    }
  } else if (errno != EEXIST) {
    return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string key(core::Trim(ss.str()));
  if (key.size() < 32) return FailedPrecondition(path + " does not hold a link secret (expected 64 hex characters)", "data");
  return key;
}

// ---- construction -----------------------------------------------------------------------------

Pager::Pager(engine::Engine& engine, core::Registry& metrics, PagerOptions opt, std::string secret)
    : engine_(engine),
      store_(engine.store()),
      clock_(engine.clock()),
      metrics_(metrics),
      opt_(std::move(opt)),
      secret_(std::move(secret)) {}

Result<std::unique_ptr<Pager>> Pager::Create(engine::Engine& engine, core::Registry& metrics, PagerOptions opt) {
  FB_ASSIGN_OR_RETURN(auto secret, LoadOrCreateSecret(opt.data_dir));
  std::unique_ptr<Pager> p(new Pager(engine, metrics, std::move(opt), std::move(secret)));
  p->public_url_ = p->opt_.public_url;
  engine.AddObserver(p.get());
  Pager* self = p.get();
  engine.RegisterTimerHandler(kTimerKind, [self](engine::Tx& tx, const store::TimerRecord& rec, core::Millis) {
    return self->OnTimer(tx, rec);
  });
  engine.RegisterTimerHandler(kHandoffTimer, [self](engine::Tx& tx, const store::TimerRecord&, core::Millis) {
    return self->ProcessHandoffs(tx);
  });
  engine.RegisterTimerHandler(kAuditHeadTimer, [self](engine::Tx& tx, const store::TimerRecord&, core::Millis) {
    return self->PublishAuditHead(tx);
  });
  engine.RegisterTimerHandler(engine::kUnackTimer, [self](engine::Tx& tx, const store::TimerRecord& rec, core::Millis) {
    return self->OnUnackTimer(tx, rec);
  });
  p->wake_handle_->pager = self;
  p->advance_handle_ = engine.clock().OnAdvance([h = p->wake_handle_] {
    std::lock_guard lock(h->mu);
    if (h->pager) h->pager->Wake();
  });
  // Families exist from the start so /metrics shows them before the first page.
  metrics.GetHistogram("firebreak_escalation_step_lateness_seconds",
                       "How late timer-driven escalation steps fired after their deadline", LatenessBuckets());
  metrics.GetCounter("firebreak_escalation_late_steps_total", "Escalation steps later than the late margin");
  metrics.GetCounter("firebreak_escalation_stale_total", "Overdue escalation steps flagged by the auditor");
  metrics.GetGauge("firebreak_escalation_stale_steps", "Escalation steps overdue by more than the late margin");
  metrics.GetCounter("firebreak_audit_head_published_total", "Times the audit chain head was published");
  return p;
}

Pager::~Pager() {
  clock_.RemoveOnAdvance(advance_handle_);
  {
    // A listener already running (the clock calls them outside its lock) sees null.
    std::lock_guard lock(wake_handle_->mu);
    wake_handle_->pager = nullptr;
  }
  Stop();
}

void Pager::SetPublicUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::lock_guard lock(url_mu_);
  public_url_ = std::move(url);
}

std::string Pager::PublicUrl() const {
  {
    std::lock_guard lock(url_mu_);
    if (!public_url_.empty()) return public_url_;
  }
  return engine_.config()->settings.public_url;
}

// ---- state ------------------------------------------------------------------------------------

Result<std::optional<escalate::State>> LoadEscalation(store::Tx& tx, std::string_view id) {
  FB_ASSIGN_OR_RETURN(auto row, tx.escalations().Get(id));
  if (!row) return std::optional<escalate::State>();
  FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(row->doc));
  FB_ASSIGN_OR_RETURN(auto s, escalate::StateFromJson(v));
  return std::optional<escalate::State>(std::move(s));
}

Status Pager::Save(engine::Tx& tx, const escalate::State& s) {
  store::EscalationRow row;
  row.incident_id = s.incident_id;
  row.status = std::string(escalate::StatusName(s.status));
  row.policy = s.policy.id;
  row.next_due = escalate::NextDue(s);
  row.updated_at = tx.now();
  row.doc = core::ToJson(escalate::ToJson(s));
  FB_TRY(tx.store().escalations().Put(row));
  if (row.next_due) {
    FB_TRY(tx.ArmTimer(kTimerKind, s.incident_id, *row.next_due,
                       json::object{{"due", core::FormatRfc3339(*row.next_due)}}));
  } else {
    FB_TRY(tx.CancelTimer(kTimerKind, s.incident_id));
  }
  tx.Publish(engine::Change{"escalation", s.incident_id, escalate::ToJson(s)});
  return Ok();
}

Status Pager::StartEscalation(engine::Tx& tx, const model::Incident& inc, const std::string& why,
                              const std::string& hold_what, std::optional<escalate::State> prior) {
  const auto& cfg = tx.config();
  const auto* policy = PolicyForServices(cfg, inc.services, inc.severity);
  if (!policy) {
    metrics_.GetCounter("firebreak_escalation_unpaged_total", "Incidents opened without an escalation policy").Inc();
    return tx.Timeline(inc.id, EscalateActor(), "escalation",
                       "No escalation policy applies (services: " +
                           (inc.services.empty() ? std::string("none") : core::Join(inc.services, ", ")) +
                           ", no default_escalation_policy): nobody will be paged",
                       {{"policy", nullptr}})
        .map([](auto&&) {});
  }
  auto snap = escalate::Snapshot(*policy);
  auto s = escalate::Start(inc.id, snap, inc.severity, cfg.settings.For(inc.severity).ack_sla, tx.now());
  if (!why.empty()) s.status_reason = why;
  if (prior) {
    s.history = std::move(prior->history);
    s.pages = prior->pages;
    s.responders = std::move(prior->responders);
  }
  FB_TRY(tx.Timeline(inc.id, EscalateActor(), "escalation",
                     "Escalation started with policy '" + policy->id + "' (" + std::to_string(policy->tiers.size()) +
                         " tiers, repeat " + std::to_string(policy->repeat) + ", ack SLA " +
                         core::FormatDuration(s.ack_sla) + ")",
                     {{"policy", escalate::ToJson(snap)}}));
  if (!hold_what.empty()) FB_TRY(HoldForSupportHours(tx, s, inc, hold_what));
  auto pages = escalate::Due(s, tx.now());
  FB_TRY(SendPages(tx, s, inc, std::move(pages)));
  return Save(tx, s);
}

Status Pager::HoldForSupportHours(engine::Tx& tx, escalate::State& s, const model::Incident& inc,
                                  const std::string& what) {
  if (s.status != escalate::Status::kActive || !escalate::LowUrgency(s.policy, s.severity)) return Ok();
  const std::string& name = s.policy.support_hours;
  const auto now = tx.now();
  const auto check = CheckSupportHours(tx.config(), name, now);
  if (!check.problem.empty()) {
    spdlog::warn("escalation: {}: {}", inc.id, check.problem);
    return tx.Timeline(inc.id, EscalateActor(), "escalation", "Low urgency, but " + check.problem + ": paging at once",
                       {{"support_hours", name}})
        .map([](auto&&) {});
  }
  if (!check.waits) return Ok();  // within support hours
  std::string why = std::string(model::SeverityName(s.severity)) + " incident " + what + " outside support hours '" +
                    name + "'";
  escalate::Hold(s, check.until, why);
  metrics_.GetCounter("firebreak_escalation_held_total", "Escalations held for support hours (low urgency)").Inc();
  return tx.Timeline(inc.id, EscalateActor(), "escalation",
                     "Low urgency: " + why + " (policy '" + s.policy.id + "'): nobody is paged until they begin at " +
                         core::FormatRfc3339(check.until) + " (in " + core::FormatDuration(check.until - now) +
                         "); a higher severity or a request to escalate pages at once",
                     {{"support_hours", name}, {"held_until", core::FormatRfc3339(check.until)}})
      .map([](auto&&) {});
}

// ---- pages ------------------------------------------------------------------------------------

Status Pager::SendPages(engine::Tx& tx, escalate::State& s, const model::Incident& inc,
                        std::vector<escalate::Page> pages) {
  // A tier that reaches nobody escalates to the next one at once (bounded by the number of tiers).
  size_t budget = s.policy.tiers.size() * 2 + 2;
  for (size_t i = 0; i < pages.size(); ++i) {
    bool nobody = false;
    FB_TRY(PageTier(tx, s, inc, pages[i], &nobody));
    if (nobody && pages[i].trigger != "ack_sla" && budget > 0) {
      --budget;
      bool last = pages[i].tier + 1 >= static_cast<int>(s.policy.tiers.size());
      if (!last) {
        auto more = escalate::EscalateNow(s, tx.now(), "empty_tier",
                                          "tier " + Tier1(pages[i].tier) + " had nobody to page");
        pages.insert(pages.end(), more.begin(), more.end());
      }
    }
  }
  return Ok();
}

Status Pager::PageTier(engine::Tx& tx, escalate::State& s, const model::Incident& inc, const escalate::Page& p,
                       bool* nobody) {
  const auto& cfg = tx.config();
  std::vector<std::string> notes;
  const auto& tier = s.policy.tiers.at(static_cast<size_t>(p.tier));
  auto recipients = ResolveTargets(cfg, tier.targets, tx.now(), &notes);
  std::vector<std::string> people;
  for (const auto& r : recipients) people.push_back(r.person);
  const auto& margin = cfg.settings.paging.late_margin;
  const auto rec = escalate::Record(s, p, people, tx.now(), margin);
  *nobody = recipients.empty();

  std::string text = recipients.empty() ? "Tier " + Tier1(p.tier) + " has nobody to page"
                                        : "Paging tier " + Tier1(p.tier) + ": " + JoinPeople(people);
  text += " — " + p.reason;
  if (rec.late)
    text += " (late by " + core::FormatDuration(p.lateness) + "; due " + core::FormatRfc3339(p.due) + ")";
  if (!notes.empty()) text += " [" + core::Join(notes, "; ") + "]";
  FB_TRY(tx.Timeline(inc.id, EscalateActor(), "page", text, PageEntry(rec, recipients, notes)));
  metrics_.GetCounter("firebreak_escalation_pages_total", "Escalation pages by trigger", {{"trigger", p.trigger}}).Inc();
  if (TimerDriven(p.trigger))
    metrics_
        .GetHistogram("firebreak_escalation_step_lateness_seconds",
                      "How late timer-driven escalation steps fired after their deadline", LatenessBuckets())
        .Observe(std::chrono::duration<double>(p.lateness).count());
  if (rec.late) {
    metrics_.GetCounter("firebreak_escalation_late_steps_total", "Escalation steps later than the late margin").Inc();
    spdlog::warn("escalation: {} tier {} paged {} late", inc.id, p.tier + 1, core::FormatDuration(p.lateness));
  }
  for (const auto& r : recipients) FB_TRY(PagePerson(tx, inc, rec, r.person, r.via));
  return Broadcast(tx, inc, "page", text, &rec);
}

Result<model::Incident> Pager::AddResponders(engine::Tx& tx, const model::Principal& who, std::string_view incident_id,
                                             const std::vector<model::EscalationTarget>& targets,
                                             const std::string& message) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  if (core::Trim(message).empty()) return InvalidArgument("message must say what help is needed", "message");
  if (!core::IsValidUtf8(message)) return InvalidArgument("message is not valid UTF-8", "message");
  const auto& cfg = tx.config();
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    const bool known = t.type == "person"     ? cfg.FindPerson(t.id) != nullptr
                       : t.type == "schedule" ? cfg.FindSchedule(t.id) != nullptr
                       : t.type == "team"     ? cfg.FindTeam(t.id) != nullptr
                                              : false;
    if (!known)
      return InvalidArgument("unknown " + t.type + " '" + core::Truncate(t.id, 64) + "'",
                             "targets[" + std::to_string(i) + "]");
  }
  if (targets.empty()) return InvalidArgument("targets must name at least one person, schedule or team", "targets");
  FB_ASSIGN_OR_RETURN(auto inc, engine::LoadIncident(tx, incident_id));
  if (!model::IsOpen(inc.state))
    return FailedPrecondition("cannot page responders for an incident that is " + std::string(model::StateName(inc.state)),
                              "state");
  std::vector<std::string> notes;
  auto recipients = ResolveTargets(cfg, targets, tx.now(), &notes);
  if (recipients.empty())
    return FailedPrecondition("nobody to page" + (notes.empty() ? std::string() : ": " + core::Join(notes, "; ")),
                              "targets");
  // Recorded in the escalation's history (which numbers pages); an incident no policy pages gets a
  // stopped escalation with no tiers to hold the record.
  FB_ASSIGN_OR_RETURN(auto loaded, LoadEscalation(tx.store(), inc.id));
  escalate::State s;
  if (loaded) {
    s = std::move(*loaded);
  } else {
    s.incident_id = inc.id;
    s.severity = inc.severity;
    s.status = escalate::Status::kStopped;
    s.status_reason = "no escalation policy";
    s.started_at = s.cycle_start = tx.now();
  }
  escalate::Page p;
  p.tier = -1;
  p.trigger = "responders";
  p.reason = "requested by " + who.actor.ToString() + ": " + message;
  p.due = tx.now();
  std::vector<std::string> people;
  for (const auto& r : recipients) people.push_back(r.person);
  const auto rec = escalate::Record(s, p, people, tx.now(), cfg.settings.paging.late_margin);
  escalate::AddResponderRequests(s, rec, who.actor.ToString(), message);
  std::string text = "Paging responders: " + JoinPeople(people) + " — " + p.reason;
  if (!notes.empty()) text += " [" + core::Join(notes, "; ") + "]";
  FB_TRY(tx.Timeline(inc.id, who.actor, "page", text, PageEntry(rec, recipients, notes)));
  json::array tgts;
  for (const auto& t : targets) tgts.push_back(json::object{{t.type, t.id}});
  FB_TRY(tx.Audit(who.actor, "incident.responders", "incident:" + inc.id,
                  {{"targets", tgts}, {"people", PeopleJson(recipients)}, {"message", message}, {"page", rec.n}}));
  metrics_.GetCounter("firebreak_escalation_pages_total", "Escalation pages by trigger", {{"trigger", p.trigger}}).Inc();
  for (const auto& r : recipients) FB_TRY(PagePerson(tx, inc, rec, r.person, r.via));
  FB_TRY(Broadcast(tx, inc, "page", text, &rec));
  FB_TRY(Save(tx, s));
  return inc;
}

Result<model::Incident> Pager::AnswerResponder(engine::Tx& tx, const model::Principal& who,
                                               std::string_view incident_id, const std::string& person, bool accept,
                                               const std::string& note) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  if (who.person != person && !who.Has(model::kScopeAdmin))
    return PermissionDenied("only " + core::Truncate(person, 64) + " (or an admin) can answer " +
                            core::Truncate(person, 64) + "'s request to respond");
  FB_ASSIGN_OR_RETURN(auto inc, engine::LoadIncident(tx, incident_id));
  if (!model::IsOpen(inc.state))
    return FailedPrecondition("the incident is " + std::string(model::StateName(inc.state)) +
                                  "; there is nothing to respond to",
                              "state");
  FB_ASSIGN_OR_RETURN(auto loaded, LoadEscalation(tx.store(), inc.id));
  if (!loaded) return NotFound(core::Truncate(person, 64) + " was not asked to respond to " + inc.id, "person");
  escalate::State s = std::move(*loaded);
  FB_ASSIGN_OR_RETURN(auto req, escalate::AnswerResponderRequest(s, person, accept, who.actor.ToString(), note,
                                                                 tx.now()));
  FB_TRY(Save(tx, s));
  // The answer stops the rest of that page to them (a method still retrying, say).
  FB_ASSIGN_OR_RETURN(auto rows, tx.store().outbox().ForPage(inc.id, req.page, person));
  for (auto& row : rows) {
    if (row.state == "pending") FB_TRY(Cancel(tx, row, "answered: " + req.response));
  }
  const auto* pp = tx.config().FindPerson(person);
  const std::string name = pp && !pp->name.empty() && pp->name != person ? pp->name + " (" + person + ")" : person;
  std::string text = name + (accept ? " accepted" : " declined") + " the request to respond";
  if (!note.empty()) text += ": " + note;
  if (who.person != person) text += " (recorded by " + who.actor.ToString() + ")";
  json::object data{{"person", person}, {"response", req.response}, {"page", req.page}, {"note", note},
                    {"requested_by", req.requested_by}};
  FB_TRY(tx.Timeline(inc.id, who.actor, "responder", text, data));
  FB_TRY(tx.Audit(who.actor, accept ? "incident.responder.accept" : "incident.responder.decline",
                  "incident:" + inc.id, data));
  metrics_.GetCounter("firebreak_responder_answers_total", "Answers to requests to respond",
                      {{"response", req.response}})
      .Inc();
  const std::string event = accept ? "responder_accepted" : "responder_declined";
  // The person who asked hears the answer directly; channels subscribed to the event too.
  auto asker = model::Actor::Parse(req.requested_by);
  if (asker && asker->kind == model::Actor::Kind::kPerson && asker->id != person)
    FB_TRY(NotifyPerson(tx, inc, asker->id, event, text, "r" + std::to_string(req.page) + "." + person));
  FB_TRY(Broadcast(tx, inc, event, text, nullptr));
  return inc;
}

Status Pager::NotifyPerson(engine::Tx& tx, const model::Incident& inc, const std::string& person_id,
                           const std::string& event, const std::string& note, const std::string& key) {
  const auto& cfg = tx.config();
  const auto* person = cfg.FindPerson(person_id);
  if (!person) return Ok();
  for (size_t i : ChooseContacts(cfg, *person, inc.severity)) {
    auto row = PersonRow(cfg, inc.id, inc.severity, *person, i, "notice", event, inc.id + "." + key);  // event_at: now (Enqueue)
    row.context = core::ToJson(json::object{{"event", event},
                                            {"incident", IncidentContext(inc)},
                                            {"note", note},
                                            {"recipient", RecipientContext(*person, i)}});
    FB_TRY(Enqueue(tx, std::move(row)));
  }
  return Ok();
}

Status Pager::PagePerson(engine::Tx& tx, const model::Incident& inc, const escalate::PageRecord& rec,
                         const std::string& person_id, const std::string& via) {
  const auto& cfg = tx.config();
  const auto* person = cfg.FindPerson(person_id);
  if (!person) return Ok();
  const auto plan = PlanContacts(cfg, *person, inc.severity);
  if (plan.empty()) {
    FB_TRY(tx.Timeline(inc.id, NotifyActor(), "notification_failed",
                       person_id + " has no contact method any configured channel delivers; page " +
                           std::to_string(rec.n) + " cannot reach them",
                       {{"person", person_id}, {"page", rec.n}}));
    metrics_.GetCounter("firebreak_pages_unreachable_total", "Pages that could reach nobody").Inc();
    return Ok();
  }
  std::vector<std::string> later;
  json::array planned;
  for (const auto& [i, after] : plan) {
    auto row = PersonRow(cfg, inc.id, inc.severity, *person, i, "page", "page", inc.id + ".p" + std::to_string(rec.n));
    row.page_n = rec.n;
    row.event_at = rec.due > tx.now() ? tx.now() : rec.due;
    if (after.count() > 0) {
      // A notification rule's later step: queued now (durable), sent then unless the incident was
      // acknowledged, mitigated or resolved meanwhile (that cancels queued pages).
      row.key += "@" + std::to_string(after.count());
      row.event_at = tx.now() + after;
      row.next_attempt_at = row.event_at;
      later.push_back(person->contacts[i].type + " at " + core::FormatRfc3339(row.event_at));
      planned.push_back(json::object{{"contact_type", person->contacts[i].type},
                                     {"after", core::FormatDuration(after)},
                                     {"at", core::FormatRfc3339(row.event_at)}});
    }
    auto recipient = RecipientContext(*person, i);
    recipient["via"] = via;
    row.context = core::ToJson(json::object{{"event", "page"},
                                            {"incident", IncidentContext(inc)},
                                            {"page", PageContext(rec)},
                                            {"recipient", std::move(recipient)}});
    FB_TRY(Enqueue(tx, std::move(row)));
  }
  if (!later.empty())
    FB_TRY(tx.Timeline(inc.id, NotifyActor(), "notification",
                       person_id + "'s notification rules: page " + std::to_string(rec.n) + " also reaches them by " +
                           core::Join(later, ", ") + " unless the incident is acknowledged first",
                       {{"person", person_id}, {"page", rec.n}, {"planned", std::move(planned)}}));
  return Ok();
}

Status Pager::ReviewPlannedSteps(engine::Tx& tx, const model::Incident* only, const std::string& why) {
  std::vector<model::Incident> incidents;
  if (!only) {
    store::IncidentFilter f;
    f.state = model::IncidentState::kTriggered;
    f.limit = 100000;
    FB_ASSIGN_OR_RETURN(incidents, tx.store().incidents().List(f));
  } else if (only->state == model::IncidentState::kTriggered) {
    incidents.push_back(*only);
  }
  const auto& cfg = tx.config();
  const auto now = tx.now();
  for (const auto& inc : incidents) {
    FB_ASSIGN_OR_RETURN(const auto rows, tx.store().outbox().ForIncident(inc.id, 5000));
    // (page, person) -> the rows of that page to that person, each with the contact type it was sent for.
    struct Sent {
      const store::OutboxRow* row;
      std::string type;
    };
    std::map<std::pair<int64_t, std::string>, std::vector<Sent>> pages;
    for (const auto& r : rows)
      if (r.kind == "page" && !r.person.empty()) pages[{r.page_n, r.person}].push_back({&r, ContactTypeOf(r)});
    std::vector<std::string> said;
    json::array changes;
    for (const auto& [key, sent] : pages) {
      const auto& [n, person_id] = key;
      core::TimePoint start = sent.front().row->created_at;  // when the page went out
      for (const auto& x : sent) start = std::min(start, x.row->created_at);
      const auto* person = cfg.FindPerson(person_id);
      const auto plan = person ? PlanContacts(cfg, *person, inc.severity) : std::vector<ContactStep>{};
      std::vector<std::string> what;
      auto change = [&](const std::string& type, core::TimePoint at, const std::string& action,
                        const std::string& from_channel = "", const std::string& to_channel = "") {
        what.push_back(type + " at " + core::FormatRfc3339(at) + " " + action +
                       (to_channel.empty() ? "" : " from channel '" + from_channel + "' to '" + to_channel + "'"));
        json::object o{{"person", person_id}, {"page", n}, {"contact_type", type}, {"at", core::FormatRfc3339(at)},
                       {"change", action}};
        if (!to_channel.empty()) {
          o["from_channel"] = from_channel;
          o["to_channel"] = to_channel;
        }
        changes.push_back(std::move(o));
      };
      // Whether queued row `x` is step `at` of contact method `c` (same method, same time).
      auto same_step = [](const Sent& x, const model::ContactMethod& c, core::TimePoint at) {
        return x.row->event_at == at && x.row->destination == c.address && x.type == c.type;
      };
      // Steps still ahead that the plan no longer has: cancelled. A step the plan still has but
      // another channel now delivers (a reload renamed or replaced the channel) is cancelled here and
      // queued again through that channel below, as one change: "re-routed".
      std::set<int64_t> cancelled;
      for (const auto& x : sent) {
        const auto* r = x.row;
        if (!r->IsPlanned(now)) continue;
        const auto step = std::find_if(plan.begin(), plan.end(), [&](const ContactStep& st) {
          return same_step(x, person->contacts[st.contact], start + st.after);
        });
        const model::Channel* ch =
            step == plan.end() ? nullptr : ChannelFor(cfg, person->contacts[step->contact], inc.severity);
        if (ch && ch->id == r->channel) continue;  // kept
        store::OutboxRow c = *r;
        FB_TRY(Cancel(tx, c,
                      "cancelled before it was due: " + why +
                          (ch ? " (re-queued through channel '" + ch->id + "' instead of '" + r->channel + "')"
                              : std::string())));
        cancelled.insert(r->id);
        if (!ch) change(x.type.empty() ? std::string("message") : x.type, r->event_at, "cancelled");
      }
      // Steps of the plan still ahead that are not queued: added (nothing is sent for a time past).
      for (const auto& st : plan) {
        const auto at = start + st.after;
        if (at <= now) continue;
        const auto& c = person->contacts[st.contact];
        const bool queued = std::any_of(sent.begin(), sent.end(), [&](const Sent& x) {
          return x.row->state != "cancelled" && !cancelled.count(x.row->id) && same_step(x, c, at);
        });
        if (queued) continue;
        auto row = PersonRow(cfg, inc.id, inc.severity, *person, st.contact, "page", "page",
                             inc.id + ".p" + std::to_string(n));
        row.page_n = n;
        row.key += "@" + std::to_string(st.after.count());
        if (std::any_of(rows.begin(), rows.end(), [&](const store::OutboxRow& r) { return r.key == row.key; }))
          row.key += "." + std::to_string(core::ToUnixMillis(now));  // re-added after a cancellation
        row.event_at = at;
        row.next_attempt_at = at;
        // The page's own context (which page, through what), for this contact method.
        FB_ASSIGN_OR_RETURN(auto ctx, RetargetContext(sent.front().row->context, *person, st.contact));
        if (!ctx.is_object()) ctx = json::object{{"event", "page"}};
        ctx.get_object()["incident"] = IncidentContext(inc);
        row.context = core::ToJson(ctx);
        const std::string channel = row.channel;
        FB_TRY(Enqueue(tx, std::move(row)));
        // Cancelled above although still planned: only its channel changed.
        const auto was = std::find_if(sent.begin(), sent.end(),
                                      [&](const Sent& x) { return cancelled.count(x.row->id) && same_step(x, c, at); });
        if (was != sent.end()) change(c.type, at, "re-routed", was->row->channel, channel);
        else change(c.type, at, "added");
      }
      if (!what.empty())
        said.push_back(person_id + "'s page " + std::to_string(n) + ": " + core::Join(what, ", "));
    }
    if (said.empty()) continue;
    tx.OnCommit([this, n = changes.size()] {
      metrics_.GetCounter("firebreak_planned_notifications_replanned_total",
                          "Notification rule steps cancelled or added before they were due because the "
                          "configuration or the incident's severity changed")
          .Inc(static_cast<double>(n));
    });
    FB_TRY(tx.Timeline(inc.id, NotifyActor(), "notification",
                       "Planned notifications re-planned (" + why + "): " + core::Join(said, "; "),
                       {{"replanned", std::move(changes)}, {"why", why}}));
  }
  return Ok();
}

Status Pager::Broadcast(engine::Tx& tx, const model::Incident& inc, const std::string& event, const std::string& note,
                        const escalate::PageRecord* rec, const std::string& except_channel) {
  const auto& cfg = tx.config();
  for (const auto& ch : cfg.channels) {
    if (ch.id == except_channel) continue;
    if (std::find(ch.events.begin(), ch.events.end(), event) == ch.events.end()) continue;
    if (!AllowsSeverity(ch, inc.severity)) continue;
    json::object ctx{{"event", event}, {"incident", IncidentContext(inc)}, {"note", note}};
    if (rec) ctx["page"] = PageContext(*rec);
    std::vector<std::string> dests = ch.type == "email" ? ch.to : std::vector<std::string>{""};
    for (size_t i = 0; i < dests.size(); ++i) {
      store::OutboxRow row;
      row.key = inc.id + "." + event + "." + ch.id + "." + core::RandomHex(6) + (i ? "." + std::to_string(i) : "");
      row.incident_id = inc.id;
      row.kind = "broadcast";
      row.event = event;
      row.channel = ch.id;
      row.channel_type = ch.type;
      row.destination = dests[i];
      row.page_n = rec ? rec->n : 0;
      row.event_at = tx.now();
      row.context = core::ToJson(ctx);
      FB_TRY(Enqueue(tx, std::move(row)));
    }
  }
  return Ok();
}

Status Pager::AnnounceStatusUpdate(engine::Tx& tx, const model::Incident& inc, bool external,
                                   const std::string& text) {
  return Broadcast(tx, inc, external ? "status_update_external" : "status_update", text, nullptr);
}

Status Pager::Enqueue(engine::Tx& tx, store::OutboxRow row) {
  row.state = "pending";
  row.created_at = tx.now();
  row.updated_at = tx.now();
  if (row.next_attempt_at < tx.now()) row.next_attempt_at = tx.now();  // later: a notification rule's step
  if (row.event_at == core::TimePoint{}) row.event_at = tx.now();
  FB_ASSIGN_OR_RETURN(row.id, tx.store().outbox().Insert(row));
  tx.OnCommit([this, row = std::move(row)]() mutable { Push(std::move(row)); });
  return Ok();
}

// ---- events -----------------------------------------------------------------------------------

Status Pager::OnIncidentEvent(engine::Tx& tx, const engine::IncidentEvent& ev) {
  using K = engine::IncidentEvent::Kind;
  if (!ev.after) return Ok();
  const model::Incident& inc = *ev.after;
  switch (ev.kind) {
    case K::kOpened:
      FB_TRY(StartEscalation(tx, inc, "", "opened", std::nullopt));
      return Broadcast(tx, inc, "opened", inc.impact, nullptr);
    case K::kTransitioned: {
      if (!ev.transition) return Ok();
      const bool unacked = *ev.transition == model::Transition::kUnacknowledge;
      if (*ev.transition == model::Transition::kReopen || unacked) {
        const std::string what = unacked ? "unacknowledged" : "reopened";
        FB_ASSIGN_OR_RETURN(auto s, LoadEscalation(tx.store(), inc.id));
        if (!s) {
          FB_TRY(StartEscalation(tx, inc, "incident " + what, what, std::nullopt));
        } else {
          escalate::Reopen(*s, tx.now(), unacked);
          escalate::SetSeverity(*s, inc.severity, tx.config().settings.For(inc.severity).ack_sla, tx.now());
          FB_TRY(tx.Timeline(inc.id, EscalateActor(), "escalation",
                             "Escalation restarted from tier 1 (incident " + what + " by " + ev.actor.ToString() +
                                 ")"));
          FB_TRY(HoldForSupportHours(tx, *s, inc, what));
          auto pages = escalate::Due(*s, tx.now());
          FB_TRY(SendPages(tx, *s, inc, std::move(pages)));
          FB_TRY(Save(tx, *s));
        }
        return Broadcast(tx, inc, what, ev.reason, nullptr);
      }
      return StopEscalation(tx, inc, *ev.transition, ev.actor);
    }
    case K::kSeverityChanged: {
      if (!ev.before || !model::IsOpen(inc.state)) return Ok();
      FB_ASSIGN_OR_RETURN(auto s, LoadEscalation(tx.store(), inc.id));
      bool raised = model::WorseThan(inc.severity, ev.before->severity);
      const std::string raised_to = "raised to " + std::string(model::SeverityName(inc.severity));
      // The steps still ahead of the pages sent follow the new severity's rules (no SEV1 phone call
      // for a now-SEV3 incident; a call planned for an incident raised to SEV1).
      FB_TRY(ReviewPlannedSteps(tx, &inc,
                                std::string(raised ? "severity raised" : "severity lowered") + " from " +
                                    std::string(model::SeverityName(ev.before->severity)) + " to " +
                                    std::string(model::SeverityName(inc.severity))));
      // No escalation yet, or only the record of an incident no policy covered (responders asked
      // for help): a raised severity may select a policy now.
      if (!s || s->policy.tiers.empty())
        return raised ? StartEscalation(tx, inc, "severity raised", raised_to, std::move(s)) : Ok();
      const auto& cfg = tx.config();
      const bool was_held = escalate::Held(*s, tx.now());
      escalate::SetSeverity(*s, inc.severity, cfg.settings.For(inc.severity).ack_sla, tx.now());
      if (!raised) return Save(tx, *s);
      const auto* p = PolicyForServices(cfg, inc.services, inc.severity);
      if (p && p->id != s->policy.id) {
        FB_TRY(tx.Timeline(inc.id, EscalateActor(), "escalation",
                           "Escalation policy switched from '" + s->policy.id + "' to '" + p->id + "' for " +
                               std::string(model::SeverityName(inc.severity))));
        escalate::SwitchPolicy(*s, escalate::Snapshot(*p));
      }
      std::string reason = "severity raised from " + std::string(model::SeverityName(ev.before->severity)) + " to " +
                           std::string(model::SeverityName(inc.severity));
      if (was_held) {
        // Still low urgency (SEV4 to SEV3, say): it keeps waiting, now for this policy's support hours.
        escalate::Release(*s, tx.now());
        FB_TRY(HoldForSupportHours(tx, *s, inc, raised_to));
        if (escalate::Held(*s, tx.now())) return Save(tx, *s);
        reason += " (it was waiting for support hours)";
      }
      auto pages = escalate::EscalateNow(*s, tx.now(), "severity", reason);
      FB_TRY(SendPages(tx, *s, inc, std::move(pages)));
      return Save(tx, *s);
    }
    case K::kServicesAdded: {
      std::vector<std::string> added;
      for (const auto& svc : inc.services)
        if (!ev.before || std::find(ev.before->services.begin(), ev.before->services.end(), svc) ==
                              ev.before->services.end())
          added.push_back(svc);
      if (added.empty()) return Ok();
      return Trigger(tx, inc, "service",
                     (added.size() == 1 ? "service " : "services ") + core::Join(added, ", ") +
                         (added.size() == 1 ? " joined" : " joined") + " the incident");
    }
    case K::kFlagged:
      return Trigger(tx, inc, "flag",
                     (ev.reason == "data_loss" ? std::string("data loss risk") : std::string("security risk")) +
                         " flagged");
    case K::kRemediationFailed:
      return Trigger(tx, inc, "remediation", "remediation failed: " + ev.reason);
    case K::kEscalationRequested:
      return Trigger(tx, inc, "request", "escalation requested by " + ev.actor.ToString() + ": " + ev.reason);
    case K::kUpdated:
      return Ok();
  }
  return Ok();
}

Status Pager::Trigger(engine::Tx& tx, const model::Incident& inc, const std::string& trigger,
                      const std::string& reason) {
  if (!model::IsOpen(inc.state)) return Ok();
  FB_ASSIGN_OR_RETURN(auto s, LoadEscalation(tx.store(), inc.id));
  if (!s || s->policy.tiers.empty()) return StartEscalation(tx, inc, reason, "", std::move(s));
  if (escalate::Held(*s, tx.now())) {
    // A service joining a low-urgency incident does not make it urgent; a flag, a failed
    // remediation or a request to escalate does.
    if (trigger == "service") return Ok();
    escalate::Release(*s, tx.now());
    FB_TRY(tx.Timeline(inc.id, EscalateActor(), "escalation",
                       "No longer waiting for support hours: " + reason, {{"support_hours", s->policy.support_hours}}));
  }
  auto pages = escalate::EscalateNow(*s, tx.now(), trigger, reason);
  if (pages.empty()) return Ok();
  FB_TRY(SendPages(tx, *s, inc, std::move(pages)));
  return Save(tx, *s);
}

Status Pager::StopEscalation(engine::Tx& tx, const model::Incident& inc, model::Transition t,
                             const model::Actor& actor) {
  FB_ASSIGN_OR_RETURN(auto s, LoadEscalation(tx.store(), inc.id));
  std::string verb(model::StateName(inc.state));
  FB_ASSIGN_OR_RETURN(int64_t cancelled, tx.store().outbox().CancelPendingPages(inc.id, tx.now()));
  if (s) {
    bool was_active = s->status == escalate::Status::kActive;
    std::string why = verb + " by " + actor.ToString();
    if (t == model::Transition::kAcknowledge) escalate::Acknowledge(*s, why);
    else escalate::Stop(*s, why);
    FB_TRY(Save(tx, *s));
    if (was_active || cancelled > 0) {
      std::string text = "Escalation stopped: " + why;
      if (cancelled > 0) text += "; " + std::to_string(cancelled) + " queued page notification(s) cancelled";
      FB_TRY(tx.Timeline(inc.id, EscalateActor(), "escalation", text, {{"cancelled", cancelled}}));
    }
    // The policy's acknowledgement timeout: unless mitigated or resolved by then, it pages again.
    if (t == model::Transition::kAcknowledge && s->policy.ack_timeout.count() > 0) {
      const auto at = tx.now() + s->policy.ack_timeout;
      FB_TRY(tx.ArmTimer(engine::kUnackTimer, inc.id, at,
                         json::object{{"reason", "ack_timeout"}, {"after_ms", s->policy.ack_timeout.count()}}));
      FB_TRY(tx.Timeline(inc.id, EscalateActor(), "escalation",
                         "Acknowledgement times out at " + core::FormatRfc3339(at) + " (policy '" + s->policy.id +
                             "': ack_timeout " + core::FormatDuration(s->policy.ack_timeout) +
                             "): unless mitigated or resolved by then, escalation starts over",
                         {{"ack_timeout", core::FormatDuration(s->policy.ack_timeout)},
                          {"until", core::FormatRfc3339(at)}}));
    }
  }
  if (cancelled > 0)
    metrics_.GetCounter("firebreak_notifications_total", "Notifications by channel type and result",
                        {{"channel_type", "any"}, {"result", "cancelled"}})
        .Inc(static_cast<double>(cancelled));
  if (t == model::Transition::kAcknowledge) return Broadcast(tx, inc, "acknowledged", "by " + actor.ToString(), nullptr);
  if (t == model::Transition::kResolve) return Broadcast(tx, inc, "resolved", inc.resolution_note, nullptr);
  return Ok();
}

Status Pager::OnUnackTimer(engine::Tx& tx, const store::TimerRecord& rec) {
  FB_ASSIGN_OR_RETURN(auto inc, tx.store().incidents().Get(rec.key));
  // Mitigated, resolved or unacknowledged meanwhile (those disarm the timer; this is a guard).
  if (!inc || inc->state != model::IncidentState::kAcknowledged) return Ok();
  const auto why = engine::ParseUnackPayload(rec.payload);
  const std::string span = core::FormatDuration(why.after);
  const std::string note =
      why.reason == "snooze"
          ? "the snooze of " + span + " ended"
          : "acknowledged " + span + " ago and neither mitigated nor resolved (the policy's ack_timeout)";
  static const model::Principal who = model::Principal::System("escalate");
  FB_TRY(engine::ApplyTransition(tx, who, inc->id, model::Transition::kUnacknowledge, note));
  return Ok();
}

Status Pager::OnTimer(engine::Tx& tx, const store::TimerRecord& rec) {
  FB_ASSIGN_OR_RETURN(auto s, LoadEscalation(tx.store(), rec.key));
  if (!s) return Ok();
  FB_ASSIGN_OR_RETURN(auto inc, tx.store().incidents().Get(rec.key));
  if (!inc) return Ok();
  if (!model::IsOpen(inc->state)) {
    escalate::Stop(*s, std::string(model::StateName(inc->state)));
    return Save(tx, *s);
  }
  auto pages = escalate::Due(*s, tx.now());
  FB_TRY(SendPages(tx, *s, *inc, std::move(pages)));
  return Save(tx, *s);
}

// ---- delivery outcomes ------------------------------------------------------------------------

Status Pager::Record(engine::Tx& tx, int64_t id, const notify::Outcome& out) {
  FB_ASSIGN_OR_RETURN(auto found, tx.store().outbox().Get(id));
  if (!found) return Ok();
  store::OutboxRow row = std::move(*found);
  if (row.state == "delivered" || row.state == "dead") return Ok();
  const auto& ps = tx.config().settings.paging;
  const core::TimePoint now = tx.now();
  ++row.attempts;
  row.updated_at = now;
  const std::string to = row.person.empty() ? std::string() : " to " + row.person;
  const std::string via = " via " + row.channel_type + " (" + row.channel + ")";
  const std::string what = row.kind == "page" ? "Page " + std::to_string(row.page_n) : "Notification (" + row.event + ")";
  json::object data{{"notification", row.id},  {"key", row.key},          {"channel", row.channel},
                    {"person", row.person},    {"attempts", row.attempts}, {"event", row.event}};
  auto count = [&](const char* result) {
    metrics_.GetCounter("firebreak_notifications_total", "Notifications by channel type and result",
                        {{"channel_type", row.channel_type}, {"result", result}})
        .Inc();
  };
  if (out.ok()) {
    row.state = "delivered";
    row.delivered_at = now;
    row.receipt = out.detail;
    auto latency = now - row.event_at;
    data["receipt"] = out.detail;
    data["latency_ms"] = latency.count();
    if (!row.incident_id.empty())  // a shift handoff notice belongs to no incident
      FB_TRY(tx.Timeline(row.incident_id, NotifyActor(), "notification",
                       what + " delivered" + to + via + ": " + out.detail +
                           (row.attempts > 1 ? " (attempt " + std::to_string(row.attempts) + ")" : ""),
                       data));
    count("delivered");
    if (row.kind == "page")
      metrics_
          .GetHistogram("firebreak_alert_to_notification_seconds",
                        "From an incident's page becoming due (its alert, for the first tier) to its delivery",
                        core::Registry::LatencyBuckets(), {{"channel_type", row.channel_type}})
          .Observe(std::chrono::duration<double>(latency).count());
  } else if (row.state == "cancelled") {
    row.last_error = out.detail;
  } else if (out.kind == notify::Outcome::Kind::kPermanent ||
             notify::ShouldGiveUp({ps.retry_initial, ps.retry_max, ps.max_attempts, ps.give_up_after}, row.attempts,
                                  now - row.created_at)) {
    row.state = "dead";
    row.last_error = out.detail;
    data["error"] = out.detail;
    if (!row.incident_id.empty())  // a shift handoff notice belongs to no incident
      FB_TRY(tx.Timeline(row.incident_id, NotifyActor(), "notification_failed",
                       what + to + via + " failed after " + std::to_string(row.attempts) + " attempt(s) and was " +
                           "dead-lettered: " + out.detail,
                       data));
    count("dead");
    spdlog::error("notify: {} {} dead-lettered: {}", row.incident_id, row.key, out.detail);
    FB_TRY(tx.store().outbox().UpdateDelivery(row));
    return DeadLetter(tx, row);
  } else {
    row.last_error = out.detail;
    notify::RetryPolicy rp{ps.retry_initial, ps.retry_max, ps.max_attempts, ps.give_up_after};
    auto delay = notify::Backoff(rp, row.attempts, core::RandomU64());
    if (out.retry_after && *out.retry_after > delay) delay = *out.retry_after;
    row.next_attempt_at = now + delay;
    if (row.attempts == 1) {
      data["error"] = out.detail;
      if (!row.incident_id.empty())  // a shift handoff notice belongs to no incident
        FB_TRY(tx.Timeline(row.incident_id, NotifyActor(), "notification_retry",
                         what + to + via + " not delivered yet (" + out.detail + "); retrying with backoff", data));
    }
    count("retry");
  }
  return tx.store().outbox().UpdateDelivery(row);
}

Status Pager::DeadLetter(engine::Tx& tx, const store::OutboxRow& row) {
  const auto& cfg = tx.config();
  if (row.incident_id.empty()) {
    // A shift handoff notice: its other contact methods are the rows of the same key prefix. (The
    // audit head goes to channels, not to a person: it has nothing to fall back to.)
    if (row.person.empty()) return Ok();
    FB_ASSIGN_OR_RETURN(auto siblings, tx.store().outbox().WithKeyPrefix(KeyPrefix(row.key), 100));
    FB_ASSIGN_OR_RETURN(auto next, NextContact(cfg, row, siblings, model::Severity::kSev4, tx.now()));
    if (!next.row) return Ok();
    spdlog::warn("notify: handoff notice {} failed; falling back to {}'s {} via {}", row.key, row.person,
                 next.contact_type, next.row->channel);
    return Enqueue(tx, std::move(*next.row));
  }
  FB_ASSIGN_OR_RETURN(auto incopt, tx.store().incidents().Get(row.incident_id));
  if (!incopt) return Ok();
  const model::Incident& inc = *incopt;
  // The failure is itself announced on every channel that asks for it (except the failing one).
  if (row.event != "notification_failed") {
    std::string note = "Notification " + row.key + " to " + (row.person.empty() ? row.channel : row.person) +
                       " via " + row.channel + " failed: " + row.last_error;
    FB_TRY(Broadcast(tx, inc, "notification_failed", note, nullptr, row.channel));
  }
  if (row.kind != "page" || row.person.empty() || !model::IsOpen(inc.state)) return Ok();
  FB_ASSIGN_OR_RETURN(auto siblings, tx.store().outbox().ForPage(row.incident_id, row.page_n, row.person));
  FB_ASSIGN_OR_RETURN(auto next, NextContact(cfg, row, siblings, inc.severity, tx.now()));
  if (next.reached) return Ok();  // another contact method of this page is under way or arrived
  if (next.row) {
    FB_TRY(tx.Timeline(row.incident_id, NotifyActor(), "notification",
                       "Falling back to " + row.person + "'s next contact method: " + next.contact_type + " via " +
                           next.row->channel,
                       {{"person", row.person}, {"contact_type", next.contact_type}, {"channel", next.row->channel}}));
    return Enqueue(tx, std::move(*next.row));
  }
  metrics_.GetCounter("firebreak_pages_unreachable_total", "Pages that could reach nobody").Inc();
  return Trigger(tx, inc, "unreachable",
                 row.person + " could not be reached on any contact method (page " + std::to_string(row.page_n) + ")");
}

Status Pager::FlagStale(engine::Tx& tx, const std::string& incident_id, core::TimePoint due) {
  FB_ASSIGN_OR_RETURN(auto row, tx.store().escalations().Get(incident_id));
  if (!row || !row->next_due || *row->next_due != due) return Ok();  // fired meanwhile
  const auto& margin = tx.config().settings.paging.late_margin;
  if (tx.now() - due <= margin) return Ok();
  FB_ASSIGN_OR_RETURN(auto inc, tx.store().incidents().Get(incident_id));
  if (!inc) return Ok();
  std::string text = "Escalation step overdue: due " + core::FormatRfc3339(due) + ", still not fired " +
                     core::FormatDuration(tx.now() - due) + " later (margin " + core::FormatDuration(margin) + ")";
  FB_TRY(tx.Timeline(incident_id, model::Actor::System("auditor"), "escalation_stale", text,
                     {{"due", core::FormatRfc3339(due)}, {"overdue_ms", (tx.now() - due).count()}}));
  return Broadcast(tx, *inc, "escalation_stale", text, nullptr);
}

// ---- shift handoffs ---------------------------------------------------------------------------

namespace {

// What keeps the notices of handoff `h` apart from those of another handoff of the same schedule and
// instant (one called off, and the one that replaced it): who hands over to whom.
std::string HandoffTag(const Handoff& h) { return h.from + ">" + h.to; }

// What `told` records of a handoff: "schedule@ms:from>to".
std::string HandoffKey(const Handoff& h) {
  return h.schedule + "@" + std::to_string(core::ToUnixMillis(h.at)) + ":" + HandoffTag(h);
}

// A HandoffKey read back (nullopt if it is not one).
std::optional<Handoff> TellKey(std::string_view key) {
  const auto at = key.find('@');
  const auto colon = key.find(':', at == std::string_view::npos ? 0 : at);
  const auto arrow = key.find('>', colon == std::string_view::npos ? 0 : colon);
  if (at == std::string_view::npos || colon == std::string_view::npos || arrow == std::string_view::npos) return std::nullopt;
  int64_t ms = 0;
  const auto digits = key.substr(at + 1, colon - at - 1);
  if (digits.empty() || std::from_chars(digits.data(), digits.data() + digits.size(), ms).ptr != digits.data() + digits.size())
    return std::nullopt;
  Handoff h;
  h.schedule = std::string(key.substr(0, at));
  h.at = core::FromUnixMillis(ms);
  h.from = std::string(key.substr(colon + 1, arrow - colon - 1));
  h.to = std::string(key.substr(arrow + 1));
  return h;
}

// Whether notice `row` is about handoff `h` (its context's shift).
bool About(const store::OutboxRow& row, const Handoff& h) {
  auto ctx = core::ParseJson(row.context);
  const auto* shift = ctx && ctx->is_object() ? ctx->get_object().if_contains("shift") : nullptr;
  if (!shift || !shift->is_object()) return false;
  auto is = [&](const char* name, const std::string& want) {
    const auto* v = shift->get_object().if_contains(name);
    return v && v->is_string() && v->get_string() == want;
  };
  return is("schedule", h.schedule) && is("at", core::FormatRfc3339(h.at)) && is("from", h.from) && is("to", h.to);
}

std::string InOrNow(core::Millis d) { return d.count() <= 0 ? "now" : "in " + core::FormatDuration(d); }

std::string NameOf(const config::Config& cfg, const std::string& id) {
  const auto* p = cfg.FindPerson(id);
  return p && !p->name.empty() ? p->name : id;
}

// The incidents of `open` whose escalation pages through schedule `id`:
// [{id,title,severity,state,acknowledged_by}].
Result<json::array> IncidentsPagingThrough(store::Tx& tx, const std::vector<model::Incident>& open,
                                           const std::string& id) {
  json::array out;
  for (const auto& inc : open) {
    FB_ASSIGN_OR_RETURN(auto s, LoadEscalation(tx, inc.id));
    if (!s || s->status == escalate::Status::kStopped) continue;
    bool through = false;
    for (const auto& tier : s->policy.tiers)
      for (const auto& t : tier.targets) through = through || (t.type == "schedule" && t.id == id);
    if (!through) continue;
    out.push_back(json::object{{"id", inc.id},
                               {"title", inc.title},
                               {"severity", model::SeverityName(inc.severity)},
                               {"state", model::StateName(inc.state)},
                               // who holds it now: nobody while it is triggered, even after an
                               // acknowledgement that was undone
                               {"acknowledged_by", inc.state == model::IncidentState::kTriggered
                                                       ? std::string()
                                                       : inc.acknowledged_by}});
  }
  return out;
}

// The roles `person` holds in the incidents of `open` ("incident commander of INC-3"), by incident.
std::vector<std::string> RolesHeldBy(const std::vector<model::Incident>& open, const std::string& person) {
  std::vector<std::string> out;
  for (const auto& inc : open)
    for (const auto& [role, who] : inc.roles) {
      if (who != person) continue;
      std::string r = role;
      std::replace(r.begin(), r.end(), '_', ' ');
      out.push_back(r + " of " + inc.id);
    }
  return out;
}

}  // namespace

void Pager::SubmitLogged(Status (Pager::*step)(engine::Tx&), std::string what) {
  std::function<Result<bool>(engine::Tx&)> fn = [this, step](engine::Tx& tx) -> Result<bool> {
    FB_TRY((this->*step)(tx));
    return true;
  };
  engine_.Submit<bool>(std::move(fn), [what = std::move(what)](Result<bool> r) {
    if (!r) spdlog::error("paging: cannot {}: {}", what, r.error().ToString());
  });
}

void Pager::PlanHandoffs() { SubmitLogged(&Pager::ProcessHandoffs, "plan shift handoff notices"); }

Result<std::vector<store::OutboxRow>> Pager::HandoffNotices(int limit) const {
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  // Of the rows that belong to no incident, the notices to a person (not the audit head's).
  return tx->outbox().Latest("", "notice", "", limit);
}

Status Pager::ProcessHandoffs(engine::Tx& tx) {
  const auto& cfg = tx.config();
  const auto& notice = cfg.settings.paging.handoff_notice;
  if (!notice) return tx.CancelTimer(kHandoffTimer, kHandoffKey);
  const core::TimePoint now = tx.now();
  // The handoffs already told: "schedule@ms:from>to" -> when, kept a day past it; and those told
  // and then called off (a correction was sent), so that one coming back is told again.
  json::object told, retracted;
  FB_ASSIGN_OR_RETURN(auto saved, tx.store().meta().Get(kHandoffMeta));
  if (saved) {
    auto v = core::ParseJson(*saved);
    if (v && v->is_object())
      for (auto [name, into] : {std::pair{"told", &told}, std::pair{"retracted", &retracted}})
        if (auto it = v->get_object().find(name); it != v->get_object().end() && it->value().is_object())
          *into = it->value().get_object();
  }
  for (auto* record : {&told, &retracted})
    for (auto it = record->begin(); it != record->end();) {
      auto at = it->value().is_string() ? core::ParseRfc3339(it->value().get_string()) : Result<core::TimePoint>(now);
      if (!at || *at < now - std::chrono::hours(24)) it = record->erase(it);
      else ++it;
    }

  // A notice about a shift to `person` on each contact method handoff notices go to. `tag` keeps
  // its key apart from the other notices of the same instant.
  auto send = [&](const model::Person& person, const std::string& schedule, core::TimePoint at,
                  const std::string& tag, const std::string& event, const std::string& note, json::object shift,
                  const json::array& incidents) -> Status {
    const std::vector<std::string>* only =
        cfg.settings.paging.handoff_contact_types.empty() ? nullptr : &cfg.settings.paging.handoff_contact_types;
    const auto chosen = ChooseContacts(cfg, person, model::Severity::kSev4, only);
    if (chosen.empty()) {
      spdlog::warn("paging: {} has no contact method a channel delivers; handoff notice ({}) not sent", person.id,
                   event);
      return Ok();
    }
    for (size_t i : chosen) {
      auto row = PersonRow(cfg, "", model::Severity::kSev4, person, i, "notice", event,
                           "handoff." + schedule + "." + std::to_string(core::ToUnixMillis(at)) + "." + tag + "." +
                               event);
      row.context = core::ToJson(json::object{{"event", event},
                                              {"note", note},
                                              {"shift", shift},
                                              {"incidents", incidents},
                                              {"recipient", RecipientContext(person, i)}});
      FB_TRY(Enqueue(tx, std::move(row)));
      metrics_.GetCounter("firebreak_handoff_notices_total", "Shift handoff notices queued", {{"event", event}}).Inc();
    }
    return Ok();
  };

  // The correction of handoff `k`, told and now called off, to `person`: `on` is who is on call at
  // its time instead ("" nobody), `removed` that its schedule is gone from the configuration.
  auto send_change = [&](const model::Person& person, const std::string& schedule, const std::string& name,
                         const Handoff& k, const std::string& when, const std::string& on, bool removed,
                         const std::string& note) -> Status {
    json::object shift{{"schedule", schedule}, {"schedule_name", name}, {"at", core::FormatRfc3339(k.at)},
                       {"at_local", when},     {"until", nullptr},      {"from", k.from},
                       {"to", k.to},           {"on_call", on},         {"override", false}};
    if (removed) shift["removed"] = true;
    return send(person, schedule, k.at, HandoffTag(k) + ".changed" + std::to_string(core::ToUnixMillis(now)),
                "shift_changed", note, std::move(shift), json::array{});
  };

  // Notices about handoff `k` still queued (a channel failing and retrying, say) that no longer hold:
  // its shift_start and shift_end once it is called off, its shift_changed once it is back. They are
  // cancelled so that they cannot arrive after what replaced them. One being sent at this moment may
  // still arrive; what replaced it follows it.
  std::optional<std::vector<store::OutboxRow>> queued;  // read once, when a handoff changes
  auto withdraw = [&](const Handoff& k, bool corrections, const std::string& why) -> Status {
    if (!queued) {
      FB_ASSIGN_OR_RETURN(auto rows, tx.store().outbox().Pending("", "notice"));
      queued = std::move(rows);
    }
    for (auto& row : *queued) {
      if (row.state != "pending" || (row.event == "shift_changed") != corrections) continue;
      if (!About(row, k)) continue;
      FB_TRY(Cancel(tx, row, "cancelled before it was sent: " + why));
      metrics_.GetCounter("firebreak_notifications_total", "Notifications by channel type and result",
                          {{"channel_type", row.channel_type}, {"result", "cancelled"}})
          .Inc();
    }
    return Ok();
  };

  // The handoffs told whose time is still ahead within the notice window, by schedule: those an
  // override or a reload may have called off since. What a schedule's loop below does not take
  // belongs to a schedule no longer configured.
  std::map<std::string, std::vector<std::pair<std::string, Handoff>>> ahead;
  for (const auto& kv : told)
    if (auto k = TellKey(kv.key()); k && k->at > now && k->at <= now + *notice)
      ahead[k->schedule].emplace_back(kv.key(), std::move(*k));

  std::optional<core::TimePoint> next;
  bool changed = false;
  std::optional<std::vector<model::Incident>> open;  // read once, when a handoff is told
  for (const auto& sched : cfg.schedules) {
    FB_ASSIGN_OR_RETURN(auto hs, Handoffs(sched, now - kHandoffGrace, now + *notice));
    // Handoffs told that no longer happen (an override made or removed since, a reload): each person
    // told is told what holds now instead, unless a handoff of the window tells them anyway (their
    // shift now starts, or ends, at another time or with someone else). Should the handoff come back,
    // it is told again.
    std::set<std::string> current;
    for (const auto& h : hs) current.insert(HandoffKey(h));
    std::vector<std::pair<std::string, Handoff>> gone;
    if (auto it = ahead.find(sched.id); it != ahead.end()) {
      for (auto& entry : it->second)
        if (!current.count(entry.first)) gone.push_back(std::move(entry));
      ahead.erase(it);
    }
    for (const auto& entry : gone) {
      const std::string& key = entry.first;
      const Handoff& k = entry.second;
      told.erase(key);
      retracted[key] = core::FormatRfc3339(k.at);
      changed = true;
      FB_TRY(withdraw(k, false, "the handoff was called off"));
      FB_ASSIGN_OR_RETURN(auto now_on, oncall::OnCallAt(sched, k.at, kOnCallLookahead));
      const std::string on = now_on ? now_on->person : "";
      auto told_anyway = [&](auto pred) { return std::any_of(hs.begin(), hs.end(), pred); };
      auto correct = [&](const std::string& person_id, bool was_coming) -> Status {
        const auto* person = cfg.FindPerson(person_id);
        if (!person || !person->handoff_notices) return Ok();
        const std::string zone = person->timezone.empty() ? sched.timezone : person->timezone;
        const std::string when = FormatLocal(k.at, zone);
        // What they were told no longer holds; say what does at that instant.
        std::string note = "Change to your on-call shift on " + sched.name + ": ";
        const std::string then = on.empty() ? std::string("nobody is on call then.") : NameOf(cfg, on) + " is on call then.";
        if (was_coming) {
          note += "it no longer starts at " + when + "; " +
                  (on == person_id ? std::string("you are on call before then already.") : then);
        } else if (on == person_id) {
          note += "it no longer ends at " + when + "; you stay on call" +
                  (now_on->end < k.at + kOnCallLookahead ? " until " + FormatLocal(now_on->end, zone) : std::string()) +
                  ".";
        } else {
          note += "the handoff from you at " + when + " is off; " + then;
        }
        return send_change(*person, sched.id, sched.name, k, when, on, false, note);
      };
      if (!k.to.empty() && !told_anyway([&](const Handoff& h) { return h.to == k.to; })) FB_TRY(correct(k.to, true));
      if (!k.from.empty() && !told_anyway([&](const Handoff& h) { return h.from == k.from; }))
        FB_TRY(correct(k.from, false));
    }
    std::optional<json::array> incidents;  // read once per schedule, when a handoff is told
    for (const auto& h : hs) {
      const std::string key = HandoffKey(h);
      if (told.contains(key)) continue;
      told[key] = core::FormatRfc3339(h.at);
      changed = true;
      // Told before, called off, and back: told again, under keys of its own.
      const bool again = retracted.erase(key) > 0;
      if (again) FB_TRY(withdraw(h, true, "the handoff is back"));
      if (!open) {
        store::IncidentFilter f;
        f.open_only = true;
        f.limit = 100000;
        FB_ASSIGN_OR_RETURN(auto list, tx.store().incidents().List(f));
        open = std::move(list);
      }
      if (!incidents) {
        FB_ASSIGN_OR_RETURN(auto inc, IncidentsPagingThrough(tx.store(), *open, sched.id));
        incidents = std::move(inc);
      }
      const size_t n = incidents->size();
      const std::string count =
          n == 0 ? "No open incident pages through this schedule."
                 : std::to_string(n) + " open incident" + (n == 1 ? " pages" : "s page") + " through this schedule.";
      // One notice to each side of the handoff, in their own time zone.
      auto tell = [&](const std::string& person_id, bool coming) -> Status {
        const auto* person = cfg.FindPerson(person_id);
        if (!person || !person->handoff_notices) return Ok();
        const std::string zone = person->timezone.empty() ? sched.timezone : person->timezone;
        const std::string when = InOrNow(h.at - now) + ", at " + FormatLocal(h.at, zone);
        std::string note;
        if (coming) {
          note = "Your on-call shift on " + sched.name + " starts " + when;
          if (h.until) note += ", until " + FormatLocal(*h.until, zone);
          if (h.override) note += " (an override)";
          note += h.from.empty() ? "; nobody is on call before you." : "; you take over from " + NameOf(cfg, h.from) + ".";
          note += " " + count;
        } else {
          note = "Your on-call shift on " + sched.name + " ends " + when;
          if (!h.to.empty()) {
            note += "; " + NameOf(cfg, h.to) + " takes over.";
          } else {
            note += "; nobody is on call after you" +
                    (h.until ? " until " + FormatLocal(*h.until, zone) : std::string()) + ": the schedule has a gap.";
          }
          note += n ? " Hand over: " + count : " " + count;
          // Going off call does not end a role in an incident; say which are still theirs.
          const auto roles = RolesHeldBy(*open, person_id);
          if (!roles.empty())
            note += " You still hold " + std::string(roles.size() == 1 ? "a role" : "roles") + ": " +
                    core::Join(roles, ", ") + "; hand " + (roles.size() == 1 ? "it" : "them") + " over or keep " +
                    (roles.size() == 1 ? "it." : "them.");
        }
        json::object shift{{"schedule", sched.id},
                           {"schedule_name", sched.name},
                           {"at", core::FormatRfc3339(h.at)},
                           {"at_local", FormatLocal(h.at, zone)},
                           {"until", h.until ? json::value(core::FormatRfc3339(*h.until)) : nullptr},
                           {"from", h.from},
                           {"to", h.to},
                           {"override", h.override}};
        return send(*person, sched.id, h.at,
                    HandoffTag(h) + (again ? ".again" + std::to_string(core::ToUnixMillis(now)) : std::string()),
                    coming ? "shift_start" : "shift_end", note, std::move(shift), *incidents);
      };
      if (!h.to.empty()) FB_TRY(tell(h.to, true));
      if (!h.from.empty()) FB_TRY(tell(h.from, false));
    }
    FB_ASSIGN_OR_RETURN(auto after, NextHandoff(sched, now + *notice));
    if (after && (!next || after->at < *next)) next = after->at;
  }
  // Handoffs told on a schedule a reload has since removed: nobody is on call through it any more,
  // so each person told hears that the shift change they expect is off.
  for (const auto& entry : ahead) {
    for (const auto& [key, k] : entry.second) {
      told.erase(key);
      retracted[key] = core::FormatRfc3339(k.at);
      changed = true;
      FB_TRY(withdraw(k, false, "its schedule was removed"));
      for (const auto& [person_id, was_coming] : {std::pair{k.to, true}, std::pair{k.from, false}}) {
        const auto* person = person_id.empty() ? nullptr : cfg.FindPerson(person_id);
        if (!person || !person->handoff_notices) continue;
        const std::string when = FormatLocal(k.at, person->timezone.empty() ? "UTC" : person->timezone);
        const std::string note =
            "Change to your on-call shift on " + k.schedule + ": the schedule was removed from the configuration; " +
            (was_coming ? "your shift no longer starts at " + when + "."
                        : "you are no longer on call through it, and the handoff from you at " + when + " is off.");
        FB_TRY(send_change(*person, k.schedule, k.schedule, k, when, "", true, note));
      }
    }
  }
  if (changed || !saved)
    FB_TRY(tx.store().meta().Set(kHandoffMeta, core::ToJson(json::object{{"told", std::move(told)},
                                                                         {"retracted", std::move(retracted)}})));
  // Nothing within the lookahead: look again when the lookahead has moved on.
  const core::TimePoint due = next ? *next - *notice : now + kOnCallLookahead;
  FB_ASSIGN_OR_RETURN(auto id, tx.ArmTimer(kHandoffTimer, kHandoffKey, std::max(due, now)));
  (void)id;
  return Ok();
}

// ---- links ------------------------------------------------------------------------------------

std::string Pager::LinkUrl(const notify::LinkClaims& c) const {
  return PublicUrl() + "/a/" + notify::SignLink(secret_, c);
}

Result<notify::LinkClaims> Pager::CheckLink(std::string_view token) const {
  FB_ASSIGN_OR_RETURN(auto c, notify::VerifyLink(secret_, token, clock_.Now()));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto used, tx->action_links().UsedAt(c.nonce));
  if (used) return AlreadyExists("this link was already used at " + core::FormatRfc3339(*used), "token");
  return c;
}

Result<model::Incident> Pager::UseLink(engine::Tx& tx, std::string_view token, const std::string& remote) {
  FB_ASSIGN_OR_RETURN(auto c, notify::VerifyLink(secret_, token, tx.now()));
  FB_TRY(tx.store().action_links().Use(c.nonce, c.incident, c.action, c.person, tx.now(), core::Truncate(remote, 64)));
  model::Principal who;
  if (!c.person.empty() && tx.config().FindPerson(c.person)) {
    who.actor = model::Actor::Person(c.person);
    who.person = c.person;
  } else {
    who.actor = model::Actor::System("signed-link");
  }
  who.scopes = model::kScopeWrite;
  model::Incident inc;
  if (c.action == "accept" || c.action == "decline") {
    if (who.person.empty()) return FailedPrecondition("the person this link was sent to is no longer configured", "token");
    FB_ASSIGN_OR_RETURN(inc, AnswerResponder(tx, who, c.incident, c.person, c.action == "accept", ""));
  } else {
    auto t = c.action == "acknowledge" ? model::Transition::kAcknowledge : model::Transition::kResolve;
    FB_ASSIGN_OR_RETURN(inc, engine::ApplyTransition(tx, who, c.incident, t, "via a signed link"));
  }
  FB_TRY(tx.Audit(who.actor, "link.use", "incident:" + c.incident,
                  {{"action", c.action}, {"nonce", c.nonce}, {"remote", remote}}));
  return inc;
}

// ---- queries ----------------------------------------------------------------------------------

Result<std::optional<escalate::State>> Pager::Escalation(std::string_view incident_id) const {
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(incident_id));
  if (!inc) return NotFound("incident '" + core::Truncate(incident_id, 64) + "' not found", "id");
  return LoadEscalation(*tx, incident_id);
}

Result<std::vector<store::OutboxRow>> Pager::Notifications(std::string_view incident_id) const {
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(incident_id));
  if (!inc) return NotFound("incident '" + core::Truncate(incident_id, 64) + "' not found", "id");
  return tx->outbox().ForIncident(incident_id, 5000);
}

void Pager::RefreshGauges() {
  auto tx = store_.BeginRead();
  if (!tx) return;
  if (auto c = (*tx)->outbox().CountByState(clock_.Now())) {
    for (const char* st : {"pending", "planned", "delivered", "dead", "cancelled"}) {
      auto it = c->find(st);
      metrics_.GetGauge("firebreak_outbox_notifications", "Outbox notifications by state", {{"state", st}})
          .Set(it == c->end() ? 0 : static_cast<double>(it->second));
    }
  }
  if (auto c = (*tx)->escalations().CountByStatus()) {
    for (const char* st : {"active", "acknowledged", "stopped"}) {
      auto it = c->find(st);
      metrics_.GetGauge("firebreak_escalations", "Escalations by status", {{"status", st}})
          .Set(it == c->end() ? 0 : static_cast<double>(it->second));
    }
  }
}

}  // namespace firebreak::paging
