// Redaction of log lines kept as exemplars: values of secret-looking keys (password=..., "token":
// "...", Authorization: Bearer ...), bearer/basic credentials, JWTs and AWS access keys become
// [REDACTED]. Extra key names (config settings.secret_names) extend the built-in list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace firebreak::logs {

std::string Redact(std::string_view line, const std::vector<std::string>& extra_keys = {});

}  // namespace firebreak::logs
