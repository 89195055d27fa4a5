"""A real Prometheus Alertmanager (Debian's prometheus-alertmanager) pointed at Firebreak: alerts
posted to Alertmanager's own API arrive through its webhook receiver (integration key as bearer
credentials) and become incidents, then resolve them.

And Alertmanager's own client, amtool (same package), pointed at Firebreak instead: silences added,
queried with filters and expired through Alertmanager's silence API, with a Firebreak token."""
import datetime
import json
import os
import shutil
import subprocess
import unittest
import urllib.request

from harness import EXAMPLE_CONFIG, ServerTestCase, create_token, db_counts, free_port, stop_process, wait_for

AM_BIN = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
AMTOOL = shutil.which("amtool") or "/usr/bin/amtool"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Alertmanager:
    def __init__(self, workdir, firebreak_url, key):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        os.makedirs(os.path.join(workdir, "am-data"), exist_ok=True)
        cfg = os.path.join(workdir, "alertmanager.yml")
        with open(cfg, "w") as f:
            f.write("""route:
  receiver: firebreak
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: firebreak
    webhook_configs:
      - url: %s/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: %s
""" % (firebreak_url, key))
        self.log = open(os.path.join(workdir, "alertmanager.log"), "w")
        self.proc = subprocess.Popen(
            [AM_BIN, "--config.file=" + cfg, "--storage.path=" + os.path.join(workdir, "am-data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--cluster.listen-address="],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.ready, 60, "alertmanager to be ready")

    def ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("alertmanager exited with %s" % self.proc.returncode)
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def post_alerts(self, alerts):
        req = urllib.request.Request(self.url + "/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200, r.status

    def stop(self):
        stop_process(self.proc, timeout=20)
        self.log.close()


class RealAlertmanager(ServerTestCase):
    def setUp(self):
        # A missing peer is a failure, not a skip: this test is the proof of the drop-in claim.
        self.assertTrue(os.path.exists(AM_BIN), "prometheus-alertmanager is not installed (scripts/install-deps.sh)")
        super().setUp()
        self.am = Alertmanager(self.tmp, self.server.url, "example-alertmanager-key")

    def tearDown(self):
        self.am.stop()
        super().tearDown()

    def incidents(self):
        st, body, _ = self.server.request("GET", "/api/v1/incidents", token=self.token)
        self.assertEqual(st, 200, body)
        return body["incidents"]

    def test_alerts_posted_to_alertmanager_become_incidents_then_resolve(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        db = {"labels": {"alertname": "PostgresDown", "service": "db", "severity": "critical"},
              "annotations": {"summary": "primary is not answering"}, "startsAt": iso(now),
              "generatorURL": "http://prometheus.example/graph"}
        pay = {"labels": {"alertname": "PaymentsErrors", "service": "payments", "severity": "warning"},
               "annotations": {"summary": "5xx at 8%"}, "startsAt": iso(now)}
        self.am.post_alerts([db, pay])

        # Two groups (by alertname), two webhooks; the payments alert attaches to the db incident.
        def both_in_one():
            incs = self.incidents()
            if len(incs) == 1 and incs[0]["alert_count"] == 2:
                return incs[0]
            return None
        inc = wait_for(both_in_one, 60, "one incident with both alerts")
        self.assertEqual((inc["source"], inc["severity"], inc["state"]), ("alertmanager", "SEV2", "triggered"))
        self.assertEqual(inc["services"], ["db", "payments"])
        st, body, _ = self.server.request("GET", "/api/v1/incidents/%s/alerts" % inc["id"], token=self.token)
        # Alertmanager sends the two groups concurrently: whichever arrives first opens the incident
        # and the other joins it, saying how the services are related.
        reasons = sorted(a["join_reason"] for a in body["alerts"])
        self.assertIn(reasons, [["downstream of db (payments depends on db)",
                                 "opened: no open incident for db or its dependencies"],
                                ["opened: no open incident for payments or its dependencies",
                                 "upstream of payments (payments depends on db)"]])
        fp = [a for a in body["alerts"] if a["labels"]["alertname"] == "PostgresDown"][0]
        self.assertEqual(fp["generator_url"], "http://prometheus.example/graph")

        # Resolve both in Alertmanager (endsAt in the past): it sends resolved notifications and
        # the incident moves to mitigated.
        ended = iso(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1))
        self.am.post_alerts([dict(db, endsAt=ended), dict(pay, endsAt=ended)])

        def mitigated():
            st, i, _ = self.server.request("GET", "/api/v1/incidents/" + inc["id"], token=self.token)
            return i if i["state"] == "mitigated" else None
        done = wait_for(mitigated, 60, "the incident to be mitigated")
        self.assertEqual(done["open_alerts"], 0)
        st, tl, _ = self.server.request("GET", "/api/v1/incidents/%s/timeline" % inc["id"], token=self.token)
        change = [e for e in tl["entries"] if e["kind"] == "mitigated"]
        self.assertEqual(len(change), 1, tl)
        self.assertIn("all 2 alerts resolved", change[0]["text"])
        self.assertEqual(len(self.incidents()), 1, "repeated notifications do not open more incidents")


class Amtool(ServerTestCase):
    def setUp(self):
        self.assertTrue(os.path.exists(AMTOOL), "amtool is not installed (prometheus-alertmanager, scripts/install-deps.sh)")
        super().setUp()
        self.alice = create_token(self.data, "read,write", person="alice", config=EXAMPLE_CONFIG)
        self.http_config = os.path.join(self.tmp, "amtool-http.yml")
        with open(self.http_config, "w") as f:
            f.write("authorization:\n  type: Bearer\n  credentials: %s\n" % self.alice)

    def amtool(self, *args):
        # No --no-version-check: amtool warns on every command when the server's version differs
        # from its own, and users should not see that.
        p = subprocess.run([AMTOOL, "--alertmanager.url=" + self.server.url, "--http.config.file=" + self.http_config,
                            *args], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("Warning", p.stderr)
        return p.stdout

    def silence(self, sid):
        st, body, _ = self.server.request("GET", "/api/v1/silences/" + sid, token=self.token)
        self.assertEqual(st, 200, body)
        return body

    def test_inhibited_alerts_as_amtool_shows_them(self):
        # The example's inhibit rule: NodeDown mutes the warnings of its instance.
        hook = {"version": "4", "status": "firing", "alerts": [
            {"status": "firing", "labels": {"alertname": "NodeDown", "instance": "node-1", "service": "db",
                                            "severity": "critical"}},
            {"status": "firing", "labels": {"alertname": "HighLatency", "instance": "node-1", "service": "search",
                                            "severity": "warning"}},
            {"status": "firing", "labels": {"alertname": "HighLatency", "instance": "node-2", "service": "search",
                                            "severity": "warning"}}]}
        st, body, _ = self.server.request("POST", "/api/v1/alerts/alertmanager?key=example-alertmanager-key", hook)
        self.assertEqual((st, body.get("new"), body.get("inhibited")), (200, 2, 1), body)

        def names(*args):
            return [(a["labels"]["alertname"], a["labels"]["instance"], a["status"]["state"],
                     a["status"]["inhibitedBy"]) for a in json.loads(self.amtool("alert", "query", "-o", "json", *args))]
        self.assertEqual(names(), [("NodeDown", "node-1", "active", []), ("HighLatency", "node-2", "active", [])])
        self.assertEqual(names("-i"), [("HighLatency", "node-1", "suppressed", ["INH-1-1"])])
        self.assertEqual(names("-a", "-i", "alertname=HighLatency"),
                         [("HighLatency", "node-1", "suppressed", ["INH-1-1"]), ("HighLatency", "node-2", "active", [])])
        self.assertEqual(names("-s"), [], "inhibited is not silenced")
        # NodeDown resolves: the muted alert is placed (it opens or joins an incident).
        hook["alerts"][0]["status"] = "resolved"
        st, body, _ = self.server.request("POST", "/api/v1/alerts/alertmanager?key=example-alertmanager-key",
                                          {**hook, "alerts": hook["alerts"][:1]})
        self.assertEqual((st, body.get("resolved")), (200, 1), body)
        self.assertEqual(names("alertname=HighLatency"),
                         [("HighLatency", "node-1", "active", []), ("HighLatency", "node-2", "active", [])])
        st, alerts, _ = self.server.request("GET", "/api/v1/alerts?status=open", token=self.token)
        [muted] = [a for a in alerts["alerts"] if a["labels"].get("instance") == "node-1"]
        self.assertTrue(muted["incident_id"], muted)

    def test_silences_added_queried_and_expired_with_amtool(self):
        sid = self.amtool("silence", "add", "alertname=DiskFull", "service=~check.*", "-c", "reindex window",
                          "-d", "2h").strip()
        self.assertEqual(sid, "SIL-1")
        sil = self.silence(sid)
        self.assertEqual((sil["state"], sil["comment"], sil["created_by"]), ("active", "reindex window", "person:alice"))
        self.assertEqual([(m["name"], m["op"], m["value"]) for m in sil["matchers"]],
                         [("alertname", "=", "DiskFull"), ("service", "=~", "check.*")])
        # It does what a Firebreak silence does: a matching alert is recorded, silenced, pages nobody.
        hook = {"version": "4", "status": "firing", "alerts": [
            {"status": "firing", "labels": {"alertname": "DiskFull", "service": "checkout"}},
            {"status": "firing", "labels": {"alertname": "CPUHigh", "service": "checkout"},
             "annotations": {"summary": "CPU at 97%"}}]}
        st, body, _ = self.server.request("POST", "/api/v1/alerts/alertmanager?key=example-alertmanager-key", hook)
        self.assertEqual((st, body.get("silenced"), body.get("new")), (200, 1, 1), body)

        # amtool alert query: active alerts by default, silenced ones with -s, filters as matchers.
        def names(*args):
            return [(a["labels"]["alertname"], a["status"]["state"], a["status"]["silencedBy"])
                    for a in json.loads(self.amtool("alert", "query", "-o", "json", *args))]
        self.assertEqual(names(), [("CPUHigh", "active", [])])
        self.assertEqual(names("-s"), [("DiskFull", "suppressed", ["SIL-1"])])
        self.assertEqual(names("-a", "-s", "service=checkout"), [("DiskFull", "suppressed", ["SIL-1"]),
                                                                ("CPUHigh", "active", [])])
        self.assertEqual(names("-a", "alertname=~Disk.*"), [])
        self.assertEqual(names("-a", "-r", "Prometheus.*"), [("CPUHigh", "active", [])])
        self.assertIn("CPU at 97%", self.amtool("alert", "query"))

        # Queried in Alertmanager's shape, filtered by matchers as Alertmanager filters.
        [got] = json.loads(self.amtool("silence", "query", "-o", "json", "service=~check.*"))
        self.assertEqual((got["id"], got["status"]["state"], got["comment"]), ("SIL-1", "active", "reindex window"))
        self.assertEqual(sorted((m["name"], m["value"], m["isRegex"], m["isEqual"]) for m in got["matchers"]),
                         [("alertname", "DiskFull", False, True), ("service", "check.*", True, True)])
        self.assertEqual(self.amtool("silence", "query", "-q", "alertname=Other").split(), [])
        self.assertEqual(self.amtool("silence", "query", "-q").split(), ["SIL-1"])

        self.amtool("silence", "expire", sid)
        self.assertEqual(self.silence(sid)["state"], "expired")
        self.assertEqual(self.amtool("silence", "query", "-q").split(), [], "expired silences are not listed")
        self.assertEqual(self.amtool("silence", "query", "-q", "--expired").split(), ["SIL-1"])
        st, audit, _ = self.server.request("GET", "/api/v1/audit?target=silence:SIL-1", token=self.token)
        self.assertEqual([(e["action"], e["actor"]) for e in audit["entries"]],
                         [("silence.create", "person:alice"), ("silence.expire", "person:alice")])

    def test_a_refused_silence_update_leaves_the_silence_as_it_was(self):
        sid = self.amtool("silence", "add", "alertname=DiskFull", "-c", "reindex window", "-d", "2h").strip()
        hook = {"version": "4", "status": "firing", "alerts": [
            {"status": "firing", "labels": {"alertname": "DiskFull", "service": "checkout"}}]}
        st, body, _ = self.server.request("POST", "/api/v1/alerts/alertmanager?key=example-alertmanager-key", hook)
        self.assertEqual((st, body.get("silenced")), (200, 1), body)
        update = {"id": sid, "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": False, "isEqual": True}],
                  "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2099-01-01T00:00:00Z", "comment": "extend"}
        for body, field in [(update, "endsAt"), (dict(update, endsAt="2030-01-01T00:00:00Z", comment="  "), "comment")]:
            st, resp, _ = self.server.request("POST", "/api/v2/silences", body, token=self.alice)
            self.assertEqual((st, resp["error"].get("field")), (400, field), resp)
            self.assertEqual(self.silence(sid)["state"], "active", "a refused update ends nothing")
        # amtool's own update: the new silence takes over and the alert never leaves a silence, so
        # nothing pages for it.
        # (amtool 0.25 prints the new silence as a table; its -q prints a Go pointer.)
        out = self.amtool("silence", "update", sid, "-d", "3h").split("\n")
        new_id = out[1].split()[0]
        self.assertNotEqual(new_id, sid)
        self.assertEqual((self.silence(sid)["state"], self.silence(new_id)["state"]), ("expired", "active"))
        [alert] = json.loads(self.amtool("alert", "query", "-s", "-o", "json"))
        self.assertEqual(alert["status"]["silencedBy"], [new_id])
        st, incidents, _ = self.server.request("GET", "/api/v1/incidents", token=self.token)
        self.assertEqual(incidents["incidents"], [], "the silenced alert opened nothing")

    def test_bad_silences_and_missing_credentials_are_refused_and_store_nothing(self):
        ok = {"matchers": [{"name": "alertname", "value": "X", "isRegex": False}], "startsAt": "2026-01-01T00:00:00Z",
              "endsAt": "2099-01-01T00:00:00Z", "createdBy": "bob", "comment": "x"}
        before = db_counts(self.data, ("silences", "audit"))
        for body, status, field in [
                (dict(ok, endsAt="2020-01-01T00:00:00Z"), 400, "endsAt"),
                (dict(ok, matchers=[]), 400, "matchers"),
                (dict(ok, matchers=[{"value": "X"}]), 400, "matchers[0].name"),
                # Would silence every alert: each matcher also matches an alert without the label.
                (dict(ok, matchers=[{"name": "alertname", "isRegex": False}]), 400, "matchers"),
                (dict(ok, matchers=[{"name": "team", "value": "", "isRegex": False},
                                    {"name": "env", "value": ".*", "isRegex": True}]), 400, "matchers"),
                ({k: v for k, v in ok.items() if k != "comment"}, 400, "comment"),
                (dict(ok, id="SIL-404"), 404, "id")]:
            st, resp, _ = self.server.request("POST", "/api/v2/silences", body, token=self.alice)
            self.assertEqual((st, resp["error"].get("field")), (status, field), resp)
        st, resp, _ = self.server.request("POST", "/api/v2/silences", ok)
        self.assertEqual(st, 401, resp)
        st, resp, _ = self.server.request("GET", "/api/v2/silences?filter=%7Bbad", token=self.alice)
        self.assertEqual((st, resp["error"]["field"]), (400, "filter"), resp)
        self.assertEqual(db_counts(self.data, ("silences", "audit")), before)


if __name__ == "__main__":
    unittest.main()
