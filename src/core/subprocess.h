// Subprocess: runs a program from an argv array (never through a shell), with a minimal
// environment, a working directory, a hard timeout (the whole process group is killed) and bounded
// capture of stdout and stderr. Used by runbook command steps and checks.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace firebreak::core {

struct ProcessSpec {
  std::vector<std::string> argv;            // argv[0] is the program (PATH is searched if no '/')
  std::map<std::string, std::string> env;   // the complete environment (PATH added if missing)
  std::string cwd;                          // empty = inherit
  std::chrono::milliseconds timeout{30000};
  size_t max_output = 64 * 1024;            // per stream; the rest is counted and dropped
};

struct ProcessResult {
  int exit_code = -1;   // exit status, or -1 when killed by a signal
  int signal = 0;       // terminating signal, if any
  bool timed_out = false;
  std::string out, err;
  bool out_truncated = false, err_truncated = false;
  std::chrono::milliseconds elapsed{0};
};

// Runs the process to completion (or until the timeout kills it). Errors are only for failing to
// start it (bad argv, fork failure, missing program): InvalidArgument / Unavailable.
Result<ProcessResult> RunProcess(const ProcessSpec& spec);

}  // namespace firebreak::core
