// Channels: one attempt to deliver one rendered notification.
//
// - webhook: POST of the JSON document, with `Idempotency-Key`, and when the channel has a secret
//   (`secret_env`) `X-Firebreak-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<body>")>`.
// - slack: POST of a Slack-compatible incoming-webhook payload (text + blocks with buttons).
// - email: SMTP through libcurl (smtp:// with STARTTLS required|try|off, or smtps://), optional
//   login (options.username + the secret as password), Message-ID <idempotency key@firebreak>.
// - command: runs `argv` (no shell) with the text on stdin and FIREBREAK_* variables in a minimal
//   environment; exit 0 = delivered, 64..78 except 75 (sysexits: bad usage or data) = permanent
//   failure, anything else (or the time limit) = retry.
//
// Every sender is synchronous and thread-safe; HTTP connections are reused per thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "model/catalog.h"
#include "notify/message.h"

namespace firebreak::notify {

struct Outcome {
  enum class Kind { kDelivered, kRetry, kPermanent };
  Kind kind = Kind::kRetry;
  std::string detail;                      // "HTTP 200", "250", "exit 0", or what went wrong
  std::optional<core::Millis> retry_after;  // from a 429/503 Retry-After
  bool ok() const { return kind == Kind::kDelivered; }
};

struct Delivery {
  const model::Channel* channel = nullptr;
  std::string destination;  // URL (webhook, slack), mailbox (email), address for the command
  std::string key;          // idempotency key
  std::string event;        // page, opened, ...
  std::string incident_id;
  std::string severity;
  Message message;
  std::string secret;  // the channel's secret (HMAC key or SMTP password), "" if none
  core::TimePoint now{};
  core::Millis timeout{std::chrono::seconds(10)};
  std::string data_dir;  // FIREBREAK_DATA_DIR for commands
  const core::Clock* clock = nullptr;  // for the command time limit (null = no limit)
};

Outcome Send(const Delivery& d);

// The X-Firebreak-Signature value for `body` sent at `unix_seconds`.
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);
// The RFC 5322 message an email delivery sends (CRLF line ends).
std::string BuildEmail(const Delivery& d, std::string_view from, std::string_view to);
// "Name <a@b>" or "a@b" -> "a@b" (empty if it does not look like a mailbox).
std::string MailboxAddress(std::string_view s);

}  // namespace firebreak::notify
