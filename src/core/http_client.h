// A small blocking HTTP client over libcurl, for CLI client commands, webhooks and peers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace firebreak::core {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  long timeout_ms = 10000;
  long connect_timeout_ms = 3000;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Performs the request. Transport failures (refused, timeout, DNS) are Unavailable/DeadlineExceeded
// with curl's reason; any HTTP status is a successful Result.
Result<HttpResponse> HttpDo(const HttpRequest& req);

}  // namespace firebreak::core
