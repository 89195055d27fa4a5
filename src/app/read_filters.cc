#include "app/read_filters.h"

#include <string>

#include "core/strings.h"
#include "core/time.h"

namespace firebreak::app {

namespace {

// Whether anything stored names `service`: one row of any kind is enough.
Result<bool> StoreKnows(store::Tx& tx, const std::string& service) {
  store::IncidentFilter inc;
  inc.service = service;
  inc.limit = 1;
  FB_ASSIGN_OR_RETURN(auto incidents, tx.incidents().List(inc));
  if (!incidents.empty()) return true;
  store::AlertFilter al;
  al.service = service;
  al.limit = 1;
  FB_ASSIGN_OR_RETURN(auto alerts, tx.alerts().List(al));
  if (!alerts.empty()) return true;
  FB_ASSIGN_OR_RETURN(auto changes, tx.changes().List(core::TimePoint::min(), core::TimePoint::max(), service, 1));
  if (!changes.empty()) return true;
  FB_ASSIGN_OR_RETURN(auto series, tx.metrics().ListSeries(service));
  if (!series.empty()) return true;
  FB_ASSIGN_OR_RETURN(auto templates, tx.logs().ListTemplates(service, 0, 1, false));
  return !templates.empty();
}

}  // namespace

Status CheckServiceFilter(const config::Config& cfg, store::Tx& tx, std::string_view service) {
  if (service.empty() || cfg.FindService(service)) return Ok();
  const std::string name(service);
  FB_ASSIGN_OR_RETURN(bool known, StoreKnows(tx, name));
  if (known) return Ok();
  return NotFound("unknown service '" + core::Truncate(name, 64) +
                      "' (not in the config, and nothing stored names it)",
                  "service");
}

Status CheckIncidentFilter(store::Tx& tx, std::string_view incident_id) {
  if (incident_id.empty()) return Ok();
  FB_ASSIGN_OR_RETURN(auto inc, tx.incidents().Get(incident_id));
  if (!inc) return NotFound("incident '" + core::Truncate(incident_id, 64) + "' not found", "incident");
  return Ok();
}

}  // namespace firebreak::app
