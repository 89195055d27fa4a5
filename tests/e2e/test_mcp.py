"""MCP end to end: the official TypeScript SDK client over stdio, the Streamable HTTP transport on
`firebreak serve` (sessions, SSE, subscriptions through the GET stream), and the security rules:
scopes from the token, no approval path, DNS-rebinding protection, malformed JSON-RPC answered
with the right error while the server keeps serving, and one owner per data directory."""
import http.client
import json
import os
import queue
import re
import subprocess
import threading
import unittest
import urllib.parse

from harness import BIN, EXAMPLE_CONFIG, SRC, ServerTestCase, create_token, run_cli

NODE_MODULES = os.path.join(SRC, "tests", "node_modules")
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e-agent", "version": "1"}}


def sse_messages(text):
    """JSON messages carried by an SSE body."""
    out = []
    for block in text.split("\n\n"):
        data = [l[5:].lstrip() for l in block.split("\n") if l.startswith("data:")]
        if data and "".join(data).strip():
            out.append(json.loads("\n".join(data)))
    return out


class McpHttp:
    """A minimal Streamable HTTP client (one connection per request, like a browser would)."""

    def __init__(self, url, token=None, origin=None):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.token, self.origin = token, origin
        self.session = None
        self.next_id = 1

    def headers(self, extra=None):
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if self.session:
            h["Mcp-Session-Id"] = self.session
            h["MCP-Protocol-Version"] = "2025-11-25"
        if self.origin:
            h["Origin"] = self.origin
        h.update(extra or {})
        return h

    def post_raw(self, body, headers=None):
        """Returns (status, headers, [messages] or parsed JSON body)."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        c.request("POST", "/mcp", body=body, headers=self.headers(headers))
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        ctype = r.getheader("Content-Type", "")
        if ctype.startswith("text/event-stream"):
            msgs = sse_messages(text)
        elif text.strip():
            msgs = [json.loads(text)]
        else:
            msgs = []
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), msgs

    def request(self, method, params=None, headers=None):
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        status, hdrs, msgs = self.post_raw(json.dumps(msg), headers)
        final = [m for m in msgs if m.get("id") == rid]
        return status, hdrs, msgs, (final[0] if final else None)

    def initialize(self, name="e2e-agent"):
        init = dict(INIT, clientInfo={"name": name, "version": "1"})
        status, hdrs, _, resp = self.request("initialize", init)
        assert status == 200, (status, resp)
        self.session = hdrs["mcp-session-id"]
        st, _, _ = self.post_raw(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        assert st == 202, st
        return resp["result"]

    def call(self, tool, args=None):
        status, _, msgs, resp = self.request("tools/call", {"name": tool, "arguments": args or {}})
        assert status == 200, (status, msgs)
        return resp

    def open_get_stream(self):
        """Opens the GET stream; returns a queue of messages received on it."""
        q = queue.Queue()
        c = http.client.HTTPConnection(self.host, self.port, timeout=60)
        h = self.headers({"Accept": "text/event-stream"})
        h.pop("Content-Type")
        c.request("GET", "/mcp", headers=h)
        r = c.getresponse()
        q.put(("status", r.status))

        def pump():
            buf = ""
            try:
                while True:
                    line = r.readline()
                    if not line:
                        break
                    buf += line.decode()
                    if buf.endswith("\n\n"):
                        for m in sse_messages(buf):
                            q.put(("message", m))
                        if buf.startswith(":"):
                            q.put(("comment", buf.strip()))
                        buf = ""
            except OSError:
                pass
            q.put(("closed", None))

        threading.Thread(target=pump, daemon=True).start()
        self._get_conn = c
        return q


def node_available():
    return os.path.exists(os.path.join(NODE_MODULES, "@modelcontextprotocol", "sdk"))


def run_sdk_scenario(test, data_dir, token, mcp_args=None):
    """Runs tests/mcp/sdk_stdio_client.mjs; returns its summary after checking it."""
    if not node_available():
        test.fail("MCP SDK not installed: run `make test` (or `npm ci` in tests/)")
    env = dict(os.environ, FIREBREAK_BIN=BIN if os.path.isabs(BIN) else os.path.abspath(BIN),
               FB_CONFIG=EXAMPLE_CONFIG, FB_DATA=data_dir, FB_TOKEN=token)
    if mcp_args:
        env["FB_MCP_ARGS"] = json.dumps(mcp_args)
    r = subprocess.run(["node", os.path.join(SRC, "tests", "mcp", "sdk_stdio_client.mjs")],
                       capture_output=True, text=True, env=env, cwd=os.path.join(SRC, "tests"), timeout=120)
    test.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    test.assertEqual(summary["server"]["name"], "firebreak")
    for t in ("get_system_status", "list_incidents", "get_incident", "get_timeline", "list_services",
              "get_blast_radius", "get_audit_log", "create_incident", "acknowledge_incident",
              "resolve_incident", "add_note", "set_severity", "assign_role", "escalate_incident"):
        test.assertIn(t, summary["tools"])
    test.assertEqual(summary["update_uri"], "incident://%s/timeline" % summary["incident"])
    # The incident's own entries (paging adds escalation, page and notification entries around them).
    paging = ("escalation", "page", "notification", "repeat")
    test.assertEqual([k for k in summary["timeline_kinds_after"] if not k.startswith(paging)], ["declared", "note"])
    test.assertIn("(field: severity)", summary["input_error"])
    test.assertEqual(summary["unknown_tool_code"], -32602)
    test.assertEqual(summary["prompt_messages"], 3)
    test.assertTrue(summary["proposal_note"].startswith("Proposal from agent:sdk-e2e (HIGH risk, not executed)"),
                    summary["proposal_note"])
    # A HIGH runbook: a pending approval handle the agent can poll and never approve.
    test.assertIn("restart-service", summary["runbooks_found"])
    test.assertEqual(summary["runbook_request"]["state"], "pending_approval")
    test.assertRegex(summary["runbook_request"]["approval_id"], r"^APR-\d+$")
    test.assertRegex(summary["runbook_request"]["run_id"], r"^RUN-\d+$")
    test.assertEqual(summary["approval_state"], "pending")
    test.assertEqual(summary["approval_requested_by"], "agent:sdk-e2e")
    test.assertEqual(summary["runbook_entry_kinds"], ["runbook_requested", "approval_requested"])
    return summary


def agent_audit(data_dir):
    import sqlite3
    con = sqlite3.connect("file:%s/firebreak.db?mode=ro" % data_dir, uri=True)
    rows = con.execute("SELECT actor, action, details FROM audit WHERE action LIKE 'mcp.%' OR "
                       "action LIKE 'incident.%' ORDER BY seq").fetchall()
    con.close()
    return rows


class StdioWithOfficialSdk(ServerTestCase):
    start_server = False

    def test_sdk_client_lists_declares_reads_and_gets_subscription_update(self):
        token = create_token(self.data, "read,write", person="alice", config=EXAMPLE_CONFIG)
        run_sdk_scenario(self, self.data, token)
        # Every tool call was audited as the agent, with the token and person behind it.
        r = run_cli("audit", "verify", "--data", self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = agent_audit(self.data)
        self.assertEqual({a for a, _, _ in rows}, {"agent:sdk-e2e"})
        calls = [json.loads(d) for _, a, d in rows if a == "mcp.tool_call"]
        self.assertEqual([c["tool"] for c in calls], ["create_incident", "add_note", "simulate_load_shedding",
                                                      "propose_action", "find_runbooks", "request_runbook_run",
                                                      "get_approval", "set_severity", "approve_runbook"])
        self.assertTrue(all(c["person"] == "alice" and c["token"].startswith("t_") for c in calls))
        self.assertEqual([c["ok"] for c in calls], [True] * 7 + [False, False])
        self.assertEqual(calls[-1]["error"], "unknown_tool")
        self.assertIn("incident.declare", [a for _, a, _ in rows])
        self.assertEqual(len([a for _, a, _ in rows if a == "mcp.proposal"]), 1)


class StdioBridgeToServer(ServerTestCase):
    def test_sdk_scenario_through_the_stdio_bridge_while_the_server_owns_the_data(self):
        token = create_token(self.data, "read,write", person="dave", config=EXAMPLE_CONFIG)
        run_sdk_scenario(self, self.data, token, ["mcp", "--server", self.server.url])
        rows = agent_audit(self.data)
        self.assertEqual({a for a, _, _ in rows}, {"agent:sdk-e2e"})
        calls = [json.loads(d) for _, a, d in rows if a == "mcp.tool_call"]
        self.assertEqual([c["person"] for c in calls], ["dave"] * 9)

    def test_bridge_answers_even_when_the_server_refuses(self):
        p = subprocess.run([BIN, "mcp", "--server", self.server.url],
                           input=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INIT}) + "\n",
                           capture_output=True, text=True, env=dict(os.environ, FIREBREAK_TOKEN="fbt_bad_token"),
                           cwd=SRC, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout.splitlines()[0])
        self.assertEqual(out["id"], 1)
        self.assertIn("token", out["error"]["message"])


class StdioProtocol(ServerTestCase):
    start_server = False

    def run_mcp(self, lines, token=None, extra_env=None):
        token = token or create_token(self.data, "read", person="bob", config=EXAMPLE_CONFIG)
        env = dict(os.environ, FIREBREAK_TOKEN=token, **(extra_env or {}))
        data = "".join(l if isinstance(l, str) else l.decode("latin-1") for l in lines)
        p = subprocess.run([BIN, "mcp", "--config", EXAMPLE_CONFIG, "--data", self.data],
                           input=data.encode("latin-1") if isinstance(data, str) else data,
                           capture_output=True, env=env, cwd=SRC, timeout=60)
        out = [json.loads(l) for l in p.stdout.decode().splitlines()]
        return p.returncode, out, p.stderr.decode()

    def test_malformed_messages_get_the_right_errors_and_the_server_keeps_serving(self):
        init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INIT}) + "\n"
        huge = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "ping", "params": {"x": "a" * (5 << 20)}}) + "\n"
        lines = [
            init,
            "this is not json\n",                                              # parse error
            '{"jsonrpc":"1.0","id":2,"method":"ping"}\n',                      # bad version
            '{"jsonrpc":"2.0","method":"ping","id":null}\n',                   # null id
            '{"jsonrpc":"2.0","id":3,"method":42}\n',                          # wrong type
            '{"jsonrpc":"2.0","id":4,"method":"tools/list","params":[1]}\n',   # positional params
            '[{"jsonrpc":"2.0","id":5,"method":"ping"}]\n',                    # batch
            b'{"jsonrpc":"2.0","id":6,"method":"ping","params":{"x":"\xff\xfe"}}\n',  # invalid UTF-8
            huge,                                                              # over 4 MiB
            '{"jsonrpc":"2.0","id":7,"method":"no/such/method"}\n',            # unknown method
            '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"nope"}}\n',  # unknown tool
            '{"jsonrpc":"2.0","id":10,"method":"ping"}\n',                     # still serving
        ]
        code, out, err = self.run_mcp(lines)
        self.assertEqual(code, 0, err)
        by_id = {}
        anonymous = []
        for m in out:
            if m.get("id") is None:
                anonymous.append(m["error"]["code"])
            else:
                by_id[m["id"]] = m
        self.assertEqual(by_id[1]["result"]["protocolVersion"], "2025-11-25")
        # Parse errors (bad JSON, bad UTF-8) have no id to answer; nor do the null id, batch and
        # oversized messages.
        self.assertEqual(sorted(anonymous), sorted([-32700, -32600, -32600, -32700, -32600]))
        self.assertEqual(by_id[2]["error"]["code"], -32600)
        self.assertEqual(by_id[3]["error"]["code"], -32600)
        self.assertEqual(by_id[4]["error"]["code"], -32600)
        self.assertEqual(by_id[7]["error"]["code"], -32601)
        self.assertEqual(by_id[8]["error"]["code"], -32602)
        self.assertEqual(by_id[10]["result"], {})
        self.assertNotIn(9, by_id)

    def test_read_only_token_sees_no_write_tools_and_cannot_call_them(self):
        init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INIT}) + "\n"
        lines = [init,
                 '{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n',
                 '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"create_incident",'
                 '"arguments":{"title":"x","severity":"SEV1"}}}\n']
        code, out, err = self.run_mcp(lines)
        by_id = {m["id"]: m for m in out if "id" in m}
        names = [t["name"] for t in by_id[2]["result"]["tools"]]
        self.assertIn("get_incident", names)
        self.assertNotIn("create_incident", names)
        self.assertTrue(all(t["annotations"]["readOnlyHint"] for t in by_id[2]["result"]["tools"]))
        res = by_id[3]["result"]
        self.assertTrue(res["isError"])
        self.assertIn("'write' scope", res["content"][0]["text"])
        import sqlite3
        con = sqlite3.connect("file:%s/firebreak.db?mode=ro" % self.data, uri=True)
        self.assertEqual(con.execute("SELECT COUNT(*) FROM incidents").fetchone()[0], 0)
        con.close()

    def test_version_negotiation_and_missing_token(self):
        lines = [json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                             "params": dict(INIT, protocolVersion="2025-03-26")}) + "\n",
                 '{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n',
                 # 2025-03-26 has batches: one array of responses (notifications get none).
                 '[{"jsonrpc":"2.0","id":3,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},'
                 '{"jsonrpc":"1.0","id":4},{"jsonrpc":"2.0","id":5,"method":"tools/call",'
                 '"params":{"name":"get_system_status","arguments":{}}}]\n']
        code, out, err = self.run_mcp(lines)
        self.assertEqual(out[0]["result"]["protocolVersion"], "2025-03-26")
        # 2025-03-26 has no titles or output schemas.
        self.assertNotIn("outputSchema", out[1]["result"]["tools"][0])
        batch = out[2]
        self.assertIsInstance(batch, list)
        by_id = {m["id"]: m for m in batch}
        self.assertEqual(set(by_id), {3, 4, 5})
        self.assertEqual(by_id[3]["result"], {})
        self.assertEqual(by_id[4]["error"]["code"], -32600)
        self.assertNotIn("structuredContent", by_id[5]["result"])
        self.assertIn("defense_level", by_id[5]["result"]["content"][0]["text"])
        code, out, err = self.run_mcp([json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                                   "params": dict(INIT, protocolVersion="1999-01-01")}) + "\n"])
        self.assertEqual(out[0]["result"]["protocolVersion"], "2025-11-25")
        p = subprocess.run([BIN, "mcp", "--config", EXAMPLE_CONFIG, "--data", self.data], input=b"",
                           capture_output=True, env={k: v for k, v in os.environ.items() if k != "FIREBREAK_TOKEN"},
                           cwd=SRC, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, b"")
        self.assertIn(b"FIREBREAK_TOKEN", p.stderr)


class HttpTransport(ServerTestCase):
    def test_session_lifecycle_and_header_checks(self):
        c = McpHttp(self.server.url, self.token)
        info = c.initialize()
        self.assertEqual(info["serverInfo"]["name"], "firebreak")
        st, _, _, resp = c.request("tools/list")
        self.assertEqual(st, 200)
        self.assertIn("create_incident", [t["name"] for t in resp["result"]["tools"]])
        # Unsupported protocol version header -> 400; missing session -> 400; unknown -> 404.
        st, _, msgs, _ = c.request("ping", headers={"MCP-Protocol-Version": "1999-01-01"})
        self.assertEqual(st, 400)
        sid = c.session
        c.session = None
        st, _, msgs, _ = c.request("ping")
        self.assertEqual(st, 400, msgs)
        c.session = "0" * 32
        st, _, _, _ = c.request("ping")
        self.assertEqual(st, 404)
        # Another token cannot use this session.
        other = create_token(self.data, "read,write")
        c2 = McpHttp(self.server.url, other)
        c2.session = sid
        st, _, _, _ = c2.request("ping")
        self.assertEqual(st, 404)
        # DELETE ends it.
        c.session = sid
        conn = http.client.HTTPConnection(c.host, c.port, timeout=30)
        conn.request("DELETE", "/mcp", headers=c.headers())
        self.assertEqual(conn.getresponse().status, 200)
        st, _, _, _ = c.request("ping")
        self.assertEqual(st, 404)

    def test_batches_only_in_2025_03_26_sessions(self):
        batch = json.dumps([{"jsonrpc": "2.0", "id": 10, "method": "ping"},
                            {"jsonrpc": "2.0", "id": 11, "method": "tools/list"}])
        modern = McpHttp(self.server.url, self.token)
        modern.initialize()
        st, _, msgs = modern.post_raw(batch)
        self.assertEqual((st, msgs[0]["error"]["code"]), (400, -32600))
        old = McpHttp(self.server.url, self.token)
        st, hdrs, _, resp = old.request("initialize", dict(INIT, protocolVersion="2025-03-26"))
        self.assertEqual(resp["result"]["protocolVersion"], "2025-03-26")
        old.session = hdrs["mcp-session-id"]
        st, _, msgs = old.post_raw(batch, headers={"MCP-Protocol-Version": "2025-03-26"})
        self.assertEqual(st, 200)
        self.assertEqual(sorted(m["id"] for m in msgs[0]), [10, 11])

    def test_no_token_is_refused_outside_test_mode(self):
        c = McpHttp(self.server.url)
        st, hdrs, msgs, _ = c.request("initialize", INIT)
        self.assertEqual(st, 401)
        self.assertEqual(hdrs.get("www-authenticate"), "Bearer")

    def test_dns_rebinding_protection(self):
        evil = McpHttp(self.server.url, self.token, origin="http://evil.example.com")
        st, _, msgs, _ = evil.request("initialize", INIT)
        self.assertEqual(st, 403, msgs)
        st, _, _, _ = McpHttp(self.server.url, self.token).request(
            "initialize", INIT, headers={"Host": "evil.example.com"})
        self.assertEqual(st, 403)
        port = self.server.url.rsplit(":", 1)[1]
        ok = McpHttp(self.server.url, self.token, origin="http://localhost:" + port)
        self.assertEqual(ok.initialize()["serverInfo"]["name"], "firebreak")

    def test_malformed_http_messages_and_server_keeps_serving(self):
        c = McpHttp(self.server.url, self.token)
        c.initialize()
        for body, code in [("{", -32700), (b'{"jsonrpc":"2.0","id":1,"method":"ping","x":"\xff"}', -32700),
                           ('{"jsonrpc":"2.0","id":true,"method":"ping"}', -32600),
                           ('{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}', -32600),
                           ('[]', -32600),
                           # a key given twice: which reading was meant cannot be known
                           ('{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}', -32700)]:
            st, _, msgs = c.post_raw(body)
            self.assertEqual(st, 400, body)
            self.assertEqual(msgs[0]["error"]["code"], code, body)
        st, _, _ = c.post_raw("{}", headers={"Content-Type": "text/plain"})
        self.assertEqual(st, 400)
        st, hdrs, msgs = c.post_raw(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping",
                                                "params": {"x": "a" * (2 << 20)}}))
        self.assertEqual(st, 413)
        st, _, _, resp = c.request("ping")
        self.assertEqual((st, resp["result"]), (200, {}))

    def test_read_only_token_and_no_approval_path(self):
        ro = create_token(self.data, "read", person="carol", config=EXAMPLE_CONFIG)
        c = McpHttp(self.server.url, ro)
        c.initialize("ro-agent")
        resp = c.call("create_incident", {"title": "x", "severity": "SEV1"})
        self.assertTrue(resp["result"]["isError"])
        st, lst, _ = self.server.request("GET", "/api/v1/incidents", token=self.token)
        self.assertEqual(lst["incidents"], [])
        # Even an admin token finds nothing that approves: there is no such tool or method.
        admin = McpHttp(self.server.url, self.token)
        admin.initialize()
        _, _, _, tl = admin.request("tools/list")
        tools = tl["result"]["tools"]
        self.assertFalse([t["name"] for t in tools if re.search(r"(^|_)(approve|reject|decide)(_|$)", t["name"])])
        # The only approval tool reads one (an agent polls the approval of a run it requested).
        self.assertEqual([(t["name"], t["annotations"]["readOnlyHint"]) for t in tools if "approv" in t["name"]],
                         [("get_approval", True)])
        _, _, _, resp = admin.request("approvals/approve", {"id": "x"})
        self.assertEqual(resp["error"]["code"], -32601)

    def test_tools_and_subscription_over_http_get_stream(self):
        c = McpHttp(self.server.url, self.token)
        c.initialize("http-agent")
        c.request("logging/setLevel", {"level": "debug"})
        st, _, msgs, resp = c.request("tools/call", {"name": "create_incident", "arguments": {
            "title": "Search down", "severity": "SEV1", "services": ["search"]}})
        inc = resp["result"]["structuredContent"]
        # The info log came first on the request's SSE stream, then the result.
        self.assertEqual(msgs[0]["method"], "notifications/message")
        self.assertEqual(inc["created_by"], "agent:http-agent")
        uri = "incident://%s/timeline" % inc["id"]
        q = c.open_get_stream()
        self.assertEqual(q.get(timeout=30), ("status", 200))
        st, _, _, resp = c.request("resources/subscribe", {"uri": uri})
        self.assertEqual(resp["result"], {})
        # A change made through the HTTP API (another front end) reaches the MCP subscriber.
        st, _, _ = self.server.request("POST", "/api/v1/incidents/%s/notes" % inc["id"],
                                       {"text": "index rebuild running"}, token=self.token)
        self.assertEqual(st, 200)
        while True:
            kind, m = q.get(timeout=30)
            self.assertNotEqual(kind, "closed")
            if kind == "message":
                break
        self.assertEqual(m, {"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": uri}})
        # A second GET stream on the same session is refused.
        st, _, _ = c.post_raw("{}")  # (unrelated malformed POST does not disturb the stream)
        h = c.headers({"Accept": "text/event-stream"})
        conn = http.client.HTTPConnection(c.host, c.port, timeout=30)
        conn.request("GET", "/mcp", headers=h)
        self.assertEqual(conn.getresponse().status, 409)
        # Unknown resources are -32002; status reflects the SEV1.
        _, _, _, resp = c.request("resources/read", {"uri": "incident://INC-999"})
        self.assertEqual(resp["error"]["code"], -32002)
        status = c.call("get_system_status")["result"]["structuredContent"]
        self.assertEqual(status["defense_level"], "RED")
        self.assertEqual(status["open_incidents"]["SEV1"], 1)


    def test_an_agent_merges_incidents_under_its_own_name(self):
        c = McpHttp(self.server.url, self.token)
        c.initialize("merge-agent")
        ids = []
        for title, svc in (("Job queue backlog", "queue"), ("Fraud scoring timeouts", "fraud")):
            st, inc, _ = self.server.request("POST", "/api/v1/incidents",
                                             {"title": title, "severity": "SEV3", "services": [svc]}, token=self.token)
            self.assertEqual(st, 201, inc)
            ids.append(inc["id"])
        resp = c.call("merge_incidents", {"id": ids[0], "incidents": [ids[1]], "note": "one cause"})
        out = resp["result"]["structuredContent"]
        self.assertEqual((out["id"], out["services"]), (ids[0], ["fraud", "queue"]))
        st, src, _ = self.server.request("GET", "/api/v1/incidents/" + ids[1], token=self.token)
        self.assertEqual((src["state"], src["merged_into"], src["resolved_by"]), ("resolved", ids[0], "agent:merge-agent"))
        st, audit, _ = self.server.request("GET", "/api/v1/audit?action=incident.merge", token=self.token)
        self.assertEqual([e["actor"] for e in audit["entries"]], ["agent:merge-agent"])
        # Refused merges are tool errors naming the problem, and change nothing.
        for args, needle in (({"id": ids[0], "incidents": [ids[0]]}, "into itself"),
                             ({"id": ids[0], "incidents": [ids[1]]}, "only open incidents")):
            resp = c.call("merge_incidents", args)
            self.assertTrue(resp["result"]["isError"], resp)
            self.assertIn(needle, json.dumps(resp["result"]["content"]))
        st, audit, _ = self.server.request("GET", "/api/v1/audit?action=incident.merge", token=self.token)
        self.assertEqual(len(audit["entries"]), 1)


class AgentTierOverHttp(ServerTestCase):
    extra_args = ("--mcp-agent-tier", "low")

    def test_a_low_tier_agent_proposes_medium_actions_and_a_person_sees_them(self):
        agent = McpHttp(self.server.url, self.token)  # even an admin token: the tier still applies
        agent.initialize("tier-agent")
        st, inc = self.server.request("POST", "/api/v1/incidents", {"title": "DB slow", "severity": "SEV3"},
                                      token=self.token)[:2]
        self.assertEqual(st, 201)
        resp = agent.call("resolve_incident", {"id": inc["id"], "note": "looks fine"})
        self.assertTrue(resp["result"]["isError"])
        self.assertIn("Not executed", resp["result"]["content"][0]["text"])
        self.assertEqual(resp["result"]["_meta"]["io.firebreak/proposal"]["risk"], "MEDIUM")
        _, now = self.server.request("GET", "/api/v1/incidents/" + inc["id"], token=self.token)[:2]
        self.assertEqual(now["state"], "triggered")
        _, tl = self.server.request("GET", "/api/v1/incidents/%s/timeline" % inc["id"], token=self.token)[:2]
        notes = [e for e in tl["entries"] if e["kind"] == "note"]  # paging adds entries of its own
        self.assertEqual(notes[-1]["actor"], "agent:tier-agent")
        self.assertIn("resolve_incident", notes[-1]["text"])
        # LOW tools still execute.
        resp = agent.call("add_note", {"id": inc["id"], "text": "replica lag 30s"})
        self.assertNotIn("isError", resp["result"])

    def test_high_is_not_an_agent_tier(self):
        r = run_cli("serve", "--config", EXAMPLE_CONFIG, "--data", self.data + "-2", "--listen", "127.0.0.1:0",
                    "--mcp-agent-tier", "high")
        self.assertEqual(r.returncode, 1)
        self.assertIn("approval", r.stderr)


class DataDirOwnership(ServerTestCase):
    def test_mcp_refuses_a_data_dir_owned_by_serve_and_offline_tools_still_work(self):
        token = create_token(self.data, "read")  # offline tool while serve runs
        r = subprocess.run([BIN, "mcp", "--config", EXAMPLE_CONFIG, "--data", self.data], input=b"",
                           capture_output=True, env=dict(os.environ, FIREBREAK_TOKEN=token), cwd=SRC, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode()
        self.assertIn("firebreak serve", err)
        self.assertIn(self.server.url + "/mcp", err)
        self.assertIn("firebreak mcp --server " + self.server.url, err)
        r = run_cli("audit", "verify", "--data", self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        # A second server on the same data dir is refused too.
        with self.assertRaises(RuntimeError) as cm:
            self.new_server()
        self.assertIn("in use", str(cm.exception))

    def test_fixtures_mode_is_loopback_only(self):
        r = run_cli("serve", "--config", EXAMPLE_CONFIG, "--data", self.data + "-2", "--listen", "0.0.0.0:0",
                    "--mcp-test-fixtures")
        self.assertEqual(r.returncode, 1)
        self.assertIn("loopback", r.stderr)


class Docs(unittest.TestCase):
    def test_readme_tool_table_is_generated_from_the_registry(self):
        r = run_cli("mcp", "--list-tools", "--markdown")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(SRC, "README.md")) as f:
            readme = f.read()
        m = re.search(r"<!-- mcp-tools:begin[^>]*-->\n(.*?)<!-- mcp-tools:end -->", readme, re.S)
        self.assertIsNotNone(m, "README has the generated MCP tool table")
        self.assertEqual(m.group(1), r.stdout,
                         "README's MCP tool table is stale: regenerate it with `build/firebreak mcp --list-tools --markdown`")


if __name__ == "__main__":
    unittest.main()
