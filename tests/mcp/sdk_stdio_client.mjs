// Drives `firebreak mcp` over stdio with the official MCP TypeScript SDK client (pinned in
// tests/package.json) the way an agent would: list tools, declare an incident, read its timeline
// resource, subscribe to it and get notifications/resources/updated when a note is added, find
// runbooks for the incident and request a HIGH one, getting a pending approval it cannot approve.
// Run by tests/e2e/test_mcp.py, which prepares the data dir and token and checks the summary
// this script prints as its last line (JSON). Any failed expectation exits non-zero.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const env = process.env;
const transport = new StdioClientTransport({
  command: env.FIREBREAK_BIN,
  // FB_MCP_ARGS (JSON) replaces the arguments, e.g. to run the stdio bridge to a server.
  args: env.FB_MCP_ARGS ? JSON.parse(env.FB_MCP_ARGS) : ["mcp", "--config", env.FB_CONFIG, "--data", env.FB_DATA],
  env: { FIREBREAK_TOKEN: env.FB_TOKEN, PATH: env.PATH },
  stderr: "inherit",
});
const client = new Client({ name: "sdk-e2e", version: "1.0.0" }, { capabilities: {} });

// Resource updates arrive asynchronously: each waiter resolves on the first matching update.
const updates = [];
const waiters = [];
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
  updates.push(n.params.uri);
  for (const w of waiters.splice(0)) {
    if (w.uri === n.params.uri) w.resolve(n.params.uri);
    else waiters.push(w);
  }
});
const nextUpdate = (uri) =>
  updates.includes(uri) ? Promise.resolve(uri) : new Promise((resolve) => waiters.push({ uri, resolve }));

await client.connect(transport);
const summary = { server: client.getServerVersion() };

// 1. Tools: the SDK validates structuredContent against each tool's outputSchema on callTool.
const { tools } = await client.listTools();
summary.tools = tools.map((t) => t.name);
for (const t of tools) {
  assert.ok(t.description, `${t.name} has a description`);
  assert.equal(typeof t.annotations?.readOnlyHint, "boolean", `${t.name} says whether it is read-only`);
}
assert.ok(!summary.tools.some((n) => n.includes("approve")), "no tool approves anything");

// 2. Declare an incident.
const created = await client.callTool({
  name: "create_incident",
  arguments: { title: "Checkout latency", severity: "SEV2", services: ["checkout"], impact: "slow carts" },
});
assert.ok(!created.isError, JSON.stringify(created));
const inc = created.structuredContent;
assert.equal(inc.state, "triggered");
assert.equal(inc.created_by, "agent:sdk-e2e");
summary.incident = inc.id;

// 3. Read its timeline resource.
const uri = `incident://${inc.id}/timeline`;
const read = await client.readResource({ uri });
const doc = JSON.parse(read.contents[0].text);
assert.equal(doc.entries[0].kind, "declared");
summary.timeline_kinds_before = doc.entries.map((e) => e.kind);

// 4. Subscribe, add a note, get the update, and read the note back.
await client.subscribeResource({ uri });
const updated = nextUpdate(uri);
const noted = await client.callTool({ name: "add_note", arguments: { id: inc.id, text: "p99 3s since 09:40" } });
assert.ok(!noted.isError, JSON.stringify(noted));
summary.update_uri = await updated;
const after = JSON.parse((await client.readResource({ uri })).contents[0].text);
summary.timeline_kinds_after = after.entries.map((e) => e.kind);
assert.equal(after.entries.filter((e) => e.kind === "note").at(-1).text, "p99 3s since 09:40");

// 5. Risk tiers: a HIGH action (executing a load-shedding plan) can only be proposed. The proposal
//    lands on the timeline for a person; nothing is executed and nothing here can approve it.
const sim = await client.callTool({ name: "simulate_load_shedding", arguments: { zones: ["eu-west-1a"] } });
assert.ok(!sim.isError, JSON.stringify(sim));
const proposed = await client.callTool({
  name: "propose_action",
  arguments: {
    id: inc.id,
    action: "execute the load-shedding plan for the loss of eu-west-1a",
    tool: "simulate_load_shedding",
    arguments: { zones: ["eu-west-1a"] },
    rationale: "checkout over its ORANGE threshold",
  },
});
assert.ok(!proposed.isError, JSON.stringify(proposed));
assert.equal(proposed.structuredContent.executed, false);
assert.equal(proposed.structuredContent.risk, "HIGH");
const withProposal = JSON.parse((await client.readResource({ uri })).contents[0].text);
// The newest note (paging records its own entries on the same timeline).
summary.proposal_note = withProposal.entries.filter((e) => e.kind === "note").at(-1).text.split("\n")[0];

// 5b. Runbooks: find the ones that fit the incident, then request a HIGH one (a restart). The agent
//     only files the request: it gets a pending approval handle, polls it, and cannot approve it.
const found = await client.callTool({ name: "find_runbooks", arguments: { incident_id: inc.id } });
assert.ok(!found.isError, JSON.stringify(found));
summary.runbooks_found = found.structuredContent.matches.map((m) => m.runbook);
const requested = await client.callTool({
  name: "request_runbook_run",
  arguments: {
    runbook: "restart-service",
    incident_id: inc.id,
    rationale: "checkout pods report OutOfMemory since 09:40",
    expected_impact: "pods restart one at a time; brief latency spike",
    rollback_plan: "none needed: a restart changes no state",
  },
});
assert.ok(!requested.isError, JSON.stringify(requested));
const handle = requested.structuredContent;
assert.equal(handle.state, "pending_approval");
assert.match(handle.approval_id, /^APR-\d+$/);
summary.runbook_request = { state: handle.state, run_id: handle.run_id, approval_id: handle.approval_id };
const approval = await client.callTool({ name: "get_approval", arguments: { id: handle.approval_id } });
assert.ok(!approval.isError, JSON.stringify(approval));
summary.approval_state = approval.structuredContent.state;
summary.approval_requested_by = approval.structuredContent.requested_by;
const withRequest = JSON.parse((await client.readResource({ uri })).contents[0].text);
summary.runbook_entry_kinds = withRequest.entries
  .filter((e) => e.kind === "runbook_requested" || e.kind === "approval_requested")
  .map((e) => e.kind);

// 6. Input errors are tool results the model can correct; unknown tools are protocol errors.
const bad = await client.callTool({ name: "set_severity", arguments: { id: inc.id, severity: "SEV9" } });
assert.equal(bad.isError, true);
summary.input_error = bad.content[0].text;
let unknown = null;
try {
  await client.callTool({ name: "approve_runbook", arguments: {} });
} catch (e) {
  unknown = e.code;
}
summary.unknown_tool_code = unknown;

// 7. Prompts.
const prompt = await client.getPrompt({ name: "postmortem", arguments: { incident_id: inc.id } });
summary.prompt_messages = prompt.messages.length;

await client.close();
console.log(JSON.stringify(summary));
