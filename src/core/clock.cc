#include "core/clock.h"

namespace firebreak::core {

TimePoint RealClock::Now() const {
  return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}
SteadyTime RealClock::Steady() const { return std::chrono::steady_clock::now(); }
std::chrono::nanoseconds RealClock::RealWaitFor(TimePoint t) const {
  auto d = t - std::chrono::system_clock::now();
  return d < std::chrono::nanoseconds::zero() ? std::chrono::nanoseconds::zero()
                                              : std::chrono::duration_cast<std::chrono::nanoseconds>(d);
}

ManualClock::ManualClock(TimePoint start) : now_(start), steady_(SteadyTime{}) {}

TimePoint ManualClock::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}
SteadyTime ManualClock::Steady() const {
  std::lock_guard lock(mu_);
  return steady_;
}
std::chrono::nanoseconds ManualClock::RealWaitFor(TimePoint t) const {
  std::lock_guard lock(mu_);
  if (t <= now_) return std::chrono::nanoseconds::zero();
  return std::chrono::hours(1);
}
int ManualClock::OnAdvance(std::function<void()> fn) const {
  std::lock_guard lock(mu_);
  int id = next_listener_++;
  listeners_[id] = std::move(fn);
  return id;
}
void ManualClock::RemoveOnAdvance(int handle) const {
  std::lock_guard lock(mu_);
  listeners_.erase(handle);
}
void ManualClock::Advance(Millis d) {
  {
    std::lock_guard lock(mu_);
    if (d.count() > 0) {
      now_ += d;
      steady_ += d;
    }
  }
  Notify();
}
void ManualClock::Set(TimePoint t) {
  {
    std::lock_guard lock(mu_);
    if (t > now_) steady_ += (t - now_);
    now_ = t;
  }
  Notify();
}
void ManualClock::Notify() {
  std::vector<std::function<void()>> ls;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, fn] : listeners_) ls.push_back(fn);
  }
  for (auto& fn : ls) fn();
}

}  // namespace firebreak::core
