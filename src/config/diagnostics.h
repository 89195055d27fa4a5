// Diagnostics: every problem found while loading configuration, with a stable code and a location.
// Printed as `file:line:col: error[code]: in policy 'db': schedule 'dba' is not defined`.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "model/catalog.h"

namespace firebreak::config {

struct Diagnostic {
  enum class Level { kError, kWarning };
  Level level = Level::kError;
  std::string code;     // kebab-case, stable: "undefined-schedule", "unknown-key", ...
  std::string message;  // includes the item chain: "in policy 'db': ..."
  model::SourceLoc loc;

  std::string ToString() const;
  boost::json::object ToJson() const;
};

class Diagnostics {
 public:
  void Error(const model::SourceLoc& loc, std::string code, std::string message);
  void Warning(const model::SourceLoc& loc, std::string code, std::string message);
  bool HasErrors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  const std::vector<Diagnostic>& all() const { return all_; }
  // Sorted by file, line, column.
  std::vector<Diagnostic> Sorted() const;

 private:
  std::vector<Diagnostic> all_;
  size_t errors_ = 0;
};

}  // namespace firebreak::config
