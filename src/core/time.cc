#include "core/time.h"

#include <cstdint>
#include <cstdio>

namespace firebreak::core {
namespace {

bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatRfc3339(TimePoint t) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  hh_mm_ss<Millis> hms{t - days};
  char buf[40];
  int ms = static_cast<int>(hms.subseconds().count());
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()), ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
  }
  return buf;
}

Result<TimePoint> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  auto bad = [&](std::string_view why) {
    return InvalidArgument("invalid RFC 3339 timestamp '" + std::string(s.substr(0, 64)) + "': " +
                           std::string(why));
  };
  int y, mo, d, h, mi, se;
  if (!ParseDigits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !ParseDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, &d))
    return bad("expected YYYY-MM-DD");
  char sep = s[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return bad("expected 'T' after the date");
  if (!ParseDigits(s, 11, 2, &h) || s[13] != ':' || !ParseDigits(s, 14, 2, &mi) || s[16] != ':' ||
      !ParseDigits(s, 17, 2, &se))
    return bad("expected hh:mm:ss");
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad("no such date");
  if (h > 23 || mi > 59 || se > 60) return bad("time out of range");
  size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) {
        ms = ms * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (pos == start) return bad("empty fraction");
    while (digits < 3) {
      ms *= 10;
      ++digits;
    }
  }
  if (pos >= s.size()) return bad("missing time zone ('Z' or +hh:mm)");
  int offset_min = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!ParseDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, &om) || oh > 23 || om > 59)
      return bad("bad offset");
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad("bad time zone");
  }
  if (pos != s.size()) return bad("trailing characters");
  if (se == 60) se = 59;  // leap second: clamp
  TimePoint t = TimePoint(sys_days(ymd).time_since_epoch()) + hours(h) + minutes(mi) + seconds(se) +
                Millis(ms) - minutes(offset_min);
  return t;
}

Result<Millis> ParseDuration(std::string_view s) {
  if (s.empty()) return InvalidArgument("empty duration");
  if (s == "0") return Millis(0);
  bool neg = false;
  size_t pos = 0;
  if (s[0] == '-') {
    neg = true;
    pos = 1;
  }
  int64_t total = 0;
  bool any = false;
  while (pos < s.size()) {
    size_t start = pos;
    int64_t v = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      v = v * 10 + (s[pos] - '0');
      if (v > 1'000'000'000'000LL) return InvalidArgument("duration too large: " + std::string(s));
      ++pos;
    }
    if (pos == start) return InvalidArgument("invalid duration '" + std::string(s) + "': expected a number");
    if (pos >= s.size())
      return InvalidArgument("invalid duration '" + std::string(s) + "': missing unit (ms, s, m, h, d, w)");
    int64_t mult;
    if (s.substr(pos, 2) == "ms") {
      mult = 1;
      pos += 2;
    } else {
      switch (s[pos]) {
        case 's': mult = 1000; break;
        case 'm': mult = 60'000; break;
        case 'h': mult = 3'600'000; break;
        case 'd': mult = 86'400'000; break;
        case 'w': mult = 7 * 86'400'000LL; break;
        default:
          return InvalidArgument("invalid duration '" + std::string(s) + "': unknown unit '" +
                                 std::string(1, s[pos]) + "' (use ms, s, m, h, d, w)");
      }
      ++pos;
    }
    if (v > (INT64_MAX - total) / mult) return InvalidArgument("duration too large: " + std::string(s));
    total += v * mult;
    any = true;
  }
  if (!any) return InvalidArgument("invalid duration '" + std::string(s) + "'");
  return Millis(neg ? -total : total);
}

std::string FormatDuration(Millis d) {
  int64_t ms = d.count();
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms == 0) return "0s";
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  int64_t s = ms / 1000;
  int64_t days = s / 86400, hours = (s / 3600) % 24, mins = (s / 60) % 60, secs = s % 60;
  if (days) out += std::to_string(days) + "d";
  if (hours) out += std::to_string(hours) + "h";
  if (mins) out += std::to_string(mins) + "m";
  if (secs || out.empty() || out == "-") out += std::to_string(secs) + "s";
  return out;
}

}  // namespace firebreak::core
