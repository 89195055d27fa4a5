// Strict JSON for requests: a repeated key is an error.
//
// RFC 8259 says an object's names SHOULD be unique and leaves the meaning of a repeated one to the
// receiver; Boost.JSON keeps the last. For a request that means two different readings of one body
// — `{"severity":"critical", ..., "severity":"info"}` — and the sender never learns which one won, so
// request bodies (HTTP, ingest, MCP) refuse it, naming the key by its path, like the config loader
// does for YAML. Stored documents and log lines are parsed leniently (core::ParseJson): a log line
// is data to keep, and some loggers repeat keys.
#pragma once

#include <cstddef>
#include <string_view>

#include <boost/json.hpp>

#include "core/result.h"

namespace firebreak::core {

// Parses one JSON document into `sp` (the default resource when null): valid UTF-8, at most
// `max_depth` levels, nothing after it, and no object naming a key twice. Errors are
// InvalidArgument: "malformed JSON at byte N: why" (no field), or for a repeated key
// "key 'a.b[2].c' appears more than once" with that path as the field.
Result<boost::json::value> ParseJsonStrict(std::string_view text, boost::json::storage_ptr sp = {},
                                           std::size_t max_depth = 64);

// The same parse with a repeated key allowed (the last one counts): what core::ParseJson runs.
// Both read every number exactly (correctly rounded), which Boost.JSON 1.81's parser alone does
// not: a document written by Firebreak reads back as the values it was written from.
Result<boost::json::value> ParseJsonExact(std::string_view text, boost::json::storage_ptr sp = {},
                                          std::size_t max_depth = 64);

}  // namespace firebreak::core
