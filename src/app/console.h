// Console and public status page: the queries the web console needs beyond the incident API
// (counts for the list header) and the public status view, plus the one command that feeds it
// (external status updates).
//
// The public view is built by a pure function from the config and the incidents with their
// external updates, so what it may reveal is decided in one place: component names of
// customer-facing services, a state derived from open incidents, and the text of updates that a
// responder explicitly published. Never incident titles, notes, alert text, hosts or people.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "app/app.h"

namespace firebreak::app {

inline constexpr std::string_view kStatusUpdateKind = "status_update";

struct StatusUpdateRequest {
  std::string status;  // investigating | identified | monitoring | resolved
  std::string text;    // what customers read
  std::string title;   // optional public name of the incident
};
Result<StatusUpdateRequest> DecodeStatusUpdate(const boost::json::value& body);

// Posts an external status update: a timeline entry of kind "status_update" (data.visibility =
// "external"), audited. Needs write.
void PostStatusUpdate(App& app, const model::Principal& who, std::string incident_id, StatusUpdateRequest req,
                      Callback<model::TimelineEntry> cb);

// {"open": {"SEV0": n, ...}, "open_total": n, "by_state": {"triggered": n, ...}}. Needs read.
Result<boost::json::object> IncidentCounts(App& app, const model::Principal& who);

// One incident as the public sees it (inputs to BuildPublicStatus).
struct PublicIncidentInput {
  model::Incident incident;
  std::vector<model::TimelineEntry> updates;  // external status updates, oldest first
};

// The public status document (pure; see the header comment for what it may contain).
boost::json::object BuildPublicStatus(const config::Config& cfg, const std::vector<PublicIncidentInput>& incidents,
                                      core::TimePoint now);

// Reads open incidents (and those resolved in the last 24 hours) and builds the public status.
Result<boost::json::object> PublicStatus(App& app);

// The public status as a standalone HTML page (every value escaped).
std::string RenderStatusHtml(const boost::json::object& status);

}  // namespace firebreak::app
