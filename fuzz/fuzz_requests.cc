// Fuzzes JSON request decoding (HTTP and MCP share these decoders): parse, then run every decoder.
// Errors must name a field or the body; nothing may crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/alert_requests.h"
#include "app/analysis.h"
#include "app/requests.h"
#include "core/json.h"
#include "core/time.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)core::ParseRfc3339(in);
  (void)core::ParseDuration(in);
  (void)app::ParseWhen(in, 1'700'000'000'000, "from");
  auto v = core::ParseJson(in);
  if (!v) {
    if (v.error().message.empty()) __builtin_trap();
    return 0;
  }
  auto check = [](const auto& r) {
    if (!r && r.error().message.empty()) __builtin_trap();
  };
  check(app::DecodeDeclare(*v));
  check(app::DecodeTransition(*v));
  check(app::DecodeNote(*v));
  check(app::DecodeSeverity(*v));
  check(app::DecodeRole(*v));
  check(app::DecodeImpact(*v));
  check(app::DecodeChangeEvent(*v));
  check(app::DecodeServices(*v));
  check(app::DecodeMerge(*v));
  check(app::DecodeSnooze(*v));
  check(app::DecodeResponders(*v));
  if (auto a = app::DecodeResponderAnswer(*v); a && a->note.size() > 2000) __builtin_trap();
  else check(a);
  check(app::DecodeToken(*v));
  check(app::DecodeSilence(*v));
  check(app::DecodeAmSilence(*v, core::FromUnixMillis(1'767'600'000'000)));
  if (v->is_object()) {
    std::map<std::string, std::string> q;
    for (const auto& kv : v->get_object())
      q[std::string(kv.key())] = kv.value().is_string() ? std::string(kv.value().get_string()) : "";
    check(app::DecodeIncidentFilter(q));
    check(app::DecodeAuditFilter(q));
    check(app::DecodeAlertFilter(q));
    check(app::DecodeChangeFilter(q, core::FromUnixMillis(1'767'600'000'000)));
    check(app::DecodeSilenceState(q));
  }
  return 0;
}
