// Streaming anomaly detection for one metric series.
//
// The detector is causal (a score uses only samples seen so far), runs in constant time and
// constant memory per sample (a fixed object of about 1.1 KiB, no allocation), and copes with daily
// seasonality and level shifts. docs/ANALYZE.md describes the method; in short:
//
//  1. Two sub-detectors compute a statistic per sample: the smoothed residual of a time-of-day
//     profile keyed by wall time (broken daily patterns; used only while the profile explains the
//     series), and value novelty (how rarely the value's range has been visited, from a decaying
//     32-bin histogram that widens when a new extreme arrives; a new extreme that barely beats
//     the old one, as bounded noise keeps doing, counts in proportion to its overshoot).
//  2. Each statistic is calibrated against its own running high quantile on this series (log
//     domain, stochastic quantile tracking): a spike on a spiky series is not news, and the same
//     score means the same on a quiet series and a noisy one. The strongest calibrated evidence is
//     the sample's surprise.
//  3. A sustained excursion is reported once: a sample scores in full only when it beats the
//     (decaying) peak of recent scores (new extremes: of recent new extremes' scores; other
//     evidence: of the others') and the excursion's own full score by `rescore_margin`,
//     later samples of the same excursion are damped; so is evidence at a time of day that had
//     evidence on most of the previous days (a daily habit, see Recurring). The first
//     sample of an excursion whose score crosses `change_threshold` opens a change point with the
//     excursion's onset time (its first sample with half that evidence); much stronger evidence later
//     in the same excursion opens another.
//
// Cost: most samples (below both quantiles, inside the seen range, in the same or the next daily
// bin, past the learning phase) take the inline path in Update: a few multiply-adds per state
// variable, no logarithm, exponential or division (quantiles are kept as exponentials so the
// tests are products; see DailyEvidence and NoveltyExceeded). Logs and exps are computed only when
// a quantile is exceeded; the other cases go through UpdateGeneral, which does the same arithmetic.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace firebreak::analyze {

struct DetectorOptions {
  // Samples before scores are reported (the score is 0 while learning).
  int warmup = 30;
  // Level half-life in samples; the daily model's level moves at a quarter of this rate.
  double level_halflife = 4;
  // Half-life, in samples, of the residual scale estimates.
  double scale_halflife = 100;
  // Half-life, in samples, of the smoothing of seasonal residuals.
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
  // A new extreme's novelty counts in full when it beats the old extreme by at least this share
  // of the series' spread (mean absolute deviation from the slow mean), and in proportion to its
  // overshoot below that (0 disables).
  double record_overshoot = 0.1;
  // A new extreme's novelty grows by `record_gain` nats per spread of overshoot beyond
  // `record_gain_from` spreads (0 disables): a level shift to four times the old level is far
  // more news than a record of the noise, however many records the noise set before.
  double record_gain = 0.3;
  double record_gain_from = 3;
  // Calibration: each statistic is compared with its running `quantile` (log domain, moving by
  // `quantile_rate`).
  double quantile = 0.995;
  double quantile_rate = 0.1;
  // Excursions end after `quiet_samples` samples without evidence.
  int quiet_samples = 10;
  // Half-life, in samples, of the peak a score must beat to count in full; damping otherwise.
  double peak_halflife = 800;
  double damp = 0.05;
  // New extremes compete only with the decaying peak of earlier new extremes' scores, and other
  // evidence (rare values, broken days) only with theirs: a record is not a repeat of a rare
  // value reported a while ago, nor the reverse (false: one peak for all evidence).
  bool record_peak = true;
  // Inside one excursion, a sample scores in full again only when its score beats the excursion's
  // last full score by this much: evidence that keeps rising over a few samples is one report.
  double rescore_margin = 0.15;
  // Daily recurrence: evidence at a time of day (its half-hour bin or a neighbour) where the
  // series showed evidence on at least `recur_need` of the previous `recur_days` days (at most 7)
  // is a daily habit of the series, not news: it is damped (recur_need 0 disables).
  int recur_days = 3;
  int recur_need = 2;
  // Score at which an excursion opens a change point.
  double change_threshold = 0.6;
  // Evidence that resumes after this many quiet samples (fewer than `quiet_samples`, so the
  // excursion and its damping go on) may open a change point of its own, with its own onset: a
  // noise blip a few samples before a real shift must not take the shift's place.
  int change_gap = 3;
  // Weights of the sub-detectors (0 disables one).
  double w_season = 1, w_novelty = 1;
};

struct DetectorOutput {
  double score = 0;           // anomaly score in [0, 1]
  double surprise = 0;        // calibrated evidence before excursion damping
  bool change_point = false;  // a change point opened at this sample
  int64_t onset = 0;          // when change_point: the first sample of the excursion (Unix ms)
  // Which sub-detector gave the evidence: "daily", "new_extreme", "rare_value" (empty when none).
  const char* source = "";
};

class AnomalyDetector {
 public:
  explicit AnomalyDetector(const DetectorOptions& opt = {});
  // Feeds one sample (non-finite values are ignored with score 0). The common case (no new
  // extreme, same daily bin as the last sample, past the learning phase, no evidence) is inline
  // below; everything else goes through UpdateGeneral, which gives the same results.
  DetectorOutput Update(int64_t t_ms, double v);
  int64_t samples() const { return n_; }

 private:
  static constexpr int kDayBins = 48;
  static constexpr int kHist = 32;
  static constexpr int kResync = 64;
  static constexpr int64_t kDayMs = 86'400'000;
  static constexpr int64_t kBinMs = kDayMs / kDayBins;
  // Additive time-of-day model (level + profile[bin]), with a smoothed residual. `cur` and
  // `cur_seen` are the current bin's profile value and visit count while t stays in it.
  struct Seasonal {
    double level = 0, scale = 0, smooth = 0, smooth_scale = 0, cur = 0;
    int64_t updates = 0;
    int cur_seen = 0;
    std::array<float, kDayBins> profile{};
    std::array<uint8_t, kDayBins> seen{};
  };

  // Writes into `out` (default-initialised by the caller), so Update has a single return object
  // and returns it in place: copying a partly written struct stalls store forwarding.
  void UpdateGeneral(int64_t t, double v, DetectorOutput& out);
  bool SeasonalStep(double v, double eps, double* num, double* den);
  // Evidence of a daily exceedance a / b > 1 (0 when the profile does not explain the series).
  double DailyEvidence(double a, double b) const;
  // One step of the daily statistic num / den against its running quantile (moved up on an
  // exceedance, down otherwise); returns the evidence, 0 without an exceedance. Both paths use it.
  double DailyQuantileStep(double num, double den) {
    const double a = den + num, b = q_daily_ * den;
    if (a > b) [[unlikely]] {
      q_daily_ *= q_up_;
      return DailyEvidence(a, b);
    }
    q_daily_ *= q_down_;
    return 0;
  }
  double Novelty(double v, bool* extreme);
  // Novelty evidence when the histogram odds top / bottom beat the cached threshold.
  double NoveltyExceeded(double top, double bottom);
  // Evidence of novelty x above the quantile; moves the quantile up and recomputes the threshold.
  double NoveltyAbove(double x);
  void NoveltyResync();
  void NoveltyThreshold();
  // The novelty quantile q: nq_ at the last recomputation, minus one step per sample since
  // (kept implicit so the common path does not update it).
  double NoveltyQuantile() const { return nq_ - (kResync - nresync_) * nq_down_; }
  void Renormalize();
  // Scores a sample with evidence u > 0 (excursions, damping, change points); `record` when the
  // evidence is a new extreme's.
  void Excursion(int64_t t, double u, bool record, DetectorOutput* out);
  // Records evidence on day `day` in the current daily bin; returns whether that bin or a
  // neighbour saw evidence on enough of the previous days.
  bool Recurring(int64_t day);
  // Whether the next sample may take the inline path (given the same bin and no new extreme).
  void RefreshFast();
  // Advances to the next daily bin (t is in it); returns whether the inline path still applies.
  bool NextBin();
  // Saves the current bin's profile value and visit count, and loads those of bin `b`.
  void SwitchBin(int b);

  DetectorOptions opt_;
  double a_level_, a_scale_, a_smooth_, a_slow_, a_novelty_, novelty_grow_, peak_decay_, q_up_, q_down_;
  double nq_down_, a_level4_;
  bool fast_ = false;
  int64_t n_ = 0, early_updates_ = 0;
  double slow_mean_ = 0, spread_ = 0;
  // Floor of the scales, from the range of values seen (updated when the range widens).
  double eps_ = 1e-9;
  // The current daily bin: bin_start_ <= t < bin_end_.
  int64_t bin_start_ = std::numeric_limits<int64_t>::min(), bin_end_ = std::numeric_limits<int64_t>::min();
  int bin_ = 0;
  Seasonal daily_;
  // exp of the daily statistic's running quantile (DailyEvidence).
  double q_daily_ = 1;
  // Novelty histogram over [lo_, hi_]. Counts are stored multiplied by a growing weight (lazy
  // exponential decay), renormalised before it overflows.
  double lo_ = 0, hi_ = 0, inv_width_ = 0;
  std::array<double, kHist> hist_{};
  double hist_total_ = 0, hist_weight_ = 1;
  // Novelty calibration: the quantile q (of ln(1 + x)) at the last recomputation, the cached
  // test threshold on the odds, its factor per step down of q, and the samples left before the
  // next recomputation.
  double nq_ = 0, nt_ = 1, nt_step_ = 1;
  int nresync_ = kResync;
  // Excursion state.
  bool in_excursion_ = false;
  bool reported_ = false;
  double reported_like_ = 0;
  // The excursion's last full score (-1 before its first).
  double excursion_full_ = -1;
  // Per daily bin, the days with evidence: bit k of recur_mask_ is day recur_day_ - k (mod 2^16).
  std::array<uint8_t, kDayBins> recur_mask_{};
  std::array<uint16_t, kDayBins> recur_day_{};
  int quiet_ = 0;
  // The peak score to beat, as of sample peak_n_ (it decays by peak_decay_ per sample since);
  // with record_peak, new extremes have their own (record_peak_, as of record_peak_n_).
  double peak_ = 0, record_peak_ = 0;
  int64_t peak_n_ = 0, record_peak_n_ = 0;
  int64_t run_start_ = 0;
};

inline DetectorOutput AnomalyDetector::Update(int64_t t, double v) {
  DetectorOutput out;
  // NaN fails the range test too.
  if (!fast_ || !(v >= lo_ && v <= hi_) || t < bin_start_ || t >= bin_end_) [[unlikely]] {
    // Moving on to the next daily bin keeps the inline path when that bin is ready.
    if (!(fast_ && v >= lo_ && v <= hi_ && t >= bin_end_ && t - bin_end_ < kBinMs && NextBin())) {
      UpdateGeneral(t, v, out);
      return out;
    }
  }
  ++n_;
  const double eps = eps_;
  const double dev_slow = v - slow_mean_;
  slow_mean_ += a_slow_ * dev_slow;
  spread_ += a_slow_ * (std::fabs(dev_slow) - spread_);
  double u = 0;
  const char* source = "";
  if (opt_.daily) {
    Seasonal& m = daily_;
    const double p = m.cur;
    const double e = v - (m.level + p);
    m.smooth += a_smooth_ * (e - m.smooth);
    const double num = std::fabs(m.smooth), den = m.smooth_scale + eps;
    const double lv = m.level;
    m.level = lv + a_level4_ * (v - p - lv);
    m.cur = p + opt_.season_rate * (v - lv - p);
    const double keep = 1 - a_scale_, six_eps = 6 * eps, ae = std::fabs(e);
    const double s1 = 6 * m.scale + six_eps, s2 = 6 * m.smooth_scale + six_eps;
    m.scale = keep * m.scale + a_scale_ * (ae < s1 ? ae : s1);
    m.smooth_scale = keep * m.smooth_scale + a_scale_ * (num < s2 ? num : s2);
    u = DailyQuantileStep(num, den);
    if (u > 0) source = "daily";
  }
  if (a_novelty_ > 0) {
    int h = static_cast<int>((v - lo_) * inv_width_);
    h = h < 0 ? 0 : h >= kHist ? kHist - 1 : h;
    const double w = hist_weight_;
    const double top = hist_total_ + 0.5 * kHist * w;
    const double bottom = kHist * (hist_[h] + 0.5 * w);
    hist_[h] += w;
    hist_total_ += w;
    hist_weight_ = w * novelty_grow_;
    if (hist_weight_ > 1e30) [[unlikely]]
      Renormalize();
    if ((top > bottom ? top : bottom) > nt_ * bottom) [[unlikely]] {
      const double c = opt_.w_novelty * NoveltyExceeded(top, bottom);
      if (c > u) {
        u = c;
        source = "rare_value";
      }
    } else {
      nt_ *= nt_step_;
    }
    if (--nresync_ < 0) [[unlikely]]
      NoveltyResync();
  }
  out.surprise = u;
  out.source = source;
  if (u > 0) [[unlikely]] {
    Excursion(t, u, false, &out);  // no new extreme takes this path
  } else if (in_excursion_ && ++quiet_ >= opt_.quiet_samples) {
    in_excursion_ = false;
  }
  return out;
}

}  // namespace firebreak::analyze
