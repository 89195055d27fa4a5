#include "store/metrics_repo.h"

#include <algorithm>

#include "core/json.h"

namespace firebreak::store {

namespace {
std::string LabelsJson(const std::map<std::string, std::string>& labels) {
  boost::json::object o;
  for (const auto& [k, v] : labels) o[k] = v;
  return core::CanonicalJson(o);
}

std::map<std::string, std::string> ParseLabels(const std::string& text) {
  std::map<std::string, std::string> out;
  auto v = core::ParseJson(text);
  if (!v || !v->is_object()) return out;
  for (const auto& kv : v->get_object())
    if (kv.value().is_string()) out[std::string(kv.key())] = std::string(kv.value().get_string());
  return out;
}
}  // namespace

Result<int64_t> MetricRepo::EnsureSeries(const std::string& service, const std::string& metric,
                                         const std::map<std::string, std::string>& labels) {
  const std::string lj = LabelsJson(labels);
  {
    FB_ASSIGN_OR_RETURN(auto q, c_.Prepare("SELECT id FROM metric_series WHERE service = ? AND metric = ? AND labels = ?"));
    q.Bind(1, service).Bind(2, metric).Bind(3, lj);
    FB_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) return q.Int(0);
  }
  FB_ASSIGN_OR_RETURN(auto ins, c_.Prepare("INSERT INTO metric_series(service, metric, labels) VALUES (?, ?, ?)"));
  ins.Bind(1, service).Bind(2, metric).Bind(3, lj);
  FB_TRY(ins.Run());
  return c_.LastInsertRowId();
}

Status MetricRepo::Append(int64_t series_id, const std::vector<MetricPoint>& points) {
  for (const auto& p : points) {
    FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("INSERT OR REPLACE INTO metric_samples(series_id, t, v) VALUES (?, ?, ?)"));
    st.Bind(1, series_id).Bind(2, p.t).Bind(3, p.v);
    FB_TRY(st.Run());
  }
  return Ok();
}

Result<std::vector<MetricSeriesRecord>> MetricRepo::ListSeries(std::string_view service) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT s.id, s.service, s.metric, s.labels, "
      " (SELECT MIN(t) FROM metric_samples WHERE series_id = s.id), "
      " (SELECT MAX(t) FROM metric_samples WHERE series_id = s.id), "
      " (SELECT COUNT(*) FROM metric_samples WHERE series_id = s.id), "
      " (SELECT MIN(t) FROM metric_rollups WHERE series_id = s.id), "
      " (SELECT MAX(t) FROM metric_rollups WHERE series_id = s.id), "
      " (SELECT COUNT(*) FROM metric_rollups WHERE series_id = s.id) "
      "FROM metric_series s WHERE (? = '' OR s.service = ?) ORDER BY s.service, s.metric, s.labels"));
  st.Bind(1, service).Bind(2, service);
  std::vector<MetricSeriesRecord> out;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    MetricSeriesRecord r;
    r.id = st.Int(0);
    r.service = st.Text(1);
    r.metric = st.Text(2);
    r.labels = ParseLabels(st.Text(3));
    const bool has_raw = !st.IsNull(4), has_roll = !st.IsNull(7);
    if (has_raw || has_roll) {
      r.first = has_raw && has_roll ? std::min(st.Int(4), st.Int(7)) : (has_raw ? st.Int(4) : st.Int(7));
      r.last = has_raw && has_roll ? std::max(st.Int(5), st.Int(8)) : (has_raw ? st.Int(5) : st.Int(8));
    }
    r.samples = st.Int(6) + st.Int(9);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<MetricPoint>> MetricRepo::Range(int64_t series_id, int64_t from, int64_t to) {
  std::vector<MetricPoint> out;
  int64_t raw_first = INT64_MAX;
  {
    FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
        "SELECT t, v FROM metric_samples WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t"));
    st.Bind(1, series_id).Bind(2, from).Bind(3, to);
    while (true) {
      FB_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back({st.Int(0), st.Double(1)});
    }
    if (!out.empty()) raw_first = out.front().t;
  }
  std::vector<MetricPoint> rolled;
  {
    FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
        "SELECT t, sum / count FROM metric_rollups WHERE series_id = ? AND t >= ? AND t <= ? AND t < ? "
        "ORDER BY t"));
    st.Bind(1, series_id).Bind(2, from).Bind(3, to).Bind(4, raw_first);
    while (true) {
      FB_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      rolled.push_back({st.Int(0), st.Double(1)});
    }
  }
  if (rolled.empty()) return out;
  rolled.insert(rolled.end(), out.begin(), out.end());
  return rolled;
}

Result<CompactionStats> MetricRepo::Compact(int64_t raw_before, int64_t rollup_ms, int64_t delete_before,
                                            int64_t max_rows) {
  CompactionStats cs;
  if (rollup_ms <= 0) return InvalidArgument("rollup must be positive");
  // Fold the oldest raw rows (those before `cut`, at most about max_rows of them) into their
  // buckets, merging with buckets already there, then delete exactly those rows.
  int64_t cut = raw_before;
  {
    FB_ASSIGN_OR_RETURN(auto lim, c_.Prepare("SELECT t FROM metric_samples WHERE t < ? ORDER BY t LIMIT 1 OFFSET ?"));
    lim.Bind(1, raw_before).Bind(2, max_rows);
    FB_ASSIGN_OR_RETURN(bool row, lim.Step());
    if (row) cut = lim.Int(0);
  }
  FB_ASSIGN_OR_RETURN(auto sel, c_.Prepare("SELECT series_id, t, v FROM metric_samples WHERE t < ?"));
  sel.Bind(1, cut);
  struct Bucket {
    int64_t count = 0;
    double sum = 0, min = 0, max = 0;
  };
  std::map<std::pair<int64_t, int64_t>, Bucket> buckets;
  while (true) {
    FB_ASSIGN_OR_RETURN(bool row, sel.Step());
    if (!row) break;
    const int64_t t = sel.Int(1);
    const double v = sel.Double(2);
    const int64_t b = t >= 0 ? t / rollup_ms * rollup_ms : (t - rollup_ms + 1) / rollup_ms * rollup_ms;
    auto& bk = buckets[{sel.Int(0), b}];
    if (bk.count == 0) bk.min = bk.max = v;
    bk.min = std::min(bk.min, v);
    bk.max = std::max(bk.max, v);
    bk.sum += v;
    ++bk.count;
    ++cs.rolled_up;
  }
  for (const auto& [key, bk] : buckets) {
    FB_ASSIGN_OR_RETURN(auto up, c_.Prepare(
        "INSERT INTO metric_rollups(series_id, t, count, sum, min, max) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(series_id, t) DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum, "
        "min = MIN(min, excluded.min), max = MAX(max, excluded.max)"));
    up.Bind(1, key.first).Bind(2, key.second).Bind(3, bk.count).Bind(4, bk.sum).Bind(5, bk.min).Bind(6, bk.max);
    FB_TRY(up.Run());
  }
  if (cs.rolled_up > 0) {
    FB_ASSIGN_OR_RETURN(auto del, c_.Prepare("DELETE FROM metric_samples WHERE t < ?"));
    del.Bind(1, cut);
    FB_TRY(del.Run());
  }
  {
    FB_ASSIGN_OR_RETURN(auto del, c_.Prepare("DELETE FROM metric_rollups WHERE t < ?"));
    del.Bind(1, delete_before);
    FB_TRY(del.Run());
    cs.deleted_rollups = c_.Changes();
  }
  {
    FB_ASSIGN_OR_RETURN(auto del, c_.Prepare(
        "DELETE FROM metric_series WHERE NOT EXISTS (SELECT 1 FROM metric_samples WHERE series_id = metric_series.id) "
        "AND NOT EXISTS (SELECT 1 FROM metric_rollups WHERE series_id = metric_series.id)"));
    FB_TRY(del.Run());
    cs.deleted_series = c_.Changes();
  }
  return cs;
}

Result<int64_t> MetricRepo::CountRaw() {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COUNT(*) FROM metric_samples"));
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

Result<int64_t> AnalysisRepo::Insert(const AnalysisRecord& r) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "INSERT INTO analyses(incident_id, created_at, trigger, doc) VALUES (?, ?, ?, ?)"));
  st.Bind(1, r.incident_id).Bind(2, r.created_at).Bind(3, r.trigger).Bind(4, r.doc);
  FB_TRY(st.Run());
  return c_.LastInsertRowId();
}

Result<std::optional<AnalysisRecord>> AnalysisRepo::Latest(std::string_view incident_id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare(
      "SELECT id, incident_id, created_at, trigger, doc FROM analyses WHERE incident_id = ? ORDER BY id DESC LIMIT 1"));
  st.Bind(1, incident_id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<AnalysisRecord>();
  AnalysisRecord r;
  r.id = st.Int(0);
  r.incident_id = st.Text(1);
  r.created_at = st.Int(2);
  r.trigger = st.Text(3);
  r.doc = st.Text(4);
  return std::optional<AnalysisRecord>(std::move(r));
}

Result<int64_t> AnalysisRepo::Count(std::string_view incident_id) {
  FB_ASSIGN_OR_RETURN(auto st, c_.Prepare("SELECT COUNT(*) FROM analyses WHERE incident_id = ?"));
  st.Bind(1, incident_id);
  FB_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

}  // namespace firebreak::store
