#include "app/report.h"

#include "store/runbook_repo.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <spdlog/spdlog.h>

#include "app/requests.h"
#include "app/read_filters.h"
#include "app/text.h"
#include "app/resilience.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "engine/incidents.h"
#include "report/build.h"
#include "report/render.h"
#include "report/similar.h"

namespace firebreak::app {

namespace json = boost::json;
using report::ActionItem;

namespace {

constexpr size_t kMaxTitle = 500;
constexpr size_t kMaxNotes = 4000;

std::optional<core::TimePoint> MsTime(const std::optional<int64_t>& ms) {
  if (!ms) return std::nullopt;
  return core::FromUnixMillis(*ms);
}

Result<ActionItem> ItemFromRow(const store::ActionItemRow& row) {
  FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(row.doc));
  core::ObjectReader r(v, "action_item");
  ActionItem a;
  a.id = row.id;
  a.incident_id = row.incident_id;
  a.owner = row.owner;
  a.status = row.status;
  a.due_at = MsTime(row.due_ms);
  a.title = r.String("title").value_or("");
  a.priority = r.String("priority").value_or("P2");
  a.kind = r.String("kind").value_or("remediation");
  a.notes = r.String("notes").value_or("");
  a.created_by = r.String("created_by").value_or("");
  FB_TRY(r.status());
  auto t = [&](const char* k) -> std::optional<core::TimePoint> {
    auto s = r.String(k);
    if (!s) return std::nullopt;
    auto p = core::ParseRfc3339(*s);
    if (!p) return std::nullopt;
    return *p;
  };
  a.created_at = t("created_at").value_or(core::TimePoint{});
  a.updated_at = t("updated_at").value_or(core::TimePoint{});
  a.done_at = t("done_at");
  return a;
}

store::ActionItemRow RowFromItem(const ActionItem& a) {
  store::ActionItemRow row;
  row.id = a.id;
  row.incident_id = a.incident_id;
  row.owner = a.owner;
  row.status = a.status;
  if (a.due_at) row.due_ms = core::ToUnixMillis(*a.due_at);
  row.updated_ms = core::ToUnixMillis(a.updated_at);
  auto doc = report::ToJson(a, a.updated_at);
  doc.erase("overdue");
  row.doc = core::ToJson(doc);
  return row;
}

std::string PersonOfActor(const std::string& actor) {
  return actor.rfind("person:", 0) == 0 ? actor.substr(7) : std::string();
}

Result<report::Templates> TemplatesFor(const config::Config& cfg) {
  return report::Templates::Load(cfg.settings.reports.templates_dir);
}

// Finishes a status update: renders its text, then redacts the whole document.
Result<json::object> Finish(json::object doc, const config::Config& cfg, report::Audience audience) {
  FB_ASSIGN_OR_RETURN(auto t, TemplatesFor(cfg));
  FB_ASSIGN_OR_RETURN(auto text, t.Render(audience == report::Audience::kExternal ? "status_external.txt" : "status_internal.txt", doc));
  doc["text"] = text;
  json::value v = std::move(doc);
  report::Redactor(cfg, audience).RedactJson(v);
  return std::move(v.as_object());
}


}  // namespace

// ---- decoders ---------------------------------------------------------------------------------

Result<ActionItemRequest> DecodeActionItem(const json::value& body, bool create) {
  core::ObjectReader r(body, "");
  if (!r.ok()) return Unexpected(r.status().error());
  r.RejectUnknown({"title", "owner", "priority", "status", "kind", "notes", "due_at"});
  ActionItemRequest req;
  req.title = r.String("title", create);
  req.owner = r.String("owner");
  req.priority = r.String("priority");
  req.status = r.String("status");
  req.kind = r.String("kind");
  req.notes = r.String("notes");
  FB_TRY(r.status());
  if (req.title && (core::Trim(*req.title).empty() || req.title->size() > kMaxTitle))
    return InvalidArgument("title must be 1.." + std::to_string(kMaxTitle) + " bytes", "title");
  if (req.title) FB_TRY(SingleLine(*req.title, "title"));
  if (req.priority && !report::IsValidPriority(*req.priority))
    return InvalidArgument("priority must be P1, P2, P3 or P4", "priority");
  if (req.status && !report::IsValidItemStatus(*req.status))
    return InvalidArgument("status must be open, in_progress, done or wont_do", "status");
  if (req.kind && !report::IsValidItemKind(*req.kind))
    return InvalidArgument("kind must be remediation, review or follow_up", "kind");
  if (req.notes && req.notes->size() > kMaxNotes) return InvalidArgument("notes are too long", "notes");
  if (req.owner && req.owner->size() > 200) return InvalidArgument("owner is too long", "owner");
  if (const auto* raw = r.Raw("due_at")) {
    if (raw->is_null()) {
      req.due_at = std::optional<core::TimePoint>();
    } else if (raw->is_string()) {
      auto t = core::ParseRfc3339(raw->get_string());
      if (!t) return InvalidArgument("due_at: " + t.error().message, "due_at");
      req.due_at = std::optional<core::TimePoint>(*t);
    } else {
      return InvalidArgument("due_at must be an RFC 3339 time or null", "due_at");
    }
  }
  return req;
}

Result<ActionItemQuery> DecodeActionItemQuery(const std::map<std::string, std::string>& q) {
  ActionItemQuery out;
  for (const auto& [k, v] : q) {
    if (k == "incident") out.incident_id = v;
    else if (k == "owner") out.owner = v;
    else if (k == "status") {
      if (v == "open") out.open_only = true;
      else if (!report::IsValidItemStatus(v)) return InvalidArgument("status must be open, in_progress, done or wont_do", "status");
      else out.status = v;
    } else if (k == "overdue") {
      FB_ASSIGN_OR_RETURN(out.overdue_only, ParseBool(v, "overdue"));
    } else {
      return UnknownName("query parameter", k, "query");
    }
  }
  return out;
}

Result<MttxQuery> DecodeMttxQuery(const std::map<std::string, std::string>& q) {
  MttxQuery out;
  for (const auto& [k, v] : q) {
    if (k == "by") {
      static const std::set<std::string> kBy = {"service", "team", "severity", "day", "week", "month", "none"};
      if (!kBy.count(v)) return InvalidArgument("by must be one of service, team, severity, day, week, month, none", "by");
      out.by = v;
    } else if (k == "since") {
      auto d = core::ParseDuration(v);
      if (!d || d->count() <= 0) return InvalidArgument("since must be a positive duration such as 30d", "since");
      out.since = *d;
    } else if (k == "from" || k == "until") {
      auto t = core::ParseRfc3339(v);
      if (!t) return InvalidArgument(k + ": " + t.error().message, k);
      (k == "from" ? out.from : out.until) = *t;
    } else if (k == "severity") {
      auto s = model::ParseSeverity(v);
      if (!s) return InvalidArgument(s.error().message, "severity");
      out.severity = *s;
    } else if (k == "service") {
      out.service = v;
    } else if (k == "incidents") {
      FB_ASSIGN_OR_RETURN(out.incidents, ParseBool(v, "incidents"));
    } else {
      return UnknownName("parameter", k, "query");
    }
  }
  return out;
}

Result<MttxQuery> DecodeMttxQuery(const json::value& args) {
  std::map<std::string, std::string> q;
  if (args.is_null()) return DecodeMttxQuery(q);
  if (!args.is_object()) return InvalidArgument("arguments must be an object", "");
  for (const auto& kv : args.get_object()) {
    const auto& v = kv.value();
    if (v.is_string()) q[std::string(kv.key())] = std::string(v.get_string());
    else if (v.is_bool()) q[std::string(kv.key())] = v.get_bool() ? "true" : "false";
    else
      return InvalidArgument("'" + core::Truncate(kv.key(), 64) + "' must be a string",
                             kv.key().empty() ? "arguments" : std::string(kv.key()));
  }
  return DecodeMttxQuery(q);
}

// ---- service ----------------------------------------------------------------------------------

Reports::Reports(engine::Engine& engine, store::Store& store, core::Registry& metrics)
    : engine_(engine), store_(store), metrics_(metrics) {
  engine_.RegisterTimerHandler(kTimerKind, [this](engine::Tx& tx, const store::TimerRecord& t, core::Millis late) {
    return OnTimer(tx, t, late);
  });
  engine_.AddObserver(this);
}

core::Millis Reports::Cadence(const config::Config& cfg, model::Severity s) const {
  auto it = cfg.settings.reports.status_cadence.find(s);
  if (it != cfg.settings.reports.status_cadence.end()) return it->second;
  return report::DefaultStatusCadence(s);
}

Result<report::Record> Reports::Load(store::Tx& tx, std::string_view id) const {
  report::Record r;
  FB_ASSIGN_OR_RETURN(auto inc, tx.incidents().Get(id));
  if (!inc) return NotFound("incident '" + core::Truncate(id, 64) + "' not found", "id");
  r.incident = std::move(*inc);
  int64_t after = 0;
  while (true) {
    FB_ASSIGN_OR_RETURN(auto page, tx.timeline().List(r.incident.id, after, 5000));
    if (page.empty()) break;
    after = page.back().id;
    bool last = page.size() < 5000;
    for (auto& e : page) r.timeline.push_back(std::move(e));
    if (last) break;
  }
  store::AuditFilter af;
  af.target = "incident:" + r.incident.id;
  af.limit = 5000;
  FB_ASSIGN_OR_RETURN(r.audit, tx.audit().List(af));
  store::ActionItemFilter f;
  f.incident_id = r.incident.id;
  FB_ASSIGN_OR_RETURN(auto rows, store::ActionItemRepo(tx.conn()).List(f));
  for (const auto& row : rows) {
    FB_ASSIGN_OR_RETURN(auto a, ItemFromRow(row));
    r.actions.push_back(std::move(a));
  }
  FB_ASSIGN_OR_RETURN(auto pm, store::PostmortemRepo(tx.conn()).Get(r.incident.id));
  if (pm) {
    FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(*pm));
    FB_ASSIGN_OR_RETURN(r.postmortem, report::PostmortemFromJson(v));
  }
  FB_ASSIGN_OR_RETURN(auto esc, tx.timers().Find("escalation", r.incident.id));
  if (esc) r.next_escalation_at = esc->due;
  FB_ASSIGN_OR_RETURN(auto upd, tx.timers().Find(kTimerKind, r.incident.id));
  if (upd) r.next_status_update_at = upd->due;
  return r;
}

Result<json::object> Reports::StatusUpdate(const model::Principal& who, std::string_view id,
                                           report::Audience audience) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto rec, Load(*tx, id));
  auto cfg = engine_.config();
  auto now = engine_.clock().Now();
  auto doc = report::BuildStatusUpdate(rec, *cfg, now, audience, Cadence(*cfg, rec.incident.severity));
  return Finish(std::move(doc), *cfg, audience);
}

Result<json::object> Reports::Similar(const model::Principal& who, std::string_view id, int limit) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  if (limit < 1 || limit > 50) return InvalidArgument("limit must be 1..50", "limit");
  constexpr double kMinScore = 0.2;
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(id));
  if (!inc) return NotFound("incident '" + core::Truncate(id, 64) + "' not found", "id");
  auto alerts = tx->alerts();
  auto alerts_of = [&alerts](const std::string& incident) {
    store::AlertFilter f;
    f.incident_id = incident;
    f.limit = 200;
    return alerts.List(f);
  };
  FB_ASSIGN_OR_RETURN(auto own, alerts_of(inc->id));
  const auto traits = report::TraitsOf(*inc, own);
  // Candidates: the newest 1000 incidents (a title or an alert may match anywhere), and for each of
  // its services the newest 1000 of that service, however old: a fault that recurs once a year on
  // checkout is found behind thousands of incidents elsewhere.
  store::IncidentFilter f;
  f.limit = 1000;
  FB_ASSIGN_OR_RETURN(auto others, tx->incidents().List(f));
  std::set<std::string> listed;
  for (const auto& o : others) listed.insert(o.id);
  for (const auto& service : inc->services) {
    store::IncidentFilter sf;
    sf.service = service;
    sf.limit = 1000;
    FB_ASSIGN_OR_RETURN(auto same, tx->incidents().List(sf));
    for (auto& o : same)
      if (listed.insert(o.id).second) others.push_back(std::move(o));
  }
  struct Hit {
    model::Incident inc;
    report::Likeness like;
  };
  std::vector<Hit> hits;
  for (auto& o : others) {
    if (o.id == inc->id || o.merged_into == inc->id) continue;
    FB_ASSIGN_OR_RETURN(auto theirs, alerts_of(o.id));
    auto like = report::Compare(traits, report::TraitsOf(o, theirs));
    if (like.score >= kMinScore) hits.push_back({std::move(o), std::move(like)});
  }
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.like.score != b.like.score) return a.like.score > b.like.score;
    return a.inc.number > b.inc.number;  // the newer first
  });
  if (hits.size() > static_cast<size_t>(limit)) hits.resize(static_cast<size_t>(limit));

  auto strings = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  json::array out;
  for (const auto& h : hits) {
    const auto& o = h.inc;
    std::vector<std::string> why;
    if (!h.like.services.empty()) why.push_back("same services: " + core::Join(h.like.services, ", "));
    if (!h.like.alerts.empty()) why.push_back("same alerts: " + core::Join(h.like.alerts, ", "));
    if (!h.like.words.empty()) why.push_back("title words: " + core::Join(h.like.words, ", "));
    json::object x{{"id", o.id},
                   {"title", o.title},
                   {"severity", model::SeverityName(o.severity)},
                   {"state", model::StateName(o.state)},
                   {"created_at", core::FormatRfc3339(o.created_at)},
                   {"resolved_at", o.resolved_at ? json::value(core::FormatRfc3339(*o.resolved_at)) : json::value(nullptr)},
                   {"score", std::round(h.like.score * 100) / 100},
                   {"reasons", strings(why)},
                   {"shared", json::object{{"services", strings(h.like.services)},
                                           {"alerts", strings(h.like.alerts)},
                                           {"words", strings(h.like.words)}}},
                   {"resolution_note", o.resolution_note}};
    x["resolve_seconds"] = o.resolved_at ? json::value((*o.resolved_at - o.created_at).count() / 1000) : json::value(nullptr);
    std::string root_cause;
    bool published = false;
    FB_ASSIGN_OR_RETURN(auto pm, store::PostmortemRepo(tx->conn()).Get(o.id));
    if (pm) {
      auto v = core::ParseJson(*pm);
      if (v) {
        if (auto p = report::PostmortemFromJson(*v)) {
          root_cause = p->root_cause;
          published = p->published_at.has_value();
        }
      }
    }
    x["root_cause"] = root_cause;
    x["report_published"] = published;
    store::RunFilter rf;
    rf.incident_id = o.id;
    rf.limit = 20;
    FB_ASSIGN_OR_RETURN(auto runs, tx->runbooks().ListRuns(rf));
    json::array rs;
    for (const auto& r : runs) rs.push_back(json::object{{"id", r.id}, {"runbook", r.runbook}, {"state", r.state}});
    x["runbook_runs"] = std::move(rs);
    out.push_back(std::move(x));
  }
  return json::object{{"incident", inc->id},
                      {"traits", json::object{{"services", strings({traits.services.begin(), traits.services.end()})},
                                              {"alerts", strings({traits.alerts.begin(), traits.alerts.end()})},
                                              {"words", strings({traits.words.begin(), traits.words.end()})}}},
                      {"similar", std::move(out)}};
}

Result<json::object> Reports::ResponsePlan(const model::Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto rec, Load(*tx, id));
  auto cfg = engine_.config();
  auto now = engine_.clock().Now();
  auto cadence = Cadence(*cfg, rec.incident.severity);
  auto doc = report::BuildResponsePlan(rec, *cfg, now, cadence);
  // Communication drafts: the internal and external updates as they would be posted now.
  FB_ASSIGN_OR_RETURN(auto internal, Finish(report::BuildStatusUpdate(rec, *cfg, now, report::Audience::kInternal, cadence), *cfg, report::Audience::kInternal));
  FB_ASSIGN_OR_RETURN(auto external, Finish(report::BuildStatusUpdate(rec, *cfg, now, report::Audience::kExternal, cadence), *cfg, report::Audience::kExternal));
  auto lines = [](const json::object& o) {
    json::array a;
    for (const auto& l : core::Split(o.at("text").as_string(), '\n', true)) a.emplace_back(l);
    return a;
  };
  doc["drafts"] = json::object{{"internal", lines(internal)}, {"external", lines(external)},
                               {"internal_text", internal.at("text")}, {"external_text", external.at("text")}};
  json::value v = std::move(doc);
  report::Redactor(*cfg, report::Audience::kInternal).RedactJson(v);
  return std::move(v.as_object());
}

Result<Rendered> Reports::RenderResponsePlan(const model::Principal& who, std::string_view id,
                                             std::string_view format) const {
  FB_ASSIGN_OR_RETURN(auto doc, ResponsePlan(who, id));
  if (format == "json" || format.empty()) return Rendered{"application/json", core::ToJson(doc)};
  if (format != "md") return InvalidArgument("format must be json or md", "format");
  FB_ASSIGN_OR_RETURN(auto t, TemplatesFor(*engine_.config()));
  FB_ASSIGN_OR_RETURN(auto md, t.Render("response_plan.md", doc));
  return Rendered{"text/markdown; charset=utf-8", std::move(md)};
}

Result<json::object> Reports::Postmortem(const model::Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto rec, Load(*tx, id));
  auto cfg = engine_.config();
  json::value v = report::BuildPostmortem(rec, *cfg, engine_.clock().Now());
  report::Redactor(*cfg, report::Audience::kInternal).RedactJson(v);
  return std::move(v.as_object());
}

Result<Rendered> Reports::Report(const model::Principal& who, std::string_view id, std::string_view format) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  if (format != "md" && format != "json" && format != "html")
    return InvalidArgument("format must be md, json or html", "format");
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto rec, Load(*tx, id));
  auto cfg = engine_.config();
  auto now = engine_.clock().Now();
  json::value v = report::BuildPostmortem(rec, *cfg, now);
  report::Redactor(*cfg, report::Audience::kInternal).RedactJson(v);
  if (format == "json") return Rendered{"application/json", core::ToJson(v)};
  FB_ASSIGN_OR_RETURN(auto t, TemplatesFor(*cfg));
  if (format == "md") {
    FB_ASSIGN_OR_RETURN(auto md, t.Render("postmortem.md", v));
    return Rendered{"text/markdown; charset=utf-8", std::move(md)};
  }
  v.as_object()["timeline_svg"] = report::TimelineSvg(rec, now);
  FB_ASSIGN_OR_RETURN(auto html, t.Render("postmortem.html", v));
  return Rendered{"text/html; charset=utf-8", std::move(html)};
}

Result<json::object> Reports::SystemStatus(const model::Principal& who, const json::value& defense) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  auto cfg = engine_.config();
  auto now = engine_.clock().Now();
  store::IncidentFilter f;
  f.open_only = true;
  f.limit = 1000;
  FB_ASSIGN_OR_RETURN(auto open, tx->incidents().List(f));
  json::object by_sev;
  for (auto s : model::kAllSeverities) by_sev[model::SeverityName(s)] = 0;
  model::DefenseLevel level = model::DefenseLevel::kGreen;
  std::string level_reason = "no open incidents";
  int64_t unacked = 0, breaching = 0, active_alerts = 0;
  json::array incidents;
  std::optional<std::pair<model::Severity, std::string>> next;
  for (const auto& inc : open) {
    by_sev[model::SeverityName(inc.severity)] = by_sev[model::SeverityName(inc.severity)].as_int64() + 1;
    auto dl = model::DefenseLevelOf(inc.severity);
    if (dl > level || level_reason == "no open incidents") {
      if (dl >= level) {
        level = dl;
        level_reason = "open " + std::string(model::SeverityName(inc.severity)) + " incident " + inc.id;
      }
    }
    FB_ASSIGN_OR_RETURN(auto rec, Load(*tx, inc.id));
    auto m = report::ExtractMilestones(rec);
    auto x = report::ComputeMttx(m, *cfg, now);
    // Waiting for someone now: never acknowledged, or triggered again (unacknowledged, reopened).
    unacked += inc.state == model::IncidentState::kTriggered;
    breaching += x.ack_breached || x.resolve_breached;
    // Active alerts: `alert` entries not followed by an `alert_resolved` for the same alert id.
    std::set<int64_t> firing;
    for (const auto& e : rec.timeline) {
      auto it = e.data.find("alert_id");
      if (it == e.data.end() || !it->value().is_int64()) continue;
      if (e.kind == "alert") firing.insert(it->value().get_int64());
      else if (e.kind == "alert_resolved") firing.erase(it->value().get_int64());
    }
    active_alerts += static_cast<int64_t>(firing.size());
    auto cadence = Cadence(*cfg, inc.severity);
    auto upd = report::BuildStatusUpdate(rec, *cfg, now, report::Audience::kInternal, cadence);
    std::string step = std::string(upd.at("next_step").as_string());
    incidents.push_back(json::object{{"id", inc.id}, {"title", inc.title}, {"severity", model::SeverityName(inc.severity)},
                                     {"state", model::StateName(inc.state)}, {"elapsed", upd.at("elapsed")},
                                     {"next_step", step}, {"sla_breached", x.ack_breached || x.resolve_breached}});
    if (!next || model::WorseThan(inc.severity, next->first)) next.emplace(inc.severity, inc.id + ": " + step);
  }
  // The resilience view (DESIGN.md §3) grades the same open incidents, utilization and on-call
  // coverage, and names what sets the level; the incidents alone stand in when it is unavailable.
  json::object resilience{{"available", false}};
  if (defense.is_object()) {
    resilience = defense.as_object();
    resilience["available"] = true;
    if (const auto* l = defense.as_object().if_contains("level"); l && l->is_string())
      if (auto parsed = model::ParseDefenseLevel(l->as_string())) level = *parsed;
    if (const auto* why = defense.as_object().if_contains("reason"); why && why->is_string())
      level_reason = std::string(why->as_string());
  }
  // Coverage: services with an escalation policy for SEV1.
  int64_t covered = 0;
  json::array uncovered;
  for (const auto& s : cfg->services) {
    if (cfg->PolicyFor(s.id, model::Severity::kSev1)) ++covered;
    else uncovered.emplace_back(s.id);
  }
  // Pending decisions: unacknowledged incidents and overdue action items.
  store::ActionItemFilter af;
  af.open_only = true;
  af.due_before = core::ToUnixMillis(now);
  FB_ASSIGN_OR_RETURN(auto overdue, store::ActionItemRepo(tx->conn()).List(af));
  // Runbook approvals waiting for a second person (expired ones are no longer decisions).
  FB_ASSIGN_OR_RETURN(auto approvals, store::RunbookRepo(tx->conn()).ListApprovals("pending"));
  json::array waiting;
  for (const auto& a : approvals) {
    if (a.expires_at <= now) continue;
    waiting.push_back(json::object{{"id", a.id}, {"run_id", a.run_id}, {"expires_at", core::FormatRfc3339(a.expires_at)}});
  }
  json::object doc{
      {"schema", "firebreak.system_status.v1"},
      {"generated_at", core::FormatRfc3339(now)},
      {"defense_level", model::DefenseLevelName(level)},
      {"defense_reason", level_reason},
      {"resilience", resilience},
      {"coverage", json::object{{"services", static_cast<int64_t>(cfg->services.size())}, {"with_escalation_policy", covered}, {"without", uncovered}}},
      {"open_incidents", static_cast<int64_t>(open.size())},
      {"open_by_severity", by_sev},
      {"incidents", incidents},
      {"pending_decisions", json::object{{"unacknowledged_incidents", unacked}, {"overdue_action_items", static_cast<int64_t>(overdue.size())},
                                         {"approvals", static_cast<int64_t>(waiting.size())}, {"approvals_waiting", waiting}}},
      {"sla_breaching_incidents", breaching},
      {"active_alerts", active_alerts},
      {"next_action", next ? json::value(next->second) : json::value("No open incidents: nothing to do.")}};
  json::value v = std::move(doc);
  report::Redactor(*cfg, report::Audience::kInternal).RedactJson(v);
  return std::move(v.as_object());
}

Result<json::object> Reports::Mttx(const model::Principal& who, const MttxQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  auto cfg = engine_.config();
  if (q.service) FB_TRY(CheckServiceFilter(*cfg, *tx, *q.service));
  auto now = engine_.clock().Now();
  std::optional<core::TimePoint> from = q.from;
  if (q.since) from = now - *q.since;
  std::vector<report::MttxRow> rows;
  json::array per;
  store::IncidentFilter f;
  f.limit = 500;
  if (q.severity) f.severity = *q.severity;
  if (q.service) f.service = *q.service;
  bool done = false;
  while (!done) {
    FB_ASSIGN_OR_RETURN(auto page, tx->incidents().List(f));
    if (page.empty()) break;
    for (const auto& inc : page) {
      if (from && inc.created_at < *from - std::chrono::hours(24)) {
        done = true;  // newest first: older ones cannot be detected after `from`
        break;
      }
      // A merged incident is part of the one it was merged into, which counts it (its "resolution"
      // is the merge, not a repair).
      if (!inc.merged_into.empty()) continue;
      FB_ASSIGN_OR_RETURN(auto rec, Load(*tx, inc.id));
      auto m = report::ExtractMilestones(rec);
      auto t = m.detected.at.value_or(inc.created_at);
      if ((from && t < *from) || (q.until && t >= *q.until)) continue;
      auto x = report::ComputeMttx(m, *cfg, now);
      FB_ASSIGN_OR_RETURN(auto keys, report::GroupKeys(rec, m, *cfg, q.by));
      if (q.incidents) {
        json::array ks;
        for (const auto& k : keys) ks.emplace_back(k);
        per.push_back(json::object{{"incident_id", inc.id}, {"keys", ks}, {"severity", model::SeverityName(m.peak_severity)},
                                   {"milestones", report::ToJson(m)}, {"mttx", report::ToJson(x)}});
      }
      rows.push_back({inc.id, std::move(keys), x});
    }
    if (static_cast<int>(page.size()) < f.limit) break;
    f.before_number = page.back().number;
  }
  json::array groups;
  for (const auto& g : report::Aggregate(rows)) groups.push_back(report::ToJson(g));
  std::vector<report::MttxRow> all = rows;
  for (auto& r : all) r.keys = {"all"};
  auto total = report::Aggregate(all);
  json::object out{{"schema", "firebreak.mttx.v1"},
                   {"by", q.by},
                   {"from", from ? json::value(core::FormatRfc3339(*from)) : json::value(nullptr)},
                   {"until", q.until ? json::value(core::FormatRfc3339(*q.until)) : json::value(nullptr)},
                   {"generated_at", core::FormatRfc3339(now)},
                   {"incidents", static_cast<int64_t>(rows.size())},
                   {"groups", groups},
                   {"total", total.empty() ? json::value(nullptr) : json::value(report::ToJson(total[0]))},
                   {"definitions",
                    json::object{{"mttd", "detected - first_anomaly"},
                                 {"mtta", "acknowledged - detected"},
                                 {"mtti", "root_cause - acknowledged"},
                                 {"mttr", "resolved - detected"}}}};
  if (q.incidents) out["incident_rows"] = std::move(per);
  return out;
}

Result<json::array> Reports::ActionItems(const model::Principal& who, const ActionItemQuery& q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  if (q.incident_id) FB_TRY(CheckIncidentFilter(*tx, *q.incident_id));
  auto now = engine_.clock().Now();
  store::ActionItemFilter f;
  f.incident_id = q.incident_id;
  f.owner = q.owner;
  f.status = q.status;
  f.open_only = q.open_only || q.overdue_only;
  if (q.overdue_only) f.due_before = core::ToUnixMillis(now);
  f.limit = 5000;
  FB_ASSIGN_OR_RETURN(auto rows, store::ActionItemRepo(tx->conn()).List(f));
  json::array out;
  for (const auto& row : rows) {
    FB_ASSIGN_OR_RETURN(auto a, ItemFromRow(row));
    out.push_back(report::ToJson(a, now));
  }
  return out;
}

// ---- commands ---------------------------------------------------------------------------------

Result<json::object> Reports::PostUpdate(engine::Tx& tx, const model::Actor& actor, const model::Incident& inc,
                                         report::Audience audience, bool automatic) {
  FB_ASSIGN_OR_RETURN(auto rec, Load(tx.store(), inc.id));
  const auto& cfg = tx.config();
  auto cadence = Cadence(cfg, inc.severity);
  auto doc = report::BuildStatusUpdate(rec, cfg, tx.now(), audience, cadence);
  FB_ASSIGN_OR_RETURN(auto fin, Finish(std::move(doc), cfg, audience));
  std::string text = std::string(fin.at("text").as_string());
  std::string first = core::Split(text, '\n', true).empty() ? text : core::Split(text, '\n', true)[0];
  FB_TRY(tx.Timeline(inc.id, actor, "status_update",
                     std::string(automatic ? "Scheduled " : "") + std::string(report::AudienceName(audience)) +
                         " status update posted: " + first,
                     {{"audience", report::AudienceName(audience)},
                      {"visibility", report::AudienceName(audience)},  // the public status page shows "external"
                      {"automatic", automatic},
                      {"text", text}}));
  FB_TRY(tx.Audit(actor, "incident.status_update", "incident:" + inc.id,
                  {{"audience", report::AudienceName(audience)}, {"automatic", automatic}}));
  tx.Publish(engine::Change{"status_update", inc.id, fin});
  if (announce_) FB_TRY(announce_(tx, inc, audience == report::Audience::kExternal, text));
  if (cadence.count() > 0 && model::IsOpen(inc.state)) FB_TRY(tx.ArmTimer(kTimerKind, inc.id, tx.now() + cadence));
  return fin;
}

void Reports::PostStatusUpdate(const model::Principal& who, std::string id, report::Audience audience, JsonCallback cb) {
  engine_.Submit<json::object>(
      [this, who, id, audience](engine::Tx& tx) -> Result<json::object> {
        FB_TRY(model::RequireScope(who, model::kScopeWrite));
        FB_ASSIGN_OR_RETURN(auto inc, engine::LoadIncident(tx, id));
        return PostUpdate(tx, who.actor, inc, audience, false);
      },
      std::move(cb));
}

namespace {
Status CheckOwner(const config::Config& cfg, const std::string& owner) {
  if (!owner.empty() && !cfg.FindPerson(owner))
    return InvalidArgument("unknown person '" + core::Truncate(owner, 64) + "'", "owner");
  return Ok();
}
json::object ItemJson(const ActionItem& a, core::TimePoint now) { return report::ToJson(a, now); }
}  // namespace

void Reports::CreateActionItem(const model::Principal& who, std::string incident_id, ActionItemRequest req,
                               JsonCallback cb) {
  engine_.Submit<json::object>(
      [who, incident_id, req](engine::Tx& tx) -> Result<json::object> {
        FB_TRY(model::RequireScope(who, model::kScopeWrite));
        FB_ASSIGN_OR_RETURN(auto inc, engine::LoadIncident(tx, incident_id));
        ActionItem a;
        a.incident_id = inc.id;
        a.title = std::string(core::Trim(req.title.value_or("")));
        a.owner = req.owner.value_or("");
        FB_TRY(CheckOwner(tx.config(), a.owner));
        a.priority = req.priority.value_or("P2");
        a.status = req.status.value_or("open");
        a.kind = req.kind.value_or("remediation");
        a.notes = req.notes.value_or("");
        if (req.due_at) a.due_at = *req.due_at;
        a.created_at = a.updated_at = tx.now();
        a.created_by = who.actor.ToString();
        if (!report::IsOpenItem(a)) a.done_at = tx.now();
        FB_ASSIGN_OR_RETURN(a.id, store::ActionItemRepo(tx.store().conn()).Insert(RowFromItem(a)));
        auto j = ItemJson(a, tx.now());
        std::string text = "Action item #" + std::to_string(a.id) + " (" + a.priority + ", " + a.kind + "): " + a.title;
        if (!a.owner.empty()) text += ", owner " + a.owner;
        if (a.due_at) text += ", due " + core::FormatRfc3339(*a.due_at);
        FB_TRY(tx.Timeline(inc.id, who.actor, "action_item", text, {{"item", j}, {"change", "created"}}));
        FB_TRY(tx.Audit(who.actor, "action_item.create", "incident:" + inc.id, {{"item", j}}));
        tx.Publish(engine::Change{"action_item", inc.id, j});
        return j;
      },
      std::move(cb));
}

void Reports::UpdateActionItem(const model::Principal& who, int64_t item_id, ActionItemRequest req, JsonCallback cb) {
  engine_.Submit<json::object>(
      [who, item_id, req](engine::Tx& tx) -> Result<json::object> {
        FB_TRY(model::RequireScope(who, model::kScopeWrite));
        store::ActionItemRepo repo(tx.store().conn());
        FB_ASSIGN_OR_RETURN(auto row, repo.Get(item_id));
        if (!row) return NotFound("action item " + std::to_string(item_id) + " not found", "id");
        FB_ASSIGN_OR_RETURN(auto a, ItemFromRow(*row));
        std::vector<std::string> changed;
        auto set = [&](std::string& field, const std::optional<std::string>& v, const char* name) {
          if (v && *v != field) {
            field = *v;
            changed.emplace_back(name);
          }
        };
        set(a.title, req.title, "title");
        set(a.owner, req.owner, "owner");
        FB_TRY(CheckOwner(tx.config(), a.owner));
        set(a.priority, req.priority, "priority");
        const bool was_open = report::IsOpenItem(a);
        set(a.status, req.status, "status");
        set(a.kind, req.kind, "kind");
        set(a.notes, req.notes, "notes");
        if (req.due_at && *req.due_at != a.due_at) {
          a.due_at = *req.due_at;
          changed.emplace_back("due_at");
        }
        if (changed.empty()) return ItemJson(a, tx.now());
        a.updated_at = tx.now();
        if (was_open && !report::IsOpenItem(a)) a.done_at = tx.now();
        if (!was_open && report::IsOpenItem(a)) a.done_at.reset();
        FB_TRY(repo.Update(RowFromItem(a)));
        auto j = ItemJson(a, tx.now());
        json::array ch;
        for (const auto& c : changed) ch.emplace_back(c);
        FB_TRY(tx.Timeline(a.incident_id, who.actor, "action_item",
                           "Action item #" + std::to_string(a.id) + " updated (" + core::Join(changed, ", ") + "): " +
                               a.title + " [" + a.status + "]",
                           {{"item", j}, {"change", "updated"}, {"fields", ch}}));
        FB_TRY(tx.Audit(who.actor, "action_item.update", "incident:" + a.incident_id, {{"item", j}, {"fields", ch}}));
        tx.Publish(engine::Change{"action_item", a.incident_id, j});
        return j;
      },
      std::move(cb));
}

void Reports::UpdatePostmortem(const model::Principal& who, std::string id, json::value patch, JsonCallback cb) {
  engine_.Submit<json::object>(
      [who, id, patch](engine::Tx& tx) -> Result<json::object> {
        FB_TRY(model::RequireScope(who, model::kScopeWrite));
        FB_ASSIGN_OR_RETURN(auto inc, engine::LoadIncident(tx, id));
        store::PostmortemRepo repo(tx.store().conn());
        FB_ASSIGN_OR_RETURN(auto stored, repo.Get(inc.id));
        report::Postmortem pm;
        if (stored) {
          FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(*stored));
          FB_ASSIGN_OR_RETURN(pm, report::PostmortemFromJson(v));
        }
        if (patch.is_object() && (patch.as_object().contains("published_at") || patch.as_object().contains("published_by")))
          return InvalidArgument("published_at is set by publishing the report", "published_at");
        const bool had_root_cause = !pm.root_cause.empty();
        FB_ASSIGN_OR_RETURN(pm, report::ApplyPostmortemPatch(std::move(pm), patch));
        auto doc = report::ToJson(pm);
        FB_TRY(repo.Put(inc.id, core::ToJson(doc), core::ToUnixMillis(tx.now())));
        json::array fields;
        if (patch.is_object())
          for (const auto& kv : patch.as_object()) fields.emplace_back(kv.key());
        if (!had_root_cause && !pm.root_cause.empty()) {
          FB_TRY(tx.Timeline(inc.id, who.actor, "root_cause", "Root cause identified: " + pm.root_cause,
                             {{"root_cause", pm.root_cause}}));
        } else {
          FB_TRY(tx.Timeline(inc.id, who.actor, "postmortem", "Post-incident report edited", {{"fields", fields}}));
        }
        FB_TRY(tx.Audit(who.actor, "incident.postmortem", "incident:" + inc.id, {{"fields", fields}}));
        return doc;
      },
      std::move(cb));
}

void Reports::PublishPostmortem(const model::Principal& who, std::string id, JsonCallback cb) {
  engine_.Submit<json::object>(
      [who, id](engine::Tx& tx) -> Result<json::object> {
        FB_TRY(model::RequireScope(who, model::kScopeWrite));
        FB_ASSIGN_OR_RETURN(auto inc, engine::LoadIncident(tx, id));
        if (inc.state != model::IncidentState::kResolved && inc.state != model::IncidentState::kClosed)
          return FailedPrecondition("the report of " + inc.id + " can be published once it is resolved (it is " +
                                        std::string(model::StateName(inc.state)) + ")",
                                    "state");
        store::PostmortemRepo repo(tx.store().conn());
        FB_ASSIGN_OR_RETURN(auto stored, repo.Get(inc.id));
        report::Postmortem pm;
        if (stored) {
          FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(*stored));
          FB_ASSIGN_OR_RETURN(pm, report::PostmortemFromJson(v));
        }
        pm.published_at = tx.now();
        pm.published_by = who.actor.ToString();
        auto doc = report::ToJson(pm);
        FB_TRY(repo.Put(inc.id, core::ToJson(doc), core::ToUnixMillis(tx.now())));
        FB_TRY(tx.Timeline(inc.id, who.actor, "postmortem_published", "Post-incident report published", {}));
        FB_TRY(tx.Audit(who.actor, "incident.postmortem_publish", "incident:" + inc.id, {}));
        return doc;
      },
      std::move(cb));
}

// ---- rules ------------------------------------------------------------------------------------

Status Reports::ScheduleReview(engine::Tx& tx, const model::Incident& inc) {
  store::ActionItemRepo repo(tx.store().conn());
  store::ActionItemFilter f;
  f.incident_id = inc.id;
  FB_ASSIGN_OR_RETURN(auto rows, repo.List(f));
  for (const auto& row : rows) {
    FB_ASSIGN_OR_RETURN(auto a, ItemFromRow(row));
    if (a.kind == "review") return Ok();  // one review per incident (a reopen keeps it)
  }
  ActionItem a;
  a.incident_id = inc.id;
  a.kind = "review";
  a.priority = "P2";
  a.title = "Postmortem review of " + inc.id;
  // Owner: the incident commander, else whoever acknowledged, else whoever resolved.
  if (auto it = inc.roles.find(std::string(model::kRoleCommander)); it != inc.roles.end()) a.owner = it->second;
  if (a.owner.empty()) a.owner = PersonOfActor(inc.acknowledged_by);
  if (a.owner.empty()) a.owner = PersonOfActor(inc.resolved_by);
  a.due_at = inc.resolved_at.value_or(tx.now()) + std::chrono::hours(48);
  a.created_at = a.updated_at = tx.now();
  a.created_by = "system:report";
  FB_ASSIGN_OR_RETURN(a.id, repo.Insert(RowFromItem(a)));
  auto j = ItemJson(a, tx.now());
  auto actor = model::Actor::System("report");
  FB_TRY(tx.Timeline(inc.id, actor, "action_item",
                     "Postmortem review scheduled: due " + core::FormatRfc3339(*a.due_at) +
                         (a.owner.empty() ? std::string(", no owner yet") : ", owner " + a.owner),
                     {{"item", j}, {"change", "created"}}));
  FB_TRY(tx.Audit(actor, "action_item.create", "incident:" + inc.id, {{"item", j}}));
  return Ok();
}

Status Reports::OnIncidentEvent(engine::Tx& tx, const engine::IncidentEvent& ev) {
  using K = engine::IncidentEvent::Kind;
  const auto& inc = *ev.after;
  auto arm = [&]() -> Status {
    auto cadence = Cadence(tx.config(), inc.severity);
    if (cadence.count() <= 0 || !model::IsOpen(inc.state)) return tx.CancelTimer(kTimerKind, inc.id);
    return tx.ArmTimer(kTimerKind, inc.id, tx.now() + cadence).map([](auto) {});
  };
  if (ev.kind == K::kOpened || ev.kind == K::kSeverityChanged) return arm();
  if (ev.kind != K::kTransitioned || !ev.transition) return Ok();
  switch (*ev.transition) {
    case model::Transition::kReopen:
      return arm();
    case model::Transition::kResolve:
      FB_TRY(tx.CancelTimer(kTimerKind, inc.id));
      return ScheduleReview(tx, inc);
    case model::Transition::kClose: {
      FB_TRY(tx.CancelTimer(kTimerKind, inc.id));
      FB_ASSIGN_OR_RETURN(auto pm, store::PostmortemRepo(tx.store().conn()).Get(inc.id));
      bool published = false;
      if (pm) {
        FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(*pm));
        FB_ASSIGN_OR_RETURN(auto p, report::PostmortemFromJson(v));
        published = p.published_at.has_value();
      }
      if (!published)
        return FailedPrecondition("closing " + inc.id + " requires a published post-incident report "
                                  "(POST /api/v1/incidents/" + inc.id + "/postmortem/publish)", "state");
      store::ActionItemFilter f;
      f.incident_id = inc.id;
      FB_ASSIGN_OR_RETURN(auto rows, store::ActionItemRepo(tx.store().conn()).List(f));
      bool has_items = false;
      for (const auto& row : rows) {
        FB_ASSIGN_OR_RETURN(auto a, ItemFromRow(row));
        if (a.kind != "review") has_items = true;
      }
      if (!has_items)
        return FailedPrecondition("closing " + inc.id + " requires its remediation or follow-up action items "
                                  "(POST /api/v1/incidents/" + inc.id + "/action-items)", "state");
      return Ok();
    }
    default:
      return Ok();
  }
}

Status Reports::OnTimer(engine::Tx& tx, const store::TimerRecord& t, core::Millis lateness) {
  auto inc = tx.store().incidents().Get(t.key);
  if (!inc) return Unexpected(inc.error());
  if (!*inc || !model::IsOpen((*inc)->state)) return Ok();  // nothing to say any more
  if (lateness > std::chrono::minutes(1))
    spdlog::warn("report: status update for {} fired {} late", t.key, core::FormatDuration(lateness));
  auto r = PostUpdate(tx, model::Actor::System("report"), **inc, report::Audience::kInternal, true);
  if (!r) return Unexpected(r.error());
  return Ok();
}

// ---- MCP tools --------------------------------------------------------------------------------

namespace {
Result<std::string> IncidentArg(const json::value& args) {
  core::ObjectReader r(args, "");
  auto id = r.String("incident_id", true);
  FB_TRY(r.status());
  return *id;
}
}  // namespace

Result<json::value> Reports::GetStatusUpdateTool(const model::Principal& who, const json::value& args) const {
  FB_ASSIGN_OR_RETURN(auto id, IncidentArg(args));
  core::ObjectReader r(args, "");
  r.RejectUnknown({"incident_id", "audience"});
  auto aud = r.String("audience");
  FB_TRY(r.status());
  FB_ASSIGN_OR_RETURN(auto audience, report::ParseAudience(aud.value_or("internal")));
  FB_ASSIGN_OR_RETURN(auto doc, StatusUpdate(who, id, audience));
  return json::value(std::move(doc));
}

Result<json::value> Reports::GeneratePostmortemTool(const model::Principal& who, const json::value& args) const {
  FB_ASSIGN_OR_RETURN(auto id, IncidentArg(args));
  core::ObjectReader r(args, "");
  r.RejectUnknown({"incident_id", "format"});
  auto fmt = r.String("format").value_or("json");
  FB_TRY(r.status());
  if (fmt == "json") {
    FB_ASSIGN_OR_RETURN(auto doc, Postmortem(who, id));
    return json::value(std::move(doc));
  }
  FB_ASSIGN_OR_RETURN(auto out, Report(who, id, fmt));
  return json::value(json::object{{"format", fmt}, {"content_type", out.content_type}, {"content", out.body}});
}

Result<json::value> Reports::GetMttxMetricsTool(const model::Principal& who, const json::value& args) const {
  FB_ASSIGN_OR_RETURN(auto q, DecodeMttxQuery(args));
  FB_ASSIGN_OR_RETURN(auto doc, Mttx(who, q));
  return json::value(std::move(doc));
}

// ---- gauges -----------------------------------------------------------------------------------

void Reports::RefreshGauges() {
  MttxQuery q;
  q.by = "severity";
  q.since = std::chrono::hours(24 * 30);
  auto res = Mttx(model::Principal::System("metrics"), q);
  if (!res) return;
  for (auto s : model::kAllSeverities) {
    std::string sev(model::SeverityName(s));
    const json::object* g = nullptr;
    for (const auto& v : res->at("groups").as_array())
      if (v.as_object().at("key").as_string() == sev) g = &v.as_object();
    for (const char* m : {"mttd", "mtta", "mtti", "mttr"}) {
      double mean = 0;
      if (g) {
        const auto& st = g->at(m).as_object();
        if (st.at("mean_seconds").is_double()) mean = st.at("mean_seconds").as_double();
      }
      metrics_.GetGauge("firebreak_mttx_seconds", "Mean time to detect/acknowledge/identify/resolve over the last 30 days",
                        {{"metric", m}, {"severity", sev}})
          .Set(mean);
    }
    for (const char* k : {"ack", "resolve"}) {
      double n = g ? static_cast<double>(g->at(std::string(k) + "_sla_breaches").as_int64()) : 0;
      metrics_.GetGauge("firebreak_sla_breaches", "Incidents over their SLA in the last 30 days", {{"sla", k}, {"severity", sev}})
          .Set(n);
    }
    metrics_.GetGauge("firebreak_mttx_incidents", "Incidents counted in firebreak_mttx_seconds", {{"severity", sev}})
        .Set(g ? static_cast<double>(g->at("incidents").as_int64()) : 0);
  }
  auto tx = store_.BeginRead();
  if (!tx) return;
  store::ActionItemFilter f;
  f.open_only = true;
  f.limit = 100000;
  auto open = store::ActionItemRepo((*tx)->conn()).List(f);
  if (!open) return;
  auto now = engine_.clock().Now();
  int64_t overdue = 0;
  for (const auto& r : *open) overdue += r.due_ms && *r.due_ms < core::ToUnixMillis(now);
  metrics_.GetGauge("firebreak_action_items_open", "Open action items").Set(static_cast<double>(open->size()));
  metrics_.GetGauge("firebreak_action_items_overdue", "Open action items past their due date").Set(static_cast<double>(overdue));
}

}  // namespace firebreak::app
