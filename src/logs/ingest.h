// Decoders for log ingestion: the Grafana Loki push API (JSON body of POST /loki/api/v1/push) and
// Firebreak's JSON batches (POST /api/v1/logs). Both produce LogEntry values; bad input is
// rejected whole with InvalidArgument naming the offending field ("streams[1].values[3][0]").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace firebreak::logs {

struct LogEntry {
  std::string service;  // "" = not attributed (dropped by the service layer)
  int64_t time_ms = 0;  // Unix ms; 0 = when received
  std::string line;     // the raw line (or the message, for structured entries)
  std::string level;    // level text if the sender gave one ("" = unknown)
  std::map<std::string, std::string> labels;
};

struct DecodeLimits {
  size_t max_entries = 50000;
  size_t max_line_bytes = 64 << 10;  // longer lines are cut (at a UTF-8 boundary)
  size_t max_labels = 64;
};

// Loki push API, JSON encoding:
//   {"streams": [{"stream": {"label": "value", ...}, "values": [["<unix ns>", "<line>"], ...]}]}
// A value may carry a third element, an object of structured metadata (kept as labels). The service
// comes from the first of `service_labels` present in a stream's labels; the level from a "level",
// "detected_level" or "severity" label.
Result<std::vector<LogEntry>> DecodeLokiJson(std::string_view body, const std::vector<std::string>& service_labels,
                                             const DecodeLimits& limits = {});

// Loki push API, protobuf encoding compressed with snappy (what Promtail and Grafana Alloy send by
// default): Content-Type application/x-protobuf.
Result<std::vector<LogEntry>> DecodeLokiProtobuf(std::string_view body, const std::vector<std::string>& service_labels,
                                                 const DecodeLimits& limits = {});

// Firebreak JSON batch:
//   {"service": "checkout", "entries": [{"time": RFC 3339 or Unix ms, "level": "error",
//    "message": "...", "labels": {...}}, ...]}
// or newline-delimited JSON objects, one entry per line (each may name its own "service", else the
// first of `service_labels` found among its fields, else `default_service`). Plain strings are
// accepted as entries too ("entries": ["line", ...]).
Result<std::vector<LogEntry>> DecodeLogBatch(std::string_view body, bool ndjson, const std::string& default_service,
                                             const std::vector<std::string>& service_labels,
                                             const DecodeLimits& limits = {});

// Decompresses a raw snappy block (not the framing format). Errors on corrupt input or if the
// result would exceed `max_out` bytes.
Result<std::string> SnappyUncompress(std::string_view in, size_t max_out);

}  // namespace firebreak::logs
