// Fuzzes the service-graph analyses with arbitrary configurations: any YAML the loader accepts must
// build a graph on which every analysis (blast radius, centrality, N-1/N-2, cascade, shedding,
// fallback plans, DOT/SVG) terminates without crashing. Input: like fuzz_config, files separated by
// a line "---8<--- name".
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "config/loader.h"
#include "fuzz_files.h"
#include "graph/cascade.h"
#include "graph/centrality.h"
#include "graph/contingency.h"
#include "graph/fallbacks.h"
#include "graph/impact.h"
#include "graph/render.h"
#include "graph/shedding.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto files = SplitFuzzFiles(data, size);
  auto r = config::LoadConfigFiles(files);
  if (!r.config || r.config->services.size() > 64) return 0;
  auto g = graph::Graph::FromConfig(*r.config);
  graph::Thresholds t = graph::Thresholds::From(r.config->settings);
  graph::FailureSet all_zones;
  for (int z = 0; z < static_cast<int>(g.zones().size()); ++z) all_zones.zones.push_back(z);
  for (int v = 0; v < g.size() && v < 8; ++v) {
    auto br = graph::ComputeBlastRadius(g, graph::FailureSet{{v}, {}, {}});
    (void)graph::ToSvg(g, graph::Highlight(br, "x"));
    // A failed service is never also degraded; the lost one is failed.
    if (br.health[v] != graph::Health::kFailed) __builtin_trap();
  }
  (void)graph::ComputeBlastRadius(g, all_zones);
  (void)graph::Betweenness(g, {true, {}});
  (void)graph::RankSinglePointsOfFailure(g);
  graph::ContingencyOptions co;
  co.cascade = true;
  co.thresholds = t;
  (void)graph::RunContingency(g, co);
  graph::CascadeScenario sc;
  sc.lost = all_zones;
  sc.load_factor = 1.7;
  (void)graph::SimulateCascade(g, sc, t);
  (void)graph::PlanShedding(g, sc, graph::ShedOptions{0.5, -1});
  (void)graph::FallbackSet::Compute(g, r.config->scenarios, graph::FallbackOptions{t});
  (void)graph::ToDot(g);
  return 0;
}
