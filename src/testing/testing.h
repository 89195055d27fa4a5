// Test helpers shared by unit tests: temporary directories and source paths.
#pragma once

#include <string>

namespace firebreak::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The repository root (from FB_SOURCE_DIR, set by ctest).
std::string SourceDir();
// ../shared relative to the repository root (from FB_SHARED_DIR).
std::string SharedDir();
// Writes `content` to `path`, creating parent directories.
void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

}  // namespace firebreak::testing
