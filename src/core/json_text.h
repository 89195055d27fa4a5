// Writing JSON text piece by piece, for code that builds a document as a string instead of a tree
// (core::ToJson and CanonicalJson, hot-path answers such as the webhook's summary).
#pragma once

#include <string>
#include <string_view>

namespace firebreak::core {

// Appends `s` as a JSON string, exactly as Boost.JSON's serializer writes it.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace firebreak::core
