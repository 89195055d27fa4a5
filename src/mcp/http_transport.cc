#include "mcp/http_transport.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/strings.h"

namespace firebreak::mcp {

namespace asio = boost::asio;
using api::Exchange;
using api::Response;

namespace {

// One outgoing item of a stream: a serialized message, the end of the stream, or a keep-alive.
struct Outgoing {
  std::string json;
  bool final = false;
  bool keepalive = false;
};
using Channel = asio::experimental::concurrent_channel<void(boost::system::error_code, Outgoing)>;

class ChannelOutlet final : public Outlet {
 public:
  explicit ChannelOutlet(std::shared_ptr<Channel> ch) : ch_(std::move(ch)) {}
  void Send(const json::value& msg) override {
    // A stream whose client is gone stops reading; once the buffer is full, messages are dropped.
    if (!ch_->try_send(boost::system::error_code{}, Outgoing{Serialize(msg), false, false}))
      spdlog::debug("mcp: dropped a message for a slow or gone HTTP client");
  }
  void Finish(std::optional<json::value> response) override {
    Outgoing o{response ? Serialize(*response) : std::string(), true, false};
    if (!ch_->try_send(boost::system::error_code{}, o))
      ch_->async_send(boost::system::error_code{}, std::move(o), [](boost::system::error_code) {});
  }
  void KeepAlive() { ch_->try_send(boost::system::error_code{}, Outgoing{"", false, true}); }

 private:
  std::shared_ptr<Channel> ch_;
};

std::string_view HostOnly(std::string_view hostport) {
  if (!hostport.empty() && hostport.front() == '[') {
    auto close = hostport.find(']');
    if (close == std::string_view::npos) return {};
    return hostport.substr(0, close + 1);
  }
  auto colon = hostport.find(':');
  return colon == std::string_view::npos ? hostport : hostport.substr(0, colon);
}

bool NameAllowed(std::string_view host, const std::vector<std::string>& extra) {
  std::string h = core::ToLower(host);
  if (h == "localhost" || h == "127.0.0.1" || h == "[::1]") return true;
  for (const auto& e : extra)
    if (!e.empty() && core::ToLower(e) == h) return true;
  return false;
}

Response RpcFail(const Exchange& ex, ErrorCode status, RpcFailure failure,
                 const std::string& message) {
  Response res =
      ex.Json(HttpStatusFor(status), EncodeError(nullptr, JsonRpcCodeFor(failure), message));
  if (status == ErrorCode::kUnauthenticated) res.set(api::http::field::www_authenticate, "Bearer");
  return res;
}

// The checks every /mcp request passes first. Returns a refusal, or nothing.
std::optional<Response> CheckOrigin(const Exchange& ex, const HttpOptions& opt) {
  std::string host = ex.Header("Host");
  if (!HostAllowed(host, opt.allowed_hosts))
    return RpcFail(ex, ErrorCode::kPermissionDenied, RpcFailure::kBadTransport,
                   "Forbidden: Host '" + core::Truncate(host, 100) +
                       "' is not allowed (DNS rebinding protection)");
  std::string origin = ex.Header("Origin");
  if (!OriginAllowed(origin, opt.allowed_hosts))
    return RpcFail(ex, ErrorCode::kPermissionDenied, RpcFailure::kBadTransport,
                   "Forbidden: Origin '" + core::Truncate(origin, 100) +
                       "' is not allowed (DNS rebinding protection)");
  return std::nullopt;
}

bool Accepts(const std::string& accept, std::string_view type) {
  if (accept.empty()) return false;
  std::string a = core::ToLower(accept);
  return a.find(type) != std::string::npos || a.find("*/*") != std::string::npos;
}

Result<model::Principal> Authenticate(app::App& app, const Exchange& ex, const HttpOptions& opt) {
  std::string auth = ex.Header("Authorization");
  if (auth.empty() && opt.allow_anonymous) {
    model::Principal p;
    p.actor = model::Actor::Agent("anonymous");
    p.scopes = model::kScopeRead;
    return p;
  }
  return app.Authenticate(auth);
}

std::string SseEvent(const std::string& json) { return "event: message\ndata: " + json + "\n\n"; }

// Sends a keep-alive comment on a GET stream every 25 s, so a vanished client is noticed.
asio::awaitable<void> KeepAliveLoop(std::weak_ptr<ChannelOutlet> wout) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (true) {
    timer.expires_after(std::chrono::seconds(25));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    auto out = wout.lock();
    if (ec || !out) co_return;
    out->KeepAlive();
  }
}

struct Routes {
  Server& mcp;
  app::App& app;
  HttpOptions opt;

  // Finds the request's session and checks that it belongs to the same token and that the
  // protocol version header is one we speak.
  Result<std::shared_ptr<Session>> SessionOf(const Exchange& ex, const model::Principal& who,
                                             std::optional<Response>& refusal) {
    std::string sid = ex.Header("Mcp-Session-Id");
    if (sid.empty()) {
      refusal =
          RpcFail(ex, ErrorCode::kInvalidArgument, RpcFailure::kBadTransport,
                  "Bad Request: the Mcp-Session-Id header is required (send initialize first)");
      return nullptr;
    }
    auto s = mcp.FindSession(sid);
    if (!s || s->bound_token() != who.token_id) {
      refusal =
          RpcFail(ex, ErrorCode::kNotFound, RpcFailure::kSessionNotFound, "Session not found");
      return nullptr;
    }
    std::string pv = ex.Header("MCP-Protocol-Version");
    if (!pv.empty() && !IsSupportedVersion(pv)) {
      refusal = RpcFail(ex, ErrorCode::kInvalidArgument, RpcFailure::kBadTransport,
                        "Bad Request: unsupported MCP-Protocol-Version '" + core::Truncate(pv, 40) +
                            "' (supported: " + core::Join(SupportedVersions(), ", ") + ")");
      return nullptr;
    }
    return s;
  }

  asio::awaitable<Response> Post(Exchange& ex) {
    if (auto r = CheckOrigin(ex, opt)) co_return std::move(*r);
    std::string ctype = core::ToLower(ex.Header("Content-Type"));
    if (ctype.rfind("application/json", 0) != 0)
      co_return RpcFail(ex, ErrorCode::kInvalidArgument, RpcFailure::kBadTransport,
                        "Unsupported Media Type: Content-Type must be application/json");
    std::string accept = ex.Header("Accept");
    if (!accept.empty() &&
        (!Accepts(accept, "application/json") || !Accepts(accept, "text/event-stream")))
      co_return RpcFail(
          ex, ErrorCode::kInvalidArgument, RpcFailure::kBadTransport,
          "Not Acceptable: the client must accept both application/json and text/event-stream");
    auto who = Authenticate(app, ex, opt);
    if (!who)
      co_return RpcFail(ex, ErrorCode::kUnauthenticated, RpcFailure::kBadTransport,
                        who.error().message);
    if (auto batch = DecodeBatch(ex.req().body())) {
      if (batch->size() == 1 && !(*batch)[0].message) {
        const auto& f = *(*batch)[0].failure;
        co_return ex.Json(HttpStatusFor(ErrorCode::kInvalidArgument),
                          EncodeError(f.id, f.code(), f.message));
      }
      std::optional<Response> refusal;
      auto found = SessionOf(ex, *who, refusal);
      if (refusal) co_return std::move(*refusal);
      auto s = *found;
      if (s->version() != "2025-03-26")
        co_return ex.Json(
            HttpStatusFor(ErrorCode::kInvalidArgument),
            EncodeError(nullptr, JsonRpcCodeFor(RpcFailure::kInvalidRequest),
                        "batches (JSON arrays) are only accepted in 2025-03-26 sessions"));
      auto exec = co_await asio::this_coro::executor;
      auto ch = std::make_shared<Channel>(exec, 256);
      auto out = std::make_shared<ChannelOutlet>(ch);
      auto done = [out](json::array responses) {
        if (responses.empty()) {
          out->Finish(std::nullopt);
        } else {
          out->Finish(json::value(std::move(responses)));
        }
      };
      mcp.HandleBatch(s, std::move(*batch), *who, out, done);
      std::vector<std::pair<std::string, std::string>> no_headers;
      co_return co_await Stream(ex, ch, no_headers);
    }
    Decoded d = Decode(ex.req().body());
    if (!d.message) {
      // The HTTP status says the message was refused; the body is the JSON-RPC error.
      co_return ex.Json(HttpStatusFor(ErrorCode::kInvalidArgument),
                        EncodeError(d.failure->id, d.failure->code(), d.failure->message));
    }
    Message m = std::move(*d.message);
    std::shared_ptr<Session> s;
    bool created = false;
    if (m.kind == Message::Kind::kRequest && m.method == "initialize") {
      s = mcp.NewSession();
      if (!s)
        co_return RpcFail(ex, ErrorCode::kUnavailable, RpcFailure::kBadTransport,
                          "Service Unavailable: shutting down");
      s->BindToken(who->token_id);
      created = true;
    } else {
      std::optional<Response> refusal;
      auto found = SessionOf(ex, *who, refusal);
      if (refusal) co_return std::move(*refusal);
      s = *found;
    }
    if (m.kind != Message::Kind::kRequest) {
      mcp.Handle(s, std::move(m), *who, nullptr);
      co_return ex.Text(202, "", "text/plain");
    }

    auto exec = co_await asio::this_coro::executor;
    auto ch = std::make_shared<Channel>(exec, 256);
    auto out = std::make_shared<ChannelOutlet>(ch);
    mcp.Handle(s, std::move(m), *who, out);
    std::vector<std::pair<std::string, std::string>> headers;
    if (created) {
      // initialize runs inline: its answer is already in the channel.
      if (s->initialized()) {
        headers.emplace_back("Mcp-Session-Id", s->id());
      } else {
        mcp.CloseSession(s->id());
      }
    }
    co_return co_await Stream(ex, ch, headers);
  }

  // Answers with what the channel delivers: JSON when the first item is the final one, else an
  // SSE stream of every item up to the final one.
  asio::awaitable<Response> Stream(Exchange& ex, std::shared_ptr<Channel> ch,
                                   std::vector<std::pair<std::string, std::string>> headers) {
    auto [ec, first] = co_await ch->async_receive(asio::as_tuple(asio::use_awaitable));
    if (ec)
      co_return RpcFail(ex, ErrorCode::kInternal, RpcFailure::kBadTransport, "internal error");
    if (first.final) {
      // Nothing was said before the response: a plain JSON answer.
      Response res = first.json.empty() ? ex.Text(202, "", "text/plain")
                                        : ex.Text(200, std::move(first.json), "application/json");
      for (const auto& [k, v] : headers) res.set(k, v);
      co_return res;
    }
    headers.emplace_back("X-Accel-Buffering", "no");
    const std::string sse_type = "text/event-stream";
    bool ok = co_await ex.StartStream(200, sse_type, headers);
    std::string ev = SseEvent(first.json);
    if (ok) ok = co_await ex.WriteChunk(ev);
    while (ok) {
      auto [ec2, next] = co_await ch->async_receive(asio::as_tuple(asio::use_awaitable));
      if (ec2) break;
      if (next.final && next.json.empty()) break;  // cancelled: no response
      ev = SseEvent(next.json);
      ok = co_await ex.WriteChunk(ev);
      if (next.final) break;
    }
    if (ok) co_await ex.EndStream();
    co_return ex.Streamed();
  }

  asio::awaitable<Response> Get(Exchange& ex) {
    if (auto r = CheckOrigin(ex, opt)) co_return std::move(*r);
    if (!Accepts(ex.Header("Accept"), "text/event-stream"))
      co_return RpcFail(ex, ErrorCode::kInvalidArgument, RpcFailure::kBadTransport,
                        "Not Acceptable: the client must accept text/event-stream");
    auto who = Authenticate(app, ex, opt);
    if (!who)
      co_return RpcFail(ex, ErrorCode::kUnauthenticated, RpcFailure::kBadTransport,
                        who.error().message);
    std::optional<Response> refusal;
    auto found = SessionOf(ex, *who, refusal);
    if (refusal) co_return std::move(*refusal);
    auto s = *found;
    auto exec = co_await asio::this_coro::executor;
    auto ch = std::make_shared<Channel>(exec, 256);
    auto out = std::make_shared<ChannelOutlet>(ch);
    if (!s->SetStandalone(out))
      co_return RpcFail(ex, ErrorCode::kAlreadyExists, RpcFailure::kBadTransport,
                        "Conflict: this session already has a GET stream open");
    std::vector<std::pair<std::string, std::string>> headers{{"X-Accel-Buffering", "no"}};
    const std::string sse_type = "text/event-stream";
    bool ok = co_await ex.StartStream(200, sse_type, headers);
    std::weak_ptr<ChannelOutlet> wout = out;
    asio::co_spawn(exec, KeepAliveLoop(wout), asio::detached);
    std::string ev = ": stream open\n\n";
    if (ok) ok = co_await ex.WriteChunk(ev);
    while (ok) {
      auto [ec, next] = co_await ch->async_receive(asio::as_tuple(asio::use_awaitable));
      if (ec || next.final) break;
      ev = next.keepalive ? std::string(": keepalive\n\n") : SseEvent(next.json);
      ok = co_await ex.WriteChunk(ev);
    }
    s->ClearStandalone(out.get());
    if (ok) co_await ex.EndStream();
    co_return ex.Streamed();
  }

  asio::awaitable<Response> Delete(Exchange& ex) {
    if (auto r = CheckOrigin(ex, opt)) co_return std::move(*r);
    auto who = Authenticate(app, ex, opt);
    if (!who)
      co_return RpcFail(ex, ErrorCode::kUnauthenticated, RpcFailure::kBadTransport,
                        who.error().message);
    std::optional<Response> refusal;
    auto found = SessionOf(ex, *who, refusal);
    if (refusal) co_return std::move(*refusal);
    mcp.CloseSession((*found)->id());
    co_return ex.Text(200, "", "text/plain");
  }
};

}  // namespace

bool HostAllowed(std::string_view host_header, const std::vector<std::string>& extra) {
  return NameAllowed(HostOnly(core::Trim(host_header)), extra);
}

bool OriginAllowed(std::string_view origin, const std::vector<std::string>& extra) {
  origin = core::Trim(origin);
  if (origin.empty()) return true;  // not a browser request
  std::string_view rest;
  if (origin.rfind("http://", 0) == 0) {
    rest = origin.substr(7);
  } else if (origin.rfind("https://", 0) == 0) {
    rest = origin.substr(8);
  } else {
    return false;  // "null", file://, ...
  }
  if (rest.find('/') != std::string_view::npos) return false;
  return NameAllowed(HostOnly(rest), extra);
}

void RegisterHttpRoutes(api::Server& http, Server& mcp, HttpOptions opt) {
  auto routes = std::make_shared<Routes>(Routes{mcp, http.app(), std::move(opt)});
  auto& r = http.router();
  r.Add(api::http::verb::post, "/mcp", api::Auth::kCustom,
        [routes](Exchange& ex) -> asio::awaitable<Response> { return routes->Post(ex); });
  r.Add(api::http::verb::get, "/mcp", api::Auth::kCustom,
        [routes](Exchange& ex) -> asio::awaitable<Response> { return routes->Get(ex); });
  r.Add(api::http::verb::delete_, "/mcp", api::Auth::kCustom,
        [routes](Exchange& ex) -> asio::awaitable<Response> { return routes->Delete(ex); });
}

}  // namespace firebreak::mcp
