// What a read's filter names must exist: a typo gets a NotFound naming the field instead of an
// empty list that reads as "nothing happened".
//
// A service (?service=) is one the configuration defines, or one the store still holds history
// of — a service since removed from the configuration keeps its incidents, alerts, changes, metric
// series and log templates readable. Writes accept only configured services (they check the
// configuration alone). An incident (?incident=) is one stored; incidents are never deleted.
#pragma once

#include <string_view>

#include "config/config.h"
#include "core/result.h"
#include "store/store.h"

namespace firebreak::app {

// Ok for "" (no filter), a configured service, or a service some stored incident, alert, change,
// metric series or log template names. The store is read only when the configuration does not
// know the name. Else a NotFound with the field "service".
Status CheckServiceFilter(const config::Config& cfg, store::Tx& tx, std::string_view service);

// Ok for "" (no filter) or a stored incident id; else a NotFound with the field "incident".
Status CheckIncidentFilter(store::Tx& tx, std::string_view incident_id);

}  // namespace firebreak::app
