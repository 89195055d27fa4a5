// Resilience tools: the service-graph analytics of app::Resilience (graph/), one tool per method.
// All read-only: they analyse the configured service graph and never change anything (a load-
// shedding plan is a simulation; executing one is a HIGH-risk runbook action for a person to
// approve, so an agent can only propose it with propose_action).
//
// Each row names the tool, describes it for the model, declares its arguments (the same field
// names the HTTP API's JSON bodies use; the app decoder re-checks ranges and names the field) and
// the top-level keys its result always has.
#include "mcp/tools_common.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

namespace {

using Method = std::function<Result<json::object>(app::Resilience&, const model::Principal&,
                                                  const json::value& req)>;

struct Row {
  const char* name;
  const char* title;
  const char* description;
  json::object input;
  std::vector<std::string> result_keys;
  Method method;
};

// The loss being analysed: services, zones or redundancy groups.
std::vector<std::pair<std::string, json::object>> Loss() {
  return {{"services", StrArray("Lost service ids", 200, 100)},
          {"zones", StrArray("Lost availability zones", 50, 100)},
          {"groups", StrArray("Lost redundancy groups", 50, 100)}};
}

std::vector<std::pair<std::string, json::object>> Cascade() {
  auto p = Loss();
  p.push_back({"capacity_loss", Map("Share of capacity lost per service id (0..1), e.g. "
                                    "{\"payments\": 0.5}",
                                    json::object{{"type", "number"}})});
  p.push_back({"load_factor", Num("Multiplier on normal load (default 1.0; 1.5 = 50% surge)")});
  return p;
}

json::object ResultSchema(const std::vector<std::string>& keys) {
  std::vector<std::pair<std::string, json::object>> props;
  for (const auto& k : keys) props.push_back({k, json::object{}});
  return Object(std::move(props), keys, /*open=*/true);
}

std::vector<Row> Rows() {
  return {
      {"calculate_blast_radius", "Blast radius (detailed)",
       "What fails and what degrades if these services, zones or redundancy groups are lost: "
       "each affected service with its tier, the cause and the dependency path, failovers that "
       "absorb the loss, capacity left and the customer impact. Use get_blast_radius for a quick "
       "list.",
       Object(Loss()),
       {"failed", "degraded", "customer_impact", "blast_radius", "lost"},
       [](app::Resilience& r, const model::Principal& p, const json::value& q) {
         return r.CalculateBlastRadius(p, q);
       }},
      {"analyze_hub_centrality", "Single points of failure",
       "Ranks services as single points of failure: how many customer-facing and other services "
       "fail with each, betweenness in the dependency graph, dependents, and whether it is "
       "redundant.",
       Object({{"limit", Int("How many services (default 20)", 1, 500)},
               {"weighted", Bool("Weight paths by dependency criticality (default true)")}}),
       {"services", "count"},
       [](app::Resilience& r, const model::Principal& p, const json::value& q) {
         return r.AnalyzeHubCentrality(p, q);
       }},
      {"run_contingency_analysis", "N-1 / N-2 contingency analysis",
       "Finds every single loss (N-1) and pair of losses (N-2) of services, zones or groups that "
       "takes a customer-facing service down, worst first.",
       Object({{"depth", Int("1 for single losses, 2 adds pairs (default 2)", 1, 2)},
               {"kinds", Array("What may fail (default all)",
                               Enum("", {"services", "zones", "groups"}))},
               {"limit", Int("Most findings per list (default 50)", 1, 500)},
               {"capacity", Bool("Also propagate capacity loss (cascades)")}}),
       {"n1", "depth"},
       [](app::Resilience& r, const model::Principal& p, const json::value& q) {
         return r.RunContingencyAnalysis(p, q);
       }},
      {"simulate_cascade", "Simulate a cascade",
       "Simulates a loss under load, round by round: lost capacity moves load onto the "
       "remaining instances and dependents until it settles; returns each round and the final "
       "state. Read-only.",
       Object(Cascade()),
       {"lost", "load_factor"},
       [](app::Resilience& r, const model::Principal& p, const json::value& q) {
         return r.SimulateCascade(p, q);
       }},
      {"simulate_load_shedding", "Plan load shedding (simulation)",
       "Plans which traffic to shed, lowest-tier first, to bring utilization under a target "
       "after a loss. A simulation only: executing the plan is a HIGH-risk action for people to "
       "approve (propose it with propose_action).",
       [] {
         auto p = Cascade();
         p.push_back({"target", Num("Utilization to get under (default the ORANGE threshold)")});
         p.push_back({"protect_tier", Int("Never shed tiers up to this (default 0; -1 none)", -1, 4)});
         return Object(std::move(p));
       }(),
       {"lost", "load_factor", "protect_tier"},
       [](app::Resilience& r, const model::Principal& p, const json::value& q) {
         return r.SimulateLoadShedding(p, q);
       }},
      {"check_utilization_threshold", "Utilization vs thresholds",
       "Utilization of services against the defense-level thresholds (M/M/c queueing: waiting "
       "probability and time), and from samples the trend and time until each threshold.",
       Object({{"services", StrArray("Service ids (default all with capacity)", 200, 100)},
               {"load_rps", Map("Current load per service id, requests per second",
                                json::object{{"type", "number"}})},
               {"samples", Map("Per service id: [{time (RFC 3339), utilization or load_rps}]",
                               json::object{{"type", "array"}, {"maxItems", 1000}})}}),
       {"services", "worst_level", "thresholds"},
       [](app::Resilience& r, const model::Principal& p, const json::value& q) {
         return r.CheckUtilizationThreshold(p, q);
       }},
      {"get_defense_level", "Defense level",
       "The system defense level (GREEN..BLACK) and what drives it: open incidents, utilization "
       "against thresholds, on-call coverage.",
       Object({}),
       {"level", "components", "thresholds", "time"},
       [](app::Resilience& r, const model::Principal& p, const json::value&) {
         return r.GetDefenseLevel(p);
       }},
      {"get_static_fallbacks", "Precomputed fallback plans",
       "Fallback plans precomputed for every single loss (service, zone, group) and known "
       "scenarios: the steps, each with its risk tier. Give `name` (e.g. zone:eu-west-1a) for one "
       "plan, or list them (optionally by `kind`).",
       Object({{"name", Str("A plan name, e.g. service:db or zone:eu-west-1a", 200)},
               {"kind", Enum("List only plans of this kind",
                             {"service", "zone", "group", "pair", "scenario"})},
               {"full", Bool("List whole plans, not summaries")}}),
       {},
       [](app::Resilience& r, const model::Principal& p, const json::value& q) {
         return r.GetStaticFallbacks(p, q);
       }},
  };
}

}  // namespace

void AddResilienceTools(Registry& r) {
  for (auto& row : Rows()) {
    r.Add(Tool{
        .name = row.name,
        .title = row.title,
        .description = row.description,
        .input_schema = std::move(row.input),
        .output_schema = ResultSchema(row.result_keys),
        .annotations = {},
        .scope = model::kScopeRead,
        .risk = model::RiskTier::kLow,
        .run = [m = row.method](Context& ctx, const json::object& args) -> Result<ToolResult> {
          FB_ASSIGN_OR_RETURN(auto out,
                              m(ctx.app().resilience(), ctx.principal(), json::value(args)));
          return Structured(std::move(out));
        },
    });
  }
}

}  // namespace firebreak::mcp
