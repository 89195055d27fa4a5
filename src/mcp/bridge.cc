#include "mcp/bridge.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <condition_variable>
#include <thread>

#include "core/json.h"
#include "core/strings.h"
#include "mcp/stdio.h"

namespace firebreak::mcp {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Bridge {
 public:
  Bridge(const BridgeOptions& opt, std::string host, std::string port, std::string target)
      : opt_(opt),
        host_(std::move(host)),
        port_(std::move(port)),
        target_(std::move(target)),
        out_(opt.out_fd) {}

  void Run() {
    auto on_line = [this](std::string_view line) { OnLine(std::string(line)); };
    auto too_long = [this] {
      out_.Write(EncodeError(nullptr, JsonRpcCodeFor(RpcFailure::kInvalidRequest),
                             "message exceeds the size limit"));
    };
    ReadLines(opt_.in_fd, kMaxMessageBytes, on_line, too_long);
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return running_ == 0; });
    }
    std::string sid = Session();
    if (!sid.empty()) {
      // End the session; the server then ends the GET stream too.
      (void)Exchange(http::verb::delete_, "", nullptr, false);
    }
    int fd = get_fd_.exchange(-1);
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    if (get_thread_.joinable()) get_thread_.join();
  }

 private:
  std::string Session() {
    std::lock_guard lk(mu_);
    return session_;
  }

  void OnLine(std::string line) {
    Decoded d = Decode(line);
    if (!d.message) {
      // Refuse locally what the server would refuse: the client gets the same error, sooner.
      out_.Write(EncodeError(d.failure->id, d.failure->code(), d.failure->message));
      return;
    }
    json::value id =
        d.message->kind == Message::Kind::kNotification ? json::value(nullptr) : d.message->id;
    if (d.message->kind == Message::Kind::kRequest && d.message->method == "initialize") {
      // Synchronously: every later message needs the session id, and the GET stream must be open
      // before anything can change.
      Exchange(http::verb::post, line, id, false);
      if (!Session().empty() && !get_thread_.joinable()) {
        std::unique_lock lk(mu_);
        get_thread_ = std::thread([this] { Exchange(http::verb::get, "", nullptr, true); });
        cv_.wait(lk, [&] { return get_ready_; });
      }
      return;
    }
    {
      std::lock_guard lk(mu_);
      ++running_;
    }
    std::thread([this, line = std::move(line), id]() mutable {
      Exchange(http::verb::post, line, id, false);
      std::lock_guard lk(mu_);
      --running_;
      cv_.notify_all();
    }).detach();
  }

  // Writes one SSE event's data (a JSON-RPC message) to stdout.
  void Emit(const std::string& data) {
    if (core::Trim(data).empty()) return;
    auto v = core::ParseJson(data);
    if (v) out_.Write(*v);
  }

  void Fail(const json::value& id, const std::string& message) {
    if (id.is_null()) {
      spdlog::warn("mcp bridge: {}", message);
      return;
    }
    out_.Write(EncodeError(id, Error{ErrorCode::kUnavailable, message, ""}));
  }

  // One HTTP exchange with the server; streams what comes back to stdout.
  void Exchange(http::verb verb, const std::string& body, const json::value& id, bool is_get) {
    auto signal_ready = [&] {
      if (!is_get) return;
      std::lock_guard lk(mu_);
      get_ready_ = true;
      cv_.notify_all();
    };
    try {
      asio::io_context io;
      tcp::resolver resolver(io);
      beast::tcp_stream stream(io);
      stream.connect(resolver.resolve(host_, port_));
      if (is_get) get_fd_ = stream.socket().native_handle();
      http::request<http::string_body> req{verb, target_, 11};
      req.set(http::field::host, host_ + ":" + port_);
      req.set(http::field::user_agent, "firebreak-mcp-bridge");
      req.set(http::field::authorization, "Bearer " + opt_.token);
      req.set(http::field::accept,
              is_get ? "text/event-stream" : "application/json, text/event-stream");
      if (std::string sid = Session(); !sid.empty()) {
        req.set("Mcp-Session-Id", sid);
        req.set("MCP-Protocol-Version", version_);
      }
      if (verb == http::verb::post) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
      }
      req.prepare_payload();
      http::write(stream, req);

      beast::flat_buffer buf;
      http::response_parser<http::buffer_body> p;
      p.body_limit(boost::none);
      http::read_header(stream, buf, p);
      const auto& res = p.get();
      if (auto it = res.find("Mcp-Session-Id"); it != res.end()) {
        std::lock_guard lk(mu_);
        session_ = std::string(it->value());
      }
      bool sse = core::ToLower(std::string(res[http::field::content_type]))
                     .rfind("text/event-stream", 0) == 0;
      int status = res.result_int();
      signal_ready();
      std::string pending;  // SSE: the current event's text; JSON: the whole body
      char chunk[8192];
      while (!p.is_done()) {
        p.get().body().data = chunk;
        p.get().body().size = sizeof chunk;
        boost::system::error_code ec;
        http::read_some(stream, buf, p, ec);  // returns with what arrived (SSE events are small)
        if (ec == http::error::need_buffer) ec = {};
        if (ec) break;
        pending.append(chunk, sizeof chunk - p.get().body().size);
        if (!sse) continue;
        size_t end;
        while ((end = pending.find("\n\n")) != std::string::npos) {
          std::string data;
          for (const auto& l : core::Split(pending.substr(0, end), '\n')) {
            if (l.rfind("data:", 0) == 0) data += core::Trim(std::string_view(l).substr(5));
          }
          Emit(data);
          pending.erase(0, end + 2);
        }
      }
      if (sse || is_get || verb == http::verb::delete_) return;
      if (status == 202 || core::Trim(pending).empty()) {
        if (!id.is_null())
          Fail(id, "the server sent no response (HTTP " + std::to_string(status) + ")");
        return;
      }
      auto v = core::ParseJson(pending);
      if (!v || !v->is_object()) {
        Fail(id, "unexpected answer from the server (HTTP " + std::to_string(status) + ")");
        return;
      }
      // Transport refusals (401, 404, ...) carry no id: answer the request they refused.
      auto& o = v->as_object();
      if (o.contains("error") && (!o.contains("id") || o["id"].is_null())) o["id"] = id;
      if (!o["id"].is_null()) out_.Write(*v);
    } catch (const std::exception& e) {
      signal_ready();
      Fail(id, "cannot reach the Firebreak server at " + host_ + ":" + port_ + ": " + e.what());
    }
  }

  const BridgeOptions& opt_;
  const std::string host_, port_, target_;
  const std::string version_ = std::string(kLatestVersion);
  LineWriter out_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string session_;
  int running_ = 0;
  bool get_ready_ = false;
  std::thread get_thread_;
  std::atomic<int> get_fd_{-1};
};

}  // namespace

Status RunBridge(const BridgeOptions& opt) {
  auto u = boost::urls::parse_uri(opt.url);
  if (!u || u->scheme() != "http" || u->host().empty())
    return InvalidArgument("--server must be an http:// URL such as http://127.0.0.1:8080 (got '" +
                               core::Truncate(opt.url, 200) + "')",
                           "server");
  std::string host = u->host();
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string port = u->has_port() ? std::string(u->port()) : "80";
  std::string path = u->path();
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() < 4 || path.substr(path.size() - 4) != "/mcp") path += "/mcp";
  Bridge b(opt, host, port, path);
  b.Run();
  return Ok();
}

}  // namespace firebreak::mcp
