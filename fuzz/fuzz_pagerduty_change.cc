// Fuzzes the PagerDuty change-event decoder (POST /v2/change/enqueue).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/ingest.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = ingest::DecodePagerDutyChange(in);
  if (!r) {
    if (r.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (r->change.summary.empty() || r->change.kind.empty()) __builtin_trap();
  return 0;
}
