// Exported data for offline analysis (`firebreak analyze rca --metrics DIR --graph FILE ...`).
//
// Metrics directory layout (docs/ANALYZE.md): every `*.csv` file directly in DIR, and every
// `*.csv` file in a subdirectory, in one of these forms:
//   DIR/<service>.csv            timestamp,<metric>,<metric>,...   (wide: one series per column)
//   DIR/<service>/<metric>.csv   timestamp,value                   (one series)
//   DIR/<anything>.csv           timestamp,service,metric,value    (long: any services; a service
//                                                                   "caller->callee" is an edge)
// Empty cells are missing samples. Timestamps: RFC 3339, "YYYY-MM-DD HH:MM:SS" (UTC) or Unix
// seconds/milliseconds.
//
// Graph file: a CSV edge list (`source,target[,weight]`, caller first), a CSV adjacency matrix
// (first row: an empty cell then node names; a non-zero cell means row calls column), a JSON
// object {"edges": [["caller", "callee"], ...]}, or a Firebreak config directory (service
// dependencies).
#pragma once

#include <string>
#include <vector>

#include "analyze/rca.h"
#include "analyze/series.h"
#include "core/result.h"

namespace firebreak::analyze {

struct LoadedMetrics {
  std::vector<Series> series;
  std::vector<std::string> warnings;  // files skipped and why
};

// Loads every series of an exported metrics directory. A file that cannot be parsed is an error
// naming the file and line.
Result<LoadedMetrics> LoadMetricsDir(const std::string& dir);

// Loads a dependency graph in one of the forms above.
Result<Graph> LoadGraphFile(const std::string& path);

}  // namespace firebreak::analyze
