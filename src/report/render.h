// Rendering: Markdown and self-contained HTML (with an SVG timeline) from the JSON documents of
// build.h, through mustache templates (kainjow). Built-in templates are the defaults; a template
// file `<name>.mustache` in the configured template directory replaces the built-in one.
#pragma once

#include <map>
#include <string>

#include <boost/json.hpp>

#include "core/result.h"
#include "report/record.h"

namespace firebreak::report {

// Template names: postmortem.md, postmortem.html, status_internal.txt, status_external.txt,
// response_plan.md.
class Templates {
 public:
  // `dir` empty: built-ins only. Files are read at construction; a template that does not parse
  // is an InvalidArgument naming the file.
  static Result<Templates> Load(const std::string& dir);
  static const std::map<std::string, std::string>& BuiltIns();
  // Renders template `name` with `view`. Markdown templates escape table-breaking characters,
  // HTML ones escape HTML, text ones nothing.
  Result<std::string> Render(const std::string& name, const json::value& view) const;
  // Which templates were overridden (name -> file).
  const std::map<std::string, std::string>& overrides() const { return overrides_; }

 private:
  std::map<std::string, std::string> text_;
  std::map<std::string, std::string> overrides_;
};

// The SVG timeline: severity bands, pages, acknowledgements, runbook steps and state changes on a
// time axis. Labels are timeline kinds and times only (no free text), so it holds no personal data.
std::string TimelineSvg(const Record& r, core::TimePoint now);

// Tidies generated Markdown: no trailing spaces, no runs of blank lines, one final newline.
std::string TidyMarkdown(std::string_view md);

}  // namespace firebreak::report
