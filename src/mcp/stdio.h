// The stdio transport: newline-delimited JSON-RPC on a file descriptor pair (stdin/stdout of
// `firebreak mcp`). A reader thread decodes lines and hands them to the server, whose workers run
// the requests, so cancellations and answers to elicitations are read while a tool runs. Output
// carries only protocol messages, one per line, written whole under a lock; logs go to stderr.
#pragma once

#include <functional>
#include <mutex>

#include "mcp/server.h"

namespace firebreak::mcp {

struct StdioOptions {
  int in_fd = 0;
  int out_fd = 1;
  size_t max_line = kMaxMessageBytes;
};

// Writes whole lines (one message each) to a file descriptor; thread-safe.
class LineWriter {
 public:
  explicit LineWriter(int fd) : fd_(fd) {}
  void Write(const json::value& msg) { WriteLine(Serialize(msg)); }
  // `line` must not contain a newline.
  void WriteLine(std::string line);

 private:
  int fd_;
  std::mutex mu_;
};

// Reads newline-delimited messages from `fd` until EOF. Calls on_line for each line (without the
// newline or a trailing CR) and on_too_long for each line longer than `max` (whose bytes are
// skipped).
void ReadLines(int fd, size_t max, const std::function<void(std::string_view)>& on_line,
               const std::function<void()>& on_too_long);

// Serves one session until the input ends (EOF), waits for running requests to respond, and
// returns. `authenticate` is asked for the principal before each request (a revoked token stops
// working at once).
void ServeStdio(Server& server, const std::function<Result<model::Principal>()>& authenticate,
                const StdioOptions& opt = {});

}  // namespace firebreak::mcp
