// LineReader: reads a file (or stdin) in large blocks and hands out its lines without copying
// them. Used by the command line (`logs mine`, `logs import`).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace firebreak::logs {

class LineReader {
 public:
  // "-" reads standard input. Errors name the file.
  static Result<LineReader> Open(const std::string& path, size_t block = 4 << 20);
  LineReader(LineReader&&) noexcept;
  LineReader& operator=(LineReader&&) noexcept;
  ~LineReader();

  // The next line without its '\n' (and without a trailing '\r'); false at the end. The view is
  // valid until the next call. A read error ends the stream and is reported by status().
  bool Next(std::string_view& line);
  Status status() const { return status_; }
  // Bytes consumed so far and the file size (0 when unknown, e.g. a pipe).
  uint64_t bytes_read() const { return consumed_; }
  uint64_t size() const { return size_; }

 private:
  LineReader() = default;
  bool Fill();
  std::FILE* f_ = nullptr;
  bool owned_ = false;
  std::string path_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0, size_ = 0;
  Status status_;
};

}  // namespace firebreak::logs
