// Metric decoders for the embedded store: the JSON push body, the Prometheus text exposition
// format, and CSV files for `firebreak metrics import`. Every decoder is a pure function over
// untrusted input: it returns every sample or an InvalidArgument naming the offending field or
// line, never a partial result (fuzzed by fuzz/fuzz_metrics.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/series.h"
#include "core/result.h"

namespace firebreak::analyze {

// Limits shared by the decoders.
struct DecodeLimits {
  size_t max_samples = 1'000'000;
  size_t max_series = 10'000;
  size_t max_name = 200;    // service, metric, label names and values
  size_t max_labels = 16;
  // CSV only: skip cells that hold NaN or +/-Inf (counted in `skipped`) instead of failing.
  bool skip_non_finite = false;
};

// A batch of series with their samples, as decoded (samples of one series sorted by time,
// duplicates removed keeping the last value).
struct MetricBatch {
  std::vector<Series> series;
  size_t SampleCount() const;
};

// Checks a service, metric or label name: 1..max_name bytes of UTF-8 without control characters,
// quotes, backslashes, braces, commas, '=' or surrounding spaces.
Status ValidateName(std::string_view what, std::string_view name, size_t max_name);

// JSON push body. Either
//   {"samples": [{"service": "checkout", "metric": "latency_p99", "labels": {...},
//                 "time": "2026-01-01T00:00:00Z" | 1767225600, "value": 0.25}, ...]}
// or
//   {"series": [{"service": ..., "metric": ..., "labels": {...},
//                "samples": [[time, value], ...]}, ...]}
// (both keys may appear). `default_service` fills samples without a service.
Result<MetricBatch> DecodeMetricsJson(std::string_view body, const std::string& default_service = "",
                                      const DecodeLimits& limits = {});

// Prometheus text exposition format (version 0.0.4): `name{label="v",...} value [timestamp_ms]`,
// `# HELP` / `# TYPE` comments, blank lines. The service is the `service` label, else
// `default_service` (a sample with neither is an error naming its line). Samples without a
// timestamp take `now_ms`. NaN and +/-Inf values are skipped (Prometheus uses them for stale
// markers and empty histograms) and counted in `skipped` when given.
Result<MetricBatch> DecodeExposition(std::string_view text, const std::string& default_service,
                                     int64_t now_ms, const DecodeLimits& limits = {},
                                     size_t* skipped = nullptr);

// CSV import for one service:
//  - `timestamp,value` (one series named `metric`, default "value"),
//  - `timestamp,<metric>,<metric>,...` (a header; one series per column; empty cells skipped),
//  - `timestamp,service,metric,value` (long form; rows of other services are errors unless
//    `service` is empty, in which case every service in the file is taken).
// Errors name the line. Timestamps must increase per series.
Result<MetricBatch> DecodeMetricsCsv(std::string_view text, const std::string& service,
                                     const std::string& metric = "", const DecodeLimits& limits = {},
                                     size_t* skipped = nullptr);

}  // namespace firebreak::analyze
