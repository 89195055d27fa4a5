// TimerQueue: wall-clock deadlines keyed by id, popped in deadline order.
//
// A plain data structure (not thread-safe): the engine thread owns one and asks it for the next
// deadline and for everything that is due. Deadlines are absolute wall times, so a queue rebuilt from
// stored deadlines after a restart fires exactly what is due (missed deadlines at once).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace firebreak::core {

class TimerQueue {
 public:
  // Arms (or re-arms) timer `id` for `due`.
  void Schedule(int64_t id, TimePoint due);
  // Disarms timer `id`; unknown ids are ignored.
  void Cancel(int64_t id);
  // Earliest deadline, if any timer is armed.
  std::optional<TimePoint> NextDeadline() const;
  // Removes and returns the ids of every timer due at or before `now`, earliest first
  // (ties by id, so the order is deterministic).
  std::vector<int64_t> PopDue(TimePoint now);
  size_t size() const { return by_id_.size(); }

 private:
  std::set<std::pair<TimePoint, int64_t>> queue_;
  std::unordered_map<int64_t, TimePoint> by_id_;
};

}  // namespace firebreak::core
