"""Nothing acknowledged is lost: concurrent PagerDuty and Alertmanager senders, SIGKILL in the middle
of the load, restart, and every event that got a 2xx is in the store (counted one by one)."""
import http.client
import json
import sqlite3
import threading
import unittest

from harness import ServerTestCase

SENDERS = 8
KILL_AFTER = 600  # acknowledged events before the kill


class KillDuringIngest(ServerTestCase):
    def test_every_acknowledged_event_survives_sigkill(self):
        host, port = self.server.url.replace("http://", "").split(":")
        acked = []  # dedup keys / fingerprints that got a 2xx
        lock = threading.Lock()
        enough = threading.Event()
        stop = threading.Event()

        def sender(w):
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            n = 0
            while not stop.is_set():
                n += 1
                if n % 4 == 0:
                    # An Alertmanager webhook with three alerts.
                    fps = ["am-%d-%d-%d" % (w, n, i) for i in range(3)]
                    body = {"version": "4", "status": "firing", "alerts": [
                        {"status": "firing", "fingerprint": fp,
                         "labels": {"alertname": "Load", "instance": fp, "service": "search"}} for fp in fps]}
                    path, headers, keys = ("/api/v1/alerts/alertmanager",
                                           {"Authorization": "Bearer example-alertmanager-key"}, fps)
                else:
                    key = "pd-%d-%d" % (w, n)
                    body = {"routing_key": "example-checkout-key", "event_action": "trigger", "dedup_key": key,
                            "payload": {"summary": "load " + key, "source": "w%d" % w, "severity": "warning"}}
                    path, headers, keys = "/v2/enqueue", {}, [key]
                headers["Content-Type"] = "application/json"
                try:
                    conn.request("POST", path, body=json.dumps(body), headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                except (OSError, http.client.HTTPException):
                    return  # the server is gone
                if 200 <= resp.status < 300:
                    with lock:
                        acked.extend(keys)
                        if len(acked) >= KILL_AFTER:
                            enough.set()

        threads = [threading.Thread(target=sender, args=(w,), daemon=True) for w in range(SENDERS)]
        for t in threads:
            t.start()
        self.assertTrue(enough.wait(300), "the load did not reach %d acknowledged events" % KILL_AFTER)
        self.server.kill9()  # while the senders are still sending
        stop.set()
        for t in threads:
            t.join(60)
        with lock:
            acknowledged = list(acked)
        self.assertGreaterEqual(len(acknowledged), KILL_AFTER)

        s2 = self.new_server()
        con = sqlite3.connect("file:%s/firebreak.db?mode=ro" % self.data, uri=True)
        stored = {row[0].rsplit(":", 1)[1] for row in con.execute("SELECT key FROM alerts")}
        con.close()
        missing = [k for k in acknowledged if k not in stored]
        self.assertEqual(missing, [], "%d of %d acknowledged events were lost" % (len(missing), len(acknowledged)))
        # The restarted server works on the same data: repeats are deduplicated, the chain is intact.
        st, body, _ = s2.request("POST", "/v2/enqueue", {
            "routing_key": "example-checkout-key", "event_action": "trigger", "dedup_key": "pd-0-1",
            "payload": {"summary": "load pd-0-1", "source": "w0", "severity": "warning"}})
        if "pd-0-1" in acknowledged:
            self.assertEqual((st, body["result"]), (202, "repeat"), body)
        st, v, _ = s2.request("GET", "/api/v1/audit/verify", token=self.token)
        self.assertEqual((st, v["ok"]), (200, True), v)


if __name__ == "__main__":
    unittest.main()
