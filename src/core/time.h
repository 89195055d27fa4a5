// Wall-time text formats: RFC 3339 timestamps and compact durations ("1h30m").
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace firebreak::core {

// "2026-11-22T10:04:05Z", or "...05.120Z" when the milliseconds are not zero. Always UTC.
std::string FormatRfc3339(TimePoint t);
// Parses RFC 3339 ("T" or space separator, fractional seconds of any length truncated to
// milliseconds, "Z" or a numeric offset). Errors name what is wrong.
Result<TimePoint> ParseRfc3339(std::string_view s);

// Parses durations like "30s", "5m", "1h30m", "2d", "1w", "250ms", "0". Units: ms s m h d w.
Result<Millis> ParseDuration(std::string_view s);
// Formats a duration compactly: "1h30m", "45s", "250ms", "0s". Negative durations get a '-'.
std::string FormatDuration(Millis d);

// Milliseconds since the epoch <-> TimePoint, for storage.
inline int64_t ToUnixMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(int64_t ms) { return TimePoint(Millis(ms)); }

}  // namespace firebreak::core
