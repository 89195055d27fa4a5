#include "report/build.h"

#include "runbook/runbook.h"

#include <algorithm>
#include <set>

#include "core/strings.h"
#include "core/time.h"

namespace firebreak::report {

namespace {

std::string Fmt(core::TimePoint t) { return core::FormatRfc3339(t); }
json::value TimeOrNull(const std::optional<core::TimePoint>& t) {
  if (!t) return nullptr;
  return json::value(Fmt(*t));
}
std::string DataString(const json::object& d, std::string_view key) {
  auto it = d.find(key);
  return it != d.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string PersonName(const config::Config& cfg, std::string_view id) {
  std::string_view pid = id;
  if (StartsWith(pid, "person:")) pid.remove_prefix(7);
  if (const auto* p = cfg.FindPerson(pid)) return p->name.empty() ? p->id : p->name + " (" + p->id + ")";
  return std::string(id);
}

json::array ServicesJson(const config::Config& cfg, const std::vector<std::string>& ids) {
  json::array a;
  for (const auto& id : ids) {
    const auto* s = cfg.FindService(id);
    a.push_back(json::object{{"id", id},
                             {"name", s && !s->name.empty() ? s->name : id},
                             {"team", s ? s->team : ""},
                             {"customer_facing", s && s->customer_facing}});
  }
  return a;
}

// Customer-facing display names among the affected services and their blast radius.
std::vector<std::string> CustomerFacing(const config::Config& cfg, const model::Incident& inc) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& id) {
    const auto* s = cfg.FindService(id);
    if (!s || !s->customer_facing) return;
    std::string n = s->name.empty() ? s->id : s->name;
    if (seen.insert(n).second) out.push_back(n);
  };
  for (const auto& s : inc.services) add(s);
  for (const auto& s : inc.blast_radius) add(s);
  return out;
}

json::object EntryJson(const model::TimelineEntry& e) {
  return {{"id", e.id}, {"time", Fmt(e.time)}, {"kind", e.kind}, {"actor", e.actor}, {"text", e.text}};
}

// Kinds that record something done (actions taken).
bool IsAction(std::string_view k) {
  static const std::set<std::string_view> kActions = {
      "acknowledged", "mitigated", "resolved", "reopened", "closed", "severity", "role", "page", "escalation",
      "escalation_requested", "remediation", "remediation_failed", "status_update", "services", "flag", "root_cause"};
  return kActions.count(k) > 0 || StartsWith(k, "runbook") || StartsWith(k, "approval");
}
std::string Outcome(const model::TimelineEntry& e) {
  for (const char* k : {"outcome", "status", "result", "to"}) {
    auto v = DataString(e.data, k);
    if (!v.empty()) return v;
  }
  if (e.kind == "remediation_failed") return "failed";
  return "done";
}

// The analysis hypotheses (from `analysis` entries, newest first).
json::array Hypotheses(const Record& r) {
  for (auto it = r.timeline.rbegin(); it != r.timeline.rend(); ++it) {
    if (it->kind != "analysis") continue;
    auto h = it->data.find("hypotheses");
    if (h == it->data.end() || !h->value().is_array()) continue;
    json::array out;
    for (const auto& x : h->value().get_array()) {
      if (!x.is_object()) continue;
      const auto& o = x.get_object();
      json::object row{{"service", DataString(o, "service")}, {"metric", DataString(o, "metric")}};
      auto c = o.find("confidence");
      row["confidence"] = c != o.end() && c->value().is_number() ? c->value().to_number<double>() : 0.0;
      row["time"] = Fmt(it->time);
      out.push_back(std::move(row));
    }
    return out;
  }
  return {};
}

struct MilestoneDef {
  const char* name;
  const char* label;
  const Mark Milestones::*mark;
};
constexpr MilestoneDef kMilestones[] = {
    {"first_anomaly", "First anomaly", &Milestones::first_anomaly},
    {"detected", "Detected (alert or declaration)", &Milestones::detected},
    {"acknowledged", "Acknowledged", &Milestones::acknowledged},
    {"investigating", "Investigation began", &Milestones::investigating},
    {"root_cause", "Root cause identified", &Milestones::root_cause},
    {"remediation", "Remediation initiated", &Milestones::remediation},
    {"recovered", "Recovery confirmed (mitigated)", &Milestones::recovered},
    {"resolved", "Resolved", &Milestones::resolved},
    {"closed", "Closed", &Milestones::closed},
};

json::object MetricRow(const char* name, const char* definition, const Interval& i) {
  json::object o{{"name", name}, {"definition", definition}, {"from", i.from}, {"to", i.to}};
  if (i.value) {
    o["seconds"] = static_cast<double>(i.value->count()) / 1000.0;
    o["text"] = core::FormatDuration(*i.value);
  } else {
    o["seconds"] = nullptr;
    o["text"] = "no data (" + i.missing + ")";
  }
  return o;
}

json::array List(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string NextStep(const Record& r, const Milestones& m, const Mttx& x) {
  const auto& inc = r.incident;
  if (inc.state == model::IncidentState::kClosed) return "None: the incident is closed.";
  if (!m.acknowledged.at || inc.state == model::IncidentState::kTriggered) {
    std::string s = "Acknowledge the incident";
    if (x.ack_sla.count() > 0 && m.detected.at) s += " (ack SLA " + core::FormatDuration(x.ack_sla) + ", due " + Fmt(*m.detected.at + x.ack_sla) + ")";
    return s + ".";
  }
  if (inc.state == model::IncidentState::kResolved) {
    if (!r.postmortem.published_at) return "Write and publish the post-incident report.";
    for (const auto& a : r.actions)
      if (a.kind == "review" && IsOpenItem(a))
        return "Hold the postmortem review" + (a.due_at ? " by " + Fmt(*a.due_at) : std::string()) + ".";
    return "Close the incident.";
  }
  if (!m.root_cause.at) return "Identify the root cause.";
  if (inc.state != model::IncidentState::kMitigated) return "Mitigate the impact.";
  return "Verify recovery and resolve the incident.";
}

std::string CurrentAction(const Record& r) {
  for (auto it = r.timeline.rbegin(); it != r.timeline.rend(); ++it) {
    if (it->kind == "status_update" || StartsWith(it->actor, "system:")) continue;
    return it->text + " (" + Fmt(it->time) + ", " + it->actor + ")";
  }
  return "No responder action recorded yet.";
}

std::string_view PhaseSentence(std::string_view phase) {
  if (phase == "investigating") return "We are investigating the cause of the problem.";
  if (phase == "identified") return "We have identified the cause and are working on a fix.";
  if (phase == "monitoring") return "A fix has been applied and we are monitoring the results.";
  return "This incident has been resolved.";
}

}  // namespace

core::Millis DefaultStatusCadence(model::Severity s) {
  using std::chrono::minutes;
  switch (s) {
    case model::Severity::kSev0:
    case model::Severity::kSev1:
      return minutes(15);
    case model::Severity::kSev2:
      return minutes(30);
    case model::Severity::kSev3:
      return minutes(60);
    case model::Severity::kSev4:
      return core::Millis(0);
  }
  return core::Millis(0);
}

std::string_view Phase(const model::Incident& inc, const Milestones& m) {
  if (!model::IsOpen(inc.state)) return "resolved";
  if (inc.state == model::IncidentState::kMitigated) return "monitoring";
  if (m.root_cause.at) return "identified";
  return "investigating";
}

json::object BuildPostmortem(const Record& r, const config::Config& cfg, core::TimePoint now) {
  const auto& inc = r.incident;
  const auto m = ExtractMilestones(r);
  const auto x = ComputeMttx(m, cfg, now);
  json::array empty_sections;
  json::object doc;
  doc["schema"] = "firebreak.postmortem.v1";
  doc["generated_at"] = Fmt(now);

  // Summary.
  json::object summary{{"id", inc.id},
                       {"title", inc.title},
                       {"severity", model::SeverityName(inc.severity)},
                       {"peak_severity", model::SeverityName(m.peak_severity)},
                       {"priority", model::PriorityName(m.peak_severity)},
                       {"status", model::StateName(inc.state)},
                       {"started_at", TimeOrNull(m.detected.at)},
                       {"resolved_at", TimeOrNull(m.resolved.at)},
                       {"services", ServicesJson(cfg, inc.services)},
                       {"blast_radius", ServicesJson(cfg, inc.blast_radius)},
                       {"customer_impact", !r.postmortem.customer_impact.empty() ? r.postmortem.customer_impact : inc.impact},
                       {"text", r.postmortem.summary},
                       {"published", r.postmortem.published_at.has_value()}};
  if (x.mttr.value) {
    summary["duration_seconds"] = static_cast<double>(x.mttr.value->count()) / 1000.0;
    summary["duration"] = core::FormatDuration(*x.mttr.value);
  } else {
    summary["duration_seconds"] = nullptr;
    summary["duration"] = "ongoing (" + core::FormatDuration(now - m.detected.at.value_or(now)) + " so far)";
  }
  if (summary["customer_impact"].as_string().empty()) {
    summary["customer_impact"] = "No customer impact recorded.";
    empty_sections.emplace_back("summary.customer_impact");
  }
  doc["summary"] = std::move(summary);

  // Key moments.
  json::array milestones;
  for (const auto& d : kMilestones) {
    const Mark& mk = m.*(d.mark);
    json::object row{{"name", d.name}, {"label", d.label}, {"at", TimeOrNull(mk.at)}, {"source", mk.source}, {"actor", mk.actor}};
    row["recorded"] = mk.at.has_value();
    if (!mk.at) row["at_text"] = "not recorded";
    else row["at_text"] = Fmt(*mk.at);
    milestones.push_back(std::move(row));
  }
  doc["milestones"] = std::move(milestones);
  doc["acknowledged_by"] = m.acknowledged.actor;

  // Full timeline.
  json::array timeline;
  for (const auto& e : r.timeline) timeline.push_back(EntryJson(e));
  doc["timeline"] = std::move(timeline);

  // Root cause.
  json::object rc{{"text", r.postmortem.root_cause},
                  {"recorded", !r.postmortem.root_cause.empty()},
                  {"identified_at", TimeOrNull(m.root_cause.at)},
                  {"contributing_factors", List(r.postmortem.contributing_factors)},
                  {"evidence", List(r.postmortem.evidence)},
                  {"hypotheses", Hypotheses(r)}};
  if (r.postmortem.root_cause.empty()) {
    rc["text"] = "No root cause recorded yet.";
    empty_sections.emplace_back("root_cause");
  }
  doc["root_cause"] = std::move(rc);

  // Actions taken.
  json::array actions;
  for (const auto& e : r.timeline) {
    if (!IsAction(e.kind)) continue;
    auto row = EntryJson(e);
    row["outcome"] = Outcome(e);
    actions.push_back(std::move(row));
  }
  if (actions.empty()) empty_sections.emplace_back("actions_taken");
  doc["actions_taken"] = std::move(actions);

  // Remediation items and follow-up.
  json::array items;
  json::value review = nullptr;
  int64_t open = 0, overdue = 0;
  for (const auto& a : r.actions) {
    auto j = ToJson(a, now);
    j["owner_name"] = a.owner.empty() ? std::string("unassigned") : PersonName(cfg, a.owner);
    j["due_text"] = a.due_at ? Fmt(*a.due_at) : std::string("no due date");
    open += IsOpenItem(a);
    overdue += IsOverdue(a, now);
    if (a.kind == "review" && review.is_null()) review = j;
    items.push_back(std::move(j));
  }
  if (items.empty()) empty_sections.emplace_back("remediation_items");
  doc["remediation_items"] = std::move(items);
  doc["follow_up"] = json::object{{"review", review}, {"open_items", open}, {"overdue_items", overdue}};

  // Lessons and five whys.
  doc["lessons"] = json::object{{"went_well", List(r.postmortem.went_well)},
                                {"went_poorly", List(r.postmortem.went_poorly)},
                                {"got_lucky", List(r.postmortem.got_lucky)}};
  if (r.postmortem.went_well.empty() && r.postmortem.went_poorly.empty() && r.postmortem.got_lucky.empty())
    empty_sections.emplace_back("lessons");
  doc["five_whys"] = List(r.postmortem.five_whys);
  if (r.postmortem.five_whys.empty()) empty_sections.emplace_back("five_whys");

  // Metrics.
  json::array metrics;
  metrics.push_back(MetricRow("MTTD", "first anomaly to detection", x.mttd));
  metrics.push_back(MetricRow("MTTA", "detection to first acknowledgement", x.mtta));
  metrics.push_back(MetricRow("MTTI", "acknowledgement to root cause identified", x.mtti));
  metrics.push_back(MetricRow("MTTR", "detection to resolution", x.mttr));
  doc["metrics"] = json::object{{"figures", std::move(metrics)},
                                {"mttx", ToJson(x)},
                                {"ack_sla", core::FormatDuration(x.ack_sla)},
                                {"resolve_sla", x.resolve_sla.count() > 0 ? core::FormatDuration(x.resolve_sla) : std::string("best effort")},
                                {"ack_breached", x.ack_breached},
                                {"resolve_breached", x.resolve_breached},
                                {"escalation_tier", m.escalation_tier}};

  // Audit chain: what the record holds about this incident.
  json::array audit;
  for (const auto& a : r.audit)
    audit.push_back(json::object{{"seq", a.seq}, {"time", Fmt(a.time)}, {"actor", a.actor}, {"action", a.action}, {"hash", a.hash}});
  doc["audit"] = json::object{{"entries", std::move(audit)}, {"count", static_cast<int64_t>(r.audit.size())}};
  doc["sections_without_data"] = std::move(empty_sections);
  return doc;
}

json::object BuildStatusUpdate(const Record& r, const config::Config& cfg, core::TimePoint now, Audience audience,
                               core::Millis cadence) {
  const auto& inc = r.incident;
  const auto m = ExtractMilestones(r);
  const auto x = ComputeMttx(m, cfg, now);
  const auto phase = Phase(inc, m);
  json::object doc;
  doc["schema"] = "firebreak.status_update.v1";
  doc["audience"] = AudienceName(audience);
  doc["generated_at"] = Fmt(now);
  doc["incident_id"] = inc.id;
  doc["started_at"] = TimeOrNull(m.detected.at);
  // Elapsed is the time since the start at `now`, resolved or not; how long a resolved incident
  // lasted is its duration (start to resolution), null while it is unresolved.
  const auto elapsed = now - m.detected.at.value_or(now);
  doc["elapsed_seconds"] = static_cast<double>(elapsed.count()) / 1000.0;
  doc["elapsed"] = core::FormatDuration(elapsed);
  doc["resolved_at"] = TimeOrNull(m.resolved.at);
  if (x.mttr.value) {
    doc["duration_seconds"] = static_cast<double>(x.mttr.value->count()) / 1000.0;
    doc["duration"] = core::FormatDuration(*x.mttr.value);
  } else {
    doc["duration_seconds"] = nullptr;
    doc["duration"] = nullptr;
  }
  doc["phase"] = phase;
  doc["resolved"] = phase == "resolved";
  std::string impact = !r.postmortem.customer_impact.empty() ? r.postmortem.customer_impact : inc.impact;
  const auto next_update = cadence.count() > 0 && model::IsOpen(inc.state) ? std::optional(now + cadence) : std::nullopt;
  doc["next_update_at"] = TimeOrNull(next_update);
  if (audience == Audience::kExternal) {
    // Only what a customer needs: no names, no internal systems, no timeline text.
    auto facing = CustomerFacing(cfg, inc);
    doc["title"] = facing.empty() ? std::string("Service disruption") : "Service disruption: " + core::Join(facing, ", ");
    doc["affected"] = List(facing);
    doc["affected_text"] = facing.empty() ? std::string("some of our services") : core::Join(facing, ", ");
    doc["status_sentence"] = PhaseSentence(phase);
    doc["customer_impact"] = impact.empty() ? std::string("Some customers may be affected.") : impact;
    return doc;
  }
  doc["title"] = inc.title;
  doc["severity"] = model::SeverityName(inc.severity);
  doc["state"] = model::StateName(inc.state);
  doc["services"] = List(inc.services);
  doc["services_text"] = inc.services.empty() ? std::string("none recorded") : core::Join(inc.services, ", ");
  doc["customer_impact"] = impact.empty() ? std::string("not recorded") : impact;
  doc["current_action"] = CurrentAction(r);
  doc["next_step"] = NextStep(r, m, x);
  // Who holds it now: a triggered incident is held by nobody, even if someone acknowledged it before
  // it was unacknowledged or reopened (m.acknowledged, the first acknowledgement, is for MTTA).
  if (m.acknowledged.actor.empty()) doc["acknowledged_by"] = "nobody yet";
  else if (inc.state == model::IncidentState::kTriggered) doc["acknowledged_by"] = "nobody since it triggered again";
  else doc["acknowledged_by"] = m.acknowledged.actor;
  json::object esc{{"tier", m.escalation_tier}, {"next_at", TimeOrNull(r.next_escalation_at)}};
  std::string esc_text = m.escalation_tier > 0 ? "tier " + std::to_string(m.escalation_tier) : std::string("no page recorded");
  if (r.next_escalation_at) esc_text += "; next escalation at " + Fmt(*r.next_escalation_at);
  else esc_text += "; no escalation pending";
  esc["text"] = esc_text;
  doc["escalation"] = std::move(esc);
  json::object roles;
  for (const auto& [role, person] : inc.roles) roles[role] = PersonName(cfg, person);
  doc["roles"] = std::move(roles);
  doc["commander"] = inc.roles.count(std::string(model::kRoleCommander)) ? PersonName(cfg, inc.roles.at(std::string(model::kRoleCommander))) : std::string("unassigned");
  doc["sla"] = json::object{{"ack_breached", x.ack_breached}, {"resolve_breached", x.resolve_breached}};
  doc["sla_text"] = x.ack_breached || x.resolve_breached
                        ? std::string("BREACHED (") + (x.ack_breached ? "ack" : "") + (x.ack_breached && x.resolve_breached ? ", " : "") + (x.resolve_breached ? "resolve" : "") + ")"
                        : std::string("within SLA");
  return doc;
}

json::object BuildResponsePlan(const Record& r, const config::Config& cfg, core::TimePoint now, core::Millis cadence) {
  const auto& inc = r.incident;
  const auto m = ExtractMilestones(r);
  const auto x = ComputeMttx(m, cfg, now);
  json::object doc;
  doc["schema"] = "firebreak.response_plan.v1";
  doc["generated_at"] = Fmt(now);
  doc["incident_id"] = inc.id;
  doc["title"] = inc.title;
  doc["severity"] = model::SeverityName(inc.severity);
  doc["state"] = model::StateName(inc.state);

  // Situation.
  std::set<std::string> zones;
  for (const auto& s : inc.services)
    if (const auto* svc = cfg.FindService(s))
      for (const auto& z : svc->capacity.zones) zones.insert(z);
  json::array suspected;
  auto hyps = Hypotheses(r);
  for (const auto& h : hyps) suspected.push_back(h);
  doc["situation"] = json::object{
      {"started_at", TimeOrNull(m.detected.at)},
      {"elapsed", core::FormatDuration(now - m.detected.at.value_or(now))},
      {"impact", inc.impact.empty() ? std::string("not recorded") : inc.impact},
      {"services", ServicesJson(cfg, inc.services)},
      {"blast_radius", ServicesJson(cfg, inc.blast_radius)},
      {"regions", List(std::vector<std::string>(zones.begin(), zones.end()))},
      {"suspected", std::move(suspected)},
      {"suspected_text", hyps.empty() ? std::string("No analysis recorded yet.") : std::string()}};

  // Roles and channels.
  json::array roles;
  for (auto role : {model::kRoleCommander, model::kRoleTechLead, model::kRoleComms, model::kRoleScribe}) {
    auto it = inc.roles.find(std::string(role));
    roles.push_back(json::object{{"role", role}, {"person", it == inc.roles.end() ? std::string("unassigned") : PersonName(cfg, it->second)}});
  }
  doc["roles"] = std::move(roles);
  json::array channels;
  for (const auto& ch : cfg.channels) {
    if (!ch.severities.empty() && std::find(ch.severities.begin(), ch.severities.end(), inc.severity) == ch.severities.end())
      continue;
    channels.push_back(json::object{{"id", ch.id}, {"type", ch.type}});
  }
  doc["channels"] = std::move(channels);

  // Investigation timeline.
  json::array tl;
  for (const auto& e : r.timeline) tl.push_back(EntryJson(e));
  doc["timeline"] = std::move(tl);

  // Checklist from matching runbooks; a step is done when a runbook entry names it as succeeded.
  std::set<std::string> done_steps;
  for (const auto& e : r.timeline) {
    if (!StartsWith(e.kind, "runbook")) continue;
    auto status = DataString(e.data, "status");
    if (status == "succeeded" || status == "done")
      done_steps.insert(DataString(e.data, "runbook") + "/" + DataString(e.data, "step"));
  }
  json::array checklist;
  // The same ranking the runbook library uses (services, alert labels, severity), best first.
  runbook::MatchInput match;
  match.services = inc.services;
  match.severity = inc.severity;
  // The checklist holds the best three; the others are named so a responder can open them.
  constexpr size_t kChecklistRunbooks = 3;
  auto matches = runbook::Match(cfg, match);
  json::array more_runbooks;
  for (size_t i = kChecklistRunbooks; i < matches.size(); ++i) more_runbooks.push_back(json::value(matches[i].runbook->id));
  if (matches.size() > kChecklistRunbooks) matches.resize(kChecklistRunbooks);
  for (const auto& m : matches) {
    const auto& rb = *m.runbook;
    for (const auto& st : rb.steps) {
      bool verify = !st.verify.empty();
      checklist.push_back(json::object{{"runbook", rb.id},
                                       {"runbook_title", rb.title},
                                       {"step", st.id},
                                       {"name", st.name.empty() ? st.id : st.name},
                                       {"category", st.category},
                                       {"risk", st.risk == model::RiskTier::kHigh ? "HIGH" : st.risk == model::RiskTier::kMedium ? "MEDIUM" : "LOW"},
                                       {"verification", verify ? "verify step defined" : "verify by hand"},
                                       {"done", done_steps.count(rb.id + "/" + st.id) > 0}});
    }
  }
  doc["checklist"] = std::move(checklist);
  // Rendered as one optional line: [] or [{"ids": "a, b"}].
  json::array more;
  if (!more_runbooks.empty()) {
    std::string ids;
    for (const auto& v : more_runbooks) ids += (ids.empty() ? "" : ", ") + std::string(v.as_string());
    more.push_back(json::object{{"ids", ids}});
  }
  doc["more_runbooks"] = std::move(more_runbooks);
  doc["more_runbooks_line"] = std::move(more);

  // Follow-up.
  std::string owner = "unassigned";
  if (auto it = inc.roles.find(std::string(model::kRoleCommander)); it != inc.roles.end()) owner = PersonName(cfg, it->second);
  else if (!m.acknowledged.actor.empty()) owner = PersonName(cfg, m.acknowledged.actor);
  std::string target = "48 h after resolution";
  for (const auto& a : r.actions)
    if (a.kind == "review" && a.due_at) target = Fmt(*a.due_at);
  if (m.resolved.at && target == "48 h after resolution") target = Fmt(*m.resolved.at + std::chrono::hours(48));
  json::array backlog;
  for (const auto& a : r.actions) {
    auto j = ToJson(a, now);
    j["owner_name"] = a.owner.empty() ? std::string("unassigned") : PersonName(cfg, a.owner);
    j["due_text"] = a.due_at ? Fmt(*a.due_at) : std::string("no due date");
    backlog.push_back(std::move(j));
  }
  doc["follow_up"] = json::object{{"owner", owner}, {"target_date", target}, {"backlog", std::move(backlog)}};
  doc["next_step"] = NextStep(r, m, x);
  doc["next_update_at"] = TimeOrNull(cadence.count() > 0 && model::IsOpen(inc.state) ? std::optional(now + cadence) : std::nullopt);
  return doc;
}

}  // namespace firebreak::report
