// Runbook tools (app::Runbooks): find the runbooks that fit an incident, read one, request a run,
// and follow the run and its approval. There is no approve or reject tool: approvals are a
// person's four-eyes decision in the console, CLI or HTTP API, and app::Runbooks refuses any
// decision by an agent (the MCP principal's actor is agent:<client> and carries no `approve`).
//
// request_runbook_run goes through the dispatcher's agent-tier gate with the risk of the runbook it
// names: a LOW or MEDIUM runbook runs automatically (per the app's rules: MEDIUM only with a
// rollback) when that risk is within the agent's tier and is recorded as a proposal otherwise; a
// run that needs approval (a HIGH step, or the service's circuit breaker open) only files the
// request, so it is a LOW-risk call that returns the pending approval handle.
#include "core/json.h"
#include "mcp/tools_common.h"

namespace firebreak::mcp {

using namespace schema;
using namespace internal;

namespace {

json::object RunSchema() {
  return OpenResult({{"id", Str("Run id, e.g. RUN-3")},
                     {"runbook", Str("Runbook id")},
                     {"state", Str("queued, pending_approval, running, succeeded, failed, "
                                   "rolled_back, rejected, expired, interrupted, ...")},
                     {"steps", Array("Each step's state", json::object{{"type", "object"}})}});
}

json::object ApprovalSchema() {
  return OpenResult({{"id", Str("Approval id, e.g. APR-2")},
                     {"run", Str("The run it gates")},
                     {"runbook", Str("Runbook id")},
                     {"state", Str("pending, approved, rejected or expired")},
                     {"expires_at", Str("RFC 3339 UTC")}});
}

// The runbook a request names, if it exists.
const model::Runbook* NamedRunbook(Context& ctx, const json::object& args,
                                   std::shared_ptr<const config::Config>& cfg) {
  cfg = ctx.app().config();
  return cfg->FindRunbook(StrArg(args, "runbook"));
}

// What executing this request risks: a run that waits for a person's approval executes nothing now.
model::RiskTier RequestRisk(Context& ctx, const json::object& args) {
  std::shared_ptr<const config::Config> cfg;
  const auto* rb = NamedRunbook(ctx, args, cfg);
  if (!rb) return model::RiskTier::kLow;  // the handler reports the unknown runbook
  model::RiskTier r = rb->MaxRisk();
  return r == model::RiskTier::kHigh ? model::RiskTier::kLow : r;
}

// The app's request body from the tool's arguments.
json::object RequestBody(const json::object& args) {
  json::object b = args;
  if (auto* i = b.if_contains("incident_id")) {
    b["incident"] = *i;
    b.erase("incident_id");
  }
  return b;
}

}  // namespace

namespace {

// A pending HIGH request: where the client supports URL-mode elicitation (2025-11-25,
// capabilities.elicitation.url), offer the user the console's approvals page. Approval itself
// happens there, by another person under the four-eyes rule; the agent gets nothing it could
// approve with. The user's answer (accept, decline, cancel) is only reported back.
void OfferApprovalPage(Context& ctx, const std::string& approval_id, json::object& out) {
  // The console's address as links in notifications give it (--public-url, settings.public_url, or
  // the address the server listens on).
  std::string url = ctx.app().pager().PublicUrl() + "/#/approvals";
  out["approval_url"] = url;
  const auto& caps = ctx.session().client().capabilities;
  const auto* el = caps.if_contains("elicitation");
  if (!el || !el->is_object() || !el->get_object().contains("url")) return;
  json::object params{{"mode", "url"},
                      {"elicitationId", approval_id},
                      {"url", url},
                      {"message", "Runbook approval " + approval_id +
                                      " waits for a person other than the requester. Open the approvals page?"}};
  auto answer = ctx.RequestClient("elicitation/create", std::move(params), "elicitation", std::chrono::seconds(120));
  if (answer && answer->is_object())
    if (const auto* a = answer->get_object().if_contains("action"); a && a->is_string())
      out["approval_page_offer"] = *a;
}

}  // namespace

void AddRunbookTools(Registry& r) {
  r.Add(Tool{
      .name = "find_runbooks",
      .title = "Find runbooks for an incident",
      .description =
          "Ranks the runbooks that fit an incident (its services and severity) or the given "
          "services, alert labels, log lines and severity, best first, each with its risk tier and "
          "the reasons it matched.",
      .input_schema = Object(
          {{"incident_id", IncidentIdArg()},
           {"services", StrArray("Service ids (added to the incident's)", 20, 100)},
           {"labels", Map("Alert labels, e.g. {\"alertname\": \"CheckoutHighLatency\"}",
                          Str("Label value", 200))},
           {"logs", StrArray("Log lines or templates seen", 50, 2000)},
           {"severity", SeverityArg("Severity (default the incident's)")},
           {"limit", Int("How many (default 10)", 1, 100)}}),
      .output_schema = OpenResult(
          {{"incident", Str("The incident matched against (\"\" if none)")},
           {"matches",
            Array("Best first",
                  OpenResult({{"runbook", Str("Runbook id")},
                              {"title", Str("Title")},
                              {"score", Num("Match score")},
                              {"risk", Enum("Its riskiest step", {"LOW", "MEDIUM", "HIGH"})},
                              {"reasons", Array("Why it matched", json::object{{"type", "string"}})}}))}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        json::object body = RequestBody(args);
        FB_ASSIGN_OR_RETURN(auto out,
                            AsObject(ctx.app().runbooks().Match(ctx.principal(), body)));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_runbook",
      .title = "Get a runbook",
      .description =
          "Returns one runbook: when it applies, its parameters, and each step with kind, risk "
          "tier, rollback and verification.",
      .input_schema = Object({{"id", Str("Runbook id, e.g. restart-service", 100, 1)}}, {"id"}),
      .output_schema = OpenResult({{"id", Str("Runbook id")},
                                   {"title", Str("Title")},
                                   {"risk", Enum("Its riskiest step", {"LOW", "MEDIUM", "HIGH"})},
                                   {"params", Array("Parameters", json::object{{"type", "object"}})},
                                   {"steps", Array("Steps in order", json::object{{"type", "object"}})}}),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(
            auto out, AsObject(ctx.app().runbooks().Show(ctx.principal(), StrArg(args, "id"))));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "request_runbook_run",
      .title = "Request a runbook run",
      .description =
          "Requests a run of a runbook, for an incident or a service. LOW and MEDIUM runbooks run "
          "automatically within your tier (poll get_runbook_run). A run with a HIGH-risk step "
          "only files a request: it returns state pending_approval with an approval_id, and a "
          "person other than the requester must approve it (poll get_approval; you cannot "
          "approve). Such runs need rationale, expected_impact and, unless every step has one, "
          "rollback_plan.",
      .input_schema = Object(
          {{"runbook", Str("Runbook id (see find_runbooks)", 100, 1)},
           {"incident_id", IncidentIdArg()},
           {"service", Str("Target service (default: the incident's, when it has one)", 100)},
           {"params", Map("Runbook parameters by name", Str("Value", 1000))},
           {"labels", Map("Alert labels that may fill parameters", Str("Value", 200))},
           {"rationale", Str("Why this run: the evidence", 4000)},
           {"expected_impact", Str("What it will do to users and the service", 4000)},
           {"rollback_plan", Str("How to undo it if it goes wrong", 4000)}},
          {"runbook"}),
      .output_schema = OpenResult(
          {{"run_id", Str("Run id (get_runbook_run)")},
           {"state", Enum("queued: runs automatically; pending_approval: waits for a person",
                          {"queued", "pending_approval"})},
           {"needs_approval", Bool("Whether a person must approve it first")},
           {"approval_id", Nullable(Str("Approval id (get_approval) or null"))},
           {"approval_reason", Str("Why it needs approval (\"\" if it does not)")},
           {"run", RunSchema()}}),
      // Destructive: the runbooks it may run automatically change running systems (caches,
      // breakers, config with a rollback).
      .annotations = {false, true, false, true},
      .scope = model::kScopeWrite,
      .risk = model::RiskTier::kMedium,
      .call_risk = RequestRisk,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        auto p = ctx.principal();
        auto& rb = ctx.app().runbooks();
        json::value body = RequestBody(args);
        FB_ASSIGN_OR_RETURN(auto run, AsObject(app::Wait<json::value>([&](auto cb) {
                              rb.RequestRun(p, std::move(body), std::move(cb));
                            })));
        std::string state(run.at("state").as_string());
        bool pending = state == "pending_approval";
        json::value approval = nullptr;
        if (auto* a = run.if_contains("approval"); a && a->is_string()) approval = *a;
        json::object out{{"run_id", run.at("id")},
                         {"state", state},
                         {"needs_approval", pending},
                         {"approval_id", approval},
                         {"approval_reason", run.at("approval_reason")}};
        run.erase("plan");  // the rendered commands; steps carry what the agent needs
        out["run"] = std::move(run);
        if (pending) OfferApprovalPage(ctx, std::string(approval.as_string()), out);
        ctx.Log(LogLevel::kInfo,
                json::value(std::string(out.at("run_id").as_string()) + " " + state +
                            (pending ? " (" + std::string(approval.as_string()) + ")" : "")));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_approval",
      .title = "Get an approval request",
      .description =
          "Returns an approval request of a runbook run: its state (pending, approved, rejected, "
          "expired), who requested it and why, the action, blast radius, rollback plan, expiry and "
          "the decision. Read-only: approving is for a person.",
      .input_schema = Object({{"id", Str("Approval id, e.g. APR-2", 64, 1)}}, {"id"}),
      .output_schema = ApprovalSchema(),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(auto out, AsObject(ctx.app().runbooks().GetApproval(
                                          ctx.principal(), StrArg(args, "id"))));
        return Structured(std::move(out));
      },
  });

  r.Add(Tool{
      .name = "get_runbook_run",
      .title = "Get a runbook run",
      .description = "Returns a runbook run: its state, each step's state and output, rollbacks, "
                     "and its approval when it needed one.",
      .input_schema = Object({{"id", Str("Run id, e.g. RUN-3", 64, 1)}}, {"id"}),
      .output_schema = RunSchema(),
      .annotations = {},
      .scope = model::kScopeRead,
      .run = [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        FB_ASSIGN_OR_RETURN(
            auto out, AsObject(ctx.app().runbooks().GetRun(ctx.principal(), StrArg(args, "id"))));
        out.erase("plan");
        return Structured(std::move(out));
      },
  });
}

// Runbooks as resources (runbook://{id}): the same document as get_runbook. They come from the
// configuration, so they are listed but not subscribable.
void AddRunbookResources(Registry& r) {
  r.Add(Resource{
      .uri_template = "runbook://{id}",
      .name = "runbook",
      .title = "Runbook",
      .description = "A runbook as JSON (the same document as get_runbook). Every runbook is "
                     "listed.",
      .mime_type = "application/json",
      .subscribable = false,
      .scope = model::kScopeRead,
      .list = [](Context& ctx) -> Result<std::vector<json::object>> {
        FB_ASSIGN_OR_RETURN(auto all, AsObject(ctx.app().runbooks().List(ctx.principal())));
        std::vector<json::object> out;
        for (const auto& v : all.at("runbooks").as_array()) {
          const auto& rb = v.as_object();
          std::string id(rb.at("id").as_string());
          out.push_back(json::object{{"uri", "runbook://" + id},
                                     {"name", id},
                                     {"description", rb.at("title")},
                                     {"mimeType", "application/json"}});
        }
        return out;
      },
      .read = [](Context& ctx, const std::map<std::string, std::string>& vars,
                 const std::string& uri) -> Result<ResourceContents> {
        auto doc = ctx.app().runbooks().Show(ctx.principal(), vars.at("id"));
        if (!doc) {
          if (doc.error().code == ErrorCode::kNotFound)
            return NotFound("Resource not found: " + uri, "uri");
          return Unexpected(doc.error());
        }
        return ResourceContents{uri, "application/json", core::ToJson(*doc), ""};
      },
      .topics = {},
  });
}

}  // namespace firebreak::mcp
