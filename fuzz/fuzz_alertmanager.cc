// Fuzzes the Alertmanager webhook decoder (POST /api/v1/alerts/alertmanager): bytes in, a decoded
// batch or an error naming a field out; never a crash, never an error without a message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/ingest.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = ingest::DecodeAlertmanager(in);
  if (!r) {
    if (r.error().message.empty()) __builtin_trap();
    return 0;
  }
  for (const auto& a : r->alerts) {
    // Every decoded alert is identifiable and has a summary and labels.
    if (a.dedup_key.empty() || a.summary.empty() || a.labels.empty()) __builtin_trap();
  }
  return 0;
}
