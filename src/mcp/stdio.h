// The stdio transport: newline-delimited JSON-RPC on a file descriptor pair (stdin/stdout of
// `firebreak mcp`). A reader thread decodes lines and hands them to the server, whose workers run
// the requests, so cancellations and answers to elicitations are read while a tool runs. Output
// carries only protocol messages, one per line, written whole under a lock; logs go to stderr.
#pragma once

#include <functional>

#include "mcp/server.h"

namespace firebreak::mcp {

struct StdioOptions {
  int in_fd = 0;
  int out_fd = 1;
  size_t max_line = kMaxMessageBytes;
};

// Serves one session until the input ends (EOF), waits for running requests to respond, and
// returns. `authenticate` is asked for the principal before each request (a revoked token stops
// working at once).
void ServeStdio(Server& server, const std::function<Result<model::Principal>()>& authenticate,
                const StdioOptions& opt = {});

}  // namespace firebreak::mcp
