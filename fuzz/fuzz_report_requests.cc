// Fuzzes the report decoders (HTTP, CLI and MCP share them): action items, postmortem fields, MTTx
// and action-item queries, audiences, and the template loader's renderer over decoded documents.
// Errors must carry a message; nothing may crash; a decoded postmortem must survive a round trip.
// Also the similar-incidents traits of any title: words of 3+ lowercase letters or digits, and an
// incident is entirely like itself.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/report.h"
#include "core/json.h"
#include "report/render.h"
#include "report/similar.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)report::ParseAudience(in);
  {
    model::Incident inc;
    inc.title = std::string(in);
    inc.services = {"svc"};
    const auto t = report::TraitsOf(inc, {});
    for (const auto& w : t.words)
      for (char c : w)
        if (w.size() < 3 || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) __builtin_trap();
    if (report::Compare(t, t).score < 0.999999) __builtin_trap();
  }
  auto v = core::ParseJson(in);
  if (!v) return 0;
  auto check = [](const auto& r) {
    if (!r && r.error().message.empty()) __builtin_trap();
  };
  check(app::DecodeActionItem(*v, true));
  check(app::DecodeActionItem(*v, false));
  check(app::DecodeMttxQuery(*v));
  auto pm = report::PostmortemFromJson(*v);
  check(pm);
  if (pm) {
    auto back = report::PostmortemFromJson(report::ToJson(*pm));
    if (!back || back->root_cause != pm->root_cause || back->five_whys != pm->five_whys) __builtin_trap();
  }
  if (v->is_object()) {
    std::map<std::string, std::string> q;
    for (const auto& kv : v->get_object())
      q[std::string(kv.key())] = kv.value().is_string() ? std::string(kv.value().get_string()) : "";
    check(app::DecodeMttxQuery(q));
    check(app::DecodeActionItemQuery(q));
  }
  // Any document renders through every built-in template without crashing.
  static const auto templates = report::Templates::Load("").value();
  for (const auto& [name, _] : report::Templates::BuiltIns()) check(templates.Render(name, *v));
  return 0;
}
