// Fuzzes the runbook YAML loader and what follows it: any bytes as a runbooks file must yield
// diagnostics or runbooks, never a crash; every loaded runbook is then bound (with parameters
// taken from the input), rendered, described and matched, which must not crash either.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "config/loader.h"
#include "runbook/runbook.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  auto r = firebreak::config::LoadConfigFiles(
      {{"services.yaml", "services:\n  - id: web\n  - id: db\n"}, {"runbooks.yaml", in}});
  for (const auto& d : r.diagnostics.all()) (void)d.ToString();
  if (!r.diagnostics.HasErrors() && !r.config) __builtin_trap();
  if (!r.config) return 0;
  // Parameters: every parameter gets a slice of the input (or "web" for services).
  for (const auto& rb : r.config->runbooks) {
    firebreak::runbook::Params given;
    size_t pos = 0;
    for (const auto& p : rb.params) {
      given[p.name] = p.type == "service" ? "web" : in.substr(pos % (in.size() + 1), 16);
      pos += 7;
    }
    auto bound = firebreak::runbook::BindParams(rb, *r.config, given, {{"alertname", in.substr(0, 32)}});
    if (!bound) continue;
    auto plan = firebreak::runbook::RenderPlan(rb, *bound);
    if (!plan) continue;
    for (const auto& s : *plan) (void)firebreak::runbook::Describe(s.as_object());
    (void)firebreak::runbook::RollbackPlan(*plan);
    (void)firebreak::runbook::ApprovalReason(rb, size % 2 == 0);
  }
  firebreak::runbook::MatchInput mi;
  mi.services = {"web"};
  mi.labels = {{"alertname", in.substr(0, 64)}};
  mi.logs = {in.substr(0, 256)};
  (void)firebreak::runbook::Match(*r.config, mi);
  return 0;
}
