// Document builders: status updates, live response plans and post-incident reports as JSON
// documents computed from a Record. Renderers (render.h) turn them into Markdown and HTML through
// templates; the JSON itself is the `json` format (schema in docs/REPORTS.md).
#pragma once

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "report/record.h"
#include "report/redact.h"

namespace firebreak::report {

// How often a status update is due while an incident is open (0 = no cadence):
// SEV0 and SEV1 every 15 min, SEV2 every 30 min, SEV3 every hour, SEV4 none.
core::Millis DefaultStatusCadence(model::Severity s);

// Customer-facing phase of an incident: investigating, identified, monitoring, resolved.
std::string_view Phase(const model::Incident& inc, const Milestones& m);

// Builders return unredacted documents; callers render them (render.h) and pass the result through
// the audience's Redactor last, so every string of every format is redacted in one place.

// Post-incident report (schema "firebreak.postmortem.v1").
json::object BuildPostmortem(const Record& r, const config::Config& cfg, core::TimePoint now);
// Status update (schema "firebreak.status_update.v1"); render.h fills `text`.
// `cadence` is the interval to the next update (0 = none scheduled).
json::object BuildStatusUpdate(const Record& r, const config::Config& cfg, core::TimePoint now, Audience audience,
                               core::Millis cadence);
// Live response plan for an open (or just resolved) incident (schema "firebreak.response_plan.v1").
json::object BuildResponsePlan(const Record& r, const config::Config& cfg, core::TimePoint now,
                               core::Millis cadence);

}  // namespace firebreak::report
