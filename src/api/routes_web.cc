// The web console and the public status page: embedded static assets at `/` (strict CSP, no
// inline scripts), the server-sent-events stream `GET /api/v1/stream` fed by the engine's change
// feed, incident counts for the console, external status updates, and `/status` + `/status.json`.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/assets.h"
#include "api/server.h"
#include "api/stream_hub.h"
#include "app/console.h"
#include "core/crypto.h"
#include "core/strings.h"

namespace firebreak::api {

namespace {

// Scripts and styles from this origin only: no inline script or style, no eval, no framing.
constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void Harden(Exchange& ex) {
  ex.extra_headers.emplace_back("Content-Security-Policy", std::string(kCsp));
  ex.extra_headers.emplace_back("X-Frame-Options", "DENY");
}

struct StaticFile {
  std::string content_type;
  std::string_view body;
  std::string etag;
};

Response ServeStatic(Exchange& ex, const StaticFile& f) {
  Harden(ex);
  if (ex.Header("If-None-Match") == f.etag) {
    Response res{http::status::not_modified, ex.req().version()};
    res.set(http::field::etag, f.etag);
    res.set(http::field::cache_control, "no-cache");
    return res;
  }
  Response res = ex.Text(200, std::string(f.body), f.content_type);
  res.set(http::field::etag, f.etag);
  res.set(http::field::cache_control, "no-cache");
  return res;
}

using Channel = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

std::string FormatEvent(const std::string& id, std::string_view event, const std::string& data) {
  std::string s = "id: " + id + "\nevent: ";
  s += event;
  s += "\ndata: " + data + "\n\n";
  return s;
}

asio::awaitable<void> Heartbeat(std::weak_ptr<StreamHub> weak, std::chrono::seconds every) {
  auto exec = co_await asio::this_coro::executor;
  asio::steady_timer timer(exec);
  while (true) {
    timer.expires_after(every);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    auto hub = weak.lock();
    if (!hub) co_return;
    hub->WakeAll();
  }
}

// Streams changes to one client until it goes away.
asio::awaitable<Response> Stream(StreamHub& hub_ref, Exchange& ex) {
  StreamHub* hub = &hub_ref;
  std::string last = ex.Header("Last-Event-ID");
  if (auto it = ex.query.find("last_event_id"); last.empty() && it != ex.query.end()) last = it->second;
  std::optional<uint64_t> cursor;
  if (!last.empty()) cursor = hub->ParseId(last);
  // A resuming client whose id we cannot continue from (restart, or too far behind) must refetch.
  bool reset = !last.empty() && !cursor;
  uint64_t pos = cursor ? *cursor : hub->last_seq();

  auto exec = co_await asio::this_coro::executor;
  auto ch = std::make_shared<Channel>(exec, 1);
  int watch = hub->Watch([ch] { ch->try_send(boost::system::error_code{}); });
  struct Unwatch {
    StreamHub* hub;
    int id;
    ~Unwatch() { hub->Unwatch(id); }
  } unwatch{hub, watch};

  std::vector<std::pair<std::string, std::string>> headers{{"X-Accel-Buffering", "no"}};
  std::string ctype = "text/event-stream; charset=utf-8";
  bool ok = co_await ex.StartStream(200, ctype, headers);
  std::string hello = "retry: 1000\n\n";
  std::string info = "{\"epoch\":\"" + hub->epoch() + "\"}";
  hello += FormatEvent(hub->Id(pos), reset ? "reset" : "hello", info);
  if (ok) ok = co_await ex.WriteChunk(hello);
  bool woke = false;
  while (ok) {
    auto events = hub->Since(pos);
    std::string out;
    if (!events) {
      pos = hub->last_seq();
      out = FormatEvent(hub->Id(pos), "reset", info);
    } else if (!events->empty()) {
      for (const auto& e : *events) out += FormatEvent(hub->Id(e.seq), e.topic, e.data);
      pos = events->back().seq;
    } else if (woke) {
      out = ": keepalive\n\n";
    }
    if (!out.empty()) {
      ok = co_await ex.WriteChunk(out);
      if (!ok) break;
    }
    auto [ec] = co_await ch->async_receive(asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    woke = true;
  }
  co_return ex.Streamed();
}

}  // namespace

void RegisterWebRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  // ---- static console ----
  auto files = std::make_shared<std::map<std::string, StaticFile>>();
  for (const auto& a : EmbeddedAssets())
    (*files)[std::string(a.path)] =
        StaticFile{std::string(a.content_type), a.body, "\"" + core::Sha256Hex(a.body).substr(0, 16) + "\""};
  r.Add(http::verb::get, "/", Auth::kNone, [files](Exchange& ex) -> asio::awaitable<Response> {
    auto it = files->find("index.html");
    if (it == files->end()) co_return ex.Fail(Error{ErrorCode::kNotFound, "the web console is not built in", ""});
    co_return ServeStatic(ex, it->second);
  });
  // Assets live at most two folders deep (/assets/app.js, /assets/pages/incident.js).
  for (const char* pattern : {"/assets/{a}", "/assets/{a}/{b}"}) {
    r.Add(http::verb::get, pattern, Auth::kNone, [files](Exchange& ex) -> asio::awaitable<Response> {
      std::string name = ex.params.at("a");
      if (ex.params.count("b")) name += "/" + ex.params.at("b");
      auto it = files->find(name);
      if (it == files->end() || name == "index.html")
        co_return ex.Fail(Error{ErrorCode::kNotFound, "no such asset: " + core::Truncate(name, 100), ""});
      co_return ServeStatic(ex, it->second);
    });
  }

  // ---- public status ----
  r.Add(http::verb::get, "/status.json", Auth::kNone, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto st = app::PublicStatus(app);
    if (!st) co_return ex.Fail(st.error());
    ex.extra_headers.emplace_back("Access-Control-Allow-Origin", "*");
    co_return ex.Json(200, *st);
  });
  r.Add(http::verb::get, "/status", Auth::kNone, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto st = app::PublicStatus(app);
    if (!st) co_return ex.Fail(st.error());
    Harden(ex);
    Response res = ex.Text(200, app::RenderStatusHtml(*st), "text/html; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    co_return res;
  });

  // ---- console API ----
  r.Add(http::verb::get, "/api/v1/incidents/counts", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto c = app::IncidentCounts(app, *ex.principal);
    if (!c) co_return ex.Fail(c.error());
    co_return ex.Json(200, *c);
  });
  // POST /api/v1/incidents/{id}/status-updates with {"text", ...} (a person's own external update)
  // is served by the report routes' handler, which also posts generated updates ({"audience"}).

  // ---- live stream ----
  auto hub = std::make_shared<StreamHub>(app.engine());
  asio::co_spawn(s.io(), Heartbeat(hub, std::chrono::seconds(15)), asio::detached);
  r.Add(http::verb::get, "/api/v1/stream", Auth::kRead, [hub](Exchange& ex) -> asio::awaitable<Response> {
    StreamHub& h = *hub;
    co_return co_await Stream(h, ex);
  });
}

}  // namespace firebreak::api
