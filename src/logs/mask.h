// Masking: the first half of template mining. A log message is split into whitespace tokens and
// the parts of each token that are plainly variable (numbers, hex, IP and MAC addresses, UUIDs,
// host and package names, paths, URLs, timestamps, well-known value words such as true/false/null)
// are replaced by `<*>`. What masking cannot see (a user name, a state word) is left to the
// miner's clustering (miner.h).
//
// Rules are generic: nothing here knows a particular log format. Users may add RE2 patterns whose
// matches become variables too (MaskOptions::patterns). The algorithm is documented in docs/LOGS.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace re2 {
class RE2;
}

namespace firebreak::logs {

// The variable marker used in templates.
inline constexpr std::string_view kVar = "<*>";

struct MaskOptions {
  bool numbers = true;       // numbers, hex, ids with digits, durations and sizes ("42", "0x1f", "3.5s")
  bool network = true;       // IPv4/IPv6 and MAC addresses, colon-separated hex
  bool paths = true;         // absolute Unix and Windows paths, URLs
  bool timestamps = true;    // dates and times, including ones spanning tokens ("Sun Jul 17 06:14:54 2005")
  bool dotted_names = true;  // lowercase dotted names: host.example.org, com.example.app
  bool quoted = false;       // every quoted string ("..." or '...') is a variable
  bool key_values = false;   // every key=value value is a variable (default: only value-like ones)
  // Words that are values wherever they appear (compared case-insensitively).
  std::vector<std::string> value_words = {"true", "false", "null", "none", "nil", "root"};
  // A run of at least this many bare variables is a list and becomes one variable (0 = never).
  size_t list_run = 9;
  // Most tokens considered; the rest of a longer message becomes one trailing variable.
  size_t max_tokens = 200;
  // Extra RE2 patterns; their matches in a message become variables.
  std::vector<std::string> patterns;
};

// A masked message: its tokens joined by single spaces in one buffer, with their spans.
class Tokens {
 public:
  size_t size() const { return spans_.size(); }
  bool empty() const { return spans_.empty(); }
  std::string_view operator[](size_t i) const {
    return std::string_view(buf_.data() + spans_[i].first, spans_[i].second);
  }
  // The template text: tokens joined by single spaces.
  std::string_view text() const { return std::string_view(buf_.data(), len_); }
  std::string Join() const { return std::string(text()); }

 private:
  friend class Masker;
  std::string buf_;  // capacity for the worst case; len_ bytes used
  size_t len_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> spans_;
  // Scratch: the raw tokens, where they start, and the message's byte sets (one bit per byte of
  // each of a few classes; mask.cc).
  std::vector<std::string_view> raw_;
  std::vector<uint32_t> starts_;
  std::vector<uint64_t> bits_;
};

class Masker {
 public:
  // Compiles the options (extra patterns must be valid RE2; the error names the pattern).
  static Result<Masker> Create(MaskOptions opt);
  Masker();  // default options
  Masker(Masker&&) noexcept;
  Masker& operator=(Masker&&) noexcept;
  ~Masker();

  // Masks `message` into `out` (cleared first).
  void Mask(std::string_view message, Tokens& out) const;
  const MaskOptions& options() const { return opt_; }

 private:
  struct Raw {};
  explicit Masker(Raw);
  struct Bytes;
  struct Marks;
  // The per-token rules, one pass over each token. Each writes the masked form of its input at `o`
  // and returns the end of what it wrote (at most three bytes per input byte); `m` is the message
  // the input is part of, with its byte sets.
  char* MaskToken(std::string_view tok, const Bytes& m, char* o) const;
  char* MaskCore(std::string_view core, const Bytes& m, const Marks* marks, char* o) const;
  char* MaskSegments(std::string_view s, const Bytes& m, char* o) const;
  // `any` says what the rules need to know of all of the bytes of `s` (digits, dots, two digits in
  // a row; mask.cc); `var` tells whether a variable was written.
  char* MaskSegment(std::string_view s, uint32_t any, char* o, bool& var) const;
  bool IsVarSegment(std::string_view s, uint32_t any) const;
  bool IsValueWord(std::string_view s) const {
    if (s.empty() || s.size() >= 64 || !((word_lengths_ >> s.size()) & 1)) return false;
    unsigned char c = static_cast<unsigned char>(s[0]) | 0x20;
    return ((word_firsts_[c >> 6] >> (c & 63)) & 1) && IsValueWordSlow(s);
  }
  bool IsValueWordSlow(std::string_view s) const;
  // Whether a plain word (letters and _ - + ~ only) is a variable: a value word or a long hex word.
  bool IsPlainVar(std::string_view s) const;

  MaskOptions opt_;
  std::vector<std::unique_ptr<re2::RE2>> patterns_;
  std::vector<std::string> words_;  // lowercased value words
  uint64_t word_lengths_ = 0;       // bit n set: some value word has n bytes
  uint64_t word_firsts_[4] = {};    // bit c set: some value word starts with byte c (lowercase)
};

// Word classes used by the miner to decide whether differing tokens may become a variable.
enum class WordClass : uint8_t {
  kValue,  // contains a digit or a variable
  kLower,  // starts with a lowercase letter (user names, host names, package names)
  kUpper,  // two or more letters, all uppercase (enum constants: RUNNING, FOLLOWING)
  kCamel,  // capitalized with lowercase letters (identifiers: WindowsUpdateAgent, Exception)
  kOther,  // no letters, or a single uppercase letter
};
WordClass ClassifyWord(std::string_view s);

// True if `text` matches `pattern`, where each `<*>` in the pattern matches any (possibly empty)
// string.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace firebreak::logs
