// Signed one-click action links carried in notifications: acknowledge / resolve an incident, and
// accept / decline a request to respond (those name the person asked).
//
// A link token is `base64url(claims) "." hex(HMAC-SHA-256(secret, claims))`; the claims name the
// incident, the action, the person it was sent to (empty for broadcast messages), an expiry and a
// nonce. Verification is constant-time and rejects anything malformed, tampered or expired; making
// a link single-use is the caller's job (it records the nonce when the action runs).
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace firebreak::notify {

struct LinkClaims {
  std::string incident;  // "INC-12"
  std::string action;    // "acknowledge" | "resolve" | "accept" | "decline"
  std::string person;    // the recipient, or "" for a broadcast
  core::TimePoint expires{};
  std::string nonce;  // unique per link
};

// Longest token VerifyLink accepts.
inline constexpr size_t kMaxLinkToken = 1024;

std::string SignLink(std::string_view secret, const LinkClaims& c);
// InvalidArgument (malformed), PermissionDenied (bad signature) or FailedPrecondition (expired).
Result<LinkClaims> VerifyLink(std::string_view secret, std::string_view token, core::TimePoint now);

std::string Base64UrlEncode(std::string_view data);
Result<std::string> Base64UrlDecode(std::string_view s);
std::string Base64Encode(std::string_view data);

}  // namespace firebreak::notify
