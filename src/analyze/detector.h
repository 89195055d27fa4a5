// Streaming anomaly detection for one metric series.
//
// The detector is causal (a score uses only samples seen so far), runs in constant time and
// memory per sample, and copes with daily/weekly seasonality and level shifts. See
// docs/ANOMALY.md for the method; in short:
//
//  1. Two predictors explain each sample: a fast level (EWMA) and an additive seasonal model
//     (Holt-Winters style level + time-of-day/day-of-week profile, bins keyed by wall time so
//     gaps and irregular sampling do not shift the phase). The residual of each is scaled by its
//     own exponentially weighted mean absolute deviation; the sample's surprise is the smaller of
//     the two (an anomaly is what no model explains).
//  2. Novelty: a decaying histogram of where values have been; landing in a range rarely seen adds
//     surprise (catches a series moving to a level or shape it never had).
//  3. Calibration: the surprise is compared with the series' own recent distribution of surprise
//     (long and short exponential averages), giving a likelihood in [0, 1] that means the same on
//     a quiet series and a noisy one.
//  4. Reporting: a sustained excursion is reported once, at its first and strongest point, not on
//     every sample (later samples of the same excursion are damped), and opens a change point whose
//     onset is the first sample of the excursion.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace firebreak::analyze {

struct DetectorOptions {
  // Samples before scores are reported (the score is 0 while learning).
  int warmup = 24;
  // Half-life, in samples, of the fast level predictor.
  double level_halflife = 4;
  // Half-life, in samples, of the residual scale estimates.
  double scale_halflife = 60;
  // Seasonal profiles: time of day (48 bins) and day of week (7 x 48 bins).
  bool seasonal = true;
  bool weekly = true;
  // Weight of a new observation in its seasonal bin; share of the level rate for the seasonal
  // model's level; visits before a bin predicts.
  double season_rate = 0.25;
  double season_level_share = 0.25;
  int season_min_seen = 2;
  // calibrate == 2: the running quantile of surprise the current surprise is compared with.
  double quantile = 0.99;
  double quantile_rate = 0.05;
  double beta = 1.0;
  // Half-life, in samples, of the surprise distribution (long) and the current surprise (short).
  double surprise_long_halflife = 500;
  double surprise_short_halflife = 1;
  // Novelty histogram: number of bins and half-life in samples.
  double novelty_halflife = 2000;
  double novelty_weight = 1.0;
  // Excursions: after a report, later samples of the same excursion are damped by this factor
  // until the surprise has fallen back below `rearm` (in calibrated units) for `rearm_samples`.
  double damp = 0.5;
  double rearm = 0.5;
  int rearm_samples = 10;
  // Likelihood above which a change point is opened.
  double change_threshold = 0.99;
  // Smallest spread of the surprise distribution (in log1p units).
  double sd_floor = 0.25;
  int calibrate = 1;
};

struct DetectorOutput {
  double score = 0;           // anomaly score in [0, 1]
  double surprise = 0;        // raw surprise (robust z of the best predictor)
  double expected = 0;        // the best predictor's expectation
  double deviation = 0;       // signed (value - expected) / scale
  bool change_point = false;  // a change point opened at this sample
  int64_t onset = 0;          // when change_point: the first sample of the excursion (Unix ms)
};

class AnomalyDetector {
 public:
  explicit AnomalyDetector(const DetectorOptions& opt = {});
  // Feeds one sample (timestamps must increase; non-finite values are ignored with score 0).
  DetectorOutput Update(int64_t t_ms, double v);
  int64_t samples() const { return n_; }

 private:
  static constexpr int kDayBins = 48;
  static constexpr int kWeekBins = 48 * 7;
  static constexpr int kHist = 32;
  // Additive seasonal model over N wall-time bins.
  template <int N>
  struct Seasonal {
    double level = 0, scale = 0;
    std::array<float, N> profile{};
    std::array<uint8_t, N> seen{};
  };
  // Scores `v` against `m` (bin `bin`), then learns it. Returns false while the bin is new.
  template <int N>
  bool SeasonalStep(Seasonal<N>& m, int bin, double v, double eps, double* z, double* e,
                    double* expected);
  double Calibrate(double surprise);

  DetectorOptions opt_;
  double a_level_, a_scale_, a_long_, a_short_, a_novelty_;
  int64_t n_ = 0;
  // Fast level.
  double level_ = 0, level_scale_ = 0;
  Seasonal<kDayBins> daily_;
  Seasonal<kWeekBins> weekly_;
  // Novelty histogram over [lo_, hi_].
  double lo_ = 0, hi_ = 0;
  std::array<float, kHist> hist_{};
  double hist_total_ = 0;
  // Surprise calibration.
  double s_mean_ = 0, s_var_ = 0, s_short_ = 0, s_quantile_ = 0;
  // Excursion state.
  bool in_excursion_ = false;
  double excursion_peak_ = 0;
  int quiet_ = 0;
  int64_t run_start_ = 0;  // first sample of the current excursion
  bool reported_ = false;  // the current excursion opened a change point
};

}  // namespace firebreak::analyze
