// Fuzzes the console's parsers of untrusted input: the status-update body (JSON) and the SSE
// Last-Event-ID. Accepted updates are rendered on the public page, which must never carry markup
// from the text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/stream_hub.h"
#include "app/console.h"
#include "core/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace firebreak;
  std::string in(reinterpret_cast<const char*>(data), size);
  if (auto seq = api::ParseEventId(in, "0123abcd", 1000); seq && *seq > 1000) __builtin_trap();
  auto v = core::ParseJson(in);
  if (!v) return 0;
  auto req = app::DecodeStatusUpdate(*v);
  if (!req) {
    if (req.error().message.empty()) __builtin_trap();
    return 0;
  }
  config::Config cfg;
  model::Service svc;
  svc.id = "web";
  svc.customer_facing = true;
  cfg.services.push_back(svc);
  auto render = [&](const std::string& text) {
    app::PublicIncidentInput pi;
    pi.incident.id = "INC-1";
    pi.incident.services = {"web"};
    model::TimelineEntry e;
    e.kind = "status_update";
    e.text = text;
    e.data = {{"visibility", "external"}, {"status", req->status}, {"title", req->title}};
    pi.updates.push_back(e);
    return app::RenderStatusHtml(app::BuildPublicStatus(cfg, {pi}, core::TimePoint{}));
  };
  auto count = [](const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
  };
  // Markup in the text must not reach the page: the raw text may occur no more often than in the
  // same page with a plain "-" in its place (the page's own markup can contain it, e.g. "a></footer").
  if (req->text.find('<') != std::string::npos &&
      count(render(req->text), req->text) > count(render("-"), req->text))
    __builtin_trap();
  return 0;
}
