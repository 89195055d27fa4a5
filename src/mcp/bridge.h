// The stdio-to-HTTP bridge: `firebreak mcp --server URL` speaks MCP over stdio to an agent that
// launches it, and forwards every message to a running server's Streamable HTTP endpoint (/mcp),
// because the server owns the data directory. Each client message is one POST (concurrently, so
// an answer to an elicitation can be posted while a tool call is still streaming); JSON and SSE
// responses are written back line by line as they arrive; a GET stream carries resource updates.
#pragma once

#include <string>

#include "core/result.h"

namespace firebreak::mcp {

struct BridgeOptions {
  std::string url;    // http://host:port (the server) or its /mcp endpoint
  std::string token;  // bearer token
  int in_fd = 0;
  int out_fd = 1;
};

// Runs until the input ends, then waits for running requests and ends the session (DELETE).
// InvalidArgument for a URL it cannot use.
Status RunBridge(const BridgeOptions& opt);

}  // namespace firebreak::mcp
