#include "notify/links.h"

#include <array>
#include <vector>

#include "core/crypto.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::notify {

namespace {

constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Encode(std::string_view data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += "=";
  }
  return out;
}

bool SafeField(std::string_view s) {
  for (char c : s)
    if (c == '\n' || c == '\0') return false;
  return true;
}

}  // namespace

std::string Base64UrlEncode(std::string_view data) { return Encode(data, kUrlAlphabet, false); }
std::string Base64Encode(std::string_view data) { return Encode(data, kStdAlphabet, true); }

Result<std::string> Base64UrlDecode(std::string_view s) {
  std::array<int, 256> rev;
  rev.fill(-1);
  for (int i = 0; i < 64; ++i) rev[static_cast<uint8_t>(kUrlAlphabet[i])] = i;
  if (s.size() % 4 == 1) return InvalidArgument("malformed base64url", "token");
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = rev[static_cast<uint8_t>(c)];
    if (v < 0) return InvalidArgument("malformed base64url", "token");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Unused trailing bits must be zero, so every token has exactly one encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return InvalidArgument("malformed base64url", "token");
  return out;
}

std::string SignLink(std::string_view secret, const LinkClaims& c) {
  std::string claims = "v1\n" + c.incident + "\n" + c.action + "\n" + c.person + "\n" +
                       std::to_string(core::ToUnixMillis(c.expires)) + "\n" + c.nonce;
  std::string body = Base64UrlEncode(claims);
  return body + "." + core::HmacSha256Hex(secret, body);
}

Result<LinkClaims> VerifyLink(std::string_view secret, std::string_view token, core::TimePoint now) {
  if (token.empty() || token.size() > kMaxLinkToken) return InvalidArgument("malformed link", "token");
  auto dot = token.rfind('.');
  if (dot == std::string_view::npos || token.size() - dot - 1 != 64) return InvalidArgument("malformed link", "token");
  std::string_view body = token.substr(0, dot), mac = token.substr(dot + 1);
  if (!core::ConstantTimeEquals(core::HmacSha256Hex(secret, body), mac))
    return PermissionDenied("this link's signature is not valid (it was altered, or issued by another server)");
  FB_ASSIGN_OR_RETURN(auto claims, Base64UrlDecode(body));
  std::vector<std::string> parts = core::Split(claims, '\n');
  if (parts.size() != 6 || parts[0] != "v1") return InvalidArgument("malformed link", "token");
  LinkClaims c;
  c.incident = parts[1];
  c.action = parts[2];
  c.person = parts[3];
  c.nonce = parts[5];
  if (c.action != "acknowledge" && c.action != "resolve" && c.action != "accept" && c.action != "decline")
    return InvalidArgument("unknown link action", "token");
  // Answering a request to respond is one person's answer: such a link always names them.
  if ((c.action == "accept" || c.action == "decline") && c.person.empty())
    return InvalidArgument("malformed link", "token");
  if (c.incident.empty() || c.nonce.empty() || !SafeField(c.incident) || !SafeField(c.person))
    return InvalidArgument("malformed link", "token");
  int64_t ms = 0;
  if (parts[4].empty() || parts[4].size() > 18) return InvalidArgument("malformed link", "token");
  for (char ch : parts[4]) {
    if (ch < '0' || ch > '9') return InvalidArgument("malformed link", "token");
    ms = ms * 10 + (ch - '0');
  }
  c.expires = core::FromUnixMillis(ms);
  if (now >= c.expires)
    return FailedPrecondition("this link expired at " + core::FormatRfc3339(c.expires), "token");
  return c;
}

}  // namespace firebreak::notify
