#include "analyze/series.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/strings.h"
#include "core/time.h"

namespace firebreak::analyze {

std::string Series::Key() const {
  std::string k = service + "/" + metric;
  if (!labels.empty()) {
    k += "{";
    bool first = true;
    for (const auto& [name, value] : labels) {
      if (!first) k += ",";
      first = false;
      k += name + "=" + value;
    }
    k += "}";
  }
  return k;
}

bool ParseFiniteDouble(std::string_view s, double* out) {
  s = core::Trim(s);
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

std::string FormatValue(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "0";
  return std::string(buf, p);
}

Result<int64_t> ParseTimestamp(std::string_view s) {
  s = core::Trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  if (s.empty()) return InvalidArgument("empty timestamp");
  bool numeric = true;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+'))
      numeric = false;
  if (numeric && s.size() >= 1 && s.find('-', 1) == std::string_view::npos) {
    double v = 0;
    if (!ParseFiniteDouble(s, &v) || v < 0 || v > 1e15)
      return InvalidArgument("invalid Unix timestamp '" + std::string(s.substr(0, 40)) + "'");
    // Seconds below 1e11 (year 5138); milliseconds above.
    double ms = v < 1e11 ? v * 1000.0 : v;
    return static_cast<int64_t>(std::llround(ms));
  }
  std::string text(s.substr(0, 64));
  // A date-time without a zone is UTC.
  if (text.size() >= 19) {
    size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    }
    if (pos == text.size()) text += "Z";
  } else if (text.size() == 16 && text[13] == ':') {
    text += ":00Z";  // "YYYY-MM-DD HH:MM"
  } else if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    text += "T00:00:00Z";
  }
  auto t = core::ParseRfc3339(text);
  if (!t) return InvalidArgument("invalid timestamp '" + std::string(s.substr(0, 40)) + "'");
  return core::ToUnixMillis(*t);
}

namespace {
bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}
}  // namespace

// Words naming a rate of requests: they make a metric traffic ahead of the saturation words.
constexpr const char* kRequestWords[] = {"workload", "request", "rps", "qps", "throughput", "traffic"};

SignalKind GuessSignalKind(std::string_view metric) {
  std::string m = core::ToLower(metric);
  for (auto w : {"success", "availability", "error", "fail", "5xx", "4xx", "exception", "fault",
                 "reject", "timeout"})
    if (Contains(m, w)) return SignalKind::kErrors;
  for (auto w : {"latency", "duration", "response_time", "p50", "p90", "p95", "p99", "slow",
                 "rtt", "delay", "seconds_bucket"})
    if (Contains(m, w)) return SignalKind::kLatency;
  for (auto w : kRequestWords)
    if (Contains(m, w)) return SignalKind::kTraffic;
  for (auto w : {"cpu", "mem", "disk", "pool", "saturation", "queue", "lag", "connection",
                 "thread", "heap", "gc_", "inode", "usage", "utilization", "load", "budget",
                 "swap", "iops", "fds"})
    if (Contains(m, w)) return SignalKind::kSaturation;
  for (auto w : {"ops", "count", "bytes", "network", "receive", "transmit", "syscall", "_sum",
                 "_total"})
    if (Contains(m, w)) return SignalKind::kTraffic;
  return SignalKind::kOther;
}

bool IsRequestRate(std::string_view metric) {
  std::string m = core::ToLower(metric);
  for (auto w : {"node", "host", "byte", "network", "client", "outbound"})
    if (Contains(m, w)) return false;
  for (auto w : kRequestWords)
    if (Contains(m, w)) return true;
  return Contains(m, "calls");
}

int BadDirection(std::string_view metric) {
  std::string m = core::ToLower(metric);
  for (auto w : {"success", "availability", "uptime", "ok_ratio", "remaining", "free", "budget",
                 "available", "apdex"})
    if (Contains(m, w)) return -1;
  switch (GuessSignalKind(m)) {
    case SignalKind::kLatency:
    case SignalKind::kErrors:
    case SignalKind::kSaturation:
      return +1;
    default:
      return 0;
  }
}

std::string_view SignalKindName(SignalKind k) {
  switch (k) {
    case SignalKind::kLatency: return "latency";
    case SignalKind::kErrors: return "errors";
    case SignalKind::kTraffic: return "traffic";
    case SignalKind::kSaturation: return "saturation";
    case SignalKind::kOther: return "other";
  }
  return "other";
}

bool SplitCsvLine(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"' && core::Trim(cur).empty() && !was_quoted) {
      quoted = was_quoted = true;
      cur.clear();
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  if (quoted) return false;
  out.push_back(std::move(cur));
  return true;
}

Result<std::vector<Sample>> ParseSeriesCsv(std::string_view text, const CsvOptions& opt,
                                           std::vector<std::string>* warnings) {
  if (text.size() > opt.max_bytes)
    return MakeError(ErrorCode::kTooLarge, "CSV input is larger than " +
                                               std::to_string(opt.max_bytes >> 20) + " MiB");
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
    text.remove_prefix(3);  // UTF-8 byte order mark
  std::vector<Sample> out;
  std::vector<std::string> fields;
  size_t line_no = 0, pos = 0;
  int tcol = 0, vcol = 1;
  size_t ncols = 0;
  bool first = true;
  size_t unordered = 0;
  size_t first_unordered_line = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (core::Trim(line).empty()) continue;
    auto where = "line " + std::to_string(line_no);
    if (!SplitCsvLine(line, fields)) return InvalidArgument(where + ": unterminated quote", where);
    if (first) {
      first = false;
      // A header when the first field is not a timestamp.
      if (!ParseTimestamp(fields[0])) {
        tcol = vcol = -1;
        for (size_t i = 0; i < fields.size(); ++i) {
          auto name = core::ToLower(core::Trim(fields[i]));
          if (name == core::ToLower(opt.time_column) && tcol < 0) tcol = static_cast<int>(i);
          if (name == core::ToLower(opt.value_column) && vcol < 0) vcol = static_cast<int>(i);
        }
        if (tcol < 0 || vcol < 0) {
          if (fields.size() == 2) {
            tcol = 0;
            vcol = 1;
          } else {
            return InvalidArgument(where + ": the header has no '" + opt.time_column + "' and '" +
                                       opt.value_column + "' columns",
                                   where);
          }
        }
        ncols = fields.size();
        continue;
      }
      ncols = fields.size();
      if (ncols < 2) return InvalidArgument(where + ": expected timestamp,value", where);
    }
    if (fields.size() != ncols)
      return InvalidArgument(where + ": expected " + std::to_string(ncols) + " fields, found " +
                                 std::to_string(fields.size()),
                             where);
    auto t = ParseTimestamp(fields[static_cast<size_t>(tcol)]);
    if (!t) return InvalidArgument(where + ": " + t.error().message, where);
    double v = 0;
    const auto& vf = fields[static_cast<size_t>(vcol)];
    if (!ParseFiniteDouble(vf, &v)) {
      auto trimmed = core::ToLower(core::Trim(vf));
      std::string why = trimmed.empty() ? "empty value"
                        : (trimmed.find("nan") != std::string::npos ||
                           trimmed.find("inf") != std::string::npos)
                            ? "value '" + core::Truncate(vf, 40) + "' is not a finite number"
                            : "value '" + core::Truncate(vf, 40) + "' is not a number";
      return InvalidArgument(where + ": " + why, where);
    }
    if (!out.empty() && *t <= out.back().t && !opt.require_increasing) {
      if (unordered++ == 0) first_unordered_line = line_no;
    } else if (!out.empty() && *t <= out.back().t)
      return InvalidArgument(where + ": timestamp " + core::Truncate(fields[static_cast<size_t>(tcol)], 40) +
                                 (*t == out.back().t ? " repeats the previous row's"
                                                     : " is earlier than the previous row's") +
                                 " (timestamps must increase)",
                             where);
    if (out.size() >= opt.max_rows)
      return MakeError(ErrorCode::kTooLarge, "more than " + std::to_string(opt.max_rows) + " rows");
    out.push_back({*t, v});
  }
  if (unordered > 0 && warnings)
    warnings->push_back(std::to_string(unordered) +
                        " row(s) have a timestamp that does not increase (first at line " +
                        std::to_string(first_unordered_line) + "); scored in file order");
  return out;
}

}  // namespace firebreak::analyze
