// JSON views of the graph analyses (HTTP, MCP and the CLI print the same shapes). Services are
// named by id; numbers that are not finite (an unstable queue's wait) are null.
#pragma once

#include <boost/json.hpp>

#include "graph/capacity.h"
#include "graph/cascade.h"
#include "graph/centrality.h"
#include "graph/contingency.h"
#include "graph/graph.h"
#include "graph/impact.h"
#include "graph/shedding.h"

namespace firebreak::graph {

// {"services": [...], "dependencies": [...], "groups": [...], "zones": [...], "fingerprint"}
boost::json::object GraphToJson(const Graph& g);
boost::json::object ToJson(const Graph& g, const FailureSet& lost);
boost::json::object ToJson(const Graph& g, const BlastRadius& br);
boost::json::object ToJson(const Graph& g, const ContingencyReport& r);
boost::json::object ToJson(const Graph& g, const SpofEntry& e);
boost::json::object ToJson(const QueueMetrics& q);
boost::json::object ToJson(const Graph& g, const ServiceUtilization& u);
boost::json::object ToJson(const Trend& t, const Thresholds& th);
boost::json::object ToJson(const Graph& g, const CascadeResult& r, const Thresholds& th);
// The plan plus an "execution" block a runbook approval can carry (risk HIGH, actions, impact
// statement, rollback plan).
boost::json::object ToJson(const Graph& g, const ShedPlan& p);

// Rounds for display-friendly JSON; non-finite values become null.
boost::json::value Number(double v, int decimals = 4);

}  // namespace firebreak::graph
