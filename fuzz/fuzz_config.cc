// Fuzzes the YAML config loader: any bytes must yield diagnostics or a config, never a crash.
// Input: one or more files separated by a line "---8<--- name".
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> files;
  std::string name = "fuzz.yaml";
  size_t pos = 0;
  while (true) {
    size_t cut = in.find("\n---8<--- ", pos);
    files[name] = in.substr(pos, cut == std::string::npos ? std::string::npos : cut - pos);
    if (cut == std::string::npos) break;
    size_t eol = in.find('\n', cut + 1);
    name = in.substr(cut + 10, eol == std::string::npos ? std::string::npos : eol - cut - 10);
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  auto r = firebreak::config::LoadConfigFiles(files);
  // Every diagnostic must render; an error-free load must yield a config.
  for (const auto& d : r.diagnostics.all()) (void)d.ToString();
  if (!r.diagnostics.HasErrors() && !r.config) __builtin_trap();
  return 0;
}
