// Repositories of the analysis module: metric series and samples of the embedded store (raw
// samples plus downsampled rollups for older data) and stored root-cause analyses.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite.h"

namespace firebreak::store {

struct MetricPoint {
  int64_t t = 0;  // Unix ms
  double v = 0;
};

struct MetricSeriesRecord {
  int64_t id = 0;
  std::string service;
  std::string metric;
  std::map<std::string, std::string> labels;
  int64_t first = 0, last = 0;  // time span of stored data (Unix ms; 0 when empty)
  int64_t samples = 0;          // raw samples plus rollup buckets
};

struct CompactionStats {
  int64_t rolled_up = 0;       // raw samples folded into rollups
  int64_t deleted_rollups = 0; // rollup buckets past retention
  int64_t deleted_series = 0;  // series left without data
};

class MetricRepo {
 public:
  explicit MetricRepo(Conn& c) : c_(c) {}
  // The id of (service, metric, labels), created when missing.
  Result<int64_t> EnsureSeries(const std::string& service, const std::string& metric,
                               const std::map<std::string, std::string>& labels);
  // Stores samples (a repeated timestamp replaces the stored value).
  Status Append(int64_t series_id, const std::vector<MetricPoint>& points);
  // Series of `service` ("" = every service), with their spans.
  Result<std::vector<MetricSeriesRecord>> ListSeries(std::string_view service = {});
  // Samples of a series with from <= t <= to, oldest first: raw samples where kept, else the
  // rollup buckets' means (at the bucket start).
  Result<std::vector<MetricPoint>> Range(int64_t series_id, int64_t from, int64_t to);
  // Folds raw samples older than `raw_before` into buckets of `rollup_ms`, deletes buckets older
  // than `delete_before`, and series with no data left. At most `max_rows` raw rows per call.
  Result<CompactionStats> Compact(int64_t raw_before, int64_t rollup_ms, int64_t delete_before,
                                  int64_t max_rows = 200'000);
  Result<int64_t> CountRaw();

 private:
  Conn& c_;
};

struct AnalysisRecord {
  int64_t id = 0;
  std::string incident_id;
  int64_t created_at = 0;  // Unix ms
  std::string trigger;     // "auto" | "manual"
  std::string doc;         // the analysis as JSON
};

class AnalysisRepo {
 public:
  explicit AnalysisRepo(Conn& c) : c_(c) {}
  Result<int64_t> Insert(const AnalysisRecord& r);
  Result<std::optional<AnalysisRecord>> Latest(std::string_view incident_id);
  Result<int64_t> Count(std::string_view incident_id);

 private:
  Conn& c_;
};

}  // namespace firebreak::store
