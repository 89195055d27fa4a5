// Merging incidents: one problem that correlation split over several incidents is gathered into
// one by a person or an agent (PagerDuty's "merge incidents", Grafana OnCall's "attach").
#include <algorithm>
#include <set>

#include "core/strings.h"
#include "core/time.h"
#include "engine/alerts.h"
#include "engine/incidents.h"

namespace firebreak::engine {

namespace {
constexpr size_t kMaxNote = 20000;

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

Result<model::Incident> AlertPipeline::Merge(Tx& tx, const model::Principal& who, const std::string& into,
                                             const std::vector<std::string>& from, const std::string& note) {
  FB_TRY(model::RequireScope(who, model::kScopeWrite));
  if (note.size() > kMaxNote)
    return InvalidArgument("note is too long (" + std::to_string(note.size()) + " bytes, max " +
                               std::to_string(kMaxNote) + ")",
                           "note");
  if (!core::IsValidUtf8(note)) return InvalidArgument("note is not valid UTF-8", "note");
  if (from.empty()) return InvalidArgument("incidents must name at least one incident to merge", "incidents");

  // Everything is checked before anything is written.
  FB_ASSIGN_OR_RETURN(auto target, LoadIncident(tx, into));
  if (!model::IsOpen(target.state))
    return FailedPrecondition(target.id + " is " + std::string(model::StateName(target.state)) +
                                  "; incidents can be merged only into an open incident",
                              "id");
  std::vector<model::Incident> sources;
  std::set<std::string> seen;
  for (size_t i = 0; i < from.size(); ++i) {
    const std::string field = "incidents[" + std::to_string(i) + "]";
    FB_ASSIGN_OR_RETURN(auto got, tx.store().incidents().Get(from[i]));
    if (!got) return NotFound("incident '" + core::Truncate(from[i], 64) + "' not found", field);
    if (got->id == target.id) return InvalidArgument("cannot merge " + target.id + " into itself", field);
    if (!seen.insert(got->id).second) return InvalidArgument(got->id + " is named twice", field);
    if (!model::IsOpen(got->state))
      return FailedPrecondition(got->id + " is " + std::string(model::StateName(got->state)) +
                                    "; only open incidents can be merged",
                                field);
    sources.push_back(std::move(*got));
  }

  Guard(tx);
  SyncConfig(tx);
  const auto& actor = who.actor;
  const std::string by = actor.ToString();
  const std::string why = note.empty() ? "" : ": " + note;
  for (auto& src : sources) {
    const int64_t open = corr_.OpenAlerts(src.id);
    // When the merged incident detected the problem: the target's report measures from there
    // (report::ExtractMilestones reads it back from the "merged" entry).
    const core::TimePoint detected = src.created_at;
    FB_ASSIGN_OR_RETURN(int64_t moved, tx.store().alerts().Reassign(src.id, target.id));
    corr_.MergeIncident(src.id, target.id, tx.now());

    // The merged incident keeps its timeline, points at the target, and is resolved (its
    // escalation stops) with nothing firing left in it.
    const int64_t joined = src.alert_count;
    src.merged_into = target.id;
    src.alert_count = 0;
    src.open_alerts = 0;
    src.updated_at = tx.now();
    FB_TRY(tx.store().incidents().Update(src));
    std::string moved_text = std::to_string(moved) + (moved == 1 ? " alert" : " alerts");
    FB_TRY(tx.Timeline(src.id, actor, "merged", "Merged into " + target.id + " by " + by + " (" + moved_text + " moved there)" + why,
                       {{"into", target.id}, {"alerts", moved}, {"note", note}}));
    FB_TRY(ApplyTransition(tx, who, src.id, model::Transition::kResolve, "merged into " + target.id + why));

    // The target takes on what the merged incident knew.
    boost::json::object data{{"from", src.id},       {"alerts", moved},
                             {"open_alerts", open},  {"note", note},
                             {"detected_at", core::FormatRfc3339(detected)},
                             {"severity", model::SeverityName(src.severity)}};
    FB_TRY(tx.Timeline(target.id, actor, "merged",
                       src.id + " (" + core::Truncate(src.title, 120) + ") merged into this incident by " + by + ": " +
                           moved_text + ", " + std::to_string(open) + " firing" + why,
                       data));
    FB_TRY(tx.Audit(actor, "incident.merge", "incident:" + target.id, data));
    std::vector<std::string> services;
    for (const auto& s : src.services)
      if (tx.config().FindService(s) && !Has(target.services, s)) services.push_back(s);
    const std::string from_src = "from " + src.id + ", merged in";
    if (!services.empty()) {
      FB_ASSIGN_OR_RETURN(target, AddServices(tx, who, target.id, services, from_src));
    }
    for (const auto& f : src.flags) {
      if (Has(target.flags, f)) continue;
      FB_ASSIGN_OR_RETURN(target, FlagIncident(tx, who, target.id, f, from_src));
    }
    for (const auto& [role, person] : src.roles) {
      if (target.roles.count(role) || !tx.config().FindPerson(person)) continue;
      FB_ASSIGN_OR_RETURN(target, AssignRole(tx, who, target.id, role, person));
    }
    if (model::WorseThan(src.severity, target.severity)) {
      FB_ASSIGN_OR_RETURN(target, SetSeverity(tx, who, target.id, src.severity,
                                              src.id + " merged in at " + std::string(model::SeverityName(src.severity))));
    }
    FB_ASSIGN_OR_RETURN(target, SetAlertCounts(tx, target.id, joined, corr_.OpenAlerts(target.id)));
    // Firing alerts brought into a mitigated incident reopen it, as a firing alert joining would.
    if (open > 0 && target.state == model::IncidentState::kMitigated) {
      FB_ASSIGN_OR_RETURN(target, ApplyTransition(tx, who, target.id, model::Transition::kReopen,
                                                  src.id + " merged in with " + std::to_string(open) +
                                                      (open == 1 ? " alert" : " alerts") + " still firing"));
    }
  }
  return LoadIncident(tx, target.id);
}

}  // namespace firebreak::engine
