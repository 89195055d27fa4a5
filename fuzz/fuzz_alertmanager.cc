// Fuzzes the Alertmanager webhook decoder (POST /api/v1/alerts/alertmanager): bytes in, a decoded
// batch or an error naming a field out; never a crash, never an error without a message; and the
// single-pass reader never disagrees with the tree reader.
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
  // Where the single-pass reader decodes, the tree reader decodes the same alerts.
  if (auto fast = ingest::DecodeAlertmanagerFast(in)) {
    auto tree_body = ingest::ParseBody(in);
    if (!tree_body) __builtin_trap();
    auto tree = ingest::DecodeAlertmanager(*tree_body);
    if (!tree || tree->alerts.size() != fast->alerts.size() || tree->group_key != fast->group_key) __builtin_trap();
    for (size_t i = 0; i < fast->alerts.size(); ++i) {
      const auto& x = fast->alerts[i];
      const auto& y = tree->alerts[i];
      if (x.action != y.action || x.dedup_key != y.dedup_key || x.summary != y.summary || x.labels != y.labels ||
          x.annotations != y.annotations || x.starts_at != y.starts_at || x.ends_at != y.ends_at ||
          x.generator_url != y.generator_url || x.service_hint != y.service_hint)
        __builtin_trap();
    }
  }
  return 0;
}
