// Fuzzes the log ingestion decoders: Loki push JSON, Loki snappy-compressed protobuf (and snappy
// itself), Firebreak JSON batches and NDJSON. Bad input is refused with a message naming a field;
// nothing may crash or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string>

#include "logs/ingest.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  static const std::vector<std::string> labels = {"service", "service_name", "app", "job"};
  logs::DecodeLimits limits;
  limits.max_entries = 1000;
  auto check = [](const auto& r) {
    if (!r && (r.error().message.empty() || r.error().field.empty())) __builtin_trap();
    if (r)
      for (const auto& e : *r)
        if (e.line.size() > (64 << 10)) __builtin_trap();
  };
  check(logs::DecodeLokiJson(in, labels, limits));
  check(logs::DecodeLokiProtobuf(in, labels, limits));
  check(logs::DecodeLogBatch(in, false, "svc", labels, limits));
  check(logs::DecodeLogBatch(in, true, "", labels, limits));
  auto raw = logs::SnappyUncompress(in, 1 << 20);
  if (raw && raw->size() > (1 << 20)) __builtin_trap();
  return 0;
}
