// Header parsing: splits a raw log line into its header fields (time, level, component, pid, ...)
// and the message (Content) that the miner sees.
//
// A parser is built from a spec:
//   - a format string such as "<Date> <Time> <Pid> <Level> <Component>: <Content>": <Name> is a
//     field (matched lazily), <Content> the message; other characters are literal, a run of spaces
//     matches one or more whitespace characters, "\x" is a literal x, and "( ... )?" is an optional
//     part. The format is anchored to the whole (trimmed) line. (The loghub formats.tsv convention.)
//   - "json" or "json:message=msg,level=lvl,time=ts,service=app": one JSON object per line; the
//     message, level, time and service come from the named fields (defaults cover common JSON
//     loggers: logrus, zap, zerolog, bunyan, pino, winston, structlog, ECS, GELF). Dotted names
//     reach into nested objects ("log.level").
//   - "logfmt": key=value pairs (msg, level, ts, service as above).
//   - presets "syslog" (RFC 3164, with or without <PRI>) and "syslog5424" (RFC 5424).
//   - "raw" (or ""): the whole line is the message.
// A line that does not match its format is kept whole as the message (ParsedLine::matched false);
// parsing never fails and never loses a line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace firebreak::logs {

// Coarse severity of a line.
enum class Level : uint8_t { kUnknown = 0, kDebug, kInfo, kWarn, kError };
std::string_view LevelName(Level l);  // "unknown", "debug", "info", "warn", "error"
// Maps level words and numbers ("ERROR", "err", "E", "fatal", "50" (bunyan), "3" (syslog)...) to a
// Level.
Level ParseLevel(std::string_view s);

struct ParsedLine {
  bool matched = false;              // the header format matched
  std::string_view content;          // the message (points into the line or into `storage`)
  std::string_view level_text;       // raw level ("" if none)
  Level level = Level::kUnknown;
  std::optional<int64_t> time_ms;    // parsed time (Unix ms), if the header had one that parsed
  std::string_view service;          // service field (JSON/logfmt), if any
  std::vector<std::pair<std::string_view, std::string_view>> fields;  // header fields by name
  std::string storage;               // owns unescaped text when needed (JSON)
  std::string time_text;             // scratch for assembling time fields
};

class LineParser {
 public:
  // Errors name what is wrong with the spec (InvalidArgument, field "format").
  static Result<LineParser> Create(std::string_view spec);
  LineParser() = default;

  // Parses `line` (a trailing '\r' is ignored). `default_year` fills in years that headers omit
  // (syslog); 0 = no time for such lines.
  void Parse(std::string_view line, ParsedLine& out, int default_year = 0) const;

  const std::string& spec() const { return spec_; }
  // Field names of a format string, in order (empty for json/logfmt/raw).
  std::vector<std::string> field_names() const;

 private:
  enum class Kind { kRaw, kFormat, kJson, kLogfmt, kSyslog, kSyslog5424 };
  struct Elem {
    enum Type { kLit, kSpace, kField } type = kLit;
    std::string lit;
    int field = -1;
  };
  bool MatchFormat(std::string_view line, ParsedLine& out) const;
  void ParseJson(std::string_view line, ParsedLine& out) const;
  void ParseLogfmt(std::string_view line, ParsedLine& out) const;
  void Finish(ParsedLine& out, int default_year) const;

  Kind kind_ = Kind::kRaw;
  std::string spec_;
  std::vector<std::string> names_;                 // field names (format strings)
  int content_ = -1;                               // index of <Content>
  std::vector<std::vector<Elem>> variants_;        // optional parts expanded: with, then without
  // JSON / logfmt field names.
  std::vector<std::string> message_keys_, level_keys_, time_keys_, service_keys_;
};

// Parses the time text of a log header (several common shapes: RFC 3339 / ISO 8601 with or
// without 'T', comma or dot fractions; "Jun 14 15:16:01" (year from `default_year`);
// "17/06/09 20:10:40" (yy/mm/dd); "081109 203615" (yymmdd hhmmss); "03-17 16:13:38.811" (mm-dd,
// year from default_year); "2005-06-03-15.42.50.675872"; Unix seconds, ms, us or ns).
std::optional<int64_t> ParseLogTime(std::string_view text, int default_year);

}  // namespace firebreak::logs
