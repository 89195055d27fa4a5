// Redaction: the one place that removes personal data, contact data, host names and secrets from
// report text. Every format (JSON, Markdown, HTML, status updates) passes its strings through a
// Redactor built for its audience, so a new field cannot leak by forgetting to redact it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"

namespace firebreak::report {

enum class Audience { kInternal, kExternal };
std::string_view AudienceName(Audience a);
Result<Audience> ParseAudience(std::string_view s);

class Redactor {
 public:
  // Internal: e-mail addresses, phone numbers, contact addresses from the config (people's e-mail,
  // phone, pager, chat handles), URLs carrying credentials, and values of `secret_names` env vars
  // that are set. External adds: host names and IP addresses, people's ids and names, internal
  // service and team ids (replaced by the service's display name when it is customer facing,
  // "an internal system" otherwise), and channel URLs.
  Redactor(const config::Config& cfg, Audience audience);
  ~Redactor();
  Redactor(Redactor&&) noexcept;

  // Adds a literal to redact (at least 3 characters), replaced by `replacement`.
  void AddLiteral(std::string value, std::string replacement);
  std::string Redact(std::string_view text) const;
  // Redacts every string (values, not keys) of a JSON document in place.
  void RedactJson(boost::json::value& v) const;
  Audience audience() const { return audience_; }

 private:
  struct Patterns;
  Audience audience_;
  std::vector<std::pair<std::string, std::string>> literals_;  // longest first
  std::vector<std::string> lower_literals_;                     // literals_, lower-cased
  std::unique_ptr<Patterns> patterns_;
};

}  // namespace firebreak::report
