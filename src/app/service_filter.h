// The service named by a read's filter (?service=): one the configuration defines, or one the
// store still holds history of — a service since removed from the configuration keeps its
// incidents, alerts, changes, metric series and log templates readable. Any other name is a
// NotFound naming the field, so a typo gets an error instead of an empty list. Writes accept only
// configured services (they check the configuration alone).
#pragma once

#include <string_view>

#include "config/config.h"
#include "core/result.h"
#include "store/store.h"

namespace firebreak::app {

// Ok for "" (no filter), a configured service, or a service some stored incident, alert, change,
// metric series or log template names. The store is read only when the configuration does not
// know the name.
Status CheckServiceFilter(const config::Config& cfg, store::Tx& tx, std::string_view service,
                          std::string_view field = "service");

}  // namespace firebreak::app
