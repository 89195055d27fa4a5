#include "analyze/nab.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/json.h"

namespace firebreak::analyze::nab {

const std::vector<Profile>& Profiles() {
  static const std::vector<Profile> kProfiles = {
      {"standard", 1.0, 0.11, 1.0},
      {"reward_low_fp", 1.0, 0.22, 1.0},
      {"reward_low_fn", 1.0, 0.11, 2.0},
  };
  return kProfiles;
}

size_t Corpus::WindowCount() const {
  size_t n = 0;
  for (const auto& f : files) n += f.windows.size();
  return n;
}

size_t ProbationRows(size_t n) {
  return std::min<size_t>(static_cast<size_t>(std::floor(0.15 * static_cast<double>(n))), 750);
}

double ScaledSigmoid(double y) {
  if (y > 3.0) return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * y)) - 1.0;
}

namespace {
Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

Result<Corpus> LoadCorpus(const std::string& dir) {
  FB_ASSIGN_OR_RETURN(auto text, ReadAll(dir + "/labels/combined_windows.json"));
  FB_ASSIGN_OR_RETURN(auto labels, core::ParseJson(text));
  if (!labels.is_object()) return InvalidArgument("combined_windows.json is not an object");
  Corpus c;
  for (const auto& kv : labels.get_object()) {
    File f;
    f.name = std::string(kv.key());
    FB_ASSIGN_OR_RETURN(auto csv, ReadAll(dir + "/data/" + f.name));
    CsvOptions copt;
    copt.require_increasing = false;  // NAB files repeat a few timestamps (DST changes)
    auto samples = ParseSeriesCsv(csv, copt);
    if (!samples) return InvalidArgument(f.name + ": " + samples.error().message);
    f.samples = std::move(*samples);
    if (!kv.value().is_array()) return InvalidArgument(f.name + ": windows must be a list");
    for (const auto& w : kv.value().get_array()) {
      if (!w.is_array() || w.get_array().size() != 2 || !w.get_array()[0].is_string() ||
          !w.get_array()[1].is_string())
        return InvalidArgument(f.name + ": a window is [start, end]");
      FB_ASSIGN_OR_RETURN(int64_t start, ParseTimestamp(w.get_array()[0].get_string()));
      FB_ASSIGN_OR_RETURN(int64_t end, ParseTimestamp(w.get_array()[1].get_string()));
      // Rows are in file order (timestamps may repeat): the window is every row from the first
      // with t >= start to the last with t <= end.
      size_t lo = f.samples.size(), hi = 0;
      for (size_t i = 0; i < f.samples.size(); ++i) {
        if (f.samples[i].t >= start && f.samples[i].t <= end) {
          lo = std::min(lo, i);
          hi = i;
        }
      }
      if (lo > hi) continue;  // a window with no rows cannot be detected or missed
      f.windows.emplace_back(lo, hi);
    }
    std::sort(f.windows.begin(), f.windows.end());
    c.files.push_back(std::move(f));
  }
  std::sort(c.files.begin(), c.files.end(), [](const File& a, const File& b) { return a.name < b.name; });
  return c;
}

namespace {

struct Point {
  double score;
  double weight;
  int window;  // global window index, -1 outside windows
  int file;
};

// The weight of a detection at each scored row of `f`, and the window it falls in.
void Weigh(const File& f, int file_index, int window_base, const std::vector<double>& scores,
           const Profile& p, std::vector<Point>& out) {
  const size_t n = f.samples.size();
  const size_t probation = ProbationRows(n);
  size_t wi = 0;  // first window whose end is >= i
  for (size_t i = probation; i < n; ++i) {
    while (wi < f.windows.size() && f.windows[wi].second < i) ++wi;
    Point pt{scores[i], 0, -1, file_index};
    if (wi < f.windows.size() && f.windows[wi].first <= i) {
      const auto [l, r] = f.windows[wi];
      const double w = static_cast<double>(r - l + 1);
      const double y = -static_cast<double>(r - i + 1) / w;
      pt.weight = p.a_tp * ScaledSigmoid(y) / ScaledSigmoid(-1.0);
      pt.window = window_base + static_cast<int>(wi);
    } else if (wi == 0) {
      pt.weight = -p.a_fp;
    } else {
      const auto [l, r] = f.windows[wi - 1];
      const double w = static_cast<double>(r - l + 1);
      const double y = w > 1 ? static_cast<double>(i - r) / (w - 1) : 4.0;
      pt.weight = p.a_fp * ScaledSigmoid(y);
    }
    out.push_back(pt);
  }
}

}  // namespace

firebreak::Result<Report> Score(const Corpus& corpus, const std::vector<std::vector<double>>& scores,
                                const Profile& profile) {
  if (scores.size() != corpus.files.size())
    return InvalidArgument("expected scores for " + std::to_string(corpus.files.size()) + " files");
  std::vector<Point> points;
  std::vector<int> window_base;
  int nwin = 0;
  for (size_t fi = 0; fi < corpus.files.size(); ++fi) {
    const auto& f = corpus.files[fi];
    if (scores[fi].size() != f.samples.size())
      return InvalidArgument(f.name + ": expected " + std::to_string(f.samples.size()) + " scores");
    window_base.push_back(nwin);
    Weigh(f, static_cast<int>(fi), nwin, scores[fi], profile, points);
    nwin += static_cast<int>(f.windows.size());
  }
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.score > b.score; });

  // Sweep the threshold down through every distinct score.
  std::vector<double> best(static_cast<size_t>(nwin), -std::numeric_limits<double>::infinity());
  double total = -profile.a_fn * nwin;
  double best_total = total;
  double best_threshold = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < points.size();) {
    const double s = points[i].score;
    for (; i < points.size() && points[i].score == s; ++i) {
      const auto& pt = points[i];
      if (pt.window < 0) {
        total += pt.weight;
      } else {
        double& b = best[static_cast<size_t>(pt.window)];
        if (b == -std::numeric_limits<double>::infinity()) {
          total += profile.a_fn + pt.weight;
          b = pt.weight;
        } else if (pt.weight > b) {
          total += pt.weight - b;
          b = pt.weight;
        }
      }
    }
    if (total > best_total + 1e-12) {
      best_total = total;
      best_threshold = s;
    }
  }

  Report r;
  r.profile = profile.name;
  r.threshold = std::isfinite(best_threshold) ? best_threshold : 1.0 + 1e-9;
  r.null_score = -profile.a_fn * nwin;
  r.perfect = profile.a_tp * nwin;
  // Recount at the chosen threshold, per file.
  r.files.resize(corpus.files.size());
  std::vector<double> wbest(static_cast<size_t>(nwin), -std::numeric_limits<double>::infinity());
  for (const auto& pt : points) {
    if (!(pt.score >= best_threshold)) continue;
    auto& fr = r.files[static_cast<size_t>(pt.file)];
    if (pt.window < 0) {
      fr.raw += pt.weight;
      ++fr.fp;
    } else {
      auto& b = wbest[static_cast<size_t>(pt.window)];
      b = std::max(b, pt.weight);
    }
  }
  for (size_t fi = 0; fi < corpus.files.size(); ++fi) {
    auto& fr = r.files[fi];
    fr.name = corpus.files[fi].name;
    for (size_t w = 0; w < corpus.files[fi].windows.size(); ++w) {
      double b = wbest[static_cast<size_t>(window_base[fi]) + w];
      if (b == -std::numeric_limits<double>::infinity()) {
        fr.raw -= profile.a_fn;
        ++fr.fn;
      } else {
        fr.raw += b;
        ++fr.tp;
      }
    }
    r.raw += fr.raw;
    r.tp += fr.tp;
    r.fp += fr.fp;
    r.fn += fr.fn;
  }
  const double span = r.perfect - r.null_score;
  r.normalized = span > 0 ? 100.0 * (r.raw - r.null_score) / span : 0;
  return r;
}

}  // namespace firebreak::analyze::nab
