#include "logs/reader.h"

#include <cerrno>
#include <cstring>

#include <sys/stat.h>

namespace firebreak::logs {

Result<LineReader> LineReader::Open(const std::string& path, size_t block) {
  LineReader r;
  r.path_ = path;
  if (path == "-") {
    r.f_ = stdin;
  } else {
    r.f_ = std::fopen(path.c_str(), "rb");
    if (!r.f_) return InvalidArgument("cannot open " + path + ": " + std::strerror(errno), "file");
    r.owned_ = true;
    struct stat st {};
    if (fstat(fileno(r.f_), &st) == 0 && S_ISREG(st.st_mode)) r.size_ = static_cast<uint64_t>(st.st_size);
  }
  r.buf_.resize(std::max<size_t>(block, 1 << 16));
  return r;
}

LineReader::LineReader(LineReader&& o) noexcept { *this = std::move(o); }
LineReader& LineReader::operator=(LineReader&& o) noexcept {
  if (this == &o) return *this;
  if (owned_ && f_) std::fclose(f_);
  f_ = o.f_;
  owned_ = o.owned_;
  o.f_ = nullptr;
  o.owned_ = false;
  path_ = std::move(o.path_);
  buf_ = std::move(o.buf_);
  begin_ = o.begin_;
  end_ = o.end_;
  eof_ = o.eof_;
  consumed_ = o.consumed_;
  size_ = o.size_;
  status_ = o.status_;
  return *this;
}

LineReader::~LineReader() {
  if (owned_ && f_) std::fclose(f_);
}

bool LineReader::Fill() {
  if (eof_ || !f_) return false;
  // Keep the partial line at the front; grow the buffer if one line fills it.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  size_t n = std::fread(buf_.data() + end_, 1, buf_.size() - end_, f_);
  if (n == 0) {
    if (std::ferror(f_)) status_ = Unavailable("cannot read " + path_ + ": " + std::strerror(errno));
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool LineReader::Next(std::string_view& line) {
  while (true) {
    const char* start = buf_.data() + begin_;
    size_t avail = end_ - begin_;
    if (const void* nl = std::memchr(start, '\n', avail)) {
      size_t len = static_cast<const char*>(nl) - start;
      consumed_ += len + 1;
      begin_ += len + 1;
      if (len > 0 && start[len - 1] == '\r') --len;
      line = std::string_view(start, len);
      return true;
    }
    if (!Fill()) {
      if (end_ > begin_) {  // last line without a newline
        size_t len = end_ - begin_;
        const char* s = buf_.data() + begin_;
        consumed_ += len;
        begin_ = end_;
        if (len > 0 && s[len - 1] == '\r') --len;
        line = std::string_view(s, len);
        return true;
      }
      return false;
    }
  }
}

}  // namespace firebreak::logs
