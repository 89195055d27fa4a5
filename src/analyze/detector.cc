#include "analyze/detector.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace firebreak::analyze {

namespace {

double RateForHalflife(double h) { return h <= 0 ? 1.0 : 1.0 - std::exp2(-1.0 / h); }
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kBinMs = kDayMs / 48;

// ln(x) for normal positive x, to about 1e-6: exponent from the bits, mantissa by a short series.
// Scores need monotone, smooth logs, not libm's last ulp, at a fraction of the cost.
inline double FastLn(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
  double m;
  std::memcpy(&m, &bits, sizeof m);  // in [1, 2)
  const double t = (m - 1) / (m + 1), t2 = t * t;
  const double ln_m = 2 * t * (1 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7 + t2 * (1.0 / 9)))));
  return e * 0.6931471805599453 + ln_m;
}

}  // namespace

AnomalyDetector::AnomalyDetector(const DetectorOptions& opt) : opt_(opt) {
  a_level_ = RateForHalflife(opt_.level_halflife);
  a_scale_ = RateForHalflife(opt_.scale_halflife);
  a_smooth_ = RateForHalflife(opt_.smooth_halflife);
  a_slow_ = RateForHalflife(opt_.scale_halflife * 5);
  peak_decay_ = 1 - RateForHalflife(opt_.peak_halflife);
  a_novelty_ = opt_.novelty_halflife > 0 ? RateForHalflife(opt_.novelty_halflife) : 0;
  novelty_grow_ = a_novelty_ > 0 ? 1 / (1 - a_novelty_) : 1;
  early_updates_ = static_cast<int64_t>(std::ceil(1 / a_scale_));
  q_up_ = std::exp(opt_.quantile_rate * opt_.quantile);
  q_down_ = std::exp(-opt_.quantile_rate * (1 - opt_.quantile));
}

// The statistic is num / den (den > 0). Its log-domain quantile q = ln(1 + stat) moves by
// +rate * quantile when exceeded and by -rate * (1 - quantile) otherwise; we keep L = e^q, so a
// step is one multiplication and the test `ln(1 + stat) > q` is `den + num > L den`. The distance
// ln(1 + stat) - q is only needed (and computed) when it is positive, about once in 200 samples.
[[gnu::always_inline]] inline double AnomalyDetector::Exceedance(double& L, double num, double den) const {
  const double a = den + num, b = L * den;
  if (a > b) {
    L *= q_up_;
    return FastLn(a / b);
  }
  L *= q_down_;
  return 0;
}

// One step of the daily model. The current bin's profile value is kept in double precision in
// `cur` while samples stay in the bin (written back when the bin changes), so the per-sample
// dependency chains carry no float conversions.
[[gnu::always_inline]] inline bool AnomalyDetector::SeasonalStep(double v, double eps, double* num, double* den) {
  Seasonal& m = daily_;
  if (!m.cur_seen) {
    m.cur = v - m.level;
    m.cur_seen = 1;
    return false;
  }
  const double p = m.cur;
  const double e = v - (m.level + p);
  m.smooth += a_smooth_ * (e - m.smooth);
  *num = std::fabs(m.smooth);
  *den = m.smooth_scale + eps;
  m.level += a_level_ * 0.25 * (v - p - m.level);
  m.cur = p + opt_.season_rate * (v - m.level - p);
  // Early on the scales average what they have seen (a bias-corrected EWMA) instead of starting
  // from zero, which would make every early residual look huge; later outliers are clipped.
  const double ae = std::fabs(e), as_ = std::fabs(m.smooth);
  if (++m.updates > early_updates_) [[likely]] {
    const double keep = 1 - a_scale_, six_eps = 6 * eps;
    m.scale = keep * m.scale + a_scale_ * std::min(ae, 6 * m.scale + six_eps);
    m.smooth_scale = keep * m.smooth_scale + a_scale_ * std::min(as_, 6 * m.smooth_scale + six_eps);
  } else {
    const double as = 1.0 / static_cast<double>(m.updates);
    const bool clip = m.updates > 10;
    m.scale += as * ((clip ? std::min(ae, 6 * (m.scale + eps)) : ae) - m.scale);
    m.smooth_scale += as * ((clip ? std::min(as_, 6 * (m.smooth_scale + eps)) : as_) - m.smooth_scale);
  }
  if (m.cur_seen < 255) ++m.cur_seen;
  return m.cur_seen > opt_.season_min_seen;
}

// Novelty of `v` in nats: for a new extreme ln(1 + total) (the history never saw it), otherwise
// x = max(0, ln R) with R = 1 / (p K), p the smoothed share of v's histogram bin. Calibrated like
// the other statistics (ln(1 + x) against its running quantile q), but the per-sample test
// x > e^q - 1 is made as R > T with T = exp(e^q - 1): T is recomputed when q is exceeded and every
// kResync samples, and multiplied in between by the factor one step down of q gives at the last
// recomputation. Returns the calibrated evidence (0 when below q).
[[gnu::always_inline]] inline double AnomalyDetector::Novelty(double v, bool* extreme) {
  double x = -1;  // -1: no new extreme
  if (v < lo_ || v > hi_) [[unlikely]] {
    // A new extreme: never seen in this history. Widen the histogram (rare).
    const double new_lo = std::min(lo_, v), new_hi = std::max(hi_, v);
    if (hist_total_ > 0 && hi_ > lo_) {
      std::array<double, kHist> moved{};
      for (int i = 0; i < kHist; ++i) {
        const double center = lo_ + (i + 0.5) * (hi_ - lo_) / kHist;
        const int j = static_cast<int>((center - new_lo) / (new_hi - new_lo) * kHist);
        moved[std::clamp(j, 0, kHist - 1)] += hist_[i];
      }
      hist_ = moved;
    }
    x = FastLn(1 + hist_total_ / hist_weight_);
    lo_ = new_lo;
    hi_ = new_hi;
    inv_width_ = hi_ > lo_ ? kHist / (hi_ - lo_) : 0;
  }
  *extreme = x >= 0;
  const int h = std::clamp(static_cast<int>((v - lo_) * inv_width_), 0, kHist - 1);
  // R = top / bottom = (T + K w/2) / (K (c + w/2)).
  const double top = hist_total_ + 0.5 * kHist * hist_weight_;
  const double bottom = kHist * (hist_[h] + 0.5 * hist_weight_);
  hist_[h] += hist_weight_;
  hist_total_ += hist_weight_;
  hist_weight_ *= novelty_grow_;
  if (hist_weight_ > 1e30) [[unlikely]] {
    for (auto& c : hist_) c /= hist_weight_;
    hist_total_ /= hist_weight_;
    hist_weight_ = 1;
  }
  bool above;
  if (x >= 0) {
    above = FastLn(1 + x) > nq_;
  } else if (std::max(top, bottom) > nt_ * bottom) {
    x = top > bottom ? FastLn(top / bottom) : 0;
    above = true;
  } else {
    above = false;
  }
  double u = 0;
  if (above) {
    u = FastLn(1 + x) - nq_;
    nq_ += opt_.quantile_rate * opt_.quantile;
    nresync_ = 0;
  } else {
    nq_ -= opt_.quantile_rate * (1 - opt_.quantile);
    nt_ *= nt_step_;
  }
  if (--nresync_ < 0) [[unlikely]] {
    // T = exp(e^q - 1); one step down of q multiplies T by exp(e^q (e^-d - 1)), d the step.
    const double eq = std::exp(nq_);
    nt_ = std::exp(eq - 1);
    nt_step_ = std::exp(eq * std::expm1(-opt_.quantile_rate * (1 - opt_.quantile)));
    nresync_ = kResync;
  }
  return u;
}

DetectorOutput AnomalyDetector::Update(int64_t t, double v) {
  DetectorOutput out;
  if (!std::isfinite(v)) [[unlikely]]
    return out;
  ++n_;
  if (n_ == 1) [[unlikely]] {
    level_ = daily_.level = slow_mean_ = v;
    lo_ = hi_ = v;
    out.expected = v;
    return out;
  }
  const double eps = 1e-9 + 1e-3 * (hi_ - lo_) + 1e-6 * std::fabs(level_);

  // Fast level (the expectation reported with the score), and the slow mean and spread of the
  // series (which decide whether the daily profile explains it).
  const double e = v - level_;
  out.expected = level_;
  level_ += a_level_ * e;
  const bool early = static_cast<double>(n_) * a_slow_ < 1;
  const double dev_slow = v - slow_mean_;
  const double aw = early ? 1.0 / static_cast<double>(n_) : a_slow_;
  slow_mean_ += aw * dev_slow;
  spread_ += aw * (std::fabs(dev_slow) - spread_);

  double u = 0;  // no evidence unless a sub-detector finds some
  const char* source = "";

  // Broken daily pattern. Bins are keyed by wall time, so gaps and irregular sampling keep the
  // phase; the bin is recomputed only when t leaves the current one.
  if (opt_.daily) {
    if (t < bin_start_ || t >= bin_start_ + kBinMs) [[unlikely]] {
      daily_.profile[bin_] = static_cast<float>(daily_.cur);
      daily_.seen[bin_] = daily_.cur_seen;
      const int64_t day = static_cast<int64_t>(std::floor(static_cast<double>(t) * (1.0 / kDayMs)));
      bin_ = std::clamp(static_cast<int>((t - day * kDayMs) / kBinMs), 0, kDayBins - 1);
      bin_start_ = day * kDayMs + bin_ * kBinMs;
      daily_.cur = daily_.profile[bin_];
      daily_.cur_seen = daily_.seen[bin_];
    }
    double num, den;
    if (SeasonalStep(v, eps, &num, &den)) {
      const double c = Exceedance(q_daily_, num, den);
      if (c > 0 && daily_.scale < opt_.season_useful * spread_) {
        u = opt_.w_season * c;
        source = "daily";
      }
    }
  }

  if (a_novelty_ > 0) {
    bool extreme;
    const double c = opt_.w_novelty * Novelty(v, &extreme);
    if (c > u) {
      u = c;
      source = extreme ? "new_extreme" : "rare_value";
    }
  } else {
    lo_ = std::min(lo_, v);
    hi_ = std::max(hi_, v);
  }

  out.surprise = u;
  out.source = source;
  if (n_ <= opt_.warmup) [[unlikely]]
    return out;

  peak_ *= peak_decay_;
  // Excursions: a run of samples with evidence, ended by `quiet_samples` without.
  if (u <= 0) [[likely]] {
    if (in_excursion_ && ++quiet_ >= opt_.quiet_samples) in_excursion_ = false;
    return out;
  }
  const double like = 1.0 - std::exp(-2 * u);
  // The onset is the excursion's first sample with at least half the change-point evidence: weak
  // evidence before it is the noise floor the excursion happened to start on.
  quiet_ = 0;
  if (!in_excursion_) {
    in_excursion_ = true;
    run_start_ = 0;
    reported_ = false;
  }
  if (run_start_ == 0 && like >= 0.5 * opt_.change_threshold) run_start_ = t;
  if (like > peak_) {
    peak_ = like;
    out.score = like;
  } else {
    out.score = like * opt_.damp;
  }
  if (like >= opt_.change_threshold) {
    if (!reported_) {
      reported_ = true;
      reported_like_ = like;
      out.change_point = true;
      out.onset = run_start_;
    } else if (like >= reported_like_ + 0.2) {
      // Much stronger evidence inside an open excursion (a real shift right after a noisy stretch
      // that already opened one): a new change point starting here.
      reported_like_ = like;
      out.change_point = true;
      out.onset = t;
    }
  }
  return out;
}

}  // namespace firebreak::analyze
