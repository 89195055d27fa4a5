#include "analyze/decode.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/json.h"
#include "core/json_strict.h"
#include "core/strings.h"

namespace firebreak::analyze {

namespace {

using SeriesKey = std::tuple<std::string, std::string, std::map<std::string, std::string>>;

// Collects samples per series, then sorts and de-duplicates.
class Collector {
 public:
  explicit Collector(const DecodeLimits& l) : limits_(l) {}
  Status Add(const std::string& service, const std::string& metric,
             const std::map<std::string, std::string>& labels, Sample s, const std::string& where) {
    if (++count_ > limits_.max_samples)
      return MakeError(ErrorCode::kTooLarge,
                       "more than " + std::to_string(limits_.max_samples) + " samples in one batch");
    SeriesKey key{service, metric, labels};
    auto it = index_.find(key);
    if (it == index_.end()) {
      if (index_.size() >= limits_.max_series)
        return MakeError(ErrorCode::kTooLarge, "more than " + std::to_string(limits_.max_series) +
                                                   " series in one batch (" + where + ")");
      it = index_.emplace(key, batch_.series.size()).first;
      Series ns;
      ns.service = service;
      ns.metric = metric;
      ns.labels = labels;
      batch_.series.push_back(std::move(ns));
    }
    batch_.series[it->second].samples.push_back(s);
    return Ok();
  }
  MetricBatch Finish() {
    for (auto& s : batch_.series) {
      std::stable_sort(s.samples.begin(), s.samples.end(),
                       [](const Sample& a, const Sample& b) { return a.t < b.t; });
      // Keep the last value written for a repeated timestamp.
      std::vector<Sample> out;
      out.reserve(s.samples.size());
      for (const auto& x : s.samples) {
        if (!out.empty() && out.back().t == x.t) out.back() = x;
        else out.push_back(x);
      }
      s.samples = std::move(out);
    }
    return std::move(batch_);
  }

 private:
  const DecodeLimits& limits_;
  MetricBatch batch_;
  std::map<SeriesKey, size_t> index_;
  size_t count_ = 0;
};

// Names are printable: no control characters, quotes, backslashes, braces, commas or '='
// (they would break the exposition and CSV forms); UTF-8 is checked separately.
bool NameChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7f) return false;
  return c != '"' && c != '\\' && c != '{' && c != '}' && c != ',' && c != '=';
}

Result<int64_t> JsonTime(const core::json::value& v, const std::string& field) {
  if (v.is_string()) {
    auto t = ParseTimestamp(v.get_string());
    if (!t) return InvalidArgument(field + ": " + t.error().message, field);
    return *t;
  }
  if (v.is_number()) {
    double d = v.to_number<double>();
    if (!std::isfinite(d) || d < 0 || d > 1e15)
      return InvalidArgument(field + ": timestamp out of range", field);
    return static_cast<int64_t>(std::llround(d < 1e11 ? d * 1000.0 : d));
  }
  return InvalidArgument(field + ": expected an RFC 3339 string or a Unix time", field);
}

Result<double> JsonValue(const core::json::value& v, const std::string& field) {
  double d = 0;
  if (v.is_number()) {
    d = v.to_number<double>();
  } else if (v.is_string()) {
    if (!ParseFiniteDouble(v.get_string(), &d))
      return InvalidArgument(field + ": '" + core::Truncate(v.get_string(), 40) + "' is not a finite number", field);
  } else {
    return InvalidArgument(field + ": expected a number", field);
  }
  if (!std::isfinite(d)) return InvalidArgument(field + ": not a finite number", field);
  return d;
}

Result<std::map<std::string, std::string>> JsonLabels(core::ObjectReader& r, const std::string& path,
                                                      const DecodeLimits& limits) {
  std::map<std::string, std::string> labels;
  if (auto l = r.StringMap("labels")) labels = *l;
  FB_TRY(r.status());
  if (labels.size() > limits.max_labels)
    return InvalidArgument(path + ".labels: more than " + std::to_string(limits.max_labels) + " labels",
                           path + ".labels");
  for (const auto& [k, v] : labels) {
    FB_TRY(ValidateName(path + ".labels", k, limits.max_name));
    if (v.size() > limits.max_name || !core::IsValidUtf8(v))
      return InvalidArgument(path + ".labels." + k + ": value too long or not UTF-8", path + ".labels." + k);
  }
  return labels;
}

}  // namespace

size_t MetricBatch::SampleCount() const {
  size_t n = 0;
  for (const auto& s : series) n += s.samples.size();
  return n;
}

Status ValidateName(std::string_view what, std::string_view name, size_t max_name) {
  if (name.empty()) return InvalidArgument(std::string(what) + " is empty", std::string(what));
  if (name.size() > max_name)
    return InvalidArgument(std::string(what) + " is longer than " + std::to_string(max_name) + " bytes",
                           std::string(what));
  if (!core::IsValidUtf8(name)) return InvalidArgument(std::string(what) + " is not valid UTF-8", std::string(what));
  for (char c : name)
    if (!NameChar(c))
      return InvalidArgument(std::string(what) + " '" + core::Truncate(name, 60) +
                                 "' contains a control character, quote, backslash, brace, comma or '='",
                             std::string(what));
  if (core::Trim(name).size() != name.size())
    return InvalidArgument(std::string(what) + " '" + core::Truncate(name, 60) + "' has leading or trailing spaces",
                           std::string(what));
  return Ok();
}

Result<MetricBatch> DecodeMetricsJson(std::string_view body, const std::string& default_service,
                                      const DecodeLimits& limits) {
  // A request body: a key given twice is refused naming it (as every other JSON request body).
  FB_ASSIGN_OR_RETURN(auto doc, core::ParseJsonStrict(body, {}, 16));
  if (!doc.is_object()) return InvalidArgument("the body must be a JSON object with \"samples\" or \"series\"");
  core::ObjectReader root(doc, "");
  root.RejectUnknown({"samples", "series", "service"});
  auto service_default = root.String("service").value_or(default_service);
  const auto* samples = root.Array("samples");
  const auto* series = root.Array("series");
  FB_TRY(root.status());
  if (!samples && !series) return InvalidArgument("the body needs \"samples\" or \"series\"", "samples");
  Collector c(limits);
  if (samples) {
    for (size_t i = 0; i < samples->size(); ++i) {
      const std::string path = "samples[" + std::to_string(i) + "]";
      const auto& item = (*samples)[i];
      if (!item.is_object()) return InvalidArgument(path + ": expected an object", path);
      core::ObjectReader r(item, path);
      r.RejectUnknown({"service", "metric", "labels", "time", "timestamp", "t", "value", "v"});
      auto service = r.String("service").value_or(service_default);
      auto metric = r.String("metric", true);
      FB_TRY(r.status());
      FB_TRY(ValidateName(path + ".service", service, limits.max_name));
      FB_TRY(ValidateName(path + ".metric", *metric, limits.max_name));
      FB_ASSIGN_OR_RETURN(auto labels, JsonLabels(r, path, limits));
      const core::json::value* tv = r.Raw("time");
      std::string tkey = "time";
      if (!tv) tv = r.Raw("timestamp"), tkey = "timestamp";
      if (!tv) tv = r.Raw("t"), tkey = "t";
      if (!tv) return InvalidArgument(path + ": missing required field 'time'", path + ".time");
      FB_ASSIGN_OR_RETURN(int64_t t, JsonTime(*tv, path + "." + tkey));
      const core::json::value* vv = r.Raw("value");
      if (!vv) vv = r.Raw("v");
      if (!vv) return InvalidArgument(path + ": missing required field 'value'", path + ".value");
      FB_ASSIGN_OR_RETURN(double v, JsonValue(*vv, path + ".value"));
      FB_TRY(c.Add(service, *metric, labels, {t, v}, path));
    }
  }
  if (series) {
    for (size_t i = 0; i < series->size(); ++i) {
      const std::string path = "series[" + std::to_string(i) + "]";
      const auto& item = (*series)[i];
      if (!item.is_object()) return InvalidArgument(path + ": expected an object", path);
      core::ObjectReader r(item, path);
      r.RejectUnknown({"service", "metric", "labels", "samples"});
      auto service = r.String("service").value_or(service_default);
      auto metric = r.String("metric", true);
      const auto* pts = r.Array("samples", true);
      FB_TRY(r.status());
      FB_TRY(ValidateName(path + ".service", service, limits.max_name));
      FB_TRY(ValidateName(path + ".metric", *metric, limits.max_name));
      FB_ASSIGN_OR_RETURN(auto labels, JsonLabels(r, path, limits));
      for (size_t j = 0; j < pts->size(); ++j) {
        const std::string sp = path + ".samples[" + std::to_string(j) + "]";
        const auto& p = (*pts)[j];
        if (!p.is_array() || p.get_array().size() != 2)
          return InvalidArgument(sp + ": expected [time, value]", sp);
        FB_ASSIGN_OR_RETURN(int64_t t, JsonTime(p.get_array()[0], sp));
        FB_ASSIGN_OR_RETURN(double v, JsonValue(p.get_array()[1], sp));
        FB_TRY(c.Add(service, *metric, labels, {t, v}, sp));
      }
    }
  }
  return c.Finish();
}

namespace {

// Parses `{a="x",b="y"}` starting at text[pos] == '{'; advances pos past '}'.
Status ParseLabelSet(std::string_view text, size_t& pos, std::map<std::string, std::string>& out,
                     const std::string& where, const DecodeLimits& limits) {
  ++pos;  // '{'
  while (true) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    if (pos >= text.size()) return InvalidArgument(where + ": unterminated label set", where);
    if (text[pos] == '}') {
      ++pos;
      return Ok();
    }
    size_t start = pos;
    while (pos < text.size() && (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_')) ++pos;
    std::string name(text.substr(start, pos - start));
    if (name.empty()) return InvalidArgument(where + ": expected a label name", where);
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size() || text[pos] != '=')
      return InvalidArgument(where + ": expected '=' after label '" + core::Truncate(name, 40) + "'", where);
    ++pos;
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size() || text[pos] != '"')
      return InvalidArgument(where + ": label '" + core::Truncate(name, 40) + "' needs a quoted value", where);
    ++pos;
    std::string value;
    while (true) {
      if (pos >= text.size()) return InvalidArgument(where + ": unterminated label value", where);
      char c = text[pos++];
      if (c == '"') break;
      if (c == '\\') {
        if (pos >= text.size()) return InvalidArgument(where + ": bad escape in label value", where);
        char e = text[pos++];
        if (e == 'n') value += '\n';
        else if (e == '\\' || e == '"') value += e;
        else return InvalidArgument(where + ": bad escape '\\" + std::string(1, e) + "' in label value", where);
      } else {
        value += c;
      }
    }
    if (value.size() > limits.max_name || !core::IsValidUtf8(value))
      return InvalidArgument(where + ": label '" + core::Truncate(name, 40) + "' value too long or not UTF-8", where);
    if (out.size() >= limits.max_labels + 1)
      return InvalidArgument(where + ": too many labels", where);
    if (!out.emplace(name, std::move(value)).second)
      return InvalidArgument(where + ": label '" + core::Truncate(name, 40) + "' repeats", where);
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos < text.size() && text[pos] == ',') ++pos;
  }
}

bool ParseExpositionValue(std::string_view s, double* v, bool* special) {
  *special = false;
  if (s == "NaN" || s == "+Inf" || s == "-Inf" || s == "Inf") {
    *special = true;
    return true;
  }
  return ParseFiniteDouble(s, v);
}

}  // namespace

Result<MetricBatch> DecodeExposition(std::string_view text, const std::string& default_service,
                                     int64_t now_ms, const DecodeLimits& limits, size_t* skipped) {
  if (!core::IsValidUtf8(text)) return InvalidArgument("the exposition text is not valid UTF-8");
  Collector c(limits);
  size_t pos = 0, line_no = 0, nskipped = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = core::Trim(line);
    if (t.empty() || t.front() == '#') continue;
    const std::string where = "line " + std::to_string(line_no);
    size_t p = 0;
    while (p < t.size() && (std::isalnum(static_cast<unsigned char>(t[p])) || t[p] == '_' || t[p] == ':')) ++p;
    std::string name(t.substr(0, p));
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
      return InvalidArgument(where + ": expected a metric name", where);
    std::map<std::string, std::string> labels;
    if (p < t.size() && t[p] == '{') FB_TRY(ParseLabelSet(t, p, labels, where, limits));
    std::string_view rest = core::Trim(t.substr(p));
    auto parts = core::Split(rest, ' ', true);
    if (parts.empty() || parts.size() > 2)
      return InvalidArgument(where + ": expected 'name{labels} value [timestamp]'", where);
    double v = 0;
    bool special = false;
    if (!ParseExpositionValue(parts[0], &v, &special))
      return InvalidArgument(where + ": value '" + core::Truncate(parts[0], 40) + "' is not a number", where);
    int64_t ts = now_ms;
    if (parts.size() == 2) {
      double d = 0;
      if (!ParseFiniteDouble(parts[1], &d) || d < 0 || d > 1e15 || d != std::floor(d))
        return InvalidArgument(where + ": timestamp '" + core::Truncate(parts[1], 40) +
                                   "' is not integer milliseconds",
                               where);
      ts = static_cast<int64_t>(d);
    }
    if (special) {
      ++nskipped;
      continue;
    }
    std::string service = default_service;
    if (auto it = labels.find("service"); it != labels.end()) {
      service = it->second;
      labels.erase(it);
    }
    if (service.empty())
      return InvalidArgument(where + ": no service (add a service=\"...\" label or ?service=)", where);
    FB_TRY(ValidateName(where + " service", service, limits.max_name));
    FB_TRY(ValidateName(where + " metric", name, limits.max_name));
    if (labels.size() > limits.max_labels) return InvalidArgument(where + ": too many labels", where);
    FB_TRY(c.Add(service, name, labels, {ts, v}, where));
  }
  if (skipped) *skipped = nskipped;
  return c.Finish();
}

namespace {
bool IsNonFinite(std::string_view cell) {
  auto l = core::ToLower(core::Trim(cell));
  if (!l.empty() && (l[0] == '+' || l[0] == '-')) l.erase(0, 1);
  return l == "nan" || l == "inf" || l == "infinity";
}
}  // namespace

Result<MetricBatch> DecodeMetricsCsv(std::string_view text, const std::string& service,
                                     const std::string& metric, const DecodeLimits& limits,
                                     size_t* skipped) {
  size_t nskipped = 0;
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF) text.remove_prefix(3);
  if (!service.empty()) FB_TRY(ValidateName("service", service, limits.max_name));
  if (!metric.empty()) FB_TRY(ValidateName("metric", metric, limits.max_name));
  Collector c(limits);
  std::vector<std::string> fields, header;
  size_t pos = 0, line_no = 0;
  enum class Form { kUnknown, kPair, kWide, kLong } form = Form::kUnknown;
  int ts_col = 0, svc_col = -1, metric_col = -1, value_col = -1;
  std::vector<int64_t> last_t;  // per wide column
  std::map<std::pair<std::string, std::string>, int64_t> last_long;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (core::Trim(line).empty()) continue;
    const std::string where = "line " + std::to_string(line_no);
    if (!SplitCsvLine(line, fields)) return InvalidArgument(where + ": unterminated quote", where);
    if (form == Form::kUnknown) {
      if (ParseTimestamp(fields[0])) {
        if (fields.size() != 2)
          return InvalidArgument(where + ": a file without a header must be timestamp,value", where);
        form = Form::kPair;
        header = {"timestamp", metric.empty() ? "value" : metric};
        last_t.assign(2, INT64_MIN);
      } else {
        header.clear();
        for (auto& f : fields) header.emplace_back(core::Trim(f));
        std::vector<std::string> lower;
        for (auto& h : header) lower.push_back(core::ToLower(h));
        auto find = [&](std::initializer_list<const char*> names) {
          for (size_t i = 0; i < lower.size(); ++i)
            for (auto n : names)
              if (lower[i] == n) return static_cast<int>(i);
          return -1;
        };
        ts_col = find({"timestamp", "time", "ts", "t"});
        if (ts_col < 0) return InvalidArgument(where + ": the header has no timestamp column", where);
        svc_col = find({"service"});
        metric_col = find({"metric", "name"});
        value_col = find({"value"});
        if (metric_col >= 0 && value_col >= 0) {
          form = Form::kLong;
        } else if (header.size() == 2 && value_col >= 0) {
          form = Form::kPair;
          header[static_cast<size_t>(value_col)] = metric.empty() ? "value" : metric;
        } else {
          form = Form::kWide;
          for (size_t i = 0; i < header.size(); ++i) {
            if (static_cast<int>(i) == ts_col) continue;
            FB_TRY(ValidateName(where + " column " + std::to_string(i + 1), header[i], limits.max_name));
          }
        }
        last_t.assign(header.size(), INT64_MIN);
        continue;
      }
    }
    if (fields.size() != header.size())
      return InvalidArgument(where + ": expected " + std::to_string(header.size()) + " fields, found " +
                                 std::to_string(fields.size()),
                             where);
    auto t = ParseTimestamp(fields[static_cast<size_t>(ts_col)]);
    if (!t) return InvalidArgument(where + ": " + t.error().message, where);
    if (form == Form::kLong) {
      std::string svc = svc_col >= 0 ? std::string(core::Trim(fields[static_cast<size_t>(svc_col)])) : service;
      if (svc_col >= 0 && !service.empty() && svc != service)
        return InvalidArgument(where + ": row for service '" + core::Truncate(svc, 60) +
                                   "' in an import for '" + service + "'",
                               where);
      if (svc.empty()) return InvalidArgument(where + ": no service (use --service)", where);
      std::string m(core::Trim(fields[static_cast<size_t>(metric_col)]));
      FB_TRY(ValidateName(where + " service", svc, limits.max_name));
      FB_TRY(ValidateName(where + " metric", m, limits.max_name));
      double v = 0;
      if (limits.skip_non_finite && IsNonFinite(fields[static_cast<size_t>(value_col)])) {
        ++nskipped;
        continue;
      }
      if (!ParseFiniteDouble(fields[static_cast<size_t>(value_col)], &v))
        return InvalidArgument(where + ": value '" + core::Truncate(fields[static_cast<size_t>(value_col)], 40) +
                                   "' is not a finite number",
                               where);
      auto& lt = last_long[{svc, m}];
      if (lt != 0 && *t <= lt)
        return InvalidArgument(where + ": timestamp does not increase for " + svc + "/" + m, where);
      lt = *t;
      FB_TRY(c.Add(svc, m, {}, {*t, v}, where));
      continue;
    }
    if (service.empty()) return InvalidArgument("a service is required (--service)", "service");
    for (size_t i = 0; i < fields.size(); ++i) {
      if (static_cast<int>(i) == ts_col) continue;
      std::string_view cell = core::Trim(fields[i]);
      if (cell.empty() && form == Form::kWide) continue;  // a missing value
      if (limits.skip_non_finite && IsNonFinite(cell)) {
        ++nskipped;
        continue;
      }
      double v = 0;
      if (!ParseFiniteDouble(cell, &v))
        return InvalidArgument(where + ": " + header[i] + " value '" + core::Truncate(cell, 40) +
                                   "' is not a finite number",
                               where);
      if (*t <= last_t[i])
        return InvalidArgument(where + ": timestamp " + core::Truncate(fields[static_cast<size_t>(ts_col)], 40) +
                                   " does not increase (timestamps must increase)",
                               where);
      last_t[i] = *t;
      FB_TRY(c.Add(service, header[i], {}, {*t, v}, where));
    }
  }
  if (form == Form::kUnknown) return InvalidArgument("the CSV file has no rows");
  if (skipped) *skipped = nskipped;
  return c.Finish();
}

}  // namespace firebreak::analyze
