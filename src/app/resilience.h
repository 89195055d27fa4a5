// Resilience analytics for the front ends: the service graph of the current configuration and the
// analyses of graph/ behind one JSON-in / JSON-out surface, shared by HTTP (api/routes_graph.cc),
// the CLI (local with --config, or through a server) and the MCP tools:
//
//   MCP tool                      method
//   calculate_blast_radius        CalculateBlastRadius
//   analyze_hub_centrality        AnalyzeHubCentrality
//   run_contingency_analysis      RunContingencyAnalysis
//   check_utilization_threshold   CheckUtilizationThreshold
//   get_defense_level             GetDefenseLevel
//   get_static_fallbacks          GetStaticFallbacks
//   simulate_load_shedding        SimulateLoadShedding   (read-only: a simulation)
//   (cascade, no tool yet)        SimulateCascade
//   execute_load_shedding         not here: executing a plan is a HIGH-risk runbook action that
//                                 needs approval; SimulateLoadShedding's "execution" block is
//                                 what a runbook run will carry.
//
// Every method checks the `read` scope, decodes its request (null = all defaults; unknown fields
// and bad values are InvalidArgument naming the field) and never writes anything.
//
// The graph is rebuilt when the config snapshot changes (a reload); fallback plans for the new
// graph are then recomputed on a background thread, and until they are ready a request computes
// what it needs itself, so answers always match the current config.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "graph/capacity.h"
#include "graph/fallbacks.h"
#include "graph/graph.h"
#include "model/actor.h"
#include "model/incident.h"

namespace firebreak::app {

// A rendered picture of the graph.
struct RenderedGraph {
  std::string content_type;  // text/vnd.graphviz or image/svg+xml
  std::string body;
};

class Resilience {
 public:
  using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;
  using OpenIncidents = std::function<Result<std::vector<model::Incident>>()>;

  // `open_incidents` may be empty (offline use): the defense level then leaves incidents out and
  // says so.
  Resilience(ConfigSource config, const core::Clock& clock, OpenIncidents open_incidents = nullptr);
  ~Resilience();
  Resilience(const Resilience&) = delete;
  Resilience& operator=(const Resilience&) = delete;

  // Starts the background worker that precomputes fallback plans (now, and after each config
  // change). Without it plans are computed on first request.
  void StartPrecompute();

  // {"services", "dependencies", "groups", "zones", "fingerprint"}
  Result<boost::json::object> Graph(const model::Principal& who) const;
  // {"services": [ids], "zones": [...], "groups": [...]} -> failed/degraded with paths, customer
  // impact, failovers, capacity left.
  Result<boost::json::object> CalculateBlastRadius(const model::Principal& who, const boost::json::value& req) const;
  // {"limit": 20, "weighted": true} -> services ranked as single points of failure.
  Result<boost::json::object> AnalyzeHubCentrality(const model::Principal& who, const boost::json::value& req) const;
  // {"depth": 1|2, "kinds": ["services","zones","groups"], "limit": 50} -> fatal singles and pairs.
  Result<boost::json::object> RunContingencyAnalysis(const model::Principal& who, const boost::json::value& req) const;
  // {"services", "zones", "groups", "capacity_loss": {id: share}, "load_factor"} -> rounds and
  // final state.
  Result<boost::json::object> SimulateCascade(const model::Principal& who, const boost::json::value& req) const;
  // The cascade request plus {"target", "protect_tier"} -> the plan (simulation only).
  Result<boost::json::object> SimulateLoadShedding(const model::Principal& who, const boost::json::value& req) const;
  // {"services": [ids], "load_rps": {id: rps}, "samples": {id: [{"time", "utilization"|"load_rps"}]}}
  // -> utilization, level, M/M/c wait and its curve, trend and time to each threshold.
  Result<boost::json::object> CheckUtilizationThreshold(const model::Principal& who,
                                                        const boost::json::value& req) const;
  // {} -> the system defense level: worst of open incidents, utilization and on-call coverage.
  Result<boost::json::object> GetDefenseLevel(const model::Principal& who) const;
  // The level of one component ("incidents", "utilization", "coverage") of a GetDefenseLevel
  // answer; nullopt when it was not evaluated.
  static std::optional<model::DefenseLevel> ComponentLevel(const boost::json::object& defense, std::string_view name);
  // {"name": "zone:eu-west-1a"} -> one plan; {"kind": "zone"} or {} -> the list (name, title,
  // severity, level; "full": true for whole plans).
  Result<boost::json::object> GetStaticFallbacks(const model::Principal& who, const boost::json::value& req);
  // {"format": "dot"|"svg", "services", "zones", "groups", "impact_only", "title"}
  Result<RenderedGraph> Render(const model::Principal& who, const boost::json::value& req) const;

 private:
  struct Snapshot {
    std::shared_ptr<const config::Config> config;
    graph::Graph graph;
    graph::Thresholds thresholds;
  };
  struct Plans {
    std::shared_ptr<const Snapshot> for_snapshot;
    graph::FallbackSet set;
    core::TimePoint computed_at{};
  };
  std::shared_ptr<const Snapshot> Current() const;
  std::shared_ptr<const Plans> PlansFor(const std::shared_ptr<const Snapshot>& snap);
  void Worker();

  ConfigSource config_;
  const core::Clock& clock_;
  OpenIncidents open_incidents_;

  mutable std::mutex mu_;
  mutable std::shared_ptr<const Snapshot> snapshot_;
  std::shared_ptr<const Plans> plans_;
  mutable std::condition_variable cv_;
  bool stop_ = false;
  mutable bool dirty_ = false;  // a new snapshot wants plans
  std::thread worker_;
};

}  // namespace firebreak::app
