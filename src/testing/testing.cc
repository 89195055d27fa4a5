#include "testing/testing.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"

namespace firebreak::testing {

TempDir::TempDir() {
  auto base = std::filesystem::temp_directory_path() / ("fbtest-" + core::RandomHex(8));
  std::filesystem::create_directories(base);
  path_ = base.string();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string SourceDir() {
  const char* s = std::getenv("FB_SOURCE_DIR");
  return s ? s : ".";
}

std::string SharedDir() {
  const char* s = std::getenv("FB_SHARED_DIR");
  return s ? s : SourceDir() + "/../shared";
}

void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace firebreak::testing
