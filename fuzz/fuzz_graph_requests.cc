// Fuzzes the resilience request decoders (the JSON bodies of /api/v1/graph/* and of the MCP tools)
// against the example-shaped config below: any bytes must give an answer or an error naming the
// field, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/resilience.h"
#include "config/loader.h"
#include "core/clock.h"
#include "core/json.h"

using namespace firebreak;

namespace {
const char* kConfig = R"(services:
  - { id: web, tier: 1, customer_facing: true, dependencies: [api, { service: search, kind: soft }],
      capacity: { rps_per_replica: 100, replicas: 4, zones: [a, b], load_rps: 300 } }
  - { id: api, tier: 1, dependencies: [db], capacity: { rps_per_replica: 100, replicas: 2, zones: [a, b], load_rps: 150 } }
  - { id: search, tier: 3, dependencies: [db], capacity: { rps_per_replica: 50, replicas: 1, zones: [a], load_rps: 40 } }
  - { id: db, tier: 0, capacity: { rps_per_replica: 500, replicas: 1, zones: [a], load_rps: 190 } }
  - { id: db2, tier: 0, capacity: { rps_per_replica: 500, replicas: 1, zones: [b], load_rps: 0 } }
redundancy_groups:
  - { id: dbs, kind: failover, members: [db, db2] }
scenarios:
  - { id: peak, load_factor: 2 }
)";

app::Resilience& Res() {
  static core::ManualClock clock(core::TimePoint{});
  static auto cfg = config::LoadConfigFiles({{"c.yaml", kConfig}}).config;
  static app::Resilience res([] { return cfg; }, clock);
  return res;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto v = core::ParseJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!v) return 0;
  auto& r = Res();
  const auto who = model::Principal::System("fuzz");
  (void)r.CalculateBlastRadius(who, *v);
  (void)r.AnalyzeHubCentrality(who, *v);
  (void)r.RunContingencyAnalysis(who, *v);
  (void)r.SimulateCascade(who, *v);
  (void)r.SimulateLoadShedding(who, *v);
  (void)r.CheckUtilizationThreshold(who, *v);
  (void)r.GetStaticFallbacks(who, *v);
  (void)r.Render(who, *v);
  return 0;
}
