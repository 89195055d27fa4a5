// Checks of text fields shared by the request decoders.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace firebreak::app {

// A single-line field (a title): no control characters (NUL, newline, escape...) other than tab,
// which would cut it short, break it over lines or drive a terminal wherever it is shown.
// InvalidArgument naming `field` otherwise.
inline Status SingleLine(std::string_view s, const std::string& field) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return InvalidArgument(field + " must be one line without control characters (byte " + std::to_string(i) +
                                 " is 0x" + "0123456789abcdef"[c >> 4] + "0123456789abcdef"[c & 15] + ")",
                             field);
  }
  return Ok();
}

}  // namespace firebreak::app
