// Fast in-memory string hashing: HashBytes (an inline word-at-a-time hash step) and StringHash (a
// transparent hasher built on it). Never stored, so it may change between versions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace firebreak::core {

// One step of HashBytes: a bijection of `h` for a given word.
inline uint64_t HashMix(uint64_t h, uint64_t word) {
  h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 32);
}

// A fast, inline, non-cryptographic hash step over a string: its length, then its bytes a word at
// a time; the 1-7 byte tail is read with fixed-size loads that together cover every byte (a memcpy
// of a variable size is a library call). Two strings of the same length that differ in a single
// word never collide. In memory only: never stored, so it may change between versions.
inline uint64_t HashBytes(uint64_t h, std::string_view s) {
  h = HashMix(h, s.size());
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = HashMix(h, w);
  }
  if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    h = HashMix(h, (uint64_t{a} << 32) | b);
  } else if (n > 0) {
    auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(p[i])); };
    h = HashMix(h, (byte(0) << 16) | (byte(n >> 1) << 8) | byte(n - 1));
  }
  return h;
}

// A transparent hash for string-keyed unordered maps (the correlator's names, the store's statement
// cache): looked up by std::string_view without building a std::string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return HashBytes(0x9e3779b97f4a7c15ULL, s); }
};

}  // namespace firebreak::core
