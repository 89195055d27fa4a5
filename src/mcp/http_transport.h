// The Streamable HTTP transport at /mcp on `firebreak serve` (MCP 2025-11-25, basic/transports):
//
//   POST   one JSON-RPC message. Notifications and responses: 202. Requests: a JSON response, or an
//          SSE stream (text/event-stream) as soon as the request emits anything before its response
//          (progress, logs, elicitation or sampling requests); concurrent POSTs on one session are
//          independent streams. `initialize` opens a session (Mcp-Session-Id).
//   GET    an SSE stream for messages not tied to a request (resource updates); one per session.
//   DELETE ends the session (later requests with its id get 404).
//
// Every request is checked, in order: Host and Origin (DNS rebinding: only loopback names and the
// configured public host), media types, bearer token (the API's tokens and scopes; a session is
// bound to the token that opened it), session id, MCP-Protocol-Version.
#pragma once

#include <string>
#include <vector>

#include "api/server.h"
#include "mcp/server.h"

namespace firebreak::mcp {

struct HttpOptions {
  // Test mode (--mcp-test-fixtures, loopback only): requests without a token run as an anonymous
  // read-only agent (the conformance suite sends no token).
  bool allow_anonymous = false;
  // Host names (no port) accepted in Host and Origin besides localhost, 127.0.0.1 and [::1].
  std::vector<std::string> allowed_hosts;
};

void RegisterHttpRoutes(api::Server& http, Server& mcp, HttpOptions opt);

// True if the Host header value (host[:port]) names an allowed host.
bool HostAllowed(std::string_view host_header, const std::vector<std::string>& extra);
// True if the Origin header value is absent-equivalent ("") or an http(s) origin of an allowed
// host.
bool OriginAllowed(std::string_view origin, const std::vector<std::string>& extra);

}  // namespace firebreak::mcp
