#include "logs/mask.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <re2/re2.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// The per-token rules and the byte classification run on every byte of every log line. On x86-64
// they are compiled twice, for the baseline ISA and for x86-64-v3 (AVX2, BMI1/2, LZCNT, MOVBE: bit
// scans and shifts without extra moves, three-operand SIMD), and the loader picks one per function
// when the program starts (GCC's function multiversioning). Both come from the same source;
// with -O3 (src/logs/CMakeLists.txt) the v3 code executes about 5% fewer instructions per line for
// the same output (docs/BENCHMARKS.md).
// A clone calls the other functions' clones of its own ISA directly, and helpers it inlines take its
// ISA. The tests exercise the clones the machine running them selects; build with
// -DFB_NO_ISA_CLONES to test the baseline code alone. GCC only: clang 14 (the fuzzing build) emits
// no symbol for a cloned member function, so its builds take the baseline code.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(FB_NO_ISA_CLONES)
#define FB_MASK_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FB_MASK_CLONES
#endif

namespace firebreak::logs {

namespace {

// Character classes, one table lookup each.
enum : uint32_t {
  kSpace = 1,      // token separator
  kSeg = 2,        // inside a segment: letters, digits, _ . - + ~
  kOpen = 4,       // leading wrapper: ( [ { < " '
  kClose = 8,      // trailing wrapper or punctuation: ) ] } > " ' , ; : .
  kGlue = 16,      // joins two variables into one: . : / - _ @
  kHex = 32,       // 0-9 a-f A-F
  kDigit = 64,     // 0-9
  kAlpha = 128,    // a-z A-Z
  kSpecial = 256,  // = / \ : . < : characters that need the full rules
  kNonSeg = 512,   // not a segment character (and not a space)
  kColon = 1024,
  kEq = 2048,
  kSlash = 4096,
  kBackslash = 8192,
  kDot = 1 << 14,
  // Not a byte class: set in a segment's union of classes when it has two digits in a row.
  kDigitPair = 1 << 15,
};

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
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
  t['.'] |= kDot;
  for (int c = 0; c < 256; ++c)
    if (!(t[c] & (kSeg | kSpace))) t[c] |= kNonSeg;
  return t;
}
constexpr std::array<uint32_t, 256> kTable = MakeTable();

inline uint32_t ClassOf(char c) { return kTable[static_cast<uint8_t>(c)]; }
inline bool Is(char c, uint32_t cls) { return (kTable[static_cast<uint8_t>(c)] & cls) != 0; }
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

// Whether a timestamp may start at token `t`: a day or month name, or an ISO date. Cheaper than
// MatchTimestamp and rarely true, so that the common token does not pay for the call.
inline bool MayStartTimestamp(std::string_view t) {
  return (t.size() == 3 && IsUpper(t[0])) ||
         (t.size() >= 8 && t.size() <= 10 && IsDigit(t[0]) && (t[4] == '-' || t[4] == '/'));
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

// One bit per byte of a message, for the splitting and for the rules that look at many bytes at
// once.
struct ByteSets {
  uint64_t* space;    // whitespace (and everything past the end)
  uint64_t* hard;     // anything but whitespace, letters, '_', '-', '+', '~'
  uint64_t* special;  // : / \ = : the bytes the whole-token rules need
  uint64_t* nonseg;   // bytes that end a segment (not a letter, digit, _ . - + ~)
  uint64_t* digit;
  uint64_t* dot;
};

// Fills the byte sets of `s` into `store` (resized). A token without hard bytes is a plain word and
// skips the masking rules; one without special bytes skips the whole-token rules (addresses, URLs,
// paths, key=value).
FB_MASK_CLONES ByteSets ClassifyBytes(std::string_view s, std::vector<uint64_t>& store) {
  const size_t words = (s.size() + 63) / 64 + 1;
  store.assign(6 * words, 0);
  uint64_t* base = store.data();
  ByteSets b{
      base, base + words, base + 2 * words, base + 3 * words, base + 4 * words, base + 5 * words};
  size_t i = 0;
  const char* p = s.data();
#if defined(__SSE2__)
  const __m128i sp = _mm_set1_epi8(' '), nine = _mm_set1_epi8(9), four = _mm_set1_epi8(4);
  const __m128i x20 = _mm_set1_epi8(0x20), a = _mm_set1_epi8('a'), n25 = _mm_set1_epi8(25);
  const __m128i us = _mm_set1_epi8('_'), dash = _mm_set1_epi8('-'), plus = _mm_set1_epi8('+'),
                tilde = _mm_set1_epi8('~');
  const __m128i colon = _mm_set1_epi8(':'), slash = _mm_set1_epi8('/'),
                bslash = _mm_set1_epi8('\\'), eq = _mm_set1_epi8('='), zero = _mm_set1_epi8('0'),
                dot = _mm_set1_epi8('.');
  // The six sets of 16 bytes, in the low 16 bits of each.
  struct Block {
    uint64_t space, hard, special, nonseg, digit, dot;
  };
  auto block = [&](const char* q) __attribute__((always_inline)) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    __m128i t = _mm_sub_epi8(v, nine);
    __m128i ws = _mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(_mm_min_epu8(t, four), t));
    __m128i l = _mm_sub_epi8(_mm_or_si128(v, x20), a);
    __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(l, n25), l);
    __m128i soft = _mm_or_si128(_mm_or_si128(letter, _mm_cmpeq_epi8(v, us)),
                                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dash), _mm_cmpeq_epi8(v, plus)),
                                             _mm_cmpeq_epi8(v, tilde)));
    __m128i sp_bytes =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, colon), _mm_cmpeq_epi8(v, slash)),
                     _mm_or_si128(_mm_cmpeq_epi8(v, bslash), _mm_cmpeq_epi8(v, eq)));
    __m128i d = _mm_sub_epi8(v, zero);
    __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
    Block k;
    k.space = static_cast<uint32_t>(_mm_movemask_epi8(ws));
    k.hard = ~(k.space | static_cast<uint32_t>(_mm_movemask_epi8(soft))) & 0xFFFF;
    k.special = static_cast<uint32_t>(_mm_movemask_epi8(sp_bytes));
    k.digit = static_cast<uint32_t>(_mm_movemask_epi8(digit));
    k.dot = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, dot)));
    k.nonseg = k.hard & ~k.digit & ~k.dot;
    return k;
  };
  // 64 bytes (one word of each set) at a time, kept in registers until stored.
  auto word = [&](const char* q, size_t w, size_t bytes) __attribute__((always_inline)) {
    // Blocks past the end are all space.
    const Block none{0xFFFF, 0, 0, 0, 0, 0};
    Block k0 = block(q), k1 = bytes > 16 ? block(q + 16) : none,
          k2 = bytes > 32 ? block(q + 32) : none, k3 = bytes > 48 ? block(q + 48) : none;
    auto join = [](uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3) {
      return x0 | (x1 << 16) | (x2 << 32) | (x3 << 48);
    };
    b.space[w] = join(k0.space, k1.space, k2.space, k3.space);
    b.hard[w] = join(k0.hard, k1.hard, k2.hard, k3.hard);
    b.special[w] = join(k0.special, k1.special, k2.special, k3.special);
    b.nonseg[w] = join(k0.nonseg, k1.nonseg, k2.nonseg, k3.nonseg);
    b.digit[w] = join(k0.digit, k1.digit, k2.digit, k3.digit);
    b.dot[w] = join(k0.dot, k1.dot, k2.dot, k3.dot);
  };
  for (; i + 64 <= s.size(); i += 64) word(p + i, i / 64, 64);
  if (i < s.size()) {  // the tail, padded with spaces (past the end counts as space anyway)
    char pad[64];
    std::memset(pad, ' ', sizeof(pad));
    std::memcpy(pad, p + i, s.size() - i);
    word(pad, i / 64, s.size() - i);
    i = s.size();
  }
#endif
  for (; i < s.size(); ++i) {
    const uint32_t k = ClassOf(p[i]);
    const size_t w = i / 64;
    const uint64_t bit = uint64_t{1} << (i % 64);
    if (k & kSpace)
      b.space[w] |= bit;
    else if (!(k & kAlpha) && p[i] != '_' && p[i] != '-' && p[i] != '+' && p[i] != '~')
      b.hard[w] |= bit;
    if (k & (kColon | kSlash | kBackslash | kEq)) b.special[w] |= bit;
    if (k & kNonSeg) b.nonseg[w] |= bit;
    if (k & kDigit) b.digit[w] |= bit;
    if (k & kDot) b.dot[w] |= bit;
  }
  // Past the end counts as space, so the last token ends there.
  size_t n = s.size();
  b.space[n / 64] |= ~uint64_t{0} << (n % 64);
  for (size_t w = n / 64 + 1; w < words; ++w) b.space[w] = ~uint64_t{0};
  return b;
}

// Bits [b, b + 64) of a byte set.
inline uint64_t Window(const uint64_t* set, size_t b) {
  const size_t w = b / 64, sh = b % 64;
  uint64_t x = set[w] >> sh;
  if (sh) x |= set[w + 1] << (64 - sh);
  return x;
}

// Any bit set in [b, e)? (Within a message: e is at most its size.)
inline bool AnyBit(const uint64_t* bits, size_t b, size_t e) {
  if (b >= e) return false;
  if (e - b < 64) return Window(bits, b) & ((uint64_t{1} << (e - b)) - 1);
  size_t wb = b / 64, we = (e - 1) / 64;
  uint64_t first = ~uint64_t{0} << (b % 64);
  uint64_t last = ~uint64_t{0} >> (63 - (e - 1) % 64);
  if (wb == we) return bits[wb] & first & last;
  if (bits[wb] & first) return true;
  for (size_t w = wb + 1; w < we; ++w)
    if (bits[w]) return true;
  return bits[we] & last;
}

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

FB_MASK_CLONES bool Masker::IsPlainVar(std::string_view s) const {
  return IsValueWord(s) || (opt_.numbers && s.size() >= 8 && AllHex(s));
}

// ---- per-token rules ------------------------------------------------------------------------
//
// A token is masked in one pass, written straight into the message's output. The byte sets of the
// whole message (ClassifyBytes, 16 bytes per SIMD step) answer most questions about a token or a
// segment with a few bit operations: where a segment (a maximal run of letters, digits and
// _ . - + ~) ends, whether it holds digits, dots or two digits in a row, whether the token holds a
// byte the whole-token rules need (: / \ =). Each segment is classified from those answers and its
// first byte and written at once; a segment starting with a digit is a variable without further
// ado. Only the rarer tests (hex words, dotted names, v1.2, node-7, URLs, addresses) read bytes
// again, and only on segments or tokens that can pass them. The rules and their order are those of
// the earlier implementation, which ran them on strings, scanning each several times, behind a
// memo of recent tokens; mask_reference_test.cc keeps it as the reference the rules here must
// match.

namespace {

// Pieces are short: eight bytes at a time beats a call to memcpy.
inline char* Put(char* o, const char* p, size_t n) {
  char* const e = o + n;
  for (; n >= 8; n -= 8, o += 8, p += 8) std::memcpy(o, p, 8);
  if (n >= 4) {
    std::memcpy(o, p, 4);
    std::memcpy(o + n - 4, p + n - 4, 4);
  } else if (n > 0) {
    o[0] = p[0];
    o[n / 2] = p[n / 2];
    o[n - 1] = p[n - 1];
  }
  return e;
}
inline char* Put(char* o, std::string_view s) { return Put(o, s.data(), s.size()); }
inline char* PutVar(char* o) {
  o[0] = '<';
  o[1] = '*';
  o[2] = '>';
  return o + 3;
}
inline bool IsVarAt(const char* p) { return p[0] == '<' && p[1] == '*' && p[2] == '>'; }

// The union of the classes of the bytes of `s`, with kDigitPair.
uint32_t ClassesOf(std::string_view s) {
  uint32_t any = 0, pair = 0, prev = 0;
  for (char c : s) {
    uint32_t k = ClassOf(c);
    any |= k;
    pair |= prev & k;
    prev = k;
  }
  return any | ((pair & kDigit) ? uint32_t{kDigitPair} : 0);
}

// The first set bit in [from, limit) of a byte set, or `limit`.
inline size_t NextBit(const uint64_t* set, size_t from, size_t limit) {
  size_t w = from / 64;
  uint64_t x = set[w] & (~uint64_t{0} << (from % 64));
  while (x == 0) {
    if (++w * 64 >= limit) return limit;
    x = set[w];
  }
  return std::min(limit, w * 64 + static_cast<size_t>(__builtin_ctzll(x)));
}

// digit '.' digit anywhere: a version (v1.2).
bool HasDigitDotDigit(std::string_view s) {
  for (size_t i = 2; i < s.size(); ++i)
    if (IsDigit(s[i]) && s[i - 1] == '.' && IsDigit(s[i - 2])) return true;
  return false;
}

// Bytes of a word-123 prefix ("node-" of node-96), 0 if `s` does not start so. With
// `digits_to_end` the rest must be digits only; otherwise it may start with a sign.
size_t NumberedPrefix(std::string_view s, bool digits_to_end) {
  size_t a = 0;
  while (a < s.size() && Is(s[a], kAlpha)) ++a;
  if (a == 0 || a + 1 >= s.size() || s[a] != '-') return 0;
  size_t d = a + 1;
  if (digits_to_end) {
    while (d < s.size() && IsDigit(s[d])) ++d;
    return d == s.size() && d > a + 1 ? a + 1 : 0;
  }
  if (s[d] == '-' || s[d] == '+') ++d;
  return d < s.size() && IsDigit(s[d]) ? a + 1 : 0;
}

}  // namespace

// A message and its byte sets.
struct Masker::Bytes {
  const char* text;
  ByteSets sets;
};

// Where the last ':', '/', '\' and '=' of a token's core are (null: none), so that the rules for a
// key=value chain (a=1,b=2,...) know what each value holds without scanning it again.
struct Masker::Marks {
  const char* colon = nullptr;
  const char* slash = nullptr;
  const char* backslash = nullptr;
  const char* eq = nullptr;
};

FB_MASK_CLONES bool Masker::IsVarSegment(std::string_view s, uint32_t any) const {
  if (s.empty()) return false;
  if (IsDigit(s[0])) return opt_.numbers;
  if (IsValueWord(s)) return true;
  if (opt_.dotted_names && IsLower(s[0]) && (any & kDot) && IsDotted(s)) return true;
  if (!opt_.numbers) return false;
  const bool hex = s.size() >= 6 && AllHex(s);
  if (s.size() >= 8 && hex) return true;
  if (!(any & kDigit)) return false;
  size_t i = 0;
  if (s[i] == '-' || s[i] == '+') ++i;
  if (i < s.size() && s[i] == '.') ++i;
  if (i < s.size() && IsDigit(s[i])) return true;  // numbers, sizes, durations, IPv4, versions
  if (hex) return true;                            // hex ids
  // ids with digits (blk_123, t761); a single digit names a thing (eth0, L2)
  if (any & kDigitPair) return true;
  if ((any & kDot) && HasDigitDotDigit(s)) return true;  // v1.2
  // word-123 (node-7, db-12): a numbered instance, however short the number.
  return NumberedPrefix(s, true) > 0;
}

FB_MASK_CLONES char* Masker::MaskSegment(std::string_view s, uint32_t any, char* o, bool& var) const {
  var = IsVarSegment(s, any);
  if (!var) return Put(o, s);
  if (IsDigit(s[0])) return PutVar(o);
  if (opt_.dotted_names && IsLower(s[0]) && IsDotted(s)) return PutVar(o);
  // word.123 keeps the word: core.2275 -> core.<*>
  if (any & kDot) {
    auto first = s.substr(0, s.find('.'));
    if (!first.empty() && !IsVarSegment(first, ClassesOf(first)) && IsPlainName(first)) {
      size_t i = 0;
      while (true) {
        auto j = s.find('.', i);
        auto part = s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
        if (!part.empty() && IsVarSegment(part, ClassesOf(part)))
          o = PutVar(o);
        else
          o = Put(o, part);
        if (j == std::string_view::npos) break;
        *o++ = '.';
        i = j + 1;
      }
      return o;
    }
  }
  // word-123 keeps the word: node-96 -> node-<*>
  if (size_t prefix = NumberedPrefix(s, false); prefix > 0) o = Put(o, s.data(), prefix);
  return PutVar(o);
}

FB_MASK_CLONES char* Masker::MaskSegments(std::string_view s, const Bytes& m, char* o) const {
  char* const start = o;
  const char* const text = m.text;
  const size_t end = static_cast<size_t>(s.data() - text) + s.size();
  int vars = 0;
  bool lt = false;  // a '<': the input may hold variables already
  for (size_t i = static_cast<size_t>(s.data() - text); i < end;) {
    const char c = text[i];
    if (!Is(c, kSeg)) {
      lt |= c == '<';
      *o++ = c;
      ++i;
      continue;
    }
    const size_t j = NextBit(m.sets.nonseg, i, end);
    // Trailing dots end a sentence, not a segment.
    size_t q = j;
    while (q > i && text[q - 1] == '.') --q;
    if (IsDigit(c) && opt_.numbers) {  // a number, an address, a time: one variable
      o = PutVar(o);
      ++vars;
    } else {
      // The classes IsVarSegment needs, from the byte sets when the segment fits a window.
      std::string_view seg(text + i, q - i);
      uint32_t any;
      if (seg.size() <= 64) {
        const uint64_t len = seg.size() == 64 ? ~uint64_t{0} : (uint64_t{1} << seg.size()) - 1;
        const uint64_t digits = Window(m.sets.digit, i) & len;
        any = (digits ? uint32_t{kDigit} : 0) |
              ((Window(m.sets.dot, i) & len) ? uint32_t{kDot} : 0) |
              ((digits & (digits >> 1)) ? uint32_t{kDigitPair} : 0);
      } else {
        any = ClassesOf(seg);
      }
      bool var;
      o = MaskSegment(seg, any, o, var);
      vars += var;
    }
    o = Put(o, text + q, j - q);
    i = j;
  }
  // Variables joined by glue are one variable: <*>.<*> , <*>:<*> , <*>/<*> ...
  if ((vars < 2 && !lt) || o - start < 7) return o;
  char* w = start;
  for (const char* r = start; r < o;) {
    if (w > start + 3 && o - r >= 3 && IsVarAt(r) && Is(w[-1], kGlue) && IsVarAt(w - 4)) {
      --w;  // drop the glue and this variable
      r += 3;
      continue;
    }
    *w++ = *r++;
  }
  return w;
}

FB_MASK_CLONES char* Masker::MaskCore(std::string_view core, const Bytes& m, const Marks* marks, char* o) const {
  if (core.empty()) return o;
  bool colon = false, slash = false, backslash = false, eq = false;
  if (marks) {  // the rules for tokens with : / \ =
    // The marks are the token's last ones; the core may be a value at its end.
    auto in_core = [&](const char* m) { return m != nullptr && m >= core.data(); };
    colon = in_core(marks->colon);
    slash = in_core(marks->slash);
    backslash = in_core(marks->backslash);
    eq = in_core(marks->eq);
    if (opt_.network && colon && IsHexGroups(core)) return PutVar(o);
    if (opt_.paths && ((colon && (slash || backslash) && IsUrl(core)) ||
                       ((core[0] == '/' || core[0] == '~' || backslash) && IsAbsPath(core))))
      return PutVar(o);
  }
  if (opt_.numbers && core.size() == 36 && IsUuid(core)) return PutVar(o);
  if (auto at = eq ? core.find('=') : std::string_view::npos;
      at != std::string_view::npos && at > 0) {
    o = MaskSegments(core.substr(0, at), m, o);
    *o++ = '=';
    auto value = core.substr(at + 1);
    if (opt_.key_values && !value.empty()) return PutVar(o);
    return MaskCore(value, m, marks, o);
  }
  if (auto at = opt_.paths && slash ? core.find('/') : std::string_view::npos;
      at != std::string_view::npos && at > 0) {
    char* end = MaskSegments(core.substr(0, at), m, o);
    bool var = std::string_view(o, end - o).find(kVar) != std::string_view::npos;
    if (var)
      return PutVar(o);  // a path or id whose first part is variable: host/1.2.3.4, pkg/.Activity
  }
  return MaskSegments(core, m, o);
}

FB_MASK_CLONES char* Masker::MaskToken(std::string_view tok, const Bytes& m, char* o) const {
  size_t n = tok.size(), i = 0;
  while (i < n && Is(tok[i], kOpen)) ++i;
  size_t j = n;
  while (j > i && Is(tok[j - 1], kClose)) --j;
  o = Put(o, tok.data(), i);
  auto core = tok.substr(i, j - i);
  const size_t at = static_cast<size_t>(tok.data() - m.text);
  if (!AnyBit(m.sets.hard, at + i, at + j)) {  // a plain word in wrappers: "(root)", "INFO:"
    o = IsPlainVar(core) ? PutVar(o) : Put(o, core);
    return Put(o, tok.data() + j, n - j);
  }
  // The special bytes of the core, from their bits: most tokens have none or a few.
  Marks marks;
  bool any_special = false;
  for (size_t b = at + i, e = at + j; b < e;) {
    uint64_t bits = m.sets.special[b / 64] >> (b % 64);
    if (e - b < 64) bits &= (uint64_t{1} << (e - b)) - 1;
    if (bits == 0) {
      b = (b / 64 + 1) * 64;
      continue;
    }
    b += static_cast<size_t>(__builtin_ctzll(bits));
    const char* c = tok.data() + (b - at);
    any_special = true;
    if (*c == ':')
      marks.colon = c;
    else if (*c == '/')
      marks.slash = c;
    else if (*c == '\\')
      marks.backslash = c;
    else
      marks.eq = c;
    ++b;
  }
  o = MaskCore(core, m, any_special ? &marks : nullptr, o);
  return Put(o, tok.data() + j, n - j);
}

FB_MASK_CLONES void Masker::Mask(std::string_view message, Tokens& out) const {
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
  const Bytes bytes{message.data(), ClassifyBytes(message, out.bits_)};
  auto& raw = out.raw_;
  auto& starts = out.starts_;
  if (raw.size() < n / 2 + 2) {
    raw.resize(n / 2 + 2);
    starts.resize(n / 2 + 2);
  }
  size_t ntok = 0;
  {
    // Starts first, then ends: two loops without a data-dependent branch per token.
    const size_t words = (n + 63) / 64 + 1;
    const uint64_t* sp = bytes.sets.space;
    uint64_t carry = 1;
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t b = ~sp[w] & ((sp[w] << 1) | carry); b != 0; b &= b - 1)
        starts[ntok++] = static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(b)));
      carry = sp[w] >> 63;
    }
    size_t k = 0;
    carry = 1;
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t b = sp[w] & ~((sp[w] << 1) | carry); b != 0; b &= b - 1) {
        size_t end = w * 64 + static_cast<size_t>(__builtin_ctzll(b));
        raw[k] = std::string_view(message.data() + starts[k], end - starts[k]);
        ++k;
      }
      carry = sp[w] >> 63;
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
  // One span per token at most; trimmed to the tokens written at the end.
  auto& spans_vec = out.spans_;
  if (spans_vec.size() < ntok + 1) spans_vec.resize(ntok + 1);
  auto* const spans = spans_vec.data();
  size_t nspans = 0;
  size_t run_start = 0, run = 0;  // bare-variable run, for list collapsing
  auto put = [&](const char* p, size_t len) {
    w = static_cast<size_t>(Put(base + w, p, len) - base);
  };
  auto put_var = [&] {
    base[w] = '<';
    base[w + 1] = '*';
    base[w + 2] = '>';
    w += 3;
  };
  auto end_token = [&](size_t begin) {
    size_t len = w - begin;
    spans[nspans++] = {static_cast<uint32_t>(begin), static_cast<uint32_t>(len)};
    bool bare = len == 3 && base[begin] == '<' && base[begin + 1] == '*' && base[begin + 2] == '>';
    if (!bare) {
      run = 0;
      return;
    }
    if (run++ == 0) run_start = nspans - 1;
    if (opt_.list_run == 0 || run < opt_.list_run) return;
    // A long run of variables is a list: keep its first token only.
    if (nspans > run_start + 1) {
      w = spans[run_start].first + spans[run_start].second;
      nspans = run_start + 1;
    }
  };
  const uint64_t* hard = bytes.sets.hard;
  for (size_t k = 0; k < ntok;) {
    if (nspans > 0) base[w++] = ' ';
    size_t begin = w;
    std::string_view tok = raw[k];
    if (opt_.timestamps && MayStartTimestamp(tok)) {
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
      if (IsPlainVar(tok))
        put_var();
      else put(tok.data(), tok.size());
    } else if (opt_.numbers && std::all_of(tok.begin(), tok.end(), IsDigit)) {
      put_var();
    } else {
      w = static_cast<size_t>(MaskToken(tok, bytes, base + w) - base);
    }
    end_token(begin);
  }
  if (truncated) {
    if (nspans > 0) base[w++] = ' ';
    size_t begin = w;
    put_var();
    end_token(begin);
  }
  spans_vec.resize(nspans);
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
