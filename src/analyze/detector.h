// Streaming anomaly detection for one metric series.
//
// The detector is causal (a score uses only samples seen so far), runs in constant time and
// constant memory per sample (a few KiB of fixed arrays, no allocation), and copes with daily
// seasonality and level shifts. docs/ANOMALY.md describes the method; in short:
//
//  1. Sub-detectors compute a statistic per sample: the one-step residual of a fast level (spikes,
//     sudden shifts), the smoothed residual of a time-of-day profile keyed by wall time (broken
//     daily patterns; used only while the profile explains the series), the change of residual
//     volatility, and value novelty (how rarely the value's range has been visited, from a
//     decaying histogram that widens when a new extreme arrives).
//  2. Each statistic is calibrated against its own running high quantile on this series (log
//     domain): a spike on a spiky series is not news, and the same score means the same on a
//     quiet series and a noisy one. The strongest calibrated evidence is the sample's surprise.
//  3. A sustained excursion is reported once: a sample scores in full only when it beats the
//     (decaying) peak of recent scores, later samples of the same excursion are damped. The first
//     sample of an excursion whose score crosses `change_threshold` opens a change point with the
//     excursion's onset time (its first sample with half that evidence); much stronger evidence later
//     in the same excursion opens another.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

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
  // Time-of-day profile (48 bins of 30 minutes, keyed by wall time).
  bool daily = true;
  double season_rate = 0.2;   // weight of a new observation in its bin
  int season_min_seen = 2;    // visits before a bin predicts
  // A seasonal sub-detector counts only while its residual scale is below this share of the
  // series' spread (i.e. while the profile explains the series).
  double season_useful = 0.8;
  // Novelty histogram half-life in samples (0 disables novelty).
  double novelty_halflife = 20000;
  // Calibration: each statistic is compared with its running `quantile` (log domain, moving by
  // `quantile_rate`).
  double quantile = 0.995;
  double quantile_rate = 0.1;
  // Excursions end after `quiet_samples` samples without evidence.
  int quiet_samples = 10;
  // Half-life, in samples, of the peak a score must beat to count in full; damping otherwise.
  double peak_halflife = 800;
  double damp = 0.05;
  // Score at which an excursion opens a change point.
  double change_threshold = 0.6;
  // Weights of the sub-detectors (0 disables one).
  double w_season = 1, w_novelty = 1;
};

struct DetectorOutput {
  double score = 0;           // anomaly score in [0, 1]
  double surprise = 0;        // calibrated evidence before excursion damping
  double expected = 0;        // the fast level's expectation for this sample
  bool change_point = false;  // a change point opened at this sample
  int64_t onset = 0;          // when change_point: the first sample of the excursion (Unix ms)
  // Which sub-detector gave the evidence: "spike", "volatility", "daily", "weekly",
  // "new_extreme", "rare_value" (empty when none).
  const char* source = "";
};

class AnomalyDetector {
 public:
  explicit AnomalyDetector(const DetectorOptions& opt = {});
  // Feeds one sample (non-finite values are ignored with score 0).
  DetectorOutput Update(int64_t t_ms, double v);
  int64_t samples() const { return n_; }

 private:
  static constexpr int kDayBins = 48;
  static constexpr int kHist = 32;
  // Additive seasonal model over N wall-time bins, with a smoothed residual.
  // Additive time-of-day model (level + profile[bin]), with a smoothed residual. `cur` and
  // `cur_seen` are the current bin's profile value and visit count while t stays in it.
  struct Seasonal {
    double level = 0, scale = 0, smooth = 0, smooth_scale = 0, cur = 0;
    int64_t updates = 0;
    int cur_seen = 0;
    std::array<float, kDayBins> profile{};
    std::array<uint8_t, kDayBins> seen{};
  };
  bool SeasonalStep(double v, double eps, double* num, double* den);
  // The statistic num / den's distance above its running high quantile (log domain, 0 when
  // below); updates the quantile, kept as L = exp(quantile).
  double Exceedance(double& L, double num, double den) const;
  double Novelty(double v, bool* extreme);
  static constexpr int kResync = 64;

  DetectorOptions opt_;
  double a_level_, a_scale_, a_smooth_, a_slow_, a_novelty_, novelty_grow_, peak_decay_, q_up_, q_down_;
  int64_t n_ = 0, early_updates_ = 0;
  double level_ = 0, slow_mean_ = 0, spread_ = 0;
  // The current daily bin, valid while bin_start_ <= t < bin_start_ + 30 min.
  int64_t bin_start_ = std::numeric_limits<int64_t>::min();
  int bin_ = 0;
  Seasonal daily_;
  // Novelty histogram over [lo_, hi_]. Counts are stored multiplied by a growing weight (lazy
  // exponential decay), renormalised before it overflows.
  double lo_ = 0, hi_ = 0, inv_width_ = 0;
  std::array<double, kHist> hist_{};
  double hist_total_ = 0, hist_weight_ = 1;
  double q_daily_ = 1;
  // Novelty calibration: the quantile q (of ln(1 + x)), the cached test threshold on R, and the
  // samples left before it is recomputed.
  double nq_ = 0, nt_ = 1, nt_step_ = 1;
  int nresync_ = 0;
  // Excursion state.
  bool in_excursion_ = false;
  bool reported_ = false;
  double reported_like_ = 0;
  int quiet_ = 0;
  double peak_ = 0;
  int64_t run_start_ = 0;
};

}  // namespace firebreak::analyze
