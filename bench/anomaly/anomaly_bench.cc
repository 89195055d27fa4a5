// Throughput and memory of the streaming anomaly detector on one core, beside physical floors
// measured in the same run on the same samples: summing them (memory bandwidth) and a
// minimal one-EWMA detector (the least any streaming detector does per sample).
//
//   anomaly_bench [samples_millions] [series]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include "analyze/detector.h"
#include "core/clock.h"

using namespace firebreak;

namespace {

double Seconds(core::SteadyTime a, core::SteadyTime b) { return std::chrono::duration<double>(b - a).count(); }

// Long-run resident set size in KiB (Linux).
long RssKiB() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages = 0, rss = 0;
  if (std::fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
  std::fclose(f);
  return rss * 4;
}

}  // namespace

int main(int argc, char** argv) {
  const double millions = argc > 1 ? std::atof(argv[1]) : 20;
  const size_t series = argc > 2 ? static_cast<size_t>(std::atol(argv[2])) : 1000;
  const size_t total = static_cast<size_t>(millions * 1e6);
  const size_t per = total / series;
  core::RealClock clock;

  // One realistic minute-resolution signal (daily cycle, noise, rare spikes and a level shift),
  // shared by every series at a different phase so the data stays in cache-friendly size.
  std::vector<double> v(per + series);
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0, 1);
  for (size_t i = 0; i < v.size(); ++i) {
    double x = 50 + 20 * std::sin(2 * M_PI * static_cast<double>(i % 1440) / 1440) + 2 * noise(rng);
    if (i % 5000 == 4999) x += 40;
    if (i > v.size() / 2) x += 10;
    v[i] = x;
  }
  const int64_t t0 = 1'700'000'000'000;

  // Floor 1: sum the samples (what it costs to read them).
  auto a = clock.Steady();
  double sum = 0;
  for (size_t s = 0; s < series; ++s)
    for (size_t i = 0; i < per; ++i) sum += v[i + s];
  auto b = clock.Steady();
  const double sum_rate = static_cast<double>(per * series) / Seconds(a, b);

  // Floor 2: one EWMA and absolute deviation per series (a minimal streaming detector).
  a = clock.Steady();
  double flag = 0;
  for (size_t s = 0; s < series; ++s) {
    double m = v[s], d = 1;
    for (size_t i = 0; i < per; ++i) {
      const double e = v[i + s] - m;
      flag += std::fabs(e) > 4 * d;
      m += 0.1 * e;
      d += 0.01 * (std::fabs(e) - d);
    }
  }
  b = clock.Steady();
  const double ewma_rate = static_cast<double>(per * series) / Seconds(a, b);

  // The detector.
  a = clock.Steady();
  double scores = 0;
  size_t changes = 0;
  for (size_t s = 0; s < series; ++s) {
    analyze::AnomalyDetector d;
    for (size_t i = 0; i < per; ++i) {
      auto o = d.Update(t0 + static_cast<int64_t>(i) * 60'000, v[i + s]);
      scores += o.score;
      changes += o.change_point;
    }
  }
  b = clock.Steady();
  const double det_rate = static_cast<double>(per * series) / Seconds(a, b);

  // Memory per series: the detector's fixed state, and the RSS growth of 100k live detectors.
  const long before = RssKiB();
  std::vector<std::unique_ptr<analyze::AnomalyDetector>> many;
  for (int i = 0; i < 100000; ++i) {
    many.push_back(std::make_unique<analyze::AnomalyDetector>());
    many.back()->Update(t0, 1);
  }
  const long after = RssKiB();

  std::printf("samples: %zu (%zu series x %zu), one thread\n", per * series, series, per);
  std::printf("floor sum:        %8.1f M samples/s\n", sum_rate / 1e6);
  std::printf("floor ewma:       %8.1f M samples/s\n", ewma_rate / 1e6);
  std::printf("detector:         %8.1f M samples/s  (%.1f ns/sample; %.2fx the EWMA floor, %.2fx the sum floor)\n",
              det_rate / 1e6, 1e9 / det_rate, ewma_rate / det_rate, sum_rate / det_rate);
  std::printf("memory per series: %zu bytes of state (sizeof); %.0f bytes measured over 100k detectors\n",
              sizeof(analyze::AnomalyDetector), static_cast<double>(after - before) * 1024.0 / 1e5);
  std::printf("(checksums %.3g %.3g %.3g %zu)\n", sum, flag, scores, changes);
  return 0;
}
