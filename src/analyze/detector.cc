#include "analyze/detector.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace firebreak::analyze {

namespace {

double RateForHalflife(double h) { return h <= 0 ? 1.0 : 1.0 - std::exp2(-1.0 / h); }
constexpr int64_t kDayMs = 86'400'000;

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

inline double FastLog1p(double x) { return FastLn(1 + x); }

}  // namespace

AnomalyDetector::AnomalyDetector(const DetectorOptions& opt) : opt_(opt) {
  a_level_ = RateForHalflife(opt_.level_halflife);
  a_scale_ = RateForHalflife(opt_.scale_halflife);
  a_smooth_ = RateForHalflife(opt_.smooth_halflife);
  a_slow_ = RateForHalflife(opt_.scale_halflife * 5);
  peak_decay_ = 1 - RateForHalflife(opt_.peak_halflife);
  a_novelty_ = opt_.novelty_halflife > 0 ? RateForHalflife(opt_.novelty_halflife) : 0;
}

double AnomalyDetector::Calibrated(double& q, double stat) const {
  const double x = FastLog1p(stat);
  const double u = x - q;
  q += opt_.quantile_rate * (x > q ? opt_.quantile : -(1 - opt_.quantile));
  return u;
}

template <int N>
bool AnomalyDetector::SeasonalStep(Seasonal<N>& m, int bin, double v, double eps, double* stat) {
  if (!m.seen[bin]) {
    m.profile[bin] = static_cast<float>(v - m.level);
    m.seen[bin] = 1;
    return false;
  }
  const double e = v - (m.level + m.profile[bin]);
  m.smooth += a_smooth_ * (e - m.smooth);
  *stat = std::fabs(m.smooth) / (m.smooth_scale + eps);
  m.level += a_level_ * 0.25 * (v - m.profile[bin] - m.level);
  m.profile[bin] += static_cast<float>(opt_.season_rate * (v - m.level - m.profile[bin]));
  // Early on the scales average what they have seen (a bias-corrected EWMA) instead of starting
  // from zero, which would make every early residual look huge; later outliers are clipped.
  ++m.updates;
  const double as = std::max(a_scale_, 1.0 / static_cast<double>(m.updates));
  const bool clip = m.updates > 10;
  const double ae = std::fabs(e), as_ = std::fabs(m.smooth);
  m.scale += as * ((clip ? std::min(ae, 6 * (m.scale + eps)) : ae) - m.scale);
  m.smooth_scale += as * ((clip ? std::min(as_, 6 * (m.smooth_scale + eps)) : as_) - m.smooth_scale);
  if (m.seen[bin] < 255) ++m.seen[bin];
  return m.seen[bin] > opt_.season_min_seen;
}

double AnomalyDetector::Novelty(double v) {
  double novelty = 0;
  if (v < lo_ || v > hi_) {
    // A new extreme: never seen in this history. Widen the histogram (rare).
    const double new_lo = std::min(lo_, v), new_hi = std::max(hi_, v);
    if (hist_total_ > 0 && hi_ > lo_) {
      std::array<float, kHist> moved{};
      for (int i = 0; i < kHist; ++i) {
        const double center = lo_ + (i + 0.5) * (hi_ - lo_) / kHist;
        const int j = static_cast<int>((center - new_lo) / (new_hi - new_lo) * kHist);
        moved[std::clamp(j, 0, kHist - 1)] += hist_[i];
      }
      hist_ = moved;
    }
    novelty = FastLog1p(hist_total_ / hist_weight_);
    lo_ = new_lo;
    hi_ = new_hi;
  }
  const int h = hi_ > lo_ ? std::clamp(static_cast<int>((v - lo_) / (hi_ - lo_) * kHist), 0, kHist - 1) : 0;
  if (novelty == 0 && hist_total_ > 0) {
    const double p = (hist_[h] + 0.5 * hist_weight_) / (hist_total_ + 0.5 * kHist * hist_weight_);
    novelty = std::max(0.0, -FastLn(p * kHist));
  }
  hist_[h] += static_cast<float>(hist_weight_);
  hist_total_ += hist_weight_;
  hist_weight_ /= 1 - a_novelty_;
  if (hist_weight_ > 1e30) {
    for (auto& x : hist_) x = static_cast<float>(x / hist_weight_);
    hist_total_ /= hist_weight_;
    hist_weight_ = 1;
  }
  return novelty;
}

DetectorOutput AnomalyDetector::Update(int64_t t, double v) {
  DetectorOutput out;
  if (!std::isfinite(v)) return out;
  ++n_;
  if (n_ == 1) {
    level_ = daily_.level = weekly_.level = slow_mean_ = v;
    lo_ = hi_ = v;
    out.expected = v;
    return out;
  }
  const double eps = 1e-9 + 1e-3 * (hi_ - lo_) + 1e-6 * std::fabs(level_);

  // Fast level: one-step residual, volatility, and the slow mean and spread of the series.
  const double e = v - level_, ae = std::fabs(e);
  out.expected = level_;
  out.deviation = e / (level_scale_ + eps);
  const double spike = ae / (level_scale_ + eps);
  vol_short_ += a_smooth_ * (ae - vol_short_);
  const double vol = vol_short_ / (level_scale_ + eps);
  level_ += a_level_ * e;
  const double as = std::max(a_scale_, 1.0 / static_cast<double>(n_ - 1));
  level_scale_ += as * ((n_ > 11 ? std::min(ae, 6 * (level_scale_ + eps)) : ae) - level_scale_);
  const double dev_slow = v - slow_mean_;
  const double aw = std::max(a_slow_, 1.0 / static_cast<double>(n_));
  slow_mean_ += aw * dev_slow;
  spread_ += aw * (std::fabs(dev_slow) - spread_);

  double u = 0;  // no evidence unless a sub-detector finds some
  const char* source = "";
  auto consider = [&](double c, const char* name) {
    if (c > u) {
      u = c;
      source = name;
    }
  };
  if (opt_.w_spike > 0) consider(opt_.w_spike * Calibrated(q_spike_, spike), "spike");
  if (opt_.w_vol > 0) consider(opt_.w_vol * Calibrated(q_vol_, vol), "volatility");

  // Seasonal pattern breaks. Bins are keyed by wall time, so gaps and irregular sampling keep
  // the phase.
  if (opt_.daily || opt_.weekly) {
    const double days = std::floor(static_cast<double>(t) * (1.0 / kDayMs));
    const int64_t day = static_cast<int64_t>(days);
    const int day_bin =
        std::clamp(static_cast<int>(static_cast<double>(t - day * kDayMs) * (kDayBins / double(kDayMs))), 0, kDayBins - 1);
    double stat = 0;
    if (opt_.daily && SeasonalStep(daily_, day_bin, v, eps, &stat)) {
      const double c = Calibrated(q_daily_, stat);
      if (daily_.scale < opt_.season_useful * spread_) consider(opt_.w_season * c, "daily");
    }
    if (opt_.weekly) {
      const int week_bin = static_cast<int>(((day % 7) + 7 + 3) % 7) * kDayBins + day_bin;
      if (SeasonalStep(weekly_, week_bin, v, eps, &stat)) {
        const double c = Calibrated(q_weekly_, stat);
        if (weekly_.scale < opt_.season_useful * spread_) consider(opt_.w_season * c, "weekly");
      }
    }
  }

  if (a_novelty_ > 0) {
    const bool extreme = v < lo_ || v > hi_;
    const double novelty = Novelty(v);
    if (opt_.w_novelty > 0)
      consider(opt_.w_novelty * Calibrated(q_novelty_, novelty), extreme ? "new_extreme" : "rare_value");
  } else {
    lo_ = std::min(lo_, v);
    hi_ = std::max(hi_, v);
  }

  out.surprise = u;
  out.source = source;
  if (n_ <= opt_.warmup) return out;
  const double like = u > 0 ? 1.0 - std::exp(-2 * u) : 0.0;

  // Excursions: a run of samples with evidence, ended by `quiet_samples` without.
  // The onset is the excursion's first sample with at least half the change-point evidence: weak
  // evidence before it is the noise floor the excursion happened to start on.
  if (u > 0) {
    quiet_ = 0;
    if (!in_excursion_) {
      in_excursion_ = true;
      run_start_ = 0;
      reported_ = false;
    }
    if (run_start_ == 0 && like >= 0.5 * opt_.change_threshold) run_start_ = t;
  } else if (in_excursion_ && ++quiet_ >= opt_.quiet_samples) {
    in_excursion_ = false;
  }
  peak_ *= peak_decay_;
  if (like > peak_) {
    peak_ = like;
    out.score = like;
  } else {
    out.score = like * opt_.damp;
  }
  if (in_excursion_ && like >= opt_.change_threshold) {
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
