// Delivery pacing: exponential backoff with jitter, and a per-destination token-bucket rate limit.
// Plain data structures; the deliverer owns them and passes the time in.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"

namespace firebreak::notify {

struct RetryPolicy {
  core::Millis initial{std::chrono::seconds(2)};
  core::Millis max{std::chrono::minutes(5)};
  int max_attempts = 12;
  core::Millis give_up_after{std::chrono::minutes(30)};
};

// Delay before the attempt that follows `failed_attempts` failures (>= 1): the exponential step
// d = min(max, initial * 2^(failed_attempts-1)), with "equal jitter": d/2 + uniform[0, d/2] drawn
// from `random`. Always within [d/2, d].
core::Millis Backoff(const RetryPolicy& p, int failed_attempts, uint64_t random);

// True when a notification that failed `attempts` times and was queued `age` ago should go to the
// dead-letter state instead of being retried.
bool ShouldGiveUp(const RetryPolicy& p, int attempts, core::Millis age);

// Token buckets keyed by destination. Thread-safe.
class RateLimiter {
 public:
  RateLimiter(double per_minute, int burst) : per_ms_(per_minute / 60000.0), burst_(burst) {}
  // Takes a token for `key` at `now` if one is available; otherwise returns how long until one is.
  // A zero duration means the token was taken.
  core::Millis Take(const std::string& key, core::TimePoint now);
  void Configure(double per_minute, int burst);

 private:
  struct Bucket {
    double tokens = 0;
    core::TimePoint at{};
  };
  std::mutex mu_;
  double per_ms_;
  int burst_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace firebreak::notify
