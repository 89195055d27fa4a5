// The capability table: every file that contributes tools, resources or prompts to the MCP server
// is one row here. To wire in a new capability (say runbooks):
//   1. write src/mcp/tools_runbooks.cc with `void AddRunbookTools(Registry& r)` — one
//      `r.Add(Tool{...})` per tool: name, title, description, input and output schema,
//      annotations, scope, risk tier, and a handler that decodes, calls app::App and encodes;
//   2. declare the function in server.h and add a row below;
//   3. add the file to src/mcp/CMakeLists.txt, and a call case to mcp_test.cc's tool table.
// tools/list, argument validation, the agent risk-tier gate, auditing and the README table
// (`firebreak mcp --list-tools --markdown`) then cover the new tools with no further code.
#include "mcp/server.h"

namespace firebreak::mcp {

const std::vector<Capability>& Capabilities() {
  static const std::vector<Capability> kCapabilities = {
      {"system", AddSystemTools},              // status, services, blast radius, audit log
      {"incidents", AddIncidentTools},         // incident lifecycle, timeline, proposals
      {"resilience", AddResilienceTools},      // service graph analytics (app::Resilience)
      {"oncall", AddOncallTools},              // who is on call, rosters, escalation state
      {"runbooks", AddRunbookTools},           // find, read, request runs; follow approvals
      {"reports", AddReportTools},             // status updates, response plan, postmortem, MTTx
      {"investigation", AddInvestigationTools},  // app::AnalysisTools(): RCA, anomalies, changes
      {"logs", AddLogTools},                   // mined log patterns and templates
      {"alerts", AddAlertTools},               // alerts, incident alerts, silences
      {"incident-resources", AddIncidentResources},
      {"runbook-resources", AddRunbookResources},
      {"prompts", AddPrompts},
  };
  return kCapabilities;
}

Registry BuildRegistry(bool fixtures) {
  Registry r;
  for (const auto& c : Capabilities()) c.add(r);
  if (fixtures) AddConformanceFixtures(r);
  return r;
}

}  // namespace firebreak::mcp
