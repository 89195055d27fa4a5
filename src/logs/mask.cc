#include "logs/mask.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <re2/re2.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace firebreak::logs {

namespace {

// Character classes, one table lookup each.
enum : uint16_t {
  kSpace = 1,   // token separator
  kSeg = 2,     // inside a segment: letters, digits, _ . - + ~
  kOpen = 4,    // leading wrapper: ( [ { < " '
  kClose = 8,   // trailing wrapper or punctuation: ) ] } > " ' , ; : .
  kGlue = 16,   // joins two variables into one: . : / - _ @
  kHex = 32,    // 0-9 a-f A-F
  kDigit = 64,  // 0-9
  kAlpha = 128, // a-z A-Z
  kSpecial = 256,  // = / \ : . < : characters that need the full rules
  kNonSeg = 512,   // not a segment character (and not a space)
  kColon = 1024,
  kEq = 2048,
  kSlash = 4096,
  kBackslash = 8192,
};

constexpr std::array<uint16_t, 256> MakeTable() {
  std::array<uint16_t, 256> t{};
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
  for (char c : {'=', '/', '\\', ':', '.', '<'}) t[static_cast<uint8_t>(c)] |= kSpecial;
  t[':'] |= kColon;
  t['='] |= kEq;
  t['/'] |= kSlash;
  t['\\'] |= kBackslash;
  for (int c = 0; c < 256; ++c)
    if (!(t[c] & (kSeg | kSpace))) t[c] |= kNonSeg;
  return t;
}
constexpr std::array<uint16_t, 256> kTable = MakeTable();

inline uint16_t ClassOf(char c) { return kTable[static_cast<uint8_t>(c)]; }
inline bool Is(char c, uint16_t cls) { return (kTable[static_cast<uint8_t>(c)] & cls) != 0; }
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
  if (t.size() != 3 || !IsUpper(t[0])) return false;
  for (size_t i = 0; i < n; ++i)
    if (t[0] == names[i][0] && t[1] == names[i][1] && t[2] == names[i][2]) return true;
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
size_t MatchTimestamp(const std::string_view* t, size_t n, size_t i, std::string_view& tail) {
  size_t k = i;
  tail = {};
  if (t[i].empty() || !(IsUpper(t[i][0]) || IsDigit(t[i][0]))) return 0;
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

// Marks, one bit per byte, whitespace and "hard" bytes: anything but letters, '_', '-', '+', '~'.
// A token without hard bytes is a plain word and skips the masking rules.
void ClassifyBytes(std::string_view s, std::vector<uint64_t>& space, std::vector<uint64_t>& hard) {
  size_t words = (s.size() + 63) / 64 + 1;
  space.assign(words, 0);
  hard.assign(words, 0);
  size_t i = 0;
  const char* p = s.data();
#if defined(__SSE2__)
  const __m128i sp = _mm_set1_epi8(' '), nine = _mm_set1_epi8(9), four = _mm_set1_epi8(4);
  const __m128i x20 = _mm_set1_epi8(0x20), a = _mm_set1_epi8('a'), n25 = _mm_set1_epi8(25);
  const __m128i us = _mm_set1_epi8('_'), dash = _mm_set1_epi8('-'), plus = _mm_set1_epi8('+'),
                tilde = _mm_set1_epi8('~');
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i t = _mm_sub_epi8(v, nine);
    __m128i ws = _mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(_mm_min_epu8(t, four), t));
    __m128i l = _mm_sub_epi8(_mm_or_si128(v, x20), a);
    __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(l, n25), l);
    __m128i soft = _mm_or_si128(_mm_or_si128(letter, _mm_cmpeq_epi8(v, us)),
                                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dash), _mm_cmpeq_epi8(v, plus)),
                                             _mm_cmpeq_epi8(v, tilde)));
    uint64_t wsm = static_cast<uint32_t>(_mm_movemask_epi8(ws));
    uint64_t hm = ~(wsm | static_cast<uint32_t>(_mm_movemask_epi8(soft))) & 0xFFFF;
    space[i / 64] |= wsm << (i % 64);
    hard[i / 64] |= hm << (i % 64);
  }
#endif
  for (; i < s.size(); ++i) {
    uint16_t k = ClassOf(p[i]);
    if (k & kSpace) space[i / 64] |= uint64_t{1} << (i % 64);
    else if (!(k & kAlpha) && p[i] != '_' && p[i] != '-' && p[i] != '+' && p[i] != '~')
      hard[i / 64] |= uint64_t{1} << (i % 64);
  }
  // Past the end counts as space, so the last token ends there.
  size_t n = s.size();
  space[n / 64] |= ~uint64_t{0} << (n % 64);
  for (size_t w = n / 64 + 1; w < words; ++w) space[w] = ~uint64_t{0};
}

// Any bit set in [b, e)?
inline bool AnyBit(const uint64_t* bits, size_t b, size_t e) {
  if (b >= e) return false;
  size_t wb = b / 64, we = (e - 1) / 64;
  uint64_t first = ~uint64_t{0} << (b % 64);
  uint64_t last = ~uint64_t{0} >> (63 - (e - 1) % 64);
  if (wb == we) return bits[wb] & first & last;
  if (bits[wb] & first) return true;
  for (size_t w = wb + 1; w < we; ++w)
    if (bits[w]) return true;
  return bits[we] & last;
}

uint64_t HashToken(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 29);
}

constexpr size_t kMemoSize = 4096;  // entries, a power of two
constexpr size_t kMemoMaxIn = 48;

}  // namespace

// ---- Masker ---------------------------------------------------------------------------------

Masker::Masker(Raw) {}
Masker::Masker() {
  for (const auto& w : opt_.value_words) words_.push_back(w);  // the defaults are lowercase
  for (const auto& w : words_) {
    if (w.size() < 64) word_lengths_ |= uint64_t{1} << w.size();
    unsigned char c = static_cast<unsigned char>(w[0]) | 0x20;
    word_firsts_[c >> 6] |= uint64_t{1} << (c & 63);
  }
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
  for (const auto& w : m.words_) {
    if (w.size() < 64) m.word_lengths_ |= uint64_t{1} << w.size();
    unsigned char c = static_cast<unsigned char>(w[0]) | 0x20;
    m.word_firsts_[c >> 6] |= uint64_t{1} << (c & 63);
  }
  return m;
}

bool Masker::IsValueWordSlow(std::string_view s) const {
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
  if (IsDigit(s[0])) return opt_.numbers;
  if (IsValueWord(s)) return true;
  // One pass: digits, longest digit run, all hex, digit.digit, lowercase dotted name.
  size_t run = 0, max_run = 0, parts = 1;
  bool digit = false, hex = true, digit_dot_digit = false, dotted = IsLower(s[0]);
  char prev = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    uint16_t k = ClassOf(c);
    if (k & kDigit) {
      digit = true;
      if (++run > max_run) max_run = run;
      if (prev == '.' && i >= 2 && IsDigit(s[i - 2])) digit_dot_digit = true;
    } else {
      run = 0;
      hex = hex && (k & kHex);
      if (c == '.') {
        ++parts;
        dotted = dotted && i + 1 < s.size() && IsLower(s[i + 1]);
      } else if (!IsLower(c) && c != '_') {
        dotted = false;
      }
    }
    prev = c;
  }
  if (opt_.dotted_names && dotted && parts >= 3) return true;
  if (!opt_.numbers) return false;
  if (s.size() >= 8 && hex) return true;
  if (!digit) return false;
  size_t i = 0;
  if (s[i] == '-' || s[i] == '+') ++i;
  if (i < s.size() && s[i] == '.') ++i;
  if (i < s.size() && IsDigit(s[i])) return true;  // numbers, sizes, durations, IPv4, versions
  if (s.size() >= 6 && hex) return true;            // hex ids
  if (digit_dot_digit) return true;                 // v1.2
  // word-123 (node-7, db-12): a numbered instance, however short the number.
  size_t a = 0;
  while (a < s.size() && Is(s[a], kAlpha)) ++a;
  if (a > 0 && a + 1 < s.size() && s[a] == '-') {
    size_t d = a + 1;
    while (d < s.size() && IsDigit(s[d])) ++d;
    if (d == s.size() && d > a + 1) return true;
  }
  return max_run >= 2;  // ids with digits (blk_123, t761); a single digit names a thing (eth0, L2)
}

bool Masker::MaskSegment(std::string_view s, std::string& out) const {
  if (!IsVarSegment(s)) {
    out += s;
    return false;
  }
  if (IsDigit(s[0])) {
    out += kVar;
    return true;
  }
  if (opt_.dotted_names && IsLower(s[0]) && IsDotted(s)) {
    out += kVar;
    return true;
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
      return true;
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
      return true;
    }
  }
  out += kVar;
  return true;
}

void Masker::MaskSegments(std::string_view s, std::string& out) const {
  size_t start = out.size();
  size_t i = 0, n = s.size();
  int vars = 0;
  while (i < n) {
    if (Is(s[i], kSeg)) {
      size_t j = i;
      while (j < n && Is(s[j], kSeg)) ++j;
      size_t k = j;
      while (k > i && s[k - 1] == '.') --k;
      vars += MaskSegment(s.substr(i, k - i), out);
      out.append(s.data() + k, j - k);
      i = j;
    } else {
      out += s[i++];
    }
  }
  // Variables joined by glue are one variable: <*>.<*> , <*>:<*> , <*>/<*> ...
  if (vars < 2 && s.find('<') == std::string_view::npos) return;
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
  // Fast path: without digits and without = / \ : . < only value words and long hex words can be
  // variables.
  uint16_t any = 0, all = 0xFFFF;
  for (char c : core) {
    uint16_t k = ClassOf(c);
    any |= k;
    all &= k;
  }
  if (!(any & (kDigit | kSpecial))) {
    if (!(any & kNonSeg)) {  // one segment
      bool var = IsValueWord(core) || (opt_.numbers && core.size() >= 8 && (all & kHex));
      if (var) out += kVar;
      else out += core;
      return;
    }
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
    if (!maybe) out += core;
    else MaskSegments(core, out);
    return;
  }
  if (core == kVar) {
    out += kVar;
    return;
  }
  if (opt_.network && (any & kColon) && IsHexGroups(core)) {
    out += kVar;
    return;
  }
  if (opt_.paths && (((any & kColon) && (any & (kSlash | kBackslash)) && IsUrl(core)) ||
                     ((core[0] == '/' || core[0] == '~' || (any & kBackslash)) && IsAbsPath(core)))) {
    out += kVar;
    return;
  }
  if (opt_.numbers && core.size() == 36 && IsUuid(core)) {
    out += kVar;
    return;
  }
  if (auto eq = (any & kEq) ? core.find('=') : std::string_view::npos; eq != std::string_view::npos && eq > 0) {
    MaskSegments(core.substr(0, eq), out);
    out += '=';
    auto value = core.substr(eq + 1);
    if (opt_.key_values && !value.empty()) out += kVar;
    else MaskCore(value, out);
    return;
  }
  if (auto slash = (any & kSlash) ? core.find('/') : std::string_view::npos;
      opt_.paths && slash != std::string_view::npos && slash > 0) {
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
  out.spans_.clear();
  out.len_ = 0;
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
  const size_t n = message.size();
  // Split into raw tokens: starts are non-space bytes after a space (or at 0), ends are space
  // bytes after a non-space.
  ClassifyBytes(message, out.space_, out.hard_);
  auto& raw = out.raw_;
  if (raw.size() < n / 2 + 2) raw.resize(n / 2 + 2);
  size_t ntok = 0;
  {
    const size_t words = out.space_.size();
    const uint64_t* sp = out.space_.data();
    uint64_t carry = 1;
    size_t start = 0;
    for (size_t w = 0; w < words; ++w) {
      uint64_t s = sp[w];
      uint64_t shifted = (s << 1) | carry;
      carry = s >> 63;
      uint64_t starts = ~s & shifted, ends = s & ~shifted;
      while (starts | ends) {
        unsigned ns = starts ? static_cast<unsigned>(__builtin_ctzll(starts)) : 64;
        unsigned ne = ends ? static_cast<unsigned>(__builtin_ctzll(ends)) : 64;
        if (ne < ns) {
          raw[ntok++] = std::string_view(message.data() + start, w * 64 + ne - start);
          ends &= ends - 1;
        } else {
          start = w * 64 + ns;
          starts &= starts - 1;
        }
      }
    }
  }
  bool truncated = false;
  if (opt_.max_tokens > 0 && ntok > opt_.max_tokens) {
    ntok = opt_.max_tokens;
    truncated = true;
  }
  // Output: at most three bytes per input byte (a one-byte variable becomes <*>) plus separators.
  size_t need = 3 * n + 16;
  if (out.buf_.size() < need) out.buf_.resize(need);
  char* const base = out.buf_.data();
  size_t w = 0;
  auto& spans = out.spans_;
  spans.reserve(ntok + 1);
  if (out.memo_.empty()) out.memo_.resize(kMemoSize);
  size_t run_start = 0, run = 0;  // bare-variable run, for list collapsing
  auto put = [&](const char* p, size_t len) {
    std::memcpy(base + w, p, len);
    w += len;
  };
  auto put_var = [&] {
    base[w] = '<';
    base[w + 1] = '*';
    base[w + 2] = '>';
    w += 3;
  };
  auto end_token = [&](size_t begin) {
    size_t len = w - begin;
    spans.emplace_back(static_cast<uint32_t>(begin), static_cast<uint32_t>(len));
    bool bare = len == 3 && base[begin] == '<' && base[begin + 1] == '*' && base[begin + 2] == '>';
    if (!bare) {
      run = 0;
      return;
    }
    if (run++ == 0) run_start = spans.size() - 1;
    if (opt_.list_run == 0 || run < opt_.list_run) return;
    // A long run of variables is a list: keep its first token only.
    if (spans.size() > run_start + 1) {
      w = spans[run_start].first + spans[run_start].second;
      spans.resize(run_start + 1);
    }
  };
  const uint64_t* hard = out.hard_.data();
  for (size_t k = 0; k < ntok;) {
    if (!spans.empty()) base[w++] = ' ';
    size_t begin = w;
    std::string_view tok = raw[k];
    char c0 = tok[0];
    if (opt_.timestamps && (IsUpper(c0) || IsDigit(c0))) {
      std::string_view tail;
      size_t span = MatchTimestamp(raw.data(), ntok, k, tail);
      if (span > 0) {
        put_var();
        put(tail.data(), tail.size());
        k += span;
        end_token(begin);
        continue;
      }
    }
    ++k;
    size_t tb = static_cast<size_t>(tok.data() - message.data());
    if (!AnyBit(hard, tb, tb + tok.size())) {  // a plain word
      if (IsValueWord(tok) || (opt_.numbers && tok.size() >= 8 && AllHex(tok))) put_var();
      else put(tok.data(), tok.size());
    } else if (opt_.numbers && std::all_of(tok.begin(), tok.end(), IsDigit)) {
      put_var();
    } else if (tok.size() <= kMemoMaxIn) {
      uint64_t h = HashToken(tok);
      auto& e = out.memo_[h & (kMemoSize - 1)];
      if (e.in_len == tok.size() && e.hash == h) {
        put(e.out, e.out_len);
      } else {
        out.slow_.clear();
        MaskToken(tok, out.slow_);
        put(out.slow_.data(), out.slow_.size());
        if (out.slow_.size() <= sizeof(e.out)) {
          e.hash = h;
          e.in_len = static_cast<uint8_t>(tok.size());
          e.out_len = static_cast<uint8_t>(out.slow_.size());
          std::memcpy(e.out, out.slow_.data(), out.slow_.size());
        }
      }
    } else {
      out.slow_.clear();
      MaskToken(tok, out.slow_);
      put(out.slow_.data(), out.slow_.size());
    }
    end_token(begin);
  }
  if (truncated) {
    if (!spans.empty()) base[w++] = ' ';
    size_t begin = w;
    put_var();
    end_token(begin);
  }
  out.len_ = w;
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
