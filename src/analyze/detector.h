// Streaming anomaly detection for one metric series.
//
// The detector is causal (a score uses only samples seen so far), runs in constant time and
// memory per sample, and copes with daily/weekly seasonality and level shifts. docs/ANOMALY.md
// describes the method; in short, several small sub-detectors each compute a statistic, each
// statistic is calibrated against its own running high quantile on this series (so a spike on a
// spiky series is not news, and the same threshold means the same on a quiet series and a noisy
// one), the strongest calibrated evidence is the sample's surprise, and a sustained excursion is
// reported once, at its first and strongest points, with a change point whose onset is the first
// sample of the excursion.
#pragma once

#include <array>
#include <cstdint>

namespace firebreak::analyze {

struct DetectorOptions {
  // Samples before scores are reported (the score is 0 while learning).
  int warmup = 30;
  // Half-life, in samples, of the fast level predictor.
  double level_halflife = 4;
  // Half-life, in samples, of the residual scale estimates.
  double scale_halflife = 100;
  // Half-life, in samples, of the smoothing of seasonal residuals and of the short volatility.
  double smooth_halflife = 3;
  // Seasonal profiles: time of day (48 bins) and day of week (7 x 48 bins).
  bool daily = true;
  bool weekly = false;
  double season_rate = 0.2;   // weight of a new observation in its bin
  int season_min_seen = 2;    // visits before a bin predicts
  // A seasonal sub-detector is used only while its residual scale is below this share of the
  // level model's (i.e. while the profile explains the series).
  double season_useful = 0.8;
  // Novelty histogram half-life in samples (0 disables).
  double novelty_halflife = 100000;
  int novelty_mode = 0;
  double novelty_res = 4;
  // Calibration: each statistic is compared with its running `quantile` (log domain, moving by
  // `quantile_rate` per sample).
  double quantile = 0.995;
  double quantile_rate = 0.1;
  // Weight of the calibrated vs raw evidence (1 = only relative to the series' own history).
  double relative = 1.0;
  // calib_mode 1: tail probability from a decaying histogram of the statistic.
  int calib_mode = 0;
  double calib_halflife = 2000;
  double calib_excess = 2.0;
  double calib_scale = 4.0;
  // Excursions end after `quiet_samples` samples below `quiet_level` (calibrated units).
  double quiet_level = 0.0;
  int quiet_samples = 10;
  // Half-life, in samples, of the peak a score must exceed to be reported at full strength.
  double peak_halflife = 50;
  // Damping of samples that are not a new peak.
  double damp = 0.05;
  // Score above which a change point is opened.
  double change_threshold = 0.6;
  // Enables / weights the sub-detectors (for experiments).
  double w_spike = 0, w_season = 1, w_novelty = 1, w_vol = 0;
};

struct DetectorOutput {
  double score = 0;           // anomaly score in [0, 1]
  double surprise = 0;        // calibrated evidence before excursion damping
  double expected = 0;        // the best predictor's expectation
  double deviation = 0;       // signed (value - expected) / scale
  bool change_point = false;  // a change point opened at this sample
  int64_t onset = 0;          // when change_point: the first sample of the excursion (Unix ms)
};

class AnomalyDetector {
 public:
  explicit AnomalyDetector(const DetectorOptions& opt = {});
  // Feeds one sample (non-finite values are ignored with score 0).
  DetectorOutput Update(int64_t t_ms, double v);
  int64_t samples() const { return n_; }

 private:
  static constexpr int kDayBins = 48;
  static constexpr int kWeekBins = 48 * 7;
  static constexpr int kHist = 32;
  // Additive seasonal model over N wall-time bins, with a smoothed residual.
  template <int N>
  struct Seasonal {
    double level = 0, scale = 0, smooth = 0, smooth_scale = 0;
    int64_t updates = 0;
    std::array<float, N> profile{};
    std::array<uint8_t, N> seen{};
  };
  // A statistic's running high quantile (log domain).
  static constexpr int kCalBins = 64;
  struct Calib {
    double q = 0;
    std::array<float, kCalBins> h{};
    double total = 0, weight = 1, max_x = 0;
  };
  template <int N>
  bool SeasonalStep(Seasonal<N>& m, int bin, double v, double eps, double* stat, double* expected);
  double Calibrated(Calib& c, double stat);

  DetectorOptions opt_;
  double a_level_, a_scale_, a_smooth_, a_slow_, a_novelty_, peak_decay_, a_calib_;
  int64_t n_ = 0;
  double level_ = 0, level_scale_ = 0, vol_short_ = 0, slow_mean_ = 0, spread_ = 0;
  Seasonal<kDayBins> daily_;
  Seasonal<kWeekBins> weekly_;
  double lo_ = 0, hi_ = 0;
  std::array<float, kHist> hist_{};
  double hist_total_ = 0;
  Calib c_spike_, c_daily_, c_weekly_, c_novelty_, c_vol_;
  // Excursion state.
  bool in_excursion_ = false;
  double excursion_peak_ = 0;
  int quiet_ = 0;
  int64_t run_start_ = 0;
  bool reported_ = false;
};

}  // namespace firebreak::analyze
