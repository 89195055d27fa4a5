// JSON-RPC 2.0 messages as MCP uses them: decoding one message from untrusted text (stdio line or
// HTTP body) with a precise error, and encoding results, errors, requests and notifications.
//
// Transport-agnostic: the stdio and Streamable HTTP transports both decode with Decode() and
// write what Encode*() produce (compact, one line, never an embedded newline).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace firebreak::mcp {

namespace json = boost::json;

// Largest message accepted on any transport (the HTTP body limit may be lower).
inline constexpr size_t kMaxMessageBytes = 4u << 20;

struct Message {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  json::value id;       // requests and responses: a string or an integer, never null
  std::string method;   // requests and notifications
  json::object params;  // requests and notifications; empty when absent
  // Responses: exactly one of these.
  std::optional<json::value> result;
  std::optional<json::object> error;
};

// Why a message could not be decoded, and how to answer it.
struct DecodeFailure {
  RpcFailure failure = RpcFailure::kInvalidRequest;  // kParseError or kInvalidRequest
  std::string message;                               // names the offending member
  json::value id;  // the id to answer with when it could be recovered, else null
  int code() const { return JsonRpcCodeFor(failure); }
};

struct Decoded {
  std::optional<Message> message;
  std::optional<DecodeFailure> failure;  // set when message is not
};

// Decodes one JSON-RPC 2.0 message. Rejects (with the member named): invalid JSON or UTF-8 and
// oversized input (parse error), batches (arrays; removed from MCP in 2025-06-18), a missing or
// wrong "jsonrpc", a null/float/boolean/object id, a non-string method, params that are not an
// object, a response with both or neither of result and error, and unknown top-level members.
Decoded Decode(std::string_view text, size_t max_bytes = kMaxMessageBytes);
// A batch (JSON array; revision 2025-03-26 only): each element decoded like a single message.
// nullopt when `text` is not an array (use Decode). Unparsable text or an empty array gives one
// failure.
std::optional<std::vector<Decoded>> DecodeBatch(std::string_view text,
                                                size_t max_bytes = kMaxMessageBytes);
// Decodes an already parsed value (the same checks, minus the text ones).
Decoded DecodeValue(const json::value& v);

json::object EncodeResult(const json::value& id, json::value result);
// `data` is omitted when null.
json::object EncodeError(const json::value& id, int code, std::string_view message,
                         const json::value& data = nullptr);
// An Error as a JSON-RPC error: code from core/error.cc, data {"code","field"}.
json::object EncodeError(const json::value& id, const Error& e);
json::object EncodeRequest(const json::value& id, std::string_view method, json::object params);
json::object EncodeNotification(std::string_view method, json::object params);

// Compact, single-line serialization (JSON escapes every control character, so no raw newline).
std::string Serialize(const json::value& msg);

}  // namespace firebreak::mcp
