"""Foundation end to end: lifecycle over HTTP, durability across SIGKILL, audit tamper evidence,
refused requests changing nothing, HEAD, the CLI client, validate, and /metrics."""
import json
import os
import shutil
import socket
import sqlite3
import unittest

from harness import (EXAMPLE_CONFIG, ServerTestCase, create_token, db_counts, run_cli)

# Entries the pager adds to every timeline (escalation steps, pages, delivery receipts).
PAGING_KINDS = {"escalation", "page", "notification", "notification_retry", "notification_failed",
                "escalation_stale"}


def lifecycle(entries):
    return [e for e in entries if e["kind"] not in PAGING_KINDS]


class Lifecycle(ServerTestCase):
    def test_incident_survives_sigkill_with_timeline_and_intact_audit_chain(self):
        s, t = self.server, self.token
        self.assertTrue(t.startswith("fbt_"), "admin token printed on first start")
        st, inc, _ = s.request("POST", "/api/v1/incidents", {
            "title": "Checkout 500s", "severity": "SEV2", "services": ["checkout"],
            "impact": "5% of checkouts fail"}, token=t)
        self.assertEqual(st, 201, inc)
        self.assertEqual(inc["state"], "triggered")
        self.assertEqual(inc["severity"], "SEV2")
        self.assertEqual(inc["priority"], "P2")
        self.assertEqual(inc["blast_radius"], ["web"])
        iid = inc["id"]
        st, inc, _ = s.request("POST", "/api/v1/incidents/%s/acknowledge" % iid, {"note": "looking"}, token=t)
        self.assertEqual((st, inc["state"]), (200, "acknowledged"))
        st, inc, _ = s.request("POST", "/api/v1/incidents/%s/resolve" % iid, {"note": "rolled back"}, token=t)
        self.assertEqual((st, inc["state"]), (200, "resolved"))

        s.kill9()
        s2 = self.new_server()
        self.assertIsNone(s2.admin_token, "no new admin token once one exists")
        st, got, _ = s2.request("GET", "/api/v1/incidents/" + iid, token=t)
        self.assertEqual(st, 200)
        self.assertEqual(got["state"], "resolved")
        self.assertEqual(got["resolution_note"], "rolled back")
        st, tl, _ = s2.request("GET", "/api/v1/incidents/%s/timeline" % iid, token=t)
        entries = lifecycle(tl["entries"])
        # Resolving schedules the postmortem review (an action item written by the system).
        self.assertEqual([e["kind"] for e in entries], ["declared", "acknowledged", "resolved", "action_item"])
        self.assertTrue(all(e["actor"].startswith("token:") for e in entries[:3]))
        self.assertEqual(entries[3]["actor"], "system:report")
        self.assertIn("Postmortem review scheduled", entries[3]["text"])
        st, v, _ = s2.request("GET", "/api/v1/audit/verify", token=t)
        self.assertEqual((st, v["ok"]), (200, True))
        self.assertGreaterEqual(v["checked"], 4)  # token creation + 3 incident actions
        s2.stop()
        r = run_cli("audit", "verify", "--data", self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("intact", r.stdout)

    def test_filters_roles_notes_and_severity(self):
        s, t = self.server, self.token
        for title, sev, svc in [("DB slow", "SEV3", "db"), ("Search down", "SEV1", "search")]:
            st, _, _ = s.request("POST", "/api/v1/incidents", {"title": title, "severity": sev, "services": [svc]}, token=t)
            self.assertEqual(st, 201)
        st, lst, _ = s.request("GET", "/api/v1/incidents?service=db", token=t)
        self.assertEqual([i["title"] for i in lst["incidents"]], ["DB slow"])
        st, lst, _ = s.request("GET", "/api/v1/incidents?severity=SEV1&state=triggered", token=t)
        self.assertEqual([i["title"] for i in lst["incidents"]], ["Search down"])
        st, inc, _ = s.request("POST", "/api/v1/incidents/INC-1/roles",
                               {"role": "incident_commander", "person": "alice"}, token=t)
        self.assertEqual((st, inc["roles"]), (200, {"incident_commander": "alice"}))
        st, err, _ = s.request("POST", "/api/v1/incidents/INC-1/roles", {"role": "chef", "person": "alice"}, token=t)
        self.assertEqual((st, err["error"]["field"]), (400, "role"))
        st, _, _ = s.request("POST", "/api/v1/incidents/INC-1/notes", {"text": "replica lag 40s"}, token=t)
        self.assertEqual(st, 200)
        st, inc, _ = s.request("POST", "/api/v1/incidents/INC-1/severity", {"severity": "SEV2"}, token=t)
        self.assertEqual((st, inc["severity"]), (200, "SEV2"))
        st, err, _ = s.request("POST", "/api/v1/incidents/INC-1/severity", {"severity": "SEV4"}, token=t)
        self.assertEqual((st, err["error"]["field"]), (400, "reason"))
        st, tl, _ = s.request("GET", "/api/v1/incidents/INC-1/timeline", token=t)
        self.assertEqual([e["kind"] for e in lifecycle(tl["entries"])], ["declared", "role", "note", "severity"])
        # Paging through it: after an entry's id, at most `limit`; a value that is not one is refused.
        first = tl["entries"][0]["id"]
        st, page, _ = s.request("GET", "/api/v1/incidents/INC-1/timeline?after=%d&limit=2" % first, token=t)
        self.assertEqual([e["id"] for e in page["entries"]], [e["id"] for e in tl["entries"][1:3]])
        for q, field in [("limit=abc", "limit"), ("limit=0", "limit"), ("limit=4294967297", "limit"),
                         ("after=xyz", "after"), ("after=-1", "after"), ("lmit=5", "lmit")]:
            st, err, _ = s.request("GET", "/api/v1/incidents/INC-1/timeline?" + q, token=t)
            self.assertEqual((st, err["error"]["field"]), (400, field), q)


class RefusedRequests(ServerTestCase):
    def assertRefused(self, status, code, method, path, field=None, **kw):
        before = db_counts(self.data)
        st, body, _ = self.server.request(method, path, **kw)
        self.assertEqual(st, status, body)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body["error"]["code"], code, body)
        self.assertTrue(body["error"]["message"])
        if field:
            self.assertEqual(body["error"].get("field"), field, body)
        self.assertEqual(db_counts(self.data), before, "a refused request changed the store")

    def test_each_bad_request_gets_its_status_and_changes_nothing(self):
        t = self.token
        st, _, _ = self.server.request("POST", "/api/v1/incidents", {"title": "x", "services": ["web"]}, token=t)
        self.assertEqual(st, 201)
        reader = create_token(self.data, "read", person="bob", config=EXAMPLE_CONFIG)
        decl = {"title": "t", "severity": "SEV3"}
        self.assertRefused(401, "unauthenticated", "POST", "/api/v1/incidents", body=decl)
        self.assertRefused(401, "unauthenticated", "POST", "/api/v1/incidents", body=decl, token="fbt_nope_nope")
        self.assertRefused(401, "unauthenticated", "GET", "/api/v1/incidents")
        self.assertRefused(403, "permission_denied", "POST", "/api/v1/incidents", body=decl, token=reader)
        self.assertRefused(403, "permission_denied", "POST", "/api/v1/incidents/INC-1/acknowledge", token=reader)
        self.assertRefused(400, "invalid_argument", "POST", "/api/v1/incidents", field="body", raw='{"title": ', token=t)
        self.assertRefused(400, "invalid_argument", "POST", "/api/v1/incidents", field="title", body={"title": 5}, token=t)
        # A key given twice has two readings; the body is refused, naming it (not the last one kept).
        self.assertRefused(400, "invalid_argument", "POST", "/api/v1/incidents", field="severity", token=t,
                           raw='{"title": "x", "severity": "SEV1", "severity": "SEV4"}')
        self.assertRefused(400, "invalid_argument", "POST", "/api/v1/incidents", field="title", body={"severity": "SEV1"}, token=t)
        self.assertRefused(400, "invalid_argument", "POST", "/api/v1/incidents", field="severity",
                           body={"title": "x", "severity": "SEV9"}, token=t)
        self.assertRefused(400, "invalid_argument", "POST", "/api/v1/incidents", field="services[0]",
                           body={"title": "x", "services": ["nope"]}, token=t)
        self.assertRefused(400, "invalid_argument", "POST", "/api/v1/incidents", field="sevirity",
                           body={"title": "x", "sevirity": "SEV1"}, token=t)
        self.assertRefused(400, "invalid_argument", "POST", "/api/v1/incidents", field="body",
                           raw=b'{"title": "\xff\xfe"}', token=t)
        self.assertRefused(404, "not_found", "GET", "/api/v1/incidents/INC-404", token=t)
        self.assertRefused(404, "not_found", "POST", "/api/v1/incidents/INC-404/acknowledge", token=t)
        self.assertRefused(409, "failed_precondition", "POST", "/api/v1/incidents/INC-1/reopen", token=t)
        self.assertRefused(413, "too_large", "POST", "/api/v1/incidents",
                           raw='{"title": "%s"}' % ("x" * (2 << 20)), token=t)
        self.assertRefused(404, "not_found", "GET", "/api/v1/nothing-here", token=t)
        self.assertRefused(405, "method_not_allowed", "DELETE", "/api/v1/incidents", token=t)
        st, _, h = self.server.request("DELETE", "/api/v1/incidents", token=t)
        self.assertEqual(sorted(h.get("Allow", "").split(", ")), ["GET", "HEAD", "POST"])
        # The server still serves after all that.
        st, _, _ = self.server.request("GET", "/healthz")
        self.assertEqual(st, 200)


class HeadRequests(ServerTestCase):
    """HEAD is GET without the body (RFC 9110 9.3.2), on a keep-alive connection that goes on."""

    # A fixed clock: /healthz reports the time, so its length must not change between requests.
    extra_args = ("--clock", "manual=2026-01-05T08:00:00Z")

    def exchange(self, *requests):
        """Sends (method, path, headers) one after another on one connection, reading each answer
        before the next; the last asks to close, and nothing may follow its answer. Returns
        [(status, headers, body)]: a HEAD answer's body is whatever came before the next status line."""
        host, port = self.server.url.split("//")[1].rsplit(":", 1)
        out = []
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            buf = b""
            for i, (method, path, headers) in enumerate(requests):
                lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host]
                lines += ["%s: %s" % kv for kv in headers.items()]
                if i == len(requests) - 1:
                    lines.append("Connection: close")
                sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
                while b"\r\n\r\n" not in buf:
                    chunk = sock.recv(65536)
                    self.assertTrue(chunk, "connection closed before the answer to %s %s" % (method, path))
                    buf += chunk
                head, buf = buf.split(b"\r\n\r\n", 1)
                status_line, *fields = head.decode().split("\r\n")
                self.assertRegex(status_line, r"^HTTP/1\.1 \d{3} ", "not a status line: a body came before it?")
                hdrs = {k.lower(): v for k, v in (f.split(": ", 1) for f in fields)}
                body = b""
                if method != "HEAD":
                    n = int(hdrs["content-length"])
                    while len(buf) < n:
                        chunk = sock.recv(65536)
                        self.assertTrue(chunk, "connection closed inside a body")
                        buf += chunk
                    body, buf = buf[:n], buf[n:]
                out.append((int(status_line.split()[1]), hdrs, body))
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
            self.assertEqual(buf, b"", "bytes after the last answer")
        return out

    def test_head_answers_as_get_without_a_body_and_the_connection_goes_on(self):
        auth = {"Authorization": "Bearer " + self.token}
        (h_st, h, h_body), (g_st, g, g_body), (hi_st, hi, _), (gi_st, gi, gi_body) = self.exchange(
            ("HEAD", "/healthz", {}), ("GET", "/healthz", {}),
            ("HEAD", "/api/v1/incidents", auth), ("GET", "/api/v1/incidents", auth))
        self.assertEqual((h_st, g_st), (200, 200))
        self.assertEqual(h_body, b"")
        self.assertEqual(json.loads(g_body)["status"], "ok")
        self.assertEqual(int(h["content-length"]), len(g_body))
        self.assertEqual(h["content-type"], g["content-type"])
        # An authenticated GET route too, and the GET after it still parses.
        self.assertEqual((hi_st, gi_st), (200, 200))
        self.assertEqual(int(hi["content-length"]), len(gi_body))
        self.assertEqual(json.loads(gi_body)["incidents"], [])

    def test_head_is_refused_like_get_without_a_body(self):
        (un_st, un, un_body), (po_st, po, po_body), (g_st, _, g_body) = self.exchange(
            ("HEAD", "/api/v1/incidents", {}), ("HEAD", "/api/v1/alerts/alertmanager", {}),
            ("GET", "/api/v1/alerts/alertmanager", {}))
        self.assertEqual((un_st, un_body), (401, b""))
        self.assertEqual(un.get("www-authenticate"), "Bearer")
        self.assertGreater(int(un["content-length"]), 0)
        # A path with POST only: 405 naming what it allows; GET shows the body HEAD left out.
        self.assertEqual((po_st, po.get("allow"), po_body), (405, "POST", b""))
        self.assertEqual(g_st, 405)
        self.assertEqual(int(po["content-length"]), len(g_body))
        self.assertEqual(json.loads(g_body)["error"]["code"], "method_not_allowed")


class AuditTamper(ServerTestCase):
    def make_history(self):
        t = self.token
        for i in range(3):
            st, _, _ = self.server.request("POST", "/api/v1/incidents", {"title": "i%d" % i}, token=t)
            self.assertEqual(st, 201)
        self.server.stop()

    def copy_data(self, name):
        d = os.path.join(self.tmp, name)
        shutil.copytree(self.data, d)
        return d

    def tamper(self, data, sql):
        con = sqlite3.connect(os.path.join(data, "firebreak.db"))
        con.execute(sql)
        con.commit()
        con.close()

    def test_an_edited_row_is_named(self):
        self.make_history()
        d = self.copy_data("edited")
        self.tamper(d, "UPDATE audit SET actor = 'person:mallory' WHERE seq = 3")
        r = run_cli("audit", "verify", "--data", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("entry 3", r.stderr)
        self.assertIn("edited", r.stderr)

    def test_a_deleted_row_is_caught(self):
        self.make_history()
        d = self.copy_data("deleted")
        self.tamper(d, "DELETE FROM audit WHERE seq = 2")
        r = run_cli("audit", "verify", "--data", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("entry 2 is missing", r.stderr)

    def test_a_deleted_last_row_is_caught(self):
        self.make_history()
        d = self.copy_data("truncated")
        self.tamper(d, "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)")
        r = run_cli("audit", "verify", "--data", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing", r.stderr)

    def test_a_tail_cut_with_its_head_rewritten_is_caught_by_an_anchor(self):
        # Cutting the tail and copying the new last hash into the stored head passes a check that
        # only has the database; a head kept elsewhere (`audit head`) does not.
        self.make_history()
        anchor = run_cli("audit", "head", "--data", self.data).stdout.strip()
        self.assertEqual(run_cli("audit", "verify", "--data", self.data, "--anchor", anchor).returncode, 0)
        seq = int(anchor.split(":")[0])
        d = self.copy_data("cut")
        self.tamper(d, "DELETE FROM audit WHERE seq >= %d" % (seq - 1))
        self.tamper(d, "UPDATE meta SET value = (SELECT seq || ':' || hash FROM audit ORDER BY seq DESC LIMIT 1) "
                       "WHERE key = 'audit_head'")
        self.assertEqual(run_cli("audit", "verify", "--data", d).returncode, 0, "undetectable from inside")
        r = run_cli("audit", "verify", "--data", d, "--anchor", anchor)
        self.assertEqual(r.returncode, 1)
        self.assertIn("the anchored entry %d is missing" % seq, r.stderr)
        r = run_cli("audit", "verify", "--data", d, "--anchor", "12:nothex")
        self.assertEqual(r.returncode, 1)
        self.assertIn("anchor must be seq:hash", r.stderr)

    def test_an_anchor_taken_from_another_machine_catches_a_cut_tail_over_http(self):
        # The head is read over HTTP (where a cron job off this machine can keep it) and checked
        # over HTTP later, with the CLI's --server or the API directly.
        t, url = self.token, self.server.url
        for i in range(3):
            self.assertEqual(self.server.request("POST", "/api/v1/incidents", {"title": "i%d" % i}, token=t)[0], 201)
        r = run_cli("audit", "head", "--server", url, "--token", t)
        self.assertEqual(r.returncode, 0, r.stderr)
        anchor = r.stdout.strip()
        st, head, _ = self.server.request("GET", "/api/v1/audit/head", token=t)
        self.assertEqual((st, head["head"]), (200, anchor))
        self.assertEqual(run_cli("audit", "head", "--data", self.data).stdout.strip(), anchor)  # beside a server
        st, v, _ = self.server.request("GET", "/api/v1/audit/verify?anchor=" + anchor, token=t)
        self.assertEqual((st, v["ok"]), (200, True), v)
        r = run_cli("audit", "verify", "--server", url, "--token", t, "--anchor", anchor)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("anchored entry present", r.stdout)
        for q, field in (("anchor=12:nothex", "anchor"), ("anchor=", "anchor"), ("anchor=0:" + "0" * 64, "anchor"),
                         ("anchr=" + anchor, "anchr")):
            st, err, _ = self.server.request("GET", "/api/v1/audit/verify?" + q, token=t)
            self.assertEqual((st, err["error"]["field"]), (400, field), q)
        st, err, _ = self.server.request("GET", "/api/v1/audit/head?seq=1", token=t)
        self.assertEqual((st, err["error"]["field"]), (400, "seq"))

        seq = int(anchor.split(":")[0])
        self.server.stop()
        self.tamper(self.data, "DELETE FROM audit WHERE seq >= %d" % (seq - 1))
        self.tamper(self.data, "UPDATE meta SET value = (SELECT seq || ':' || hash FROM audit ORDER BY seq DESC "
                               "LIMIT 1) WHERE key = 'audit_head'")
        s2 = self.new_server()
        st, v, _ = s2.request("GET", "/api/v1/audit/verify", token=t)
        self.assertEqual((st, v["ok"]), (200, True), "undetectable from inside")
        st, v, _ = s2.request("GET", "/api/v1/audit/verify?anchor=" + anchor, token=t)
        self.assertEqual((st, v["ok"], v["bad_seq"]), (200, False, seq), v)
        self.assertIn("anchored", v["problem"])
        r = run_cli("audit", "verify", "--server", s2.url, "--token", t, "--anchor", anchor)
        self.assertEqual(r.returncode, 1)
        self.assertIn("audit chain BROKEN at entry %d" % seq, r.stderr)

    def test_json_output_and_intact_chain(self):
        self.make_history()
        r = run_cli("audit", "verify", "--data", self.data, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"ok": true', r.stdout)


class CliClient(ServerTestCase):
    def cli(self, *args):
        return run_cli(*args, env={"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token})

    def test_declare_list_ack_and_errors(self):
        r = self.cli("incident", "declare", "--title", "Payments timeouts", "--severity", "SEV1", "--service", "payments")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("INC-1", r.stdout)
        r = self.cli("incident", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Payments timeouts", r.stdout)
        self.assertIn("SEV1", r.stdout)
        r = self.cli("incident", "ack", "INC-1", "--note", "paged in")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("incident", "show", "INC-1", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"acknowledged"', r.stdout)
        r = self.cli("incident", "ack", "INC-99")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip().splitlines(), ["firebreak: error: incident 'INC-99' not found (field: id)"])
        r = self.cli("incident", "ack", "INC-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot acknowledge an incident that is acknowledged", r.stderr)
        # Closing: refused until the report is published and an action item is recorded (the API's rule).
        r = self.cli("incident", "resolve", "INC-1", "--note", "rolled back")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("state:        resolved", r.stdout)
        r = self.cli("incident", "close", "INC-1")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip().splitlines(),
                         ["firebreak: error: closing INC-1 requires a published post-incident report "
                          "(POST /api/v1/incidents/INC-1/postmortem/publish) (field: state)"])
        r = self.cli("postmortem", "publish", "INC-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("incident", "close", "INC-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("requires its remediation or follow-up action items", r.stderr)
        r = self.cli("action-item", "add", "INC-1", "--title", "Alert on payment timeouts", "--owner", "carol")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("incident", "close", "INC-1", "--note", "report published", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["state"], "closed")
        r = self.cli("incident", "show", "INC-1", "--json")
        shown = json.loads(r.stdout)
        self.assertEqual(shown["state"], "closed")
        closed = [e for e in shown["timeline"] if e["kind"] == "closed"]
        self.assertEqual(len(closed), 1, shown["timeline"])
        self.assertIn("report published", json.dumps(closed[0]))
        r = self.cli("incident", "close", "INC-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot close an incident that is closed", r.stderr)
        r = run_cli("incident", "list", "--server", self.server.url, env={"FIREBREAK_TOKEN": ""})  # no token
        self.assertEqual(r.returncode, 1)
        self.assertIn("set FIREBREAK_TOKEN or pass --token", r.stderr)
        r = run_cli("incident", "list", "--server", "http://127.0.0.1:1")
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("firebreak: error:"), r.stderr)

    def test_what_a_newcomer_reads(self):
        # Ids typed in lower case name the same incident, run, approval and override.
        r = self.cli("incident", "declare", "--title", "Payments timeouts", "--severity", "sev2", "--service", "payments")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("incident", "show", "inc-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("INC-1  Payments timeouts"), r.stdout)
        # Empty lists say so, in one line.
        self.assertEqual(self.cli("breaker", "list").stdout, "no circuit breakers tripped\n")
        self.assertEqual(self.cli("changes", "list", "--since", "6h").stdout, "no changes recorded in the window\n")
        self.assertEqual(self.cli("approval", "list").stdout, "no pending approvals\n")
        # The approval table has a header like the other tables.
        r = self.cli("runbook", "run", "restart-service", "--param", "service=web", "--incident", "inc-1",
                     "--rationale", "OOM", "--impact", "one pod at a time", "--rollback-plan", "none")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = self.cli("approval", "list").stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "STATE", "RUN", "RUNBOOK", "REQUESTED", "BY", "EXPIRES"])
        self.assertEqual(lines[1].split()[:4], ["APR-1", "pending", "RUN-1", "restart-service"])
        self.assertIn("APR-1", self.cli("approval", "show", "apr-1").stdout)
        # A page to responders asked outside the tiers is labelled as such, not "tier 0".
        r = self.cli("incident", "add-responders", "inc-1", "--person", "dave", "--message", "need a DBA")
        self.assertEqual(r.returncode, 0, r.stderr)
        pages = self.cli("incident", "pages", "INC-1").stdout
        self.assertRegex(pages, r"#\d+ +responders +\S+ +dave +requested by")
        self.assertNotIn("tier 0", pages)
        # An override without --replaces shows whom it replaces, as `oncall now` does.
        r = self.cli("oncall", "override", "create", "--schedule", "primary", "--person", "carol", "--for", "8h")
        self.assertEqual(r.returncode, 0, r.stderr)
        now = json.loads(self.cli("oncall", "now", "--json").stdout)
        primary = [x["on_call"] for x in now["schedules"] if x["id"] == "primary"][0]
        self.assertIn(primary["replaces"], ("alice", "bob"))
        row = self.cli("oncall", "override", "list").stdout.splitlines()[1].split()
        self.assertEqual(row[:4], ["OVR-1", "primary", "carol", primary["replaces"]])

    def test_every_subcommand_has_help(self):
        for args in (["serve"], ["validate"], ["token", "create"], ["incident", "list"], ["incident", "declare"],
                     ["incident", "close"],
                     ["audit", "verify"], ["version"]):
            r = run_cli(*args, "--help")
            self.assertEqual(r.returncode, 0, args)
            self.assertIn("Usage", r.stdout + r.stderr, args)


class CliTables(ServerTestCase):
    """The list commands' columns line up whatever the width of their cells: timestamps are 24
    characters with milliseconds and 20 without, and both kinds are in every table here."""
    T0 = "2026-01-05T08:00:00.250Z"  # Monday 09:00 in Paris, when alice's primary week starts
    extra_args = ("--clock", "manual=" + T0)

    def cli(self, *args):
        return run_cli(*args, env={"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token})

    def output(self, *args):
        r = self.cli(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def advance(self, d):
        st, body, _ = self.server.request("POST", "/api/v1/admin/clock", {"advance": d}, token=self.token)
        self.assertEqual(st, 200, body)
        return body["now"]

    def assertRow(self, line, starts, cells):
        """Each cell of LINE starts at its column's offset and is followed by a space or the end."""
        self.assertEqual(len(starts), len(cells))
        for start, cell in zip(starts, cells):
            self.assertEqual(line[start:start + len(cell)], cell, "column at %d of %r" % (start, line))
            self.assertIn(line[start - 1:start] if start else " ", (" ", ""), line)
            self.assertIn(line[start + len(cell):start + len(cell) + 1], (" ", ""), line)

    def assertTable(self, text, names, rows, skip=0):
        """TEXT's first line (after SKIP lines) is a header naming NAMES; the next lines hold ROWS."""
        lines = text.splitlines()[skip:]
        header, body = lines[0], lines[1:]
        starts, pos = [], 0
        for n in names:
            pos = header.index(n, pos)
            starts.append(pos)
            pos += len(n)
        self.assertEqual(len(body), len(rows), text)
        for line, cells in zip(body, rows):
            self.assertRow(line, starts, cells)
        return starts

    def test_columns_fit_their_widest_cell(self):
        self.assertEqual(self.output("incident", "declare", "--title", "Payments timeouts", "--severity", "SEV1",
                                     "--service", "payments").split()[0], "INC-1")
        st, body, _ = self.server.request("POST", "/api/v1/events", {
            "routing_key": "example-payments-key", "summary": "Payment latency high", "severity": "critical",
            "labels": {"alertname": "PaymentLatency"}})
        self.assertEqual(st, 202, body)
        r = self.cli("silence", "create", "-m", "alertname=Nothing", "--duration", "2h", "--comment", "now")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.advance("750ms"), "2026-01-05T08:00:01Z")
        self.output("incident", "declare", "--title", "Search down", "--severity", "SEV2", "--service", "search")
        st, body, _ = self.server.request("POST", "/api/v1/events", {
            "routing_key": "example-payments-key", "summary": "Refunds failing", "severity": "error",
            "labels": {"alertname": "RefundErrors"}})
        self.assertEqual(st, 202, body)
        r = self.cli("silence", "create", "-m", "alertname=Other", "--starts", "2026-01-05T09:00:00Z",
                     "--until", "2026-01-05T10:00:00.500Z", "--comment", "window")
        self.assertEqual(r.returncode, 0, r.stderr)

        incidents = json.loads(self.output("incident", "list", "--json"))["incidents"]
        self.assertEqual({len(i["created_at"]) for i in incidents}, {20, 24})
        self.assertTable(self.output("incident", "list"), ["ID", "SEV", "STATE", "CREATED", "SERVICES", "TITLE"],
                         [[i["id"], i["severity"], i["state"], i["created_at"], ",".join(i["services"]), i["title"]]
                          for i in incidents])

        alerts = json.loads(self.output("alerts", "list", "--json"))["alerts"]
        self.assertEqual({len(a["last_seen"]) for a in alerts}, {20, 24})
        text = self.output("alerts", "list")
        names = ["ID", "STATUS", "SEV", "INCIDENT", "SERVICE", "COUNT", "LAST SEEN", "SUMMARY / JOIN REASON"]
        lines = text.splitlines()
        starts = self.assertTable("\n".join(lines[:1] + lines[1::2]), names,
                                  [[str(a["id"]), a["status"], a["severity"], a["incident_id"] or "-", a["service"],
                                    str(a["count"]), a["last_seen"], a["summary"]] for a in alerts])
        for line, a in zip(lines[2::2], alerts):  # the join reason, under the summary
            self.assertRow(line, [starts[-1]], ["-> " + a["join_reason"]])

        silences = json.loads(self.output("silence", "list", "--state", "all", "--json"))["silences"]
        self.assertEqual({len(x["starts_at"]) for x in silences}, {20, 24})
        self.assertTable(self.output("silence", "list", "--state", "all"),
                         ["ID", "STATE", "STARTS", "ENDS", "MATCHERS", "COMMENT"],
                         [[x["id"], x["state"], x["starts_at"], x["ends_at"],
                           ",".join(m["name"] + m["op"] + m["value"] for m in x["matchers"]), x["comment"]]
                          for x in silences])

        # The first shift starts at --from (with milliseconds), the others on the hour.
        shifts = ("--schedule", "primary", "--from", self.T0, "--days", "14")
        doc = json.loads(self.output("oncall", "shifts", *shifts, "--json"))
        self.assertEqual({len(x["start"]) for x in doc["shifts"]}, {20, 24})
        self.assertTable(self.output("oncall", "shifts", *shifts), ["START", "END", "PERSON", "LAYER"],
                         [[x["start"], x["end"], x["person"], x["layer"]] for x in doc["shifts"]], skip=1)

        roster = ("--team", "platform", "--from", self.T0, "--days", "14")
        doc = json.loads(self.output("oncall", "roster", *roster, "--json"))
        text = self.output("oncall", "roster", *roster)
        for sched in doc["schedules"]:  # each schedule's shifts: no header, one offset per column
            lines = text.split("\nschedule %s " % sched["id"])[1].splitlines()[1:1 + len(sched["shifts"])]
            first = sched["shifts"][0]
            starts = [2, 2 + len(first["start"]) + 1, lines[0].index(" " + first["person"], 3) + 1]
            for line, x in zip(lines, sched["shifts"]):
                self.assertRow(line, starts, [x["start"], x["end"], x["person"]])
            self.assertTrue(any(len(x["start"]) == 24 for x in sched["shifts"]), sched)
        people = text[text.index("\nPERSON") + 1:]
        self.assertTable(people, ["PERSON", "NAME", "HOURS", "SHIFTS", "SCHEDULES"],
                         [[p["person"], p["name"], "%.1f" % (p["on_call_seconds"] / 3600), str(p["shifts"]),
                           ",".join(p["schedules"])] for p in doc["people"]])

        # Who is on call until when (shift ends with and without milliseconds), and the audit log.
        doc = json.loads(self.output("oncall", "now", "--at", "2026-01-05T08:00:00.250Z", "--json"))
        self.assertTable(self.output("oncall", "now", "--at", "2026-01-05T08:00:00.250Z"),
                         ["SCHEDULE", "ON CALL", "UNTIL", "LAYER"],
                         [[x["id"], "%s (%s)" % (x["on_call"]["person"], x["on_call"]["name"]), x["on_call"]["end"],
                           x["on_call"]["layer"] + (" for " + x["on_call"]["replaces"] if x["on_call"].get("override") else "")]
                          for x in doc["schedules"]])
        entries = json.loads(self.output("audit", "list", "--json"))["entries"]
        self.assertEqual({len(e["time"]) for e in entries}, {20, 24})
        self.assertTable(self.output("audit", "list"), ["SEQ", "TIME", "ACTOR", "ACTION", "TARGET"],
                         [[str(e["seq"]), e["time"], e["actor"], e["action"], e["target"]] for e in entries])


class Validate(ServerTestCase):
    start_server = False

    def test_three_independent_mistakes_are_all_reported(self):
        d = os.path.join(self.tmp, "cfg")
        shutil.copytree(EXAMPLE_CONFIG, d)

        def edit(name, old, new):
            p = os.path.join(d, name)
            with open(p) as f:
                text = f.read()
            self.assertIn(old, text)
            with open(p, "w") as f:
                f.write(text.replace(old, new, 1))

        edit("policies.yaml", "targets: [{ schedule: primary }]", "targets: [{ schedule: dba }]")
        edit("services.yaml", "      - payments\n", "      - paymnts\n")
        edit("people.yaml", "timezone: Europe/London", "timezone: Europe/Lndon")
        r = run_cli("validate", "--config", d)
        self.assertEqual(r.returncode, 1)
        errors = [l for l in r.stdout.splitlines() if ": error[" in l]
        self.assertEqual(len(errors), 3, r.stdout)
        self.assertRegex(errors[0], r"people\.yaml:\d+:\d+: error\[invalid-timezone\]")
        self.assertRegex(errors[1], r"policies\.yaml:\d+:\d+: error\[undefined-schedule\]: in policy 'platform': schedule 'dba' is not defined")
        self.assertRegex(errors[2], r"services\.yaml:\d+:\d+: error\[undefined-service\]")

    def test_the_example_config_is_valid(self):
        r = run_cli("validate", "--config", EXAMPLE_CONFIG)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("valid", r.stdout)


class Metrics(ServerTestCase):
    def test_metrics_report_requests_and_incidents_by_state(self):
        self.server.request("POST", "/api/v1/incidents", {"title": "x"}, token=self.token)
        st, text, h = self.server.request("GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertTrue(h["Content-Type"].startswith("text/plain"))
        self.assertIn('firebreak_incidents{state="triggered"} 1', text)
        self.assertIn('firebreak_http_requests_total{method="POST",route="/api/v1/incidents",status="201"} 1', text)
        self.assertIn("firebreak_http_request_duration_seconds_bucket", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
