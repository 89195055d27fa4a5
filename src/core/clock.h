// Clock: the only way Firebreak code learns the time.
//
// Wall time (TimePoint, milliseconds since the Unix epoch, UTC) is for display and for stored
// deadlines; steady time is for measuring intervals. Domain code receives a `const Clock&` and never
// reads std::chrono clocks directly, so tests substitute a ManualClock and advance it by hand.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

namespace firebreak::core {

using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::sys_time<Millis>;
using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall time, UTC, millisecond precision.
  virtual TimePoint Now() const = 0;
  // Monotonic time for intervals.
  virtual SteadyTime Steady() const = 0;
  // How long a thread that waits for wall time `t` should block before checking again. A manual clock
  // never moves on its own, so it answers a long wait and wakes waiters through OnAdvance instead.
  virtual std::chrono::nanoseconds RealWaitFor(TimePoint t) const = 0;
  // Registers `fn` to run after the clock jumps (manual clocks only; real clocks ignore it) and
  // returns a handle for RemoveOnAdvance. Whoever registers must remove before it dies.
  virtual int OnAdvance(std::function<void()> fn) const { return 0; }
  virtual void RemoveOnAdvance(int handle) const {}
};

// Reads the system clocks.
class RealClock final : public Clock {
 public:
  TimePoint Now() const override;
  SteadyTime Steady() const override;
  std::chrono::nanoseconds RealWaitFor(TimePoint t) const override;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start);
  TimePoint Now() const override;
  SteadyTime Steady() const override;
  std::chrono::nanoseconds RealWaitFor(TimePoint t) const override;
  int OnAdvance(std::function<void()> fn) const override;
  void RemoveOnAdvance(int handle) const override;

  // Moves wall and steady time forward by `d` (must be >= 0) and notifies listeners.
  void Advance(Millis d);
  // Sets the wall time (steady time moves by the same amount if t is later).
  void Set(TimePoint t);

 private:
  void Notify();
  mutable std::mutex mu_;
  TimePoint now_;
  SteadyTime steady_;
  mutable std::map<int, std::function<void()>> listeners_;
  mutable int next_listener_ = 1;
};

}  // namespace firebreak::core
