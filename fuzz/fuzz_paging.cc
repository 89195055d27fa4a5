// Fuzzes the paging parsers of untrusted input: signed-link tokens (from any URL a stranger sends),
// the on-call / roster / escalate / flag / clock / schedule-override request decoders (HTTP and MCP)
// and the override checks against a small configuration, and the stored escalation state decoder. Errors must carry a message; nothing may crash or accept a forged link.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/overrides.h"
#include "app/paging_requests.h"
#include "core/json.h"
#include "core/time.h"
#include "escalate/escalation.h"
#include "notify/links.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto check = [](const auto& r) {
    if (!r && r.error().message.empty()) __builtin_trap();
  };
  const auto now = core::FromUnixMillis(1'767'600'000'000);
  // A token nobody signed must never verify (a random input matching a MAC is not a concern).
  auto claims = notify::VerifyLink("fuzz-secret", in, now);
  check(claims);
  if (claims) __builtin_trap();
  // A signed token round-trips whatever the claims hold, or is refused with a message.
  notify::LinkClaims c{std::string(in.substr(0, 40)), "acknowledge", std::string(in.substr(std::min<size_t>(40, size))),
                       now + std::chrono::hours(1), "n"};
  check(notify::VerifyLink("k", notify::SignLink("k", c), now));
  check(notify::Base64UrlDecode(in));
  auto v = core::ParseJson(in);
  if (!v) return 0;
  check(app::DecodeEscalate(*v));
  check(app::DecodeFlag(*v));
  check(app::DecodeClock(*v));
  check(app::DecodeOncallArgs(*v));
  check(app::DecodeRosterArgs(*v));
  check(escalate::StateFromJson(*v));
  check(app::DecodeOverrideArgs(*v));
  if (auto o = app::DecodeOverride(*v)) {
    static const config::Config cfg = [] {
      config::Config c;
      for (const char* id : {"a", "b"}) {
        model::Person p;
        p.id = id;
        c.people.push_back(p);
      }
      model::Schedule s;
      s.id = "primary";
      s.overrides.push_back(model::Override{"a", core::FromUnixMillis(1'767'600'000'000),
                                            core::FromUnixMillis(1'767'700'000'000), ""});
      c.schedules.push_back(s);
      c.Index();
      return c;
    }();
    auto made = app::CheckOverride(cfg, *o, now);
    check(made);
    if (made && !(made->start >= now && made->end > made->start)) __builtin_trap();
  } else if (o.error().message.empty()) {
    __builtin_trap();
  }
  if (v->is_object()) {
    std::map<std::string, std::string> q;
    for (const auto& kv : v->get_object())
      q[std::string(kv.key())] = kv.value().is_string() ? std::string(kv.value().get_string()) : "";
    check(app::DecodeOncallQuery(q));
    check(app::DecodeShiftsQuery(q));
    check(app::DecodeRosterQuery(q));
    check(app::DecodeOverrideQuery(q));
  }
  return 0;
}
