"""Root-cause ranking benchmark: converts fault-injection datasets to Firebreak's exported-data
layout (docs/ANALYZE.md), runs `firebreak analyze rca` offline on each case and reports AC@k.

  rca_bench.py nezha DIR     Nezha layout: <day>/fault_list.json, <day>/metric/*_metric.csv,
                             front_service.csv (the user-facing SLI, counted as the frontend's),
                             source_50.csv / destination_50.csv (per-edge latency), dependency.csv
  rca_bench.py petshop DIR   PetShop layout: <scenario>/graph.csv (adjacency matrix),
                             <scenario>/noissue/metrics.csv, <scenario>/{train,test}/issue_N/
                             {metrics.csv,target.json}

Only the layout is dataset-specific; every case goes through the same `firebreak analyze rca`
with the same settings. The last line printed is `AC@1 x AC@3 y Avg@5 z (n cases)`.
Environment: FIREBREAK_BIN (default build/firebreak), RCA_KEEP=1 keeps the converted cases,
RCA_VERBOSE=1 prints every case, RCA_OPTIONS="name=value ..." passes tuning options.
"""
import calendar
import csv
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("FIREBREAK_BIN", "build/firebreak")
VERBOSE = os.environ.get("RCA_VERBOSE") == "1"

# Window around each fault: history before it is the baseline; the incident window starts shortly
# before the injection (an alert fires after the onset, and the responder looks back a little).
NEZHA_HISTORY = 3600
NEZHA_FROM = -60
NEZHA_TO = 300
PETSHOP_FROM = -300
PETSHOP_TO = 900


def write_long(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "service", "metric", "value"])
        for r in sorted(rows):
            w.writerow(r)


def nezha_time(row):
    """A row's time in Unix seconds, from Nezha's wall-clock column ("2022-08-22 03:51:19.607158889
    +0000 UTC m=+0.11") when it parses, else from the numeric TimeStamp column. The two agree to
    the second in every file but one: adservice's TimeStamp on 2022-08-22 is about 200,000,000 s
    (6.3 years) ahead, which would leave adservice without any sample in that day's windows."""
    text = row.get("Time") or ""
    try:
        return calendar.timegm(time.strptime(text[:19], "%Y-%m-%d %H:%M:%S"))
    except ValueError:
        return int(float(row["TimeStamp"]))


def read_wide(path, service, skip, prefix=""):
    """One row a minute, one column a metric -> (ts, service, metric, value) for each value."""
    out = []
    with open(path) as f:
        for r in csv.DictReader(f):
            ts = nezha_time(r)
            for k, v in r.items():
                if k in skip or v in ("", None):
                    continue
                out.append((ts, service, prefix + k, v))
    return out


def nezha_cases(root):
    for fault_file in sorted(glob.glob(os.path.join(root, "*", "fault_list.json"))):
        day = os.path.dirname(fault_file)
        mdir = os.path.join(day, "metric")
        edges = []
        with open(os.path.join(mdir, "dependency.csv")) as f:
            for r in csv.DictReader(f):
                edges.append((r["Source"], r["Target"]))
        services = set()
        series = []  # (ts, service, metric, value)
        for path in sorted(glob.glob(os.path.join(mdir, "*_metric.csv"))):
            pod = os.path.basename(path)[: -len("_metric.csv")]
            svc = pod.rsplit("-", 2)[0]
            services.add(svc)
            series += read_wide(path, svc, ("Time", "TimeStamp", "PodName"))
        # The user-facing SLI (success rate and latency at the entry point) is the frontend's.
        path = os.path.join(mdir, "front_service.csv")
        if os.path.exists(path) and os.environ.get("RCA_NO_SLI") != "1":
            series += read_wide(path, "frontend", ("Time", "TimeStamp", "ServiceName"), "Sli")
        # Per-edge latency ("caller_callee" columns) -> edge series "caller->callee".
        edge_names = {a + "_" + b: (a, b) for a, b in edges}
        for name in ("source_50", "destination_50"):
            path = os.path.join(mdir, name + ".csv")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                for r in csv.DictReader(f):
                    ts = int(float(r["timestamp"]))
                    for k, v in r.items():
                        if k in edge_names and v not in ("", None):
                            a, b = edge_names[k]
                            series.append((ts, a + "->" + b, "latency_" + name.split("_")[0] + "_p50", v))
        with open(fault_file) as f:
            faults = json.load(f)
        for hour in sorted(faults):
            for fault in faults[hour]:
                t0 = int(fault["inject_timestamp"])
                truth = fault["inject_pod"].rsplit("-", 2)[0]
                rows = [s for s in series if t0 - NEZHA_HISTORY <= s[0] <= t0 + NEZHA_TO + 300]
                yield {
                    "name": "%s %s %s" % (fault["inject_time"], truth, fault["inject_type"]),
                    "rows": rows,
                    "graph_edges": edges,
                    "from": t0 + NEZHA_FROM,
                    "to": t0 + NEZHA_TO,
                    "truth": truth,
                }


def petshop_read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    nodes, metrics, stats = rows[0], rows[1], rows[2]
    out = []
    for r in rows[3:]:
        if not r or not r[0]:
            continue
        try:
            ts = int(float(r[0]))
        except ValueError:
            continue
        for i in range(1, len(r)):
            if r[i] in ("", "nan", "NaN"):
                continue
            out.append((ts, nodes[i], metrics[i] + "_" + stats[i], r[i]))
    return out


def petshop_cases(root):
    for graph in sorted(glob.glob(os.path.join(root, "**", "graph.csv"), recursive=True)):
        scen = os.path.dirname(graph)
        baseline = petshop_read(os.path.join(scen, "noissue", "metrics.csv"))
        for target in sorted(glob.glob(os.path.join(scen, "*", "issue_*", "target.json"))):
            case = os.path.dirname(target)
            with open(target) as f:
                tj = json.load(f)
            rows = petshop_read(os.path.join(case, "metrics.csv"))
            t0 = int(tj["target"]["timestamp"])
            yield {
                "name": os.path.relpath(case, root),
                "rows": rows,
                "graph_file": graph,
                "baseline": baseline,
                "from": t0 + PETSHOP_FROM,
                "to": t0 + PETSHOP_TO,
                "truth": tj["root_cause"]["node"],
            }


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("nezha", "petshop"):
        print("usage: rca_bench.py nezha|petshop DIR", file=sys.stderr)
        return 2
    kind, root = sys.argv[1], sys.argv[2]
    if not os.path.isdir(root):
        print("rca_bench: no such directory: " + root, file=sys.stderr)
        return 2
    cases = nezha_cases(root) if kind == "nezha" else petshop_cases(root)
    work = tempfile.mkdtemp(prefix="fb-rca-")
    ranks = []
    baseline_dirs = {}
    try:
        for i, c in enumerate(cases):
            cdir = os.path.join(work, "case%03d" % i)
            os.makedirs(os.path.join(cdir, "metrics"))
            write_long(os.path.join(cdir, "metrics", "metrics.csv"), c["rows"])
            if "graph_file" in c:
                graph = c["graph_file"]
            else:
                graph = os.path.join(cdir, "graph.csv")
                with open(graph, "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(["source", "target"])
                    w.writerows(c["graph_edges"])
            args = [BIN, "analyze", "rca", "--metrics", os.path.join(cdir, "metrics"), "--graph", graph,
                    "--from", str(c["from"]), "--to", str(c["to"]), "--json"]
            for opt in os.environ.get("RCA_OPTIONS", "").split():
                args += ["--option", opt]
            if "baseline" in c:
                key = id(c["baseline"])
                if key not in baseline_dirs:
                    bdir = os.path.join(work, "baseline%d" % len(baseline_dirs))
                    os.makedirs(bdir)
                    write_long(os.path.join(bdir, "metrics.csv"), c["baseline"])
                    baseline_dirs[key] = bdir
                args += ["--baseline", baseline_dirs[key]]
            p = subprocess.run(args, capture_output=True, text=True)
            if p.returncode != 0:
                print("case %s failed: %s" % (c["name"], p.stderr.strip()), file=sys.stderr)
                ranks.append(None)
                continue
            res = json.loads(p.stdout)
            order = [h["service"] for h in res["hypotheses"]]
            rank = order.index(c["truth"]) + 1 if c["truth"] in order else None
            ranks.append(rank)
            if VERBOSE:
                print("%-60s truth=%-28s rank=%s top=%s" % (c["name"], c["truth"], rank, ",".join(order[:3])))
    finally:
        if os.environ.get("RCA_KEEP") == "1":
            print("cases kept in " + work, file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    n = len(ranks)
    if n == 0:
        print("no cases found under " + root, file=sys.stderr)
        return 1
    ac = [sum(1 for r in ranks if r is not None and r <= k) / n for k in range(1, 6)]
    print("AC@1 %.3f AC@3 %.3f Avg@5 %.3f (%d cases)" % (ac[0], ac[2], sum(ac) / 5, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
