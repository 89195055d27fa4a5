"""A real Prometheus (Debian's /usr/bin/prometheus) sending its alerts straight to Firebreak, with no
Alertmanager in between: prometheus.yml's alerting.alertmanagers targets the Firebreak server and
carries the integration key as authorization credentials, so Prometheus posts to Firebreak's
POST /api/v2/alerts exactly as it would to an Alertmanager.

- A rule that fires (on a metric scraped from a target the test controls) opens an incident; when
  the condition clears, Prometheus sends the alert resolved and the incident is mitigated.
- When Prometheus dies (kill -9) while the alert fires, nobody will ever send "resolved": the alert
  expires at the endsAt of the last send (four evaluation intervals ahead) and the incident is
  mitigated, saying the source stopped sending it.

Waits are on conditions: Prometheus's log lines and the server's state, polled."""
import json
import os
import unittest
import urllib.request

from harness import MetricsTarget, Prometheus, ServerTestCase, wait_for

KEY = "example-prometheus-key"

CONFIG = """global:
  evaluation_interval: 1s
  scrape_interval: 250ms
  scrape_timeout: 200ms
scrape_configs:
  - job_name: checkout
    static_configs:
      - targets: ['127.0.0.1:%d']
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - api_version: v2
      static_configs:
        - targets: ['%s']
      authorization:
        type: Bearer
        credentials: %s
"""

RULES = """groups:
  - name: checkout
    interval: 1s
    rules:
      - alert: CheckoutDown
        expr: checkout_up == 0
        labels: {service: checkout, severity: critical}
        annotations: {summary: "checkout answers 503"}
"""


class Target(MetricsTarget):
    """Serves `checkout_up`: 1 until the test sets it down."""

    def __init__(self):
        self.up = 1
        super().__init__()

    def render(self):
        return "# TYPE checkout_up gauge\ncheckout_up %d\n" % self.up


class PrometheusWithoutAlertmanager(ServerTestCase):
    def setUp(self):
        # A missing peer is a failure, not a skip: this test is the proof of the claim.
        self.assertTrue(os.path.exists(Prometheus.BIN), "prometheus is not installed (scripts/install-deps.sh)")
        super().setUp()
        self.prom = None
        self.target = Target()

    def start_prometheus(self, resend_delay):
        """Prometheus re-sends a firing alert every RESEND_DELAY with endsAt four times that ahead.
        The service goes down only once Prometheus has found Firebreak as its Alertmanager (what it
        sends before that is dropped, and re-sent only after the delay)."""
        host = self.server.url.split("//", 1)[1]
        self.prom = Prometheus(self.tmp, CONFIG % (self.target.port, host, KEY), files={"rules.yml": RULES},
                               extra_args=["--rules.alert.resend-delay=" + resend_delay])

        def found():
            with urllib.request.urlopen(self.prom.url + "/api/v1/alertmanagers", timeout=10) as r:
                active = json.load(r)["data"]["activeAlertmanagers"]
            return [a["url"] for a in active]
        self.assertEqual(wait_for(found, 60, "Prometheus to find its Alertmanager"),
                         [self.server.url + "/api/v2/alerts"])
        self.target.up = 0

    def tearDown(self):
        if self.prom:
            self.prom.stop()
        self.target.close()
        super().tearDown()

    def get(self, path):
        st, body, _ = self.server.request("GET", path, token=self.token)
        self.assertEqual(st, 200, body)
        return body

    def firing_incident(self, resends):
        def opened():
            incs = self.get("/api/v1/incidents")["incidents"]
            return incs[0] if incs else None
        inc = wait_for(opened, 60, "Prometheus's alert to open an incident")
        self.assertEqual((inc["source"], inc["state"], inc["services"]), ("prometheus", "triggered", ["checkout"]))
        self.assertEqual(inc["title"], "checkout: CheckoutDown: checkout answers 503")
        [alert] = self.get("/api/v1/incidents/%s/alerts" % inc["id"])["alerts"]
        self.assertEqual((alert["source"], alert["status"]), ("prometheus", "firing"))
        # Prometheus adds the rule's name to the labels, and links to its graph page.
        self.assertEqual(alert["labels"], {"alertname": "CheckoutDown", "instance": "127.0.0.1:%d" % self.target.port,
                                           "job": "checkout", "service": "checkout", "severity": "critical"})
        self.assertIn("/graph?g0.expr=checkout_up", alert["generator_url"])
        # It keeps re-sending while the rule fires: repeats of one alert, not new ones.
        wait_for(lambda: self.get("/api/v1/incidents/%s/alerts" % inc["id"])["alerts"][0]["count"] >= resends, 60,
                 "Prometheus to re-send the firing alert")
        self.assertEqual(len(self.get("/api/v1/incidents")["incidents"]), 1)
        return inc

    def settled(self, iid):
        def mitigated():
            inc = self.get("/api/v1/incidents/" + iid)
            return inc if inc["state"] == "mitigated" else None
        inc = wait_for(mitigated, 60, "the incident to be mitigated")
        self.assertEqual(inc["open_alerts"], 0)
        return [e for e in self.get("/api/v1/incidents/%s/timeline" % iid)["entries"] if e["kind"] == "alert_resolved"]

    def test_a_firing_rule_opens_an_incident_and_its_resolution_mitigates_it(self):
        # Prometheus's default re-send delay (1m): the alert would expire 4 minutes after a send, so
        # what ends it here is the resolved notification.
        self.start_prometheus("1m")
        inc = self.firing_incident(resends=1)
        # The service is back.
        self.target.up = 1
        [entry] = self.settled(inc["id"])
        self.assertEqual(entry["text"], "Alert resolved: CheckoutDown: checkout answers 503 (checkout)")
        self.assertEqual(self.get("/api/v1/incidents/%s/alerts" % inc["id"])["alerts"][0]["status"], "resolved")

    def test_an_alert_whose_prometheus_died_expires_at_its_last_ends_at(self):
        # A re-send every evaluation (1 s): endsAt is 4 s ahead, so expiry comes quickly.
        self.start_prometheus("1s")
        inc = self.firing_incident(resends=3)
        self.prom.kill9()
        [entry] = self.settled(inc["id"])
        self.assertTrue(entry["text"].startswith(
            "Alert expired: CheckoutDown: checkout answers 503 (checkout): its source stopped sending it"), entry)
        self.assertTrue(entry["data"]["expired"])
        metrics = self.server.request("GET", "/metrics", token=self.token)[1]
        self.assertIn("firebreak_alerts_expired 1", metrics)


if __name__ == "__main__":
    unittest.main()
