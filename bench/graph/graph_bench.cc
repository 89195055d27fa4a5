// Graph analytics benchmark driver.
//
//   fb_graph_bench gen --services N --seed S [--groups 0|1] --out FILE
//       writes a generated service graph (realistic shape, see Generate) as a TSV file that both
//       this program and bench/graph/peers.py (igraph, networkx) read:
//         N <id> <tier> <customer_facing 0|1> <zones comma-separated or -> <group or ->
//         E <from> <to> <hard|soft> <integer weight>
//         G <group> <failover|active_active> <min_healthy>
//   fb_graph_bench run FILE [--what betweenness,weighted,n1,n2] [--sources K] [--reps R]
//             [--dump-bc FILE]
//       times the analyses on that graph, one core, best of R runs, and prints one JSON object.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/strings.h"
#include "graph/centrality.h"
#include "graph/contingency.h"
#include "graph/graph.h"

using namespace firebreak;

namespace {

// A layered microservice estate, eight layers deep: edge/customer-facing (5%), backends-for-
// frontends (10%), three product layers (15% each), two platform layers (15%, 12%) and data stores
// (13%). Every non-store service calls 1-6 services (geometric, mean ~2.6): 70% of calls go to
// the next layer down, the rest to any deeper layer, with preferential attachment inside the chosen
// layer so a few shared services collect most callers (heavy-tailed in-degree, as in published
// microservice call graphs such as Alibaba's 2021 traces). About 25% of calls are soft, and 1% go
// back up a layer as soft callbacks, which closes some cycles. With groups, stores come in failover
// pairs and every tenth platform service has an active-active twin. Replicas sit in 1-3 of three
// zones.
void Generate(int n, uint64_t seed, bool groups, std::ostream& out) {
  std::mt19937_64 rng(seed);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto real = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  const double share[] = {0.05, 0.10, 0.15, 0.15, 0.15, 0.15, 0.12, 0.13};
  constexpr int kLayers = 8;
  std::vector<int> first(kLayers + 1, 0);
  for (int l = 0; l < kLayers; ++l) first[l + 1] = first[l] + std::max(1, static_cast<int>(n * share[l]));
  first[kLayers] = n;
  std::vector<int> layer(n);
  for (int l = 0; l < kLayers; ++l)
    for (int i = first[l]; i < first[l + 1] && i < n; ++i) layer[i] = l;
  std::vector<std::string> group(n, "-");
  std::vector<std::string> gdefs;
  if (groups) {
    int g = 0;
    for (int i = first[kLayers - 1]; i + 1 < n; i += 2) {
      std::string id = "g" + std::to_string(g++);
      group[i] = group[i + 1] = id;
      gdefs.push_back("G\t" + id + "\tfailover\t1");
    }
    for (int i = first[5]; i + 1 < first[7]; i += 10) {
      std::string id = "g" + std::to_string(g++);
      group[i] = group[i + 1] = id;
      gdefs.push_back("G\t" + id + "\tactive_active\t1");
    }
  }
  for (int i = 0; i < n; ++i) {
    std::string zones;
    const int nz = uni(1, 3);
    std::set<int> zs;
    while (static_cast<int>(zs.size()) < nz) zs.insert(uni(0, 2));
    for (int z : zs) zones += (zones.empty() ? "" : ",") + std::string("z") + std::to_string(z);
    const int tier = layer[i] == 0 ? uni(0, 1) : layer[i] == kLayers - 1 ? uni(0, 1) : uni(1, 4);
    out << "N\ts" << i << "\t" << tier << "\t" << (layer[i] == 0 ? 1 : 0) << "\t" << zones << "\t" << group[i]
        << "\n";
  }
  for (const auto& d : gdefs) out << d << "\n";
  std::vector<double> pop(n, 1.0);
  auto pick_in = [&](int l) {
    double total = 0;
    for (int j = first[l]; j < first[l + 1]; ++j) total += pop[j];
    double x = real() * total;
    int j = first[l];
    for (; j < first[l + 1] - 1 && x > pop[j]; ++j) x -= pop[j];
    return j;
  };
  for (int i = 0; i < n; ++i) {
    const int l = layer[i];
    if (l == kLayers - 1) continue;  // stores call nothing
    int k = 1;
    while (k < 6 && real() < 0.6) ++k;
    std::set<int> chosen;
    for (int tries = 0; static_cast<int>(chosen.size()) < k && tries < 50; ++tries) {
      const int target = real() < 0.7 ? l + 1 : uni(l + 1, kLayers - 1);
      chosen.insert(pick_in(target));
    }
    for (int j : chosen) {
      pop[j] += 1.0;
      out << "E\ts" << i << "\ts" << j << "\t" << (real() < 0.25 ? "soft" : "hard") << "\t" << uni(1, 5) << "\n";
    }
    if (l > 0 && real() < 0.03) {  // an occasional soft callback up a layer
      const int j = pick_in(l - 1);
      if (!chosen.count(j)) out << "E\ts" << i << "\ts" << j << "\tsoft\t" << uni(1, 5) << "\n";
    }
  }
}

Result<graph::Graph> Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read " + path);
  std::vector<model::Service> services;
  std::map<std::string, size_t> index;
  std::map<std::string, model::RedundancyGroup> groups;
  std::vector<std::string> group_order;
  std::string line;
  while (std::getline(in, line)) {
    auto f = core::Split(line, '\t');
    if (f.empty()) continue;
    if (f[0] == "N" && f.size() == 6) {
      model::Service s;
      s.id = f[1];
      s.tier = std::atoi(f[2].c_str());
      s.customer_facing = f[3] == "1";
      if (f[4] != "-") s.capacity.zones = core::Split(f[4], ',');
      s.capacity.rps_per_replica = 100;
      s.capacity.replicas = 3;
      s.capacity.load_rps = 150;
      index[s.id] = services.size();
      services.push_back(s);
      if (f[5] != "-") groups[f[5]].members.push_back({s.id, {}});
    } else if (f[0] == "G" && f.size() == 4) {
      auto& g = groups[f[1]];
      g.id = f[1];
      g.kind = f[2];
      g.min_healthy = std::atoi(f[3].c_str());
      group_order.push_back(f[1]);
    } else if (f[0] == "E" && f.size() == 5) {
      model::Dependency d;
      d.service = f[2];
      d.kind = f[3] == "soft" ? model::DependencyKind::kSoft : model::DependencyKind::kHard;
      d.weight = std::atof(f[4].c_str());
      services[index.at(f[1])].dependencies.push_back(d);
    }
  }
  std::vector<model::RedundancyGroup> gl;
  for (const auto& id : group_order) gl.push_back(groups[id]);
  return graph::Graph::Build(services, gl);
}

template <class F>
double BestSeconds(int reps, F fn) {
  core::RealClock clock;
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    auto t0 = clock.Steady();
    fn();
    best = std::min(best, std::chrono::duration<double>(clock.Steady() - t0).count());
  }
  return best;
}

std::string Arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 2; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fb_graph_bench gen|run ...\n");
    return 2;
  }
  std::string mode = argv[1];
  if (mode == "gen") {
    int n = std::atoi(Arg(argc, argv, "--services", "1000").c_str());
    uint64_t seed = std::strtoull(Arg(argc, argv, "--seed", "1").c_str(), nullptr, 10);
    bool groups = Arg(argc, argv, "--groups", "1") == "1";
    std::ofstream out(Arg(argc, argv, "--out", "graph.tsv"));
    Generate(n, seed, groups, out);
    return out ? 0 : 1;
  }
  if (mode != "run") return 2;
  auto g = Load(argv[2]);
  if (!g) {
    std::fprintf(stderr, "fb_graph_bench: %s\n", g.error().message.c_str());
    return 1;
  }
  const auto what = core::Split(Arg(argc, argv, "--what", "betweenness,weighted,n1"), ',');
  const int reps = std::atoi(Arg(argc, argv, "--reps", "3").c_str());
  const int k = std::atoi(Arg(argc, argv, "--sources", "0").c_str());
  auto has = [&](const char* w) { return std::find(what.begin(), what.end(), w) != what.end(); };
  graph::BetweennessOptions bo;
  for (int s = 0; s < k && s < g->size(); ++s) bo.sources.push_back(s);  // the first k services
  std::printf("{\"services\": %d, \"edges\": %zu, \"groups\": %zu", g->size(), g->edge_count(), g->groups().size());
  std::vector<double> bc;
  if (has("betweenness")) {
    double t = BestSeconds(reps, [&] { bc = graph::Betweenness(*g, bo); });
    double sum = 0;
    for (double x : bc) sum += x;
    std::printf(", \"betweenness_s\": %.6f, \"betweenness_sum\": %.6f", t, sum);
    std::string dump = Arg(argc, argv, "--dump-bc", "");
    if (!dump.empty()) {
      std::ofstream out(dump);
      out.precision(17);
      for (int v = 0; v < g->size(); ++v) out << g->node(v).id << "\t" << bc[v] << "\n";
    }
  }
  if (has("weighted")) {
    auto wo = bo;
    wo.weighted = true;
    std::vector<double> w;
    double t = BestSeconds(reps, [&] { w = graph::Betweenness(*g, wo); });
    double sum = 0;
    for (double x : w) sum += x;
    std::printf(", \"weighted_s\": %.6f, \"weighted_sum\": %.6f", t, sum);
  }
  if (has("n1")) {
    graph::ContingencyOptions co;
    co.zones = co.groups = false;
    co.pairs = false;
    graph::ContingencyReport rep;
    double t = BestSeconds(reps, [&] { rep = graph::RunContingency(*g, co); });
    // Checksum comparable with the peers: failed services summed over every single loss.
    graph::Propagator p(*g);
    long long closure = 0;
    for (int v = 0; v < g->size(); ++v) {
      p.Run(graph::FailureSet{{v}, {}, {}});
      closure += static_cast<long long>(p.failed_list().size());
    }
    std::printf(", \"n1_s\": %.6f, \"n1_closure_sum\": %lld, \"n1_fatal\": %zu", t, closure, rep.fatal_singles_total);
  }
  if (has("n2")) {
    graph::ContingencyOptions co;  // services, zones and groups; singles and pairs
    co.limit = 50;
    graph::ContingencyReport rep;
    double t = BestSeconds(reps, [&] { rep = graph::RunContingency(*g, co); });
    std::printf(", \"n2_s\": %.6f, \"n2_elements\": %zu, \"n2_pairs_total\": %llu, \"n2_pairs_evaluated\": %llu, "
                "\"n2_fatal_pairs\": %zu",
                t, rep.elements, static_cast<unsigned long long>(rep.pairs_total),
                static_cast<unsigned long long>(rep.pairs_evaluated), rep.fatal_pairs_total);
  }
  std::printf("}\n");
  return 0;
}
