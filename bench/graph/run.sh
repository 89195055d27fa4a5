#!/usr/bin/env bash
# Graph analytics vs Debian's python3-igraph (C core) and python3-networkx, side by side in one
# run, on the same generated service graphs (1k and 10k services), pinned to one core.
#   bench/graph/run.sh BUILD_DIR
# Prints a table of timings and ratios (peer time / Firebreak time) plus the N-2 timing on a 2,000
# service graph with redundancy groups and zones. Figures are recorded in docs/BENCHMARKS.md.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$build/bench/fb_graph_bench"
# Benchmarks are not part of the default build: bring this one up to date with the tree, so a
# run never measures an old binary.
cmake --build "$build" --target fb_graph_bench > /dev/null
py=/usr/bin/python3
[ -x "$bin" ] || { echo "missing $bin (build first)"; exit 1; }
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for n in 1000 10000; do
  g="$tmp/g$n.tsv"
  "$bin" gen --services "$n" --seed 7 --groups 0 --out "$g"
  sources=0
  [ "$n" -gt 2000 ] && sources=500   # networkx: subset betweenness from 500 sources (minutes otherwise)
  # Best of 10 on the small graph (its runs take well under a millisecond, where one preemption
  # decides a best of 3), best of 3 on the large one; the peers get the same number.
  reps=3
  [ "$n" -le 2000 ] && reps=10
  $pin "$bin" run "$g" --what betweenness,weighted,n1 --reps "$reps" --dump-bc "$tmp/bc$n.tsv" > "$tmp/ours$n.json"
  if [ "$sources" -gt 0 ]; then
    $pin "$bin" run "$g" --what betweenness,weighted --sources "$sources" --reps "$reps" > "$tmp/ours_sub$n.json"
  else
    cp "$tmp/ours$n.json" "$tmp/ours_sub$n.json"
  fi
  $pin $py "$root/bench/graph/peers.py" "$g" --sources "$sources" --reps "$reps" --ours-bc "$tmp/bc$n.tsv" > "$tmp/peers$n.json"
done

"$bin" gen --services 2000 --seed 11 --groups 1 --out "$tmp/n2.tsv"
$pin "$bin" run "$tmp/n2.tsv" --what n1,n2 --reps 1 > "$tmp/n2.json"

$py - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
def load(name): return json.load(open(f"{tmp}/{name}"))
status = 0
print(f"{'graph':<16}{'analysis':<24}{'firebreak':>11}{'igraph':>11}{'networkx':>11}{'igraph/fb':>11}{'nx/fb':>9}")
for n in (1000, 10000):
    o, s, p = load(f"ours{n}.json"), load(f"ours_sub{n}.json"), load(f"peers{n}.json")
    label = f"{o['services']}s/{o['edges']}e"
    rows = [("betweenness", o["betweenness_s"], p["igraph_betweenness_s"], s["betweenness_s"], p["networkx_betweenness_s"]),
            ("betweenness weighted", o["weighted_s"], p["igraph_weighted_s"], s["weighted_s"], p["networkx_weighted_s"]),
            ("N-1 (all services)", o["n1_s"], p["igraph_n1_s"], o["n1_s"], p.get("networkx_n1_s"))]
    for name, fb, ig, fb_nx, nx_t in rows:
        nx_col = f"{nx_t:>10.3f}s" if nx_t is not None else f"{'-':>11}"
        nx_ratio = f"{nx_t / fb_nx:>8.0f}x" if nx_t is not None else f"{'-':>9}"
        print(f"{label:<16}{name:<24}{fb:>10.5f}s{ig:>10.5f}s{nx_col}{ig / fb:>10.2f}x{nx_ratio}")
    if "networkx_sources" in p:
        print(f"{'':<16}(networkx betweenness from {p['networkx_sources']} sources; Firebreak timed on the same sources for nx/fb)")
    # Same numbers as the peers?
    ok = abs(o["betweenness_sum"] - p["igraph_betweenness_sum"]) <= 1e-6 * max(1, p["igraph_betweenness_sum"])
    ok &= abs(o["weighted_sum"] - p["igraph_weighted_sum"]) <= 1e-6 * max(1, p["igraph_weighted_sum"])
    ok &= p["max_rel_diff_vs_igraph"] < 1e-9
    ok &= o["n1_closure_sum"] == p["igraph_n1_closure_sum"]
    if "networkx_n1_closure_sum" in p: ok &= o["n1_closure_sum"] == p["networkx_n1_closure_sum"]
    ok &= abs(s["betweenness_sum"] - p["networkx_betweenness_sum"]) <= 1e-6 * max(1, p["networkx_betweenness_sum"])
    print(f"{'':<16}results agree with the peers: {'yes' if ok else 'NO'} (max relative betweenness difference vs igraph {p['max_rel_diff_vs_igraph']:.1e})")
    status |= 0 if ok else 1
n2 = load("n2.json")
print(f"N-2 on {n2['services']} services ({n2['edges']} edges, {n2['groups']} redundancy groups, zones): "
      f"{n2['n2_s']:.3f}s for {n2['n2_elements']} elements, {n2['n2_pairs_total']} pairs, "
      f"{n2['n2_pairs_evaluated']} propagated, {n2['n2_fatal_pairs']} fatal pairs (target < 10 s)")
sys.exit(status)
PY
