// Drawing the service graph: Graphviz DOT text and a self-contained SVG, with a blast radius
// highlighted (lost services dark red, failed red, degraded amber, customer-facing services with a
// double border, soft dependencies dashed, redundancy groups as DOT clusters).
//
// The SVG is laid out here (layered, Sugiyama-style: cycles broken by DFS, layers by longest path
// from the callers at the top, crossings reduced by barycenter sweeps), so the binary does not
// need Graphviz at run time and the output is deterministic.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/impact.h"

namespace firebreak::graph {

struct RenderOptions {
  std::string title;
  // Health per service (empty: all ok) and the services lost directly.
  std::vector<Health> health;
  std::vector<int> lost;
  // Draw only services that are lost, failed or degraded, plus their direct neighbours.
  bool impact_only = false;
};

// A RenderOptions highlighting a blast radius.
RenderOptions Highlight(const BlastRadius& br, std::string title);

std::string ToDot(const Graph& g, const RenderOptions& opt = {});
std::string ToSvg(const Graph& g, const RenderOptions& opt = {});

}  // namespace firebreak::graph
