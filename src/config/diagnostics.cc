#include "config/diagnostics.h"

#include <algorithm>
#include <tuple>

namespace firebreak::config {

std::string Diagnostic::ToString() const {
  std::string s = loc.ToString();
  s += level == Level::kError ? ": error[" : ": warning[";
  s += code;
  s += "]: ";
  s += message;
  return s;
}

boost::json::object Diagnostic::ToJson() const {
  boost::json::object o;
  o["level"] = level == Level::kError ? "error" : "warning";
  o["code"] = code;
  o["message"] = message;
  o["file"] = loc.file;
  o["line"] = loc.line;
  o["column"] = loc.col;
  return o;
}

void Diagnostics::Error(const model::SourceLoc& loc, std::string code, std::string message) {
  all_.push_back({Diagnostic::Level::kError, std::move(code), std::move(message), loc});
  ++errors_;
}

void Diagnostics::Warning(const model::SourceLoc& loc, std::string code, std::string message) {
  all_.push_back({Diagnostic::Level::kWarning, std::move(code), std::move(message), loc});
}

std::vector<Diagnostic> Diagnostics::Sorted() const {
  auto v = all_;
  std::stable_sort(v.begin(), v.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.col) < std::tie(b.loc.file, b.loc.line, b.loc.col);
  });
  return v;
}

}  // namespace firebreak::config
