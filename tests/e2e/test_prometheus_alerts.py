"""A real Prometheus (Debian's /usr/bin/prometheus) sending its alerts straight to Firebreak, with no
Alertmanager in between: prometheus.yml's alerting.alertmanagers targets the Firebreak server and
carries the integration key as authorization credentials, so Prometheus posts to Firebreak's
POST /api/v2/alerts exactly as it would to an Alertmanager.

- A rule that fires (on a metric scraped from a target the test controls) opens an incident; when
  the condition clears, Prometheus sends the alert resolved and the incident is mitigated.
- When Prometheus dies (kill -9) while the alert fires, nobody will ever send "resolved": the alert
  expires at the endsAt of the last send (four evaluation intervals ahead) and the incident is
  mitigated, saying the source stopped sending it.
- Prometheus's always-firing Watchdog pings a heartbeat (a dead man's switch) and opens nothing;
  when Prometheus dies, the heartbeat is missed and an incident opens; a ping from the CLI (a
  token's) resolves it.

Waits are on conditions: Prometheus's log lines and the server's state, polled."""
import json
import os
import unittest
import urllib.request

from harness import MetricsTarget, Prometheus, ServerTestCase, example_config_plus, run_cli, wait_for

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


WATCHDOG_RULES = """groups:
  - name: meta
    interval: 1s
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels: {severity: none}
        annotations: {summary: "Always firing: the alerting pipeline works"}
"""

# A heartbeat that notices a silent Prometheus within seconds (the example's waits 5m).
FAST_HEARTBEAT = """heartbeats:
  - id: fast-watchdog
    service: web
    timeout: 3s
    integration: Prometheus (direct)
    match: {labels: {alertname: Watchdog}}
"""


class Target(MetricsTarget):
    """Serves `checkout_up`: 1 until the test sets it down."""

    def __init__(self):
        self.up = 1
        super().__init__()

    def render(self):
        return "# TYPE checkout_up gauge\ncheckout_up %d\n" % self.up


class WithPrometheus(ServerTestCase):
    """A scrape target the test controls (self.target) and, once a test starts it, a real Prometheus
    (self.prom), stopped afterwards."""

    def setUp(self):
        # A missing peer is a failure, not a skip: these tests are the proof of the claims.
        self.assertTrue(os.path.exists(Prometheus.BIN), "prometheus is not installed (scripts/install-deps.sh)")
        super().setUp()
        self.prom = None
        self.target = Target()

    def tearDown(self):
        if self.prom:
            self.prom.stop()
        self.target.close()
        super().tearDown()

    def get(self, path):
        st, body, _ = self.server.request("GET", path, token=self.token)
        self.assertEqual(st, 200, body)
        return body


class PrometheusWithoutAlertmanager(WithPrometheus):

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



class WatchdogHeartbeat(WithPrometheus):
    start_server = False

    def setUp(self):
        super().setUp()
        cfg = example_config_plus(self.tmp, "heartbeat.yaml", FAST_HEARTBEAT)
        self.server = self.new_server(config_dir=cfg)
        self.token = self.server.admin_token
        host = self.server.url.split("//", 1)[1]
        self.prom = Prometheus(self.tmp, CONFIG % (self.target.port, host, KEY), files={"rules.yml": WATCHDOG_RULES},
                               extra_args=["--rules.alert.resend-delay=1s"])

    def heartbeat(self, state):
        def reached():
            [hb] = [h for h in self.get("/api/v1/heartbeats")["heartbeats"] if h["id"] == "fast-watchdog"]
            return hb if hb["state"] == state else None
        return wait_for(reached, 60, "heartbeat fast-watchdog to be " + state)

    def test_a_silent_prometheus_opens_an_incident_and_a_ping_resolves_it(self):
        hb = self.heartbeat("up")
        self.assertEqual((hb["last_via"], hb["timeout"], hb["service"]), ("Prometheus (direct)", "3s", "web"))
        # The Watchdog is consumed: it pinged both heartbeats that watch it, and stored nothing.
        wait_for(lambda: self.get("/api/v1/heartbeats")["heartbeats"][0]["state"] == "up", 30,
                 "the example heartbeat to be pinged too")
        self.assertEqual(self.get("/api/v1/incidents")["incidents"], [])
        self.assertEqual(self.get("/api/v1/alerts")["alerts"], [])

        self.prom.kill9()
        hb = self.heartbeat("missed")
        inc = self.get("/api/v1/incidents/" + hb["incident_id"])
        self.assertEqual((inc["source"], inc["state"], inc["services"]), ("heartbeat", "triggered", ["web"]))
        self.assertIn("Heartbeat 'fast-watchdog' missed: nothing heard since", inc["title"])
        [alert] = self.get("/api/v1/incidents/%s/alerts" % inc["id"])["alerts"]
        self.assertEqual(alert["labels"], {"alertname": "HeartbeatMissed", "heartbeat": "fast-watchdog",
                                           "service": "web"})
        metrics = self.server.request("GET", "/metrics", token=self.token)[1]
        self.assertIn('firebreak_heartbeat_up{heartbeat="fast-watchdog"} 0', metrics)
        self.assertIn("firebreak_heartbeats_missed 1", metrics)

        # The CLI lists it as missed, and a ping with a token (whoever fixed the sender) resolves it.
        p = run_cli("heartbeats", "list", "--server", self.server.url, "--token", self.token)
        self.assertEqual(p.returncode, 0, p.stderr)
        [row] = [line for line in p.stdout.splitlines() if line.startswith("fast-watchdog")]
        self.assertEqual(row.split()[1], "missed")
        self.assertIn(inc["id"], row)
        p = run_cli("heartbeats", "ping", "fast-watchdog", "--json", "--server", self.server.url, "--token", self.token)
        self.assertEqual(p.returncode, 0, p.stderr)
        pinged = json.loads(p.stdout)
        self.assertEqual(pinged["state"], "up")
        self.assertTrue(pinged["last_via"].startswith("token:"), pinged)
        inc = self.get("/api/v1/incidents/" + inc["id"])
        self.assertEqual((inc["state"], inc["open_alerts"]), ("mitigated", 0))


class HeartbeatPings(ServerTestCase):
    """Pings over HTTP as a cron job sends them, and the ones refused (nothing changes)."""

    def ping(self, hid, key=None, token=None):
        path = "/api/v1/heartbeats/%s/ping" % hid + ("?key=" + key if key else "")
        return self.server.request("POST", path, token=token)

    def state(self):
        st, body, _ = self.server.request("GET", "/api/v1/heartbeats", token=self.token)
        self.assertEqual(st, 200, body)
        return {h["id"]: h for h in body["heartbeats"]}

    def test_key_and_token_pings_and_refusals(self):
        self.assertEqual(self.state()["prometheus-watchdog"]["state"], "waiting")
        cases = [
            (self.ping("prometheus-watchdog"), 401, "Authorization"),                       # no credentials
            (self.ping("prometheus-watchdog", key="no-such-key-123"), 401, "key"),         # unknown key
            (self.ping("prometheus-watchdog", key="example-checkout-key"), 403, None),     # not its integration
            (self.ping("nope", key=KEY), 404, "id"),                                       # unknown heartbeat
        ]
        for (st, body, _), want, field in cases:
            self.assertEqual(st, want, body)
            self.assertEqual(body["error"].get("field"), field, body)
        self.assertEqual(self.state()["prometheus-watchdog"]["state"], "waiting")
        st, body, _ = self.ping("prometheus-watchdog", key=KEY)
        self.assertEqual(st, 200, body)
        self.assertEqual((body["state"], body["last_via"], body["timeout"]), ("up", "Prometheus (direct)", "5m"))
        self.assertEqual(self.state()["prometheus-watchdog"]["due"], body["due"])


if __name__ == "__main__":
    unittest.main()
