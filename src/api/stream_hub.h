// StreamHub: the engine's change feed made resumable for server-sent events.
//
// The hub subscribes to engine::Engine's change feed and keeps the last `capacity` changes in a
// ring, numbered from 1 within one server run (an "epoch", random per start). An SSE event id is
// "<epoch>.<seq>"; a client reconnecting with Last-Event-ID of the same epoch gets exactly the
// events it missed while they are still in the ring. After a restart (other epoch) or a gap too
// long for the ring, the client is told to reset: refetch its view, then follow the stream again.
//
// Watchers are woken (never blocked) from the engine thread; a stream coroutine waits on a
// thread-safe channel and reads the ring itself.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace firebreak::api {

// Parses an SSE event id "<epoch>.<seq>" (from the client's Last-Event-ID): seq if the epoch is
// `epoch` and seq <= max_seq. Inline so the fuzz target needs no HTTP code.
inline std::optional<uint64_t> ParseEventId(std::string_view id, std::string_view epoch, uint64_t max_seq) {
  auto dot = id.rfind('.');
  if (dot == std::string_view::npos || id.substr(0, dot) != epoch) return std::nullopt;
  auto digits = id.substr(dot + 1);
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (v > max_seq) return std::nullopt;
  return v;
}

class StreamHub {
 public:
  struct Event {
    uint64_t seq = 0;
    std::string topic;
    std::string data;  // one line of JSON: {"topic","id","data"}
  };

  StreamHub(engine::Engine& engine, size_t capacity = 4096);
  ~StreamHub();
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;

  const std::string& epoch() const { return epoch_; }
  uint64_t last_seq() const;
  // Events with seq > after, or nullopt if some of them have already left the ring.
  std::optional<std::vector<Event>> Since(uint64_t after) const;
  // Parses "<epoch>.<seq>": the seq if the epoch is this run's, nullopt otherwise.
  std::optional<uint64_t> ParseId(std::string_view id) const;
  std::string Id(uint64_t seq) const { return epoch_ + "." + std::to_string(seq); }

  // `wake` runs (on the engine thread, or the caller of WakeAll) after new events arrive.
  int Watch(std::function<void()> wake);
  void Unwatch(int id);
  // Wakes every watcher (heartbeats).
  void WakeAll();
  size_t watchers() const;

  // Adds a change as if the engine had published it (used by the engine subscription; tests).
  void Add(const engine::Change& c);

 private:
  engine::Engine& engine_;
  int sub_ = 0;
  size_t capacity_;
  std::string epoch_;
  mutable std::mutex mu_;
  std::deque<Event> ring_;
  uint64_t seq_ = 0;
  std::map<int, std::function<void()>> watchers_;
  int next_watch_ = 1;
};

}  // namespace firebreak::api
