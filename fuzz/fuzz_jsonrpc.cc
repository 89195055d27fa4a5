// Fuzzes the MCP JSON-RPC decoder (stdio lines and HTTP bodies) and, for tools/call requests, the
// validation of the arguments against every tool's input schema. A refusal must carry a message
// and a JSON-RPC code; nothing may crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mcp/jsonrpc.h"
#include "mcp/schema.h"
#include "mcp/server.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const mcp::Registry registry = mcp::BuildRegistry(true);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto batch = mcp::DecodeBatch(in)) {
    if (batch->empty()) __builtin_trap();
    for (const auto& e : *batch)
      if (!e.message && (!e.failure || e.failure->message.empty())) __builtin_trap();
  }
  mcp::Decoded d = mcp::Decode(in);
  if (!d.message) {
    if (!d.failure || d.failure->message.empty()) __builtin_trap();
    int code = d.failure->code();
    if (code != -32700 && code != -32600) __builtin_trap();
    if (!d.failure->id.is_null() && !d.failure->id.is_string() && !d.failure->id.is_int64() &&
        !d.failure->id.is_uint64())
      __builtin_trap();
    (void)mcp::Serialize(mcp::EncodeError(d.failure->id, code, d.failure->message));
    return 0;
  }
  const mcp::Message& m = *d.message;
  if (m.kind != mcp::Message::Kind::kResponse && m.method.empty()) __builtin_trap();
  std::string line = mcp::Serialize(mcp::EncodeResult(m.id, m.params));
  if (line.find('\n') != std::string::npos) __builtin_trap();
  // Every tool's input schema against whatever arguments came in (or the params themselves).
  const boost::json::value* args = m.params.if_contains("arguments");
  boost::json::value subject = args ? *args : boost::json::value(m.params);
  for (const auto& t : registry.tools()) {
    auto st = mcp::schema::Validate(t.input_schema, subject);
    if (!st && st.error().message.empty()) __builtin_trap();
  }
  return 0;
}
