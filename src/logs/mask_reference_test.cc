// The masking rules as they were before masking became one pass per token (mask.cc), kept here
// only as the reference the new classifier must agree with: on every token of the Loghub-2k
// corpora and on random tokens, for the default options and with each rule group switched off.
// Masking is a function of the token alone once timestamps (which span tokens) are set aside, so
// a message of one token, or of many with timestamps and lists off, is masked token by token.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "logs/mask.h"
#include "testing/testing.h"

namespace firebreak::logs {
namespace {

namespace reference {

// Character classes, one table lookup each.
enum : uint16_t {
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
  for (char c : {')', ']', '}', '>', '"', '\'', ',', ';', ':', '.'})
    t[static_cast<uint8_t>(c)] |= kClose;
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
         (s.find('-') == std::string_view::npos ||
          (groups == 5 && s.find(':') == std::string_view::npos));
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
  while (i < s.size() &&
         (Is(s[i], kAlpha) || IsDigit(s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-'))
    ++i;
  return s.substr(i, 3) == "://";
}

bool IsAbsPath(std::string_view s) {
  if (s.size() > 1 && s[0] == '/' && s[1] != '/') return true;
  if (s.size() > 2 && s[0] == '~' && s[1] == '/') return true;
  return s.size() > 3 && Is(s[0], kAlpha) && s[1] == ':' && s[2] == '\\';
}

// The old rules, writing into a string; one instance per option set.
class Rules {
 public:
  explicit Rules(MaskOptions opt) : opt_(std::move(opt)) {
    for (const auto& w : opt_.value_words) {
      std::string l;
      for (char c : w) l += Lower(c);
      if (!l.empty()) words_.push_back(std::move(l));
    }
  }
  std::string Mask(std::string_view tok) const {
    std::string out;
    MaskToken(tok, out);
    return out;
  }

 private:
  void MaskToken(std::string_view tok, std::string& out) const;
  void MaskCore(std::string_view core, std::string& out) const;
  void MaskSegments(std::string_view s, std::string& out) const;
  bool MaskSegment(std::string_view s, std::string& out) const;
  bool IsVarSegment(std::string_view s) const;
  bool IsValueWord(std::string_view s) const {
    for (const auto& w : words_) {
      if (w.size() != s.size()) continue;
      bool eq = true;
      for (size_t i = 0; i < s.size() && eq; ++i) eq = Lower(s[i]) == w[i];
      if (eq) return true;
    }
    return false;
  }

  MaskOptions opt_;
  std::vector<std::string> words_;
};

bool Rules::IsVarSegment(std::string_view s) const {
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
  if (s.size() >= 6 && hex) return true;           // hex ids
  if (digit_dot_digit) return true;                // v1.2
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

bool Rules::MaskSegment(std::string_view s, std::string& out) const {
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
        if (!part.empty() && IsVarSegment(part))
          out += kVar;
        else
          out += part;
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

void Rules::MaskSegments(std::string_view s, std::string& out) const {
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

void Rules::MaskCore(std::string_view core, std::string& out) const {
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
      if (var)
        out += kVar;
      else
        out += core;
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
    if (!maybe)
      out += core;
    else
      MaskSegments(core, out);
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
  if (opt_.paths &&
      (((any & kColon) && (any & (kSlash | kBackslash)) && IsUrl(core)) ||
       ((core[0] == '/' || core[0] == '~' || (any & kBackslash)) && IsAbsPath(core)))) {
    out += kVar;
    return;
  }
  if (opt_.numbers && core.size() == 36 && IsUuid(core)) {
    out += kVar;
    return;
  }
  if (auto eq = (any & kEq) ? core.find('=') : std::string_view::npos;
      eq != std::string_view::npos && eq > 0) {
    MaskSegments(core.substr(0, eq), out);
    out += '=';
    auto value = core.substr(eq + 1);
    if (opt_.key_values && !value.empty())
      out += kVar;
    else
      MaskCore(value, out);
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

void Rules::MaskToken(std::string_view tok, std::string& out) const {
  size_t n = tok.size(), i = 0;
  while (i < n && Is(tok[i], kOpen)) ++i;
  size_t j = n;
  while (j > i && Is(tok[j - 1], kClose)) --j;
  out.append(tok.data(), i);
  MaskCore(tok.substr(i, j - i), out);
  out.append(tok.data() + j, n - j);
}

}  // namespace reference

// ---- the new classifier against the reference --------------------------------------------------

// The defaults, each rule group switched off in turn, and other value words.
std::vector<MaskOptions> OptionSets() {
  std::vector<MaskOptions> v(7);
  v[1].numbers = false;
  v[2].network = false;
  v[3].paths = false;
  v[4].dotted_names = false;
  v[5].key_values = true;
  v[6].value_words = {"Yes", "no", "OK", "a"};
  return v;
}

struct Pair {
  Masker masker;
  reference::Rules rules;
};

std::vector<Pair> Pairs(bool whole_lines) {
  std::vector<Pair> out;
  for (auto opt : OptionSets()) {
    if (whole_lines) {  // token by token: no timestamps across tokens, no list collapsing
      opt.timestamps = false;
      opt.list_run = 0;
      opt.max_tokens = 0;
    }
    auto m = Masker::Create(opt);
    EXPECT_TRUE(m.has_value());
    out.push_back(Pair{std::move(*m), reference::Rules(opt)});
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !IsSpace(s[j])) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// What the reference makes of a message masked token by token.
std::string ReferenceLine(const reference::Rules& rules, std::string_view line) {
  std::string out;
  for (auto tok : SplitSpaces(line)) {
    if (!out.empty()) out += ' ';
    out += rules.Mask(tok);
  }
  return out;
}

std::string Masked(const Masker& m, std::string_view s) {
  Tokens t;
  m.Mask(s, t);
  return std::string(t.text());
}

TEST(MaskReference, EveryLoghubTokenAndLineMasksAsBefore) {
  auto tokens = Pairs(false), lines = Pairs(true);
  size_t checked = 0, mismatches = 0;
  for (const char* system : {"Android", "BGL", "HDFS", "HPC", "Hadoop", "Linux", "Spark",
                             "Thunderbird", "Windows", "Zookeeper"}) {
    std::string raw = testing::ReadFile(testing::SharedDir() + "/data/loghub-2k/" + system + "/" +
                                        system + "_2k.log");
    ASSERT_FALSE(raw.empty()) << system;
    std::string_view rest = raw;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      for (size_t i = 0; i < lines.size(); ++i) {
        std::string want = ReferenceLine(lines[i].rules, line);
        if (Masked(lines[i].masker, line) != want && ++mismatches < 10)
          ADD_FAILURE() << "options #" << i << ": " << line << "\n  want: " << want;
        for (auto tok : SplitSpaces(line)) {
          ++checked;
          if (Masked(tokens[i].masker, tok) != tokens[i].rules.Mask(tok) && ++mismatches < 10)
            ADD_FAILURE() << "options #" << i << ": " << tok << " -> "
                          << Masked(tokens[i].masker, tok) << ", want "
                          << tokens[i].rules.Mask(tok);
        }
      }
    }
  }
  EXPECT_GT(checked, 1000000u);
  EXPECT_EQ(mismatches, 0u);
}

// Random tokens built from the pieces the rules look at: digits, hex, dots, separators, wrappers,
// value words, URL and path starts, variables already in the input.
rc::Gen<std::string> TokenGen() {
  static const std::vector<std::string> kPieces = {"0",        "1",
                                                   "7",        "42",
                                                   "2015",     "a",
                                                   "b",        "f",
                                                   "x",        "z",
                                                   "A",        "F",
                                                   "Q",        "Z",
                                                   "_",        ".",
                                                   "..",       "-",
                                                   "+",        "~",
                                                   ":",        "/",
                                                   "//",       "\\",
                                                   "=",        "@",
                                                   "#",        "$",
                                                   "%",        ",",
                                                   ";",        "(",
                                                   ")",        "[",
                                                   "]",        "{",
                                                   "}",        "<",
                                                   ">",        "\"",
                                                   "'",        "*",
                                                   "<*>",      "true",
                                                   "NULL",     "root",
                                                   "none",     "://",
                                                   "http",     "C:\\",
                                                   "~/",       "0x",
                                                   "deadbeef", "node-",
                                                   "blk_",     "core.",
                                                   "v1.2",     "com.example.app",
                                                   "org",      "12:34:56",
                                                   "::",       "-1",
                                                   "\xc3\xa9", "\x7f",
                                                   "!"};
  return rc::gen::map(
      rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(0, kPieces.size())),
      [](const std::vector<size_t>& picks) {
        std::string t;
        for (size_t p : picks) t += kPieces[p];
        return t.empty() ? std::string("x") : t;
      });
}

RC_GTEST_PROP(MaskReference, RandomTokensMaskAsBefore, ()) {
  static const auto pairs = Pairs(false);
  const auto tok = *TokenGen();
  for (size_t i = 0; i < pairs.size(); ++i)
    RC_ASSERT(Masked(pairs[i].masker, tok) == pairs[i].rules.Mask(tok));
}

// Lines of many random tokens cross the 64-byte words of the byte sets at every offset.
RC_GTEST_PROP(MaskReference, RandomLinesMaskAsBefore, ()) {
  static const auto pairs = Pairs(true);
  const auto toks = *rc::gen::container<std::vector<std::string>>(TokenGen());
  const auto gaps = *rc::gen::container<std::vector<std::string>>(
      toks.size() + 1, rc::gen::element<std::string>(" ", "  ", "\t", " \r "));
  std::string line = gaps[0];
  for (size_t i = 0; i < toks.size(); ++i) line += toks[i] + gaps[i + 1];
  for (size_t i = 0; i < pairs.size(); ++i)
    RC_ASSERT(Masked(pairs[i].masker, line) == ReferenceLine(pairs[i].rules, line));
}

}  // namespace
}  // namespace firebreak::logs
