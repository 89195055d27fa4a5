#include "logs/format.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/json.hpp>
#include <date/date.h>

#include "core/json.h"
#include "core/strings.h"

namespace firebreak::logs {

namespace json = boost::json;

namespace {

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::vector<std::string> SplitKeys(std::string_view s) {
  std::vector<std::string> out;
  for (auto& k : core::Split(s, '|', true)) out.push_back(std::string(core::Trim(k)));
  return out;
}

const std::vector<std::string> kMessageKeys = {"msg", "message", "log", "@message", "text", "event", "short_message", "body"};
const std::vector<std::string> kLevelKeys = {"level", "lvl", "severity", "@level", "log.level", "loglevel", "levelname", "severity_text", "detected_level"};
const std::vector<std::string> kTimeKeys = {"ts", "time", "timestamp", "@timestamp", "t", "datetime", "date", "@t"};
const std::vector<std::string> kServiceKeys = {"service", "service.name", "service_name", "app", "application", "component"};

// Looks a (possibly dotted) key up in a JSON object: exact key first, then nested objects.
const json::value* Lookup(const json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key)) return v;
  auto dot = key.find('.');
  if (dot == std::string_view::npos) return nullptr;
  auto* inner = o.if_contains(key.substr(0, dot));
  if (!inner || !inner->is_object()) return nullptr;
  return Lookup(inner->as_object(), key.substr(dot + 1));
}

// ---- time parsing ---------------------------------------------------------------------------

struct Scan {
  std::string_view s;
  size_t i = 0;
  bool Done() const { return i >= s.size(); }
  char Peek() const { return i < s.size() ? s[i] : '\0'; }
  // Reads 1..max digits (exactly `min`..`max`); returns -1 if none.
  int64_t Num(size_t min, size_t max, size_t* len = nullptr) {
    size_t start = i;
    int64_t v = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < max) v = v * 10 + (s[i++] - '0');
    size_t n = i - start;
    if (len) *len = n;
    if (n < min) {
      i = start;
      return -1;
    }
    return v;
  }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i;
    return true;
  }
  bool EatAny(std::string_view cs) {
    if (Done() || cs.find(s[i]) == std::string_view::npos) return false;
    ++i;
    return true;
  }
  void Spaces() {
    while (i < s.size() && IsSpace(s[i])) ++i;
  }
};

std::optional<int64_t> ToMillis(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t sec, int64_t ms,
                                int64_t offset_min) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970 || y > 9999) return std::nullopt;
  date::year_month_day ymd{date::year{static_cast<int>(y)}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  return ((days * 24 + h) * 60 + mi - offset_min) * 60000 + sec * 1000 + ms;
}

// Clock part "HH:MM:SS[.,frac]" or "HH.MM.SS.frac" or "HHMMSS"; then an optional zone.
bool ParseClock(Scan& sc, int64_t& h, int64_t& mi, int64_t& sec, int64_t& ms, int64_t& off) {
  size_t len = 0;
  h = sc.Num(1, 6, &len);
  if (h < 0) return false;
  if (len == 6) {  // HHMMSS
    sec = h % 100;
    mi = (h / 100) % 100;
    h /= 10000;
  } else {
    if (len > 2) return false;
    char sep = sc.Peek();
    if (sep != ':' && sep != '.') return false;
    ++sc.i;
    mi = sc.Num(2, 2);
    if (mi < 0 || !sc.Eat(sep)) return false;
    sec = sc.Num(2, 2);
    if (sec < 0) return false;
  }
  ms = 0;
  if (sc.EatAny(".,")) {
    size_t flen = 0;
    size_t start = sc.i;
    int64_t f = sc.Num(1, 9, &flen);
    if (f < 0) return false;
    std::string_view digits = sc.s.substr(start, flen);
    int64_t v = 0;
    for (size_t k = 0; k < 3; ++k) v = v * 10 + (k < digits.size() ? digits[k] - '0' : 0);
    ms = v;
  }
  off = 0;
  sc.Spaces();
  if (sc.Eat('Z') || sc.Eat('z')) return true;
  if (sc.Peek() == '+' || sc.Peek() == '-') {
    int sign = sc.Peek() == '-' ? -1 : 1;
    ++sc.i;
    int64_t oh = sc.Num(2, 2);
    if (oh < 0) return false;
    sc.Eat(':');
    int64_t om = sc.Num(2, 2);
    if (om < 0) om = 0;
    off = sign * (oh * 60 + om);
  } else if (sc.s.substr(sc.i) == "UTC" || sc.s.substr(sc.i) == "GMT") {
    sc.i = sc.s.size();
  }
  return true;
}

int MonthOf(std::string_view s) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() < 3) return 0;
  for (int i = 0; i < 12; ++i)
    if (IEquals(s.substr(0, 3), kMonths[i])) return i + 1;
  return 0;
}

}  // namespace

std::optional<int64_t> ParseLogTime(std::string_view text, int default_year) {
  text = TrimView(text);
  if (text.empty() || text.size() > 64) return std::nullopt;
  // Unix epoch in s, ms, us or ns.
  if (std::all_of(text.begin(), text.end(), IsDigit)) {
    int64_t v = 0;
    if (text.size() > 19) return std::nullopt;
    std::from_chars(text.data(), text.data() + text.size(), v);
    switch (text.size()) {
      case 9: case 10: return v * 1000;
      case 12: case 13: return v;
      case 15: case 16: return v / 1000;
      case 18: case 19: return v / 1000000;
      default: return std::nullopt;
    }
  }
  Scan sc{text};
  int64_t h, mi, sec, ms, off;
  // Optional weekday name.
  if (std::isalpha(static_cast<unsigned char>(text[0]))) {
    size_t w = 0;
    while (w < text.size() && std::isalpha(static_cast<unsigned char>(text[w]))) ++w;
    int mon = MonthOf(text.substr(0, w));
    if (!mon || w > 9) {  // a weekday: skip it
      sc.i = w;
      sc.EatAny(",");
      sc.Spaces();
      size_t w2 = sc.i;
      while (w2 < text.size() && std::isalpha(static_cast<unsigned char>(text[w2]))) ++w2;
      mon = MonthOf(text.substr(sc.i, w2 - sc.i));
      if (!mon) return std::nullopt;
      sc.i = w2;
    } else {
      sc.i = w;
    }
    // Mon DD [YYYY] HH:MM:SS [YYYY]
    sc.Spaces();
    int64_t d = sc.Num(1, 2);
    if (d < 0) return std::nullopt;
    sc.EatAny(",");
    sc.Spaces();
    int64_t y = default_year;
    size_t mark = sc.i;
    size_t ylen = 0;
    int64_t maybe_year = sc.Num(4, 4, &ylen);
    if (maybe_year >= 0 && (sc.Done() || IsSpace(sc.Peek()))) {
      y = maybe_year;
      sc.Spaces();
    } else {
      sc.i = mark;
    }
    if (!ParseClock(sc, h, mi, sec, ms, off)) return std::nullopt;
    // Zone abbreviations and a trailing year.
    while (!sc.Done() && std::isalpha(static_cast<unsigned char>(sc.Peek()))) ++sc.i;
    sc.Spaces();
    if (!sc.Done()) {
      int64_t ty = sc.Num(4, 4);
      if (ty < 0) return std::nullopt;
      y = ty;
    }
    if (y == 0) return std::nullopt;
    return ToMillis(y, mon, d, h, mi, sec, ms, off);
  }
  size_t len = 0;
  int64_t a = sc.Num(1, 8, &len);
  if (a < 0) return std::nullopt;
  if (len == 6 && IsSpace(sc.Peek())) {  // YYMMDD HHMMSS
    sc.Spaces();
    if (!ParseClock(sc, h, mi, sec, ms, off) || !sc.Done()) return std::nullopt;
    return ToMillis(2000 + a / 10000, (a / 100) % 100, a % 100, h, mi, sec, ms, off);
  }
  if (len == 8 && (sc.Peek() == 'T' || IsSpace(sc.Peek()))) {  // YYYYMMDD[T]HHMMSS
    sc.i++;
    sc.Spaces();
    if (!ParseClock(sc, h, mi, sec, ms, off) || !sc.Done()) return std::nullopt;
    return ToMillis(a / 10000, (a / 100) % 100, a % 100, h, mi, sec, ms, off);
  }
  char sep = sc.Peek();
  if (sep != '-' && sep != '/' && sep != '.') return std::nullopt;
  ++sc.i;
  int64_t b = sc.Num(1, 2);
  if (b < 0) return std::nullopt;
  int64_t y, mo, d;
  if (!sc.Eat(sep)) {
    // MM-DD HH:MM:SS (no year)
    if (len > 2 || default_year == 0) return std::nullopt;
    y = default_year;
    mo = a;
    d = b;
  } else {
    int64_t c = sc.Num(1, 4, &len);
    if (c < 0) return std::nullopt;
    if (a >= 1000) {  // YYYY-MM-DD
      y = a;
      mo = b;
      d = c;
    } else if (len == 4) {  // DD/MM/YYYY
      y = c;
      mo = b;
      d = a;
    } else {  // YY/MM/DD
      y = 2000 + a;
      mo = b;
      d = c;
    }
  }
  if (sc.Done()) return ToMillis(y, mo, d, 0, 0, 0, 0, 0);
  if (!sc.EatAny("T- ")) return std::nullopt;
  sc.Spaces();
  if (!ParseClock(sc, h, mi, sec, ms, off)) return std::nullopt;
  sc.Spaces();
  if (!sc.Done()) return std::nullopt;
  return ToMillis(y, mo, d, h, mi, sec, ms, off);
}

// ---- levels -----------------------------------------------------------------------------------

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    default: return "unknown";
  }
}

Level ParseLevel(std::string_view s) {
  s = TrimView(s);
  if (s.empty() || s.size() > 16) return Level::kUnknown;
  if (std::all_of(s.begin(), s.end(), IsDigit)) {
    int v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.size() == 1) {  // syslog severity 0..7
      if (v <= 3) return Level::kError;
      if (v == 4) return Level::kWarn;
      if (v <= 6) return Level::kInfo;
      return Level::kDebug;
    }
    // bunyan / pino: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal
    if (v >= 50) return Level::kError;
    if (v >= 40) return Level::kWarn;
    if (v >= 30) return Level::kInfo;
    return Level::kDebug;
  }
  std::string l = core::ToLower(s);
  if (l.size() == 1) {  // Android / glog letters
    switch (l[0]) {
      case 'v': case 'd': case 't': return Level::kDebug;
      case 'i': case 'n': return Level::kInfo;
      case 'w': return Level::kWarn;
      case 'e': case 'f': case 'a': case 'c': return Level::kError;
      default: return Level::kUnknown;
    }
  }
  static const std::pair<const char*, Level> kWords[] = {
      {"trace", Level::kDebug},   {"debug", Level::kDebug},    {"verbose", Level::kDebug}, {"fine", Level::kDebug},
      {"finer", Level::kDebug},   {"finest", Level::kDebug},   {"info", Level::kInfo},     {"information", Level::kInfo},
      {"informational", Level::kInfo}, {"notice", Level::kInfo}, {"config", Level::kInfo},  {"warn", Level::kWarn},
      {"warning", Level::kWarn},  {"error", Level::kError},    {"err", Level::kError},     {"fatal", Level::kError},
      {"critical", Level::kError}, {"crit", Level::kError},    {"alert", Level::kError},   {"emerg", Level::kError},
      {"emergency", Level::kError}, {"panic", Level::kError},  {"severe", Level::kError},  {"failure", Level::kError},
  };
  for (const auto& [w, lv] : kWords)
    if (l == w) return lv;
  return Level::kUnknown;
}

// ---- LineParser -------------------------------------------------------------------------------

Result<LineParser> LineParser::Create(std::string_view spec_in) {
  LineParser p;
  p.spec_ = std::string(spec_in);
  std::string_view spec = core::Trim(spec_in);
  if (spec.size() > 4096) return InvalidArgument("format is too long (max 4096 bytes)", "format");
  p.message_keys_ = kMessageKeys;
  p.level_keys_ = kLevelKeys;
  p.time_keys_ = kTimeKeys;
  p.service_keys_ = kServiceKeys;
  auto custom_keys = [&](std::string_view opts) -> Status {
    for (auto& part : core::Split(opts, ',', true)) {
      auto eq = part.find('=');
      if (eq == std::string::npos)
        return InvalidArgument("expected name=field in '" + part + "' (message, level, time, service)", "format");
      std::string k(core::Trim(std::string_view(part).substr(0, eq)));
      auto keys = SplitKeys(std::string_view(part).substr(eq + 1));
      if (keys.empty()) return InvalidArgument("no field named for '" + k + "'", "format");
      if (k == "message" || k == "msg") p.message_keys_ = keys;
      else if (k == "level") p.level_keys_ = keys;
      else if (k == "time" || k == "ts") p.time_keys_ = keys;
      else if (k == "service") p.service_keys_ = keys;
      else return InvalidArgument("unknown field role '" + k + "' (message, level, time, service)", "format");
    }
    return Ok();
  };
  if (spec.empty() || spec == "raw") {
    p.kind_ = Kind::kRaw;
    return p;
  }
  if (spec == "json" || spec.substr(0, 5) == "json:") {
    p.kind_ = Kind::kJson;
    if (spec.size() > 5) FB_TRY(custom_keys(spec.substr(5)));
    return p;
  }
  if (spec == "logfmt" || spec.substr(0, 7) == "logfmt:") {
    p.kind_ = Kind::kLogfmt;
    if (spec.size() > 7) FB_TRY(custom_keys(spec.substr(7)));
    return p;
  }
  if (spec == "syslog5424") {
    p.kind_ = Kind::kSyslog5424;
    return p;
  }
  if (spec == "syslog") {
    // RFC 3164 after an optional <PRI>: "Jun 14 15:16:01 host sshd[123]: message".
    auto r = Create("<Month> <Day> <Time> <Host> <Component>(\\[<Pid>\\])?: <Content>");
    if (!r) return r;
    r->kind_ = Kind::kSyslog;
    r->spec_ = "syslog";
    return r;
  }
  if (spec.find('<') == std::string_view::npos)
    return InvalidArgument("unknown format '" + std::string(spec) +
                               "': use a format string with <Field> placeholders and <Content>, or json, logfmt, "
                               "syslog, syslog5424, raw",
                           "format");

  // Format string: elements with up to 4 optional groups.
  struct Tok {
    Elem e;
    int group = -1;
  };
  std::vector<Tok> toks;
  int groups = 0, open = -1;
  auto add_lit = [&](char c) {
    if (!toks.empty() && toks.back().e.type == Elem::kLit && toks.back().group == open) toks.back().e.lit += c;
    else toks.push_back(Tok{Elem{Elem::kLit, std::string(1, c), -1}, open});
  };
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    std::string col = " (column " + std::to_string(i + 1) + ")";
    if (c == '<') {
      size_t end = spec.find('>', i);
      if (end == std::string_view::npos) return InvalidArgument("unterminated field '<'" + col, "format");
      std::string name(spec.substr(i + 1, end - i - 1));
      bool valid = !name.empty() && name.size() <= 64 && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
      for (char ch : name) valid = valid && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-');
      if (!valid) return InvalidArgument("invalid field name '<" + name + ">'" + col, "format");
      if (std::find(p.names_.begin(), p.names_.end(), name) != p.names_.end())
        return InvalidArgument("field <" + name + "> appears twice", "format");
      if (!toks.empty() && toks.back().e.type == Elem::kField && toks.back().group == open)
        return InvalidArgument("fields <" + p.names_[toks.back().e.field] + "> and <" + name +
                                   "> need a separator between them",
                               "format");
      int idx = static_cast<int>(p.names_.size());
      p.names_.push_back(name);
      if (name == "Content") p.content_ = idx;
      toks.push_back(Tok{Elem{Elem::kField, "", idx}, open});
      i = end;
    } else if (c == '\\') {
      if (i + 1 >= spec.size()) return InvalidArgument("format ends with a lone backslash", "format");
      char n = spec[++i];
      if (n == 's') {  // \s+ , \s* written as a regex: one or more spaces
        if (i + 1 < spec.size() && (spec[i + 1] == '+' || spec[i + 1] == '*')) ++i;
        if (toks.empty() || toks.back().e.type != Elem::kSpace || toks.back().group != open)
          toks.push_back(Tok{Elem{Elem::kSpace, "", -1}, open});
      } else {
        add_lit(n);
      }
    } else if (c == ' ') {
      while (i + 1 < spec.size() && spec[i + 1] == ' ') ++i;
      if (toks.empty() || toks.back().e.type != Elem::kSpace || toks.back().group != open)
        toks.push_back(Tok{Elem{Elem::kSpace, "", -1}, open});
    } else if (c == '(') {
      if (open >= 0) return InvalidArgument("nested optional parts are not supported" + col, "format");
      if (groups == 4) return InvalidArgument("at most 4 optional parts" + col, "format");
      open = groups++;
    } else if (c == ')') {
      if (open < 0) return InvalidArgument("')' without '('" + col, "format");
      if (i + 1 >= spec.size() || spec[i + 1] != '?')
        return InvalidArgument("a group must be optional: write ( ... )?" + col, "format");
      ++i;
      open = -1;
    } else if (c == '|' || c == '*' || c == '+' || c == '?' || c == '^' || c == '$') {
      return InvalidArgument(std::string("unsupported pattern character '") + c + "'" + col + "; write \\" + c +
                                 " for a literal",
                             "format");
    } else {
      add_lit(c);
    }
  }
  if (open >= 0) return InvalidArgument("unterminated optional part '('", "format");
  if (p.content_ < 0) return InvalidArgument("the format has no <Content> field", "format");
  for (int mask = 0; mask < (1 << groups); ++mask) {
    std::vector<Elem> v;
    for (const auto& t : toks) {
      if (t.group >= 0 && (mask >> t.group) & 1) continue;  // bit set = group left out
      if (t.e.type == Elem::kSpace && !v.empty() && v.back().type == Elem::kSpace) continue;
      if (t.e.type == Elem::kLit && !v.empty() && v.back().type == Elem::kLit) {
        v.back().lit += t.e.lit;
        continue;
      }
      v.push_back(t.e);
    }
    // Leading and trailing spaces match nothing after trimming.
    while (!v.empty() && v.front().type == Elem::kSpace) v.erase(v.begin());
    while (!v.empty() && v.back().type == Elem::kSpace) v.pop_back();
    p.variants_.push_back(std::move(v));
  }
  p.kind_ = Kind::kFormat;
  return p;
}

std::vector<std::string> LineParser::field_names() const { return names_; }

namespace {

// Backtracking match of elements e[i..] against s[pos..]; fields capture lazily. `budget` bounds
// the work on adversarial lines.
template <class Elem>
bool MatchFrom(const std::vector<Elem>& e, size_t i, std::string_view s, size_t pos,
               std::vector<std::pair<size_t, size_t>>& caps, int64_t& budget) {
  if (--budget < 0) return false;
  if (i == e.size()) return pos == s.size();
  const Elem& el = e[i];
  switch (el.type) {
    case Elem::kLit:
      if (s.compare(pos, el.lit.size(), el.lit) != 0) return false;
      return MatchFrom(e, i + 1, s, pos + el.lit.size(), caps, budget);
    case Elem::kSpace: {
      size_t j = pos;
      while (j < s.size() && IsSpace(s[j])) ++j;
      for (size_t k = j; k > pos; --k)
        if (MatchFrom(e, i + 1, s, k, caps, budget)) return true;
      return false;
    }
    case Elem::kField: {
      if (i + 1 == e.size()) {  // last: takes the rest
        caps[el.field] = {pos, s.size()};
        return true;
      }
      const Elem& next = e[i + 1];
      for (size_t end = pos; end <= s.size(); ++end) {
        if (next.type == Elem::kLit) {
          end = s.find(next.lit, end);
          if (end == std::string_view::npos) return false;
        } else if (next.type == Elem::kSpace) {
          while (end < s.size() && !IsSpace(s[end])) ++end;
          if (end >= s.size()) return false;
        }
        caps[el.field] = {pos, end};
        if (MatchFrom(e, i + 1, s, end, caps, budget)) return true;
        if (--budget < 0) return false;
      }
      return false;
    }
  }
  return false;
}

}  // namespace

bool LineParser::MatchFormat(std::string_view line, ParsedLine& out) const {
  thread_local std::vector<std::pair<size_t, size_t>> caps;
  for (const auto& v : variants_) {
    caps.assign(names_.size(), {std::string_view::npos, 0});
    int64_t budget = 4096 + 16 * static_cast<int64_t>(line.size());
    if (!MatchFrom(v, 0, line, 0, caps, budget)) continue;
    out.fields.clear();
    for (size_t f = 0; f < names_.size(); ++f) {
      auto [b, e] = caps[f];
      std::string_view val = b == std::string_view::npos ? std::string_view() : line.substr(b, e - b);
      if (static_cast<int>(f) == content_) out.content = val;
      else out.fields.emplace_back(names_[f], val);
    }
    return true;
  }
  return false;
}

void LineParser::ParseJson(std::string_view line, ParsedLine& out) const {
  auto v = core::ParseJson(line, 32);
  if (!v || !v->is_object()) return;
  const auto& o = v->as_object();
  auto text_of = [](const json::value& x) -> std::string {
    if (x.is_string()) return std::string(x.as_string());
    return core::ToJson(x);
  };
  std::string msg, level, time, service;
  bool have_msg = false;
  for (const auto& k : message_keys_)
    if (auto* x = Lookup(o, k)) {
      msg = text_of(*x);
      have_msg = true;
      break;
    }
  for (const auto& k : level_keys_)
    if (auto* x = Lookup(o, k)) {
      level = text_of(*x);
      break;
    }
  for (const auto& k : time_keys_)
    if (auto* x = Lookup(o, k)) {
      time = text_of(*x);
      break;
    }
  for (const auto& k : service_keys_)
    if (auto* x = Lookup(o, k); x && x->is_string()) {
      service = std::string(x->as_string());
      break;
    }
  if (!have_msg) return;  // not a log object we understand: keep the line whole
  out.storage = msg + level + time + service;
  std::string_view st = out.storage;
  out.content = st.substr(0, msg.size());
  out.level_text = st.substr(msg.size(), level.size());
  std::string_view tt = st.substr(msg.size() + level.size(), time.size());
  out.service = st.substr(msg.size() + level.size() + time.size());
  out.fields.clear();
  if (!tt.empty()) out.fields.emplace_back("Timestamp", tt);
  out.matched = true;
}

void LineParser::ParseLogfmt(std::string_view line, ParsedLine& out) const {
  // key=value or key="quoted \" value"; values of the roles are copied (unescaped) into storage.
  std::vector<std::pair<std::string_view, std::string>> kv;
  size_t i = 0, n = line.size();
  while (i < n) {
    while (i < n && IsSpace(line[i])) ++i;
    size_t k = i;
    while (i < n && line[i] != '=' && !IsSpace(line[i])) ++i;
    std::string_view key = line.substr(k, i - k);
    std::string val;
    if (i < n && line[i] == '=') {
      ++i;
      if (i < n && line[i] == '"') {
        ++i;
        while (i < n && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < n) ++i;
          val += line[i++];
        }
        if (i < n) ++i;
      } else {
        while (i < n && !IsSpace(line[i])) val += line[i++];
      }
    }
    if (!key.empty()) kv.emplace_back(key, std::move(val));
    if (kv.size() > 256) break;
  }
  auto find = [&](const std::vector<std::string>& keys) -> const std::string* {
    for (const auto& k : keys)
      for (const auto& [key, val] : kv)
        if (key == k) return &val;
    return nullptr;
  };
  const std::string* msg = find(message_keys_);
  if (!msg) return;
  const std::string* level = find(level_keys_);
  const std::string* time = find(time_keys_);
  const std::string* service = find(service_keys_);
  std::string l = level ? *level : "", t = time ? *time : "", s = service ? *service : "";
  out.storage = *msg + l + t + s;
  std::string_view st = out.storage;
  out.content = st.substr(0, msg->size());
  out.level_text = st.substr(msg->size(), l.size());
  std::string_view tt = st.substr(msg->size() + l.size(), t.size());
  out.service = st.substr(msg->size() + l.size() + t.size());
  out.fields.clear();
  if (!tt.empty()) out.fields.emplace_back("Timestamp", tt);
  out.matched = true;
}

void LineParser::Parse(std::string_view line, ParsedLine& out, int default_year) const {
  out.matched = false;
  out.level_text = {};
  out.level = Level::kUnknown;
  out.time_ms.reset();
  out.service = {};
  out.fields.clear();
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  std::string_view trimmed = TrimView(line);
  out.content = trimmed;
  switch (kind_) {
    case Kind::kRaw:
      return;
    case Kind::kJson:
      ParseJson(trimmed, out);
      break;
    case Kind::kLogfmt:
      ParseLogfmt(trimmed, out);
      break;
    case Kind::kFormat:
      out.matched = MatchFormat(trimmed, out);
      if (!out.matched) out.content = trimmed;
      break;
    case Kind::kSyslog: {
      std::string_view rest = trimmed;
      int pri = -1;
      if (rest.size() > 2 && rest[0] == '<') {
        size_t close = rest.find('>');
        if (close != std::string_view::npos && close >= 2 && close <= 4 &&
            std::all_of(rest.begin() + 1, rest.begin() + close, IsDigit)) {
          std::from_chars(rest.data() + 1, rest.data() + close, pri);
          rest.remove_prefix(close + 1);
        }
      }
      out.matched = MatchFormat(rest, out);
      if (!out.matched) out.content = rest;
      if (pri >= 0) {
        static const char* kSev[] = {"0", "1", "2", "3", "4", "5", "6", "7"};
        out.level_text = kSev[pri & 7];
      }
      break;
    }
    case Kind::kSyslog5424: {
      // <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
      std::string_view rest = trimmed;
      if (rest.size() < 4 || rest[0] != '<') return;
      size_t close = rest.find('>');
      if (close == std::string_view::npos || close < 2 || close > 4 ||
          !std::all_of(rest.begin() + 1, rest.begin() + close, IsDigit))
        return;
      int pri = 0;
      std::from_chars(rest.data() + 1, rest.data() + close, pri);
      rest.remove_prefix(close + 1);
      static const char* kNames[] = {"Version", "Timestamp", "Host", "App", "ProcId", "MsgId"};
      std::vector<std::pair<std::string_view, std::string_view>> fields;
      for (const char* name : kNames) {
        size_t sp = rest.find(' ');
        if (sp == std::string_view::npos) return;
        std::string_view v = rest.substr(0, sp);
        fields.emplace_back(name, v == "-" ? std::string_view() : v);
        rest.remove_prefix(sp + 1);
      }
      // Structured data: "-" or [id k="v" ...] blocks.
      if (!rest.empty() && rest[0] == '-') {
        rest.remove_prefix(1);
      } else {
        while (!rest.empty() && rest[0] == '[') {
          size_t j = 1;
          bool quoted = false;
          for (; j < rest.size(); ++j) {
            if (rest[j] == '\\' && quoted) {
              ++j;
              continue;
            }
            if (rest[j] == '"') quoted = !quoted;
            else if (rest[j] == ']' && !quoted) break;
          }
          if (j >= rest.size()) return;
          rest.remove_prefix(j + 1);
        }
      }
      if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
      if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
      out.fields = std::move(fields);
      out.content = TrimView(rest);
      static const char* kSev[] = {"0", "1", "2", "3", "4", "5", "6", "7"};
      out.level_text = kSev[pri & 7];
      out.matched = true;
      break;
    }
  }
  Finish(out, default_year);
}

void LineParser::Finish(ParsedLine& out, int default_year) const {
  // Level: an explicit field, else what the format found.
  if (out.level_text.empty()) {
    for (const auto& [name, val] : out.fields)
      if (IEquals(name, "level") || IEquals(name, "severity") || IEquals(name, "lvl") || IEquals(name, "priority")) {
        out.level_text = val;
        break;
      }
  }
  out.level = ParseLevel(out.level_text);
  // Time: a Timestamp-like field that parses, else date and time fields together.
  for (const auto& [name, val] : out.fields) {
    if (IEquals(name, "timestamp") || IEquals(name, "datetime") || IEquals(name, "ts")) {
      if (auto t = ParseLogTime(val, default_year)) {
        out.time_ms = t;
        return;
      }
    }
  }
  out.time_text.clear();
  for (const auto& [name, val] : out.fields) {
    if (IEquals(name, "month") || IEquals(name, "date") || IEquals(name, "day") || IEquals(name, "time") ||
        IEquals(name, "year")) {
      if (!out.time_text.empty()) out.time_text += ' ';
      out.time_text += val;
    }
  }
  if (!out.time_text.empty()) out.time_ms = ParseLogTime(out.time_text, default_year);
  if (!out.time_ms) {
    for (const auto& [name, val] : out.fields)
      if (IEquals(name, "time") || IEquals(name, "date"))
        if (auto t = ParseLogTime(val, default_year)) {
          out.time_ms = t;
          break;
        }
  }
}

}  // namespace firebreak::logs
