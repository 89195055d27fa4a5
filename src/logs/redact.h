// Redaction of what the log module stores for readers: exemplar lines (and their label values) and
// template text. Both are shown to everyone with the read scope, so both pass through one
// LineRedactor before they are written.
//
// Two passes, in order:
//  1. log-aware: the value of a secret-looking key (password=..., "token": "a b", cookie: ...,
//     names from settings.secret_names too), whole quoted values included, becomes [secret];
//     Bearer/Basic credentials of any length, JWTs and AWS key ids become [token]. A value that is
//     already the template variable <*> stays.
//  2. core::Redactor, the one redactor (core/redact.h): e-mail addresses ([email]), IPv4 and IPv6
//     addresses ([ip]), card numbers passing the Luhn check ([card]), well-known API key formats
//     ([token]), named secrets, and the values of the environment variables named in
//     settings.secret_names ([secret]).
// Its classes cannot be turned off: there is no configuration for it besides secret_names.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace firebreak::core {
class Redactor;
}

namespace firebreak::logs {

class LineRedactor {
 public:
  // `secret_names`: settings.secret_names (extra secret key names; their environment values are
  // read now and redacted as literals).
  explicit LineRedactor(std::vector<std::string> secret_names = {});
  ~LineRedactor();
  LineRedactor(LineRedactor&&) noexcept;
  LineRedactor& operator=(LineRedactor&&) noexcept;

  std::string Redact(std::string_view line) const;
  // A label's value: [secret] whole when the label's name is a secret key, else redacted as text.
  std::string RedactLabel(std::string_view name, std::string_view value) const;

 private:
  std::vector<std::string> names_;
  std::unique_ptr<core::Redactor> core_;
};

}  // namespace firebreak::logs
