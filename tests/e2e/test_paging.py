"""Paging end to end: the real binary pages real receivers on loopback — an HTTP receiver for the
generic webhook, the Slack-compatible webhook and an SMS gateway (a command channel that posts to
it), and a real SMTP server (Debian's aiosmtpd, STARTTLS required) for email. The server runs on a
manual clock (`serve --clock manual=...`), so escalation timing is exact and nothing sleeps.

Checks message content, HMAC signatures, the one-click acknowledge link, tier timing to the second,
the CLI, and two faults: receivers down for a while (every notification arrives, none twice per
idempotency key) and SIGKILL with escalations and deliveries pending (each step fires once after
restart, late ones marked late, nothing lost).
"""
import collections
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import shutil
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
import unittest
import urllib.parse

from aiosmtpd.controller import Controller

from harness import EXAMPLE_CONFIG, Server, ServerTestCase, free_port, run_cli

T0 = "2026-01-05T08:00:00Z"  # Monday 09:00 in Paris: alice's first primary week starts
SECRET = "e2e-webhook-secret"


class Receiver:
    """An HTTP receiver on loopback that records every request. Modes: up (200), fail (503), drop
    (closes the connection without answering). stop()/start() make it refuse connections."""

    def __init__(self):
        self.port = free_port()
        self.cond = threading.Condition()
        self.requests = []  # (path, headers, body bytes, status answered)
        self.mode = "up"
        self.httpd = None

    def start(self):
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                mode = recv.mode
                status = {"up": 200, "fail": 503}.get(mode, 0)
                with recv.cond:
                    recv.requests.append((self.path, dict(self.headers), body, status))
                    recv.cond.notify_all()
                if mode == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def wait(self, pred, timeout=60, what="condition"):
        with self.cond:
            if not self.cond.wait_for(lambda: pred(self.requests), timeout=timeout):
                raise AssertionError("receiver: timed out waiting for %s; got %s" % (
                    what, [(p, h.get("Idempotency-Key"), s) for p, h, _, s in self.requests]))

    def delivered(self, path_prefix=""):
        """idempotency key -> number of times it was answered 200."""
        with self.cond:
            c = collections.Counter(h.get("Idempotency-Key") for p, h, _, s in self.requests
                                    if s == 200 and p.startswith(path_prefix))
        return c

    def bodies(self, path_prefix):
        with self.cond:
            return [(h, b) for p, h, b, s in self.requests if s == 200 and p.startswith(path_prefix)]


class SmtpSink:
    """Debian's aiosmtpd on loopback, STARTTLS required, recording every message."""

    class Handler:
        def __init__(self, sink):
            self.sink = sink

        async def handle_DATA(self, server, session, envelope):
            with self.sink.cond:
                self.sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                                           session.ssl is not None))
                self.sink.cond.notify_all()
            return "250 OK"

    def __init__(self, tmp):
        self.cert = os.path.join(tmp, "smtp-cert.pem")
        key = os.path.join(tmp, "smtp-key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                        self.cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, key)
        self.cond = threading.Condition()
        self.messages = []
        self.port = free_port()
        self.controller = Controller(SmtpSink.Handler(self), hostname="127.0.0.1", port=self.port,
                                     tls_context=ctx, require_starttls=True)
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def wait(self, pred, timeout=60, what="messages"):
        with self.cond:
            if not self.cond.wait_for(lambda: pred(self.messages), timeout=timeout):
                raise AssertionError("smtp: timed out waiting for %s; got %d" % (what, len(self.messages)))

    def parsed(self):
        with self.cond:
            return [(f, r, email.message_from_bytes(c, policy=email.policy.default), tls)
                    for f, r, c, tls in self.messages]


def write_config(tmp, recv, smtp):
    cfg = os.path.join(tmp, "config")
    shutil.copytree(EXAMPLE_CONFIG, cfg)
    with open(os.path.join(cfg, "channels.yaml"), "w") as f:
        f.write("""
channels:
  - id: ops-webhook
    type: webhook
    url: %(hook)s
    secret_env: FIREBREAK_WEBHOOK_SECRET
    events: [opened, page, acknowledged, resolved, notification_failed]
  - id: ops-chat
    type: slack
    url: %(slack)s
  - id: ops-email
    type: email
    url: smtp://127.0.0.1:%(smtp)d
    options: { from: "Firebreak <firebreak@example.com>", starttls: required, ca_file: "%(ca)s" }
  - id: sms-gateway
    type: command
    argv: [/bin/sh, -c, 'exec curl -sf --data-binary @- -H "X-To: $FIREBREAK_TO" -H "Idempotency-Key: $FIREBREAK_IDEMPOTENCY_KEY" %(sms)s']
  - id: status-hook
    type: webhook
    url: %(status)s
    secret_env: FIREBREAK_WEBHOOK_SECRET
    severities: [SEV1]
    events: [status_update, status_update_external]
""" % {"hook": recv.url("/hooks/firebreak"), "slack": recv.url("/slack/T000/B000"), "smtp": smtp.port,
       "ca": smtp.cert, "sms": recv.url("/sms"), "status": recv.url("/status-updates")})
    with open(os.path.join(cfg, "settings.yaml"), "w") as f:
        f.write("""
settings:
  default_escalation_policy: platform
  paging:
    retry_initial: 200ms
    retry_max: 1s
    max_attempts: 1000
    give_up_after: 24h
    rate_per_minute: 60000
    burst: 10000
    contact_types: { SEV0: all, SEV1: all, SEV2: [slack, email, sms], SEV3: [slack, email], SEV4: [email] }
""")
    return cfg


class PagingTestCase(ServerTestCase):
    start_server = False

    def setUp(self):
        super().setUp()
        self.recv = Receiver().start()
        self.smtp = SmtpSink(self.tmp)
        self.config = write_config(self.tmp, self.recv, self.smtp)

    def tearDown(self):
        super().tearDown()
        self.recv.stop()
        self.smtp.stop()

    def serve(self, at=T0):
        s = Server(self.data, config_dir=self.config, extra_args=["--clock", "manual=" + at],
                   env={"FIREBREAK_WEBHOOK_SECRET": SECRET}).start()
        self.servers.append(s)
        if s.admin_token:
            self.token = s.admin_token
        return s

    def advance(self, s, d):
        st, body, _ = s.request("POST", "/api/v1/admin/clock", {"advance": d}, token=self.token)
        self.assertEqual(st, 200, body)
        return body["now"]

    def declare(self, s, title="Checkout returns 500s", sev="SEV2", services=("checkout",)):
        st, inc, _ = s.request("POST", "/api/v1/incidents", {"title": title, "severity": sev,
                                                             "services": list(services)}, token=self.token)
        self.assertEqual(st, 201, inc)
        return inc["id"]

    def notifications(self, s, iid):
        st, body, _ = s.request("GET", "/api/v1/incidents/%s/notifications" % iid, token=self.token)
        self.assertEqual(st, 200, body)
        return body["notifications"]

    def escalation(self, s, iid):
        st, body, _ = s.request("GET", "/api/v1/incidents/%s/escalation" % iid, token=self.token)
        self.assertEqual(st, 200, body)
        return body["escalation"]

    def eventually(self, check, timeout=60, what="state"):
        """Re-checks `check()` (an API read) whenever a receiver sees traffic, at least every 50 ms:
        outcomes are recorded just after the receiver answers."""
        deadline = time.monotonic() + timeout
        while True:
            if check():
                return
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for " + what)
            with self.recv.cond:
                self.recv.cond.wait(timeout=0.05)

    def timeline(self, s, iid, kind=None):
        st, body, _ = s.request("GET", "/api/v1/incidents/%s/timeline" % iid, token=self.token)
        self.assertEqual(st, 200, body)
        return [e for e in body["entries"] if kind is None or e["kind"] == kind]


class RealReceivers(PagingTestCase):
    def test_content_signatures_and_one_click_acknowledge(self):
        s = self.serve()
        iid = self.declare(s)
        # SEV2 pages alice (primary) by chat, email and SMS; the ops webhook gets "opened" and "page".
        self.recv.wait(lambda rs: sum(1 for p, *_ in rs if p.startswith("/hooks/")) >= 2, what="webhooks")
        self.recv.wait(lambda rs: any(p.startswith("/slack/") for p, *_ in rs), what="slack")
        self.recv.wait(lambda rs: any(p == "/sms" for p, *_ in rs), what="sms")
        self.smtp.wait(lambda ms: len(ms) >= 1)

        # Generic webhook: HMAC over "<timestamp>.<body>" with the channel secret; idempotency key.
        hooks = self.recv.bodies("/hooks/")
        events = sorted(json.loads(b)["event"] for _, b in hooks)
        self.assertEqual(events, ["opened", "page"])
        for h, body in hooks:
            sig = dict(kv.split("=", 1) for kv in h["X-Firebreak-Signature"].split(","))
            want = hmac.new(SECRET.encode(), (sig["t"] + ".").encode() + body, hashlib.sha256).hexdigest()
            self.assertTrue(hmac.compare_digest(sig["v1"], want), "webhook signature must verify")
            doc = json.loads(body)
            self.assertEqual(h["Idempotency-Key"], doc["idempotency_key"])
            self.assertEqual(doc["incident"]["id"], iid)
            self.assertEqual(doc["incident"]["severity"], "SEV2")
            self.assertEqual(doc["incident"]["services"], ["checkout"])
            self.assertTrue(doc["links"]["incident"].endswith("/api/v1/incidents/" + iid))
        page = [json.loads(b) for _, b in hooks if json.loads(b)["event"] == "page"][0]
        self.assertEqual(page["page"]["tier"], 1)
        self.assertIn("alice", page["text"])
        self.assertIn("/a/", page["links"]["acknowledge"])

        # Slack-compatible: blocks with an Acknowledge button and a mention of the person.
        (h, body), = self.recv.bodies("/slack/")
        slack = json.loads(body)
        self.assertTrue(slack["text"].startswith("@alice "), slack["text"])
        buttons = [e for b in slack["blocks"] if b["type"] == "actions" for e in b["elements"]]
        self.assertEqual([b["text"]["text"] for b in buttons], ["Acknowledge", "Resolve", "Open"])
        self.assertIn(iid, slack["blocks"][0]["text"]["text"])

        # SMS gateway (a command channel): the text on stdin, the number in the environment.
        (h, body), = self.recv.bodies("/sms")
        self.assertEqual(h["X-To"], "+33600000001")
        self.assertIn("[SEV2] %s Checkout returns 500s" % iid, body.decode())

        # Email over SMTP with STARTTLS: subject, Message-ID from the idempotency key, links.
        (mail_from, rcpts, msg, tls), = self.smtp.parsed()
        self.assertTrue(tls, "STARTTLS was required")
        self.assertEqual(mail_from, "firebreak@example.com")
        self.assertEqual(rcpts, ["alice@example.com"])
        self.assertEqual(msg["Subject"], "Page: [SEV2] %s Checkout returns 500s" % iid)
        self.assertEqual(msg["Message-ID"], "<%s.p1.alice.0@firebreak>" % iid)
        text = msg.get_content()
        self.assertIn("Tier 1: incident opened", text)
        ack = [l.split(": ", 1)[1] for l in text.splitlines() if l.startswith("Acknowledge: ")][0]

        # Receipts in the timeline, and the outbox through the API.
        notes = self.notifications(s, iid)
        kinds = {n["channel"] for n in notes}
        self.assertEqual(kinds, {"ops-webhook", "ops-chat", "ops-email", "sms-gateway"})

        # One-click acknowledge: GET shows a confirmation (changes nothing), POST acknowledges as alice.
        path = urllib.parse.urlparse(ack).path
        st, page_html, hdrs = s.request("GET", path, headers={"Accept": "text/html"})
        self.assertEqual(st, 200)
        self.assertIn("Acknowledge %s" % iid, page_html)
        self.assertIn('<form method="post">', page_html)
        st, inc, _ = s.request("GET", "/api/v1/incidents/" + iid, token=self.token)
        self.assertEqual(inc["state"], "triggered")
        st, done, _ = s.request("POST", path, headers={"Accept": "application/json"}, raw=b"")
        self.assertEqual(st, 200, done)
        self.assertEqual(done["state"], "acknowledged")
        self.assertEqual(done["acknowledged_by"], "person:alice")
        st, again, _ = s.request("POST", path, headers={"Accept": "application/json"}, raw=b"")
        self.assertEqual(st, 409, again)
        self.assertIn("already used", again["error"]["message"])
        st, tampered, _ = s.request("POST", path[:-1] + ("0" if path[-1] != "0" else "1"),
                                    headers={"Accept": "application/json"}, raw=b"")
        self.assertEqual(st, 403, tampered)
        st, audit, _ = s.request("GET", "/api/v1/audit?action=link.use", token=self.token)
        self.assertEqual([e["actor"] for e in audit["entries"]], ["person:alice"])

        # Acknowledged: the 15-minute tier never pages; the ops webhook hears about the ack.
        self.advance(s, "20m")
        esc = self.escalation(s, iid)
        self.assertEqual(esc["status"], "acknowledged")
        self.assertEqual(len(esc["history"]), 1)
        self.recv.wait(lambda rs: any(p.startswith("/hooks/") and json.loads(b)["event"] == "acknowledged"
                                      for p, h, b, st in rs), what="ack webhook")

    def test_tier_timing_to_the_second_and_the_cli(self):
        s = self.serve()
        iid = self.declare(s, sev="SEV3")  # SEV3 pages by chat and email
        self.recv.wait(lambda rs: any(b"@alice" in b for p, h, b, st in rs if p.startswith("/slack/")))
        self.advance(s, "14m59s")
        self.assertEqual(len(self.escalation(s, iid)["history"]), 1)
        self.advance(s, "1s")
        self.recv.wait(lambda rs: any(b"@carol" in b for p, h, b, st in rs if p.startswith("/slack/")),
                       what="tier 2 chat page")
        pages = self.timeline(s, iid, "page")
        self.assertEqual([p["time"] for p in pages], ["2026-01-05T08:00:00Z", "2026-01-05T08:15:00Z"])
        self.assertEqual(pages[1]["data"]["people"], [{"person": "carol", "via": "person:carol"}])
        self.assertFalse(pages[1]["data"]["late"])

        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}
        r = run_cli("oncall", "now", "--json", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        now = {x["id"]: x["on_call"]["person"] for x in json.loads(r.stdout)["schedules"]}
        self.assertEqual(now, {"primary": "alice", "secondary": "carol"})
        r = run_cli("oncall", "now", "--service", "checkout", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("policy payments", r.stdout)
        r = run_cli("oncall", "shifts", "--schedule", "primary", "--from", T0, "--days", "14", "--json", env=env)
        shifts = json.loads(r.stdout)["shifts"]
        self.assertEqual([(x["person"], x["start"]) for x in shifts],
                         [("alice", "2026-01-05T08:00:00Z"), ("bob", "2026-01-12T08:00:00Z")])
        # The team roster (what resilience analytics build on): the schedules the team's policies
        # page, with per-person totals; carol's business-hours layer wins on weekdays in secondary.
        st, roster, _ = s.request("GET", "/api/v1/oncall/roster?team=platform&days=14&from=" + T0, token=self.token)
        self.assertEqual(st, 200, roster)
        self.assertEqual([(x["id"], x["via"], x["covered_seconds"] == x["total_seconds"])
                          for x in roster["schedules"]],
                         [("primary", ["platform"], True), ("secondary", ["platform"], True)])
        self.assertEqual([(p["person"], p["on_call_seconds"] // 3600, p["in_team"]) for p in roster["people"]],
                         [("alice", 296, True), ("bob", 296, True), ("carol", 80, False), ("dave", 0, True)])
        r = run_cli("oncall", "roster", "--team", "platform", "--from", T0, "--days", "14", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("schedule secondary (Europe/Paris): 100.0% covered", r.stdout)
        self.assertRegex(r.stdout, r"carol\s+Carol Nguyen\s+80\.0\s+10\s+secondary")

        r = run_cli("incident", "escalate", iid, "--reason", "need the DBA", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        pages = self.timeline(s, iid, "page")
        self.assertEqual(len(pages), 3)
        self.assertIn("escalation requested by token:", pages[2]["text"])
        r = run_cli("incident", "pages", iid, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("policy payments", r.stdout)
        r = run_cli("incident", "escalate", "INC-999", "--reason", "x", env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not found", r.stderr)

        st, m, _ = s.request("GET", "/metrics")
        self.assertIn("firebreak_escalation_step_lateness_seconds_count", m)
        self.assertIn('firebreak_alert_to_notification_seconds_count{channel_type="slack"}', m)

    def test_acknowledgement_timeout_snooze_and_unacknowledge(self):
        s = self.serve()
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}

        def state():
            st, inc, _ = s.request("GET", "/api/v1/incidents/" + iid, token=self.token)
            return inc["state"]

        # queue has no policy of its own: the default, platform, times acknowledgements out after 30m.
        iid = self.declare(s, title="Job queue backlog", sev="SEV3", services=("queue",))
        r = run_cli("incident", "snooze", iid, "2h", env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("acknowledge it first", r.stderr)
        self.assertEqual(run_cli("incident", "ack", iid, env=env).returncode, 0)
        self.assertIn("Acknowledgement times out at 2026-01-05T08:30:00Z",
                      self.timeline(s, iid, "escalation")[-1]["text"])
        st, esc, _ = s.request("GET", "/api/v1/incidents/%s/escalation" % iid, token=self.token)
        self.assertEqual(esc["pages_again_at"], {"at": "2026-01-05T08:30:00Z", "reason": "ack_timeout"})
        self.advance(s, "29m59s")
        self.assertEqual(state(), "acknowledged")
        self.advance(s, "1s")
        self.assertEqual(state(), "triggered")
        pages = self.timeline(s, iid, "page")
        self.assertEqual([(p["time"], p["data"]["trigger"]) for p in pages],
                         [("2026-01-05T08:00:00Z", "opened"), ("2026-01-05T08:30:00Z", "unacknowledged")])
        self.assertIn("acknowledged 30m ago", self.timeline(s, iid, "unacknowledged")[0]["text"])

        # A snooze replaces the timeout: quiet for 2h, then the same.
        self.assertEqual(run_cli("incident", "ack", iid, env=env).returncode, 0)
        r = run_cli("incident", "snooze", iid, "2h", "--note", "vendor fix due at 10:00", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("acknowledged", r.stdout)
        r = run_cli("incident", "pages", iid, env=env)
        self.assertIn("Pages again at 2026-01-05T10:30:00Z (snoozed) unless mitigated or resolved", r.stdout)
        self.advance(s, "30m")
        self.assertEqual(state(), "acknowledged")
        self.advance(s, "1h30m")
        self.assertEqual(state(), "triggered")
        st, esc, _ = s.request("GET", "/api/v1/incidents/%s/escalation" % iid, token=self.token)
        self.assertIsNone(esc["pages_again_at"])
        self.assertIn("the snooze of 2h ended", self.timeline(s, iid, "unacknowledged")[-1]["text"])
        self.assertEqual(len(self.timeline(s, iid, "page")), 3)

        # By hand over HTTP, and what is refused.
        path = "/api/v1/incidents/%s/" % iid
        st, err, _ = s.request("POST", path + "unacknowledge", token=self.token)
        self.assertEqual((st, err["error"]["code"]), (409, "failed_precondition"), err)
        st, inc, _ = s.request("POST", path + "acknowledge", token=self.token)
        for body, field in (({"duration": "forever"}, "duration"), ({"duration": "10s"}, "duration"),
                            ({}, "duration"), ({"duration": "1h", "until": "x"}, "until")):
            st, err, _ = s.request("POST", path + "snooze", body, token=self.token)
            self.assertEqual((st, err["error"]["field"]), (400, field), err)
        st, inc, _ = s.request("POST", path + "unacknowledge", {"note": "wrong person"}, token=self.token)
        self.assertEqual((st, inc["state"]), (200, "triggered"), inc)
        self.assertEqual(len(self.timeline(s, iid, "page")), 4)
        st, audit, _ = s.request("GET", "/api/v1/audit?action=incident.", token=self.token)
        actions = [e["action"] for e in audit["entries"]]
        self.assertEqual(actions.count("incident.unacknowledge"), 3)
        self.assertEqual(actions.count("incident.snooze"), 1)

    def test_add_responders_pages_them_now(self):
        s = self.serve()
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}
        iid = self.declare(s, title="Orders DB slow", sev="SEV2", services=("db",))
        path = "/api/v1/incidents/%s/responders" % iid
        for body, field in (({"targets": [{"pager": "x"}], "message": "m"}, "targets[0]"),
                            ({"targets": [{"person": "nobody"}], "message": "m"}, "targets[0]"),
                            ({"targets": [{"person": "dave", "team": "platform"}], "message": "m"}, "targets[0]"),
                            ({"targets": [], "message": "m"}, "targets"),
                            ({"targets": [{"person": "dave"}]}, "message")):
            st, err, _ = s.request("POST", path, body, token=self.token)
            self.assertEqual((st, err["error"]["field"]), (400, field), err)
        self.assertEqual(len(self.timeline(s, iid, "page")), 1, "a refused request pages nobody")
        r = run_cli("incident", "add-responders", iid, "--person", "dave", "--schedule", "secondary",
                    "--message", "need a DBA", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        [first, extra] = self.timeline(s, iid, "page")
        self.assertEqual(extra["data"]["trigger"], "responders")
        self.assertEqual([(p["person"], p["via"]) for p in extra["data"]["people"]],
                         [("dave", "person:dave"), ("carol", "schedule:secondary")])
        self.assertIn("need a DBA", extra["text"])
        paged = {n["person"] for n in self.notifications(s, iid) if n["kind"] == "page" and n["page"] == extra["data"]["n"]}
        self.assertEqual(paged, {"dave", "carol"})
        self.recv.wait(lambda rs: any(b"@carol" in b and b"need a DBA" in b for p, h, b, st in rs
                                      if p.startswith("/slack/")), what="carol's page in chat")
        [page] = [json.loads(b)["text"] for h, b in self.recv.bodies("/slack/") if b"@carol" in b and b"need a DBA" in b]
        self.assertIn("Responders: requested by token:", page)
        st, audit, _ = s.request("GET", "/api/v1/audit?action=incident.responders", token=self.token)
        self.assertEqual(audit["entries"][0]["details"]["message"], "need a DBA")

    def test_responders_accept_or_decline_by_link_cli_and_http(self):
        s = self.serve()
        iid = self.declare(s, title="Orders DB slow", sev="SEV2", services=("db",))
        tokens = {}
        for person in ("alice", "carol", "dave"):
            st, tok, _ = s.request("POST", "/api/v1/tokens", {"person": person, "scopes": "read,write", "name": person},
                                   token=self.token)
            self.assertEqual(st, 201, tok)
            tokens[person] = tok["token"]
        env = lambda person: {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": tokens[person]}
        path = "/api/v1/incidents/%s/responders" % iid
        st, inc, _ = s.request("POST", path, {"targets": [{"person": "carol"}, {"person": "dave"}],
                                               "message": "need a DBA"}, token=tokens["alice"])
        self.assertEqual(st, 200, inc)
        st, listed, _ = s.request("GET", path, token=self.token)
        self.assertEqual([(r["person"], r["response"], r["requested_by"]) for r in listed["responders"]],
                         [("carol", "pending", "person:alice"), ("dave", "pending", "person:alice")])
        self.assertEqual(listed["pending"], 2)
        # Dave sees the request in his own on-call picture.
        r = run_cli("oncall", "person", "me", env=env("dave"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("asked to respond: %s [SEV2] Orders DB slow (by person:alice: need a DBA)" % iid, r.stdout)

        # Carol's chat message offers Accept and Decline; the link's GET changes nothing, POST accepts.
        self.recv.wait(lambda rs: any(b"@carol" in b and b"need a DBA" in b for p, h, b, st in rs
                                      if p.startswith("/slack/")), what="carol's page in chat")
        [msg] = [json.loads(b) for h, b in self.recv.bodies("/slack/") if b"@carol" in b and b"need a DBA" in b]
        buttons = {e["text"]["text"]: e["url"] for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]}
        self.assertEqual(sorted(buttons), ["Accept", "Acknowledge", "Decline", "Open", "Resolve"])
        accept = urllib.parse.urlparse(buttons["Accept"]).path
        st, html, _ = s.request("GET", accept, headers={"Accept": "text/html"})
        self.assertEqual(st, 200)
        self.assertIn("Accept the request to respond to %s" % iid, html)
        st, listed, _ = s.request("GET", path, token=self.token)
        self.assertEqual(listed["pending"], 2, "a GET of the link changes nothing")
        st, html, _ = s.request("POST", accept, headers={"Accept": "text/html"}, raw=b"")
        self.assertEqual(st, 200, html)
        self.assertIn("You are responding to %s" % iid, html)
        # Alice, who asked, hears it on her own contact methods (chat and SMS at SEV2).
        self.recv.wait(lambda rs: any(b"Responder accepted" in b and b"@alice" in b for p, h, b, st in rs
                                      if p.startswith("/slack/")), what="alice told in chat")
        self.recv.wait(lambda rs: any(p == "/sms" and b"Carol Nguyen (carol) accepted the request to respond" in b
                                      for p, h, b, st in rs), what="alice told by SMS")

        # Refusals: someone else's answer, an answer twice, a bad body, an unknown incident.
        st, err, _ = s.request("POST", path + "/dave", {"response": "accept"}, token=tokens["carol"])
        self.assertEqual((st, err["error"]["code"]), (403, "permission_denied"), err)
        st, err, _ = s.request("POST", path + "/me", {"response": "decline"}, token=tokens["carol"])
        self.assertEqual((st, err["error"]["field"]), (409, "response"), err)
        self.assertIn("carol already accepted", err["error"]["message"])
        for body, field in (({"response": "maybe"}, "response"), ({}, "response"),
                            ({"response": "accept", "note": "x" * 2001}, "note"),
                            ({"response": "accept", "when": "now"}, "when")):
            st, err, _ = s.request("POST", path + "/me", body, token=tokens["dave"])
            self.assertEqual((st, err["error"]["field"]), (400, field), err)
        st, err, _ = s.request("POST", "/api/v1/incidents/INC-999/responders/me", {"response": "accept"},
                               token=tokens["dave"])
        self.assertEqual(st, 404, err)
        st, err, _ = s.request("POST", path + "/me", {"response": "accept"}, token=self.token)
        self.assertEqual((st, err["error"]["field"]), (400, "person"), "the admin token belongs to no person")

        # Dave declines from the CLI, with a reason; the list shows both answers.
        r = run_cli("incident", "respond", iid, "--decline", "--note", "on a train until 14:00", env=env("dave"))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_cli("incident", "respond", iid, env=env("dave"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--accept or --decline", r.stderr)
        r = run_cli("incident", "responders", iid, env=env("alice"))
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [l.split() for l in r.stdout.splitlines()[1:]]
        self.assertEqual([(x[0], x[1]) for x in rows], [("carol", "accepted"), ("dave", "declined")])
        self.assertIn("need a DBA / on a train until 14:00", r.stdout)
        said = [e["text"] for e in self.timeline(s, iid, "responder")]
        self.assertEqual(said, ["Carol Nguyen (carol) accepted the request to respond",
                                "Dave Lindqvist (dave) declined the request to respond: on a train until 14:00"])
        st, audit, _ = s.request("GET", "/api/v1/audit?action=incident.responder.", token=self.token)
        self.assertEqual(sorted((e["action"], e["actor"]) for e in audit["entries"]),
                         [("incident.responder.accept", "person:carol"), ("incident.responder.decline", "person:dave")])
        r = run_cli("oncall", "person", "me", env=env("dave"))
        self.assertNotIn("asked to respond", r.stdout)

    def test_status_updates_go_to_the_subscribed_channel(self):
        s = self.serve()
        iid = self.declare(s, title="Card payments failing", sev="SEV1")
        # The audience is in the body: one given in the URL is refused, not taken for "internal".
        st, err, _ = s.request("POST", "/api/v1/incidents/%s/status-updates?audience=external" % iid, None,
                               token=self.token)
        self.assertEqual((st, err["error"]["field"]), (400, "audience"), err)
        # On demand: the internal update (generated from the record) and a person's external one.
        st, upd, _ = s.request("POST", "/api/v1/incidents/%s/status-updates" % iid, {"audience": "internal"},
                               token=self.token)
        self.assertEqual(st, 201, upd)
        st, ext, _ = s.request("POST", "/api/v1/incidents/%s/status-updates" % iid,
                               {"text": "Card payments fail for some customers; we are on it.", "status": "investigating"},
                               token=self.token)
        self.assertEqual(st, 201, ext)
        self.recv.wait(lambda rs: sum(1 for p, *_ in rs if p == "/status-updates") >= 2, what="status webhooks")
        got = [json.loads(b) for _, b in self.recv.bodies("/status-updates")]
        events = sorted(g["event"] for g in got)
        self.assertEqual(events, ["status_update", "status_update_external"])
        internal = [g for g in got if g["event"] == "status_update"][0]
        self.assertEqual(internal["incident"]["id"], iid)
        self.assertEqual(internal["note"], upd["text"])
        external = [g for g in got if g["event"] == "status_update_external"][0]
        self.assertIn("Card payments fail for some customers", external["note"])
        # The scheduled update (SEV1 cadence 15 min after the last one) goes out the same way.
        self.advance(s, "15m")
        self.recv.wait(lambda rs: sum(1 for p, *_ in rs if p == "/status-updates") >= 3, what="scheduled update")
        self.eventually(lambda: sum(1 for n in self.notifications(s, iid)
                                    if n["channel"] == "status-hook" and n["state"] == "delivered") == 3,
                        what="three status updates recorded as delivered")

    def test_refusals(self):
        s = self.serve()
        st, body, _ = s.request("GET", "/api/v1/oncall?schedule=nope", token=self.token)
        self.assertEqual((st, body["error"]["field"]), (404, "schedule"))
        st, body, _ = s.request("GET", "/api/v1/oncall/shifts?schedule=primary&from=2026-01-01T00:00:00Z"
                                       "&to=2026-12-01T00:00:00Z", token=self.token)
        self.assertEqual((st, body["error"]["field"]), (400, "to"))
        st, body, _ = s.request("GET", "/api/v1/oncall/roster?team=nope", token=self.token)
        self.assertEqual((st, body["error"]["field"]), (404, "team"))
        st, body, _ = s.request("GET", "/api/v1/oncall/roster?team=platform&schedule=primary", token=self.token)
        self.assertEqual((st, body["error"]["field"]), (400, "team"))
        st, body, _ = s.request("GET", "/api/v1/oncall/roster?team=platform&days=94", token=self.token)
        self.assertEqual((st, body["error"]["field"]), (400, "days"))
        st, body, _ = s.request("POST", "/api/v1/incidents/INC-1/escalate", {}, token=self.token)
        self.assertEqual(st, 400)
        st, body, _ = s.request("POST", "/api/v1/admin/clock", {"advance": "-5m"}, token=self.token)
        self.assertEqual((st, body["error"]["field"]), (400, "advance"))
        st, body, _ = s.request("GET", "/a/not-a-token", headers={"Accept": "application/json"})
        self.assertEqual(st, 400)
        # Manual clocks only on loopback.
        r = run_cli("serve", "--config", self.config, "--data", self.data + "x", "--listen", "0.0.0.0:0",
                    "--clock", "manual")
        self.assertEqual(r.returncode, 1)
        self.assertIn("loopback", r.stderr)


class SupportHours(PagingTestCase):
    """Low urgency waits for support hours: the example's 'recommendations' service pages through
    policy 'frontend-daytime', whose support hours are weekdays 09:00-18:00 in Paris."""

    def test_a_low_urgency_incident_pages_when_support_hours_begin(self):
        s = self.serve(at="2026-01-09T17:30:00Z")  # Friday 18:30 in Paris
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}
        r = run_cli("oncall", "now", "--service", "recommendations", "--severity", "SEV4", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("SEV4 is low urgency under this policy: outside support hours 'business-hours', nobody is "
                      "paged until 2026-01-12T08:00:00Z", r.stdout)
        self.assertRegex(r.stdout, r"1\s+0s\s+bob \(schedule:primary\)")  # bob's week starts Monday 09:00

        quiet = self.declare(s, title="Recommendations are a day old", sev="SEV4", services=("recommendations",))
        esc = self.escalation(s, quiet)
        self.assertEqual(esc["held_until"], "2026-01-12T08:00:00Z")
        self.assertEqual(esc["hold_reason"], "SEV4 incident opened outside support hours 'business-hours'")
        self.assertIn("nobody is paged until they begin at 2026-01-12T08:00:00Z (in 2d14h30m)",
                      self.timeline(s, quiet, "escalation")[-1]["text"])
        r = run_cli("incident", "pages", quiet, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Waiting for support hours until 2026-01-12T08:00:00Z", r.stdout)

        # Raised to SEV2 (not low urgency), a second one pages alice at once.
        loud = self.declare(s, title="Recommendations return errors", sev="SEV3", services=("recommendations",))
        self.assertIsNotNone(self.escalation(s, loud)["held_until"])
        st, body, _ = s.request("POST", "/api/v1/incidents/%s/severity" % loud,
                                {"severity": "SEV2", "reason": "the home page shows the errors"}, token=self.token)
        self.assertEqual(st, 200, body)
        self.recv.wait(lambda rs: any(b"@alice" in b and loud.encode() in b for p, h, b, st in rs
                                      if p.startswith("/slack/")), what="alice paged for the raised incident")
        pages = self.timeline(s, loud, "page")
        self.assertEqual(len(pages), 1)
        self.assertIn("(it was waiting for support hours)", pages[0]["text"])
        self.assertIsNone(self.escalation(s, loud)["held_until"])

        # The weekend passes without a page for the SEV4; Monday 09:00 in Paris bob gets it by email.
        self.advance(s, "62h29m59s")
        self.assertEqual(self.escalation(s, quiet)["history"], [])
        self.assertEqual([n for n in self.notifications(s, quiet) if n["kind"] == "page"], [])
        self.advance(s, "1s")
        self.smtp.wait(lambda ms: any("bob@example.com" in r and quiet.encode() in c for f, r, c, tls in ms),
                       what="bob's email page")
        pages = self.timeline(s, quiet, "page")
        self.assertEqual([(p["time"], p["data"]["trigger"]) for p in pages], [("2026-01-12T08:00:00Z", "support_hours")])
        self.assertIn("support hours began (SEV4 incident opened outside support hours 'business-hours')",
                      pages[0]["text"])
        self.assertEqual([p["person"] for p in pages[0]["data"]["people"]], ["bob"])
        self.assertIsNone(self.escalation(s, quiet)["held_until"])


class Handoffs(PagingTestCase):
    """Shift handoff notices: an hour before the example's primary schedule passes from alice to bob
    (Monday 09:00 in Paris) and its secondary from bob to carol (her weekday daytime layer), each
    person coming on and going off call gets an email (handoff_contact_types) in their own time zone,
    listing the open incidents that page through that schedule; a kill -9 and restart tells nobody
    twice; the API, the CLI and the timer agree on when."""

    def setUp(self):
        super().setUp()
        with open(os.path.join(self.config, "settings.yaml"), "a") as f:
            f.write("    handoff_notice: 1h\n    handoff_contact_types: [email]\n")

    def handoff_mail(self):
        out = []
        for f, r, m, tls in self.smtp.parsed():
            if m["X-Firebreak-Event"] in ("shift_start", "shift_end"):
                out.append((r[0], str(m["Subject"]), m.get_content()))
        return sorted(out)

    def notices(self, s):
        st, body, _ = s.request("GET", "/api/v1/oncall/handoffs?days=1", token=self.token)
        self.assertEqual(st, 200, body)
        return body

    def test_both_people_are_told_an_hour_ahead_once_with_the_incidents_they_inherit(self):
        s = self.serve(at="2026-01-12T06:30:00Z")  # Monday 07:30 in Paris
        iid = self.declare(s)  # checkout: pages through primary, then secondary
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}
        r = run_cli("oncall", "handoffs", "--days", "1", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Both people are told 1h ahead of each handoff.", r.stdout)
        self.assertRegex(r.stdout, r"2026-01-12T08:00:00Z\s+primary\s+alice\s+bob\s+2026-01-19T08:00:00Z\s+"
                                   r"2026-01-12T07:00:00Z")
        self.assertRegex(r.stdout, r"2026-01-12T16:00:00Z\s+secondary\s+carol\s+alice\s+")
        body = self.notices(s)
        self.assertEqual(body["notice"], "1h")
        self.assertEqual([(h["at"], h["schedule"], h["from"]["person"], h["to"]["person"]) for h in body["handoffs"]],
                         [("2026-01-12T08:00:00Z", "primary", "alice", "bob"),
                          ("2026-01-12T08:00:00Z", "secondary", "bob", "carol"),
                          ("2026-01-12T16:00:00Z", "secondary", "carol", "alice")])
        self.assertEqual(body["notices"], [])

        self.advance(s, "29m59s")
        self.assertEqual(self.notices(s)["notices"], [])
        self.advance(s, "1s")  # 07:00Z
        self.smtp.wait(lambda ms: len(self.handoff_mail()) >= 4, what="four handoff emails")
        mail = self.handoff_mail()
        self.assertEqual([(to, subject) for to, subject, text in mail], [
            ("alice@example.com", "On-call shift ending: Primary on-call, Mon 12 Jan 09:00 (Europe/Paris)"),
            ("bob@example.com", "On-call shift ending: Secondary on-call, Mon 12 Jan 08:00 (Europe/London)"),
            ("bob@example.com", "On-call shift starting: Primary on-call, Mon 12 Jan 08:00 (Europe/London)"),
            ("carol@example.com", "On-call shift starting: Secondary on-call, Mon 12 Jan 09:00 (Europe/Berlin)"),
        ])
        bob = mail[2][2]
        self.assertIn("Your on-call shift on Primary on-call starts in 1h, at Mon 12 Jan 08:00 (Europe/London), "
                      "until Mon 19 Jan 08:00 (Europe/London); you take over from Alice Moreau. 1 open incident "
                      "pages through this schedule.", bob)
        self.assertIn("- [SEV2] %s Checkout returns 500s (triggered)" % iid, bob)
        self.assertIn("Hand over: 1 open incident pages through this schedule.", mail[0][2])
        self.eventually(lambda: [n["state"] for n in self.notices(s)["notices"]] == ["delivered"] * 4,
                        what="the notices recorded as delivered")
        # They belong to no incident: the incident's notifications are its own pages only.
        self.assertEqual([n["event"] for n in self.notifications(s, iid) if n["event"].startswith("shift_")], [])

        # A kill -9 and a restart at the same moment: already told, nobody is told again.
        s.kill9()
        s2 = self.serve(at="2026-01-12T07:00:00Z")
        self.advance(s2, "1s")
        self.assertEqual(len(self.notices(s2)["notices"]), 4)
        self.assertEqual(len(self.handoff_mail()), 4)

    def test_a_handoff_an_override_calls_off_is_corrected_and_told_again_when_it_comes_back(self):
        s = self.serve(at="2026-01-12T07:00:00Z")  # primary passes from alice to bob at 08:00Z
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}
        self.smtp.wait(lambda ms: len(self.handoff_mail()) >= 4, what="the four handoff emails")

        def changed():
            return sorted((r[0], m.get_content().replace("\r\n", "\n").strip()) for f, r, m, tls in self.smtp.parsed()
                          if m["X-Firebreak-Event"] == "shift_changed")

        def primary(to):
            return [text for rcpt, subject, text in self.handoff_mail() if rcpt == to and "Primary" in subject]

        # carol takes the first hours of bob's week: at 08:00 alice hands over to her, not to bob.
        r = run_cli("oncall", "override", "create", "--schedule", "primary", "--person", "carol", "--replaces",
                    "bob", "--start", "2026-01-12T08:00:00Z", "--for", "4h", "--reason", "bob's flight is late",
                    env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.smtp.wait(lambda ms: len(changed()) >= 1 and len(self.handoff_mail()) >= 6, what="bob's correction")
        self.assertEqual(changed(), [("bob@example.com", "On-call shift changed: Primary on-call, Mon 12 Jan 08:00 "
                                      "(Europe/London)\nChange to your on-call shift on Primary on-call: it no "
                                      "longer starts at Mon 12 Jan 08:00 (Europe/London); Carol Nguyen is on call "
                                      "then.")])
        self.assertEqual(len(primary("carol@example.com")), 1)
        self.assertIn("starts in 1h, at Mon 12 Jan 09:00 (Europe/Berlin), until Mon 12 Jan 13:00 (Europe/Berlin) "
                      "(an override); you take over from Alice Moreau.", primary("carol@example.com")[0])
        self.assertEqual(len(primary("alice@example.com")), 2)
        self.assertEqual(sum("Carol Nguyen takes over" in t for t in primary("alice@example.com")), 1)

        # Deleted before it starts: carol is told her shift is off; bob and alice are told the first
        # handoff again, as before.
        r = run_cli("oncall", "override", "delete", "OVR-1", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.smtp.wait(lambda ms: len(changed()) >= 2 and len(self.handoff_mail()) >= 8, what="the handoff told again")
        self.assertEqual(changed()[1][0], "carol@example.com")
        self.assertTrue(changed()[1][1].endswith("Change to your on-call shift on Primary on-call: it no longer starts "
                                                 "at Mon 12 Jan 09:00 (Europe/Berlin); Bob Okafor is on call then."),
                        changed()[1][1])
        bob = primary("bob@example.com")
        self.assertEqual(len(bob), 2)
        self.assertEqual(bob[0], bob[1])
        self.assertEqual(sum("Bob Okafor takes over" in t for t in primary("alice@example.com")), 2)
        self.eventually(lambda: [n["state"] for n in self.notices(s)["notices"]] == ["delivered"] * 10,
                        what="every notice recorded as delivered")

class AuditHead(PagingTestCase):
    """The server sends its audit chain head off the machine by itself: every hour it moved, to the
    channels subscribed to audit_head (settings.audit_head_every, 1h by default). The copy a receiver
    kept catches a tail cut off with the stored head rewritten, which the database alone cannot."""

    def setUp(self):
        super().setUp()
        with open(os.path.join(self.config, "channels.yaml"), "a") as f:
            f.write("  - id: audit-keeper\n    type: webhook\n    url: %s\n"
                    "    secret_env: FIREBREAK_WEBHOOK_SECRET\n    events: [audit_head]\n"
                    % self.recv.url("/keep/audit"))

    def kept(self):
        """The heads the receiver was sent, in order."""
        return [json.loads(b)["audit"]["head"] for h, b in self.recv.bodies("/keep/audit")]

    def head(self, s):
        st, body, _ = s.request("GET", "/api/v1/audit/head", token=self.token)
        self.assertEqual(st, 200, body)
        return body

    def test_the_head_sent_off_the_machine_catches_a_cut_tail(self):
        s = self.serve()
        for title in ("Checkout returns 500s", "Search is slow", "Payments time out"):
            self.declare(s, title=title)
        declared = int(self.head(s)["head"].split(":")[0])
        self.assertGreaterEqual(declared, 3)  # the three incidents' entries at least

        def published_seq():
            published = self.head(s)["published"]
            return int(published["head"].split(":")[0]) if published else 0

        self.advance(s, "1h")
        # The hour is up: the head it published is the one the receiver got, signed like any webhook.
        self.eventually(lambda: published_seq() >= declared, what="the head published")
        anchor = self.head(s)["published"]["head"]
        seq = int(anchor.split(":")[0])
        self.recv.wait(lambda rs: anchor in self.kept(), what="the audit head at the receiver")
        self.assertEqual(self.kept()[-1], anchor)
        h, body = self.recv.bodies("/keep/audit")[-1]
        doc = json.loads(body)
        self.assertEqual((doc["event"], doc["incident"]), ("audit_head", {}))
        self.assertIn("--anchor " + anchor, doc["text"])
        sig = dict(kv.split("=", 1) for kv in h["X-Firebreak-Signature"].split(","))
        want = hmac.new(SECRET.encode(), (sig["t"] + ".").encode() + body, hashlib.sha256).hexdigest()
        self.assertTrue(hmac.compare_digest(sig["v1"], want))
        self.eventually(lambda: [n["state"] for n in self.head(s)["notices"]][-1:] == ["delivered"],
                        what="the notice recorded as delivered")
        self.assertEqual(self.head(s)["notices"][-1]["head"], anchor)
        # The ops webhook does not subscribe to it.
        self.assertNotIn("audit_head", [json.loads(b)["event"] for _, b in self.recv.bodies("/hooks/")])

        # A kill -9 and a restart at the same moment: nothing is due, nothing is sent again.
        s.kill9()
        s = self.serve(at="2026-01-05T09:00:00Z")
        self.assertEqual(self.head(s)["published"]["head"], anchor)

        # Someone with write access to the database cuts the tail and rewrites the stored head.
        s.kill9()
        con = sqlite3.connect(os.path.join(self.data, "firebreak.db"))
        con.execute("DELETE FROM audit WHERE seq >= %d" % (seq - 1))
        con.execute("UPDATE meta SET value = (SELECT seq || ':' || hash FROM audit ORDER BY seq DESC LIMIT 1) "
                    "WHERE key = 'audit_head'")
        con.commit()
        con.close()
        s = self.serve(at="2026-01-05T09:00:00Z")
        st, v, _ = s.request("GET", "/api/v1/audit/verify", token=self.token)
        self.assertEqual((st, v["ok"]), (200, True), "undetectable from inside")
        # The receiver's copy is not in the database: it shows the cut.
        r = run_cli("audit", "verify", "--server", s.url, "--token", self.token, "--anchor", self.kept()[-1])
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("audit chain BROKEN at entry %d" % seq, r.stderr)
        self.assertEqual(len(self.kept()), len(set(self.kept())), "no head is sent twice")


class NotificationRules(PagingTestCase):
    """A person's own notification rules (PagerDuty's): alice wants Slack at once, an SMS after 5
    minutes and an email after 10 if nobody has acknowledged by then. Over the real server: each
    step reaches the real receiver (SMS gateway, SMTP server) at its minute and not before, the later
    steps survive a kill -9, and acknowledging cancels what is still planned."""

    def setUp(self):
        super().setUp()
        path = os.path.join(self.config, "people.yaml")
        with open(path) as f:
            people = f.read()
        alice = '      - { type: sms, address: "+33600000001" }\n'
        self.assertIn(alice, people)
        people = people.replace(alice, alice + """    notification_rules:
      - { after: 0m, contact: slack }
      - { after: 5m, contact: sms }
      - { after: 10m, contact: email }
      - { after: 1m, contact: sms, severities: [SEV0] }
""", 1)
        bob = "    timezone: Europe/London\n"
        self.assertIn(bob, people)
        people = people.replace(bob, bob + "    handoff_notices: false\n", 1)
        with open(path, "w") as f:
            f.write(people)

    def alice_sms(self):
        return [b for h, b in self.recv.bodies("/sms") if h.get("X-To") == "+33600000001"]

    def alice_mail(self):
        return [m["X-Firebreak-Incident"] for f, r, m, tls in self.smtp.parsed() if r == ["alice@example.com"]]

    def alice_rows(self, s, iid):
        return [(n["channel_type"], n["next_attempt_at"], n["state"]) for n in self.notifications(s, iid)
                if n["person"] == "alice"]

    def test_each_step_on_its_minute_surviving_a_kill_and_cancelled_by_an_acknowledgement(self):
        s = self.serve()
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}
        r = run_cli("oncall", "person", "alice", "--days", "1", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("pages reach them by: slack at once, sms after 1m (SEV0), sms after 5m, email after 10m "
                      "unless acknowledged first", r.stdout)
        st, body, _ = s.request("GET", "/api/v1/people", token=self.token)
        by_id = {p["id"]: p for p in body["people"]}
        self.assertEqual(by_id["alice"]["notification_rules"][0],
                         {"after": "0s", "contact_type": "slack", "severities": []})
        self.assertEqual((by_id["alice"]["handoff_notices"], by_id["bob"]["handoff_notices"]), (True, False))
        self.assertEqual(by_id["carol"]["notification_rules"], [])
        r = run_cli("oncall", "person", "bob", "--days", "1", env=env)
        self.assertIn("handoff notices: off", r.stdout)
        # Who a checkout incident would page, and how: alice by her rules, the tier-2 people by the
        # severity's contact types (SEV2: slack, email, sms, each one they have, at once).
        r = run_cli("oncall", "now", "--service", "checkout", "--severity", "SEV2", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\n1\s+0s\s+alice \(schedule:primary\) by slack, sms after 5m, email after 10m\n")
        self.assertIn("carol (person:carol) by email, slack", r.stdout)

        # Two SEV2 incidents page alice through primary: Slack now; SMS and email are planned.
        a = self.declare(s, title="Checkout returns 500s")
        b = self.declare(s, title="Checkout is slow")
        for iid in (a, b):
            self.eventually(lambda: self.alice_rows(s, iid) == [
                ("slack", None, "delivered"), ("command", "2026-01-05T08:05:00Z", "pending"),  # the SMS gateway
                ("email", "2026-01-05T08:10:00Z", "pending")], what="alice's slack message and planned steps")
            self.assertEqual([e["text"] for e in self.timeline(s, iid, "notification")
                              if "notification rules" in e["text"]],
                             ["alice's notification rules: page 1 also reaches them by sms at 2026-01-05T08:05:00Z, "
                              "email at 2026-01-05T08:10:00Z unless the incident is acknowledged first"])
        self.assertEqual(self.alice_sms(), [])
        self.advance(s, "4m59s")
        self.assertEqual(self.alice_sms(), [])
        self.advance(s, "1s")
        self.recv.wait(lambda rs: len(self.alice_sms()) == 2, what="alice's two SMS")
        self.eventually(lambda: all(self.alice_rows(s, iid)[1][2] == "delivered" for iid in (a, b)),
                        what="the SMS recorded as delivered")

        # kill -9 with the email steps planned; back at the same moment, they are still planned.
        s.kill9()
        s2 = self.serve(at="2026-01-05T08:05:00Z")
        self.advance(s2, "2m")
        st, _, _ = s2.request("POST", "/api/v1/incidents/%s/acknowledge" % a, token=self.token)
        self.assertEqual(st, 200)
        self.assertEqual(self.alice_rows(s2, a)[2], ("email", None, "cancelled"))
        self.advance(s2, "3m")  # 08:10Z
        self.smtp.wait(lambda ms: len(self.alice_mail()) >= 1, what="alice's email for the unacknowledged incident")
        self.eventually(lambda: self.alice_rows(s2, b)[2] == ("email", None, "delivered"), what="the email recorded")
        self.assertEqual(self.alice_mail(), [b])
        self.assertEqual(len(self.alice_sms()), 2)

    def test_a_lowered_severity_and_a_reload_replan_the_steps_still_ahead(self):
        s = self.serve()
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}
        # SEV0: alice's rules add an SMS after 1 minute to Slack at once, SMS at 5m and email at 10m.
        iid = self.declare(s, title="Payments down", sev="SEV0")
        self.eventually(lambda: self.alice_rows(s, iid) == [
            ("slack", None, "delivered"), ("command", "2026-01-05T08:01:00Z", "pending"),
            ("command", "2026-01-05T08:05:00Z", "pending"), ("email", "2026-01-05T08:10:00Z", "pending")],
            what="alice's planned steps at SEV0")
        planned = [n for n in self.notifications(s, iid) if n["planned"]]
        self.assertEqual([n["planned_for"] for n in planned],
                         ["2026-01-05T08:01:00Z", "2026-01-05T08:05:00Z", "2026-01-05T08:10:00Z"])
        # The outbox gauge tells planned steps from a delivery backlog.
        st, text, _ = s.request("GET", "/metrics", token=self.token)
        self.assertEqual(st, 200)
        self.assertRegex(text, r'firebreak_outbox_notifications\{state="planned"\} 3\b')
        r = run_cli("incident", "pages", iid, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"alice\s+planned\s+0\s+due 2026-01-05T08:01:00Z unless acknowledged first")

        # Lowered to SEV2 at 08:00:30: the SEV0-only SMS at 08:01 is cancelled, nothing else moves.
        self.advance(s, "30s")
        st, body, _ = s.request("POST", "/api/v1/incidents/%s/severity" % iid,
                                {"severity": "SEV2", "reason": "only EU cards affected"}, token=self.token)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.alice_rows(s, iid)[1], ("command", None, "cancelled"))
        said = [e["text"] for e in self.timeline(s, iid, "notification") if "re-planned" in e["text"]]
        self.assertEqual(said, ["Planned notifications re-planned (severity lowered from SEV0 to SEV2): alice's "
                                "page 1: sms at 2026-01-05T08:01:00Z cancelled"])

        # Alice moves her SMS from 5 to 3 minutes; the reload re-plans the page still waiting.
        path = os.path.join(self.config, "people.yaml")
        with open(path) as f:
            people = f.read()
        mine = "      - { after: 5m, contact: sms }\n      - { after: 10m, contact: email }\n"
        self.assertEqual(people.count(mine), 1)
        with open(path, "w") as f:
            f.write(people.replace(mine, mine.replace("5m", "3m")))
        r = run_cli("reload", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = self.alice_rows(s, iid)
        self.assertEqual(rows[2], ("command", None, "cancelled"))
        self.assertEqual(rows[4], ("command", "2026-01-05T08:03:00Z", "pending"))
        said = [e["text"] for e in self.timeline(s, iid, "notification") if "re-planned" in e["text"]]
        self.assertEqual(said[-1], "Planned notifications re-planned (configuration reloaded): alice's page 1: "
                                   "sms at 2026-01-05T08:05:00Z cancelled, sms at 2026-01-05T08:03:00Z added")
        self.advance(s, "2m29s")
        self.assertEqual(self.alice_sms(), [])
        self.advance(s, "1s")  # 08:03
        self.recv.wait(lambda rs: len(self.alice_sms()) == 1, what="alice's SMS at 08:03")
        self.advance(s, "3m")  # 08:06: neither cancelled SMS went out
        st, _, _ = s.request("POST", "/api/v1/incidents/%s/acknowledge" % iid, token=self.token)
        self.assertEqual(st, 200)
        self.assertEqual(self.alice_rows(s, iid)[3], ("email", None, "cancelled"))
        self.assertEqual(len(self.alice_sms()), 1)


class Faults(PagingTestCase):
    def test_receivers_down_for_a_while_then_back(self):
        s = self.serve()
        self.recv.mode = "fail"
        ids = [self.declare(s, title="Outage %d" % i, sev="SEV2") for i in range(3)]
        http_keys = set()
        for iid in ids:
            for n in self.notifications(s, iid):
                if n["channel"] in ("ops-webhook", "ops-chat", "sms-gateway"):
                    http_keys.add(n["idempotency_key"])
        self.assertEqual(len(http_keys), 3 * 4)  # per incident: opened + page webhooks, chat, SMS
        # Every one was tried and refused with 503...
        self.recv.wait(lambda rs: {h.get("Idempotency-Key") for p, h, b, st in rs} >= http_keys, what="first tries")
        # ...then the receiver is gone altogether (connections refused) for a few retry rounds...
        self.recv.stop()
        for _ in range(3):
            self.advance(s, "1s")
        # ...then drops connections without answering...
        self.recv.mode = "drop"
        self.recv.start()
        before = len(self.recv.requests)
        self.advance(s, "1s")
        self.recv.wait(lambda rs: len(rs) > before, what="retries while dropping")
        # ...and comes back.
        self.recv.mode = "up"
        rounds = 30  # a retry that failed just before the switch waits for the next clock step
        while set(self.recv.delivered()) < http_keys and rounds:
            rounds -= 1
            self.advance(s, "1s")
            try:
                self.recv.wait(lambda rs: self.recv_delivered_unlocked(rs) >= http_keys, timeout=3,
                               what="all notifications")
            except AssertionError:
                pass
        delivered = self.recv.delivered()
        self.assertEqual(set(delivered), http_keys, "every notification arrived")
        self.assertEqual(max(delivered.values()), 1, "none twice per idempotency key")
        def all_recorded():
            rows = [n for iid in ids for n in self.notifications(s, iid) if n["idempotency_key"] in http_keys]
            return all(n["state"] == "delivered" for n in rows)
        self.eventually(all_recorded, what="delivery receipts")
        for iid in ids:
            for n in self.notifications(s, iid):
                if n["idempotency_key"] in http_keys:
                    self.assertEqual(n["state"], "delivered", n)
                    self.assertGreaterEqual(n["attempts"], 2, n)
            retries = self.timeline(s, iid, "notification_retry")
            self.assertTrue(retries, "first failures are in the timeline")
        # Email was up the whole time: each message once.
        self.smtp.wait(lambda ms: len(ms) >= 3)
        ids_seen = collections.Counter(m["Message-ID"] for _, _, m, _ in self.smtp.parsed())
        self.assertEqual(max(ids_seen.values()), 1)

    @staticmethod
    def recv_delivered_unlocked(rs):
        return {h.get("Idempotency-Key") for p, h, b, st in rs if st == 200}

    def test_sigkill_with_escalations_pending(self):
        s = self.serve()
        self.recv.mode = "fail"  # deliveries stay queued in the outbox
        ids = [self.declare(s, title="Payments down %d" % i, sev="SEV3") for i in range(3)]
        self.recv.wait(lambda rs: len(rs) >= 3, what="first attempts")
        queued = {n["idempotency_key"] for iid in ids for n in self.notifications(s, iid)
                  if n["channel"] != "ops-email"}
        s.kill9()

        # Restart 20 minutes later: every 15-minute tier was missed while down.
        self.recv.mode = "up"
        s2 = self.serve(at="2026-01-05T08:20:00Z")
        self.recv.wait(lambda rs: sum(1 for p, h, b, st in rs if p.startswith("/slack/") and b"@carol" in b
                                      and st == 200) >= 3, what="tier 2 pages after the restart")
        for iid in ids:
            esc = self.escalation(s2, iid)
            self.assertEqual([(h["tier"], h["late"]) for h in esc["history"]], [(1, False), (2, True)], esc)
            self.assertEqual(esc["history"][1]["lateness_ms"], 5 * 60 * 1000)
            pages = self.timeline(s2, iid, "page")
            self.assertEqual(len(pages), 2)
            self.assertIn("late by 5m", pages[1]["text"])
        # Nothing queued before the kill is lost; tier 2's pages go out too.
        after = {n["idempotency_key"] for iid in ids for n in self.notifications(s2, iid)
                 if n["channel"] != "ops-email"}
        self.assertTrue(queued < after)
        self.recv.wait(lambda rs: self.recv_delivered_unlocked(rs) >= after, what="every queued notification")
        # Each step fired once: nothing is paged again until the policy repeats (30m after opening:
        # the last tier's 15m + 15m), and then the repeat fires once, on time.
        self.advance(s2, "9m59s")
        for iid in ids:
            self.assertEqual(len([h for h in self.escalation(s2, iid)["history"] if h["trigger"] != "ack_sla"]), 2)
        self.advance(s2, "1s")
        for iid in ids:
            hist = [h for h in self.escalation(s2, iid)["history"] if h["trigger"] != "ack_sla"]
            self.assertEqual([(h["tier"], h["trigger"], h["late"]) for h in hist],
                             [(1, "opened", False), (2, "timer", True), (1, "repeat", False)], hist)


class People(PagingTestCase):
    """The people directory and one person's on-call picture over HTTP and the CLI: who is on call
    where, a person's shifts and the policies that page them, and with their own token ("me") the
    page waiting for them, the role they hold and the override that takes their shift."""

    def test_directory_and_my_on_call_picture(self):
        s = self.serve()
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}
        st, body, _ = s.request("GET", "/api/v1/people", token=self.token)
        self.assertEqual(st, 200, body)
        by_id = {p["id"]: p for p in body["people"]}
        self.assertEqual([p["id"] for p in body["people"]], sorted(by_id))
        self.assertEqual([o["schedule"] for o in by_id["alice"]["on_call"]], ["primary"])
        self.assertLessEqual({"platform", "payments"}, set(by_id["alice"]["teams"]))
        self.assertEqual(by_id["alice"]["schedules"][:1], ["primary"])
        self.assertIn("platform", by_id["dave"]["leads"])
        self.assertLessEqual({"slack", "sms"}, {c["type"] for c in by_id["alice"]["contact_methods"]})
        self.assertNotIn("+33600000001", json.dumps(body))  # contact addresses are not listed
        r = run_cli("oncall", "people", "--team", "platform", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([ln.split()[0] for ln in r.stdout.splitlines()[1:]], ["alice", "bob", "dave"])

        # alice, with her own token: paged for a new incident, then commander, then relieved.
        st, tok, _ = s.request("POST", "/api/v1/tokens", {"person": "alice", "scopes": "read,write", "name": "t"},
                               token=self.token)
        self.assertEqual(st, 201, tok)
        mine = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": tok["token"]}
        iid = self.declare(s)
        st, me, _ = s.request("GET", "/api/v1/people/me?days=3", token=tok["token"])
        self.assertEqual(st, 200, me)
        self.assertEqual((me["id"], me["from"], me["to"]), ("alice", T0, "2026-01-08T08:00:00Z"))
        self.assertEqual([p["id"] for p in me["pending_pages"]], [iid])
        self.assertEqual([(x["schedule"], x["start"], x["end"]) for x in me["shifts"]],
                         [("primary", T0, "2026-01-08T08:00:00Z")])
        self.assertIn(("platform", 1, "schedule:primary"), [(e["policy"], e["tier"], e["via"]) for e in me["escalation"]])
        st, _, _ = s.request("POST", "/api/v1/incidents/%s/roles" % iid, {"role": "incident_commander", "person": "alice"},
                             token=self.token)
        self.assertEqual(st, 200)
        st, _, _ = s.request("POST", "/api/v1/oncall/overrides", {"schedule": "primary", "person": "carol",
                                                                  "replaces": "alice", "duration": "4h"}, token=self.token)
        self.assertEqual(st, 201)
        r = run_cli("oncall", "person", "me", "--days", "1", env=mine)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("alice (Alice Moreau)", r.stdout)
        self.assertIn("on call now: no", r.stdout)
        self.assertIn("2026-01-05T12:00:00Z 2026-01-06T08:00:00Z primary", r.stdout)
        self.assertIn("holds incident_commander in %s" % iid, r.stdout)
        self.assertIn("unacknowledged page: %s" % iid, r.stdout)
        self.assertIn("override OVR-1: carol on primary for alice", r.stdout)
        r = run_cli("oncall", "person", "alice", "--from", "2026-01-06T08:00:00Z", "--to", "2026-01-07T08:00:00Z",
                    "--json", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        span = json.loads(r.stdout)
        self.assertEqual((span["from"], span["to"], span["on_call_seconds"]),
                         ("2026-01-06T08:00:00Z", "2026-01-07T08:00:00Z", 24 * 3600))
        st, _, _ = s.request("POST", "/api/v1/incidents/%s/acknowledge" % iid, token=tok["token"])
        self.assertEqual(st, 200)
        st, me, _ = s.request("GET", "/api/v1/people/alice", token=self.token)
        self.assertEqual((st, me["pending_pages"]), (200, []))

        # Refusals name the field.
        for path, code, field in (("/api/v1/people/nobody", 404, "person"), ("/api/v1/people/alice?days=0", 400, "days"),
                                  ("/api/v1/people?team=nope", 404, "team"), ("/api/v1/people?x=1", 400, "x"),
                                  ("/api/v1/people/me", 400, "person")):
            st, err, _ = s.request("GET", path, token=self.token)
            self.assertEqual((st, err["error"]["field"]), (code, field), (path, err))


class ScheduleOverrides(PagingTestCase):
    """Overrides made at run time (someone else takes a shift): through the CLI and the API, the page
    goes to the override's person; kept across SIGKILL; deleting cancels or ends; refusals name the
    field. At T0 alice's primary week starts."""

    def oncall(self, s, at=None):
        q = "/api/v1/oncall?schedule=primary" + ("&at=" + at if at else "")
        st, body, _ = s.request("GET", q, token=self.token)
        self.assertEqual(st, 200, body)
        on = body["schedules"][0]["on_call"]
        return on["person"], on["override"], on.get("replaces", "")

    def test_the_page_goes_to_the_override_and_it_survives_a_kill(self):
        s = self.serve()
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": self.token}
        self.assertEqual(self.oncall(s), ("alice", False, ""))
        r = run_cli("oncall", "override", "create", "--schedule", "primary", "--person", "carol", "--replaces",
                    "alice", "--for", "8h", "--reason", "alice at the dentist", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OVR-1: carol is on call in primary for alice from 2026-01-05T08:00:00Z to "
                      "2026-01-05T16:00:00Z (active)", r.stdout)
        self.assertEqual(self.oncall(s), ("carol", True, "alice"))
        # The shift list shows the override, then the rotation again.
        st, body, _ = s.request("GET", "/api/v1/oncall/shifts?schedule=primary&from=2026-01-05T08:00:00Z"
                                       "&to=2026-01-06T08:00:00Z", token=self.token)
        self.assertEqual([(x["person"], x["end"], x["override"]) for x in body["shifts"]],
                         [("carol", "2026-01-05T16:00:00Z", True), ("alice", "2026-01-06T08:00:00Z", False)])
        # checkout's policy pages primary first: carol, not alice.
        iid = self.declare(s)
        paged = {n["person"] for n in self.notifications(s, iid) if n["kind"] == "page"}
        self.assertEqual(paged, {"carol"})
        st, audit, _ = s.request("GET", "/api/v1/audit?action=oncall.override.create", token=self.token)
        [entry] = audit["entries"]
        self.assertEqual((entry["target"], entry["details"]["reason"]), ("override:OVR-1", "alice at the dentist"))
        # An upcoming one over the API; both survive a SIGKILL.
        st, ovr, _ = s.request("POST", "/api/v1/oncall/overrides",
                               {"schedule": "primary", "person": "dave", "start": "2026-01-06T08:00:00Z",
                                "duration": "1d"}, token=self.token)
        self.assertEqual((st, ovr["id"], ovr["state"]), (201, "OVR-2", "upcoming"))
        s.kill9()
        s = self.serve(at="2026-01-05T09:00:00Z")
        env["FIREBREAK_URL"] = s.url
        st, body, _ = s.request("GET", "/api/v1/oncall/overrides", token=self.token)
        self.assertEqual([(o["id"], o["state"]) for o in body["overrides"]], [("OVR-1", "active"), ("OVR-2", "upcoming")])
        self.assertEqual(self.oncall(s, "2026-01-06T12:00:00Z"), ("dave", True, "alice"))
        # Deleting: the upcoming one is cancelled, the active one ends now; both stay as history.
        r = run_cli("oncall", "override", "delete", "OVR-2", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(cancelled)", r.stdout)
        st, body, _ = s.request("DELETE", "/api/v1/oncall/overrides/OVR-1", token=self.token)
        self.assertEqual((st, body["state"], body["end"]), (200, "ended", "2026-01-05T09:00:00Z"))
        self.assertEqual(self.oncall(s), ("alice", False, ""))
        self.assertEqual(self.oncall(s, "2026-01-06T12:00:00Z"), ("alice", False, ""))
        r = run_cli("oncall", "override", "list", "--all", "--json", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([(o["id"], o["state"], o["applied"]) for o in json.loads(r.stdout)["overrides"]],
                         [("OVR-1", "ended", True), ("OVR-2", "cancelled", False)])
        st, body, _ = s.request("DELETE", "/api/v1/oncall/overrides/OVR-1", token=self.token)
        self.assertEqual((st, body["error"]["code"]), (409, "failed_precondition"))
        st, audit, _ = s.request("GET", "/api/v1/audit?action=oncall.override.delete", token=self.token)
        self.assertEqual(sorted(e["details"]["was"] for e in audit["entries"]), ["active", "upcoming"])

    def test_refusals_name_the_field_and_store_nothing(self):
        s = self.serve()
        for body, field in (({"person": "carol", "duration": "1h"}, "schedule"),
                            ({"schedule": "primary", "person": "carol"}, "end"),
                            ({"schedule": "primary", "person": "nobody", "duration": "1h"}, "person"),
                            ({"schedule": "primary", "person": "carol", "replaces": "bob", "duration": "1h"}, "replaces"),
                            ({"schedule": "primary", "person": "carol", "start": "2026-01-05T07:00:00Z",
                              "duration": "2h"}, "start"),
                            ({"schedule": "primary", "person": "carol", "duration": "100d"}, "duration")):
            st, err, _ = s.request("POST", "/api/v1/oncall/overrides", body, token=self.token)
            self.assertEqual((st, err["error"]["field"]), (400, field), (body, err))
        st, body, _ = s.request("GET", "/api/v1/oncall/overrides?state=all", token=self.token)
        self.assertEqual((st, body["overrides"]), (200, []))
        st, body, _ = s.request("GET", "/api/v1/oncall/overrides?state=gone", token=self.token)
        self.assertEqual((st, body["error"]["field"]), (400, "state"))
        st, body, _ = s.request("GET", "/api/v1/oncall/overrides?schedule=nope", token=self.token)
        self.assertEqual((st, body["error"]["field"], body["error"]["message"]),
                         (400, "schedule", "unknown schedule 'nope'"))
        st, body, _ = s.request("DELETE", "/api/v1/oncall/overrides/OVR-9", token=self.token)
        self.assertEqual(st, 404)
        r = run_cli("oncall", "override", "create", "--schedule", "primary", "--person", "carol", "--end",
                    "2026-01-05T10:00:00Z", "--for", "1h", "--server", s.url, "--token", self.token)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
