// Similar past incidents: "has this happened before, and what fixed it?". An incident is described
// by three sets — its affected services, the names of the alerts that joined it (the `alertname`
// label, else the alert's summary with its numbers masked) and the words of its title — and two
// incidents are compared set by set (Jaccard: shared / all). The score is the weighted mean of the
// three over the sets the incident asked about has (a declared incident without alerts is compared
// on services and title only): services 0.45, alerts 0.35, title 0.20. Each match carries the shared
// elements, so the answer says why.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/alert.h"
#include "model/incident.h"

namespace firebreak::report {

struct IncidentTraits {
  std::set<std::string> services;
  std::set<std::string> alerts;
  std::set<std::string> words;
};

// Lowercased title words of at least three letters or digits (not all digits), without the
// commonest English words: "Checkout returns 500s on EU" -> {checkout, returns, 500s}.
std::set<std::string> TitleWords(std::string_view title);
// The traits of an incident and the alerts that joined it.
IncidentTraits TraitsOf(const model::Incident& inc, const std::vector<model::Alert>& alerts);

struct Likeness {
  double score = 0;  // 0..1
  std::vector<std::string> services, alerts, words;  // shared, sorted
};
// How much `past` is like `now` (not symmetric: the weights are those of the sets `now` has).
Likeness Compare(const IncidentTraits& now, const IncidentTraits& past);

}  // namespace firebreak::report
