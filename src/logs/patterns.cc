#include "logs/patterns.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/time.h"
#include "store/store.h"

namespace firebreak::logs {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + mid)) / 2;
  return m;
}

RateStats ComputeRate(const std::vector<double>& window, const std::vector<double>& baseline, const SurgeOptions& opt) {
  RateStats r;
  double total = 0;
  for (double x : window) total += x;
  r.rate = window.empty() ? 0 : total / static_cast<double>(window.size());
  size_t k = std::max<size_t>(1, std::min(window.size(), static_cast<size_t>(std::max(1, opt.peak_minutes))));
  double run = 0;
  for (size_t i = 0; i < window.size(); ++i) {
    run += window[i];
    if (i >= k) run -= window[i - k];
    if (i + 1 >= k) r.peak_rate = std::max(r.peak_rate, run / static_cast<double>(k));
  }
  if (!baseline.empty()) {
    r.baseline_median = Median(baseline);
    double sum = 0;
    for (double x : baseline) sum += x;
    r.baseline_mean = sum / static_cast<double>(baseline.size());
    std::vector<double> dev;
    dev.reserve(baseline.size());
    for (double x : baseline) dev.push_back(std::fabs(x - r.baseline_median));
    r.baseline_mad = Median(std::move(dev));
  }
  // A Poisson floor keeps the spread positive for steady or silent templates.
  double sigma = std::max(1.4826 * r.baseline_mad, std::sqrt(r.baseline_median + 1.0));
  r.z = (r.peak_rate - r.baseline_median) / sigma;
  double reference = r.baseline_median > 0 ? r.baseline_median : r.baseline_mean;
  r.surging = total >= static_cast<double>(opt.min_count) && r.z >= opt.z && r.peak_rate >= opt.ratio * reference &&
              r.peak_rate > reference;
  return r;
}

bool LooksLikeError(std::string_view text) {
  static const char* kWords[] = {"error",   "exception", "fail",    "fatal",  "panic",     "refused",
                                 "denied",  "timeout",   "timed out", "unable", "cannot",  "can't",
                                 "unreachable", "abort", "critical", "crash", "killed",    "out of memory",
                                 "broken pipe", "no route", "unavailable", "traceback", "segfault", "deadlock"};
  std::string l(text);
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* w : kWords)
    if (l.find(w) != std::string::npos) return true;
  return false;
}

Result<std::vector<Pattern>> FindPatterns(store::Tx& tx, const PatternQuery& q) {
  auto repo = tx.logs();
  const int64_t from_min = core::ToUnixMillis(q.from) / 60000;
  const int64_t to_min = std::max(from_min + 1, (core::ToUnixMillis(q.to) + 59999) / 60000);
  const int64_t base_minutes = std::max<int64_t>(1, q.baseline.count() / 60000);
  std::vector<Pattern> out;
  for (const auto& service : q.services) {
    FB_ASSIGN_OR_RETURN(auto counts, repo.Counts(service, from_min, to_min));
    FB_ASSIGN_OR_RETURN(auto base_counts, repo.Counts(service, from_min - base_minutes, from_min));
    std::map<int64_t, int64_t> base_total;
    for (const auto& c : base_counts) base_total[c.template_id] = c.count;
    for (const auto& c : counts) {
      FB_ASSIGN_OR_RETURN(auto rec, repo.GetTemplate(c.template_id));
      if (!rec) continue;
      Pattern p;
      p.template_id = rec->id;
      p.service = service;
      p.text = rec->text;
      p.count = c.count;
      p.errors = c.errors;
      p.first_seen_ms = rec->first_seen;
      p.last_seen_ms = rec->last_seen;
      p.error = rec->errors > 0 || LooksLikeError(rec->text);
      p.is_new = rec->first_seen >= core::ToUnixMillis(q.from) && base_total.count(rec->id) == 0;
      if (q.errors_only && !p.error) continue;
      // Per-minute series (zeros for silent minutes) of the window and the baseline.
      std::vector<double> series(static_cast<size_t>(base_minutes), 0.0), window(static_cast<size_t>(to_min - from_min), 0.0);
      if (base_total.count(rec->id)) {
        FB_ASSIGN_OR_RETURN(auto s, repo.Series(rec->id, from_min - base_minutes, from_min));
        for (const auto& [m, n] : s) series[static_cast<size_t>(m - (from_min - base_minutes))] = static_cast<double>(n);
      }
      FB_ASSIGN_OR_RETURN(auto ws, repo.Series(rec->id, from_min, to_min));
      for (const auto& [m, n] : ws) window[static_cast<size_t>(m - from_min)] = static_cast<double>(n);
      p.stats = ComputeRate(window, series, q.surge);
      p.surging = p.stats.surging;
      if (q.anomalous_only && !p.is_new && !p.surging) continue;
      p.score = (p.is_new ? 100.0 : 0.0) + std::max(0.0, p.stats.z) + std::log1p(static_cast<double>(c.count));
      out.push_back(std::move(p));
    }
  }
  std::sort(out.begin(), out.end(), [](const Pattern& a, const Pattern& b) {
    if (a.error != b.error) return a.error;
    bool aa = a.is_new || a.surging, ba = b.is_new || b.surging;
    if (aa != ba) return aa;
    if (a.score != b.score) return a.score > b.score;
    return a.template_id < b.template_id;
  });
  if (out.size() > q.limit) out.resize(q.limit);
  for (auto& p : out) {
    if (q.exemplars <= 0) break;
    FB_ASSIGN_OR_RETURN(p.exemplars, repo.Exemplars(p.template_id, q.exemplars));
  }
  return out;
}

}  // namespace firebreak::logs
