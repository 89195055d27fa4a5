// Shared by the alert pipeline's source files (alerts.cc, inhibit.cc): who the
// pipeline's own changes are made by, and how it quotes alert text on timelines.
#pragma once

#include <string>

#include "model/actor.h"

namespace firebreak::engine {

// system:correlate, the actor of every change the pipeline makes on its own.
const model::Principal& Correlate();
// `s` in single quotes, cut to 200 bytes (an alert summary on a timeline).
std::string Quote(const std::string& s);

}  // namespace firebreak::engine
