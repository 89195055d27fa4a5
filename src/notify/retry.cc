#include "notify/retry.h"

#include <algorithm>
#include <cmath>

namespace firebreak::notify {

core::Millis Backoff(const RetryPolicy& p, int failed_attempts, uint64_t random) {
  int n = std::max(1, failed_attempts);
  int64_t d = p.initial.count();
  for (int i = 1; i < n && d < p.max.count(); ++i) d *= 2;
  d = std::min<int64_t>(std::max<int64_t>(d, 1), p.max.count());
  int64_t half = d / 2;
  int64_t jitter = half > 0 ? static_cast<int64_t>(random % static_cast<uint64_t>(d - half + 1)) : 0;
  return core::Millis(half + jitter);
}

bool ShouldGiveUp(const RetryPolicy& p, int attempts, core::Millis age) {
  return attempts >= p.max_attempts || age >= p.give_up_after;
}

core::Millis RateLimiter::Take(const std::string& key, core::TimePoint now) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = burst_;
    b.at = now;
  } else if (now > b.at) {
    b.tokens = std::min<double>(burst_, b.tokens + static_cast<double>((now - b.at).count()) * per_ms_);
    b.at = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return core::Millis(0);
  }
  double need = (1.0 - b.tokens) / per_ms_;
  return core::Millis(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(need - 1e-6))));
}

void RateLimiter::Configure(double per_minute, int burst) {
  std::lock_guard lock(mu_);
  per_ms_ = per_minute / 60000.0;
  burst_ = burst;
}

}  // namespace firebreak::notify
