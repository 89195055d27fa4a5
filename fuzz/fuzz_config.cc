// Fuzzes the YAML config loader: any bytes must yield diagnostics or a config, never a crash.
// Input: one or more files separated by a line "---8<--- name".
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "config/loader.h"
#include "fuzz_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto files = SplitFuzzFiles(data, size);
  auto r = firebreak::config::LoadConfigFiles(files);
  // Every diagnostic must render; an error-free load must yield a config.
  for (const auto& d : r.diagnostics.all()) (void)d.ToString();
  if (!r.diagnostics.HasErrors() && !r.config) __builtin_trap();
  return 0;
}
