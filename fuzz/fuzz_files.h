// Splits a fuzz input into config files: the bytes up to a line "---8<--- name" are the file
// "fuzz.yaml", each such line starts a file of that name (used by the config and graph targets).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

inline std::map<std::string, std::string> SplitFuzzFiles(const uint8_t* data, size_t size) {
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
  return files;
}
