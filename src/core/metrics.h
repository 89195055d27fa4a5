// Metrics: counters, gauges and histograms rendered in the Prometheus text exposition format.
//
// A Registry is passed to the modules that record (no global singleton). Families are created once
// (at start-up) and then updated lock-free for counters/gauges; histograms take a short lock.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace firebreak::core {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void Inc(double v = 1);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v); }
  void Add(double v);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Cumulative counts per bound (+Inf last), sum, count.
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;
  // Approximate quantile (linear within the bucket), for reports and benchmarks.
  double Quantile(double q) const;

 private:
  mutable std::mutex mu_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, +Inf last
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Registry {
 public:
  // Returns the series (family name + labels), creating it on first use. Thread-safe.
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help, const std::vector<double>& bounds,
                          const Labels& labels = {});
  // Prometheus text format (version 0.0.4).
  std::string Render() const;

  // Latency buckets in seconds, 0.5 ms .. 60 s.
  static std::vector<double> LatencyBuckets();

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace firebreak::core
