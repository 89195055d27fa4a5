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
  a_long_ = RateForHalflife(opt_.surprise_long_halflife);
  a_short_ = RateForHalflife(opt_.surprise_short_halflife);
  a_novelty_ = RateForHalflife(opt_.novelty_halflife);
}

double AnomalyDetector::Calibrate(double surprise) {
  const double x = std::log1p(surprise);
  s_short_ += a_short_ * (x - s_short_);
  double u;
  if (opt_.calibrate >= 2) {
    // Distance above a running high quantile of past surprise (log units).
    u = (s_short_ - opt_.beta * s_quantile_) / opt_.sd_floor;
    s_quantile_ += opt_.quantile_rate * (x > s_quantile_ ? opt_.quantile : -(1 - opt_.quantile));
  } else {
    const double sd = std::max(std::sqrt(s_var_), opt_.sd_floor);
    u = (s_short_ - s_mean_) / sd;
  }
  const double d = x - s_mean_;
  s_mean_ += a_long_ * d;
  s_var_ = (1 - a_long_) * (s_var_ + a_long_ * d * d);
  return u;
}

template <int N>
bool AnomalyDetector::SeasonalStep(Seasonal<N>& m, int bin, double v, double eps, double* z,
                                   double* e, double* expected) {
  if (!m.seen[bin]) {
    if (n_ <= 2) m.level = v;
    m.profile[bin] = static_cast<float>(v - m.level);
    m.seen[bin] = 1;
    return false;
  }
  *expected = m.level + m.profile[bin];
  *e = v - *expected;
  *z = std::fabs(*e) / (m.scale + eps);
  m.level += a_level_ * opt_.season_level_share * (v - m.profile[bin] - m.level);
  m.profile[bin] += static_cast<float>(opt_.season_rate * (v - m.level - m.profile[bin]));
  m.scale += a_scale_ * (std::min(std::fabs(*e), 6 * (m.scale + eps)) - m.scale);
  if (m.seen[bin] < 255) ++m.seen[bin];
  return m.seen[bin] > opt_.season_min_seen;
}

DetectorOutput AnomalyDetector::Update(int64_t t, double v) {
  DetectorOutput out;
  if (!std::isfinite(v)) return out;
  ++n_;
  if (n_ == 1) {
    level_ = daily_.level = weekly_.level = v;
    lo_ = hi_ = v;
    out.expected = v;
    return out;
  }
  const double range = hi_ - lo_;
  const double eps = 1e-9 + 1e-3 * range + 1e-6 * std::fabs(level_);

  // Fast level.
  const double e_level = v - level_;
  double z = std::fabs(e_level) / (level_scale_ + eps);
  out.expected = level_;
  out.deviation = e_level / (level_scale_ + eps);
  level_ += a_level_ * e_level;
  level_scale_ += a_scale_ * (std::min(std::fabs(e_level), 6 * (level_scale_ + eps)) - level_scale_);

  // Seasonal: time-of-day and day-of-week bins keyed by wall time.
  const int64_t day = t >= 0 ? t / kDayMs : (t - kDayMs + 1) / kDayMs;
  const int day_bin = static_cast<int>((t - day * kDayMs) * kDayBins / kDayMs);
  const int week_bin = static_cast<int>(((day % 7) + 7 + 3) % 7) * kDayBins + day_bin;
  double zs, es, xs;
  if (opt_.seasonal && SeasonalStep(daily_, day_bin, v, eps, &zs, &es, &xs) && zs < z) {
    z = zs;
    out.expected = xs;
    out.deviation = es / (daily_.scale + eps);
  }
  if (opt_.weekly && SeasonalStep(weekly_, week_bin, v, eps, &zs, &es, &xs) && zs < z) {
    z = zs;
    out.expected = xs;
    out.deviation = es / (weekly_.scale + eps);
  }

  // Novelty: how rarely the value's range has been visited.
  double novelty = 0;
  if (opt_.novelty_weight > 0) {
    if (v < lo_ || v > hi_) {
      const double new_lo = std::min(lo_, v), new_hi = std::max(hi_, v);
      if (hist_total_ > 0 && hi_ > lo_) {
        std::array<float, kHist> moved{};
        for (int i = 0; i < kHist; ++i) {
          const double center = lo_ + (i + 0.5) * (hi_ - lo_) / kHist;
          int j = static_cast<int>((center - new_lo) / (new_hi - new_lo) * kHist);
          moved[std::clamp(j, 0, kHist - 1)] += hist_[i];
        }
        hist_ = moved;
      }
      novelty = hist_total_ > 0 ? std::log1p(hist_total_) : 0;
      lo_ = new_lo;
      hi_ = new_hi;
    }
    int h = hi_ > lo_ ? static_cast<int>((v - lo_) / (hi_ - lo_) * kHist) : 0;
    h = std::clamp(h, 0, kHist - 1);
    if (novelty == 0 && hist_total_ > 0) {
      const double p = (hist_[h] + 0.5) / (hist_total_ + 0.5 * kHist);
      novelty = std::max(0.0, -std::log(p * kHist));
    }
    for (auto& x : hist_) x *= static_cast<float>(1 - a_novelty_);
    hist_total_ *= 1 - a_novelty_;
    hist_[h] += 1;
    hist_total_ += 1;
  } else {
    lo_ = std::min(lo_, v);
    hi_ = std::max(hi_, v);
  }

  const double surprise = z + opt_.novelty_weight * novelty;
  out.surprise = surprise;
  const double u = Calibrate(surprise);
  if (n_ <= opt_.warmup) return out;

  // Likelihood that this surprise is unusual for this series.
  double like = 0.5 * std::erfc(-u / std::sqrt(2.0));
  if (opt_.calibrate == 0) like = surprise / (surprise + 10.0);
  if (opt_.calibrate >= 2) like = 1.0 / (1.0 + std::exp(-u));
  // An excursion is a run of elevated surprise; within it only new peaks are reported at full
  // strength, so a sustained anomaly yields one detection (its first, strongest point).
  const bool elevated = u > opt_.rearm;
  if (elevated) {
    quiet_ = 0;
    if (!in_excursion_) {
      in_excursion_ = true;
      excursion_peak_ = 0;
      run_start_ = t;
      reported_ = false;
    }
  } else if (in_excursion_ && ++quiet_ >= opt_.rearm_samples) {
    in_excursion_ = false;
  }
  if (in_excursion_) {
    if (like > excursion_peak_) {
      excursion_peak_ = like;
      out.score = like;
    } else {
      out.score = like * opt_.damp;
    }
    if (!reported_ && like >= opt_.change_threshold) {
      reported_ = true;
      out.change_point = true;
      out.onset = run_start_;
    }
  } else {
    out.score = like * opt_.damp;
  }
  return out;
}

}  // namespace firebreak::analyze
