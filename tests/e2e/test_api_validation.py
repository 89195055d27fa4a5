"""Request validation through the real server: a body or query value a route does not take is a 4xx
whose JSON error names the field (or `body`, or the query parameter), and the request does
nothing; what a client legitimately sends (no body to a command that takes none, `{}`) still works."""
import unittest

from harness import ServerTestCase


class Validation(ServerTestCase):
    def req(self, method, path, body=None, raw=None):
        return self.server.request(method, path, body, token=self.token, raw=raw)

    def refused(self, method, path, field, body=None, raw=None, status=400):
        st, err, _ = self.req(method, path, body, raw)
        self.assertEqual(st, status, (method, path, body, raw, err))
        self.assertEqual(err["error"].get("field"), field, (method, path, body, raw, err))
        return err["error"]

    def declare(self):
        st, inc, _ = self.req("POST", "/api/v1/incidents", {"title": "t", "severity": "SEV3", "services": ["web"]})
        self.assertEqual(st, 201, inc)
        return inc["id"]

    def test_a_body_that_is_not_an_object_is_named_body(self):
        iid = self.declare()
        for raw in ("[]", '"str"', "123", "null"):
            e = self.refused("POST", "/api/v1/incidents", "body", raw=raw)
            self.assertIn("body must be a JSON object", e["message"])
            self.refused("POST", "/api/v1/changes", "body", raw=raw)
            self.refused("POST", "/api/v1/runbooks/match", "body", raw=raw)
        for raw in ("[]", '"str"', "123"):
            self.refused("POST", "/api/v1/incidents/%s/status-updates" % iid, "body", raw=raw)
        self.refused("POST", "/api/v1/changes", "body", raw="")
        self.assertEqual(len(self.req("GET", "/api/v1/incidents")[1]["incidents"]), 1)
        self.assertEqual(self.req("GET", "/api/v1/changes?since=30d")[1]["changes"], [])
        self.refused("POST", "/api/v1/runbooks/match", "severity", {"severity": "str"})
        self.refused("POST", "/api/v1/runbooks/dry-run", "rationale",
                     {"runbook": "restart-service", "params": {"service": "web"}, "rationale": "x" * 100_000})
        for oid in ("0", "abc", "OVR-0"):
            self.refused("GET", "/api/v1/oncall/overrides/" + oid, "id", status=404)
            self.refused("DELETE", "/api/v1/oncall/overrides/" + oid, "id", status=404)

    def test_bad_query_and_body_values_are_refused_naming_them(self):
        iid = self.declare()
        self.refused("GET", "/api/v1/metrics/series?from=abc", "from")
        self.refused("GET", "/api/v1/metrics/series?to=not-a-time", "to")
        self.refused("GET", "/api/v1/metrics/series/99999", "id", status=404)
        self.refused("GET", "/api/v1/metrics/series/99999?from=abc", "from")
        self.refused("GET", "/api/v1/logs/templates?errors=abc", "errors")
        self.refused("GET", "/api/v1/logs/patterns?service=web&errors=abc", "errors")
        self.refused("GET", "/api/v1/incidents/%s/log-patterns?errors=abc" % iid, "errors")
        self.refused("GET", "/api/v1/incidents/%s/report?format=md&envelope=abc" % iid, "envelope")
        self.refused("GET", "/api/v1/metrics/mttx?incidents=abc", "incidents")
        self.refused("GET", "/api/v1/anomalies?from=0", "from")
        self.refused("GET", "/api/v1/anomalies?to=0", "to")
        self.refused("POST", "/api/v1/runbooks/match", "limit", {"services": ["web"], "limit": -1})
        # The values they do take still work.
        st, env, _ = self.req("GET", "/api/v1/incidents/%s/report?format=md&envelope=1" % iid)
        self.assertEqual((st, env["format"]), (200, "md"), env)
        st, rep, _ = self.req("GET", "/api/v1/anomalies?from=1h&to=now")
        self.assertEqual(st, 200, rep)
        self.assertTrue(rep["from"] and rep["to"], rep)
        self.assertEqual(self.req("GET", "/api/v1/logs/templates?errors=1")[0], 200)
        self.assertEqual(self.req("GET", "/api/v1/incidents/%s/log-patterns?errors=0" % iid)[0], 200)

    def test_commands_that_take_no_body_refuse_a_malformed_one(self):
        iid = self.declare()
        for path in ("/api/v1/incidents/%s/analyze" % iid, "/api/v1/admin/reload"):
            self.refused("POST", path, "body", raw="{")
            self.refused("POST", path, "body", raw="not json")
            self.refused("POST", path, "body", raw="[]")
            self.refused("POST", path, "zz_unknown", {"zz_unknown": 1})
        # Nothing ran: no analysis, no reload audited.
        self.assertEqual(self.req("GET", "/api/v1/incidents/%s/hypotheses" % iid)[0], 404)
        self.assertEqual([e for e in self.req("GET", "/api/v1/audit?action=config.reload")[1]["entries"]], [])
        # No body (curl -X POST) and {} (what the CLI sends) still do.
        st, a, _ = self.req("POST", "/api/v1/incidents/%s/analyze" % iid, raw="")
        self.assertEqual(st, 200, a)
        st, a, _ = self.req("POST", "/api/v1/incidents/%s/analyze" % iid, {})
        self.assertEqual(st, 200, a)
        st, r, _ = self.req("POST", "/api/v1/admin/reload", raw="")
        self.assertEqual((st, r["reloaded"]), (200, True), r)
        # A heartbeat ping ignores its body (a cron job may post its output).
        st, hb, _ = self.server.request("POST", "/api/v1/heartbeats/prometheus-watchdog/ping?key=example-prometheus-key",
                                        raw="backup done: 3 files\n{")
        self.assertEqual((st, hb["state"]), (200, "up"), hb)

    def test_expiring_a_silence_takes_no_body(self):
        st, sil, _ = self.req("POST", "/api/v1/silences", {"matchers": ["service=web"], "duration": "1h", "comment": "c"})
        self.assertEqual(st, 201, sil)
        path = "/api/v1/silences/%s/expire" % sil["id"]
        self.refused("POST", path, "body", raw="{")
        self.refused("POST", path, "reason", {"reason": "done"})
        self.assertEqual(self.req("GET", "/api/v1/silences/" + sil["id"])[1]["state"], "active", "nothing expired")
        st, done, _ = self.req("POST", path, raw="")
        self.assertEqual((st, done["state"]), (200, "expired"), done)

    def test_long_text_number_times_and_control_characters_are_refused(self):
        iid = self.declare()
        big = "x" * 100_000
        self.refused("POST", "/api/v1/incidents/%s/services" % iid, "reason", {"services": ["checkout"], "reason": big})
        self.assertEqual(self.req("GET", "/api/v1/incidents/" + iid)[1]["services"], ["web"])
        self.refused("POST", "/api/v1/changes", "source", {"service": "web", "summary": "s", "source": big})
        self.refused("POST", "/api/v1/changes", "time", {"service": "web", "summary": "s", "time": 123})
        self.assertEqual(self.req("GET", "/api/v1/changes?since=30d")[1]["changes"], [])
        for t in ("1e308", "1e25"):
            self.refused("POST", "/api/v1/logs", "entries[0].time",
                         raw='{"service":"web","entries":[{"time":%s,"message":"m"}]}' % t)
        self.assertEqual(self.req("GET", "/api/v1/logs/templates")[1]["templates"], [])
        st, r, _ = self.req("POST", "/api/v1/logs", {"service": "web", "entries": [{"time": 1.7e9, "message": "m"}]})
        self.assertEqual((st, r["accepted"]), (200, 1), r)
        for title in (r"a\u0000b", r"a\nb", r"a\u001b[2Jb"):
            self.refused("POST", "/api/v1/incidents", "title",
                         raw='{"title":"%s","severity":"SEV3","services":["web"]}' % title)
        self.assertEqual(len(self.req("GET", "/api/v1/incidents")[1]["incidents"]), 1)


if __name__ == "__main__":
    unittest.main()
