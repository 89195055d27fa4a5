#include "core/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace firebreak::core {

void Counter::Inc(double v) {
  double cur = value_.load();
  while (!value_.compare_exchange_weak(cur, cur + v)) {
  }
}

void Gauge::Add(double v) {
  double cur = value_.load();
  while (!value_.compare_exchange_weak(cur, cur + v)) {
  }
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::Observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  std::lock_guard lock(mu_);
  ++counts_[i];
  sum_ += v;
  ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
  std::lock_guard lock(mu_);
  Snapshot s;
  s.bounds = bounds_;
  uint64_t acc = 0;
  for (auto c : counts_) {
    acc += c;
    s.cumulative.push_back(acc);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

double Histogram::Quantile(double q) const {
  auto s = snapshot();
  if (s.count == 0) return 0;
  double rank = q * static_cast<double>(s.count);
  uint64_t prev = 0;
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    if (static_cast<double>(s.cumulative[i]) >= rank) {
      double lo = i == 0 ? 0 : s.bounds[i - 1];
      double hi = i < s.bounds.size() ? s.bounds[i] : (s.bounds.empty() ? 0 : s.bounds.back());
      uint64_t in = s.cumulative[i] - prev;
      if (in == 0) return hi;
      return lo + (hi - lo) * ((rank - static_cast<double>(prev)) / static_cast<double>(in));
    }
    prev = s.cumulative[i];
  }
  return s.bounds.empty() ? 0 : s.bounds.back();
}

Counter& Registry::GetCounter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  f.help = help;
  f.type = "counter";
  auto& p = f.counters[labels];
  if (!p) p = std::make_unique<Counter>();
  return *p;
}

Gauge& Registry::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  f.help = help;
  f.type = "gauge";
  auto& p = f.gauges[labels];
  if (!p) p = std::make_unique<Gauge>();
  return *p;
}

Histogram& Registry::GetHistogram(const std::string& name, const std::string& help,
                                  const std::vector<double>& bounds, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  f.help = help;
  f.type = "histogram";
  auto& p = f.histograms[labels];
  if (!p) p = std::make_unique<Histogram>(bounds);
  return *p;
}

std::vector<double> Registry::LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

namespace {
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}
std::string LabelStr(const Labels& l, const std::string& extra_k = "", const std::string& extra_v = "") {
  std::string out;
  auto add = [&](const std::string& k, const std::string& v) {
    out += out.empty() ? "{" : ",";
    out += k + "=\"" + Escape(v) + "\"";
  };
  for (const auto& [k, v] : l) add(k, v);
  if (!extra_k.empty()) add(extra_k, extra_v);
  if (!out.empty()) out += "}";
  return out;
}
std::string Num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

std::string Registry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    for (const auto& [l, c] : f.counters) out += name + LabelStr(l) + " " + Num(c->value()) + "\n";
    for (const auto& [l, g] : f.gauges) out += name + LabelStr(l) + " " + Num(g->value()) + "\n";
    for (const auto& [l, h] : f.histograms) {
      auto s = h->snapshot();
      for (size_t i = 0; i < s.bounds.size(); ++i)
        out += name + "_bucket" + LabelStr(l, "le", Num(s.bounds[i])) + " " + std::to_string(s.cumulative[i]) + "\n";
      out += name + "_bucket" + LabelStr(l, "le", "+Inf") + " " + std::to_string(s.count) + "\n";
      out += name + "_sum" + LabelStr(l) + " " + Num(s.sum) + "\n";
      out += name + "_count" + LabelStr(l) + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace firebreak::core
