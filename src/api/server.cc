#include "api/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <array>

#include "core/metrics.h"
#include "core/strings.h"

namespace firebreak::api {

using tcp = asio::ip::tcp;

struct Server::Impl {
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
};

Server::Server(app::App& app, ServerOptions opt) : app_(app), opt_(std::move(opt)), impl_(std::make_unique<Impl>()) {}

Server::~Server() {
  Stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

asio::io_context& Server::io() { return impl_->io; }

void Server::RegisterAll() {
  RegisterSystemRoutes(*this);
  RegisterIncidentRoutes(*this);
  RegisterAuditRoutes(*this);
  RegisterAlertRoutes(*this);
  RegisterLogRoutes(*this);
  RegisterAnalyzeRoutes(*this);
  RegisterPagingRoutes(*this);
  RegisterGraphRoutes(*this);
  RegisterRunbookRoutes(*this);
  RegisterReportRoutes(*this);
  RegisterWebRoutes(*this);
}

namespace {

Error ScopeError(Auth a) {
  const char* s = a == Auth::kRead ? "read" : a == Auth::kWrite ? "write" : a == Auth::kApprove ? "approve" : "admin";
  return Error{ErrorCode::kPermissionDenied, std::string("this endpoint needs a token with the '") + s + "' scope", ""};
}

model::Scope ScopeOf(Auth a) {
  switch (a) {
    case Auth::kRead: return model::kScopeRead;
    case Auth::kWrite: return model::kScopeWrite;
    case Auth::kApprove: return model::kScopeApprove;
    default: return model::kScopeAdmin;
  }
}

// Splits the request target into a decoded path and query parameters.
Status ParseTarget(std::string_view target, Exchange& ex) {
  auto u = boost::urls::parse_origin_form(target);
  if (!u) return InvalidArgument("malformed request target", "path");
  ex.path = u->path();
  if (ex.path.empty()) ex.path = "/";
  for (auto p : u->params()) {
    if (!core::IsValidUtf8(p.key) || !core::IsValidUtf8(p.value))
      return InvalidArgument("query parameters must be valid UTF-8", p.key);
    ex.query[p.key] = p.value;
  }
  if (!core::IsValidUtf8(ex.path)) return InvalidArgument("path must be valid UTF-8", "path");
  return Ok();
}

}  // namespace

// Routes one request, authenticates it, runs its handler and writes the response.
static asio::awaitable<void> Dispatch(Server& server, Exchange& ex, const ServerOptions& opt) {
  auto& app = server.app();
  const core::SteadyTime start = app.clock().Steady();
  ex.extra_headers = {{"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}};
  Response res;
  bool have = false;
  if (auto st = ParseTarget(ex.req().target(), ex); !st) {
    res = ex.Fail(st.error());
    have = true;
  }
  std::vector<std::string> allowed;
  const Route* route = have ? nullptr : server.router().Match(ex.req().method(), ex.path, ex.params, allowed);
  if (!have && !route) {
    ex.route = "unmatched";
    if (!allowed.empty()) {
      res = ex.Fail(Error{ErrorCode::kMethodNotAllowed, "method not allowed; allowed: " + core::Join(allowed, ", "), ""});
      res.set(http::field::allow, core::Join(allowed, ", "));
    } else {
      res = ex.Fail(Error{ErrorCode::kNotFound, "no such endpoint: " + core::Truncate(ex.path, 200), ""});
    }
    have = true;
  }
  if (!have) {
    ex.route = route->pattern;
    if (route->auth != Auth::kNone && route->auth != Auth::kCustom) {
      auto p = app.Authenticate(ex.Header("Authorization"));
      if (!p) {
        res = ex.Fail(p.error());
        have = true;
      } else if (!p->Has(ScopeOf(route->auth))) {
        res = ex.Fail(ScopeError(route->auth));
        have = true;
      } else {
        ex.principal = *p;
      }
    }
  }
  if (!have) {
    try {
      res = co_await route->handler(ex);
      have = !ex.streaming();
    } catch (const std::exception& e) {
      // Exceptions are bugs; answer 500 rather than drop the connection.
      spdlog::error("http: handler {} threw: {}", route->pattern, e.what());
      if (!ex.replied()) {
        res = ex.Fail(Error{ErrorCode::kInternal, "internal error", ""});
        have = true;
      }
    }
  }
  // Count the request before answering, so a client that reads /metrics right after sees it.
  double secs = std::chrono::duration<double>(app.clock().Steady() - start).count();
  int status = have ? res.result_int() : ex.status();
  auto& m = app.metrics();
  auto requests = [&] {
    return &m.GetCounter("firebreak_http_requests_total", "HTTP requests by route and status",
                         {{"method", std::string(http::to_string(ex.req().method()))},
                          {"route", ex.route},
                          {"status", std::to_string(status)}});
  };
  auto latency = [&] {
    return &m.GetHistogram("firebreak_http_request_duration_seconds", "HTTP request handling latency by route",
                           core::Registry::LatencyBuckets(), {{"route", ex.route}});
  };
  if (route && route->method == ex.req().method()) {
    // A matched route's series are looked up once (its method and pattern are the labels; the
    // status is the only one that varies). HEAD, served by a GET route, is counted as HEAD below.
    core::Counter* counter = nullptr;
    core::Histogram* hist = nullptr;
    {
      auto& rm = *route->metrics;
      std::lock_guard lock(rm.mu);
      for (const auto& [code, c] : rm.requests)
        if (code == status) counter = c;
      if (!counter) rm.requests.emplace_back(status, counter = requests());
      if (!ex.streaming()) hist = rm.latency ? rm.latency : (rm.latency = latency());
    }
    counter->Inc();
    if (hist) hist->Observe(secs);
  } else {
    requests()->Inc();
    if (!ex.streaming()) latency()->Observe(secs);
  }
  if (have) co_await ex.Write(res);
}

static asio::awaitable<void> Session(Server& server, tcp::socket socket, ServerOptions opt) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  // Beast reads at most the buffer's free capacity (at least 512 bytes) per receive: start with room
  // for a typical request so a webhook body arrives in one or two receives, not one per 512 bytes.
  buffer.reserve(16 * 1024);
  std::string remote;
  {
    boost::system::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  bool drain = false;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(opt.max_body_bytes);
    parser.header_limit(32 * 1024);
    stream.expires_after(opt.idle_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
      break;
    if (ec) {
      // Answer what we can about a bad request, then close.
      Request dummy;
      dummy.version(11);
      Exchange ex(dummy, stream);
      ex.keep_alive = false;
      Error err;
      if (ec == http::error::body_limit) {
        err = Error{ErrorCode::kTooLarge,
                    "request body exceeds the limit of " + std::to_string(opt.max_body_bytes) + " bytes", "body"};
      } else if (ec == http::error::header_limit) {
        err = Error{ErrorCode::kTooLarge, "request headers too large", ""};
      } else {
        err = Error{ErrorCode::kInvalidArgument, "malformed HTTP request: " + ec.message(), ""};
      }
      Response res = ex.Fail(err);
      co_await ex.Write(res);
      drain = true;
      break;
    }
    Request req = parser.release();
    Exchange ex(req, stream);
    ex.remote = remote;
    co_await Dispatch(server, ex, opt);
    if (!ex.keep_alive || ex.streaming() || !req.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (drain) {
    // The client may still be sending the body we refused; read and discard a bounded amount so
    // closing does not reset the connection before it reads our answer.
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink;
    size_t total = 0;
    while (total < (64u << 20)) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      total += n;
    }
  }
  stream.close();
}

static asio::awaitable<void> AcceptLoop(Server& server, tcp::acceptor& acceptor, ServerOptions opt,
                                        std::atomic<bool>& stopping) {
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) break;
      spdlog::warn("http: accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), Session(server, std::move(socket), opt), asio::detached);
  }
}

Result<uint16_t> Server::Listen() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(opt_.host, ec);
  if (ec) return InvalidArgument("invalid listen address '" + opt_.host + "'", "listen");
  tcp::endpoint ep(addr, opt_.port);
  auto acc = std::make_unique<tcp::acceptor>(impl_->io);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + opt_.host + ":" + std::to_string(opt_.port) + ": " + ec.message());
  uint16_t port = acc->local_endpoint().port();
  impl_->acceptor = std::move(acc);
  asio::co_spawn(impl_->io, AcceptLoop(*this, *impl_->acceptor, opt_, impl_->stopping), asio::detached);
  return port;
}

void Server::Run() {
  auto work = asio::make_work_guard(impl_->io);
  int n = std::max(1, opt_.threads);
  for (int i = 1; i < n; ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
}

void Server::Stop() {
  if (impl_->stopping.exchange(true)) return;
  asio::post(impl_->io, [this] {
    boost::system::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
    impl_->io.stop();
  });
}

}  // namespace firebreak::api
