#include "app/analysis.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <spdlog/spdlog.h>

#include "analyze/detector.h"
#include "app/requests.h"
#include "app/read_filters.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "engine/incidents.h"

namespace firebreak::app {

namespace {

constexpr const char* kTimerAnalyze = "analyze.incident";
constexpr const char* kTimerCompact = "metrics.compact";
constexpr int64_t kCompactEveryMs = 10 * 60'000;
constexpr size_t kMaxServices = 100;

int64_t Ms(core::TimePoint t) { return core::ToUnixMillis(t); }
int64_t Ms(core::Millis d) { return d.count(); }

// The embedded store as a metrics source.
class StoreSource final : public analyze::MetricsSource {
 public:
  explicit StoreSource(store::Store& s) : store_(s) {}
  std::string Name() const override { return "store"; }
  analyze::FetchResult Fetch(const analyze::FetchRequest& req) override {
    analyze::FetchResult out;
    auto tx = store_.BeginRead();
    if (!tx) {
      out.missing.push_back("metrics store: " + tx.error().message);
      return out;
    }
    std::set<std::string> want(req.services.begin(), req.services.end());
    auto series = (*tx)->metrics().ListSeries();
    if (!series) {
      out.missing.push_back("metrics store: " + series.error().message);
      return out;
    }
    for (const auto& rec : *series) {
      std::string caller, callee;
      const bool edge = analyze::SplitEdge(rec.service, &caller, &callee);
      if (!want.empty() && !want.count(rec.service) && !(edge && (want.count(caller) || want.count(callee))))
        continue;
      if (rec.last < req.from || rec.first > req.to) continue;
      auto pts = (*tx)->metrics().Range(rec.id, req.from, req.to);
      if (!pts) {
        out.missing.push_back("metrics store: " + rec.service + "/" + rec.metric + ": " + pts.error().message);
        continue;
      }
      analyze::Series s;
      s.service = rec.service;
      s.metric = rec.metric;
      s.labels = rec.labels;
      s.samples.reserve(pts->size());
      for (const auto& p : *pts) s.samples.push_back({p.t, p.v});
      if (!s.samples.empty()) out.series.push_back(std::move(s));
    }
    return out;
  }

 private:
  store::Store& store_;
};

std::string TimelineText(const analyze::RcaResult& r, const std::string& trigger) {
  std::string text = "Root-cause analysis (" + trigger + "): ";
  size_t n = 0;
  for (const auto& h : r.hypotheses) {
    if (h.score <= 0 || n >= 3) break;
    char conf[16];
    std::snprintf(conf, sizeof conf, "%.2f", h.confidence);
    if (n) text += "; ";
    text += std::to_string(++n) + ". " + h.service + " (" + conf + ")";
    if (!h.metric.empty()) text += " " + h.metric;
    for (const auto& e : h.evidence)
      if (e.type == "change") {
        text += ", after change #" + std::to_string(e.change_id);
        break;
      }
  }
  if (n == 0) text += "no anomaly found in the window";
  if (!r.missing.empty()) text += " (missing: " + core::Truncate(r.missing.front(), 120) + ")";
  return core::Truncate(text, 600);
}

}  // namespace

Result<model::ChangeEvent> DecodeChangeEvent(const boost::json::value& body) {
  core::ObjectReader r(body, "");
  r.RejectUnknown({"service", "kind", "summary", "source", "time", "timestamp", "labels", "links", "dedup_key"});
  model::ChangeEvent c;
  c.service = r.String("service", true).value_or("");
  c.kind = r.String("kind").value_or("deploy");
  c.summary = r.String("summary", true).value_or("");
  c.source = r.String("source").value_or("");
  c.dedup_key = r.String("dedup_key").value_or("");
  if (auto l = r.StringMap("labels")) c.labels = *l;
  if (auto l = r.StringArray("links")) c.links = *l;
  const boost::json::value* t = r.Raw("time");
  std::string tfield = "time";
  if (!t) t = r.Raw("timestamp"), tfield = "timestamp";
  FB_TRY(r.status());
  if (t) {
    if (t->is_string()) {
      auto ms = analyze::ParseTimestamp(t->get_string());
      if (!ms) return InvalidArgument(tfield + ": " + ms.error().message, tfield);
      c.time = core::FromUnixMillis(*ms);
    } else {
      // A JSON number is refused as on /api/v1/events: 123 would be a change in 1970.
      return InvalidArgument(tfield + ": expected an RFC 3339 time string", tfield);
    }
  }
  if (c.dedup_key.size() > 256) return InvalidArgument("dedup_key is longer than 256 bytes", "dedup_key");
  if (c.links.size() > 16) return InvalidArgument("at most 16 links", "links");
  return c;
}

Result<int64_t> ParseWhen(std::string_view s, int64_t now_ms, const std::string& field) {
  s = core::Trim(s);
  if (s == "now") return now_ms;
  if (!s.empty() && std::isdigit(static_cast<unsigned char>(s.back())) == 0 && s.size() <= 12) {
    FB_ASSIGN_OR_RETURN(auto ago, ParseAgo(s, field));
    if (ago) return now_ms - ago->count();
  }
  auto t = analyze::ParseTimestamp(s);
  if (!t) return InvalidArgument(field + ": expected RFC 3339, Unix seconds or a duration like 15m", field);
  // Unix time 0 (or before) is no window bound anyone means ("from=0", "to=0"): it would read or
  // show as no time at all, and a window ending there starts in 1969.
  if (*t <= 0) return InvalidArgument(field + ": must be after 1970-01-01T00:00:00Z", field);
  return *t;
}

boost::json::object ToJson(const StoredAnalysis& a) {
  boost::json::object o = a.doc;
  o["id"] = a.id;
  o["incident_id"] = a.incident_id;
  o["created_at"] = core::FormatRfc3339(core::FromUnixMillis(a.created_at));
  o["trigger"] = a.trigger;
  return o;
}

Analysis::Analysis(engine::Engine& engine, store::Store& store, const core::Clock& clock, core::Registry& metrics)
    : engine_(engine), store_(store), clock_(clock), metrics_(metrics) {}

Analysis::~Analysis() { Stop(); }

void Analysis::SetLogPatternSource(std::shared_ptr<LogPatternSource> s) {
  std::lock_guard lk(logs_mu_);
  logs_ = std::move(s);
}

Status Analysis::Install() {
  engine_.RegisterTimerHandler(kTimerAnalyze, [this](engine::Tx& tx, const store::TimerRecord& t, core::Millis) -> Status {
    FB_ASSIGN_OR_RETURN(auto inc, tx.store().incidents().Get(t.key));
    if (!inc || !model::IsOpen(inc->state)) return Ok();
    const auto& cfg = tx.config().analyze;
    int64_t run = 1;
    if (auto p = core::ParseJson(t.payload); p && p->is_object())
      if (auto it = p->get_object().find("run"); it != p->get_object().end() && it->value().is_int64())
        run = it->value().get_int64();
    std::string id = t.key;
    tx.OnCommit([this, id] {
      AnalyzeIncident(model::Principal::System("analyze"), id, "auto", [id](Result<StoredAnalysis> r) {
        if (!r) spdlog::warn("analyze: automatic analysis of {} failed: {}", id, r.error().ToString());
      });
    });
    if (cfg.rerun_every.count() > 0 && run < cfg.max_runs)
      FB_TRY(tx.ArmTimer(kTimerAnalyze, id, tx.now() + cfg.rerun_every, boost::json::object{{"run", run + 1}}));
    return Ok();
  });
  engine_.RegisterTimerHandler(kTimerCompact, [](engine::Tx& tx, const store::TimerRecord&, core::Millis) -> Status {
    const auto& cfg = tx.config().analyze;
    const int64_t now = Ms(tx.now());
    FB_ASSIGN_OR_RETURN(auto cs, tx.store().metrics().Compact(now - Ms(cfg.raw_retention), Ms(cfg.rollup),
                                                              now - Ms(cfg.retention)));
    if (cs.rolled_up || cs.deleted_rollups || cs.deleted_series)
      spdlog::info("metrics: compacted {} samples into rollups, dropped {} old rollups and {} empty series",
                   cs.rolled_up, cs.deleted_rollups, cs.deleted_series);
    FB_TRY(tx.ArmTimer(kTimerCompact, "store", tx.now() + core::Millis(kCompactEveryMs)));
    return Ok();
  });
  engine_.AddObserver(this);
  auto armed = engine_.Call<bool>([](engine::Tx& tx) -> Result<bool> {
    FB_ASSIGN_OR_RETURN(auto t, tx.store().timers().Find(kTimerCompact, "store"));
    if (!t) FB_TRY(tx.ArmTimer(kTimerCompact, "store", tx.now() + core::Millis(kCompactEveryMs)));
    return true;
  });
  if (!armed) return Unexpected(armed.error());
  {
    std::lock_guard lk(mu_);
    stop_ = false;
  }
  worker_ = std::thread([this] { WorkerLoop(); });
  return Ok();
}

void Analysis::Stop() {
  {
    std::lock_guard lk(mu_);
    if (stop_ && !worker_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Analysis::Post(std::function<void()> job) {
  {
    std::lock_guard lk(mu_);
    if (!stop_ || !worker_.joinable()) {
      jobs_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  job();  // stopping: run inline so callbacks still fire
}

void Analysis::WorkerLoop() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

Status Analysis::OnIncidentEvent(engine::Tx& tx, const engine::IncidentEvent& ev) {
  if (ev.kind != engine::IncidentEvent::Kind::kOpened && ev.kind != engine::IncidentEvent::Kind::kServicesAdded)
    return Ok();
  const auto& cfg = tx.config().analyze;
  if (!cfg.auto_analyze || !ev.after) return Ok();
  FB_TRY(tx.ArmTimer(kTimerAnalyze, ev.after->id, tx.now() + cfg.delay, boost::json::object{{"run", 1}}));
  return Ok();
}

std::vector<std::unique_ptr<analyze::MetricsSource>> Analysis::Sources() const {
  std::vector<std::unique_ptr<analyze::MetricsSource>> out;
  auto cfg = engine_.config();
  const auto& p = cfg->analyze.prometheus;
  if (!p.url.empty()) {
    analyze::PrometheusOptions o;
    o.url = p.url;
    o.timeout_ms = Ms(p.timeout);
    o.budget_ms = Ms(p.budget);
    o.step_ms = Ms(p.step);
    o.queries = p.queries;
    o.service_queries = p.services;
    if (!p.bearer_token_env.empty())
      if (const char* tok = std::getenv(p.bearer_token_env.c_str())) o.bearer_token = tok;
    out.push_back(std::make_unique<analyze::PrometheusSource>(std::move(o), clock_));
  }
  out.push_back(std::make_unique<StoreSource>(store_));
  return out;
}

analyze::FetchResult Analysis::FetchAll(const std::vector<std::string>& services, int64_t from, int64_t to) {
  analyze::FetchResult all;
  analyze::FetchRequest req;
  req.services = services;
  req.from = from;
  req.to = to;
  for (auto& src : Sources()) {
    auto r = src->Fetch(req);
    for (auto& s : r.series) all.series.push_back(std::move(s));
    for (auto& m : r.missing) all.missing.push_back(std::move(m));
  }
  return all;
}

analyze::Graph Analysis::CatalogGraph() const {
  analyze::Graph g;
  auto cfg = engine_.config();
  for (const auto& s : cfg->services) {
    g.AddNode(s.id);
    for (const auto& d : s.dependencies) g.AddEdge(s.id, d.service);
  }
  return g;
}

std::vector<std::string> Analysis::ServicesToExamine(const std::vector<std::string>& affected,
                                                     const std::vector<model::ChangeEvent>& changes) const {
  auto cfg = engine_.config();
  std::set<std::string> out;
  if (affected.empty()) {
    for (const auto& s : cfg->services) out.insert(s.id);
  } else {
    // The affected services, everything they (transitively) depend on, and changed services.
    std::vector<std::string> stack(affected.begin(), affected.end());
    while (!stack.empty() && out.size() < kMaxServices) {
      auto cur = stack.back();
      stack.pop_back();
      if (!out.insert(cur).second) continue;
      if (const auto* svc = cfg->FindService(cur))
        for (const auto& d : svc->dependencies) stack.push_back(d.service);
    }
    for (const auto& c : changes)
      if (!c.service.empty() && cfg->FindService(c.service)) out.insert(c.service);
  }
  std::vector<std::string> v(out.begin(), out.end());
  if (v.size() > kMaxServices) v.resize(kMaxServices);
  return v;
}

namespace {
// A read's ?service=: configured, or one with stored history (a service removed from the config
// keeps its series, changes and patterns readable). An edge "caller->callee" is known when both
// ends are configured or its own series are stored.
Status CheckReadService(const config::Config& cfg, store::Store& store, const std::string& service) {
  if (service.empty()) return Ok();
  std::string caller, callee;
  if (analyze::SplitEdge(service, &caller, &callee) && cfg.FindService(caller) && cfg.FindService(callee)) return Ok();
  if (cfg.FindService(service)) return Ok();
  FB_ASSIGN_OR_RETURN(auto tx, store.BeginRead());
  return CheckServiceFilter(cfg, *tx, service);
}
}  // namespace

Status Analysis::CheckService(const std::string& service, const std::string& field) const {
  if (service.empty()) return Ok();
  std::string caller, callee;
  if (analyze::SplitEdge(service, &caller, &callee)) {
    FB_TRY(CheckService(caller, field));
    return CheckService(callee, field);
  }
  if (!engine_.config()->FindService(service))
    return NotFound("unknown service '" + core::Truncate(service, 64) + "' (not in the config)", field);
  return Ok();
}

analyze::RcaResult Analysis::RunRca(const std::vector<std::string>& affected, int64_t from, int64_t to,
                                    std::vector<analyze::Series>* fetched) {
  auto cfg = engine_.config();
  const auto& ac = cfg->analyze;
  analyze::RcaOptions opt;
  opt.lookback_ms = Ms(ac.lookback);
  analyze::RcaInput in;
  in.from = from;
  in.to = to;
  in.affected = affected;
  in.graph = CatalogGraph();
  std::vector<std::string> missing;
  {
    auto tx = store_.BeginRead();
    if (tx) {
      auto ch = (*tx)->changes().List(core::FromUnixMillis(from - opt.change_window_ms), core::FromUnixMillis(to + 1));
      if (ch) in.changes = std::move(*ch);
      else missing.push_back("change events: " + ch.error().message);
    } else {
      missing.push_back("change events: " + tx.error().message);
    }
  }
  auto services = ServicesToExamine(affected, in.changes);
  auto fetched_all = FetchAll(services, from - opt.lookback_ms, to);
  for (auto& m : fetched_all.missing) missing.push_back(std::move(m));
  std::shared_ptr<LogPatternSource> logs;
  {
    std::lock_guard lk(logs_mu_);
    logs = logs_;
  }
  if (logs) {
    for (const auto& s : services) {
      auto lp = logs->TopErrorPatterns(s, from, to, 5);
      if (lp) for (auto& p : *lp) in.log_patterns.push_back(std::move(p));
      else missing.push_back("log patterns of " + s + ": " + lp.error().message);
    }
  } else {
    missing.push_back("error log patterns: no log source on this server");
  }
  in.series = std::move(fetched_all.series);
  auto res = analyze::RankRootCauses(in, opt);
  res.missing.insert(res.missing.begin(), missing.begin(), missing.end());
  if (fetched) *fetched = std::move(in.series);
  return res;
}

void Analysis::AnalyzeIncident(const model::Principal& who, std::string incident_id, std::string trigger,
                               AnalysisCallback<StoredAnalysis> cb) {
  if (auto st = model::RequireScope(who, model::kScopeWrite); !st) return cb(Unexpected(st.error()));
  Post([this, who, incident_id = std::move(incident_id), trigger = std::move(trigger), cb = std::move(cb)]() mutable {
    model::Incident inc;
    {
      auto tx = store_.BeginRead();
      if (!tx) return cb(Unexpected(tx.error()));
      auto got = (*tx)->incidents().Get(incident_id);
      if (!got) return cb(Unexpected(got.error()));
      if (!*got) return cb(NotFound("incident '" + core::Truncate(incident_id, 64) + "' not found", "id"));
      inc = std::move(**got);
    }
    auto cfg = engine_.config();
    const int64_t now = Ms(clock_.Now());
    const int64_t from = Ms(inc.created_at) - Ms(cfg->analyze.window_before);
    const int64_t to = inc.resolved_at ? Ms(*inc.resolved_at) : now;
    std::vector<analyze::Series> fetched;
    auto res = RunRca(inc.services, from, std::max(from, to), &fetched);
    analyze::TrendOptions topt;
    topt.now = now;
    topt.window_ms = Ms(cfg->analyze.trend_window);
    topt.horizon_ms = Ms(cfg->analyze.trend_horizon);
    topt.limits = cfg->analyze.trend_limits;
    auto trends = analyze::ForecastExhaustion(fetched, topt);
    boost::json::object doc;
    doc["result"] = analyze::ToJson(res);
    boost::json::array tr;
    for (const auto& t : trends) tr.push_back(analyze::ToJson(t));
    doc["trends"] = std::move(tr);
    std::string text = TimelineText(res, trigger);
    boost::json::array top;
    for (const auto& h : res.hypotheses) {
      if (h.score <= 0 || top.size() >= 3) break;
      top.push_back({{"service", h.service}, {"confidence", h.confidence}, {"metric", h.metric}});
    }
    metrics_.GetCounter("firebreak_analyses_total", "Root-cause analyses recorded", {{"trigger", trigger}}).Inc();
    engine_.Submit<StoredAnalysis>(
        [who, incident_id, trigger, doc = std::move(doc), text = std::move(text), top = std::move(top)](
            engine::Tx& tx) -> Result<StoredAnalysis> {
          FB_ASSIGN_OR_RETURN(auto inc, engine::LoadIncident(tx, incident_id));
          StoredAnalysis a;
          a.incident_id = inc.id;
          a.created_at = Ms(tx.now());
          a.trigger = trigger;
          a.doc = doc;
          store::AnalysisRecord rec{0, inc.id, a.created_at, trigger, core::ToJson(doc)};
          FB_ASSIGN_OR_RETURN(a.id, tx.store().analyses().Insert(rec));
          FB_TRY(tx.Timeline(inc.id, who.actor, "analysis", text, {{"analysis_id", a.id}, {"hypotheses", top}}));
          FB_TRY(tx.Audit(who.actor, "incident.analyze", "incident:" + inc.id,
                          {{"analysis_id", a.id}, {"trigger", trigger}, {"hypotheses", top}}));
          tx.Publish({"analysis", inc.id, boost::json::object{{"analysis_id", a.id}}});
          return a;
        },
        std::move(cb));
  });
}

void Analysis::PushMetrics(const model::Principal& who, analyze::MetricBatch batch, AnalysisCallback<PushResult> cb) {
  if (auto st = model::RequireScope(who, model::kScopeWrite); !st) return cb(Unexpected(st.error()));
  for (size_t i = 0; i < batch.series.size(); ++i) {
    if (auto st = CheckService(batch.series[i].service, "series[" + std::to_string(i) + "].service"); !st) {
      auto e = st.error();
      e.code = ErrorCode::kInvalidArgument;
      return cb(Unexpected(e));
    }
  }
  const size_t n = batch.SampleCount();
  metrics_.GetCounter("firebreak_metric_samples_received_total", "Metric samples pushed to the embedded store").Inc(
      static_cast<double>(n));
  engine_.Submit<PushResult>(
      [batch = std::move(batch)](engine::Tx& tx) -> Result<PushResult> {
        PushResult r;
        auto repo = tx.store().metrics();
        for (const auto& s : batch.series) {
          FB_ASSIGN_OR_RETURN(int64_t id, repo.EnsureSeries(s.service, s.metric, s.labels));
          std::vector<store::MetricPoint> pts;
          pts.reserve(s.samples.size());
          for (const auto& x : s.samples) pts.push_back({x.t, x.v});
          FB_TRY(repo.Append(id, pts));
          ++r.series;
          r.samples += pts.size();
        }
        return r;
      },
      std::move(cb));
}

void Analysis::RecordChange(const model::Principal& who, model::ChangeEvent c, AnalysisCallback<model::ChangeEvent> cb) {
  if (auto st = model::RequireScope(who, model::kScopeWrite); !st) return cb(Unexpected(st.error()));
  static const std::set<std::string> kKinds = {"deploy", "config", "feature_flag", "rollback", "other"};
  if (c.kind.empty()) c.kind = "deploy";
  if (!kKinds.count(c.kind))
    return cb(InvalidArgument("kind must be deploy, config, feature_flag, rollback or other", "kind"));
  if (core::Trim(c.summary).empty()) return cb(InvalidArgument("summary is required", "summary"));
  if (c.summary.size() > 1024) return cb(InvalidArgument("summary is longer than 1024 bytes", "summary"));
  if (c.source.size() > 1024) return cb(InvalidArgument("source is longer than 1024 bytes", "source"));
  if (c.service.empty()) return cb(InvalidArgument("service is required", "service"));
  if (auto st = CheckService(c.service, "service"); !st) {
    auto e = st.error();
    e.code = ErrorCode::kInvalidArgument;
    return cb(Unexpected(e));
  }
  if (c.labels.size() > 32) return cb(InvalidArgument("at most 32 labels", "labels"));
  engine_.Submit<model::ChangeEvent>(
      [who, c = std::move(c)](engine::Tx& tx) mutable -> Result<model::ChangeEvent> {
        c.received_at = tx.now();
        if (c.time == core::TimePoint{}) c.time = tx.now();
        if (c.source.empty()) c.source = who.actor.ToString();
        FB_ASSIGN_OR_RETURN(c.id, tx.store().changes().Insert(c));
        FB_TRY(tx.Audit(who.actor, "change.record", "change:" + std::to_string(c.id),
                        {{"service", c.service}, {"kind", c.kind}, {"summary", c.summary}}));
        tx.Publish({"change", std::to_string(c.id), model::ToJson(c)});
        return c;
      },
      std::move(cb));
}

Result<StoredAnalysis> Analysis::LatestAnalysis(const model::Principal& who, std::string_view incident_id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(incident_id));
  if (!inc) return NotFound("incident '" + core::Truncate(incident_id, 64) + "' not found", "id");
  FB_ASSIGN_OR_RETURN(auto rec, tx->analyses().Latest(incident_id));
  if (!rec)
    return NotFound("no analysis of " + std::string(incident_id) +
                        " yet (POST /api/v1/incidents/" + std::string(incident_id) + "/analyze runs one)",
                    "id");
  StoredAnalysis a;
  a.id = rec->id;
  a.incident_id = rec->incident_id;
  a.created_at = rec->created_at;
  a.trigger = rec->trigger;
  FB_ASSIGN_OR_RETURN(auto doc, core::ParseJson(rec->doc));
  if (doc.is_object()) a.doc = doc.get_object();
  return a;
}

Result<AnomalyReport> Analysis::MetricAnomalies(const model::Principal& who, const std::string& service,
                                                std::optional<int64_t> from, std::optional<int64_t> to) {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_TRY(CheckReadService(*engine_.config(), store_, service));
  const int64_t now = Ms(clock_.Now());
  AnomalyReport rep;
  rep.to = to.value_or(now);
  rep.from = from.value_or(rep.to - 15 * 60'000);
  if (rep.to < rep.from) return InvalidArgument("'to' is before 'from'", "to");
  auto cfg = engine_.config();
  std::vector<std::string> services;
  if (!service.empty()) services.push_back(service);
  else for (const auto& s : cfg->services) services.push_back(s.id);
  analyze::RcaOptions opt;
  opt.lookback_ms = Ms(cfg->analyze.lookback);
  auto fetched = FetchAll(services, rep.from - opt.lookback_ms, rep.to);
  // The streaming detector over baseline and window: change points that open in the window.
  for (const auto& s : fetched.series) {
    analyze::AnomalyDetector d;
    for (const auto& x : s.samples) {
      auto o = d.Update(x.t, x.v);
      if (o.change_point && x.t >= rep.from && x.t <= rep.to)
        rep.change_points.push_back({s.service, s.metric, s.Key(), o.onset, x.t, o.score, o.source});
    }
  }
  std::sort(rep.change_points.begin(), rep.change_points.end(),
            [](const ChangePoint& a, const ChangePoint& b) { return a.onset < b.onset; });
  analyze::RcaInput in;
  in.series = std::move(fetched.series);
  in.from = rep.from;
  in.to = rep.to;
  in.graph = CatalogGraph();
  auto res = analyze::RankRootCauses(in, opt);
  rep.anomalies = std::move(res.anomalies);
  // A change point counts only on a series the baseline comparison confirms: on a short history
  // the streaming detector alone still opens change points on plain noise.
  std::set<std::string> confirmed;
  for (const auto& a : rep.anomalies) confirmed.insert(a.series);
  std::erase_if(rep.change_points, [&](const ChangePoint& c) { return !confirmed.count(c.series); });
  rep.missing = std::move(fetched.missing);
  for (auto& m : res.missing)
    if (m.find("dependency graph") == std::string::npos) rep.missing.push_back(std::move(m));
  return rep;
}

Result<ChangeReport> Analysis::RecentChanges(const model::Principal& who, const std::string& service,
                                             std::optional<int64_t> from, std::optional<int64_t> to,
                                             const std::string& incident_id) {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_TRY(CheckReadService(*engine_.config(), store_, service));
  const int64_t now = Ms(clock_.Now());
  ChangeReport rep;
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  if (incident_id.empty()) {
    const int64_t t1 = to.value_or(now), t0 = from.value_or(t1 - 24 * 3'600'000);
    FB_ASSIGN_OR_RETURN(rep.changes, tx->changes().List(core::FromUnixMillis(t0), core::FromUnixMillis(t1 + 1), service));
    std::reverse(rep.changes.begin(), rep.changes.end());
    return rep;
  }
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(incident_id));
  if (!inc) return NotFound("incident '" + core::Truncate(incident_id, 64) + "' not found", "incident");
  rep.ranked_against_incident = true;
  // Prefer the latest analysis: its ranking used the anomalies it found.
  FB_ASSIGN_OR_RETURN(auto rec, tx->analyses().Latest(incident_id));
  analyze::RcaOptions opt;
  const int64_t onset = Ms(inc->created_at);
  FB_ASSIGN_OR_RETURN(auto changes, tx->changes().List(core::FromUnixMillis(onset - opt.change_window_ms),
                                                       core::FromUnixMillis(to.value_or(now) + 1), service));
  std::vector<analyze::SeriesAnomaly> anomalies;
  int64_t first_onset = 0;
  if (rec) {
    if (auto doc = core::ParseJson(rec->doc); doc && doc->is_object()) {
      const auto& o = doc->get_object();
      if (auto r = o.find("result"); r != o.end() && r->value().is_object())
        if (auto an = r->value().get_object().find("anomalies"); an != r->value().get_object().end() && an->value().is_array())
          for (const auto& av : an->value().get_array()) {
            if (!av.is_object()) continue;
            const auto& ao = av.get_object();
            analyze::SeriesAnomaly a;
            if (auto s = ao.find("service"); s != ao.end() && s->value().is_string()) a.service = std::string(s->value().get_string());
            if (auto on = ao.find("onset"); on != ao.end() && on->value().is_string())
              if (auto t = core::ParseRfc3339(on->value().get_string())) a.onset = Ms(*t);
            if (a.onset && (first_onset == 0 || a.onset < first_onset)) first_onset = a.onset;
            anomalies.push_back(std::move(a));
          }
    }
  }
  rep.ranked = analyze::RankChanges(changes, first_onset ? first_onset : onset, inc->services, CatalogGraph(), anomalies,
                                    opt.change_window_ms);
  return rep;
}

Result<ErrorPatternReport> Analysis::ErrorPatterns(const model::Principal& who, const std::string& service,
                                                   std::optional<int64_t> from, std::optional<int64_t> to) {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  if (service.empty()) return InvalidArgument("service is required", "service");
  FB_TRY(CheckReadService(*engine_.config(), store_, service));
  std::shared_ptr<LogPatternSource> logs;
  {
    std::lock_guard lk(logs_mu_);
    logs = logs_;
  }
  if (!logs) return FailedPrecondition("error log patterns are not available: no log source on this server");
  const int64_t now = Ms(clock_.Now());
  ErrorPatternReport rep;
  FB_ASSIGN_OR_RETURN(rep.patterns, logs->TopErrorPatterns(service, from.value_or(now - 3'600'000), to.value_or(now), 20));
  return rep;
}

Result<TrendReport> Analysis::ResourceTrends(const model::Principal& who, const std::string& service,
                                             std::optional<int64_t> horizon_ms) {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_TRY(CheckReadService(*engine_.config(), store_, service));
  auto cfg = engine_.config();
  TrendReport rep;
  rep.horizon_ms = horizon_ms.value_or(Ms(cfg->analyze.trend_horizon));
  if (rep.horizon_ms <= 0) return InvalidArgument("horizon must be positive", "horizon");
  std::vector<std::string> services;
  if (!service.empty()) services.push_back(service);
  else for (const auto& s : cfg->services) services.push_back(s.id);
  const int64_t now = Ms(clock_.Now());
  auto fetched = FetchAll(services, now - Ms(cfg->analyze.trend_window), now);
  analyze::TrendOptions topt;
  topt.now = now;
  topt.window_ms = Ms(cfg->analyze.trend_window);
  topt.horizon_ms = rep.horizon_ms;
  topt.limits = cfg->analyze.trend_limits;
  rep.trends = analyze::ForecastExhaustion(fetched.series, topt);
  rep.missing = std::move(fetched.missing);
  return rep;
}

Result<std::vector<store::MetricSeriesRecord>> Analysis::ListSeries(const model::Principal& who,
                                                                    const std::string& service) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_TRY(CheckReadService(*engine_.config(), store_, service));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  return tx->metrics().ListSeries(service);
}

Result<std::vector<store::MetricPoint>> Analysis::QuerySeries(const model::Principal& who, int64_t series_id,
                                                              int64_t from, int64_t to) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  if (to < from) return InvalidArgument("'to' is before 'from'", "to");
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto points, tx->metrics().Range(series_id, from, to));
  if (points.empty()) {
    // Nothing in the window: a stored series answers with no samples, an unknown one is a 404.
    FB_ASSIGN_OR_RETURN(auto all, tx->metrics().ListSeries());
    if (std::none_of(all.begin(), all.end(), [&](const auto& s) { return s.id == series_id; }))
      return NotFound("no metric series " + std::to_string(series_id), "id");
  }
  return points;
}

}  // namespace firebreak::app
