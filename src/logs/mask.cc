#include "logs/mask.h"

#include <algorithm>
#include <array>

#include <re2/re2.h>

namespace firebreak::logs {

namespace {

// Character classes, one table lookup each.
enum : uint8_t {
  kSpace = 1,   // token separator
  kSeg = 2,     // inside a segment: letters, digits, _ . - + ~
  kOpen = 4,    // leading wrapper: ( [ { < " '
  kClose = 8,   // trailing wrapper or punctuation: ) ] } > " ' , ; : .
  kGlue = 16,   // joins two variables into one: . : / - _ @
  kHex = 32,    // 0-9 a-f A-F
  kDigit = 64,  // 0-9
  kAlpha = 128, // a-z A-Z
};

constexpr std::array<uint8_t, 256> MakeTable() {
  std::array<uint8_t, 256> t{};
  for (char c : {' ', '\t', '\n', '\r', '\v', '\f'}) t[static_cast<uint8_t>(c)] |= kSpace;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kSeg | kAlpha;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kSeg | kAlpha;
  for (int c = '0'; c <= '9'; ++c) t[c] |= kSeg | kDigit | kHex;
  for (int c = 'a'; c <= 'f'; ++c) t[c] |= kHex;
  for (int c = 'A'; c <= 'F'; ++c) t[c] |= kHex;
  for (char c : {'_', '.', '-', '+', '~'}) t[static_cast<uint8_t>(c)] |= kSeg;
  for (char c : {'(', '[', '{', '<', '"', '\''}) t[static_cast<uint8_t>(c)] |= kOpen;
  for (char c : {')', ']', '}', '>', '"', '\'', ',', ';', ':', '.'}) t[static_cast<uint8_t>(c)] |= kClose;
  for (char c : {'.', ':', '/', '-', '_', '@'}) t[static_cast<uint8_t>(c)] |= kGlue;
  return t;
}
constexpr std::array<uint8_t, 256> kTable = MakeTable();

inline bool Is(char c, uint8_t cls) { return (kTable[static_cast<uint8_t>(c)] & cls) != 0; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
inline char Lower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

bool AllHex(std::string_view s) {
  for (char c : s)
    if (!Is(c, kHex)) return false;
  return true;
}

// [a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}: host names, Java packages, property keys.
bool IsDotted(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    if (i >= s.size() || !IsLower(s[i])) return false;
    ++i;
    while (i < s.size() && (IsLower(s[i]) || IsDigit(s[i]) || s[i] == '_')) ++i;
    ++parts;
    if (i == s.size()) return parts >= 3;
    if (s[i] != '.') return false;
    ++i;
  }
}

// [A-Za-z][A-Za-z0-9_-]*
bool IsPlainName(std::string_view s) {
  if (s.empty() || !Is(s[0], kAlpha)) return false;
  for (char c : s)
    if (!(Is(c, kAlpha) || IsDigit(c) || c == '_' || c == '-')) return false;
  return true;
}

// Colon-separated hex groups with at least one digit: MAC addresses, IPv6, WWNs.
bool IsHexGroups(std::string_view s) {
  size_t groups = 0, i = 0;
  bool digit = false;
  // First group: 1-4 hex digits.
  size_t n = 0;
  while (i < s.size() && Is(s[i], kHex) && n < 5) {
    digit |= IsDigit(s[i]);
    ++i;
    ++n;
  }
  if (n == 0 || n > 4) return false;
  while (i < s.size()) {
    if (s[i] != ':' && s[i] != '-') return false;
    ++i;
    n = 0;
    while (i < s.size() && Is(s[i], kHex)) {
      digit |= IsDigit(s[i]);
      ++i;
      if (++n > 4) return false;
    }
    ++groups;
  }
  // A MAC with dashes has 5 separators; colon forms need 3 or more.
  return digit && groups >= 3 &&
         (s.find('-') == std::string_view::npos || (groups == 5 && s.find(':') == std::string_view::npos));
}

// 8-4-4-4-12 hex digits.
bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!Is(s[i], kHex)) {
      return false;
    }
  }
  return true;
}

// scheme://
bool IsUrl(std::string_view s) {
  if (s.empty() || !Is(s[0], kAlpha)) return false;
  size_t i = 1;
  while (i < s.size() && (Is(s[i], kAlpha) || IsDigit(s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-')) ++i;
  return s.substr(i, 3) == "://";
}

bool IsAbsPath(std::string_view s) {
  if (s.size() > 1 && s[0] == '/' && s[1] != '/') return true;
  if (s.size() > 2 && s[0] == '~' && s[1] == '/') return true;
  return s.size() > 3 && Is(s[0], kAlpha) && s[1] == ':' && s[2] == '\\';
}

// ---- timestamps spanning tokens -----------------------------------------------------------------

bool IsNameIn(std::string_view t, const char* const* names, size_t n) {
  if (t.size() != 3) return false;
  for (size_t i = 0; i < n; ++i)
    if (t == names[i]) return true;
  return false;
}
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

bool AllDigits(std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s)
    if (!IsDigit(c)) return false;
  return true;
}

// H:MM:SS with an optional fraction; with `zone`, also an optional Z or +hh:mm / +hhmm.
bool IsClock(std::string_view s, bool zone) {
  size_t i = 0;
  auto digits = [&](size_t min, size_t max) {
    size_t n = 0;
    while (i < s.size() && IsDigit(s[i]) && n < max) {
      ++i;
      ++n;
    }
    return n >= min;
  };
  if (!digits(1, 2) || i >= s.size() || s[i++] != ':' || !digits(2, 2) || i >= s.size() || s[i++] != ':' ||
      !digits(2, 2))
    return false;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    if (!digits(1, 9)) return false;
  }
  if (zone && i < s.size()) {
    if (s[i] == 'Z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      ++i;
      if (!digits(2, 2)) return false;
      if (i < s.size() && s[i] == ':') ++i;
      if (!digits(2, 2)) return false;
    }
  }
  return i == s.size();
}

// YYYY-MM-DD or YYYY/MM/DD (one- or two-digit month and day).
bool IsIsoDate(std::string_view s) {
  if (s.size() < 8 || s.size() > 10 || !AllDigits(s.substr(0, 4), 4, 4)) return false;
  char sep = s[4];
  if (sep != '-' && sep != '/') return false;
  auto rest = s.substr(5);
  auto p = rest.find(sep);
  if (p == std::string_view::npos) return false;
  return AllDigits(rest.substr(0, p), 1, 2) && AllDigits(rest.substr(p + 1), 1, 2);
}

bool IsZoneName(std::string_view s) {
  if (s.size() < 3 || s.size() > 4) return false;
  for (char c : s)
    if (!IsUpper(c)) return false;
  return true;
}

// Strips trailing punctuation that may follow a timestamp (",", ")", ...).
std::string_view StripClose(std::string_view s, std::string_view& tail) {
  size_t j = s.size();
  while (j > 0 && Is(s[j - 1], kClose) && s[j - 1] != '.') --j;
  tail = s.substr(j);
  return s.substr(0, j);
}

// How many tokens from `i` form one timestamp (0 if none). `tail` receives punctuation that
// followed it.
size_t MatchTimestamp(const std::vector<std::string_view>& t, size_t i, std::string_view& tail) {
  size_t n = t.size(), k = i;
  tail = {};
  std::string_view end_tail;
  auto at = [&](size_t j, std::string_view& tl) -> std::string_view {
    return j < n ? StripClose(t[j], tl) : std::string_view();
  };
  std::string_view tl;
  // [Weekday] Month Day H:MM:SS [ZONE] [YYYY]
  if (k < n && IsNameIn(t[k], kDays, 7)) ++k;
  if (k < n && IsNameIn(t[k], kMonths, 12) && k + 2 < n && AllDigits(t[k + 1], 1, 2)) {
    auto clock = at(k + 2, tl);
    if (IsClock(clock, false)) {
      k += 3;
      end_tail = tl;
      if (tl.empty() && k < n) {
        auto z = at(k, tl);
        if (IsZoneName(z)) {
          ++k;
          end_tail = tl;
        }
      }
      if (end_tail.empty() && k < n) {
        auto y = at(k, tl);
        if (AllDigits(y, 4, 4)) {
          ++k;
          end_tail = tl;
        }
      }
      tail = end_tail;
      return k - i;
    }
  }
  // YYYY-MM-DD H:MM:SS[.frac][zone]
  if (i + 1 < n && IsIsoDate(t[i])) {
    auto clock = at(i + 1, tl);
    if (IsClock(clock, true)) {
      tail = tl;
      return 2;
    }
  }
  return 0;
}

}  // namespace

// ---- Tokens ---------------------------------------------------------------------------------

std::string Tokens::Join() const {
  std::string s;
  s.reserve(buf_.size() + spans_.size());
  for (size_t i = 0; i < spans_.size(); ++i) {
    if (i) s += ' ';
    s += (*this)[i];
  }
  return s;
}

// ---- Masker ---------------------------------------------------------------------------------

Masker::Masker(Raw) {}
Masker::Masker() {
  for (const auto& w : opt_.value_words) words_.push_back(w);  // the defaults are lowercase
}
Masker::Masker(Masker&&) noexcept = default;
Masker& Masker::operator=(Masker&&) noexcept = default;
Masker::~Masker() = default;

Result<Masker> Masker::Create(MaskOptions opt) {
  Masker m{Raw{}};
  m.opt_ = std::move(opt);
  for (size_t i = 0; i < m.opt_.patterns.size(); ++i) {
    RE2::Options ro;
    ro.set_log_errors(false);
    ro.set_max_mem(8 << 20);
    auto re = std::make_unique<re2::RE2>(m.opt_.patterns[i], ro);
    if (!re->ok())
      return InvalidArgument("invalid mask pattern '" + m.opt_.patterns[i] + "': " + re->error(),
                             "patterns[" + std::to_string(i) + "]");
    m.patterns_.push_back(std::move(re));
  }
  for (const auto& w : m.opt_.value_words) {
    std::string l;
    for (char c : w) l += Lower(c);
    if (!l.empty()) m.words_.push_back(std::move(l));
  }
  return m;
}

bool Masker::IsValueWord(std::string_view s) const {
  for (const auto& w : words_) {
    if (w.size() != s.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < s.size() && eq; ++i) eq = Lower(s[i]) == w[i];
    if (eq) return true;
  }
  return false;
}

bool Masker::IsVarSegment(std::string_view s) const {
  if (s.empty()) return false;
  if (IsValueWord(s)) return true;
  if (opt_.dotted_names && IsDotted(s)) return true;
  if (!opt_.numbers) return false;
  if (s.size() >= 8 && AllHex(s)) return true;
  size_t run = 0, max_run = 0;
  bool digit = false;
  for (char c : s) {
    if (IsDigit(c)) {
      digit = true;
      max_run = std::max(max_run, ++run);
    } else {
      run = 0;
    }
  }
  if (!digit) return false;
  size_t i = 0;
  if (s[i] == '-' || s[i] == '+') ++i;
  if (i < s.size() && s[i] == '.') ++i;
  if (i < s.size() && IsDigit(s[i])) return true;  // numbers, sizes, durations, IPv4, versions
  if (s.size() >= 6 && AllHex(s)) return true;      // hex ids
  for (size_t j = 1; j + 1 < s.size(); ++j)
    if (s[j] == '.' && IsDigit(s[j - 1]) && IsDigit(s[j + 1])) return true;  // v1.2
  return max_run >= 2;  // ids with digits (blk_123, t761); a single digit names a thing (eth0, L2)
}

void Masker::MaskSegment(std::string_view s, std::string& out) const {
  if (!IsVarSegment(s)) {
    out += s;
    return;
  }
  if (opt_.dotted_names && IsDotted(s)) {
    out += kVar;
    return;
  }
  // word.123 keeps the word: core.2275 -> core.<*>
  if (auto dot = s.find('.'); dot != std::string_view::npos) {
    auto first = s.substr(0, dot);
    if (!first.empty() && !IsVarSegment(first) && IsPlainName(first)) {
      size_t i = 0;
      while (true) {
        auto j = s.find('.', i);
        auto part = s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
        if (!part.empty() && IsVarSegment(part)) out += kVar;
        else out += part;
        if (j == std::string_view::npos) break;
        out += '.';
        i = j + 1;
      }
      return;
    }
  }
  // word-123 keeps the word: node-96 -> node-<*>
  size_t i = 0;
  while (i < s.size() && Is(s[i], kAlpha)) ++i;
  if (i > 0 && i + 1 < s.size() && s[i] == '-') {
    size_t j = i + 1;
    if (s[j] == '-' || s[j] == '+') ++j;
    if (j < s.size() && IsDigit(s[j])) {
      out += s.substr(0, i + 1);
      out += kVar;
      return;
    }
  }
  out += kVar;
}

void Masker::MaskSegments(std::string_view s, std::string& out) const {
  size_t start = out.size();
  size_t i = 0, n = s.size();
  while (i < n) {
    if (Is(s[i], kSeg)) {
      size_t j = i;
      while (j < n && Is(s[j], kSeg)) ++j;
      size_t k = j;
      while (k > i && s[k - 1] == '.') --k;
      MaskSegment(s.substr(i, k - i), out);
      out.append(s.data() + k, j - k);
      i = j;
    } else {
      out += s[i++];
    }
  }
  // Variables joined by glue are one variable: <*>.<*> , <*>:<*> , <*>/<*> ...
  if (out.size() - start < 7) return;
  size_t w = start;
  for (size_t r = start; r < out.size();) {
    if (w > start + 3 && out.compare(r, 3, kVar) == 0 && Is(out[w - 1], kGlue) &&
        std::string_view(out).substr(w - 4, 3) == kVar) {
      --w;  // drop the glue and this variable
      r += 3;
      continue;
    }
    out[w++] = out[r++];
  }
  out.resize(w);
}

void Masker::MaskCore(std::string_view core, std::string& out) const {
  if (core.empty()) return;
  // Fast path: plain words need none of the rules below.
  bool plain = true;
  for (char c : core) {
    if (IsDigit(c) || c == '=' || c == '/' || c == '\\' || c == ':' || c == '.' || c == '<') {
      plain = false;
      break;
    }
  }
  if (plain) {
    // Without digits only value words and long hex words can be variables.
    bool maybe = false;
    for (size_t i = 0; i < core.size() && !maybe;) {
      if (!Is(core[i], kSeg)) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < core.size() && Is(core[j], kSeg)) ++j;
      auto seg = core.substr(i, j - i);
      maybe = IsValueWord(seg) || (opt_.numbers && seg.size() >= 8 && AllHex(seg));
      i = j;
    }
    if (!maybe) {
      out += core;
      return;
    }
    MaskSegments(core, out);
    return;
  }
  if (core == kVar) {
    out += kVar;
    return;
  }
  if (opt_.network && IsHexGroups(core)) {
    out += kVar;
    return;
  }
  if (opt_.paths && (IsUrl(core) || IsAbsPath(core))) {
    out += kVar;
    return;
  }
  if (opt_.numbers && IsUuid(core)) {
    out += kVar;
    return;
  }
  if (auto eq = core.find('='); eq != std::string_view::npos && eq > 0) {
    MaskSegments(core.substr(0, eq), out);
    out += '=';
    auto value = core.substr(eq + 1);
    if (opt_.key_values && !value.empty()) out += kVar;
    else MaskCore(value, out);
    return;
  }
  if (auto slash = core.find('/'); opt_.paths && slash != std::string_view::npos && slash > 0) {
    size_t mark = out.size();
    MaskSegments(core.substr(0, slash), out);
    bool var = std::string_view(out).substr(mark).find(kVar) != std::string_view::npos;
    out.resize(mark);
    if (var) {  // a path or id whose first part is variable: host/1.2.3.4, pkg/.Activity
      out += kVar;
      return;
    }
  }
  MaskSegments(core, out);
}

void Masker::MaskToken(std::string_view tok, std::string& out) const {
  size_t n = tok.size(), i = 0;
  while (i < n && Is(tok[i], kOpen)) ++i;
  size_t j = n;
  while (j > i && Is(tok[j - 1], kClose)) --j;
  out.append(tok.data(), i);
  MaskCore(tok.substr(i, j - i), out);
  out.append(tok.data() + j, n - j);
}

void Masker::Mask(std::string_view message, Tokens& out) const {
  out.Clear();
  std::string rewritten;
  if (!patterns_.empty() || opt_.quoted) {
    rewritten.assign(message);
    for (const auto& re : patterns_) re2::RE2::GlobalReplace(&rewritten, *re, "<*>");
    if (opt_.quoted) {
      static const re2::RE2 kQuoted(R"re("[^"]*"|'[^']*')re");
      re2::RE2::GlobalReplace(&rewritten, kQuoted, "\"<*>\"");
    }
    message = rewritten;
  }
  // Split into raw tokens.
  thread_local std::vector<std::string_view> raw;
  raw.clear();
  size_t i = 0, n = message.size();
  while (i < n) {
    while (i < n && Is(message[i], kSpace)) ++i;
    if (i >= n) break;
    size_t j = i;
    while (j < n && !Is(message[j], kSpace)) ++j;
    raw.push_back(message.substr(i, j - i));
    i = j;
  }
  bool truncated = false;
  if (opt_.max_tokens > 0 && raw.size() > opt_.max_tokens) {
    raw.resize(opt_.max_tokens);
    truncated = true;
  }
  auto& buf = out.buf_;
  buf.reserve(message.size() + 16);
  out.spans_.reserve(raw.size() + 1);
  size_t run_start = 0, run = 0;  // bare-variable run, for list collapsing
  auto end_token = [&](size_t begin) {
    uint32_t len = static_cast<uint32_t>(buf.size() - begin);
    bool bare = len == 3 && std::string_view(buf).substr(begin) == kVar;
    if (bare) {
      if (run++ == 0) run_start = out.spans_.size();
    } else {
      run = 0;
    }
    out.spans_.emplace_back(static_cast<uint32_t>(begin), len);
    if (bare && opt_.list_run > 0 && run == opt_.list_run) {
      // Collapse the run so far into its first token; later bare variables extend it.
      out.spans_.resize(run_start + 1);
    } else if (bare && opt_.list_run > 0 && run > opt_.list_run) {
      out.spans_.pop_back();
    }
  };
  for (size_t k = 0; k < raw.size();) {
    size_t begin = buf.size();
    std::string_view tail;
    size_t span = opt_.timestamps ? MatchTimestamp(raw, k, tail) : 0;
    if (span > 0) {
      buf += kVar;
      buf += tail;
      k += span;
    } else {
      MaskToken(raw[k], buf);
      ++k;
    }
    end_token(begin);
  }
  if (truncated) {
    size_t begin = buf.size();
    buf += kVar;
    end_token(begin);
  }
}

// ---- helpers for the miner ------------------------------------------------------------------

WordClass ClassifyWord(std::string_view s) {
  if (s.find(kVar) != std::string_view::npos) return WordClass::kValue;
  size_t letters = 0, upper = 0, lower = 0;
  for (char c : s) {
    if (IsDigit(c)) return WordClass::kValue;
    if (IsUpper(c)) {
      ++letters;
      ++upper;
    } else if (IsLower(c)) {
      ++letters;
      ++lower;
    }
  }
  if (letters == 0) return WordClass::kOther;
  if (lower == 0) return letters > 1 ? WordClass::kUpper : WordClass::kOther;
  if (IsUpper(s[0])) return WordClass::kCamel;
  return WordClass::kLower;
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = pattern.find(kVar);
  if (p == std::string_view::npos) return pattern == text;
  if (text.substr(0, p) != pattern.substr(0, p)) return false;
  text.remove_prefix(p);
  pattern.remove_prefix(p + kVar.size());
  while (true) {
    size_t q = pattern.find(kVar);
    if (q == std::string_view::npos) {
      // The last literal part must be a suffix.
      return text.size() >= pattern.size() && text.substr(text.size() - pattern.size()) == pattern;
    }
    auto lit = pattern.substr(0, q);
    size_t at = text.find(lit);
    if (at == std::string_view::npos) return false;
    text.remove_prefix(at + lit.size());
    pattern.remove_prefix(q + kVar.size());
  }
}

}  // namespace firebreak::logs
