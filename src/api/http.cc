#include "api/http.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/write.hpp>

#include "core/json.h"
#include "core/json_strict.h"
#include "core/strings.h"

namespace firebreak::api {

Result<json::value> Exchange::JsonBody() const {
  const auto& body = req_.body();
  if (core::Trim(body).empty()) return json::value(nullptr);
  auto r = core::ParseJsonStrict(body);
  if (!r) return InvalidArgument(r.error().message, r.error().field.empty() ? "body" : r.error().field);
  return r;
}

Status Exchange::NoBody() const {
  FB_ASSIGN_OR_RETURN(auto v, JsonBody());
  if (v.is_null()) return Ok();
  FB_TRY(core::ObjectReader(v, "").status());  // "body must be a JSON object, got an array"
  if (!v.get_object().empty()) {
    std::string key(v.get_object().begin()->key());
    return InvalidArgument("unknown field '" + core::Truncate(key, 64) + "': this request takes no body", key);
  }
  return Ok();
}

std::string Exchange::Header(std::string_view name) const {
  auto it = req_.find(name);
  return it == req_.end() ? std::string() : std::string(it->value());
}

Response Exchange::Json(int status, const json::value& body) const { return JsonText(status, core::ToJson(body)); }

Response Exchange::JsonText(int status, std::string body) const {
  Response res{static_cast<http::status>(status), req_.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.body() += "\n";
  return res;
}

Response Exchange::Text(int status, std::string body, std::string_view content_type) const {
  Response res{static_cast<http::status>(status), req_.version()};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

Response Exchange::Fail(const Error& e) const {
  json::object err{{"code", ErrorCodeName(e.code)}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  Response res{static_cast<http::status>(HttpStatusFor(e.code)), req_.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  if (e.code == ErrorCode::kUnauthenticated) res.set(http::field::www_authenticate, "Bearer");
  if (e.code == ErrorCode::kTooLarge) res.keep_alive(false);
  json::object body{{"error", err}};
  res.body() = core::ToJson(body) + "\n";
  return res;
}

asio::awaitable<void> Exchange::Write(Response& res) {
  replied_ = true;
  status_ = res.result_int();
  bool close = !keep_alive || !req_.keep_alive() || (res.has_content_length() && !res.keep_alive());
  if (res.count(http::field::connection) && !res.keep_alive()) close = true;
  res.version(req_.version() ? req_.version() : 11);
  res.keep_alive(!close);
  res.set(http::field::server, "firebreak");
  for (const auto& [k, v] : extra_headers) res.set(k, v);
  res.prepare_payload();
  // A HEAD answer is the GET answer without its body: the same status and fields, Content-Length
  // included (RFC 9110 section 9.3.2).
  const bool head_only = req_.method() == http::verb::head;
  if (res.chunked()) {
    http::response_serializer<http::string_body> sr{res};
    boost::system::error_code ec;
    if (head_only) {
      auto [wec, n] = co_await http::async_write_header(stream_, sr, asio::as_tuple(asio::use_awaitable));
      ec = wec;
    } else {
      auto [wec, n] = co_await http::async_write(stream_, sr, asio::as_tuple(asio::use_awaitable));
      ec = wec;
    }
    if (ec || close) keep_alive = false;
    co_return;
  }
  // The status line and fields as Beast's serializer writes them, then the body, in one gathered
  // write: Beast's serializer walks nested buffer-sequence views that cost more instructions than
  // the rest of a small answer (an ingest acknowledgement) put together.
  std::string head;
  head.reserve(256);
  head += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(res.result_int());
  head += ' ';
  head += res.reason();
  head += "\r\n";
  for (const auto& f : res) {
    head += f.name_string();
    head += ": ";
    head += f.value();
    head += "\r\n";
  }
  head += "\r\n";
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(res.body())};
  if (head_only) bufs[1] = asio::const_buffer();
  auto [ec, n] = co_await asio::async_write(stream_, bufs, asio::as_tuple(asio::use_awaitable));
  if (ec || close) keep_alive = false;
}

asio::awaitable<bool> Exchange::StartStream(int status, const std::string& content_type,
                                            const std::vector<std::pair<std::string, std::string>>& headers) {
  replied_ = true;
  streaming_ = true;
  status_ = status;
  keep_alive = false;
  const bool head_only = req_.method() == http::verb::head;
  http::response<http::empty_body> res{static_cast<http::status>(status), req_.version()};
  res.set(http::field::server, "firebreak");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  for (const auto& [k, v] : extra_headers) res.set(k, v);
  for (const auto& [k, v] : headers) res.set(k, v);
  res.chunked(true);
  // A HEAD request gets the header and no stream; the connection closes after it, as after a stream.
  if (head_only) res.keep_alive(false);
  stream_.expires_never();
  http::response_serializer<http::empty_body> sr{res};
  auto [ec, n] = co_await http::async_write_header(stream_, sr, asio::as_tuple(asio::use_awaitable));
  co_return !ec && !head_only;
}

asio::awaitable<bool> Exchange::WriteChunk(const std::string& data) {
  if (data.empty()) co_return true;
  auto chunk = http::make_chunk(asio::buffer(data.data(), data.size()));
  auto [ec, n] = co_await asio::async_write(stream_, chunk, asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

asio::awaitable<void> Exchange::EndStream() {
  auto last = http::make_chunk_last();
  auto [ec, n] = co_await asio::async_write(stream_, last, asio::as_tuple(asio::use_awaitable));
  (void)ec;
}

void Router::Add(http::verb method, std::string pattern, Auth auth, Handler handler) {
  if (method == http::verb::head) throw std::logic_error("HEAD is served by the GET route: " + pattern);
  Route r{method, pattern, auth, std::move(handler), core::Split(pattern, '/', true)};
  // Two handlers for one method and path (parameter names aside) are a wiring mistake: the second
  // would never run. Refuse at startup rather than serve one silently.
  auto shape = [](const std::vector<std::string>& segs) {
    std::string out;
    for (const auto& s : segs) out += "/" + (!s.empty() && s.front() == '{' ? std::string("{}") : s);
    return out;
  };
  for (const auto& other : routes_)
    if (other.method == method && shape(other.segments) == shape(r.segments))
      throw std::logic_error("route registered twice: " + std::string(http::to_string(method)) + " " + pattern);
  bool literal = true;
  for (const auto& s : r.segments) literal &= !(s.size() > 2 && s.front() == '{' && s.back() == '}');
  if (literal) exact_.emplace(std::string(http::to_string(method)) + " " + shape(r.segments), routes_.size());
  routes_.push_back(std::move(r));
}

const Route* Router::Match(http::verb method, const std::string& path, std::map<std::string, std::string>& params,
                           std::vector<std::string>& allowed) const {
  // HEAD is GET without the body (RFC 9110 section 9.3.2): the path's GET route serves it.
  const http::verb serving = method == http::verb::head ? http::verb::get : method;
  // A parameterless route for exactly this method and path: no other route can be more specific
  // (Add refuses a second one of the same shape).
  {
    std::string key;
    key.reserve(path.size() + 8);
    key.append(http::to_string(serving)).append(" ").append(path);
    if (auto it = exact_.find(key); it != exact_.end()) return &routes_[it->second];
  }
  // Each method once (two routes of one method can fit a path: a literal and a parameter), and
  // HEAD wherever GET.
  auto allow = [&allowed](http::verb m) {
    std::string name(http::to_string(m));
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) allowed.push_back(std::move(name));
  };
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
    if (r.method == serving) {
      // The most specific route (most literal segments) wins; the first registered among equals.
      if (literals > best_literals) {
        found = &r;
        best_literals = literals;
        params = std::move(p);
      }
    } else {
      allow(r.method);
      if (r.method == http::verb::get) allow(http::verb::head);
    }
  }
  return found;
}

}  // namespace firebreak::api
