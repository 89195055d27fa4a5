// The HTTP layer's vocabulary: an Exchange (one request and its response, plain or streamed), route
// handlers as coroutines, and the Router. Handlers decode, call app/, and encode; nothing more.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>

#include "core/result.h"
#include "model/actor.h"

namespace firebreak::core {
class Counter;
class Histogram;
}  // namespace firebreak::core

namespace firebreak::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

using Request = http::request<http::string_body>;

// What a route needs from the caller before its handler runs.
enum class Auth {
  kNone,    // public (health, metrics, status page)
  kRead,    // a token with read
  kWrite,   // a token with write
  kApprove, // a token with approve
  kAdmin,   // a token with admin
  kCustom,  // the handler authenticates (ingest by integration key, MCP)
};

using Response = http::response<http::string_body>;

// One request and its response. Handlers build a Response with the plain (non-coroutine) helpers
// below and co_return it; streaming handlers write through the stream methods and co_return
// Streamed().
//
// GCC 12 destroys temporaries that appear inside a co_await expression twice. Hence the rule in
// this layer: a co_await operand names only lvalues (or trivially destructible values); build
// responses, errors and strings into named variables first.
class Exchange {
 public:
  Exchange(Request& req, beast::tcp_stream& stream) : req_(req), stream_(stream) {}

  const Request& req() const { return req_; }
  Request& req() { return req_; }
  beast::tcp_stream& stream() { return stream_; }
  // Percent-decoded path without the query string.
  std::string path;
  std::map<std::string, std::string> query;
  // Values captured by {name} segments of the route.
  std::map<std::string, std::string> params;
  // Set for routes with Auth other than kNone/kCustom.
  std::optional<model::Principal> principal;
  std::string route;   // the matched pattern (for metrics)
  std::string remote;  // peer address

  // The request body parsed as JSON; an empty body is null. Errors name the body.
  Result<json::value> JsonBody() const;
  // For a route that takes no body: none (what `curl -X POST` sends), JSON null or {} is fine;
  // anything else (not JSON, not an object, any field) is refused naming `body` or the field, so
  // a client that thinks it is sending options learns they are not read.
  Status NoBody() const;
  // Header value or "".
  std::string Header(std::string_view name) const;
  const std::string& Param(const std::string& name) const { return params.at(name); }

  // ---- building responses (plain functions) ----
  Response Json(int status, const json::value& body) const;
  // The same response from a body already serialized (`body` is JSON; a newline is added).
  Response JsonText(int status, std::string body) const;
  Response Text(int status, std::string body, std::string_view content_type = "text/plain; charset=utf-8") const;
  // {"error":{"code","message","field"}} with the status the error code maps to.
  Response Fail(const Error& e) const;
  // Json(ok_status, to_json(value)) or Fail(error).
  template <class T, class F>
  Response Respond(const Result<T>& r, F to_json, int ok_status = 200) const {
    if (!r) return Fail(r.error());
    return Json(ok_status, to_json(*r));
  }
  // What a streaming handler returns after it finished streaming.
  Response Streamed() const { return Response{}; }

  // ---- writing ----
  // Sends one complete response (Dispatch calls this with what the handler returned); to a HEAD
  // request, its status and fields (Content-Length included) without the body.
  asio::awaitable<void> Write(Response& res);
  // Streaming (chunked) responses, e.g. server-sent events. After StartStream, WriteChunk as often as
  // needed (false once the client is gone), then EndStream. The connection closes afterwards. To a
  // HEAD request StartStream sends the header alone and returns false, as if the client had gone.
  asio::awaitable<bool> StartStream(int status, const std::string& content_type,
                                    const std::vector<std::pair<std::string, std::string>>& headers);
  asio::awaitable<bool> WriteChunk(const std::string& data);
  asio::awaitable<void> EndStream();

  // Extra headers added to every response of this exchange (security headers).
  std::vector<std::pair<std::string, std::string>> extra_headers;
  bool replied() const { return replied_; }
  bool streaming() const { return streaming_; }
  int status() const { return status_; }
  bool keep_alive = true;

 private:
  Request& req_;
  beast::tcp_stream& stream_;
  bool replied_ = false;
  bool streaming_ = false;
  int status_ = 0;
};

using Handler = std::function<asio::awaitable<Response>(Exchange&)>;

// A route's series in the metrics registry, found there once instead of on every request (series
// are never removed from a registry, so the pointers stay valid).
struct RouteMetrics {
  std::mutex mu;
  std::vector<std::pair<int, core::Counter*>> requests;  // firebreak_http_requests_total by status
  core::Histogram* latency = nullptr;                     // firebreak_http_request_duration_seconds
};

struct Route {
  http::verb method;
  std::string pattern;  // "/api/v1/incidents/{id}/timeline"
  Auth auth;
  Handler handler;
  std::vector<std::string> segments;
  std::shared_ptr<RouteMetrics> metrics = std::make_shared<RouteMetrics>();
};

class Router {
 public:
  void Add(http::verb method, std::string pattern, Auth auth, Handler handler);
  // Finds the route for method+path and fills `params`; HEAD finds the GET route (routes are never
  // registered for HEAD). If the path exists with other methods only, returns null and sets
  // `allowed` to them, each once and HEAD wherever GET (for 405's Allow).
  const Route* Match(http::verb method, const std::string& path, std::map<std::string, std::string>& params,
                     std::vector<std::string>& allowed) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  // Routes without parameters by "METHOD /path" (indices into routes_): the hot endpoints (alert
  // ingestion) are found without scanning every route.
  std::unordered_map<std::string, size_t> exact_;
};

// Awaits an async app command: `start(callback)` begins it; the awaiting coroutine resumes on its
// own executor with the result. A plain function (not a coroutine): GCC 12 destroys temporaries
// passed as coroutine arguments twice, so callers also name the lambda before awaiting.
template <class T, class Start>
auto Await(Start start) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(Result<T>)>(
      [](auto handler, Start start) {
        auto ex = asio::get_associated_executor(handler);
        using H = decltype(handler);
        auto h = std::make_shared<H>(std::move(handler));
        start([h, ex](Result<T> r) mutable {
          asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
        });
      },
      asio::use_awaitable, std::move(start));
}

}  // namespace firebreak::api
