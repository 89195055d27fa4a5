"""Configuration reload on a running server: POST /api/v1/admin/reload, `firebreak reload` and SIGHUP
read the configuration directory again. A valid one is audited and used by everything that starts
afterwards (a new service, a rotated integration key); an invalid one is refused with every problem
named by file and line, and the running configuration stays."""
import json
import os
import re
import shutil
import signal
import unittest

from harness import EXAMPLE_CONFIG, ServerTestCase, Sse, create_token, run_cli

LEDGER = """services:
  - id: ledger
    name: Ledger
    team: payments
    tier: 2
    dependencies: [db]
"""

# A dependency on a service that does not exist: the loader's error names the file and the line.
BROKEN = """services:
  - id: ledger2
    name: Ledger two
    dependencies: [no-such-service]
"""


class ConfigReloadTest(ServerTestCase):
    start_server = False

    def setUp(self):
        super().setUp()
        self.cfg = os.path.join(self.tmp, "config")
        shutil.copytree(EXAMPLE_CONFIG, self.cfg)
        self.server = self.new_server(config_dir=self.cfg)
        self.token = self.server.admin_token

    def write(self, name, text):
        with open(os.path.join(self.cfg, name), "w") as f:
            f.write(text)

    def declare(self, service):
        return self.server.request("POST", "/api/v1/incidents",
                                   {"title": "reload test", "severity": "SEV3", "services": [service]},
                                   token=self.token)

    def reload(self, token=None):
        return self.server.request("POST", "/api/v1/admin/reload", token=token or self.token)

    def metric(self, name, labels=""):
        st, text, _ = self.server.request("GET", "/metrics")
        self.assertEqual(st, 200)
        m = re.search(r"^%s%s (\S+)$" % (re.escape(name), re.escape(labels)), text, re.M)
        return float(m.group(1)) if m else None

    def reload_audit(self):
        st, body, _ = self.server.request("GET", "/api/v1/audit?action=config.reload", token=self.token)
        self.assertEqual(st, 200, body)
        return body["entries"]

    def test_a_valid_reload_is_used_and_an_invalid_one_changes_nothing(self):
        st, body, _ = self.declare("ledger")
        self.assertEqual(st, 400, body)

        self.write("zz-ledger.yaml", LEDGER)
        st, body, _ = self.reload()
        self.assertEqual(st, 200, body)
        self.assertTrue(body["reloaded"])
        self.assertTrue(body["changed"])
        self.assertEqual(body["services"], 15)
        self.assertEqual(body["restart_required"], [])
        first = body["fingerprint"]

        st, inc, _ = self.declare("ledger")
        self.assertEqual(st, 201, inc)
        self.assertIn("ledger", inc["services"])

        # The same files again: nothing changed, the fingerprint is the same.
        st, body, _ = self.reload()
        self.assertEqual(st, 200, body)
        self.assertFalse(body["changed"])
        self.assertEqual(body["fingerprint"], first)

        # A broken file: refused, naming the file and line; the running configuration stays.
        self.write("zz-broken.yaml", BROKEN)
        st, body, _ = self.reload()
        self.assertEqual(st, 400, body)
        self.assertEqual(body["error"]["field"], "config")
        self.assertRegex(body["error"]["message"], r"zz-broken\.yaml:\d+")
        self.assertIn("no-such-service", body["error"]["message"])
        self.assertIn("unchanged", body["error"]["message"])
        st, _, _ = self.declare("ledger")
        self.assertEqual(st, 201)
        st, _, _ = self.declare("ledger2")
        self.assertEqual(st, 400)

        # Audited: the two successful reloads, with the fingerprints; the refused one is not.
        entries = self.reload_audit()
        self.assertEqual(len(entries), 2, entries)
        self.assertTrue(all(e["actor"].startswith("person:") or e["actor"].startswith("token:") for e in entries))
        self.assertEqual({e["details"]["fingerprint"] for e in entries}, {first})

        self.assertEqual(self.metric("firebreak_config_reloads_total", '{result="success"}'), 2)
        self.assertEqual(self.metric("firebreak_config_reloads_total", '{result="failure"}'), 1)
        self.assertEqual(self.metric("firebreak_config_last_reload_successful"), 0)

        # Fixed: the next reload succeeds again.
        os.remove(os.path.join(self.cfg, "zz-broken.yaml"))
        st, body, _ = self.reload()
        self.assertEqual(st, 200, body)
        self.assertEqual(self.metric("firebreak_config_last_reload_successful"), 1)

    def test_a_removed_service_keeps_its_history_and_a_misspelt_filter_is_an_error(self):
        self.write("zz-ledger.yaml", LEDGER)
        self.assertEqual(self.reload()[0], 200)
        st, inc, _ = self.declare("ledger")
        self.assertEqual(st, 201, inc)
        os.remove(os.path.join(self.cfg, "zz-ledger.yaml"))
        st, body, _ = self.reload()
        self.assertEqual((st, body["services"]), (200, 14), body)
        self.assertEqual(self.declare("ledger")[0], 400)  # gone from the config: nothing new for it

        # Its history stays readable by the service filter, through the API and the CLI.
        st, body, _ = self.server.request("GET", "/api/v1/incidents?service=ledger", token=self.token)
        self.assertEqual(st, 200, body)
        self.assertEqual([i["id"] for i in body["incidents"]], [inc["id"]])
        env = {"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token}
        r = run_cli("incident", "list", "--service", "ledger", "--json", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([i["id"] for i in json.loads(r.stdout)["incidents"]], [inc["id"]])

        # A name neither configured nor stored is a 404 naming the field on every filtered read,
        # not an empty list that looks like "no incidents".
        for path in ("/api/v1/incidents", "/api/v1/alerts", "/api/v1/changes", "/api/v1/logs/templates",
                     "/api/v1/logs/patterns", "/api/v1/metrics/mttx", "/api/v1/metrics/series",
                     "/api/v1/anomalies", "/api/v1/trends", "/api/v1/error-patterns"):
            st, body, _ = self.server.request("GET", path + "?service=ledgr", token=self.token)
            self.assertEqual((st, body["error"]["field"]), (404, "service"), path)
            self.assertIn("unknown service 'ledgr'", body["error"]["message"], path)
        r = run_cli("incident", "list", "--service", "ledgr", env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown service 'ledgr' (not in the config, and nothing stored names it)", r.stderr)
        # So is an incident filter naming no incident; the incident that exists lists (empty or not).
        for path in ("/api/v1/alerts", "/api/v1/runs", "/api/v1/action-items"):
            st, body, _ = self.server.request("GET", path + "?incident=INC-404", token=self.token)
            self.assertEqual((st, body["error"]), (404, {"code": "not_found", "field": "incident",
                                                         "message": "incident 'INC-404' not found"}), path)
            st, body, _ = self.server.request("GET", path + "?incident=" + inc["id"], token=self.token)
            self.assertEqual(st, 200, path)

    def test_a_rotated_integration_key_takes_effect(self):
        path = os.path.join(self.cfg, "integrations.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("example-checkout-key", "rotated-checkout-key"))
        event = {"event_action": "trigger", "dedup_key": "rot-1",
                 "payload": {"summary": "checkout 5xx", "source": "checkout-1", "severity": "error"}}
        st, _, _ = self.server.request("POST", "/v2/enqueue", dict(event, routing_key="rotated-checkout-key"))
        self.assertEqual(st, 401)
        st, body, _ = self.reload()
        self.assertEqual(st, 200, body)
        st, body, _ = self.server.request("POST", "/v2/enqueue", dict(event, routing_key="rotated-checkout-key"))
        self.assertEqual(st, 202, body)
        st, body, _ = self.server.request("POST", "/v2/enqueue", dict(event, routing_key="example-checkout-key"))
        self.assertEqual(st, 401, body)

    def test_settings_read_at_start_are_named(self):
        path = os.path.join(self.cfg, "settings.yaml")
        with open(path) as f:
            text = f.read()
        self.assertNotIn("max_body_bytes", text)
        self.assertTrue(text.startswith("settings:"))  # one top-level section: append to it
        with open(path, "a") as f:
            f.write("\n  max_body_bytes: 2097152\n")
        st, body, _ = self.reload()
        self.assertEqual(st, 200, body)
        self.assertEqual(body["restart_required"], ["settings.max_body_bytes"])
        # The pager's delivery threads and rate limiter are set up when it starts.
        with open(path) as f:
            text = f.read()
        self.assertIn("    workers: 4", text)
        with open(path, "w") as f:
            f.write(text.replace("    workers: 4", "    workers: 2").replace("    burst: 20", "    burst: 5"))
        st, body, _ = self.reload()
        self.assertEqual(st, 200, body)
        self.assertEqual(body["restart_required"], ["settings.paging.workers", "settings.paging.burst"])

    def test_only_admin_may_reload(self):
        writer = create_token(self.data, "read,write")
        st, body, _ = self.reload(token=writer)
        self.assertEqual(st, 403, body)
        self.assertIn("admin", body["error"]["message"])
        self.assertEqual(self.reload_audit(), [])

    def test_cli_reload(self):
        env = {"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token}
        self.write("zz-ledger.yaml", LEDGER)
        r = run_cli("reload", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("reloaded, changed (15 services", r.stdout)
        self.write("zz-broken.yaml", BROKEN)
        r = run_cli("reload", env=env)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("zz-broken.yaml", r.stderr)

    def test_sighup_reloads(self):
        # The reload is announced on the event stream (topic "config"): wait for it there.
        sse = Sse(self.server.url, self.token)
        self.addCleanup(sse.close)
        self.assertEqual(sse.resp.status, 200)
        self.write("zz-ledger.yaml", LEDGER)
        self.server.proc.send_signal(signal.SIGHUP)
        for _ in range(100):
            ev = sse.next_event()
            if ev.get("event") == "config":
                break
        else:
            self.fail("no config event after SIGHUP")
        data = json.loads(ev["data"])["data"]
        self.assertTrue(data["changed"])
        self.assertEqual(data["services"], 15)
        entries = self.reload_audit()
        self.assertEqual([e["actor"] for e in entries], ["system:sighup"])
        st, body, _ = self.declare("ledger")
        self.assertEqual(st, 201, body)

if __name__ == "__main__":
    unittest.main()
