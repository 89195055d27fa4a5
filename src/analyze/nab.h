// The Numenta Anomaly Benchmark (NAB) scorer, implemented from NAB's published method:
//
//  - rows before min(floor(0.15 n), 750) are a probation period and are not scored;
//  - a detection is a row whose anomaly score is >= the threshold;
//  - a detection at row i inside a labelled window [l, r] of width w is worth
//    A_TP * sigma(y) / sigma(-1) with y = -(r - i + 1) / w (earlier is better); only the best
//    detection of a window counts; a window without one costs A_FN;
//  - a detection outside every window is worth A_FP * sigma(|r' - i| / (w' - 1)) when it follows
//    a window (r', w' of the previous one; sigma(y) = -1 for y > 3) and -A_FP before the first;
//  - sigma(y) = 2 / (1 + e^{5y}) - 1;
//  - one threshold per detector and profile, chosen to maximise the raw score over the corpus;
//  - normalised score = 100 (S - S_null) / (S_perfect - S_null), S_null = -A_FN * windows,
//    S_perfect = A_TP * windows.
#pragma once

#include <string>
#include <vector>

#include "analyze/series.h"
#include "core/result.h"

namespace firebreak::analyze::nab {

struct Profile {
  std::string name;
  double a_tp = 1, a_fp = 0.11, a_fn = 1;
};
// standard (1, 0.11, 1), reward_low_fp (1, 0.22, 1), reward_low_fn (1, 0.11, 2).
const std::vector<Profile>& Profiles();

struct File {
  std::string name;  // "<category>/<file>.csv"
  std::vector<Sample> samples;
  // Labelled windows as inclusive row ranges [first, last].
  std::vector<std::pair<size_t, size_t>> windows;
};

struct Corpus {
  std::vector<File> files;
  size_t WindowCount() const;
};

// Loads `dir/labels/combined_windows.json` and every file it names under `dir/data/`.
Result<Corpus> LoadCorpus(const std::string& dir);

// Number of probation rows of a file with n rows.
size_t ProbationRows(size_t n);
// NAB's scaled sigmoid.
double ScaledSigmoid(double y);

struct FileResult {
  std::string name;
  double raw = 0;
  int tp = 0, fp = 0, fn = 0;
};

struct Report {
  std::string profile;
  double threshold = 1;   // detections are scores >= threshold
  double raw = 0;         // S
  double null_score = 0;  // S_null
  double perfect = 0;     // S_perfect
  double normalized = 0;  // 100 (S - S_null) / (S_perfect - S_null)
  int tp = 0, fp = 0, fn = 0;
  std::vector<FileResult> files;
};

// Scores `scores` (one vector per corpus file, one score per row) under `profile`, choosing the
// threshold that maximises the raw score over the whole corpus.
firebreak::Result<Report> Score(const Corpus& corpus, const std::vector<std::vector<double>>& scores,
                                const Profile& profile);

}  // namespace firebreak::analyze::nab
