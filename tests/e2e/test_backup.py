"""`firebreak backup` copies a data directory while the server runs on it. The copy is a data
directory of its own: a server started on it has every incident, alert, token and audit entry that
was committed before the backup, nothing after, and the same key for one-click page links."""
import json
import os
import unittest

from harness import Server, ServerTestCase, run_cli


class BackupTest(ServerTestCase):
    def declare(self, server, title):
        st, body, _ = server.request("POST", "/api/v1/incidents",
                                     {"title": title, "severity": "SEV3", "services": ["checkout"]},
                                     token=self.token)
        self.assertEqual(st, 201, body)
        return body["id"]

    def incident_ids(self, server):
        st, body, _ = server.request("GET", "/api/v1/incidents?limit=100", token=self.token)
        self.assertEqual(st, 200, body)
        return sorted(i["id"] for i in body["incidents"])

    def test_a_backup_taken_while_serving_restores_what_was_committed(self):
        self.declare(self.server, "before the backup")
        st, body, _ = self.server.request("POST", "/v2/enqueue", {
            "routing_key": "example-checkout-key", "event_action": "trigger", "dedup_key": "backup-1",
            "payload": {"summary": "checkout 5xx", "source": "checkout-1", "severity": "error"}})
        self.assertEqual(st, 202, body)
        before = self.incident_ids(self.server)

        to = os.path.join(self.tmp, "backup")
        r = run_cli("backup", "--data", self.data, "--to", to, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["incidents"], len(before))
        self.assertGreater(out["audit_entries_verified"], 0)
        self.assertIn("link.key", out["copied"])
        self.assertFalse(os.path.exists(os.path.join(to, "firebreak.db.partial")))

        after = self.declare(self.server, "after the backup")
        self.assertNotIn(after, before)

        restored = Server(to).start()
        self.servers.append(restored)
        self.assertEqual(self.incident_ids(restored), before)  # the admin token was restored too
        st, alerts, _ = restored.request("GET", "/api/v1/alerts", token=self.token)
        self.assertEqual(st, 200, alerts)
        self.assertIn("backup-1", [a["key"].split(":")[-1] for a in alerts["alerts"]])
        st, verify, _ = restored.request("GET", "/api/v1/audit/verify", token=self.token)
        self.assertEqual(st, 200, verify)
        self.assertTrue(verify["ok"], verify)
        with open(os.path.join(self.data, "link.key"), "rb") as a, open(os.path.join(to, "link.key"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual(os.stat(os.path.join(to, "link.key")).st_mode & 0o777, 0o600)

        # The restored server works on its own copy: the original is untouched by it.
        self.declare(restored, "on the restored copy")
        self.assertEqual(len(self.incident_ids(self.server)), len(before) + 1)

    def test_a_non_empty_target_is_refused(self):
        to = os.path.join(self.tmp, "occupied")
        os.makedirs(to)
        with open(os.path.join(to, "keep.txt"), "w") as f:
            f.write("mine")
        r = run_cli("backup", "--data", self.data, "--to", to)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("not empty", r.stderr)
        self.assertEqual(os.listdir(to), ["keep.txt"])

    def test_a_directory_without_a_database_is_refused(self):
        r = run_cli("backup", "--data", os.path.join(self.tmp, "nothing-here"), "--to", os.path.join(self.tmp, "b"))
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("no Firebreak database", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "b")))


if __name__ == "__main__":
    unittest.main()
