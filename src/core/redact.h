// Redaction: the one place that decides what counts as a secret or personal data in text Firebreak
// stores or shows (runbook runs, their output, approvals, anything a module wants scrubbed).
//
// Replaced with a marker naming what was there ("[email]", "[ip]", "[token]", "[card]",
// "[secret]"): e-mail addresses, IPv4 and IPv6 addresses, bearer tokens, API keys (Firebreak
// tokens, well-known key formats, `key=value` pairs whose key names a secret), card numbers
// (13-19 digits passing the Luhn check, with a card issuer's prefix and length: a millisecond Unix
// time is not a card), and every literal secret value the redactor was given
// (secret runbook parameters, values of environment variables named in `settings.secret_names`).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

namespace firebreak::core {

class Redactor {
 public:
  // `secret_names`: names of settings/env vars whose values are secrets; their values are read
  // from the environment now (missing ones are ignored) and the names are also treated as secret
  // keys in `name=value` / `name: value` text.
  explicit Redactor(std::vector<std::string> secret_names = {});
  ~Redactor();
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  // A copy that also redacts these literal values (empty and very short values are ignored).
  std::unique_ptr<Redactor> With(const std::vector<std::string>& extra_values) const;

  std::string Redact(std::string_view text) const;
  // Redacts every string (and object key's value) inside `v`.
  boost::json::value RedactJson(const boost::json::value& v) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  std::vector<std::string> literals_;
};

// True when `digits` (only digits) passes the Luhn check.
bool LuhnValid(std::string_view digits);

}  // namespace firebreak::core
