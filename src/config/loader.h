// Loads a configuration directory in three stages, collecting every problem:
//   1. parse   each *.yaml / *.yml file (syntax errors with line and column),
//   2. decode  each top-level section into catalog values (types, required fields, unknown keys),
//   3. link    references between items (a policy naming a missing schedule), risk-tier floors,
//              dependency cycles.
// Any error means no Config. Unknown keys are warnings.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "config/diagnostics.h"

namespace firebreak::config {

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when there are errors
  Diagnostics diagnostics;
  // LoadConfigDir: SHA-256 (hex) of the files read — each file's name (without the directory) and
  // bytes, in name order — so two loads of unchanged files have the same fingerprint.
  std::string fingerprint;
};

// Loads every *.yaml/*.yml file directly inside `dir` (sorted by name).
LoadResult LoadConfigDir(const std::string& dir);
// Loads from in-memory files: name -> content (names appear in diagnostics). For tests and fuzzing.
LoadResult LoadConfigFiles(const std::map<std::string, std::string>& files);

}  // namespace firebreak::config
