"""Root-cause analysis against a real Prometheus (Debian's /usr/bin/prometheus), started here on a
free loopback port with its own storage, scraping a small exposition target every 250 ms. After
a planted change event the target degrades one service; the incident opened on the storefront
gets a top hypothesis naming the degraded service and the change, with the evidence.

Every wait is on a condition: Prometheus's "ready" log line, scrape requests arriving at the
target, and the server's long poll for the analysis."""
import json
import os
import random
import shutil
import tempfile
import unittest

from harness import MetricsTarget, Prometheus, Server, example_config_plus, run_cli

PROMETHEUS = Prometheus.BIN
SERVICES = ["web", "checkout", "payments", "db", "catalog", "auth", "inventory"]


class Target(MetricsTarget):
    """Serves request latency and error ratio per service."""

    def __init__(self):
        self.degraded = set()
        self.rnd = random.Random(7)
        super().__init__()

    def render(self):
        lines = ["# TYPE request_latency_seconds gauge", "# TYPE request_error_ratio gauge"]
        slow = "checkout" in self.degraded
        for svc in SERVICES:
            base = {"web": 0.30, "checkout": 0.20}.get(svc, 0.05)
            lat = base * (1 + self.rnd.gauss(0, 0.03))
            err = 0.001 * (1 + self.rnd.gauss(0, 0.1))
            if slow and svc == "checkout":
                lat, err = 1.6 * (1 + self.rnd.gauss(0, 0.03)), 0.2
            if slow and svc == "web":  # the caller inherits part of it
                lat = 0.9 * (1 + self.rnd.gauss(0, 0.03))
            lines.append('request_latency_seconds{service="%s",instance="a"} %.6f' % (svc, lat))
            lines.append('request_error_ratio{service="%s",instance="a"} %.6f' % (svc, err))
        return "\n".join(lines) + "\n"


@unittest.skipUnless(os.path.exists(PROMETHEUS), "Debian's prometheus package is not installed")
class RootCauseFromPrometheus(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fbe2e-prom-")
        self.target = Target()
        self.prom = Prometheus(self.tmp, """global:
  scrape_interval: 250ms
  scrape_timeout: 200ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: shop
    static_configs:
      - targets: ['127.0.0.1:%d']
""" % self.target.port)
        cfg = example_config_plus(self.tmp, "analyze.yaml", """analyze:
  delay: 0s
  rerun_every: 0
  window_before: 5s
  lookback: 5m
  prometheus:
    url: %s
    timeout: 5s
    step: 250ms
    queries:
      latency_p99: max by (instance) (request_latency_seconds{service="$service"})
      error_ratio: max by (instance) (request_error_ratio{service="$service"})
""" % self.prom.url)
        self.server = Server(os.path.join(self.tmp, "var"), config_dir=cfg).start()
        self.token = self.server.admin_token

    def tearDown(self):
        self.server.stop()
        self.prom.stop()
        self.target.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def req(self, *a, **kw):
        kw.setdefault("token", self.token)
        return self.server.request(*a, **kw)

    def test_degraded_service_and_its_change_top_the_hypotheses(self):
        self.target.wait_scrapes(40)  # ten seconds of normal behaviour in Prometheus
        st, change, _ = self.req("POST", "/api/v1/changes", {
            "service": "checkout", "kind": "deploy", "summary": "checkout v42", "labels": {"version": "42"}})
        self.assertEqual(st, 201, change)
        self.target.degraded.add("checkout")
        # Prometheus has ingested a scrape once the next one starts: wait for the degraded ones.
        self.target.wait_scrapes(13)

        st, inc, _ = self.req("POST", "/api/v1/incidents", {"title": "Storefront slow", "severity": "SEV2",
                                                             "services": ["web"]})
        self.assertEqual(st, 201, inc)
        st, a, _ = self.req("GET", "/api/v1/incidents/%s/hypotheses?wait=60s" % inc["id"], timeout=90)
        self.assertEqual(st, 200, a)
        res = a["result"]
        self.assertFalse([m for m in res["missing"] if "prometheus" in m], res["missing"])
        top = res["hypotheses"][0]
        self.assertEqual(top["service"], "checkout", json.dumps(res["hypotheses"][:3], indent=1))
        self.assertIn(top["metric"], ("latency_p99", "error_ratio"))
        ev = {}
        for e in top["evidence"]:
            ev.setdefault(e["type"], e)
        self.assertEqual(ev["change"]["change_id"], change["id"])
        self.assertIn("checkout v42", ev["change"]["text"])
        self.assertTrue(ev["metric"]["series"].startswith("checkout/"), ev["metric"])
        # Prometheus labels the series with the scraped target.
        self.assertIn("instance=127.0.0.1:%d" % self.target.port, ev["metric"]["series"])
        self.assertGreater(ev["metric"]["magnitude"], 10)
        self.assertEqual(ev["graph"]["path"], ["web", "checkout"])
        self.assertGreater(top["confidence"], 0.5)
        # The storefront's own slowness is explained as inherited, not ranked above the cause.
        web = next(h for h in res["hypotheses"] if h["service"] == "web")
        self.assertLess(web["confidence"], top["confidence"])
        self.assertEqual(res["changes"][0]["change"]["id"], change["id"])
        self.assertTrue(res["changes"][0]["anomaly_after"])

        st, tl, _ = self.req("GET", "/api/v1/incidents/%s/timeline" % inc["id"])
        text = [e["text"] for e in tl["entries"] if e["kind"] == "analysis"]
        self.assertTrue(text and "1. checkout" in text[0], text)
        p = run_cli("analyze", "rca", "--incident", inc["id"], "--server", self.server.url, "--token", self.token)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1. checkout", p.stdout)
        self.assertIn("checkout v42", p.stdout)


if __name__ == "__main__":
    unittest.main()
