// Reports: status updates, quick system status, live response plans, post-incident reports,
// MTTx metrics and action items, computed from the record (report/ builds and renders; this file
// loads the record, runs the commands and enforces the rules):
//   - posting a status update records it on the timeline (kind `status_update`) and publishes it on
//     the change feed (topic `status_update`) for the incident's channels;
//   - while an incident is open a durable timer (`report.status_update`) posts an internal update
//     on the per-severity cadence;
//   - resolving schedules the postmortem review (an action item due 48 h after resolution);
//   - closing requires a published post-incident report and at least one remediation or follow-up
//     action item.
// Every query returns JSON (or rendered text), so HTTP, the CLI and MCP tools share them.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/metrics.h"
#include "engine/engine.h"
#include "model/actor.h"
#include "report/record.h"
#include "report/redact.h"
#include "store/report_repos.h"
#include "store/store.h"

namespace firebreak::app {

// A request to create or change an action item (absent fields are left alone on update).
struct ActionItemRequest {
  std::optional<std::string> title, owner, priority, status, kind, notes;
  std::optional<std::optional<core::TimePoint>> due_at;  // set: a time, or null to clear
};
// `create`: title is required. Unknown fields, bad priorities/statuses/kinds and bad times are
// InvalidArgument naming the field.
Result<ActionItemRequest> DecodeActionItem(const boost::json::value& body, bool create);

struct ActionItemQuery {
  std::optional<std::string> incident_id, owner, status;
  bool overdue_only = false;
  bool open_only = false;
};
Result<ActionItemQuery> DecodeActionItemQuery(const std::map<std::string, std::string>& q);

struct MttxQuery {
  std::string by = "service";  // service | team | severity | day | week | month | none
  std::optional<core::Millis> since;           // window back from now (e.g. 30d)
  std::optional<core::TimePoint> from, until;  // absolute bounds on detection time
  std::optional<model::Severity> severity;
  std::optional<std::string> service;
  bool incidents = false;  // include the per-incident rows
};
// From query parameters or a JSON object of strings (MCP): by, since, from, until, severity,
// service, incidents.
Result<MttxQuery> DecodeMttxQuery(const std::map<std::string, std::string>& q);
Result<MttxQuery> DecodeMttxQuery(const boost::json::value& args);

struct Rendered {
  std::string content_type;
  std::string body;
};

class Reports : public engine::IncidentObserver {
 public:
  static constexpr const char* kTimerKind = "report.status_update";
  Reports(engine::Engine& engine, store::Store& store, core::Registry& metrics);

  // Where posted status updates go besides the timeline (the paging module's channels): called
  // inside the posting command with the incident, whether the update is external, and its text.
  using Announcer = std::function<Status(engine::Tx&, const model::Incident&, bool, const std::string&)>;
  void SetAnnouncer(Announcer a) { announce_ = std::move(a); }
  const Announcer& announcer() const { return announce_; }

  // ---- queries (read snapshot) ----------------------------------------------------------------
  Result<boost::json::object> StatusUpdate(const model::Principal& who, std::string_view id,
                                           report::Audience audience) const;
  Result<boost::json::object> ResponsePlan(const model::Principal& who, std::string_view id) const;
  // format: json | md
  Result<Rendered> RenderResponsePlan(const model::Principal& who, std::string_view id, std::string_view format) const;
  Result<boost::json::object> Postmortem(const model::Principal& who, std::string_view id) const;
  // format: md | json | html
  Result<Rendered> Report(const model::Principal& who, std::string_view id, std::string_view format) const;
  // Open incidents by severity, defense level, coverage, pending decisions, active alerts, next
  // action. `defense` is the resilience view (utilization vs thresholds), or null.
  Result<boost::json::object> SystemStatus(const model::Principal& who, const boost::json::value& defense) const;
  Result<boost::json::object> Mttx(const model::Principal& who, const MttxQuery& q) const;
  // Past incidents like `id` (report/similar.h: shared services, alert names, title words), best
  // first, at most `limit` (1..50) of the 1,000 newest others: each with what they share, how it
  // ended (state, time to resolve, root cause, resolution note) and the runbook runs made for it.
  Result<boost::json::object> Similar(const model::Principal& who, std::string_view id, int limit) const;
  Result<boost::json::array> ActionItems(const model::Principal& who, const ActionItemQuery& q) const;

  // ---- commands (engine; callbacks run once durable) -----------------------------------------
  using JsonCallback = std::function<void(Result<boost::json::object>)>;
  void PostStatusUpdate(const model::Principal& who, std::string id, report::Audience audience, JsonCallback cb);
  void CreateActionItem(const model::Principal& who, std::string incident_id, ActionItemRequest req, JsonCallback cb);
  void UpdateActionItem(const model::Principal& who, int64_t item_id, ActionItemRequest req, JsonCallback cb);
  // Patches the editable postmortem fields (report::Postmortem). Recording a root cause for the
  // first time writes the `root_cause` timeline entry (the MTTI stop).
  void UpdatePostmortem(const model::Principal& who, std::string id, boost::json::value patch, JsonCallback cb);
  // Publishes the post-incident report of a resolved incident (needed to close it).
  void PublishPostmortem(const model::Principal& who, std::string id, JsonCallback cb);

  // ---- MCP tools (plain JSON in, JSON out) -----------------------------------------------------
  // {"incident_id", "audience": "internal"|"external"}
  Result<boost::json::value> GetStatusUpdateTool(const model::Principal& who, const boost::json::value& args) const;
  // {"incident_id", "format": "json"|"md"|"html"}
  Result<boost::json::value> GeneratePostmortemTool(const model::Principal& who, const boost::json::value& args) const;
  // {"by", "since", "from", "until", "severity", "service"}
  Result<boost::json::value> GetMttxMetricsTool(const model::Principal& who, const boost::json::value& args) const;

  // Prometheus gauges: MTTx over the last 30 days by severity, SLA breaches, action items.
  void RefreshGauges();

  Status OnIncidentEvent(engine::Tx& tx, const engine::IncidentEvent& ev) override;

 private:
  Announcer announce_;
  Result<report::Record> Load(store::Tx& tx, std::string_view id) const;
  core::Millis Cadence(const config::Config& cfg, model::Severity s) const;
  Status OnTimer(engine::Tx& tx, const store::TimerRecord& t, core::Millis lateness);
  Result<boost::json::object> PostUpdate(engine::Tx& tx, const model::Actor& actor, const model::Incident& inc,
                                         report::Audience audience, bool automatic);
  Status ScheduleReview(engine::Tx& tx, const model::Incident& inc);

  engine::Engine& engine_;
  store::Store& store_;
  core::Registry& metrics_;
};

}  // namespace firebreak::app
