#include "analyze/detector.h"

#include <algorithm>
#include <cmath>

namespace firebreak::analyze {

namespace {
double RateForHalflife(double h) { return h <= 0 ? 1.0 : 1.0 - std::exp2(-1.0 / h); }
constexpr int64_t kDayMs = 86'400'000;
}  // namespace

AnomalyDetector::AnomalyDetector(const DetectorOptions& opt) : opt_(opt) {
  a_level_ = RateForHalflife(opt_.level_halflife);
  a_scale_ = RateForHalflife(opt_.scale_halflife);
  a_smooth_ = RateForHalflife(opt_.smooth_halflife);
  a_slow_ = RateForHalflife(opt_.scale_halflife * 5);
  peak_decay_ = 1 - RateForHalflife(opt_.peak_halflife);
  a_calib_ = RateForHalflife(opt_.calib_halflife);
  a_novelty_ = opt_.novelty_halflife > 0 ? RateForHalflife(opt_.novelty_halflife) : 0;
}

double AnomalyDetector::Calibrated(Calib& c, double stat) {
  const double x = std::log1p(stat);
  if (opt_.calib_mode == 1) {
    // How rare a statistic this large has been on this series (decaying histogram, lazy decay:
    // new counts weigh more and more; renormalised before the weights overflow).
    const int bin = std::min(kCalBins - 1, static_cast<int>(x * 10));
    double tail = 0;
    for (int b = bin; b < kCalBins; ++b) tail += c.h[b];
    const double p = (tail + 0.5 * c.weight) / (c.total + c.weight);
    double u = -std::log(p) + opt_.calib_excess * std::max(0.0, x - c.max_x);
    c.h[bin] += static_cast<float>(c.weight);
    c.total += c.weight;
    c.max_x = std::max(c.max_x * (1 - a_calib_), x);
    c.weight /= 1 - a_calib_;
    if (c.weight > 1e20) {
      for (auto& v : c.h) v = static_cast<float>(v / c.weight);
      c.total /= c.weight;
      c.weight = 1;
    }
    return u / opt_.calib_scale;
  }
  const double u = x - opt_.relative * c.q;
  c.q += opt_.quantile_rate * (x > c.q ? opt_.quantile : -(1 - opt_.quantile));
  return u;
}

template <int N>
bool AnomalyDetector::SeasonalStep(Seasonal<N>& m, int bin, double v, double eps, double* stat,
                                   double* expected) {
  if (!m.seen[bin]) {
    m.profile[bin] = static_cast<float>(v - m.level);
    m.seen[bin] = 1;
    return false;
  }
  *expected = m.level + m.profile[bin];
  const double e = v - *expected;
  m.smooth += a_smooth_ * (e - m.smooth);
  *stat = std::fabs(m.smooth) / (m.smooth_scale + eps);
  m.level += a_level_ * 0.25 * (v - m.profile[bin] - m.level);
  m.profile[bin] += static_cast<float>(opt_.season_rate * (v - m.level - m.profile[bin]));
  // Early on, the scale estimates average what they have seen (bias-corrected EWMA) instead of
  // starting from zero, which would make every early residual look huge.
  ++m.updates;
  const double as = std::max(a_scale_, 1.0 / static_cast<double>(m.updates));
  const bool clip = m.updates > 10;
  m.scale += as * ((clip ? std::min(std::fabs(e), 6 * (m.scale + eps)) : std::fabs(e)) - m.scale);
  m.smooth_scale +=
      as * ((clip ? std::min(std::fabs(m.smooth), 6 * (m.smooth_scale + eps)) : std::fabs(m.smooth)) - m.smooth_scale);
  if (m.seen[bin] < 255) ++m.seen[bin];
  return m.seen[bin] > opt_.season_min_seen;
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
  const double range = hi_ - lo_;
  const double eps = 1e-9 + 1e-3 * range + 1e-6 * std::fabs(level_);

  // Spike / shift: one-step residual of the fast level.
  const double e = v - level_;
  const double spike = std::fabs(e) / (level_scale_ + eps);
  out.expected = level_;
  out.deviation = e / (level_scale_ + eps);
  vol_short_ += a_smooth_ * (std::fabs(e) - vol_short_);
  const double vol = vol_short_ / (level_scale_ + eps);
  level_ += a_level_ * e;
  const double as = std::max(a_scale_, 1.0 / static_cast<double>(n_ - 1));
  level_scale_ += as * ((n_ > 11 ? std::min(std::fabs(e), 6 * (level_scale_ + eps)) : std::fabs(e)) - level_scale_);

  const double dev_slow = v - slow_mean_;
  const double aw = std::max(a_slow_, 1.0 / static_cast<double>(n_));
  slow_mean_ += aw * dev_slow;
  spread_ += aw * (std::fabs(dev_slow) - spread_);

  double u = opt_.w_spike * Calibrated(c_spike_, spike);
  if (opt_.w_vol > 0) u = std::max(u, opt_.w_vol * Calibrated(c_vol_, vol));

  // Seasonal pattern breaks: smoothed residual of time-of-day and day-of-week profiles.
  const int64_t day = t >= 0 ? t / kDayMs : (t - kDayMs + 1) / kDayMs;
  const int day_bin = static_cast<int>((t - day * kDayMs) * kDayBins / kDayMs);
  const int week_bin = static_cast<int>(((day % 7) + 7 + 3) % 7) * kDayBins + day_bin;
  double stat = 0, expected = 0;
  if (opt_.daily && SeasonalStep(daily_, day_bin, v, eps, &stat, &expected)) {
    double c = Calibrated(c_daily_, stat);
    if (daily_.scale < opt_.season_useful * spread_) u = std::max(u, opt_.w_season * c);
  }
  if (opt_.weekly && SeasonalStep(weekly_, week_bin, v, eps, &stat, &expected)) {
    double c = Calibrated(c_weekly_, stat);
    if (weekly_.scale < opt_.season_useful * spread_) u = std::max(u, opt_.w_season * c);
  }

  // Novelty: how rarely the value's range has been visited.
  if (a_novelty_ > 0 && opt_.novelty_mode == 1) {
    // Histogram in robust log space around the slow mean: fine near the bulk, coarse far out.
    const double d = (v - slow_mean_) / (spread_ + eps);
    const double o = std::log2(1 + std::fabs(d)) * opt_.novelty_res;
    int h = kHist / 2 + static_cast<int>(d < 0 ? -o - 1 : o);
    double extra = 0;
    if (h < 0 || h >= kHist) {
      extra = std::fabs(o) - (kHist / 2 - 1);
      h = std::clamp(h, 0, kHist - 1);
    }
    double novelty = 0;
    if (hist_total_ > 0) {
      const double p = (hist_[h] + 0.5) / (hist_total_ + 0.5 * kHist);
      novelty = std::max(0.0, -std::log(p * kHist)) + std::max(0.0, extra);
    }
    for (auto& x : hist_) x *= static_cast<float>(1 - a_novelty_);
    hist_total_ = hist_total_ * (1 - a_novelty_) + 1;
    hist_[h] += 1;
    u = std::max(u, opt_.w_novelty * Calibrated(c_novelty_, novelty));
    lo_ = std::min(lo_, v);
    hi_ = std::max(hi_, v);
  } else if (a_novelty_ > 0) {
    double novelty = 0;
    if (v < lo_ || v > hi_) {
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
      novelty = std::log1p(hist_total_);
      lo_ = new_lo;
      hi_ = new_hi;
    }
    const int h = hi_ > lo_ ? std::clamp(static_cast<int>((v - lo_) / (hi_ - lo_) * kHist), 0, kHist - 1) : 0;
    if (novelty == 0 && hist_total_ > 0) {
      const double p = (hist_[h] + 0.5) / (hist_total_ + 0.5 * kHist);
      novelty = std::max(0.0, -std::log(p * kHist));
    }
    for (auto& x : hist_) x *= static_cast<float>(1 - a_novelty_);
    hist_total_ = hist_total_ * (1 - a_novelty_) + 1;
    hist_[h] += 1;
    u = std::max(u, opt_.w_novelty * Calibrated(c_novelty_, novelty));
  } else {
    lo_ = std::min(lo_, v);
    hi_ = std::max(hi_, v);
  }

  out.surprise = u;
  if (n_ <= opt_.warmup) return out;
  const double like = u > 0 ? 1.0 - std::exp(-2 * u) : 0.0;

  // An excursion is a run of elevated evidence; within it only new peaks are reported at full
  // strength, so a sustained anomaly yields one detection (its first, strongest points).
  if (u > opt_.quiet_level) {
    quiet_ = 0;
    if (!in_excursion_) {
      in_excursion_ = true;
      run_start_ = t;
      reported_ = false;
    }
  } else if (in_excursion_ && ++quiet_ >= opt_.quiet_samples) {
    in_excursion_ = false;
  }
  // Only a new (decaying) peak is reported at full strength.
  excursion_peak_ *= peak_decay_;
  if (like > excursion_peak_) {
    excursion_peak_ = like;
    out.score = like;
  } else {
    out.score = like * opt_.damp;
  }
  if (in_excursion_ && !reported_ && like >= opt_.change_threshold) {
    reported_ = true;
    out.change_point = true;
    out.onset = run_start_;
  }
  return out;
}

}  // namespace firebreak::analyze
