#include "api/stream_hub.h"

#include "core/crypto.h"
#include "core/json.h"

namespace firebreak::api {

StreamHub::StreamHub(engine::Engine& engine, size_t capacity)
    : engine_(engine), capacity_(capacity), epoch_(core::RandomHex(8)) {
  sub_ = engine_.Subscribe([this](const engine::Change& c) { Add(c); });
}

StreamHub::~StreamHub() { engine_.Unsubscribe(sub_); }

void StreamHub::Add(const engine::Change& c) {
  boost::json::object o{{"topic", c.topic}, {"id", c.id}, {"data", c.data}};
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lk(mu_);
    ring_.push_back(Event{++seq_, c.topic, core::ToJson(o)});
    while (ring_.size() > capacity_) ring_.pop_front();
    for (const auto& [id, w] : watchers_) wake.push_back(w);
  }
  for (auto& w : wake) w();
}

uint64_t StreamHub::last_seq() const {
  std::lock_guard lk(mu_);
  return seq_;
}

std::optional<std::vector<StreamHub::Event>> StreamHub::Since(uint64_t after) const {
  std::lock_guard lk(mu_);
  std::vector<Event> out;
  if (after >= seq_) return out;
  // The ring holds seq_ - ring_.size() + 1 .. seq_.
  uint64_t first = seq_ - ring_.size() + 1;
  if (after + 1 < first) return std::nullopt;
  for (size_t i = after + 1 - first; i < ring_.size(); ++i) out.push_back(ring_[i]);
  return out;
}

std::optional<uint64_t> StreamHub::ParseId(std::string_view id) const { return ParseEventId(id, epoch_, last_seq()); }

int StreamHub::Watch(std::function<void()> wake) {
  std::lock_guard lk(mu_);
  int id = next_watch_++;
  watchers_[id] = std::move(wake);
  return id;
}

void StreamHub::Unwatch(int id) {
  std::lock_guard lk(mu_);
  watchers_.erase(id);
}

void StreamHub::WakeAll() {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lk(mu_);
    for (const auto& [id, w] : watchers_) wake.push_back(w);
  }
  for (auto& w : wake) w();
}

size_t StreamHub::watchers() const {
  std::lock_guard lk(mu_);
  return watchers_.size();
}

}  // namespace firebreak::api
