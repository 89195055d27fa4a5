#include "api/http.h"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/write.hpp>

#include "core/json.h"
#include "core/strings.h"

namespace firebreak::api {

Result<json::value> Exchange::JsonBody() const {
  const auto& body = req_.body();
  if (core::Trim(body).empty()) return json::value(nullptr);
  auto r = core::ParseJson(body);
  if (!r) return InvalidArgument(r.error().message, "body");
  return r;
}

std::string Exchange::Header(std::string_view name) const {
  auto it = req_.find(name);
  return it == req_.end() ? std::string() : std::string(it->value());
}

asio::awaitable<void> Exchange::Reply(http::response<http::string_body> res) {
  replied_ = true;
  status_ = res.result_int();
  res.version(req_.version());
  res.keep_alive(keep_alive && req_.keep_alive());
  res.set(http::field::server, "firebreak");
  for (const auto& [k, v] : extra_headers) res.set(k, v);
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream_, res, asio::as_tuple(asio::use_awaitable));
  if (ec) keep_alive = false;
  if (!res.keep_alive()) keep_alive = false;
}

asio::awaitable<void> Exchange::Json(int status, const json::value& body) {
  http::response<http::string_body> res{static_cast<http::status>(status), req_.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = core::ToJson(body);
  res.body() += "\n";
  co_await Reply(std::move(res));
}

asio::awaitable<void> Exchange::Text(int status, std::string body, std::string content_type) {
  http::response<http::string_body> res{static_cast<http::status>(status), req_.version()};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  co_await Reply(std::move(res));
}

asio::awaitable<void> Exchange::Fail(const Error& e) {
  json::object err{{"code", ErrorCodeName(e.code)}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  http::response<http::string_body> res{static_cast<http::status>(HttpStatusFor(e.code)), req_.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  if (e.code == ErrorCode::kUnauthenticated) res.set(http::field::www_authenticate, "Bearer");
  res.body() = core::ToJson(json::object{{"error", err}}) + "\n";
  if (e.code == ErrorCode::kTooLarge) keep_alive = false;
  co_await Reply(std::move(res));
}

asio::awaitable<bool> Exchange::StartStream(int status, std::string content_type,
                                            std::vector<std::pair<std::string, std::string>> headers) {
  replied_ = true;
  streaming_ = true;
  status_ = status;
  keep_alive = false;
  http::response<http::empty_body> res{static_cast<http::status>(status), req_.version()};
  res.set(http::field::server, "firebreak");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  for (const auto& [k, v] : extra_headers) res.set(k, v);
  for (const auto& [k, v] : headers) res.set(k, v);
  res.chunked(true);
  stream_.expires_never();
  http::response_serializer<http::empty_body> sr{res};
  auto [ec, n] = co_await http::async_write_header(stream_, sr, asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

asio::awaitable<bool> Exchange::WriteChunk(std::string_view data) {
  if (data.empty()) co_return true;
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(data.data(), data.size())),
                                            asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

asio::awaitable<void> Exchange::EndStream() {
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), asio::as_tuple(asio::use_awaitable));
  (void)ec;
}

void Router::Add(http::verb method, std::string pattern, Auth auth, Handler handler) {
  Route r{method, pattern, auth, std::move(handler), core::Split(pattern, '/', true)};
  routes_.push_back(std::move(r));
}

const Route* Router::Match(http::verb method, const std::string& path, std::map<std::string, std::string>& params,
                           std::vector<std::string>& allowed) const {
  auto segs = core::Split(path, '/', true);
  const Route* found = nullptr;
  int best_literals = -1;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> p;
    bool ok = true;
    int literals = 0;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& s = r.segments[i];
      if (s.size() > 2 && s.front() == '{' && s.back() == '}') {
        p[s.substr(1, s.size() - 2)] = segs[i];
      } else if (s != segs[i]) {
        ok = false;
      } else {
        ++literals;
      }
    }
    if (!ok) continue;
    if (r.method == method) {
      // The most specific route (most literal segments) wins; the first registered among equals.
      if (literals > best_literals) {
        found = &r;
        best_literals = literals;
        params = std::move(p);
      }
    } else {
      allowed.push_back(std::string(http::to_string(r.method)));
    }
  }
  return found;
}

}  // namespace firebreak::api
