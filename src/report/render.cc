#include "report/render.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <kainjow/mustache.hpp>

#include "core/strings.h"
#include "core/time.h"

namespace firebreak::report {

namespace mus = kainjow::mustache;

namespace {

mus::data ToData(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      mus::data d{mus::data::type::object};
      for (const auto& kv : v.get_object()) d.set(std::string(kv.key()), ToData(kv.value()));
      return d;
    }
    case json::kind::array: {
      mus::data d{mus::data::type::list};
      for (const auto& x : v.get_array()) d.push_back(ToData(x));
      return d;
    }
    case json::kind::string:
      // An empty string is false, so {{#field}}...{{/field}} skips it and {{^field}} shows a fallback.
      if (v.get_string().empty()) return mus::data(false);
      return mus::data(std::string(v.get_string()));
    case json::kind::bool_:
      return mus::data(v.get_bool());
    case json::kind::null:
      return mus::data(false);
    case json::kind::int64:
      return mus::data(std::to_string(v.get_int64()));
    case json::kind::uint64:
      return mus::data(std::to_string(v.get_uint64()));
    case json::kind::double_: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.3g", v.get_double());
      return mus::data(std::string(buf));
    }
  }
  return mus::data(false);
}

// Markdown: text stays on one table cell / line and cannot open HTML, links or emphasis.
std::string EscapeMarkdown(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '|':
      case '*':
      case '_':
      case '`':
      case '[':
      case ']':
      case '\\':
        out += '\\';
        out += c;
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool EndsWith(std::string_view s, std::string_view suf) {
  return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
}

}  // namespace

Result<Templates> Templates::Load(const std::string& dir) {
  Templates t;
  t.text_ = BuiltIns();
  if (!dir.empty()) {
    for (const auto& [name, _] : BuiltIns()) {
      std::string path = dir + "/" + name + ".mustache";
      std::ifstream in(path, std::ios::binary);
      if (!in) continue;
      std::stringstream ss;
      ss << in.rdbuf();
      std::string text = ss.str();
      mus::mustache probe{text};
      if (!probe.is_valid())
        return InvalidArgument(path + ": invalid template: " + probe.error_message(), "settings.reports.templates");
      t.text_[name] = std::move(text);
      t.overrides_[name] = path;
    }
  }
  return t;
}

Result<std::string> Templates::Render(const std::string& name, const json::value& view) const {
  auto it = text_.find(name);
  if (it == text_.end()) return NotFound("no template '" + name + "'", "template");
  mus::mustache tmpl{it->second};
  if (!tmpl.is_valid()) return InvalidArgument("template " + name + ": " + tmpl.error_message(), "template");
  if (EndsWith(name, ".md")) tmpl.set_custom_escape(EscapeMarkdown);
  else if (EndsWith(name, ".txt")) tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tmpl.render(ToData(view));
  if (!tmpl.is_valid()) return InvalidArgument("template " + name + ": " + tmpl.error_message(), "template");
  if (EndsWith(name, ".md")) out = TidyMarkdown(out);
  return out;
}

std::string TidyMarkdown(std::string_view md) {
  std::string out;
  int blank_run = 0;
  for (auto& line : core::Split(md, '\n')) {
    std::string l = line;
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) l.pop_back();
    if (l.empty()) {
      if (out.empty() || ++blank_run > 1) continue;
    } else {
      blank_run = 0;
    }
    out += l;
    out += '\n';
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

// ---- SVG timeline ---------------------------------------------------------------------------

namespace {

const char* SeverityColor(model::Severity s) {
  switch (s) {
    case model::Severity::kSev0: return "#3b0a0a";
    case model::Severity::kSev1: return "#d7263d";
    case model::Severity::kSev2: return "#f46036";
    case model::Severity::kSev3: return "#e2c044";
    case model::Severity::kSev4: return "#2e933c";
  }
  return "#999999";
}

struct Lane {
  const char* name;
  const char* color;
};
// Lanes: 0 state changes, 1 pages/escalation, 2 acknowledgements, 3 runbook steps, 4 other.
constexpr Lane kLanes[] = {{"state", "#1b4965"}, {"pages", "#8e44ad"}, {"acks", "#0b6e4f"},
                           {"runbooks", "#c75000"}, {"notes", "#555555"}};

int LaneOf(std::string_view kind) {
  if (kind == "declared" || kind == "mitigated" || kind == "resolved" || kind == "reopened" || kind == "closed")
    return 0;
  if (kind == "page" || kind.substr(0, 10) == "escalation") return 1;
  if (kind == "acknowledged") return 2;
  if (kind.substr(0, 7) == "runbook" || kind.substr(0, 8) == "approval" || kind == "remediation") return 3;
  return 4;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string TimelineSvg(const Record& r, core::TimePoint now) {
  const auto& inc = r.incident;
  core::TimePoint t0 = inc.created_at;
  core::TimePoint t1 = inc.resolved_at.value_or(inc.closed_at.value_or(now));
  for (const auto& e : r.timeline) {
    t0 = std::min(t0, e.time);
    t1 = std::max(t1, e.time);
  }
  if (t1 <= t0) t1 = t0 + core::Millis(60000);
  const double width = 1000, left = 90, right = 20, top = 30, lane_h = 34;
  const double plot_w = width - left - right;
  const double lanes = std::size(kLanes);
  const double height = top + lanes * lane_h + 50;
  const double span = static_cast<double>((t1 - t0).count());
  auto X = [&](core::TimePoint t) { return left + plot_w * static_cast<double>((t - t0).count()) / span; };

  std::string s;
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(width) + "\" height=\"" + Num(height) +
       "\" viewBox=\"0 0 " + Num(width) + " " + Num(height) + "\" role=\"img\" aria-label=\"Incident timeline\">";
  s += "<rect x=\"0\" y=\"0\" width=\"" + Num(width) + "\" height=\"" + Num(height) + "\" fill=\"#ffffff\"/>";
  // Severity bands along the top.
  model::Severity sev = inc.severity;
  std::vector<std::pair<core::TimePoint, model::Severity>> changes;
  for (const auto& e : r.timeline) {
    auto get = [&](const char* k) -> std::string {
      auto it = e.data.find(k);
      return it != e.data.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
    };
    if (e.kind == "declared") {
      if (auto v = model::ParseSeverity(get("severity"))) changes.emplace_back(e.time, *v);
    } else if (e.kind == "severity") {
      if (auto v = model::ParseSeverity(get("to"))) changes.emplace_back(e.time, *v);
    }
  }
  if (changes.empty()) changes.emplace_back(t0, sev);
  for (size_t i = 0; i < changes.size(); ++i) {
    auto from = changes[i].first;
    auto to = i + 1 < changes.size() ? changes[i + 1].first : t1;
    double x0 = X(from), x1 = X(to);
    s += "<rect class=\"sev-band\" x=\"" + Num(x0) + "\" y=\"4\" width=\"" + Num(std::max(1.0, x1 - x0)) +
         "\" height=\"18\" fill=\"" + SeverityColor(changes[i].second) + "\"><title>" +
         std::string(model::SeverityName(changes[i].second)) + " from " + core::FormatRfc3339(from) + "</title></rect>";
    s += "<text x=\"" + Num(x0 + 4) + "\" y=\"17\" font-size=\"11\" fill=\"#ffffff\">" +
         std::string(model::SeverityName(changes[i].second)) + "</text>";
  }
  // Lanes.
  for (size_t l = 0; l < std::size(kLanes); ++l) {
    double y = top + lane_h * static_cast<double>(l) + lane_h / 2;
    s += "<text x=\"6\" y=\"" + Num(y + 4) + "\" font-size=\"12\" fill=\"#333333\">" + kLanes[l].name + "</text>";
    s += "<line x1=\"" + Num(left) + "\" y1=\"" + Num(y) + "\" x2=\"" + Num(width - right) + "\" y2=\"" + Num(y) +
         "\" stroke=\"#dddddd\" stroke-width=\"1\"/>";
  }
  // Events.
  for (const auto& e : r.timeline) {
    int l = LaneOf(e.kind);
    double y = top + lane_h * l + lane_h / 2;
    s += "<circle class=\"event\" data-kind=\"" + core::HtmlEscape(e.kind) + "\" cx=\"" + Num(X(e.time)) + "\" cy=\"" +
         Num(y) + "\" r=\"6\" fill=\"" + kLanes[l].color + "\"><title>" + core::HtmlEscape(e.kind) + " at " +
         core::FormatRfc3339(e.time) + "</title></circle>";
  }
  // Time axis: five ticks.
  double axis_y = top + lanes * lane_h + 8;
  s += "<line x1=\"" + Num(left) + "\" y1=\"" + Num(axis_y) + "\" x2=\"" + Num(width - right) + "\" y2=\"" +
       Num(axis_y) + "\" stroke=\"#333333\"/>";
  for (int i = 0; i <= 4; ++i) {
    auto t = t0 + core::Millis(static_cast<int64_t>(span * i / 4));
    double x = X(t);
    std::string label = core::FormatRfc3339(t).substr(11, 5);
    s += "<line x1=\"" + Num(x) + "\" y1=\"" + Num(axis_y) + "\" x2=\"" + Num(x) + "\" y2=\"" + Num(axis_y + 5) +
         "\" stroke=\"#333333\"/>";
    s += "<text x=\"" + Num(x - 14) + "\" y=\"" + Num(axis_y + 18) + "\" font-size=\"11\" fill=\"#333333\">" + label +
         "</text>";
  }
  s += "<text x=\"" + Num(left) + "\" y=\"" + Num(axis_y + 34) + "\" font-size=\"11\" fill=\"#333333\">UTC, " +
       core::FormatRfc3339(t0).substr(0, 10) + " (" + core::FormatDuration(t1 - t0) + ")</text>";
  s += "</svg>";
  return s;
}

}  // namespace firebreak::report
