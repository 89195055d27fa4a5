// App: log ingestion and log patterns (the logs/ module wired to the engine, the store and
// incidents).
#include <set>

#include <spdlog/spdlog.h>

#include "app/analysis.h"
#include "app/app.h"
#include "app/requests.h"
#include "app/read_filters.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::app {

namespace json = boost::json;

namespace {

constexpr const char* kPruneTimer = "logs.prune";

logs::ServiceOptions OptionsFrom(const config::Config& cfg) {
  const auto& ls = cfg.settings.logs;
  logs::ServiceOptions o;
  o.format = ls.format;
  o.exemplars = ls.exemplars;
  o.secret_names = cfg.settings.secret_names;
  o.miner.similarity = ls.similarity;
  o.miner.min_distinct = static_cast<size_t>(ls.min_distinct);
  o.miner.max_templates = static_cast<size_t>(ls.max_templates);
  o.miner.mask.patterns = ls.masks;
  return o;
}

std::string Hhmmss(int64_t ms) { return core::FormatRfc3339(core::FromUnixMillis(ms)); }

json::object PatternData(const logs::Pattern& p, std::string_view kind) {
  return json::object{{"template_id", p.template_id},
                      {"service", p.service},
                      {"template", p.text},
                      {"kind", kind},
                      {"first_seen", Hhmmss(p.first_seen_ms)},
                      {"count", p.count},
                      {"rate_per_min", p.stats.rate},
                      {"peak_per_min", p.stats.peak_rate},
                      {"baseline_per_min", p.stats.baseline_median}};
}

// Notes a new or surging error pattern on an incident's timeline, once per incident and template.
Status NotePattern(engine::Tx& tx, const model::Incident& inc, const logs::Pattern& p) {
  std::string kind = p.is_new ? "new" : "surge";
  FB_ASSIGN_OR_RETURN(bool first, tx.store().logs().Mark(inc.id, p.template_id, kind, core::ToUnixMillis(tx.now())));
  if (!first) return Ok();
  char rate[96];
  std::snprintf(rate, sizeof rate, "peak %.1f/min vs %.1f/min before", p.stats.peak_rate, p.stats.baseline_median);
  std::string text = std::string(p.is_new ? "New error log pattern on " : "Error log pattern surging on ") + p.service +
                     ": \"" + core::Truncate(p.text, 300) + "\" (first seen " + Hhmmss(p.first_seen_ms) + ", " +
                     std::to_string(p.count) + " lines, " + rate + ")";
  auto data = PatternData(p, kind);
  auto actor = model::Actor::System("logs");
  FB_TRY(tx.Timeline(inc.id, actor, "log_pattern", text, data));
  FB_TRY(tx.Audit(actor, "incident.log_pattern", "incident:" + inc.id, data));
  return Ok();
}

logs::PatternQuery QueryFor(const config::Config& cfg) {
  const auto& ls = cfg.settings.logs;
  logs::PatternQuery q;
  q.baseline = ls.baseline;
  q.surge.z = ls.surge_z;
  q.surge.ratio = ls.surge_ratio;
  q.surge.min_count = ls.surge_min_count;
  return q;
}

// The incident's log window: from `incident_lookback` before it was declared to its resolution (or now).
std::pair<core::TimePoint, core::TimePoint> WindowOf(const config::Config& cfg, const model::Incident& inc,
                                                     core::TimePoint now) {
  auto from = inc.created_at - cfg.settings.logs.incident_lookback;
  auto to = inc.resolved_at && *inc.resolved_at < now ? *inc.resolved_at : now;
  if (to <= from) to = from + std::chrono::minutes(1);
  return {from, to};
}

// Notes every new or surging error pattern of the incident's services.
Status NoteIncidentPatterns(engine::Tx& tx, const model::Incident& inc) {
  if (inc.services.empty()) return Ok();
  auto q = QueryFor(tx.config());
  q.services = inc.services;
  std::tie(q.from, q.to) = WindowOf(tx.config(), inc, tx.now());
  q.errors_only = true;
  q.anomalous_only = true;
  q.exemplars = 0;
  FB_ASSIGN_OR_RETURN(auto patterns, logs::FindPatterns(tx.store(), q));
  for (const auto& p : patterns) FB_TRY(NotePattern(tx, inc, p));
  return Ok();
}

}  // namespace

// The mined log templates as the root-cause ranking's evidence: a service's error templates in the
// window, new or surging ones first (logs::FindPatterns' order), with their baseline counts.
class MinedLogPatterns : public LogPatternSource {
 public:
  MinedLogPatterns(store::Store& store, engine::Engine& engine) : store_(store), engine_(engine) {}
  Result<std::vector<analyze::LogPattern>> TopErrorPatterns(const std::string& service, int64_t from, int64_t to,
                                                            size_t limit) override {
    if (to <= from) return std::vector<analyze::LogPattern>();
    auto q = QueryFor(*engine_.config());
    q.services = {service};
    q.from = core::FromUnixMillis(from);
    q.to = core::FromUnixMillis(to);
    q.errors_only = true;
    q.limit = limit;
    q.exemplars = 0;
    FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
    FB_ASSIGN_OR_RETURN(auto found, logs::FindPatterns(*tx, q));
    const double minutes = static_cast<double>(to - from) / 60000.0;
    std::vector<analyze::LogPattern> out;
    for (const auto& p : found) {
      analyze::LogPattern lp;
      lp.service = p.service;
      lp.pattern = p.text;
      lp.count = p.count;
      lp.baseline_rate = p.is_new ? 0.0 : p.stats.baseline_mean * minutes;  // expected count in a window this long
      lp.first_seen = p.first_seen_ms;
      out.push_back(std::move(lp));
    }
    return out;
  }

 private:
  store::Store& store_;
  engine::Engine& engine_;
};

// On declaration (and when services join), note the error patterns already new or surging.
class LogIncidentObserver : public engine::IncidentObserver {
 public:
  Status OnIncidentEvent(engine::Tx& tx, const engine::IncidentEvent& ev) override {
    if (ev.kind != engine::IncidentEvent::Kind::kOpened && ev.kind != engine::IncidentEvent::Kind::kServicesAdded)
      return Ok();
    if (!ev.after) return Ok();
    return NoteIncidentPatterns(tx, *ev.after);
  }
};

Status App::OpenLogs() {
  auto cfg = config();
  FB_ASSIGN_OR_RETURN(logs_, logs::LogService::Create(OptionsFrom(*cfg)));
  {
    FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    FB_TRY(logs_->Restore(*tx));
  }
  if (analysis_) analysis_->SetLogPatternSource(std::make_shared<MinedLogPatterns>(*store_, *engine_));
  log_observer_ = std::make_unique<LogIncidentObserver>();
  engine_->AddObserver(log_observer_.get());
  engine_->RegisterTimerHandler(kPruneTimer, [](engine::Tx& tx, const store::TimerRecord&, core::Millis) -> Status {
    const auto& ls = tx.config().settings.logs;
    int64_t cutoff = core::ToUnixMillis(tx.now() - ls.retention);
    FB_ASSIGN_OR_RETURN(int64_t n, tx.store().logs().Prune(cutoff / 60000, cutoff));
    if (n > 0) spdlog::info("logs: pruned {} rows older than {}", n, core::FormatRfc3339(core::FromUnixMillis(cutoff)));
    FB_ASSIGN_OR_RETURN(auto id, tx.ArmTimer(kPruneTimer, "all", tx.now() + std::chrono::hours(1)));
    (void)id;
    return Ok();
  });
  auto armed = engine_->Call<bool>([](engine::Tx& tx) -> Result<bool> {
    FB_ASSIGN_OR_RETURN(auto t, tx.store().timers().Find(kPruneTimer, "all"));
    if (t) return false;
    FB_TRY(tx.ArmTimer(kPruneTimer, "all", tx.now() + std::chrono::hours(1)));
    return true;
  });
  if (!armed) return Unexpected(armed.error());
  return Ok();
}

Result<IngestIdentity> App::AuthenticateIngest(std::string_view authorization) const {
  std::string_view a = core::Trim(authorization);
  if (a.empty()) return Unauthenticated("missing credentials (Authorization: Bearer <token or integration key>)");
  FB_ASSIGN_OR_RETURN(std::string secret, CredentialOf(a));
  return AuthenticateSender(secret, "Authorization");
}

Result<IngestIdentity> App::AuthenticateSender(std::string_view secret, std::string_view field) const {
  IngestIdentity id;
  if (secret.rfind("fbt_", 0) == 0) {
    FB_ASSIGN_OR_RETURN(id.principal, Authenticate(secret));
    FB_TRY(model::RequireScope(id.principal, model::kScopeWrite));
    return id;
  }
  FB_ASSIGN_OR_RETURN(auto integ, FindIntegration(secret, field));
  id.principal = model::Principal::System("logs");
  id.principal.actor = model::Actor::System("integration:" + integ.key.substr(0, 4) + "…");
  id.default_service = integ.service;
  id.integration = integ.name;
  return id;
}

void App::IngestLogs(const model::Principal& who, std::vector<logs::LogEntry> entries, Callback<LogIngestReport> cb) {
  auto* service = logs_.get();
  auto& m = metrics_;
  auto fn = [who, entries = std::move(entries), service](engine::Tx& tx) -> Result<LogIngestReport> {
    FB_TRY(model::RequireScope(who, model::kScopeWrite));
    const auto& cfg = tx.config();
    auto known = [&cfg](std::string_view s) { return cfg.FindService(s) != nullptr; };
    FB_ASSIGN_OR_RETURN(auto batch, service->Ingest(tx.store(), tx.now(), entries, known));
    LogIngestReport report;
    report.accepted = batch.accepted;
    report.dropped = batch.dropped;
    report.new_templates = batch.new_templates;
    // Open incidents on the services this batch touched: note new or surging error patterns.
    std::map<std::string, std::vector<const logs::Touched*>> by_service;
    for (const auto& t : batch.touched) by_service[t.service].push_back(&t);
    auto repo = tx.store().logs();
    for (const auto& [svc, touched] : by_service) {
      store::IncidentFilter f;
      f.service = svc;
      f.open_only = true;
      f.limit = 20;
      FB_ASSIGN_OR_RETURN(auto incidents, tx.store().incidents().List(f));
      for (const auto& inc : incidents) {
        FB_ASSIGN_OR_RETURN(auto marks, repo.Marks(inc.id));
        auto [from, to] = WindowOf(cfg, inc, tx.now());
        auto q = QueryFor(cfg);
        int64_t from_min = core::ToUnixMillis(from) / 60000, to_min = core::ToUnixMillis(to) / 60000 + 1;
        int64_t base_min = std::max<int64_t>(1, q.baseline.count() / 60000);
        bool noted = false;
        for (const auto* t : touched) {
          if (marks.count(t->template_id)) continue;
          FB_ASSIGN_OR_RETURN(auto rec, repo.GetTemplate(t->template_id));
          if (!rec || !(rec->errors > 0 || logs::LooksLikeError(rec->text))) continue;
          logs::Pattern p;
          p.template_id = rec->id;
          p.service = svc;
          p.text = rec->text;
          p.error = true;
          p.first_seen_ms = rec->first_seen;
          p.last_seen_ms = rec->last_seen;
          p.is_new = rec->first_seen >= core::ToUnixMillis(from);
          FB_ASSIGN_OR_RETURN(auto ws, repo.Series(rec->id, from_min, to_min));
          std::vector<double> window(static_cast<size_t>(to_min - from_min), 0.0);
          for (const auto& [minute, n] : ws) {
            p.count += n;
            window[static_cast<size_t>(minute - from_min)] = static_cast<double>(n);
          }
          FB_ASSIGN_OR_RETURN(auto base, repo.Series(rec->id, from_min - base_min, from_min));
          std::vector<double> series(static_cast<size_t>(base_min), 0.0);
          for (const auto& [minute, n] : base) series[static_cast<size_t>(minute - (from_min - base_min))] = static_cast<double>(n);
          p.is_new = p.is_new && base.empty();
          p.stats = logs::ComputeRate(window, series, q.surge);
          p.surging = p.stats.surging;
          if (!p.is_new && !p.surging) continue;
          FB_TRY(NotePattern(tx, inc, p));
          noted = true;
        }
        if (noted) report.incidents_noted.push_back(inc.id);
      }
    }
    tx.OnCommit([service, batch = std::move(batch)] { service->Committed(batch); });
    return report;
  };
  engine_->Submit<LogIngestReport>(std::move(fn), [cb = std::move(cb), &m](Result<LogIngestReport> r) {
    if (r) {
      m.GetCounter("firebreak_log_lines_total", "Log lines ingested", {{"result", "accepted"}})
          .Inc(static_cast<double>(r->accepted));
      m.GetCounter("firebreak_log_lines_total", "Log lines ingested", {{"result", "dropped"}})
          .Inc(static_cast<double>(r->dropped));
      m.GetCounter("firebreak_log_templates_created_total", "Log templates created").Inc(static_cast<double>(r->new_templates));
    }
    cb(std::move(r));
  });
}

Result<std::vector<store::LogTemplateRecord>> App::LogTemplates(const model::Principal& who,
                                                                const LogTemplateFilter& f) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_TRY(CheckServiceFilter(*config(), *tx, f.service));
  return tx->logs().ListTemplates(f.service, core::ToUnixMillis(f.since), std::clamp(f.limit, 1, 1000), f.errors_only);
}

logs::PatternQuery App::DefaultPatternQuery() const { return QueryFor(*config()); }

Result<std::vector<logs::Pattern>> App::LogPatterns(const model::Principal& who, logs::PatternQuery q) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  if (q.services.empty()) return InvalidArgument("name at least one service", "service");
  if (q.to <= q.from) return InvalidArgument("the window must end after it starts", "to");
  if (q.to - q.from > std::chrono::hours(24 * 31)) return InvalidArgument("the window may span at most 31 days", "from");
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  for (const auto& s : q.services) FB_TRY(CheckServiceFilter(*config(), *tx, s));
  return logs::FindPatterns(*tx, q);
}

Result<std::vector<logs::Pattern>> App::IncidentLogPatterns(const model::Principal& who, std::string_view incident_id,
                                                            bool errors_only, size_t limit) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(incident_id));
  if (!inc) return NotFound("incident '" + core::Truncate(incident_id, 64) + "' not found", "id");
  auto cfg = config();
  auto q = QueryFor(*cfg);
  q.services = inc->services;
  std::tie(q.from, q.to) = WindowOf(*cfg, *inc, clock_->Now());
  q.errors_only = errors_only;
  q.limit = limit;
  if (q.services.empty()) return std::vector<logs::Pattern>();
  return logs::FindPatterns(*tx, q);
}

Result<LogWindow> App::IncidentLogWindow(const model::Principal& who, std::string_view incident_id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(incident_id));
  if (!inc) return NotFound("incident '" + core::Truncate(incident_id, 64) + "' not found", "id");
  LogWindow w;
  std::tie(w.from, w.to) = WindowOf(*config(), *inc, clock_->Now());
  w.services = inc->services;
  return w;
}

}  // namespace firebreak::app
