"""Log pattern mining end to end: Loki push (JSON and snappy protobuf) and JSON lines into the real
server, malformed bodies refused without storing anything, the deployment scenario (a new error
template and a surge of an existing one show on the incident with their first-seen times), state
surviving SIGKILL, and the CLI (`logs mine`, `logs import`, `logs templates`, `logs patterns`)."""
import calendar
import csv
import json
import os
import sqlite3
import subprocess
import time
import unittest

from harness import Server, ServerTestCase, example_config_plus, run_cli

SHARED = os.environ.get("FB_SHARED_DIR", os.path.join(os.getcwd(), "..", "shared"))
HDFS = os.path.join(SHARED, "data", "loghub-2k", "HDFS", "HDFS_2k.log")
HDFS_FORMAT = "<Date> <Time> <Pid> <Level> <Component>: <Content>"

LOG_TABLES = ("log_families", "log_templates", "log_counts", "log_exemplars", "log_incident_marks")


def log_counts(data_dir):
    con = sqlite3.connect("file:%s/firebreak.db?mode=ro" % data_dir, uri=True)
    try:
        return {t: con.execute("SELECT COUNT(*) FROM %s" % t).fetchone()[0] for t in LOG_TABLES}
    finally:
        con.close()


def ns(t):
    """Unix nanoseconds of t (float seconds) at millisecond resolution, as a string (Loki)."""
    return str(int(round(t * 1000)) * 1000000)


def iso(t):
    """RFC 3339 UTC with milliseconds, as the server writes it (no fraction when it is zero)."""
    ms = int(round(t * 1000))
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000))
    return base + ("Z" if ms % 1000 == 0 else ".%03dZ" % (ms % 1000))


def parse_iso(s):
    """Unix seconds (float) of an RFC 3339 UTC time such as 2026-01-02T03:04:05.678Z."""
    whole, _, frac = s.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + (float("0." + frac) if frac else 0.0)


# ---- a real Loki client payload: protobuf PushRequest, snappy-compressed --------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def push_request(streams):
    """streams: [(label_text, [(unix_seconds_float, line)])] -> PushRequest bytes."""
    out = b""
    for labels, entries in streams:
        s = field(1, 2, labels.encode())
        for t, line in entries:
            secs = int(t)
            nanos = int(round((t - secs) * 1e9))
            ts = field(1, 0, varint(secs)) + field(2, 0, varint(nanos))
            s += field(2, 2, field(1, 2, ts) + field(2, 2, line.encode()))
        out += field(1, 2, s)
    return out


def snappy_literal(data):
    """A valid snappy block made of literals only (what any snappy decoder must accept)."""
    out = bytearray(varint(len(data)))
    for i in range(0, len(data), 60):
        chunk = data[i:i + 60]
        out.append((len(chunk) - 1) << 2)
        out += chunk
    return bytes(out)


# A runbook that matches on a log pattern (on top of the example company).
LOG_RUNBOOK = """runbooks:
  - id: coupon-rollback
    title: Roll back the coupon service change
    when: { services: [checkout], log_patterns: ["NullPointerException in CartService\\\\.applyCoupon"] }
    steps:
      - { id: rollback, kind: manual, category: diagnostic, risk: low, instructions: "Roll back the last deploy." }
  - id: payments-only
    title: Matches the same text, but only for payments
    when: { services: [payments], log_patterns: ["NullPointerException"] }
    steps:
      - { id: look, kind: manual, category: diagnostic, risk: low, instructions: "Look." }
"""


class LokiPush(ServerTestCase):
    def push(self, body, token=None, ctype="application/json", raw=None):
        hdrs = {"Content-Type": ctype}
        data = raw if raw is not None else json.dumps(body)
        return self.server.request("POST", "/loki/api/v1/push", raw=data, token=token or self.token, headers=hdrs)

    def templates(self, service="checkout"):
        st, body, _ = self.server.request("GET", "/api/v1/logs/templates?service=%s&since=24h" % service,
                                          token=self.token)
        self.assertEqual(st, 200, body)
        return body["templates"]

    def test_promtail_shaped_json_push_attributes_lines_by_label(self):
        now = time.time()
        body = {"streams": [
            {"stream": {"job": "varlogs", "service_name": "checkout", "filename": "/var/log/checkout.log"},
             "values": [[ns(now - 2), "level=error msg=\"connection to db-7 refused\" attempt=3"],
                        [ns(now - 1), "level=error msg=\"connection to db-9 refused\" attempt=4"],
                        [ns(now), "GET /cart 200 12ms", {"trace_id": "abc123"}]]},
            {"stream": {"app": "payments"}, "values": [[ns(now), "charge ok for order 41"]]},
            {"stream": {"job": "unknown-thing"}, "values": [[ns(now), "no service label here"]]},
        ]}
        st, resp, _ = self.push(body)
        self.assertEqual(st, 204, resp)
        texts = {t["template"]: t for t in self.templates()}
        refused = texts["connection to db-<*> refused"]
        self.assertEqual(refused["count"], 2)
        self.assertTrue(refused["error"])
        self.assertEqual(refused["first_seen"], iso(now - 2))
        self.assertIn("GET <*> <*> <*>", texts)  # path, status and duration are variables
        self.assertEqual([t["template"] for t in self.templates("payments")], ["charge ok for order <*>"])
        # The line without a known service was dropped, and counted.
        st, metrics, _ = self.server.request("GET", "/metrics")
        self.assertIn('firebreak_log_lines_total{result="dropped"} 1', metrics)

    def test_snappy_protobuf_push(self):
        now = time.time()
        payload = push_request([('{service="checkout", level="warn"}',
                                 [(now - 1, "cache miss for key user:42"), (now, "cache miss for key user:77")])])
        st, resp, _ = self.push(None, ctype="application/x-protobuf", raw=snappy_literal(payload))
        self.assertEqual(st, 204, resp)
        [t] = [t for t in self.templates() if t["template"].startswith("cache miss")]
        self.assertEqual((t["template"], t["count"]), ("cache miss for key user:<*>", 2))

    def test_malformed_bodies_get_4xx_and_store_nothing(self):
        st, _, _ = self.push({"streams": [{"stream": {"service": "checkout"}, "values": [[ns(time.time()), "ok"]]}]})
        self.assertEqual(st, 204)
        before = log_counts(self.data)
        now = ns(time.time())
        cases = [
            ("not json", None, "body"),
            ('{"streams": {}}', None, "streams"),
            (None, {"streams": [{"stream": {"service": "checkout"}, "values": [[now]]}]}, "streams[0].values[0]"),
            (None, {"streams": [{"stream": {"service": "checkout"}, "values": [[12345, "x"]]}]}, "streams[0].values[0][0]"),
            (None, {"streams": [{"stream": {"service": "checkout"}, "values": [["12x", "x"]]}]}, "streams[0].values[0][0]"),
            (None, {"streams": [{"stream": {"service": "checkout"}, "values": [[now, 5]]}]}, "streams[0].values[0][1]"),
            (None, {"streams": [{"stream": {"service": 7}, "values": []}]}, "streams[0].stream.service"),
            # One bad value spoils the whole push: nothing of the good stream is kept either.
            (None, {"streams": [{"stream": {"service": "checkout"}, "values": [[now, "fine line 1"]]},
                                {"stream": {"service": "checkout"}, "values": [["bad", "x"]]}]}, "streams[1].values[0][0]"),
            (None, {"streams": [], "extra": 1}, "extra"),
        ]
        for raw, body, fld in cases:
            st, resp, _ = self.push(body, raw=raw)
            self.assertEqual(st, 400, (raw, body, resp))
            self.assertEqual(resp["error"]["field"], fld, resp)
        st, resp, _ = self.push(None, ctype="application/x-protobuf", raw=b"\x05\x00garbage")
        self.assertEqual(st, 400, resp)
        st, resp, _ = self.push(None, ctype="application/x-protobuf",
                                raw=snappy_literal(b"\x0a\x05\x0a\x03{a"))
        self.assertEqual(st, 400, resp)
        st, resp, _ = self.server.request("POST", "/loki/api/v1/push", raw="{}", headers={"Content-Type": "application/json"})
        self.assertEqual(st, 401, resp)
        st, resp, _ = self.server.request("POST", "/loki/api/v1/push", raw="{}", token="not-a-key")
        self.assertEqual(st, 401, resp)
        self.assertEqual(log_counts(self.data), before, "a refused push changed the store")

    def test_json_lines_endpoint(self):
        now = time.time()
        lines = "\n".join(json.dumps(e) for e in [
            {"time": iso(now - 3), "level": "error", "message": "upstream payments timed out after 3000 ms"},
            {"ts": int((now - 2) * 1000), "level": "error", "msg": "upstream payments timed out after 2500 ms"},
            {"message": "started worker 3"},
        ])
        st, resp, _ = self.server.request("POST", "/api/v1/logs?service=checkout", raw=lines, token=self.token,
                                          headers={"Content-Type": "application/x-ndjson"})
        self.assertEqual(st, 200, resp)
        self.assertEqual((resp["accepted"], resp["dropped"], resp["new_templates"]), (3, 0, 2))
        # An integration key routes to its service; an unknown service is refused.
        st, resp, _ = self.server.request("POST", "/api/v1/logs", {"entries": [{"message": "started worker 9"}]},
                                          token="example-checkout-key")
        self.assertEqual((st, resp["new_templates"]), (200, 0))
        st, resp, _ = self.server.request("POST", "/api/v1/logs", {"service": "nope", "entries": ["x"]},
                                          token=self.token)
        self.assertEqual((st, resp["error"]["field"]), (400, "service"))
        [t] = [t for t in self.templates() if "timed out" in t["template"]]
        self.assertEqual((t["template"], t["count"], t["first_seen"]),
                         ("upstream payments timed out after <*> ms", 2, iso(now - 3)))


class ExemplarRedaction(ServerTestCase):
    """Exemplars and templates are shown to every reader: a line's e-mail and IP addresses, card
    numbers and credentials are redacted on every way in (JSON lines, Loki push, a file import)."""

    # What each line carries, and must not be found anywhere a reader looks.
    SECRETS = ("carol@example.com", "dave@example.com", "erin@example.com", "10.1.2.3", "10.9.8.7",
               "2001:db8::7", "4111111111111111", "5500 0000 0000 0004", "abcdef0123456789", "zz9",
               "hunter", "s-4242", "192.168.7.7")

    def test_no_secret_reaches_a_stored_exemplar_or_template(self):
        now = time.time()
        # JSON lines (POST /api/v1/logs).
        st, resp, _ = self.server.request("POST", "/api/v1/logs", {"service": "checkout", "entries": [
            {"time": iso(now - 2), "level": "error",
             "message": "login failed for carol@example.com from 10.1.2.3 token=Bearer abcdef0123456789 "
                        "card 4111111111111111"}]}, token=self.token)
        self.assertEqual((st, resp["accepted"]), (200, 1), resp)
        # Loki push, with secrets in a stream label and in structured metadata too.
        st, resp, _ = self.server.request("POST", "/loki/api/v1/push", raw=json.dumps({"streams": [
            {"stream": {"service": "checkout", "client": "192.168.7.7"},
             "values": [[ns(now - 1), "payment declined for dave@example.com via 2001:db8::7 from 10.9.8.7 "
                                      "Authorization: Bearer zz9 card 5500 0000 0000 0004 password=\"hunter 2\" now",
                         {"session": "s-4242"}]]}]}),
            token=self.token, headers={"Content-Type": "application/json"})
        self.assertEqual(st, 204, resp)
        # A file import through the server.
        path = os.path.join(self.data, "app.log")
        with open(path, "w") as f:
            f.write(json.dumps({"level": "info", "time": iso(now), "msg": "GET /a 200 in 3ms user=erin@example.com"}) + "\n")
        r = run_cli("logs", "import", path, "--service", "checkout", "--format", "json",
                    env={"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token})
        self.assertEqual(r.returncode, 0, r.stderr)

        st, body, _ = self.server.request("GET", "/api/v1/logs/patterns?service=checkout&since=1h&limit=50",
                                          token=self.token)
        self.assertEqual(st, 200, body)
        lines = [e["line"] for p in body["patterns"] for e in p["exemplars"]]
        self.assertEqual(len(lines), 3, body)  # one exemplar per way in
        shown = json.dumps(body)
        st, templates, _ = self.server.request("GET", "/api/v1/logs/templates?service=checkout&since=1h",
                                               token=self.token)
        self.assertEqual(st, 200, templates)
        shown += json.dumps(templates)
        for secret in self.SECRETS:
            self.assertNotIn(secret, shown)
        # What was there is named, so a responder still reads the line.
        joined = "\n".join(lines)
        for marker in ("[email]", "[ip]", "[card]", "[secret]", "Bearer [secret]"):
            self.assertIn(marker, joined)
        self.assertIn("login failed for [email] from [ip]", joined)


class DeploymentScenario(ServerTestCase):
    """A deployment changes checkout's logs: a new error template appears and an existing error
    template surges. The incident shows both, with their first-seen times, and its timeline says so;
    the miner's state survives a SIGKILL."""

    def new_server(self, **kw):
        cfg = os.path.join(self.tmp, "config")
        if not os.path.isdir(cfg):
            example_config_plus(self.tmp, "zz-log-runbooks.yaml", LOG_RUNBOOK)
        s = Server(self.data, config_dir=cfg, **kw).start()
        self.servers.append(s)
        return s

    def send(self, entries):
        st, resp, _ = self.server.request("POST", "/api/v1/logs", {"service": "checkout", "entries": entries},
                                          token=self.token)
        self.assertEqual(st, 200, resp)
        return resp

    def test_new_error_and_surge_show_on_the_incident(self):
        now = time.time()
        deploy = now - 8 * 60
        base = []
        # 100 minutes of normal traffic until the deployment: orders, and a steady trickle of gateway timeouts.
        t = now - 100 * 60
        first_timeout = None
        order = 1000
        while t < deploy:
            for k in range(3):
                order += 1
                base.append({"time": iso(t + k), "level": "info",
                             "message": "order %d placed by user %d total %d.%02d EUR" % (order, order % 97, order % 500, k)})
            base.append({"time": iso(t + 5), "level": "error",
                         "message": "payment gateway timeout for order %d after %d ms" % (order, 3000 + order % 7)})
            first_timeout = first_timeout or t + 5
            t += 60
        self.send(base)
        # After the deployment: a new error, ten a minute, and the gateway timeouts surge to 30 a minute.
        after = []
        first_new = deploy + 3
        t = deploy
        i = 0
        while t < now - 30:
            for k in range(10):
                after.append({"time": iso(t + 3 + k * 5), "level": "error",
                              "message": "NullPointerException in CartService.applyCoupon(coupon=SPRING%03d)" % (i * 10 + k)})
            for k in range(30):
                after.append({"time": iso(t + 1 + k * 2), "level": "error",
                              "message": "payment gateway timeout for order %d after %d ms" % (5000 + i * 30 + k, 3000 + k)})
            t += 60
            i += 1
        resp = self.send(after)
        self.assertEqual(resp["new_templates"], 1, "only the NullPointerException template is new")

        st, inc, _ = self.server.request("POST", "/api/v1/incidents", {
            "title": "Checkout errors after deploy", "severity": "SEV2", "services": ["checkout"]}, token=self.token)
        self.assertEqual(st, 201, inc)
        st, got, _ = self.server.request("GET", "/api/v1/incidents/%s/log-patterns" % inc["id"], token=self.token)
        self.assertEqual(st, 200, got)
        by_text = {p["template"]: p for p in got["patterns"]}
        for bad in ("x", "2.5", "0", "501", "99999999999999999999"):
            st, err, _ = self.server.request("GET", "/api/v1/incidents/%s/log-patterns?limit=%s" % (inc["id"], bad),
                                             token=self.token)
            self.assertEqual((st, err["error"]), (400, {"code": "invalid_argument", "field": "limit",
                                                        "message": "limit must be an integer in 1..500"}), bad)
        st, one, _ = self.server.request("GET", "/api/v1/incidents/%s/log-patterns?limit=1" % inc["id"], token=self.token)
        self.assertEqual((st, len(one["patterns"])), (200, 1), one)
        npe = by_text["NullPointerException in CartService.applyCoupon(coupon=<*>)"]
        self.assertTrue(npe["new"] and npe["error"])
        self.assertEqual(npe["first_seen"], iso(first_new))
        self.assertEqual(npe["service"], "checkout")
        self.assertGreaterEqual(npe["peak_per_min"], 9)
        self.assertTrue(npe["exemplars"] and npe["exemplars"][0]["line"].startswith("NullPointerException"))
        gw = by_text["payment gateway timeout for order <*> after <*> ms"]
        self.assertTrue(gw["surging"] and gw["error"] and not gw["new"])
        self.assertEqual(gw["first_seen"], iso(first_timeout))
        self.assertEqual(gw["baseline_per_min"], 1)
        self.assertGreaterEqual(gw["peak_per_min"], 25)
        orders = by_text["order <*> placed by user <*> total <*> EUR"]
        self.assertFalse(orders["new"] or orders["surging"] or orders["error"])
        # Runbook matching on log patterns: the coupon runbook matches the new template on checkout,
        # and so does the example library's rollback-deployment (it lists "NullPointerException");
        # the payments runbook names the same text but another service.
        runbooks = {r["runbook"]: r for r in got["runbooks"]}
        self.assertEqual(set(runbooks), {"coupon-rollback", "rollback-deployment"}, got["runbooks"])
        self.assertEqual(runbooks["coupon-rollback"]["matches"][0]["template_id"], npe["template_id"])
        self.assertEqual(runbooks["rollback-deployment"]["matches"][0]["log_pattern"], "NullPointerException")
        self.assertEqual(got["services"], ["checkout"])
        # The CLI shows the same: each pattern's first exemplar under its template, and the runbooks.
        r = run_cli("logs", "patterns", "--incident", inc["id"].lower(),
                    env={"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\n +e\.g\. NullPointerException in CartService\.applyCoupon\(coupon=SPRING")
        self.assertIn("\nRunbooks whose log_patterns match:\n", r.stdout)
        self.assertRegex(r.stdout, r"\n  coupon-rollback +.*/ on template %d" % npe["template_id"])
        self.assertRegex(r.stdout, r"\n  rollback-deployment +.*/NullPointerException/ on template %d" % npe["template_id"])
        self.assertEqual(got["from"], iso(parse_iso(inc["created_at"]) - 30 * 60))  # incident_lookback
        # Errors first, the anomalous ones ahead of the steady ones.
        self.assertEqual({got["patterns"][0]["template"], got["patterns"][1]["template"]},
                         {npe["template"], gw["template"]})

        # The timeline says so at declaration, once per pattern.
        self.send([{"time": iso(now - 1), "level": "error",
                    "message": "NullPointerException in CartService.applyCoupon(coupon=SPRING999)"}])
        st, tl, _ = self.server.request("GET", "/api/v1/incidents/%s/timeline" % inc["id"], token=self.token)
        notes = [e for e in tl["entries"] if e["kind"] == "log_pattern"]
        self.assertEqual(sorted(n["data"]["kind"] for n in notes), ["new", "surge"], tl)
        new_note = [n for n in notes if n["data"]["kind"] == "new"][0]
        self.assertEqual(new_note["data"]["first_seen"], iso(first_new))
        self.assertIn("NullPointerException", new_note["text"])
        self.assertEqual(new_note["actor"], "system:logs")

        # A new error pattern arriving while the incident is open is noted as it arrives.
        self.send([{"time": iso(now - 1 + k / 10), "level": "error",
                    "message": "redis READONLY You can't write against a read only replica (slot %d)" % k}
                   for k in range(6)])
        st, tl, _ = self.server.request("GET", "/api/v1/incidents/%s/timeline" % inc["id"], token=self.token)
        notes = [e for e in tl["entries"] if e["kind"] == "log_pattern"]
        self.assertEqual(len(notes), 3, tl)
        self.assertIn("READONLY", notes[-1]["text"])

        # State survives a crash: the templates come back, with their ids, and are matched again.
        st, before, _ = self.server.request("GET", "/api/v1/logs/templates?service=checkout&since=24h", token=self.token)
        self.server.kill9()
        self.server = self.new_server()
        resp = self.send([{"time": iso(time.time()), "level": "error",
                           "message": "NullPointerException in CartService.applyCoupon(coupon=AUTUMN123)"},
                          {"time": iso(time.time()), "message": "order 99999 placed by user 3 total 7.50 EUR"}])
        self.assertEqual(resp["new_templates"], 0)
        st, after_restart, _ = self.server.request("GET", "/api/v1/logs/templates?service=checkout&since=24h",
                                                   token=self.token)
        ids = lambda b: {t["template"]: t["template_id"] for t in b["templates"]}
        self.assertEqual(ids(after_restart), ids(before))
        count = {t["template"]: t["count"] for t in after_restart["templates"]}
        self.assertEqual(count[npe["template"]], {t["template"]: t["count"] for t in before["templates"]}[npe["template"]] + 1)


LOKI_CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loki_client")


def loki_client_ready():
    """Installs the pinned pino + pino-loki (npm ci) once; returns the error text if that fails."""
    if os.path.isdir(os.path.join(LOKI_CLIENT, "node_modules", "pino-loki")):
        return None
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LOKI_CLIENT,
                       capture_output=True, text=True, timeout=300)
    return None if r.returncode == 0 else r.stdout + r.stderr


class RealLokiClient(ServerTestCase):
    """pino-loki, a Loki client used by Node services, pushes to Firebreak as it would to Loki."""

    def run_client(self, records, token):
        err = loki_client_ready()
        self.assertIsNone(err, "cannot install the Loki client test tool: %s" % err)
        data = "".join(json.dumps(r) + "\n" for r in records)
        return subprocess.run(["node", os.path.join(LOKI_CLIENT, "push.mjs"), self.server.url + "/", token],
                              input=data, capture_output=True, text=True, timeout=120)

    def test_pino_loki_pushes_are_mined_by_service_label(self):
        records = []
        for i in range(40):
            records.append({"level": "info", "service": "checkout",
                            "msg": "cart %d checked out with %d items" % (1000 + i, i % 7 + 1)})
        for i in range(12):
            records.append({"level": "error", "service": "checkout", "meta": {"trace_id": "t%04d" % i},
                            "msg": "payment gateway timeout after %d ms" % (3000 + i)})
        for i in range(5):
            records.append({"level": "warn", "service": "payments", "msg": "retrying charge %d" % i})
        records.append({"level": "info", "service": "no-such-service", "msg": "dropped, unknown service"})
        r = self.run_client(records, self.token)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "sent %d" % len(records))
        self.assertNotIn("error", r.stderr.lower(), r.stderr)

        st, got, _ = self.server.request("GET", "/api/v1/logs/templates?service=checkout&since=1h", token=self.token)
        self.assertEqual(st, 200, got)
        t = {x["template"]: x for x in got["templates"]}
        self.assertEqual(set(t), {"cart <*> checked out with <*> items", "payment gateway timeout after <*> ms"}, t)
        self.assertEqual(t["cart <*> checked out with <*> items"]["count"], 40)
        timeout = t["payment gateway timeout after <*> ms"]
        self.assertEqual((timeout["count"], timeout["error_lines"], timeout["error"]), (12, 12, True))
        st, got, _ = self.server.request("GET", "/api/v1/logs/templates?service=payments&since=1h", token=self.token)
        self.assertEqual([(x["template"], x["count"]) for x in got["templates"]], [("retrying charge <*>", 5)])
        # Exemplars keep the structured metadata as labels.
        st, pats, _ = self.server.request("GET", "/api/v1/logs/patterns?service=checkout&since=1h&errors=1",
                                          token=self.token)
        self.assertEqual(st, 200, pats)
        ex = pats["patterns"][0]["exemplars"][0]
        self.assertEqual(ex["labels"].get("service"), "checkout", ex)
        self.assertTrue(ex["labels"].get("trace_id", "").startswith("t"), ex)

    def test_a_bad_credential_is_refused_and_nothing_is_stored(self):
        r = self.run_client([{"level": "error", "service": "checkout", "msg": "boom"}], "fbt_nope_nope")
        self.assertIn("unknown token", r.stderr)
        self.assertEqual(sum(log_counts(self.data).values()), 0)


class LogsCli(ServerTestCase):
    def test_mine_prints_templates_and_writes_assignments(self):
        out_csv = os.path.join(self.tmp, "assign.csv")
        r = run_cli("logs", "mine", HDFS, "--format", HDFS_FORMAT, "--output", out_csv, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        res = json.loads(r.stdout)
        self.assertEqual(res["lines"], 2000)
        templates = {t["template"]: t["count"] for t in res["templates"]}
        self.assertEqual(templates["PacketResponder <*> for block <*> terminating"], 311)
        self.assertEqual(sum(templates.values()), 2000)
        with open(out_csv, newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["LineId", "EventId", "EventTemplate"])
        self.assertEqual([int(r[0]) for r in rows[1:]], list(range(1, 2001)))
        self.assertEqual(rows[1][2], "PacketResponder <*> for block <*> terminating")
        ids = {}
        for _, eid, tmpl in rows[1:]:
            self.assertEqual(ids.setdefault(eid, tmpl), tmpl, "one template per EventId")
        # Standard input, text output.
        with open(HDFS, "rb") as f:
            data = f.read().decode()
        r = run_cli("logs", "mine", "-", "--format", HDFS_FORMAT, "--top", "3", input=data)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.strip().splitlines()
        self.assertEqual(len(lines), 4)
        self.assertTrue(lines[1].split()[1] == "314" and "blockMap updated" in lines[1], lines)
        # A bad format is refused with a message.
        r = run_cli("logs", "mine", HDFS, "--format", "<Date> <Time")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unterminated field", r.stderr)

    def test_mine_endpoint_mines_posted_lines_and_stores_nothing(self):
        with open(HDFS, encoding="utf-8") as f:
            lines = [l.rstrip("\r\n") for l in f][:500]
        st, got, _ = self.server.request("POST", "/api/v1/logs/mine",
                                         {"lines": lines, "format": HDFS_FORMAT, "limit": 3}, token=self.token)
        self.assertEqual(st, 200, got)
        self.assertEqual(got["lines"], 500)
        self.assertEqual(len(got["templates"]), 3)
        self.assertGreater(got["templates_total"], 3)
        counts = [t["count"] for t in got["templates"]]
        self.assertEqual(counts, sorted(counts, reverse=True))
        # The same lines through the CLI give the same top templates.
        r = run_cli("logs", "mine", "-", "--format", HDFS_FORMAT, "--top", "3", "--json", input="\n".join(lines) + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([(t["template"], t["count"]) for t in json.loads(r.stdout)["templates"]],
                         [(t["template"], t["count"]) for t in got["templates"]])
        for body, fld in (({"lines": "one line"}, "lines"), ({"lines": [1]}, "lines"),
                          ({"lines": [], "colour": 1}, "colour"), ({"lines": [], "format": "<Date"}, "format"),
                          ({"lines": [], "limit": 0}, "limit")):
            st, err, _ = self.server.request("POST", "/api/v1/logs/mine", body, token=self.token)
            self.assertEqual(st, 400, (body, err))
            self.assertEqual(err["error"]["field"], fld, err)
        self.assertEqual(sum(log_counts(self.data).values()), 0, "mining posted lines stores nothing")

    def test_import_then_templates_and_patterns(self):
        env = {"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token}
        r = run_cli("logs", "import", HDFS, "--service", "db", "--format", HDFS_FORMAT, "--json", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["accepted"], 2000)
        r = run_cli("logs", "templates", "--service", "db", "--since", "2008-01-01T00:00:00Z", "--limit", "100",
                    "--json", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        t = {x["template"]: x for x in json.loads(r.stdout)["templates"]}
        self.assertEqual(len(t), 14)
        term = t["PacketResponder <*> for block <*> terminating"]
        self.assertEqual(term["count"], 311)
        # Times come from the lines' headers (081109 203615 -> 2008-11-09T20:36:15Z).
        self.assertEqual(term["first_seen"], "2008-11-09T20:36:15Z")
        r = run_cli("logs", "patterns", "--service", "db", "--since", "2008-11-09T20:00:00Z",
                    "--until", "2008-11-10T00:00:00Z", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PacketResponder <*> for block <*> terminating", r.stdout)
        r = run_cli("logs", "import", HDFS, "--service", "nope", env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown service", r.stderr)


if __name__ == "__main__":
    unittest.main()
