#include "mcp/stdio.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>

namespace firebreak::mcp {

namespace {

// Counts requests that have not finished, so that EOF can wait for them.
struct Running {
  std::mutex mu;
  std::condition_variable cv;
  int n = 0;
};

class StdoutOutlet final : public Outlet {
 public:
  StdoutOutlet(LineWriter& w, std::shared_ptr<Running> running)
      : w_(w), running_(std::move(running)) {}
  void Send(const json::value& msg) override { w_.Write(msg); }
  void Finish(std::optional<json::value> response) override {
    if (response) w_.Write(*response);
    if (running_) {
      std::lock_guard lk(running_->mu);
      --running_->n;
      running_->cv.notify_all();
    }
  }

 private:
  LineWriter& w_;
  std::shared_ptr<Running> running_;
};

}  // namespace

void LineWriter::WriteLine(std::string line) {
  line += '\n';
  std::lock_guard lk(mu_);
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client is gone; nothing else to do with this message
    off += static_cast<size_t>(n);
  }
}

void ReadLines(int fd, size_t max, const std::function<void(std::string_view)>& on_line,
               const std::function<void()>& on_too_long) {
  auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    on_line(line);
  };
  std::string buf(64 * 1024, '\0');
  std::string line;
  bool discarding = false;  // inside a line longer than the limit
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      std::string_view part = chunk.substr(0, nl);
      if (!discarding) {
        if (line.size() + part.size() > max) {
          discarding = true;
          line.clear();
        } else {
          line.append(part);
        }
      }
      if (nl == std::string_view::npos) break;
      chunk.remove_prefix(nl + 1);
      if (discarding) {
        discarding = false;
        on_too_long();
      } else {
        emit(line);
      }
      line.clear();
    }
  }
  if (discarding) {
    on_too_long();
  } else if (!line.empty()) {
    emit(line);
  }
}

void ServeStdio(Server& server, const std::function<Result<model::Principal>()>& authenticate,
                const StdioOptions& opt) {
  LineWriter writer(opt.out_fd);
  auto running = std::make_shared<Running>();
  auto session = server.DetachedSession("stdio");
  session->SetStandalone(std::make_shared<StdoutOutlet>(writer, nullptr));

  auto fail = [&](const DecodeFailure& f) { writer.Write(EncodeError(f.id, f.code(), f.message)); };
  auto process = [&](std::string_view line) {
    if (auto batch = DecodeBatch(line, opt.max_line)) {
      if (batch->size() == 1 && !(*batch)[0].message) return fail(*(*batch)[0].failure);
      if (session->version() != "2025-03-26")
        return fail(DecodeFailure{
            RpcFailure::kInvalidRequest,
            "batches (JSON arrays) are only accepted in 2025-03-26 sessions: send one "
            "message at a time",
            nullptr});
      auto p = authenticate();
      if (!p) return fail(DecodeFailure{RpcFailure::kInvalidRequest, p.error().message, nullptr});
      {
        std::lock_guard lk(running->mu);
        ++running->n;
      }
      auto done = [&writer, running](json::array responses) {
        if (!responses.empty()) writer.Write(responses);
        std::lock_guard lk(running->mu);
        --running->n;
        running->cv.notify_all();
      };
      server.HandleBatch(session, std::move(*batch), *p,
                         std::make_shared<StdoutOutlet>(writer, nullptr), done);
      return;
    }
    Decoded d = Decode(line, opt.max_line);
    if (!d.message) {
      fail(*d.failure);
      return;
    }
    Message& m = *d.message;
    model::Principal who;
    if (m.kind == Message::Kind::kRequest) {
      auto p = authenticate();
      if (!p) {
        writer.Write(EncodeError(m.id, p.error()));
        return;
      }
      who = *p;
      std::lock_guard lk(running->mu);
      ++running->n;
    }
    server.Handle(session, std::move(m), who, std::make_shared<StdoutOutlet>(writer, running));
  };

  auto too_long = [&] {
    fail(DecodeFailure{RpcFailure::kInvalidRequest,
                       "message exceeds the limit of " + std::to_string(opt.max_line) + " bytes",
                       nullptr});
  };
  ReadLines(opt.in_fd, opt.max_line, process, too_long);
  // EOF: nobody can answer our questions any more; let running requests finish and respond.
  server.EndInput(*session);
  {
    std::unique_lock lk(running->mu);
    running->cv.wait(lk, [&] { return running->n <= 0; });
  }
  server.Close(*session);
}

}  // namespace firebreak::mcp
