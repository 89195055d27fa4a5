"""Times report generation against reading the same timeline (see run.sh)."""
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

binary, config, entries = sys.argv[1], sys.argv[2], int(sys.argv[3])
tmp = tempfile.mkdtemp(prefix="fbbench-report-")
proc = subprocess.Popen([binary, "serve", "--config", config, "--data", tmp + "/var", "--listen", "127.0.0.1:0",
                         "--sync", "normal"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
url = token = None
for line in proc.stdout:
    if line.startswith("Admin token"):
        token = line.strip().split()[-1]
    if " serving " in line:
        url = line.split(" serving ")[1].split()[0]
        break


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


try:
    inc = json.loads(call("POST", "/api/v1/incidents", {"title": "bench", "severity": "SEV2", "services": ["checkout"]}))
    iid = inc["id"]
    call("POST", "/api/v1/incidents/%s/acknowledge" % iid, {})
    for i in range(entries):
        call("POST", "/api/v1/incidents/%s/notes" % iid, {"text": "observation %d: error rate %d%% on pod-%d" % (i, i % 97, i)})
    paths = {
        "timeline (floor)": "/api/v1/incidents/%s/timeline?limit=5000" % iid,
        "report json": "/api/v1/incidents/%s/report?format=json" % iid,
        "report md": "/api/v1/incidents/%s/report?format=md" % iid,
        "report html+svg": "/api/v1/incidents/%s/report?format=html" % iid,
        "status update": "/api/v1/incidents/%s/status-update" % iid,
    }
    reps = 15
    results = {}
    for name, path in paths.items():
        call("GET", path)  # warm
        times, size = [], 0
        for _ in range(reps):
            t0 = time.perf_counter()
            size = len(call("GET", path))
            times.append(time.perf_counter() - t0)
        results[name] = (statistics.median(times), size)
    floor = results["timeline (floor)"][0]
    print("incident with %d timeline entries, median of %d requests" % (entries + 2, reps))
    print("%-18s %10s %10s %8s" % ("request", "ms", "bytes", "x floor"))
    for name, (t, size) in results.items():
        print("%-18s %10.2f %10d %8.2f" % (name, t * 1000, size, t / floor))
finally:
    proc.terminate()
    proc.wait()
    subprocess.run(["rm", "-rf", tmp])
