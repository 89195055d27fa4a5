#include "analyze/detector.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace firebreak::analyze {

namespace {

double RateForHalflife(double h) { return h <= 0 ? 1.0 : 1.0 - std::exp2(-1.0 / h); }

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
  a_level4_ = a_level_ * 0.25;
  a_scale_ = RateForHalflife(opt_.scale_halflife);
  a_smooth_ = RateForHalflife(opt_.smooth_halflife);
  a_slow_ = RateForHalflife(opt_.scale_halflife * 5);
  peak_decay_ = 1 - RateForHalflife(opt_.peak_halflife);
  a_novelty_ = opt_.novelty_halflife > 0 ? RateForHalflife(opt_.novelty_halflife) : 0;
  novelty_grow_ = a_novelty_ > 0 ? 1 / (1 - a_novelty_) : 1;
  early_updates_ = static_cast<int64_t>(std::ceil(1 / a_scale_));
  opt_.season_min_seen = std::clamp(opt_.season_min_seen, 0, 254);
  opt_.recur_days = std::clamp(opt_.recur_days, 0, 7);  // the days fit in a byte per bin
  q_up_ = std::exp(opt_.quantile_rate * opt_.quantile);
  q_down_ = std::exp(-opt_.quantile_rate * (1 - opt_.quantile));
  nq_down_ = opt_.quantile_rate * (1 - opt_.quantile);
  NoveltyThreshold();
  // Without the daily model every time is in the current "bin".
  if (!opt_.daily) bin_end_ = std::numeric_limits<int64_t>::max();
}

// Daily calibration: the statistic is num / den (den > 0). Its log-domain quantile
// q = ln(1 + stat) moves by +rate * quantile when exceeded and by -rate * (1 - quantile)
// otherwise; we keep q_daily_ = e^q, so a step is one multiplication and the test
// `ln(1 + stat) > q` is `a = den + num > b = e^q den`. The evidence ln(a / b) is only needed (and
// computed, here) when it is positive, about once in 200 samples.
double AnomalyDetector::DailyEvidence(double a, double b) const {
  // The profile counts only while it explains the series better than its spread.
  if (!(daily_.scale < opt_.season_useful * spread_)) return 0;
  return opt_.w_season * FastLn(a / b);
}

// One step of the daily model. The current bin's profile value is kept in double precision in
// `cur` while samples stay in the bin (written back when the bin changes), so the per-sample
// dependency chains carry no float conversions.
bool AnomalyDetector::SeasonalStep(double v, double eps, double* num, double* den) {
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
  const double lv = m.level;
  m.level = lv + a_level4_ * (v - p - lv);
  m.cur = p + opt_.season_rate * (v - lv - p);
  // Early on the scales average what they have seen (a bias-corrected EWMA) instead of starting
  // from zero, which would make every early residual look huge; later outliers are clipped.
  const double ae = std::fabs(e), as_ = *num;
  if (++m.updates > early_updates_) {
    const double keep = 1 - a_scale_, six_eps = 6 * eps;
    const double s1 = 6 * m.scale + six_eps, s2 = 6 * m.smooth_scale + six_eps;
    m.scale = keep * m.scale + a_scale_ * (ae < s1 ? ae : s1);
    m.smooth_scale = keep * m.smooth_scale + a_scale_ * (as_ < s2 ? as_ : s2);
  } else {
    const double as = 1.0 / static_cast<double>(m.updates);
    const bool clip = m.updates > 10;
    m.scale += as * ((clip ? std::min(ae, 6 * (m.scale + eps)) : ae) - m.scale);
    m.smooth_scale += as * ((clip ? std::min(as_, 6 * (m.smooth_scale + eps)) : as_) - m.smooth_scale);
  }
  // Only "seen at all" and "seen more than season_min_seen times" matter.
  if (m.cur_seen <= opt_.season_min_seen) ++m.cur_seen;
  return m.cur_seen > opt_.season_min_seen;
}

void AnomalyDetector::Renormalize() {
  for (auto& c : hist_) c /= hist_weight_;
  hist_total_ /= hist_weight_;
  hist_weight_ = 1;
}

// Novelty x = max(0, ln R), R = top / bottom = 1 / (p K) with p the smoothed share of the
// sample's histogram bin, calibrated like the other statistics: ln(1 + x) against its running
// quantile q. The per-sample test x > e^q - 1 is R > T with T = exp(e^q - 1), kept up to date by
// multiplication (NoveltyResync). This is the rare branch: q is exceeded.
double AnomalyDetector::NoveltyExceeded(double top, double bottom) {
  return NoveltyAbove(top > bottom ? FastLn(top / bottom) : 0);
}

double AnomalyDetector::NoveltyAbove(double x) {
  const double q = NoveltyQuantile();
  const double u = FastLn(1 + x) - q;
  nq_ = q + opt_.quantile_rate * opt_.quantile;
  nresync_ = kResync + 1;  // the caller's decrement makes it kResync: no step since nq_
  NoveltyThreshold();
  return u;
}

void AnomalyDetector::NoveltyResync() {
  nq_ = NoveltyQuantile();
  nresync_ = kResync;
  NoveltyThreshold();
}

void AnomalyDetector::NoveltyThreshold() {
  // T = exp(e^q - 1); one step down of q multiplies T by exp(e^q (e^-d - 1)), d the step.
  const double eq = std::exp(nq_);
  nt_ = std::exp(eq - 1);
  nt_step_ = std::exp(eq * std::expm1(-nq_down_));
}

// Novelty of `v`: for a new extreme ln(1 + total) nats (the history never saw it), otherwise as
// in NoveltyExceeded. Returns the calibrated evidence (0 when below the quantile).
double AnomalyDetector::Novelty(double v, bool* extreme) {
  double x = -1;  // -1: no new extreme
  if (v < lo_ || v > hi_) {
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
    // A record that barely beats the old extreme is what noise with a bounded range keeps doing
    // as it creeps towards its bound (ever smaller steps): the novelty is scaled by the
    // overshoot, in full from `record_overshoot` times the series' spread. A record far beyond
    // the old extreme is the reverse: under a tail that falls exponentially in spreads, each
    // spread of overshoot past `record_gain_from` is worth `record_gain` nats more.
    const double over = v < lo_ ? lo_ - v : v - hi_;
    if (opt_.record_overshoot > 0) x *= std::min(1.0, over / (opt_.record_overshoot * spread_ + eps_));
    if (opt_.record_gain > 0) x += opt_.record_gain * std::max(0.0, over / (spread_ + eps_) - opt_.record_gain_from);
    lo_ = new_lo;
    hi_ = new_hi;
    inv_width_ = hi_ > lo_ ? kHist / (hi_ - lo_) : 0;
  }
  *extreme = x >= 0;
  const int h = std::clamp(static_cast<int>((v - lo_) * inv_width_), 0, kHist - 1);
  const double top = hist_total_ + 0.5 * kHist * hist_weight_;
  const double bottom = kHist * (hist_[h] + 0.5 * hist_weight_);
  hist_[h] += hist_weight_;
  hist_total_ += hist_weight_;
  hist_weight_ *= novelty_grow_;
  if (hist_weight_ > 1e30) Renormalize();
  double u = 0;
  if (x >= 0 ? FastLn(1 + x) > NoveltyQuantile() : std::max(top, bottom) > nt_ * bottom) {
    u = x >= 0 ? NoveltyAbove(x) : NoveltyExceeded(top, bottom);
  } else {
    nt_ *= nt_step_;
  }
  if (--nresync_ < 0) NoveltyResync();
  return u;
}

bool AnomalyDetector::Recurring(int64_t day) {
  if (!opt_.daily || opt_.recur_need <= 0) return false;
  const auto d16 = static_cast<uint16_t>(day);
  auto mask_at = [&](int b) -> unsigned {
    const int shift = static_cast<uint16_t>(d16 - recur_day_[b]);
    return shift >= 8 ? 0u : (static_cast<unsigned>(recur_mask_[b]) << shift) & 0xffu;
  };
  const int prev = bin_ == 0 ? kDayBins - 1 : bin_ - 1, next = bin_ == kDayBins - 1 ? 0 : bin_ + 1;
  const unsigned seen = (mask_at(prev) | mask_at(bin_) | mask_at(next)) >> 1;
  const unsigned window = (1u << opt_.recur_days) - 1;
  const bool recurring = std::popcount(seen & window) >= opt_.recur_need;
  recur_mask_[bin_] = static_cast<uint8_t>(mask_at(bin_) | 1u);
  recur_day_[bin_] = d16;
  return recurring;
}

void AnomalyDetector::Excursion(int64_t t, double u, bool record, DetectorOutput* out) {
  const double like = 1.0 - std::exp(-2 * u);
  // Excursions: a run of samples with evidence, ended by `quiet_samples` without. The onset is the
  // excursion's first sample with at least half the change-point evidence: weak evidence before it
  // is the noise floor the excursion happened to start on.
  const int quiet = quiet_;
  quiet_ = 0;
  if (!in_excursion_) {
    in_excursion_ = true;
    run_start_ = 0;
    reported_ = false;
    excursion_full_ = -1;
  } else if (quiet > 0 && (!reported_ || quiet >= opt_.change_gap)) {
    // Evidence resuming after quiet samples: the excursion goes on for scoring, but the onset of
    // a change point is where its evidence became continuous (a blip before a shift is not its
    // start); after `change_gap` quiet samples a reported excursion may open a new one.
    run_start_ = 0;
    reported_ = false;
  }
  if (run_start_ == 0 && like >= 0.5 * opt_.change_threshold) run_start_ = t;
  // A new extreme is beyond every earlier value, so it is no repeat of a rare value or a broken
  // day reported shortly before (nor they of it): with record_peak each kind has its own peak.
  const bool own = record && opt_.record_peak;
  double& peak_score = own ? record_peak_ : peak_;
  int64_t& peak_at = own ? record_peak_n_ : peak_n_;
  const double peak = peak_score * std::pow(peak_decay_, static_cast<double>(n_ - peak_at));
  // A sample scores in full when it beats the decaying peak of earlier scores, clearly beats the
  // excursion's own last full score (rising evidence over a few samples is one report) and is not
  // a daily habit of the series (Recurring).
  const int64_t day = t >= 0 ? t / kDayMs : -((-t - 1) / kDayMs) - 1;
  const bool recurring = Recurring(day);
  if (like > peak && like >= excursion_full_ + opt_.rescore_margin && !recurring) {
    peak_score = like;
    peak_at = n_;
    excursion_full_ = like;
    out->score = like;
  } else {
    out->score = like * opt_.damp;
  }
  if (like >= opt_.change_threshold) {
    if (!reported_) {
      reported_ = true;
      reported_like_ = like;
      out->change_point = true;
      out->onset = run_start_;
    } else if (like >= reported_like_ + 0.2) {
      // Much stronger evidence inside an open excursion (a real shift right after a noisy stretch
      // that already opened one): a new change point starting here.
      reported_like_ = like;
      out->change_point = true;
      out->onset = t;
    }
  }
}

void AnomalyDetector::RefreshFast() {
  const int64_t next = n_ + 1;
  fast_ = static_cast<double>(next) * a_slow_ >= 1 && next > opt_.warmup && hist_total_ > 0 &&
          (!opt_.daily || (daily_.cur_seen > opt_.season_min_seen && daily_.updates >= early_updates_));
}

void AnomalyDetector::SwitchBin(int b) {
  if (bin_end_ != std::numeric_limits<int64_t>::min()) {
    daily_.profile[bin_] = static_cast<float>(daily_.cur);
    daily_.seen[bin_] = static_cast<uint8_t>(daily_.cur_seen);
  }
  bin_ = b;
  daily_.cur = daily_.profile[b];
  daily_.cur_seen = daily_.seen[b];
}

bool AnomalyDetector::NextBin() {
  // Bins are aligned on multiples of kBinMs since the epoch, so the next one is adjacent.
  SwitchBin(bin_ == kDayBins - 1 ? 0 : bin_ + 1);
  bin_start_ = bin_end_;
  bin_end_ += kBinMs;
  RefreshFast();  // for sample n_ + 1, the one being fed (not counted yet)
  return fast_;
}

// The general path: every case, including the learning phase, new extremes and bin changes.
void AnomalyDetector::UpdateGeneral(int64_t t, double v, DetectorOutput& out) {
  if (!std::isfinite(v)) return;
  ++n_;
  if (n_ == 1) {
    daily_.level = slow_mean_ = v;
    lo_ = hi_ = v;
    eps_ = 1e-9 + 1e-6 * std::fabs(v);
    return;
  }
  const double eps = eps_;

  // The slow mean and spread of the series (which decide whether the daily profile explains it).
  const bool early = static_cast<double>(n_) * a_slow_ < 1;
  const double dev_slow = v - slow_mean_;
  const double aw = early ? 1.0 / static_cast<double>(n_) : a_slow_;
  slow_mean_ += aw * dev_slow;
  spread_ += aw * (std::fabs(dev_slow) - spread_);

  double u = 0;  // no evidence unless a sub-detector finds some
  const char* source = "";
  bool record = false;  // the evidence is a new extreme's

  // Broken daily pattern. Bins are keyed by wall time, so gaps and irregular sampling keep the
  // phase; the bin is recomputed only when t leaves the current one.
  if (opt_.daily) {
    if (t < bin_start_ || t >= bin_end_) {
      const int64_t day = static_cast<int64_t>(std::floor(static_cast<double>(t) * (1.0 / kDayMs)));
      const int b = std::clamp(static_cast<int>((t - day * kDayMs) / kBinMs), 0, kDayBins - 1);
      SwitchBin(b);
      bin_start_ = day * kDayMs + b * kBinMs;
      bin_end_ = bin_start_ + kBinMs;
    }
    double num, den;
    if (SeasonalStep(v, eps, &num, &den)) {
      u = DailyQuantileStep(num, den);
      if (u > 0) source = "daily";
    }
  }

  if (a_novelty_ > 0) {
    bool extreme;
    const double c = opt_.w_novelty * Novelty(v, &extreme);
    if (c > u) {
      u = c;
      source = extreme ? "new_extreme" : "rare_value";
      record = extreme;
    }
  } else {
    lo_ = std::min(lo_, v);
    hi_ = std::max(hi_, v);
  }
  eps_ = 1e-9 + 1e-3 * (hi_ - lo_) + 1e-6 * std::max(std::fabs(lo_), std::fabs(hi_));
  RefreshFast();

  out.surprise = u;
  out.source = source;
  if (n_ <= opt_.warmup) return;
  if (u > 0) {
    Excursion(t, u, record, &out);
  } else if (in_excursion_ && ++quiet_ >= opt_.quiet_samples) {
    in_excursion_ = false;
  }
}

}  // namespace firebreak::analyze
