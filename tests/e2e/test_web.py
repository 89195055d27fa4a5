"""Web console server side: the SSE stream (auth, resume by Last-Event-ID, reset after a
restart), the public status page (no internals), assets with a strict CSP."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


class WebTest(harness.ServerTestCase):
    def declare(self, title, services=("checkout",), severity="SEV2"):
        st, body, _ = self.server.request("POST", "/api/v1/incidents", {"title": title, "severity": severity,
                                                                         "services": list(services)}, token=self.token)
        self.assertEqual(st, 201, body)
        return body

    def until(self, sse, pred):
        for _ in range(200):
            ev = sse.next_event()
            if pred(ev):
                return ev
        self.fail("event not seen")

    def test_stream_needs_a_token(self):
        sse = harness.Sse(self.server.url, None)
        self.assertEqual(sse.resp.status, 401)
        sse.close()

    def test_stream_pushes_changes_and_resumes_after_a_disconnect(self):
        sse = harness.Sse(self.server.url, self.token)
        self.assertEqual(sse.resp.status, 200)
        self.assertTrue(sse.resp.getheader("Content-Type").startswith("text/event-stream"))
        hello = sse.next_event()
        self.assertEqual(hello["event"], "hello")
        inc = self.declare("first")
        ev = self.until(sse, lambda e: e.get("event") == "incident")
        self.assertEqual(json.loads(ev["data"])["id"], inc["id"])
        last = ev["id"]
        sse.close()
        # Missed while disconnected: delivered on resume, in order, nothing before `last`.
        second = self.declare("second")
        self.server.request("POST", "/api/v1/incidents/%s/notes" % second["id"], {"text": "n1"}, token=self.token)
        sse = harness.Sse(self.server.url, self.token, last_id=last)
        seen = []
        while True:
            e = sse.next_event()
            if e.get("event") in ("hello", "reset"):
                self.assertEqual(e["event"], "hello")
                continue
            seen.append(e)
            d = json.loads(e["data"])
            if d["topic"] == "timeline" and d["data"].get("kind") == "note":
                break
        seqs = [int(e["id"].split(".")[1]) for e in seen]
        self.assertEqual(seqs, list(range(int(last.split(".")[1]) + 1, seqs[-1] + 1)))  # exactly the missed ones
        self.assertIn(second["id"], [json.loads(e["data"])["id"] for e in seen if e["event"] == "incident"])
        sse.close()

    def test_resume_across_a_restart_asks_for_a_reset(self):
        sse = harness.Sse(self.server.url, self.token)
        sse.next_event()
        self.declare("before restart")
        last = self.until(sse, lambda e: e.get("event") == "incident")["id"]
        sse.close()
        self.server.stop()
        self.server.start()
        sse = harness.Sse(self.server.url, self.token, last_id=last)
        self.assertEqual(sse.next_event()["event"], "reset")
        sse.close()

    def test_status_page_shows_external_updates_and_no_internals(self):
        inc = self.declare("db-9.corp.internal melted; bob@example.com paged", services=("payments",), severity="SEV1")
        st, _, _ = self.server.request("POST", "/api/v1/incidents/%s/notes" % inc["id"],
                                       {"text": "ssh db-9.corp.internal"}, token=self.token)
        self.assertEqual(st, 200)
        # Bad input names the field and writes nothing.
        st, body, _ = self.server.request("POST", "/api/v1/incidents/%s/status-updates" % inc["id"],
                                          {"status": "panicking", "text": "x"}, token=self.token)
        self.assertEqual((st, body["error"]["field"]), (400, "status"))
        st, body, _ = self.server.request("POST", "/api/v1/incidents/%s/status-updates" % inc["id"],
                                          {"status": "investigating", "text": "Some payments fail."}, token=self.token)
        self.assertEqual(st, 201, body)
        self.assertEqual(body["kind"], "status_update")
        st, html, headers = self.server.request("GET", "/status")
        self.assertEqual(st, 200)
        self.assertIn("script-src 'self'", headers["Content-Security-Policy"])
        st, doc, headers = self.server.request("GET", "/status.json")
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")
        for text in (html, json.dumps(doc)):
            self.assertIn("Some payments fail.", text)
            for secret in ("db-9", "bob@example.com", "melted", "ssh "):
                self.assertNotIn(secret, text)
        comps = {c["id"]: c["status"] for c in doc["components"]}
        self.assertEqual(comps["checkout"], "degraded_performance")  # in payments' blast radius
        self.assertNotIn("payments", comps)  # not customer-facing
        self.assertEqual(doc["incidents"][0]["updates"][0]["text"], "Some payments fail.")

    def test_assets_and_counts(self):
        st, html, h = self.server.request("GET", "/")
        self.assertEqual(st, 200)
        self.assertIn('src="/assets/app.js"', html)
        self.assertNotIn("unsafe-inline", h["Content-Security-Policy"])
        st, js, h = self.server.request("GET", "/assets/pages/incident.js")
        self.assertEqual(st, 200)
        self.assertTrue(h["Content-Type"].startswith("text/javascript"))
        self.assertNotIn("innerHTML", js)
        st, _, _ = self.server.request("GET", "/assets/pages/nope.js")
        self.assertEqual(st, 404)
        self.declare("one", severity="SEV1")
        st, c, _ = self.server.request("GET", "/api/v1/incidents/counts", token=self.token)
        self.assertEqual(st, 200)
        self.assertEqual(c["open"]["SEV1"], 1)
        self.assertEqual(c["open_total"], 1)


if __name__ == "__main__":
    unittest.main()
