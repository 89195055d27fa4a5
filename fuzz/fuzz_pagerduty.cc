// Fuzzes the PagerDuty Events API v2 decoder (POST /v2/enqueue).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/ingest.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = ingest::DecodePagerDuty(in);
  if (!r) {
    if (r.error().message.empty()) __builtin_trap();
    return 0;
  }
  const auto& e = r->event;
  if (r->routing_key.empty()) __builtin_trap();
  // acknowledge/resolve always carry a key; triggers always carry a summary and a severity.
  if (e.action != model::AlertEvent::Action::kTrigger && e.dedup_key.empty()) __builtin_trap();
  if (e.action == model::AlertEvent::Action::kTrigger && (e.summary.empty() || !e.labels.count("severity")))
    __builtin_trap();
  return 0;
}
