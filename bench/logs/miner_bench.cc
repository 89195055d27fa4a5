// In-process micro-benchmark of the log miner's stages on the loghub-2k corpora held in memory
// (best of several rounds, so a noisy shared machine disturbs it less than the end-to-end run):
// line splitting (the floor), masking only, and full mining with the shape cache warm.
#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "logs/mask.h"
#include "logs/miner.h"

using namespace firebreak;

int main(int argc, char** argv) {
  std::string shared = argc > 1 ? argv[1] : "../shared";
  const char* systems[] = {"HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "HPC", "Thunderbird", "Windows", "Linux", "Android"};
  std::string all;
  for (const char* s : systems) {
    std::ifstream in(shared + "/data/loghub-2k/" + s + "/" + s + "_2k.log", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  if (all.empty()) {
    std::fprintf(stderr, "no corpora under %s/data/loghub-2k\n", shared.c_str());
    return 1;
  }
  core::RealClock clock;
  auto best_of = [&](int rounds, auto fn) {
    double best = 1e100;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = clock.Steady();
      fn();
      best = std::min(best, std::chrono::duration<double>(clock.Steady() - t0).count());
    }
    return best;
  };
  std::vector<std::string_view> lines;
  for (size_t i = 0; i < all.size();) {
    const char* nl = static_cast<const char*>(std::memchr(all.data() + i, '\n', all.size() - i));
    size_t e = nl ? nl - all.data() : all.size();
    size_t len = e - i;
    if (len && all[i + len - 1] == '\r') --len;
    lines.emplace_back(all.data() + i, len);
    i = e + 1;
  }
  const int reps = argc > 2 ? std::atoi(argv[2]) : 1;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 40;
  double n = static_cast<double>(lines.size()) * reps;
  volatile size_t sink = 0;
  double split = best_of(rounds, [&] {
    for (int r = 0; r < reps; ++r)
      for (size_t i = 0; i < all.size();) {
        const char* nl = static_cast<const char*>(std::memchr(all.data() + i, '\n', all.size() - i));
        size_t e = nl ? nl - all.data() : all.size();
        sink = sink + (e - i);
        i = e + 1;
      }
  });
  logs::Masker masker;
  logs::Tokens toks;
  double mask = best_of(rounds, [&] {
    for (int r = 0; r < reps; ++r)
      for (auto l : lines) {
        masker.Mask(l, toks);
        sink = sink + toks.size();
      }
  });
  auto miner = logs::Miner::Create(logs::MinerOptions{});
  for (auto l : lines) miner->Add(l);  // warm: every shape is known
  double mine = best_of(rounds, [&] {
    for (int r = 0; r < reps; ++r)
      for (auto l : lines) sink = sink + miner->Add(l).id;
  });
  std::printf("lines %zu x %d, %.0f bytes/line\n", lines.size(), reps, static_cast<double>(all.size()) / lines.size());
  std::printf("split (memchr)   %7.1f ns/line  %6.2f M lines/s\n", split / n * 1e9, n / split / 1e6);
  std::printf("mask             %7.1f ns/line  %6.2f M lines/s\n", mask / n * 1e9, n / mask / 1e6);
  std::printf("mine (warm)      %7.1f ns/line  %6.2f M lines/s  templates %zu\n", mine / n * 1e9, n / mine / 1e6,
              miner->template_count());
  return 0;
}
