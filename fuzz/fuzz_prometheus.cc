// Fuzzes the decoder of Alertmanager's own API as Prometheus posts to it (POST /api/v2/alerts):
// bytes in, alerts or an error naming a field out; never a crash, never an error without a message.
// Every decoded alert is identifiable, has labels with valid names and a summary, and is either
// resolved (endsAt at or before now) or firing with a time it expires after now.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/time.h"
#include "ingest/ingest.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto now = core::FromUnixMillis(1'767'600'000'000);  // 2026-01-05T08:00:00Z
  auto r = ingest::DecodePostableAlerts(in, now, std::chrono::minutes(5));
  if (!r) {
    if (r.error().message.empty() || r.error().field.empty()) __builtin_trap();
    return 0;
  }
  for (const auto& a : r->alerts) {
    if (a.dedup_key.empty() || a.summary.empty() || a.labels.empty()) __builtin_trap();
    for (const auto& [name, value] : a.labels)
      if (!ingest::IsValidLabelName(name)) __builtin_trap();
    if (a.action == model::AlertEvent::Action::kResolve) {
      if (!a.ends_at || *a.ends_at > now || a.expires_at) __builtin_trap();
    } else if (a.action != model::AlertEvent::Action::kTrigger || !a.expires_at || *a.expires_at <= now) {
      __builtin_trap();
    }
  }
  return 0;
}
