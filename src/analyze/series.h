// Metric series: samples, the lenient timestamp parser shared by every metric decoder, and the
// two-column CSV (`timestamp,value`) that `firebreak anomaly score` and `metrics import` read.
//
// Samples are (Unix milliseconds, value). Decoders never produce NaN or infinite values and always
// produce strictly increasing timestamps: bad input is an InvalidArgument naming the line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace firebreak::analyze {

struct Sample {
  int64_t t = 0;  // Unix milliseconds
  double v = 0;
};

// A named series. `service` is the service it describes ("" if none); `metric` its name
// ("latency_p99", "error_rate", "cpu"...); `labels` any other identity.
struct Series {
  std::string service;
  std::string metric;
  std::map<std::string, std::string> labels;
  std::vector<Sample> samples;
  // "service/metric{k=v,...}"
  std::string Key() const;
};

// Parses a timestamp: RFC 3339 with or without a zone (no zone = UTC), "YYYY-MM-DD HH:MM:SS[.f]",
// or a Unix time in seconds (values below 1e11, fraction allowed) or milliseconds.
Result<int64_t> ParseTimestamp(std::string_view s);

// What the signal means for ranking and trends, guessed from its name: latency, errors, traffic,
// saturation (cpu, memory, disk, pools) or other. Direction: +1 when higher is worse, -1 when
// lower is worse (success rate, availability), 0 when both ways matter.
enum class SignalKind { kLatency, kErrors, kTraffic, kSaturation, kOther };
SignalKind GuessSignalKind(std::string_view metric);
int BadDirection(std::string_view metric);
// A request rate the service receives ("workload", "requests", "rps", "traffic", "calls"...): the
// words that make a metric traffic before any other kind, less bytes, network or syscall
// counters, a host's ("node") and what the service sends ("client", "outbound").
bool IsRequestRate(std::string_view metric);
std::string_view SignalKindName(SignalKind k);

struct CsvOptions {
  // Column names (case-insensitive) for the timestamp and the value; when the file has no header,
  // the first two columns are used.
  std::string time_column = "timestamp";
  std::string value_column = "value";
  // Largest accepted input and row count.
  size_t max_bytes = 256u << 20;
  size_t max_rows = 20'000'000;
  // When false, timestamps that repeat or go backwards are kept in file order (row-by-row scoring
  // needs every row) and reported in `warnings` instead of failing the parse.
  bool require_increasing = true;
};

// Parses `timestamp,value` CSV (a header line is optional; CRLF accepted; blank lines skipped).
// Errors name the line: malformed rows, unparsable numbers, NaN/Inf, timestamps that do not
// strictly increase.
// `warnings`, when given, receives one line per tolerated problem (at most a few, then a count).
Result<std::vector<Sample>> ParseSeriesCsv(std::string_view text, const CsvOptions& opt = {},
                                           std::vector<std::string>* warnings = nullptr);

// Splits one CSV line into fields (RFC 4180 quotes). Returns false on an unterminated quote.
bool SplitCsvLine(std::string_view line, std::vector<std::string>& out);

// Parses a finite double ("1.5", "-2e3"); rejects NaN, Inf, empty and trailing characters.
bool ParseFiniteDouble(std::string_view s, double* out);

// Formats a value compactly and exactly enough to round-trip (shortest representation).
std::string FormatValue(double v);

}  // namespace firebreak::analyze
