"""Driver for bench/mcp/run.sh: starts `firebreak serve`, then times N sequential reads on one
keep-alive connection through the HTTP API and through MCP, and C concurrent clients of each."""
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time

binary, config, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
tmp = tempfile.mkdtemp(prefix="fbbench-")
proc = subprocess.Popen([binary, "serve", "--config", config, "--data", tmp + "/var", "--listen", "127.0.0.1:0",
                         "--sync", "full"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
token = url = None
for line in proc.stdout:
    if line.startswith("Admin token"):
        token = line.split()[-1]
    if " serving " in line:
        url = line.split(" serving ")[1].split()[0]
        break
host, port = url[len("http://"):].split(":")
auth = {"Authorization": "Bearer " + token}


def conn():
    return http.client.HTTPConnection(host, int(port), timeout=30)


def api_get(c):
    c.request("GET", "/api/v1/incidents/INC-1", headers=auth)
    r = c.getresponse()
    body = r.read()
    assert r.status == 200, body


def mcp_session(c):
    h = dict(auth, **{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    c.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}), h)
    r = c.getresponse()
    r.read()
    h["Mcp-Session-Id"] = r.getheader("Mcp-Session-Id")
    h["MCP-Protocol-Version"] = "2025-11-25"
    return h


def mcp_get(c, h, i):
    c.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {
        "name": "get_incident", "arguments": {"id": "INC-1"}}}), h)
    r = c.getresponse()
    body = r.read()
    assert r.status == 200 and b"structuredContent" in body, body


try:
    c = conn()
    c.request("POST", "/api/v1/incidents", json.dumps({"title": "bench", "severity": "SEV3"}),
              dict(auth, **{"Content-Type": "application/json"}))
    assert c.getresponse().read()

    def sequential(kind):
        c = conn()
        h = mcp_session(c) if kind == "mcp" else None
        start = time.perf_counter()
        for i in range(n):
            api_get(c) if kind == "api" else mcp_get(c, h, i + 1)
        return n / (time.perf_counter() - start)

    def concurrent(kind, clients=8):
        per = max(1, n // clients)

        def worker():
            c = conn()
            h = mcp_session(c) if kind == "mcp" else None
            for i in range(per):
                api_get(c) if kind == "api" else mcp_get(c, h, i + 1)

        threads = [threading.Thread(target=worker) for _ in range(clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return per * clients / (time.perf_counter() - start)

    seq_api, seq_mcp = sequential("api"), sequential("mcp")
    con_api, con_mcp = concurrent("api"), concurrent("mcp")
    print("get one incident, %d requests, keep-alive, --sync full" % n)
    print("  sequential (1 client):  HTTP API %7.0f req/s   MCP tools/call %7.0f req/s   MCP/API %.2f"
          % (seq_api, seq_mcp, seq_mcp / seq_api))
    print("  concurrent (8 clients): HTTP API %7.0f req/s   MCP tools/call %7.0f req/s   MCP/API %.2f"
          % (con_api, con_mcp, con_mcp / con_api))
finally:
    proc.terminate()
    proc.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)
