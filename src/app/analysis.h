// Analysis: the automated-investigation surface of the app (metrics in, anomalies, change
// correlation, root-cause hypotheses, resource trends).
//
// It owns a worker thread for analyses (they query Prometheus and may take seconds, so they never
// run on the engine thread or an HTTP I/O thread) and records results through engine commands:
// an analysis is stored with a timeline entry and an audit entry in one transaction. New incidents
// (and incidents whose affected services grow) are analysed automatically after a configurable
// delay, and again while they stay open (durable timers). The embedded metrics store is compacted
// on a timer: raw samples past `raw_retention` are folded into rollups, rollups past `retention`
// deleted.
//
// Queries here back the HTTP API and the MCP tools get_root_cause_hypotheses,
// get_metric_anomalies, get_recent_changes and get_error_patterns.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "analyze/decode.h"
#include "analyze/rca.h"
#include "analyze/source.h"
#include "analyze/trends.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "engine/engine.h"
#include "model/actor.h"
#include "model/change_event.h"
#include "store/store.h"

namespace firebreak::app {

template <class T>
using AnalysisCallback = std::function<void(Result<T>)>;

// Error log patterns of a service in a window (log template mining). Not set = not available.
class LogPatternSource {
 public:
  virtual ~LogPatternSource() = default;
  virtual Result<std::vector<analyze::LogPattern>> TopErrorPatterns(const std::string& service, int64_t from,
                                                                    int64_t to, size_t limit) = 0;
};

// A stored analysis.
struct StoredAnalysis {
  int64_t id = 0;
  std::string incident_id;
  int64_t created_at = 0;  // Unix ms
  std::string trigger;     // auto | manual
  boost::json::object doc; // {"result": RcaResult, "trends": [...], "window": {...}}
};
boost::json::object ToJson(const StoredAnalysis& a);

struct PushResult {
  size_t series = 0;
  size_t samples = 0;
};

// A change point the streaming detector found in a series.
struct ChangePoint {
  std::string service, metric, series;
  int64_t onset = 0;  // first sample of the excursion (Unix ms)
  int64_t time = 0;   // when the detector opened it
  double score = 0;
  std::string source;  // which sub-detector (new_extreme, daily, ...)
};

// Metric anomalies of services in a window (get_metric_anomalies): robust deviations from the
// baseline, and the streaming detector's change points.
struct AnomalyReport {
  int64_t from = 0, to = 0;
  std::vector<analyze::SeriesAnomaly> anomalies;
  std::vector<ChangePoint> change_points;
  std::vector<std::string> missing;
};

struct ChangeReport {
  std::vector<analyze::RankedChange> ranked;  // when ranked against an incident
  std::vector<model::ChangeEvent> changes;    // otherwise, newest first
  bool ranked_against_incident = false;
};

struct TrendReport {
  std::vector<analyze::TrendForecast> trends;
  std::vector<std::string> missing;
  int64_t horizon_ms = 0;
};

struct ErrorPatternReport {
  std::vector<analyze::LogPattern> patterns;
  std::vector<std::string> missing;
};

// Request decoding shared by HTTP and MCP.
// A change event body: {"service", "kind", "summary", "source", "time", "labels", "links",
// "dedup_key"}; unknown fields are errors naming the field.
Result<model::ChangeEvent> DecodeChangeEvent(const boost::json::value& body);
// A point in time: RFC 3339, Unix seconds/milliseconds, or a duration meaning that long ago
// ("15m", "2h").
Result<int64_t> ParseWhen(std::string_view s, int64_t now_ms, const std::string& field);

// JSON encoders shared by the HTTP API and the MCP tools (analysis_tools.cc).
boost::json::object ToJson(const AnomalyReport& r);
boost::json::object ToJson(const TrendReport& r);
boost::json::object ToJson(const ChangeReport& r);
boost::json::object ToJson(const ErrorPatternReport& r);

class Analysis final : public engine::IncidentObserver {
 public:
  Analysis(engine::Engine& engine, store::Store& store, const core::Clock& clock, core::Registry& metrics);
  ~Analysis() override;

  // Registers the timer handlers and arms the store compaction timer (call before the engine
  // starts), then starts the worker.
  Status Install();
  void Stop();

  void SetLogPatternSource(std::shared_ptr<LogPatternSource> s);

  // ---- commands ----
  // Runs a root-cause analysis of the incident now and records it (needs write).
  void AnalyzeIncident(const model::Principal& who, std::string incident_id, std::string trigger,
                       AnalysisCallback<StoredAnalysis> cb);
  // Stores pushed samples (needs write). Services must be in the catalog.
  void PushMetrics(const model::Principal& who, analyze::MetricBatch batch, AnalysisCallback<PushResult> cb);
  // Records a change event (needs write).
  void RecordChange(const model::Principal& who, model::ChangeEvent change,
                    AnalysisCallback<model::ChangeEvent> cb);

  // ---- queries (need read) ----
  Result<StoredAnalysis> LatestAnalysis(const model::Principal& who, std::string_view incident_id) const;
  Result<AnomalyReport> MetricAnomalies(const model::Principal& who, const std::string& service,
                                        std::optional<int64_t> from, std::optional<int64_t> to);
  Result<ChangeReport> RecentChanges(const model::Principal& who, const std::string& service,
                                     std::optional<int64_t> from, std::optional<int64_t> to,
                                     const std::string& incident_id);
  Result<ErrorPatternReport> ErrorPatterns(const model::Principal& who, const std::string& service,
                                           std::optional<int64_t> from, std::optional<int64_t> to);
  Result<TrendReport> ResourceTrends(const model::Principal& who, const std::string& service,
                                     std::optional<int64_t> horizon_ms);
  Result<std::vector<store::MetricSeriesRecord>> ListSeries(const model::Principal& who, const std::string& service) const;
  Result<std::vector<store::MetricPoint>> QuerySeries(const model::Principal& who, int64_t series_id, int64_t from,
                                                      int64_t to) const;

  // ---- read-only tool calls (JSON arguments in, JSON out; MCP tools wrap these) ----
  // Unknown arguments are errors naming the field; times are RFC 3339, Unix seconds or a duration
  // ago ("15m"). get_metric_anomalies and get_resource_trends may wait on Prometheus: call them
  // through Async from an I/O thread.
  // {"incident"} -> the latest stored analysis (hypotheses with evidence, ranked changes, missing).
  Result<boost::json::object> GetRootCauseHypotheses(const model::Principal& who, const boost::json::value& req) const;
  // {"service"?, "from"?, "to"?} -> anomalies, change points, missing.
  Result<boost::json::object> GetMetricAnomalies(const model::Principal& who, const boost::json::value& req);
  // {"service"?, "from"?, "to"?, "incident"?} -> changes (ranked against the incident if given).
  Result<boost::json::object> GetRecentChanges(const model::Principal& who, const boost::json::value& req);
  // {"service", "from"?, "to"?} -> error log patterns (needs a LogPatternSource).
  Result<boost::json::object> GetErrorPatterns(const model::Principal& who, const boost::json::value& req);
  // {"service"?, "horizon"?} -> time-to-exhaustion forecasts under the horizon.
  Result<boost::json::object> GetResourceTrends(const model::Principal& who, const boost::json::value& req);

  // Runs `fn` on the analysis worker and hands its result to `cb` there (for queries that may
  // wait on Prometheus: front ends must not block their I/O threads).
  template <class T>
  void Async(std::function<Result<T>()> fn, AnalysisCallback<T> cb) {
    Post([fn = std::move(fn), cb = std::move(cb)] { cb(fn()); });
  }

  // IncidentObserver: arms the automatic analysis.
  Status OnIncidentEvent(engine::Tx& tx, const engine::IncidentEvent& ev) override;

  // Gathers inputs and ranks root causes for a window (no recording); used by AnalyzeIncident
  // and tests.
  analyze::RcaResult RunRca(const std::vector<std::string>& affected, int64_t from, int64_t to,
                            std::vector<analyze::Series>* fetched = nullptr);

 private:
  void Post(std::function<void()> job);
  void WorkerLoop();
  // Metric sources for the current config (Prometheus if configured, and the embedded store).
  std::vector<std::unique_ptr<analyze::MetricsSource>> Sources() const;
  analyze::FetchResult FetchAll(const std::vector<std::string>& services, int64_t from, int64_t to);
  std::vector<std::string> ServicesToExamine(const std::vector<std::string>& affected,
                                             const std::vector<model::ChangeEvent>& changes) const;
  analyze::Graph CatalogGraph() const;
  Status CheckService(const std::string& service, const std::string& field) const;

  engine::Engine& engine_;
  store::Store& store_;
  const core::Clock& clock_;
  core::Registry& metrics_;
  std::shared_ptr<LogPatternSource> logs_;
  std::mutex logs_mu_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread worker_;
};

// The read-only tools for an MCP server: name, description, JSON Schema of the arguments, and
// whether the call may wait on Prometheus (run it off the I/O thread).
struct AnalysisTool {
  std::string name;
  std::string description;
  boost::json::object input_schema;
  bool may_block = false;
};
const std::vector<AnalysisTool>& AnalysisTools();
// Calls a tool of AnalysisTools() by name (not_found for an unknown name).
Result<boost::json::object> CallAnalysisTool(Analysis& a, const model::Principal& who, std::string_view name,
                                             const boost::json::value& args);

}  // namespace firebreak::app
