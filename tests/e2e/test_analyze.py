"""Automated investigation end to end: metrics pushed in three formats and imported from CSV,
change events, automatic root-cause hypotheses on a new incident (timeline, audit, CLI), bad
input refused with the line or field named and nothing stored, the offline CLI, and a degraded
answer when Prometheus is unreachable or too slow."""
import calendar
import json
import os
import random
import shutil
import socket
import threading
import time
import unittest

from harness import ServerTestCase, db_counts, example_config_plus, free_port, run_cli

ANALYZE_YAML = """analyze:
  auto: true
  delay: 0s
  rerun_every: 0
  window_before: 10m
  lookback: 1h
%s
"""


def make_config(root, extra=""):
    return example_config_plus(root, "analyze.yaml", ANALYZE_YAML % extra)


def history(now, service, base, degraded=None, start_bad=None, minutes=90, seed=1):
    """A minute-resolution latency series ending now; from `start_bad` minutes ago it is `degraded`."""
    rnd = random.Random(seed)
    pts = []
    for i in range(minutes):
        t = now - (minutes - i) * 60
        bad = degraded is not None and (minutes - i) <= start_bad
        v = (degraded if bad else base) * (1 + rnd.gauss(0, 0.03))
        pts.append([t, v])
    return {"service": service, "metric": "latency_p99", "samples": pts}


class AnalyzeServer(ServerTestCase):
    start_server = False
    prometheus_yaml = ""

    def setUp(self):
        super().setUp()
        self.cfg = make_config(self.tmp, self.prometheus_yaml)
        self.server = self.new_server(config_dir=self.cfg)
        self.token = self.server.admin_token

    def req(self, *a, **kw):
        kw.setdefault("token", self.token)
        return self.server.request(*a, **kw)

    def cli(self, *args):
        return run_cli(*args, "--server", self.server.url, "--token", self.token)


class MetricsIn(AnalyzeServer):
    def series(self, service=""):
        st, body, _ = self.req("GET", "/api/v1/metrics/series?service=" + service)
        self.assertEqual(st, 200, body)
        return {(s["service"], s["metric"]): s for s in body["series"]}

    def test_json_exposition_and_csv_import(self):
        now = int(time.time())
        st, r, _ = self.req("POST", "/api/v1/metrics", {"series": [history(now, "db", 0.02, minutes=5)]})
        self.assertEqual((st, r["samples"]), (200, 5), r)
        text = ('# TYPE pool_used_percent gauge\npool_used_percent{service="db",pool="main"} 42\n'
                'replication_lag_seconds 0.5 %d\nqueue_depth NaN\n' % (now * 1000))
        st, r, _ = self.req("POST", "/api/v1/metrics?service=db", raw=text, headers={"Content-Type": "text/plain"})
        self.assertEqual((st, r["samples"], r["skipped"]), (200, 2, 1), r)
        path = os.path.join(self.tmp, "import.csv")
        with open(path, "w") as f:
            f.write("timestamp,cpu_usage_percent,connections\n")
            for i in range(30):
                f.write("%d,%d,%d\n" % (now - 1800 + i * 60, 40 + i, 10))
        p = self.cli("metrics", "import", path, "--service", "db")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("imported 60 samples in 2 series", p.stdout)
        got = self.series("db")
        self.assertEqual(got[("db", "latency_p99")]["samples"], 5)
        self.assertEqual(got[("db", "pool_used_percent")]["labels"], {"pool": "main"})
        self.assertEqual(got[("db", "cpu_usage_percent")]["samples"], 30)
        # The stored samples are the ones sent.
        sid = got[("db", "connections")]["id"]
        st, pts, _ = self.req("GET", "/api/v1/metrics/series/%d?from=%d&to=%d" % (sid, now - 3600, now))
        self.assertEqual(st, 200)
        self.assertEqual([p[1] for p in pts["samples"]], [10.0] * 30)

    def test_bad_input_is_refused_with_its_line_and_nothing_is_stored(self):
        before = db_counts(self.data, ("metric_samples", "change_events"))
        cases = [
            ({"samples": [{"service": "db", "metric": "x", "time": 1700000000, "value": "NaN"}]}, "samples[0].value"),
            ({"samples": [{"service": "ghost", "metric": "x", "time": 1700000000, "value": 1}]}, "series[0].service"),
            ({"samples": [{"service": "db", "metric": "x", "value": 1}]}, "samples[0].time"),
            ({"series": [{"service": "db", "metric": "x", "samples": [[1700000000]]}]}, "series[0].samples[0]"),
        ]
        for body, field in cases:
            st, err, _ = self.req("POST", "/api/v1/metrics", body)
            self.assertEqual((st, err["error"]["field"]), (400, field), err)
        st, err, _ = self.req("POST", "/api/v1/metrics?service=db", raw="ok 1\nbad{x=\"1} 2\n",
                              headers={"Content-Type": "text/plain"})
        self.assertEqual(st, 400)
        self.assertIn("line 2", err["error"]["message"])
        st, err, _ = self.req("POST", "/api/v1/metrics", raw="{not json")
        self.assertEqual(st, 400)
        bad = {
            "nan.csv": ("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:01:00,inf\n", "line 3"),
            "order.csv": ("timestamp,value\n2024-01-01 00:01:00,1\n2024-01-01 00:00:00,2\n", "line 3"),
            "fields.csv": ("timestamp,value\n2024-01-01 00:00:00\n", "line 2"),
            "time.csv": ("timestamp,value\nsoon,1\n", "line 2"),
        }
        for name, (text, where) in bad.items():
            path = os.path.join(self.tmp, name)
            with open(path, "w") as f:
                f.write(text)
            p = self.cli("metrics", "import", path, "--service", "db")
            self.assertEqual(p.returncode, 1, name)
            self.assertIn(where, p.stderr, name)
        ok = os.path.join(self.tmp, "ok.csv")
        with open(ok, "w") as f:
            f.write("timestamp,value\n2024-01-01 00:00:00,1\n")
        p = self.cli("metrics", "import", ok, "--service", "ghost")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown service 'ghost'", p.stderr)
        st, err, _ = self.req("POST", "/api/v1/changes", {"service": "ghost", "summary": "x"})
        self.assertEqual((st, err["error"]["field"]), (400, "service"))
        st, err, _ = self.req("POST", "/api/v1/changes", {"service": "db", "summary": "x", "kind": "vibes"})
        self.assertEqual((st, err["error"]["field"]), (400, "kind"))
        st, err, _ = self.req("GET", "/api/v1/anomalies?service=ghost")
        self.assertEqual((st, err["error"]["code"]), (404, "not_found"))
        self.assertEqual(db_counts(self.data, ("metric_samples", "change_events")), before)


class Investigation(AnalyzeServer):
    def test_new_incident_gets_ranked_hypotheses_with_evidence(self):
        now = int(time.time())
        # payments degrades 6 minutes ago; checkout and web (its callers) follow.
        body = {"series": [
            history(now, "payments", 0.10, 0.90, 6, seed=1),
            history(now, "checkout", 0.20, 1.10, 6, seed=2),
            history(now, "web", 0.30, 1.20, 6, seed=3),
            history(now, "db", 0.02, seed=4),
            history(now, "auth", 0.05, seed=5),
        ]}
        st, r, _ = self.req("POST", "/api/v1/metrics", body)
        self.assertEqual(st, 200, r)
        p = self.cli("changes", "record", "--service", "payments", "--kind", "deploy", "--summary", "payments v2.3",
                     "--time", str(now - 7 * 60), "--label", "version=2.3", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        change = json.loads(p.stdout)
        p = self.cli("changes", "record", "--service", "auth", "--summary", "auth config", "--kind", "config",
                     "--time", str(now - 90 * 60))
        self.assertEqual(p.returncode, 0, p.stderr)

        st, inc, _ = self.req("POST", "/api/v1/incidents", {"title": "Slow storefront", "severity": "SEV2",
                                                             "services": ["web"]})
        self.assertEqual(st, 201)
        # The automatic analysis runs right away (delay 0s); wait for it to be recorded.
        st, a, _ = self.req("GET", "/api/v1/incidents/%s/hypotheses?wait=60s" % inc["id"], timeout=90)
        self.assertEqual(st, 200, a)
        self.assertEqual(a["trigger"], "auto")
        hyps = a["result"]["hypotheses"]
        top = hyps[0]
        self.assertEqual(top["service"], "payments")
        self.assertEqual(top["metric"], "latency_p99")
        self.assertGreater(top["confidence"], 0.5)
        self.assertGreater(top["confidence"], hyps[1]["confidence"])
        kinds = {e["type"]: e for e in top["evidence"]}
        self.assertEqual(kinds["change"]["change_id"], change["id"])
        self.assertGreater(kinds["metric"]["magnitude"], 10)
        self.assertEqual(kinds["graph"]["path"], ["web", "checkout", "payments"])
        self.assertTrue(top["onset"])
        ranked = a["result"]["changes"]
        self.assertEqual(ranked[0]["change"]["id"], change["id"])
        self.assertTrue(ranked[0]["anomaly_after"])
        self.assertEqual(ranked[-1]["change"]["service"], "auth")  # long before the onset, not anomalous
        self.assertLess(ranked[-1]["score"], 0.1)
        # The log miner is the error-pattern source: nothing is missing, and with no logs sent no
        # hypothesis cites a log pattern.
        self.assertFalse(any("log" in m for m in a["result"]["missing"]), a["result"]["missing"])
        self.assertFalse(any(e["type"] == "log" for h in a["result"]["hypotheses"] for e in h["evidence"]))

        st, tl, _ = self.req("GET", "/api/v1/incidents/%s/timeline" % inc["id"])
        entries = [e for e in tl["entries"] if e["kind"] == "analysis"]
        self.assertEqual(len(entries), 1)
        self.assertIn("1. payments", entries[0]["text"])
        self.assertEqual(entries[0]["actor"], "system:analyze")
        st, au, _ = self.req("GET", "/api/v1/audit?action=incident.analyze")
        self.assertEqual(st, 200)
        self.assertTrue(any(e["target"] == "incident:" + inc["id"] for e in au["entries"]), au)

        # A manual run through the CLI client records a second analysis.
        p = self.cli("analyze", "rca", "--incident", inc["id"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1. payments", p.stdout)
        self.assertIn("payments v2.3", p.stdout)
        st, a2, _ = self.req("GET", "/api/v1/incidents/%s/hypotheses" % inc["id"])
        self.assertEqual((a2["trigger"], a2["id"] > a["id"]), ("manual", True))

        # The same ranking of changes, the anomalies and the trends are queryable on their own.
        st, ch, _ = self.req("GET", "/api/v1/changes?incident=" + inc["id"])
        self.assertEqual((st, ch["changes"][0]["change"]["id"]), (200, change["id"]))
        st, an, _ = self.req("GET", "/api/v1/anomalies?from=15m")
        self.assertEqual(st, 200)
        self.assertEqual({x["service"] for x in an["anomalies"]}, {"payments", "checkout", "web"})
        # The streaming detector opened change points where the degradation began, on those only.
        cps = {c["service"]: c for c in an["change_points"]}
        self.assertEqual(set(cps), {"payments", "checkout", "web"}, an["change_points"])
        onset = time.strptime(cps["payments"]["onset"][:19], "%Y-%m-%dT%H:%M:%S")
        self.assertLess(abs(calendar.timegm(onset) - (now - 6 * 60)), 61, cps)
        st, err, _ = self.req("GET", "/api/v1/incidents/INC-99/hypotheses")
        self.assertEqual(st, 404)
        # A value that is not an analysis id is refused, not read as 0 (which answered at once).
        for q, field in [("after=abc", "after"), ("after=-1", "after"), ("wiat=5s", "wiat"), ("wait=-5s", "wait"),
                         ("wait=11m", "wait"), ("wait=soon", "wait")]:
            st, err, _ = self.req("GET", "/api/v1/incidents/%s/hypotheses?%s" % (inc["id"], q))
            self.assertEqual((st, err["error"]["field"]), (400, field), q)

    def test_resource_trends(self):
        now = int(time.time())
        pts = [[now - 3600 + i * 60, 70 + i * 0.3] for i in range(60)]  # +18 %/h, 88 % now: full in 40 m
        st, r, _ = self.req("POST", "/api/v1/metrics", {"series": [
            {"service": "db", "metric": "disk_used_percent", "samples": pts},
            {"service": "db", "metric": "memory_used_percent", "samples": [[t, 50] for t, _ in pts]}]})
        self.assertEqual(st, 200)
        st, tr, _ = self.req("GET", "/api/v1/trends?horizon=4h")
        self.assertEqual(st, 200, tr)
        self.assertEqual([t["metric"] for t in tr["trends"]], ["disk_used_percent"])
        self.assertLess(abs(tr["trends"][0]["eta_seconds"] - 2400), 120, tr)
        st, tr, _ = self.req("GET", "/api/v1/trends?horizon=30m")
        self.assertEqual(tr["trends"], [])


class BlackHole:
    """A TCP server that accepts connections and never answers (a hung Prometheus)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


class PrometheusDown(AnalyzeServer):
    prometheus_yaml = """  prometheus:
    url: http://127.0.0.1:%d
    timeout: 1s
    queries:
      latency_p99: max(latency_seconds{service="$service"})
      error_ratio: max(error_ratio{service="$service"})
""" % free_port()

    def test_unreachable_prometheus_gives_a_degraded_answer(self):
        now = int(time.time())
        st, _, _ = self.req("POST", "/api/v1/metrics", {"series": [history(now, "db", 0.02, 0.5, 5)]})
        self.assertEqual(st, 200)
        st, inc, _ = self.req("POST", "/api/v1/incidents", {"title": "DB", "severity": "SEV3", "services": ["db"]})
        p = self.cli("analyze", "rca", "--incident", inc["id"], "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        res = json.loads(p.stdout)["result"]
        self.assertEqual(res["hypotheses"][0]["service"], "db")  # the store still answers
        self.assertTrue(any("unreachable" in m for m in res["missing"]), res["missing"])


class PrometheusSlow(AnalyzeServer):
    def setUp(self):
        self.hole = BlackHole()
        self.prometheus_yaml = """  prometheus:
    url: http://127.0.0.1:%d
    timeout: 500ms
    budget: 2s
    queries:
      latency_p99: max(latency_seconds{service="$service"})
""" % self.hole.port
        super().setUp()

    def tearDown(self):
        super().tearDown()
        self.hole.close()

    def test_slow_prometheus_is_named_and_the_rest_answers(self):
        st, inc, _ = self.req("POST", "/api/v1/incidents", {"title": "DB", "severity": "SEV3", "services": ["db"]})
        st, a, _ = self.req("POST", "/api/v1/incidents/%s/analyze" % inc["id"], {}, timeout=60)
        self.assertEqual(st, 200, a)
        missing = a["result"]["missing"]
        self.assertTrue(any("no answer within 500 ms" in m for m in missing), missing)
        st, an, _ = self.req("GET", "/api/v1/anomalies?service=db")
        self.assertEqual(st, 200)
        self.assertTrue(any("no answer" in m for m in an["missing"]), an)


class Offline(unittest.TestCase):
    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="fbe2e-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_anomaly_score_writes_one_scored_row_per_input_row(self):
        rows = ["timestamp,value"]
        for i in range(400):
            rows.append("2024-01-01 %02d:%02d:00,%s" % (i // 60, i % 60, 100 if i == 350 else 10 + (i % 3)))
        src = self.write("in.csv", "\n".join(rows) + "\n")
        out = os.path.join(self.tmp, "out.csv")
        p = run_cli("anomaly", "score", src, "--output", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "timestamp,value,anomaly_score")
        self.assertEqual(len(lines), 401)
        scores = [float(l.split(",")[2]) for l in lines[1:]]
        self.assertTrue(all(0 <= s <= 1 for s in scores))
        self.assertEqual(max(range(400), key=lambda i: scores[i]), 350)
        bad = self.write("bad.csv", "timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:01:00,NaN\n")
        p = run_cli("anomaly", "score", bad)
        self.assertEqual(p.returncode, 1)
        self.assertIn("line 3", p.stderr)
        dup = self.write("dup.csv", "timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:00:00,2\n")
        p = run_cli("anomaly", "score", dup)
        self.assertEqual(p.returncode, 0)
        self.assertIn("line 3", p.stderr)  # a warning, every row still scored
        self.assertEqual(len(p.stdout.splitlines()), 3)
        p = run_cli("anomaly", "score", dup, "--strict")
        self.assertEqual(p.returncode, 1)

    def test_offline_rca_over_exported_data(self):
        t0 = 1700000000
        lines = ["timestamp,service,metric,value"]
        rnd = random.Random(9)
        for i in range(90):
            t = t0 + i * 60
            lines.append("%d,cart,latency_p99,%f" % (t, (0.8 if i >= 75 else 0.1) * (1 + rnd.gauss(0, 0.02))))
            lines.append("%d,frontend,latency_p99,%f" % (t, (1.0 if i >= 75 else 0.3) * (1 + rnd.gauss(0, 0.02))))
            lines.append("%d,frontend->cart,latency,%f" % (t, (0.7 if i >= 75 else 0.05) * (1 + rnd.gauss(0, 0.02))))
            lines.append("%d,ads,latency_p99,%s" % (t, "NaN" if i == 10 else "0.05"))
        self.write("m/metrics.csv", "\n".join(lines) + "\n")
        graph = self.write("graph.csv", "source,target\nfrontend,cart\nfrontend,ads\n")
        p = run_cli("analyze", "rca", "--metrics", os.path.join(self.tmp, "m"), "--graph", graph,
                    "--from", str(t0 + 70 * 60), "--to", str(t0 + 89 * 60), "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1 NaN/Inf value(s) skipped", p.stderr)
        res = json.loads(p.stdout)
        self.assertEqual([h["service"] for h in res["hypotheses"][:2]], ["cart", "frontend"])
        # Numbers are written as people read them (0.95, 3.03, 0), as the server's API writes them,
        # not in Boost.JSON's serializer's 9.518000000000001E-1, 3.0327E0, 0E0.
        self.assertNotRegex(p.stdout, r"\d[eE][-+]?\d", p.stdout)
        self.assertRegex(p.stdout, r'"confidence": 0\.\d+[,\n]')
        p = run_cli("analyze", "rca", "--metrics", os.path.join(self.tmp, "m"), "--graph", graph,
                    "--from", "2023-11-14T23:23:20Z", "--to", "2023-11-14T23:42:20Z", "--affected", "nowhere")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown service 'nowhere'", p.stderr)
        badgraph = self.write("bad.csv", ",a,b\na,0\n")
        p = run_cli("analyze", "rca", "--metrics", os.path.join(self.tmp, "m"), "--graph", badgraph,
                    "--from", str(t0), "--to", str(t0 + 60))
        self.assertEqual(p.returncode, 1)
        self.assertIn("matrix row 2", p.stderr)
        p = run_cli("analyze", "rca", "--metrics", os.path.join(self.tmp, "m"), "--graph", graph,
                    "--from", "later", "--to", str(t0))
        self.assertEqual(p.returncode, 1)
        self.assertIn("--from", p.stderr)


if __name__ == "__main__":
    unittest.main()
