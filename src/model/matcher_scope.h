// How wide a set of label matchers reaches. A silence (or a maintenance window) whose every matcher
// also matches an alert that lacks the label — `team=""`, `team!="db"`, `team=~".*"`, or a name
// misspelt so no alert has it — would silence every alert there is. Alertmanager refuses such a
// silence, and so does Firebreak, at every place one is made (API, CLI, MCP, Alertmanager's own
// API, the config's maintenance windows).
#pragma once

#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/alert.h"

namespace firebreak::model {

// Whether `m` holds for the empty string, the value of a label an alert does not have. A regex
// that does not compile holds for nothing (its error is reported where it is compiled).
bool MatchesEmpty(const Matcher& m);

// InvalidArgument naming `field` when `ms` is not empty and every matcher in it matches the
// empty string.
Status RequireSelective(const std::vector<Matcher>& ms, std::string_view field);

}  // namespace firebreak::model
