// Fuzzes the paging parsers of untrusted input: signed-link tokens (from any URL a stranger sends),
// the on-call / roster / handoffs / people / escalate / flag / clock / schedule-override request decoders (HTTP
// and MCP), the people directory and a person's picture of a small configuration, the override checks
// against it, and the stored escalation state decoder. Errors must carry a message; nothing may crash or accept a forged link.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/overrides.h"
#include "app/paging_requests.h"
#include "core/json.h"
#include "core/time.h"
#include "escalate/escalation.h"
#include "notify/links.h"
#include "paging/handoff.h"
#include "paging/people.h"

using namespace firebreak;

namespace {
const config::Config& SmallConfig() {
  static const config::Config cfg = [] {
    config::Config c;
    for (const char* id : {"a", "b"}) {
      model::Person p;
      p.id = id;
      c.people.push_back(p);
    }
    model::Team t;
    t.id = "ops";
    t.members = {"a"};
    t.lead = "b";
    c.teams.push_back(t);
    model::Schedule s;
    s.id = "primary";
    s.overrides.push_back(model::Override{"a", core::FromUnixMillis(1'767'600'000'000),
                                          core::FromUnixMillis(1'767'700'000'000), ""});
    c.schedules.push_back(s);
    c.Index();
    return c;
  }();
  return cfg;
}
std::string Param(const std::map<std::string, std::string>& q, const char* k) {
  auto it = q.find(k);
  return it == q.end() ? "" : it->second;
}
}  // namespace

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
  check(app::DecodePeopleArgs(*v));
  check(escalate::StateFromJson(*v));
  check(app::DecodeOverrideArgs(*v));
  if (auto p = app::DecodePersonArgs(*v)) {
    // A decoded query answers with a person's picture or a named error, whatever the range.
    const auto from = p->from.value_or(now);
    const auto to = p->to.value_or(from + std::chrono::hours(24) * p->days);
    check(paging::PersonJson(SmallConfig(), p->person, now, from, to));
  } else if (p.error().message.empty()) {
    __builtin_trap();
  }
  if (auto p = app::DecodePeopleArgs(*v)) check(paging::PeopleJson(SmallConfig(), p->team, now));
  if (auto h = app::DecodeHandoffsArgs(*v)) {
    // A decoded range lists handoffs or says what is wrong with it.
    const auto from = h->from.value_or(now);
    const auto to = h->to.value_or(from + std::chrono::hours(24) * h->days);
    check(paging::HandoffsJson(SmallConfig(), h->schedule, from, to));
  } else if (h.error().message.empty()) {
    __builtin_trap();
  }
  if (auto o = app::DecodeOverride(*v)) {
    const auto& cfg = SmallConfig();
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
    check(app::DecodeHandoffsQuery(q));
    check(app::DecodeOverrideQuery(q));
    check(app::DecodePeopleQuery(q));
    check(app::DecodePersonQuery(Param(q, "person"), q));
  }
  return 0;
}
