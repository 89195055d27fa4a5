// Log patterns over time: which templates of a service are new in a window, which surge above their
// baseline (robust statistics: median and MAD of per-minute counts), and which are errors. Reads the
// store (per template x minute counts written by LogService); this is the API that incident views,
// runbook matching and root-cause analysis use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/log_repo.h"

namespace firebreak::store {
class Tx;
}

namespace firebreak::logs {

struct SurgeOptions {
  double z = 4.0;        // robust deviations above the baseline median
  double ratio = 3.0;    // times the baseline median (or its mean when the median is 0)
  int64_t min_count = 5; // lines in the window
  int peak_minutes = 5;  // the peak rate is the busiest run of this many minutes in the window
};

// Baseline statistics of one template and its rate in a window.
struct RateStats {
  double rate = 0;             // lines per minute over the whole window
  double peak_rate = 0;        // lines per minute in the busiest `peak_minutes` of the window
  double baseline_median = 0;  // per-minute median over the baseline
  double baseline_mean = 0;
  double baseline_mad = 0;     // median absolute deviation
  double z = 0;                // (peak_rate - median) / max(1.4826 * MAD, sqrt(median + 1))
  bool surging = false;
};
// `window` and `baseline` hold one count per minute (zeros included), oldest first. A template
// surges when its peak rate clears every test of `opt`; a burst that began late in a long window
// is not diluted by the quiet minutes before it.
RateStats ComputeRate(const std::vector<double>& window, const std::vector<double>& baseline, const SurgeOptions& opt);

double Median(std::vector<double> v);

// True if a template's text reads like an error ("failed", "exception", "timed out", ...).
bool LooksLikeError(std::string_view text);

struct PatternQuery {
  std::vector<std::string> services;
  core::TimePoint from{}, to{};                          // the window
  core::Millis baseline{std::chrono::hours(1)};          // history before `from`
  size_t limit = 20;
  bool errors_only = false;
  bool anomalous_only = false;  // only new or surging templates
  SurgeOptions surge;
  int exemplars = 3;
};

struct Pattern {
  int64_t template_id = 0;
  std::string service;
  std::string text;
  bool error = false;     // error-level lines, or an error-looking text
  bool is_new = false;    // first seen inside the window
  bool surging = false;
  int64_t count = 0;      // lines in the window
  int64_t errors = 0;     // error-level lines in the window
  int64_t first_seen_ms = 0, last_seen_ms = 0;
  RateStats stats;
  double score = 0;       // ranking score
  std::vector<store::LogExemplar> exemplars;
};

// Templates active in the window, ranked: error patterns first, then new or surging ones, then by
// score (deviation from baseline) and count.
Result<std::vector<Pattern>> FindPatterns(store::Tx& tx, const PatternQuery& q);

}  // namespace firebreak::logs
