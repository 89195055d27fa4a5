// Fuzzes the generic event decoder (POST /api/v1/events) and the silence matcher syntax.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/ingest.h"
#include "model/alert.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto m = model::ParseMatcher(in);
  if (m && m->name.empty()) __builtin_trap();
  auto r = ingest::DecodeGeneric(in);
  if (!r) {
    if (r.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (r->is_change ? r->change.summary.empty() : (r->alert.action == model::AlertEvent::Action::kTrigger &&
                                                   r->alert.summary.empty()))
    __builtin_trap();
  return 0;
}
