"""Times the same analyses with Debian's python3-igraph (C core) and python3-networkx on a graph
written by `fb_graph_bench gen`, and checks that they compute the same numbers as Firebreak.

    /usr/bin/python3 bench/graph/peers.py GRAPH.tsv [--sources K] [--reps R] [--ours-bc FILE]
                                                    [--skip-networkx-n1]

Prints one JSON object. Betweenness is directed and unnormalized (the raw sum over ordered pairs),
unweighted and weighted by the integer edge weights. N-1 is, for every service, the set of
services that fail when it is lost: everything that reaches it over hard dependencies
(igraph subcomponent(mode="in"), networkx ancestors) — on a graph without redundancy groups this
is exactly Firebreak's N-1 closure, and the sums must agree.
With --sources K networkx computes betweenness from the first K services only (subset
betweenness), and Firebreak is timed on the same sources by the caller.
"""
import argparse
import json
import sys
import time

import igraph
import networkx as nx


def load(path):
    names, edges, kinds, weights = [], [], [], []
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if f[0] == "N":
            names.append(f[1])
        elif f[0] == "E":
            edges.append((f[1], f[2]))
            kinds.append(f[3])
            weights.append(int(f[4]))
    return names, edges, kinds, weights


def best(reps, fn):
    t_best, out = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        t_best = min(t_best, time.perf_counter() - t0)
    return t_best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("graph")
    ap.add_argument("--sources", type=int, default=0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ours-bc", default="")
    ap.add_argument("--skip-networkx-n1", action="store_true")
    a = ap.parse_args()
    names, edges, kinds, weights = load(a.graph)
    idx = {n: i for i, n in enumerate(names)}
    out = {"services": len(names), "edges": len(edges)}

    ig = igraph.Graph(n=len(names), edges=[(idx[u], idx[v]) for u, v in edges], directed=True)
    ig.es["weight"] = weights
    t, bc_ig = best(a.reps, lambda: ig.betweenness(directed=True))
    out["igraph_betweenness_s"] = t
    t, bcw_ig = best(a.reps, lambda: ig.betweenness(directed=True, weights="weight"))
    out["igraph_weighted_s"] = t
    out["igraph_betweenness_sum"] = sum(bc_ig)
    out["igraph_weighted_sum"] = sum(bcw_ig)
    if a.ours_bc:
        ours = {}
        for line in open(a.ours_bc):
            n, v = line.split("\t")
            ours[n] = float(v)
        diff = max(abs(ours[names[i]] - bc_ig[i]) / max(1.0, abs(bc_ig[i])) for i in range(len(names)))
        out["max_rel_diff_vs_igraph"] = diff

    hard = [(idx[u], idx[v]) for (u, v), k in zip(edges, kinds) if k == "hard"]
    ih = igraph.Graph(n=len(names), edges=hard, directed=True)
    t, total = best(a.reps, lambda: sum(len(ih.subcomponent(v, mode="in")) for v in range(len(names))))
    out["igraph_n1_s"] = t
    out["igraph_n1_closure_sum"] = total

    G = nx.DiGraph()
    G.add_nodes_from(names)
    for (u, v), w in zip(edges, weights):
        G.add_edge(u, v, weight=w)
    # Best of the same number of runs as the other timings, except networkx betweenness on large
    # graphs (seconds a run), timed once.
    nx_reps = a.reps if len(names) <= 2000 else 1
    if a.sources:
        src = names[: a.sources]
        t, bc_nx = best(nx_reps, lambda: nx.betweenness_centrality_subset(G, src, names, normalized=False))
        out["networkx_sources"] = a.sources
    else:
        t, bc_nx = best(nx_reps, lambda: nx.betweenness_centrality(G, normalized=False))
    out["networkx_betweenness_s"] = t
    out["networkx_betweenness_sum"] = sum(bc_nx.values())
    if a.sources:
        t, bcw_nx = best(nx_reps, lambda: nx.betweenness_centrality_subset(G, src, names, normalized=False,
                                                                            weight="weight"))
    else:
        t, bcw_nx = best(nx_reps, lambda: nx.betweenness_centrality(G, normalized=False, weight="weight"))
    out["networkx_weighted_s"] = t
    out["networkx_weighted_sum"] = sum(bcw_nx.values())
    if not a.skip_networkx_n1:
        H = nx.DiGraph()
        H.add_nodes_from(names)
        H.add_edges_from((u, v) for (u, v), k in zip(edges, kinds) if k == "hard")
        t, total = best(a.reps, lambda: sum(len(nx.ancestors(H, v)) + 1 for v in names))
        out["networkx_n1_s"] = t
        out["networkx_n1_closure_sum"] = total
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
