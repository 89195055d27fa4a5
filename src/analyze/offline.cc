#include "analyze/offline.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analyze/decode.h"
#include "core/json.h"
#include "core/strings.h"

namespace firebreak::analyze {

namespace fs = std::filesystem;

namespace {

Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return NotFound("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status AddFile(const fs::path& p, const std::string& service, const std::string& metric,
               LoadedMetrics& out) {
  FB_ASSIGN_OR_RETURN(auto text, ReadFile(p));
  DecodeLimits limits;
  limits.max_samples = 50'000'000;
  limits.max_series = 1'000'000;
  limits.skip_non_finite = true;  // exported data has gaps: say so, use the rest
  size_t skipped = 0;
  auto batch = DecodeMetricsCsv(text, service, metric, limits, &skipped);
  if (!batch) {
    auto e = batch.error();
    e.message = p.string() + ": " + e.message;
    return Unexpected(e);
  }
  if (skipped > 0)
    out.warnings.push_back(p.string() + ": " + std::to_string(skipped) + " NaN/Inf value(s) skipped as missing");
  for (auto& s : batch->series) out.series.push_back(std::move(s));
  return Ok();
}

// True when the CSV header names a service column (the long form).
bool IsLongForm(const std::string& text) {
  auto nl = text.find('\n');
  std::vector<std::string> fields;
  if (!SplitCsvLine(text.substr(0, nl), fields)) return false;
  bool service = false, metric = false;
  for (auto& f : fields) {
    auto l = core::ToLower(core::Trim(f));
    service |= l == "service";
    metric |= l == "metric";
  }
  return service && metric;
}

}  // namespace

Result<LoadedMetrics> LoadMetricsDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("metrics directory '" + dir + "' does not exist", "metrics");
  LoadedMetrics out;
  std::vector<fs::directory_entry> entries;
  for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e);
  std::sort(entries.begin(), entries.end());
  for (const auto& e : entries) {
    const auto& p = e.path();
    if (e.is_regular_file() && p.extension() == ".csv") {
      FB_ASSIGN_OR_RETURN(auto text, ReadFile(p));
      FB_TRY(AddFile(p, IsLongForm(text) ? "" : p.stem().string(), "", out));
    } else if (e.is_directory()) {
      std::vector<fs::path> files;
      for (const auto& f : fs::directory_iterator(p, ec))
        if (f.is_regular_file() && f.path().extension() == ".csv") files.push_back(f.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) FB_TRY(AddFile(f, p.filename().string(), f.stem().string(), out));
    } else if (e.is_regular_file()) {
      out.warnings.push_back("skipped " + p.string() + " (not a .csv file)");
    }
  }
  if (out.series.empty()) return InvalidArgument("no metric series in '" + dir + "' (expected .csv files)", "metrics");
  return out;
}

Result<Graph> LoadGraphFile(const std::string& path) {
  std::error_code ec;
  Graph g;
  if (fs::is_directory(path, ec)) {
    return InvalidArgument("'" + path + "' is a directory; pass a graph file (a config directory is read by the server)",
                           "graph");
  }
  FB_ASSIGN_OR_RETURN(auto text, ReadFile(path));
  auto trimmed = core::Trim(text);
  if (!trimmed.empty() && trimmed.front() == '{') {
    FB_ASSIGN_OR_RETURN(auto doc, core::ParseJson(text));
    core::ObjectReader r(doc, "");
    const auto* edges = r.Array("edges", true);
    FB_TRY(r.status());
    for (size_t i = 0; i < edges->size(); ++i) {
      const auto& e = (*edges)[i];
      if (!e.is_array() || e.get_array().size() < 2 || !e.get_array()[0].is_string() || !e.get_array()[1].is_string())
        return InvalidArgument("edges[" + std::to_string(i) + "]: expected [\"caller\", \"callee\"]",
                               "edges[" + std::to_string(i) + "]");
      g.AddEdge(std::string(e.get_array()[0].get_string()), std::string(e.get_array()[1].get_string()));
    }
    return g;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (core::Trim(line).empty()) continue;
    if (!SplitCsvLine(line, fields))
      return InvalidArgument(path + ": line " + std::to_string(line_no) + ": unterminated quote", "graph");
    for (auto& f : fields) f = std::string(core::Trim(f));
    rows.push_back(fields);
  }
  if (rows.empty()) return InvalidArgument(path + ": the graph file is empty", "graph");
  const auto& head = rows[0];
  if (head.size() > 2 && head[0].empty()) {
    // Adjacency matrix.
    std::vector<std::string> cols(head.begin() + 1, head.end());
    for (const auto& c : cols) g.AddNode(c);
    for (size_t i = 1; i < rows.size(); ++i) {
      const auto& row = rows[i];
      if (row.size() != head.size())
        return InvalidArgument(path + ": matrix row " + std::to_string(i + 1) + " has " + std::to_string(row.size()) +
                                   " cells, expected " + std::to_string(head.size()),
                               "graph");
      g.AddNode(row[0]);
      for (size_t j = 1; j < row.size(); ++j) {
        double v = 0;
        if (!ParseFiniteDouble(row[j], &v))
          return InvalidArgument(path + ": matrix row " + std::to_string(i + 1) + ": '" + core::Truncate(row[j], 20) +
                                     "' is not a number",
                                 "graph");
        if (v != 0) g.AddEdge(row[0], cols[j - 1]);
      }
    }
    return g;
  }
  // Edge list; a header row is recognised by its names.
  size_t start = 0;
  auto l0 = core::ToLower(head[0]);
  if (l0 == "source" || l0 == "caller" || l0 == "from" || l0 == "src") start = 1;
  for (size_t i = start; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row.size() < 2 || row[0].empty() || row[1].empty())
      return InvalidArgument(path + ": row " + std::to_string(i + 1) + ": expected source,target", "graph");
    g.AddEdge(row[0], row[1]);
  }
  return g;
}

}  // namespace firebreak::analyze
