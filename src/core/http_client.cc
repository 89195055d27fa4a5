#include "core/http_client.h"

#include <curl/curl.h>

#include <mutex>

#include "core/strings.h"

namespace firebreak::core {
namespace {
std::once_flag g_init;

size_t WriteBody(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<std::string*>(ud);
  s->append(p, size * n);
  return size * n;
}
size_t WriteHeader(char* p, size_t size, size_t n, void* ud) {
  auto* h = static_cast<std::map<std::string, std::string>*>(ud);
  std::string_view line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    (*h)[ToLower(Trim(line.substr(0, colon)))] = std::string(Trim(line.substr(colon + 1)));
  }
  return size * n;
}
}  // namespace

Result<HttpResponse> HttpDo(const HttpRequest& req) {
  std::call_once(g_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* c = curl_easy_init();
  if (!c) return Internal("curl_easy_init failed");
  HttpResponse resp;
  curl_slist* hdrs = nullptr;
  for (const auto& [k, v] : req.headers) hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
  hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (req.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp.headers);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return MakeError(ErrorCode::kDeadlineExceeded, req.method + " " + req.url + ": timed out");
  if (rc != CURLE_OK)
    return Unavailable(req.method + " " + req.url + ": " + curl_easy_strerror(rc));
  return resp;
}

}  // namespace firebreak::core
