#include "mcp/tools_common.h"

#include "core/json.h"
#include "core/strings.h"

namespace firebreak::mcp::internal {

using namespace schema;

std::string StrArg(const json::object& args, std::string_view key, std::string def) {
  if (auto* v = args.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return def;
}

int64_t IntArg(const json::object& args, std::string_view key, int64_t def) {
  if (auto* v = args.if_contains(key)) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
    if (v->is_double()) return static_cast<int64_t>(v->get_double());
  }
  return def;
}

std::vector<std::string> StrListArg(const json::object& args, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = args.if_contains(key); v && v->is_array())
    for (const auto& x : v->get_array())
      if (x.is_string()) out.emplace_back(x.get_string());
  return out;
}

ToolResult Structured(json::object o) {
  ToolResult r;
  r.structured = std::move(o);
  return r;
}

json::object IncidentSummary(const model::Incident& i) {
  auto full = model::ToJson(i);
  json::object o;
  for (const char* k : {"id", "title", "state", "severity", "priority", "defense_level", "services",
                        "created_at", "updated_at"})
    o[k] = full[k];
  return o;
}

namespace {
json::object StrList(std::string d) {
  return Array(std::move(d), json::object{{"type", "string"}});
}
json::object Time(std::string d) {
  return Nullable(json::object{{"type", "string"}, {"description", d}});
}
}  // namespace

json::object IncidentSummarySchema() {
  return Object({{"id", Str("Incident id, e.g. INC-12")},
                 {"title", Str("Title")},
                 {"state", Enum("Lifecycle state",
                                {"triggered", "acknowledged", "mitigated", "resolved", "closed"})},
                 {"severity", Enum("Severity", {"SEV0", "SEV1", "SEV2", "SEV3", "SEV4"})},
                 {"priority", Str("P-level (P1..P4)")},
                 {"defense_level", Str("Defense level of this severity")},
                 {"services", StrList("Affected services")},
                 {"created_at", Str("RFC 3339 UTC")},
                 {"updated_at", Str("RFC 3339 UTC")}},
                {"id", "title", "state", "severity"}, true);
}

json::object IncidentSchema() {
  return Object(
      {{"id", Str("Incident id, e.g. INC-12")},
       {"number", Int("Incident number", 1, INT64_MAX)},
       {"title", Str("Title")},
       {"state",
        Enum("Lifecycle state", {"triggered", "acknowledged", "mitigated", "resolved", "closed"})},
       {"severity", Enum("Severity", {"SEV0", "SEV1", "SEV2", "SEV3", "SEV4"})},
       {"priority", Str("P-level")},
       {"defense_level", Str("Defense level of this severity")},
       {"services", StrList("Affected services")},
       {"blast_radius", StrList("Services that depend on the affected ones")},
       {"impact", Str("Customer impact summary")},
       {"roles", Map("War-room roles: role -> person id", json::object{{"type", "string"}})},
       {"flags", StrList("data_loss, security")},
       {"created_at", Str("RFC 3339 UTC")},
       {"updated_at", Str("RFC 3339 UTC")},
       {"acknowledged_at", Time("First acknowledgement, RFC 3339 UTC or null (kept when unacknowledged or reopened; "
                                "state says whether it is acknowledged now)")},
       {"mitigated_at", Time("RFC 3339 UTC or null")},
       {"resolved_at", Time("RFC 3339 UTC or null")},
       {"closed_at", Time("RFC 3339 UTC or null")},
       {"created_by", Str("Actor")},
       {"merged_into", Str("Set when this incident was merged into that one")}},
      {"id", "title", "state", "severity", "services"}, true);
}

json::object TimelineEntrySchema() {
  return Object({{"id", Int("Entry id (use as `after` to page)", 0, INT64_MAX)},
                 {"time", Str("RFC 3339 UTC")},
                 {"kind", Str("declared, acknowledged, note, severity, role, page, ...")},
                 {"actor", Str("person:<id>, token:<id>, agent:<name> or system:<module>")},
                 {"text", Str("One line")}},
                {"id", "time", "kind", "actor", "text"}, true);
}

json::object AuditEntrySchema() {
  return Object({{"seq", Int("Sequence number (use as `after` to page)", 0, INT64_MAX)},
                 {"time", Str("RFC 3339 UTC")},
                 {"actor", Str("Who")},
                 {"action", Str("What, e.g. incident.acknowledge, mcp.tool_call")},
                 {"target", Str("On what, e.g. incident:INC-3")},
                 {"details", json::object{{"type", "object"}}},
                 {"hash", Str("This entry's chain hash")}},
                {"seq", "time", "actor", "action", "target"}, true);
}

json::object OpenResult(std::vector<std::pair<std::string, json::object>> props) {
  std::vector<std::string> required;
  for (const auto& [k, v] : props) required.push_back(k);
  return Object(std::move(props), std::move(required), /*open=*/true);
}

Result<json::object> AsObject(Result<json::value> v) {
  if (!v) return Unexpected(v.error());
  if (!v->is_object()) return Internal("expected a JSON object from the app");
  return std::move(v->get_object());
}

void Bound(json::object& out, std::string_view key, size_t limit) {
  auto* v = out.if_contains(key);
  bool cut = v && v->is_array() && v->get_array().size() > limit;
  if (cut) v->get_array().resize(limit);
  out["truncated"] = cut;
}

json::object IncidentIdArg() { return Str("Incident id, e.g. INC-12", 64, 1); }

json::object SeverityArg(std::string description) {
  return Enum(std::move(description), {"SEV0", "SEV1", "SEV2", "SEV3", "SEV4"});
}

}  // namespace firebreak::mcp::internal

namespace firebreak::mcp::internal {

Result<json::object> RecordProposal(Context& ctx, const Proposal& pr) {
  const model::Principal p = ctx.principal();
  json::object out{{"proposed_by", p.actor.ToString()}, {"risk", model::RiskTierName(pr.risk)}};
  std::string what = pr.action;
  if (!pr.tool.empty()) {
    out["tool"] = pr.tool;
    out["arguments"] = pr.arguments;
    std::string call = pr.tool + " " + core::Truncate(core::ToJson(pr.arguments), 2000);
    what = what.empty() ? call : what + " (" + call + ")";
  }
  if (!pr.action.empty()) out["action"] = pr.action;
  if (!pr.incident_id.empty()) {
    app::NoteRequest note;
    note.text = "Proposal from " + p.actor.ToString() + " (" +
                std::string(model::RiskTierName(pr.risk)) + " risk, not executed" +
                (pr.not_executed.empty() ? "" : ": " + pr.not_executed) + "): " + what;
    if (!pr.rationale.empty()) note.text += "\nWhy: " + core::Truncate(pr.rationale, 4000);
    auto& a = ctx.app();
    std::string id = pr.incident_id;
    FB_ASSIGN_OR_RETURN(auto inc,
                        RunCommand([&](auto cb) { a.Note(p, id, note, std::move(cb)); }));
    out["incident_id"] = inc.id;
  }
  json::object details{{"proposal", core::Truncate(what, 2000)},
                       {"risk", model::RiskTierName(pr.risk)}};
  if (!pr.not_executed.empty()) details["not_executed"] = pr.not_executed;
  if (!pr.rationale.empty()) details["rationale"] = core::Truncate(pr.rationale, 1000);
  std::string target = pr.incident_id.empty() ? "tool:" + pr.tool : "incident:" + pr.incident_id;
  auto& a = ctx.app();
  FB_ASSIGN_OR_RETURN(auto recorded, app::Wait<bool>([&](auto cb) {
                        a.RecordAudit(p, "mcp.proposal", target, std::move(details),
                                      std::move(cb));
                      }));
  (void)recorded;
  return out;
}

}  // namespace firebreak::mcp::internal
