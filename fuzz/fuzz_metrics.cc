// Fuzzes the metric decoders of the embedded store and the analysis inputs: the JSON push body,
// the Prometheus text exposition format, CSV imports (three layouts), the timestamp,value CSV of
// `anomaly score`, Prometheus query_range responses, change events, and the graph and offline
// formats' CSV splitting. Errors must carry a message; decoded samples must be finite and
// ordered; nothing may crash.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "analyze/decode.h"
#include "analyze/detector.h"
#include "analyze/series.h"
#include "analyze/source.h"
#include "core/json.h"

using namespace firebreak;

namespace {
template <class R>
void CheckError(const R& r) {
  if (!r && r.error().message.empty()) __builtin_trap();
}
void CheckBatch(const Result<analyze::MetricBatch>& b) {
  CheckError(b);
  if (!b) return;
  for (const auto& s : b->series) {
    if (s.service.empty() || s.metric.empty()) __builtin_trap();
    for (size_t i = 0; i < s.samples.size(); ++i) {
      if (!std::isfinite(s.samples[i].v)) __builtin_trap();
      if (i > 0 && s.samples[i].t <= s.samples[i - 1].t) __builtin_trap();
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  analyze::DecodeLimits limits;
  limits.max_samples = 100000;
  CheckBatch(analyze::DecodeMetricsJson(in, "svc", limits));
  size_t skipped = 0;
  CheckBatch(analyze::DecodeExposition(in, "svc", 1'700'000'000'000, limits, &skipped));
  CheckBatch(analyze::DecodeExposition(in, "", 1'700'000'000'000, limits, nullptr));
  CheckBatch(analyze::DecodeMetricsCsv(in, "svc", "value", limits));
  CheckBatch(analyze::DecodeMetricsCsv(in, "", "", limits));
  limits.skip_non_finite = true;
  CheckBatch(analyze::DecodeMetricsCsv(in, "svc", "", limits, &skipped));
  std::vector<std::string> warnings;
  analyze::CsvOptions copt;
  copt.require_increasing = false;
  auto series = analyze::ParseSeriesCsv(in, copt, &warnings);
  CheckError(series);
  if (series) {
    // Whatever decodes, the detector scores within [0, 1].
    analyze::AnomalyDetector d;
    for (const auto& s : *series) {
      auto o = d.Update(s.t, s.v);
      if (!(o.score >= 0 && o.score <= 1)) __builtin_trap();
    }
  }
  CheckError(analyze::ParseSeriesCsv(in));
  CheckError(analyze::ParsePrometheusMatrix(in, "svc", "m"));
  CheckError(analyze::ParseTimestamp(in));
  return 0;
}
