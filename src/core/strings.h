// Small string utilities.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace firebreak::core {

std::vector<std::string> Split(std::string_view s, char sep, bool skip_empty = false);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
// True if `s` is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Escapes &, <, >, ", ' for HTML text and attributes.
std::string HtmlEscape(std::string_view s);
// Truncates to at most `max` bytes without splitting a UTF-8 sequence; appends "…" when cut.
std::string Truncate(std::string_view s, size_t max);

}  // namespace firebreak::core
