"""Reports end to end: the real binary serving examples/config; an incident worked through the
HTTP API; status updates (external ones checked against planted values), the post-incident report
in JSON, Markdown (checked by markdownlint-cli from tests/lint) and HTML (rendered by headless
Chromium, whose screenshot must show the SVG timeline), the close rule, action items, MTTx through
the API, the CLI and /metrics."""
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

from harness import SRC, ServerTestCase, run_cli

CHROMIUM = "/usr/bin/chromium"
MARKDOWNLINT = os.path.join(SRC, "tests", "lint", "node_modules", ".bin", "markdownlint")

PLANTED = ["bob@example.com", "alice@example.com", "+33600000001", "db-primary-3", "prod.internal",
           "10.0.0.12", "Alice", "alice", "bob", "connection pool"]


def read_png(path):
    """Decodes an 8-bit RGB/RGBA, non-interlaced PNG into (width, height, channels, rows)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            channels = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        filt, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if filt == 1:
                line[x] = (line[x] + a) & 255
            elif filt == 2:
                line[x] = (line[x] + b) & 255
            elif filt == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def count_color(png, rgb, tol=6):
    width, height, channels, rows = png
    n = 0
    for row in rows:
        for x in range(0, width * channels, channels):
            if abs(row[x] - rgb[0]) <= tol and abs(row[x + 1] - rgb[1]) <= tol and abs(row[x + 2] - rgb[2]) <= tol:
                n += 1
    return n


def screenshot(html_path, png_path, profile):
    """Runs headless Chromium on a local file and waits for it to exit."""
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--hide-scrollbars", "--user-data-dir=" + profile, "--window-size=1100,1300",
                        "--screenshot=" + png_path, "file://" + html_path],
                       capture_output=True, text=True, timeout=180)
    if r.returncode != 0 or not os.path.exists(png_path):
        raise AssertionError("chromium failed: %s %s" % (r.returncode, r.stderr[-2000:]))


class Reports(ServerTestCase):
    def call(self, method, path, body=None, expect=200):
        st, out, headers = self.server.request(method, path, body, token=self.token)
        self.assertEqual(st, expect, out)
        return out

    def work_incident(self):
        inc = self.call("POST", "/api/v1/incidents", {
            "title": "Checkout errors on db-primary-3.prod.internal", "severity": "SEV2", "services": ["checkout"],
            "impact": "Customers cannot complete card checkout (reported by bob@example.com)"}, expect=201)
        iid = inc["id"]
        self.call("POST", "/api/v1/incidents/%s/severity" % iid, {"severity": "SEV1", "reason": "error rate 40%"})
        self.call("POST", "/api/v1/incidents/%s/acknowledge" % iid, {})
        self.call("POST", "/api/v1/incidents/%s/roles" % iid, {"role": "incident_commander", "person": "alice"})
        self.call("POST", "/api/v1/incidents/%s/notes" % iid,
                  {"text": "Errors from 10.0.0.12 to the connection pool; paging alice@example.com +33600000001"})
        self.call("POST", "/api/v1/incidents/%s/postmortem" % iid,
                  {"root_cause": "Connection pool exhausted after a deploy", "first_anomaly_at": "2020-01-01T00:00:00Z"})
        return iid

    def test_status_updates_report_formats_and_close_rule(self):
        iid = self.work_incident()
        # External updates: preview and posted, neither carries a planted value.
        ext = self.call("GET", "/api/v1/incidents/%s/status-update?audience=external" % iid)
        posted = self.call("POST", "/api/v1/incidents/%s/status-updates" % iid, {"audience": "external"}, expect=201)
        timeline = self.call("GET", "/api/v1/incidents/%s/timeline" % iid)["entries"]
        updates = [e for e in timeline if e["kind"] == "status_update" and e["data"].get("audience") == "external"]
        self.assertEqual(len(updates), 1, timeline)
        for blob in (json.dumps(ext), json.dumps(posted), json.dumps(updates[0])):
            for bad in PLANTED:
                self.assertNotIn(bad, blob)
        self.assertIn("Status: identified.", posted["text"])
        internal = self.call("GET", "/api/v1/incidents/%s/status-update" % iid)
        self.assertIn("[SEV1] %s" % iid, internal["text"])
        self.assertNotIn("bob@example.com", internal["text"])
        self.assertEqual(self.server.request("GET", "/api/v1/incidents/%s/status-update?audience=press" % iid,
                                             token=self.token)[0], 400)
        plan = self.call("GET", "/api/v1/incidents/%s/response-plan" % iid)
        self.assertEqual(plan["roles"][0]["person"], "Alice Moreau (alice)")

        self.call("POST", "/api/v1/incidents/%s/resolve" % iid, {"note": "pool raised"})
        st, err, _ = self.server.request("POST", "/api/v1/incidents/%s/close" % iid, {}, token=self.token)
        self.assertEqual(st, 409, err)
        self.assertIn("published post-incident report", err["error"]["message"])
        item = self.call("POST", "/api/v1/incidents/%s/action-items" % iid,
                         {"title": "Alert on pool saturation", "owner": "carol", "priority": "P1",
                          "due_at": "2020-01-02T00:00:00Z"}, expect=201)
        self.assertTrue(item["overdue"])
        st, err, _ = self.server.request("POST", "/api/v1/incidents/%s/action-items" % iid,
                                         {"title": "x", "priority": "urgent"}, token=self.token)
        self.assertEqual((st, err["error"]["field"]), (400, "priority"))
        # An incident that does not exist is a 404 naming the path's id, listing or adding.
        for method, body in (("GET", None), ("POST", {"title": "x"})):
            st, err, _ = self.server.request(method, "/api/v1/incidents/INC-404/action-items", body, token=self.token)
            self.assertEqual((st, err["error"]["code"], err["error"]["field"]), (404, "not_found", "id"), method)
        self.call("POST", "/api/v1/incidents/%s/postmortem" % iid,
                  {"went_well": ["Fast ack"], "went_poorly": ["Tier 1 silent"], "got_lucky": ["Low traffic"],
                   "five_whys": ["Pool exhausted", "Deploy doubled connections"]})
        self.call("POST", "/api/v1/incidents/%s/postmortem/publish" % iid)
        closed = self.call("POST", "/api/v1/incidents/%s/close" % iid, {})
        self.assertEqual(closed["state"], "closed")
        overdue = self.call("GET", "/api/v1/action-items?overdue=true")["action_items"]
        self.assertEqual([a["title"] for a in overdue], ["Alert on pool saturation"])

        # JSON report: documented schema, hand-checkable figures.
        doc = self.call("GET", "/api/v1/incidents/%s/report?format=json" % iid)
        self.assertEqual(doc["schema"], "firebreak.postmortem.v1")
        self.assertEqual(doc["summary"]["status"], "closed")
        self.assertEqual(doc["root_cause"]["text"], "Connection pool exhausted after a deploy")
        figures = {f["name"]: f for f in doc["metrics"]["figures"]}
        self.assertIsNotNone(figures["MTTA"]["seconds"])
        self.assertEqual(len(doc["remediation_items"]), 2)  # the review and ours
        self.assertNotIn("bob@example.com", json.dumps(doc))

        work = tempfile.mkdtemp(prefix="fbreport-")
        try:
            # Markdown passes markdownlint (repository config: line length off for tables).
            st, md, headers = self.server.request("GET", "/api/v1/incidents/%s/report?format=md" % iid, token=self.token)
            self.assertEqual(st, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/markdown"))
            md_path = os.path.join(work, "report.md")
            with open(md_path, "w") as f:
                f.write(md)
            if not os.path.exists(MARKDOWNLINT):
                self.fail("markdownlint-cli not installed: run `make test` (npm ci in tests/lint)")
            lint = subprocess.run([MARKDOWNLINT, "--config", os.path.join(SRC, "tests", "lint", "markdownlint.json"),
                                   md_path], capture_output=True, text=True, timeout=120)
            self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr + "\n" + md)
            # A broken document fails the same lint (the check can fail).
            with open(os.path.join(work, "bad.md"), "w") as f:
                f.write(md.replace("## Summary\n\n", "## Summary\n", 1) + "\n\n\n")
            bad = subprocess.run([MARKDOWNLINT, "--config", os.path.join(SRC, "tests", "lint", "markdownlint.json"),
                                  os.path.join(work, "bad.md")], capture_output=True, text=True, timeout=120)
            self.assertNotEqual(bad.returncode, 0)

            # HTML: self-contained, rendered by headless Chromium; the timeline's colours are on screen.
            st, html, _ = self.server.request("GET", "/api/v1/incidents/%s/report?format=html" % iid, token=self.token)
            self.assertEqual(st, 200)
            self.assertNotIn("http://", html.replace('xmlns="http://www.w3.org/2000/svg"', ""))
            self.assertNotIn("https://", html)
            html_path = os.path.join(work, "report.html")
            with open(html_path, "w") as f:
                f.write(html)
            start = html.index('<div id="timeline">')
            end = html.index("</div>", start)
            bare_path = os.path.join(work, "bare.html")
            with open(bare_path, "w") as f:
                f.write(html[:start] + '<div id="timeline"></div>' + html[end + 6:])
            screenshot(html_path, os.path.join(work, "report.png"), os.path.join(work, "profile1"))
            screenshot(bare_path, os.path.join(work, "bare.png"), os.path.join(work, "profile2"))
            shot, bare = read_png(os.path.join(work, "report.png")), read_png(os.path.join(work, "bare.png"))
            sev1_band = (0xd7, 0x26, 0x3d)   # SEV1 band
            ack_marker = (0x0b, 0x6e, 0x4f)  # acknowledgement lane marker
            self.assertGreater(count_color(shot, sev1_band), 500, "SEV1 band not on screen")
            self.assertGreater(count_color(shot, ack_marker), 20, "ack marker not on screen")
            for colour in (sev1_band, ack_marker):
                self.assertEqual(count_color(bare, colour), 0, "colour %s appears without the timeline" % (colour,))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def test_similar_past_incidents_over_http_and_the_cli(self):
        """The same fault again finds the earlier incident first, with its root cause and how long it
        took; an unrelated one is not listed; bad requests name the field."""
        first = self.work_incident()
        self.call("POST", "/api/v1/incidents/%s/resolve" % first, {"note": "rolled the deploy back"})
        self.call("POST", "/api/v1/incidents", {"title": "Certificate expiring", "severity": "SEV4",
                                                 "services": ["auth"]}, expect=201)
        again = self.call("POST", "/api/v1/incidents", {"title": "Checkout errors again", "severity": "SEV2",
                                                         "services": ["checkout"]}, expect=201)["id"]
        out = self.call("GET", "/api/v1/incidents/%s/similar" % again)
        self.assertEqual([x["id"] for x in out["similar"]], [first])
        top = out["similar"][0]
        self.assertEqual((top["root_cause"], top["resolution_note"], top["state"]),
                         ("Connection pool exhausted after a deploy", "rolled the deploy back", "resolved"))
        self.assertEqual((top["shared"]["services"], top["shared"]["words"]), (["checkout"], ["checkout", "errors"]))
        self.assertIsInstance(top["resolve_seconds"], int)
        r = run_cli("incident", "similar", again, "--server", self.server.url, "--token", self.token)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(first, r.stdout)
        self.assertIn("same services: checkout", r.stdout)
        self.assertIn("root cause: Connection pool exhausted after a deploy", r.stdout)
        for path, code, field in (("/api/v1/incidents/%s/similar?limit=0" % again, 400, "limit"),
                                  ("/api/v1/incidents/%s/similar?limit=x" % again, 400, "limit"),
                                  ("/api/v1/incidents/%s/similar?since=1d" % again, 400, "since"),
                                  ("/api/v1/incidents/INC-999/similar", 404, "id")):
            err = self.call("GET", path, expect=code)
            self.assertEqual(err["error"]["field"], field, path)

    def test_cli_status_metrics_and_prometheus(self):
        iid = self.work_incident()
        env = {"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token}
        r = run_cli("report", iid, "--format", "md", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("# Post-incident report: %s" % iid, r.stdout)
        r = run_cli("report", iid, "--format", "json", env=env)
        self.assertEqual(json.loads(r.stdout)["summary"]["id"], iid)
        r = run_cli("status", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Defense level: RED", r.stdout)  # the open SEV1
        self.assertRegex(r.stdout, r"Components: +incidents RED, utilization \w+, coverage \w+")
        self.assertIn(iid, r.stdout)
        r = run_cli("metrics", "mttx", "--by", "service", "--since", "30d", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[1].startswith("KEY"), r.stdout)
        self.assertTrue(any(l.startswith("checkout ") for l in lines), r.stdout)
        r = run_cli("metrics", "mttx", "--by", "planet", env=env)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("by must be one of", r.stderr)
        mttx = self.call("GET", "/api/v1/metrics/mttx?by=severity&since=30d&incidents=1")
        self.assertEqual([g["key"] for g in mttx["groups"]], ["SEV1"])
        self.assertEqual(mttx["incident_rows"][0]["incident_id"], iid)
        st, prom, _ = self.server.request("GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertIn('firebreak_mttx_seconds{metric="mtta",severity="SEV1"}', prom)
        self.assertIn("firebreak_action_items_open", prom)


if __name__ == "__main__":
    unittest.main()
