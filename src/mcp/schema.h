// JSON Schema for MCP tools: terse builders for the schemas the tool registry declares, and a
// validator for the subset those schemas use (type, enum, const, string length, integer and number
// bounds, properties/required/additionalProperties, items/minItems/maxItems, local $ref). Tool
// arguments are validated with the same schema that tools/list publishes: one declaration.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace firebreak::mcp::schema {

namespace json = boost::json;

json::object Str(std::string description, size_t max_length = 2000, size_t min_length = 0);
json::object Enum(std::string description, const std::vector<std::string>& values);
json::object Int(std::string description, int64_t minimum, int64_t maximum);
json::object Num(std::string description);
json::object Bool(std::string description);
json::object StrArray(std::string description, size_t max_items, size_t max_length = 200);
json::object Array(std::string description, json::object items);
// An object with named properties. `open` allows properties not listed.
json::object Object(std::vector<std::pair<std::string, json::object>> properties,
                    std::vector<std::string> required = {}, bool open = false);
// An object whose values are all `values` (a map).
json::object Map(std::string description, json::object values);
// Adds a description to any schema.
json::object Describe(json::object s, std::string description);
// A schema that also accepts null.
json::object Nullable(json::object s);

// Validates `v` against `schema`. The error is InvalidArgument with `field` set to the path of the
// offending value ("services[2]", "roles.scribe"); `root` names the value itself in messages.
Status Validate(const json::object& schema, const json::value& v,
                const std::string& root = "arguments");

}  // namespace firebreak::mcp::schema
