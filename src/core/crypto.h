// Hashes, MACs and randomness (OpenSSL underneath).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace firebreak::core {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Lower-case hex HMAC-SHA-256 of `data` under `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// `n` cryptographically random bytes as lower-case hex (2n characters). Aborts if the system RNG fails.
std::string RandomHex(size_t n);
// A cryptographically random 64-bit value.
uint64_t RandomU64();
// Compares without an early exit, for secrets.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// 64-bit FNV-1a, for in-memory fingerprints (not for security).
uint64_t Fnv1a64(std::string_view data, uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace firebreak::core
