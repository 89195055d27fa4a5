#include "report/record.h"

#include <algorithm>
#include <set>

#include "core/json.h"
#include "core/time.h"

namespace firebreak::report {

bool IsValidPriority(std::string_view p) { return p == "P1" || p == "P2" || p == "P3" || p == "P4"; }
bool IsValidItemStatus(std::string_view s) {
  return s == "open" || s == "in_progress" || s == "done" || s == "wont_do";
}
bool IsValidItemKind(std::string_view k) { return k == "remediation" || k == "review" || k == "follow_up"; }

bool IsOverdue(const ActionItem& a, core::TimePoint now) { return IsOpenItem(a) && a.due_at && *a.due_at < now; }

namespace {
json::value TimeOrNull(const std::optional<core::TimePoint>& t) {
  if (!t) return nullptr;
  return json::value(core::FormatRfc3339(*t));
}
json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
double Seconds(core::Millis d) { return static_cast<double>(d.count()) / 1000.0; }
}  // namespace

json::object ToJson(const ActionItem& a, core::TimePoint now) {
  return {{"id", a.id},
          {"incident_id", a.incident_id},
          {"title", a.title},
          {"owner", a.owner},
          {"priority", a.priority},
          {"status", a.status},
          {"kind", a.kind},
          {"due_at", TimeOrNull(a.due_at)},
          {"overdue", IsOverdue(a, now)},
          {"notes", a.notes},
          {"created_at", core::FormatRfc3339(a.created_at)},
          {"updated_at", core::FormatRfc3339(a.updated_at)},
          {"created_by", a.created_by},
          {"done_at", TimeOrNull(a.done_at)}};
}

json::object ToJson(const Postmortem& p) {
  return {{"summary", p.summary},
          {"customer_impact", p.customer_impact},
          {"root_cause", p.root_cause},
          {"contributing_factors", Strings(p.contributing_factors)},
          {"evidence", Strings(p.evidence)},
          {"went_well", Strings(p.went_well)},
          {"went_poorly", Strings(p.went_poorly)},
          {"got_lucky", Strings(p.got_lucky)},
          {"five_whys", Strings(p.five_whys)},
          {"first_anomaly_at", TimeOrNull(p.first_anomaly_at)},
          {"published_at", TimeOrNull(p.published_at)},
          {"published_by", p.published_by}};
}

namespace {
constexpr size_t kMaxText = 8192;
constexpr size_t kMaxItems = 50;

Status ReadText(core::ObjectReader& r, std::string_view key, std::string& out) {
  if (auto v = r.String(key)) {
    if (v->size() > kMaxText) r.Fail(key, "longer than " + std::to_string(kMaxText) + " bytes");
    else out = *v;
  }
  return r.status();
}
Status ReadList(core::ObjectReader& r, std::string_view key, std::vector<std::string>& out) {
  if (auto v = r.StringArray(key)) {
    if (v->size() > kMaxItems) r.Fail(key, "more than " + std::to_string(kMaxItems) + " items");
    for (size_t i = 0; i < v->size() && r.ok(); ++i)
      if ((*v)[i].size() > kMaxText) r.Fail(key, "item " + std::to_string(i) + " is too long");
    if (r.ok()) out = std::move(*v);
  }
  return r.status();
}
Status ReadTime(core::ObjectReader& r, std::string_view key, std::optional<core::TimePoint>& out) {
  if (const auto* raw = r.Raw(key); raw && raw->is_null()) {
    out.reset();
    return r.status();
  }
  if (auto t = r.Time(key)) out = *t;
  return r.status();
}
}  // namespace

Result<Postmortem> ApplyPostmortemPatch(Postmortem p, const json::value& patch) {
  core::ObjectReader r(patch, "");
  if (!r.ok()) return Unexpected(r.status().error());
  r.RejectUnknown({"summary", "customer_impact", "root_cause", "contributing_factors", "evidence", "went_well",
                   "went_poorly", "got_lucky", "five_whys", "first_anomaly_at", "published_at", "published_by"});
  FB_TRY(ReadText(r, "summary", p.summary));
  FB_TRY(ReadText(r, "customer_impact", p.customer_impact));
  FB_TRY(ReadText(r, "root_cause", p.root_cause));
  FB_TRY(ReadList(r, "contributing_factors", p.contributing_factors));
  FB_TRY(ReadList(r, "evidence", p.evidence));
  FB_TRY(ReadList(r, "went_well", p.went_well));
  FB_TRY(ReadList(r, "went_poorly", p.went_poorly));
  FB_TRY(ReadList(r, "got_lucky", p.got_lucky));
  FB_TRY(ReadList(r, "five_whys", p.five_whys));
  FB_TRY(ReadTime(r, "first_anomaly_at", p.first_anomaly_at));
  FB_TRY(ReadTime(r, "published_at", p.published_at));
  FB_TRY(ReadText(r, "published_by", p.published_by));
  return p;
}

Result<Postmortem> PostmortemFromJson(const json::value& v) { return ApplyPostmortemPatch(Postmortem{}, v); }

// ---- milestones --------------------------------------------------------------------------------

namespace {
std::string Src(const model::TimelineEntry& e) { return "timeline#" + std::to_string(e.id) + " (" + e.kind + ")"; }
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool IsRunbookKind(std::string_view k) { return StartsWith(k, "runbook"); }
bool DataFlag(const json::object& d, std::string_view key) {
  auto it = d.find(key);
  return it != d.end() && it->value().is_bool() && it->value().get_bool();
}
std::string DataString(const json::object& d, std::string_view key) {
  auto it = d.find(key);
  return it != d.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}
}  // namespace

Milestones ExtractMilestones(const Record& r) {
  Milestones m;
  const auto& inc = r.incident;
  m.detected = {inc.created_at, "incident.created_at", inc.created_by};
  m.peak_severity = inc.severity;
  std::optional<core::TimePoint> starts_at;
  std::string starts_src;
  for (const auto& e : r.timeline) {
    if (e.kind == "declared") {
      if (auto s = model::ParseSeverity(DataString(e.data, "severity")); s && model::WorseThan(*s, m.peak_severity))
        m.peak_severity = *s;
      if (e.time <= *m.detected.at) m.detected = {e.time, Src(e), e.actor};
    } else if (e.kind == "alert") {
      if (e.time < *m.detected.at) m.detected = {e.time, Src(e), e.actor};
      if (auto s = DataString(e.data, "starts_at"); !s.empty()) {
        if (auto t = core::ParseRfc3339(s); t && (!starts_at || *t < *starts_at)) {
          starts_at = *t;
          starts_src = Src(e) + ".data.starts_at";
        }
      }
    } else if (e.kind == "merged") {
      // An incident merged into this one: the problem was detected when that one saw it, and its
      // severity counts for the peak.
      if (auto s = DataString(e.data, "detected_at"); !s.empty())
        if (auto t = core::ParseRfc3339(s); t && *t < *m.detected.at) m.detected = {*t, Src(e) + ".data.detected_at", ""};
      if (auto s = model::ParseSeverity(DataString(e.data, "severity")); s && model::WorseThan(*s, m.peak_severity))
        m.peak_severity = *s;
    } else if (e.kind == "severity") {
      if (auto s = model::ParseSeverity(DataString(e.data, "to")); s && model::WorseThan(*s, m.peak_severity))
        m.peak_severity = *s;
    } else if (e.kind == "acknowledged") {
      if (!m.acknowledged.at) m.acknowledged = {e.time, Src(e), e.actor};
    } else if (e.kind == "page") {
      auto it = e.data.find("tier");
      if (it != e.data.end() && it->value().is_int64())
        m.escalation_tier = std::max<int>(m.escalation_tier, static_cast<int>(it->value().get_int64()));
    } else if (e.kind == "root_cause") {
      if (!m.root_cause.at) m.root_cause = {e.time, Src(e), e.actor};
    }
    if (!m.investigating.at && (e.kind == "note" || e.kind == "analysis" || IsRunbookKind(e.kind)))
      m.investigating = {e.time, Src(e), e.actor};
    // Remediation is initiated when a change is set in motion: a runbook that changes something
    // starts (requested to run automatically) or is approved to run, or a person records one.
    const bool remediation =
        e.kind == "remediation" || e.kind == "approval_approved" ||
        (e.kind == "runbook_step" && !DataString(e.data, "category").empty() &&
         DataString(e.data, "category") != "diagnostic") ||
        (e.kind == "runbook_requested" && DataFlag(e.data, "automatic") && !DataFlag(e.data, "read_only") &&
         !DataFlag(e.data, "dry_run"));
    if (!m.remediation.at && remediation) m.remediation = {e.time, Src(e), e.actor};
  }
  if (r.postmortem.first_anomaly_at) {
    m.first_anomaly = {r.postmortem.first_anomaly_at, "postmortem.first_anomaly_at", ""};
  } else if (starts_at) {
    m.first_anomaly = {starts_at, starts_src, ""};
  }
  // The incident document is authoritative for the current state (a reopen clears resolution).
  if (inc.acknowledged_at && !m.acknowledged.at) m.acknowledged = {inc.acknowledged_at, "incident.acknowledged_at", inc.acknowledged_by};
  auto last_of = [&](std::string_view kind) -> std::string {
    for (auto it = r.timeline.rbegin(); it != r.timeline.rend(); ++it)
      if (it->kind == kind) return Src(*it);
    return "";
  };
  if (inc.mitigated_at) m.recovered = {inc.mitigated_at, last_of("mitigated"), ""};
  if (inc.resolved_at) m.resolved = {inc.resolved_at, last_of("resolved"), inc.resolved_by};
  if (inc.closed_at) m.closed = {inc.closed_at, last_of("closed"), ""};
  for (auto* mk : {&m.recovered, &m.resolved, &m.closed}) {
    if (!mk->at) continue;
    for (auto it = r.timeline.rbegin(); it != r.timeline.rend(); ++it)
      if (Src(*it) == mk->source) {
        mk->actor = it->actor;
        break;
      }
  }
  return m;
}

namespace {
Interval Between(const Mark& a, const Mark& b, std::string from, std::string to) {
  Interval i;
  i.from = std::move(from);
  i.to = std::move(to);
  if (!a.at) i.missing = i.from + " not recorded";
  else if (!b.at) i.missing = i.to + " not recorded";
  else if (*b.at < *a.at) i.missing = i.to + " is before " + i.from;
  else i.value = *b.at - *a.at;
  return i;
}
json::object ToJson(const Interval& i) {
  json::object o{{"from", i.from}, {"to", i.to}};
  if (i.value) {
    o["seconds"] = Seconds(*i.value);
    o["text"] = core::FormatDuration(*i.value);
  } else {
    o["seconds"] = nullptr;
    o["missing"] = i.missing;
  }
  return o;
}
json::object ToJson(const Mark& m) {
  return {{"at", TimeOrNull(m.at)}, {"source", m.source}, {"actor", m.actor}};
}
}  // namespace

Mttx ComputeMttx(const Milestones& m, const config::Config& cfg, core::TimePoint now) {
  Mttx x;
  x.mttd = Between(m.first_anomaly, m.detected, "first_anomaly", "detected");
  x.mtta = Between(m.detected, m.acknowledged, "detected", "acknowledged");
  x.mtti = Between(m.acknowledged, m.root_cause, "acknowledged", "root_cause");
  x.mttr = Between(m.detected, m.resolved, "detected", "resolved");
  auto pol = cfg.settings.For(m.peak_severity);
  x.ack_sla = pol.ack_sla;
  x.resolve_sla = pol.resolve_sla;
  if (m.detected.at) {
    auto ack_took = x.mtta.value ? *x.mtta.value : now - *m.detected.at;
    x.ack_breached = x.ack_sla.count() > 0 && ack_took > x.ack_sla;
    auto res_took = x.mttr.value ? *x.mttr.value : now - *m.detected.at;
    x.resolve_breached = x.resolve_sla.count() > 0 && res_took > x.resolve_sla;
  }
  return x;
}

json::object ToJson(const Mttx& m) {
  return {{"mttd", ToJson(m.mttd)},
          {"mtta", ToJson(m.mtta)},
          {"mtti", ToJson(m.mtti)},
          {"mttr", ToJson(m.mttr)},
          {"sla",
           {{"ack_sla_seconds", Seconds(m.ack_sla)},
            {"resolve_sla_seconds", m.resolve_sla.count() > 0 ? json::value(Seconds(m.resolve_sla)) : json::value(nullptr)},
            {"ack_breached", m.ack_breached},
            {"resolve_breached", m.resolve_breached}}}};
}

json::object ToJson(const Milestones& m) {
  return {{"first_anomaly", ToJson(m.first_anomaly)},
          {"detected", ToJson(m.detected)},
          {"acknowledged", ToJson(m.acknowledged)},
          {"investigating", ToJson(m.investigating)},
          {"root_cause", ToJson(m.root_cause)},
          {"remediation", ToJson(m.remediation)},
          {"recovered", ToJson(m.recovered)},
          {"resolved", ToJson(m.resolved)},
          {"closed", ToJson(m.closed)},
          {"peak_severity", model::SeverityName(m.peak_severity)},
          {"escalation_tier", m.escalation_tier}};
}

// ---- aggregation -------------------------------------------------------------------------------

namespace {
MttxGroup::Stat Stats(std::vector<double> v) {
  MttxGroup::Stat s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = static_cast<int64_t>(v.size());
  double sum = 0;
  for (double x : v) sum += x;
  s.mean_s = sum / static_cast<double>(v.size());
  size_t n = v.size();
  s.median_s = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  // Nearest-rank p90.
  size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(n)));
  s.p90_s = v[std::max<size_t>(rank, 1) - 1];
  s.max_s = v.back();
  return s;
}
json::object ToJson(const MttxGroup::Stat& s) {
  if (s.n == 0) return {{"n", 0}, {"mean_seconds", nullptr}, {"median_seconds", nullptr}, {"p90_seconds", nullptr}, {"max_seconds", nullptr}};
  return {{"n", s.n}, {"mean_seconds", s.mean_s}, {"median_seconds", s.median_s}, {"p90_seconds", s.p90_s}, {"max_seconds", s.max_s}};
}
}  // namespace

std::vector<MttxGroup> Aggregate(const std::vector<MttxRow>& rows) {
  struct Acc {
    int64_t n = 0, ab = 0, rb = 0;
    std::vector<double> d, a, i, r;
  };
  std::map<std::string, Acc> acc;
  for (const auto& row : rows) {
    for (const auto& k : row.keys) {
      auto& g = acc[k];
      g.n++;
      if (row.mttx.mttd.value) g.d.push_back(Seconds(*row.mttx.mttd.value));
      if (row.mttx.mtta.value) g.a.push_back(Seconds(*row.mttx.mtta.value));
      if (row.mttx.mtti.value) g.i.push_back(Seconds(*row.mttx.mtti.value));
      if (row.mttx.mttr.value) g.r.push_back(Seconds(*row.mttx.mttr.value));
      g.ab += row.mttx.ack_breached;
      g.rb += row.mttx.resolve_breached;
    }
  }
  std::vector<MttxGroup> out;
  for (auto& [k, g] : acc) {
    MttxGroup m;
    m.key = k;
    m.incidents = g.n;
    m.mttd = Stats(std::move(g.d));
    m.mtta = Stats(std::move(g.a));
    m.mtti = Stats(std::move(g.i));
    m.mttr = Stats(std::move(g.r));
    m.ack_breaches = g.ab;
    m.resolve_breaches = g.rb;
    out.push_back(std::move(m));
  }
  return out;
}

json::object ToJson(const MttxGroup& g) {
  return {{"key", g.key},
          {"incidents", g.incidents},
          {"mttd", ToJson(g.mttd)},
          {"mtta", ToJson(g.mtta)},
          {"mtti", ToJson(g.mtti)},
          {"mttr", ToJson(g.mttr)},
          {"ack_sla_breaches", g.ack_breaches},
          {"resolve_sla_breaches", g.resolve_breaches}};
}

Result<std::vector<std::string>> GroupKeys(const Record& r, const Milestones& m, const config::Config& cfg,
                                           std::string_view by) {
  const auto& inc = r.incident;
  if (by == "none" || by.empty()) return std::vector<std::string>{"all"};
  if (by == "service") {
    if (inc.services.empty()) return std::vector<std::string>{"(none)"};
    return inc.services;
  }
  if (by == "team") {
    std::set<std::string> teams;
    for (const auto& s : inc.services) {
      const auto* svc = cfg.FindService(s);
      teams.insert(svc && !svc->team.empty() ? svc->team : "(none)");
    }
    if (teams.empty()) teams.insert("(none)");
    return std::vector<std::string>(teams.begin(), teams.end());
  }
  if (by == "severity") return std::vector<std::string>{std::string(model::SeverityName(m.peak_severity))};
  if (by == "day" || by == "week" || by == "month") {
    auto t = m.detected.at.value_or(inc.created_at);
    auto day = std::chrono::floor<std::chrono::days>(t);
    if (by == "week") {
      // Weeks start on Monday (ISO); the key is the Monday's date.
      std::chrono::weekday wd{day};
      day -= std::chrono::days((wd.c_encoding() + 6) % 7);
    }
    std::chrono::year_month_day ymd{day};
    char buf[32];
    if (by == "month")
      std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));
    else
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                    static_cast<unsigned>(ymd.day()));
    return std::vector<std::string>{buf};
  }
  return InvalidArgument("by must be one of service, team, severity, day, week, month, none", "by");
}

}  // namespace firebreak::report
