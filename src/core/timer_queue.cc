#include "core/timer_queue.h"

namespace firebreak::core {

void TimerQueue::Schedule(int64_t id, TimePoint due) {
  Cancel(id);
  queue_.emplace(due, id);
  by_id_[id] = due;
}

void TimerQueue::Cancel(int64_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  queue_.erase({it->second, id});
  by_id_.erase(it);
}

std::optional<TimePoint> TimerQueue::NextDeadline() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first;
}

std::vector<int64_t> TimerQueue::PopDue(TimePoint now) {
  std::vector<int64_t> due;
  while (!queue_.empty() && queue_.begin()->first <= now) {
    due.push_back(queue_.begin()->second);
    by_id_.erase(queue_.begin()->second);
    queue_.erase(queue_.begin());
  }
  return due;
}

}  // namespace firebreak::core
