"""Drives bench/ingest: starts Firebreak and Alertmanager on loopback, runs wrk phases, prints a
table. Standard library only (Debian's /usr/bin/python3)."""
import os
import queue
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
POOL = 1000
PER = 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond, timeout, what):
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not cond():
        if time.monotonic() > deadline:
            sys.exit("bench/ingest: timed out waiting for " + what)
        pause.wait(0.1)


def start_firebreak(build, tmp):
    proc = subprocess.Popen([os.path.join(build, "firebreak"), "serve", "--config", os.path.join(ROOT, "examples/config"),
                             "--data", os.path.join(tmp, "fb"), "--listen", "127.0.0.1:0", "--sync", "full"],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "fb.log"), "w"), text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()
    deadline = time.monotonic() + 60
    while True:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        if " serving " in line:
            return proc, line.split(" serving ")[1].split()[0]


def start_alertmanager(tmp):
    port = free_port()
    cfg = os.path.join(tmp, "am.yml")
    with open(cfg, "w") as f:
        f.write("route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n")
    binary = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
    proc = subprocess.Popen([binary, "--config.file=" + cfg, "--storage.path=" + os.path.join(tmp, "am"),
                             "--web.listen-address=127.0.0.1:%d" % port, "--cluster.listen-address="],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "am.log"), "w"))
    url = "http://127.0.0.1:%d" % port

    def ready():
        try:
            with urllib.request.urlopen(url + "/-/ready", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False
    wait_until(ready, 60, "alertmanager")
    return proc, url


def start_null_server(build):
    """bench/ingest/null_server.cc: answers every request with a fixed 202 and does nothing else."""
    binary = os.path.join(build, "bench", "ingest_null_server")
    if not os.path.exists(binary):
        sys.exit("bench/ingest: %s is missing (cmake --build %s --target ingest_null_server)" % (binary, build))
    port = free_port()
    proc = subprocess.Popen([binary, str(port)], stdout=subprocess.PIPE, text=True)
    if not proc.stdout.readline().startswith("listening"):
        sys.exit("bench/ingest: the null server did not start")
    return proc, "http://127.0.0.1:%d" % port


def cpu_seconds(pid):
    """CPU time (user + system, all threads) a process has used."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, fmt, seconds, connections, per=PER, delay_ms=0, key="example-alertmanager-key", pid=None):
    env = dict(os.environ, FORMAT=fmt, PER_REQUEST=str(per), POOL=str(POOL), DELAY_MS=str(delay_ms), KEY=key)
    cpu0 = cpu_seconds(pid) if pid else 0
    client0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t%d" % THREADS, "-c%d" % connections, "-d%ds" % seconds, "--timeout", "10s",
                          "-s", os.path.join(ROOT, "bench/ingest/post.lua"), url],
                         capture_output=True, text=True, env=env, check=True).stdout
    m = re.search(r"RESULT requests=(\d+) non2xx=(\d+) socket_errors=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+)",
                  out)
    if not m:
        sys.exit("bench/ingest: wrk printed no result:\n" + out)
    req, non2xx, errs, dur, p50, p99 = map(int, m.groups())
    cpu = (cpu_seconds(pid) - cpu0) if pid else 0
    client1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (client1.ru_utime + client1.ru_stime) - (client0.ru_utime + client0.ru_stime)
    ok = req - non2xx
    per_req = 1 if fmt == "pagerduty" else per
    alerts = ok * per_req
    return {"req_s": ok / (dur / 1e6), "alerts_s": alerts / (dur / 1e6), "p50_ms": p50 / 1000.0,
            "p99_ms": p99 / 1000.0, "non2xx": non2xx, "errors": errs,
            "cpu_us": (cpu * 1e6 / alerts) if alerts else 0, "client_us_req": (client * 1e6 / req) if req else 0}


def row(name, r):
    print("%-52s %10.0f %9.0f %8.2f %8.2f %7d %9.1f" % (name, r["alerts_s"], r["req_s"], r["p50_ms"], r["p99_ms"],
                                                       r["non2xx"] + r["errors"], r["cpu_us"]))


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    if not shutil.which("wrk"):
        sys.exit("bench/ingest: wrk is not installed (scripts/install-deps.sh bench)")
    tmp = tempfile.mkdtemp(prefix="fb-bench-ingest-")
    procs = []
    try:
        fb, fb_url = start_firebreak(build, tmp)
        procs.append(fb)
        am, am_url = start_alertmanager(tmp)
        procs.append(am)
        null, null_url = start_null_server(build)
        procs.append(null)
        # Warm both up (first sight of the alert pool: new alerts, incidents, a storm for Firebreak).
        wrk(fb_url, "alertmanager", 2, 4)
        wrk(fb_url, "pagerduty", 2, 4, key="example-checkout-key")
        wrk(am_url, "amapi", 2, 4)
        res = {}
        res["fb_am"] = wrk(fb_url, "alertmanager", SECONDS, CONNECTIONS, pid=fb.pid)
        res["am_10"] = wrk(am_url, "amapi", SECONDS, CONNECTIONS, pid=am.pid)
        res["fb_pd"] = wrk(fb_url, "pagerduty", SECONDS, CONNECTIONS, key="example-checkout-key", pid=fb.pid)
        res["am_1"] = wrk(am_url, "amapi", SECONDS, CONNECTIONS, per=1, pid=am.pid)
        # The physical limit: the same requests at a server that does nothing with them.
        res["null_10"] = wrk(null_url, "alertmanager", SECONDS, CONNECTIONS, pid=null.pid)
        res["null_1"] = wrk(null_url, "pagerduty", SECONDS, CONNECTIONS, pid=null.pid)
        # Half of Firebreak's peak webhook rate, paced per connection: each connection waits `delay`
        # between a response and its next request, so calibrate the delay for the latency first.
        half_conns = CONNECTIONS
        target = res["fb_am"]["req_s"] / 2
        period_ms = half_conns * 1000.0 / target
        delay = max(1, int(period_ms))
        for _ in range(2):
            probe = wrk(fb_url, "alertmanager", 3, half_conns, delay_ms=delay)
            latency_ms = half_conns * 1000.0 / max(probe["req_s"], 1) - delay
            delay = max(1, int(round(period_ms - latency_ms)))
        res["fb_half"] = wrk(fb_url, "alertmanager", SECONDS, half_conns, delay_ms=delay, pid=fb.pid)
        print("machine: %s, %d cores; wrk -t%d -c%d -d%ds; SQLite synchronous=FULL (every 2xx durable)" %
              (os.uname().machine, os.cpu_count(), THREADS, CONNECTIONS, SECONDS))
        print("load average at start: %.1f" % os.getloadavg()[0])
        print("%-52s %10s %9s %8s %8s %7s %9s" % ("", "alerts/s", "req/s", "p50 ms", "p99 ms", "non-2xx",
                                                 "CPU us/alert"))
        row("firebreak  Alertmanager webhook, %d alerts/req" % PER, res["fb_am"])
        row("alertmanager  POST /api/v2/alerts, %d alerts/req" % PER, res["am_10"])
        row("firebreak  PagerDuty Events v2, 1 event/req", res["fb_pd"])
        row("alertmanager  POST /api/v2/alerts, 1 alert/req", res["am_1"])
        row("do-nothing server  Alertmanager webhook, %d alerts/req" % PER, res["null_10"])
        row("do-nothing server  PagerDuty Events v2, 1 event/req", res["null_1"])
        row("firebreak  webhook paced at half peak (%.0f alerts/s)" % (target * PER), res["fb_half"])
        print("ratio firebreak/alertmanager, %d alerts/req: %.2fx" % (PER, res["fb_am"]["alerts_s"] / res["am_10"]["alerts_s"]))
        print("ratio firebreak/alertmanager, 1 alert/req:   %.2fx" % (res["fb_pd"]["alerts_s"] / res["am_1"]["alerts_s"]))
        print("CPU per alert, alertmanager/firebreak, %d alerts/req: %.2fx" %
              (PER, res["am_10"]["cpu_us"] / res["fb_am"]["cpu_us"]))
        print("CPU per alert, alertmanager/firebreak, 1 alert/req:   %.2fx" %
              (res["am_1"]["cpu_us"] / res["fb_pd"]["cpu_us"]))
        # The client shares the machine: wrk's own CPU per request (its user and system time, the
        # loopback TCP work it does in the kernel included) bounds what any server could reach here.
        # A server costing nothing would serve at most cores / (wrk's CPU per request) requests/s.
        cores = os.cpu_count()
        for name, fb_key, am_key, per in (("%d alerts/req" % PER, "fb_am", "am_10", PER), ("1 alert/req", "fb_pd", "am_1", 1)):
            client_us = res[fb_key]["client_us_req"]
            ceiling = cores * 1e6 / client_us * per if client_us else 0
            print("client ceiling, %s: wrk used %.1f us CPU per request; a server costing nothing would "
                  "accept at most %.0f alerts/s here = %.2fx alertmanager's rate" %
                  (name, client_us, ceiling, ceiling / res[am_key]["alerts_s"]))
        # What a server that does nothing reaches with the same client on the same cores: no server
        # that parses, decides and commits can pass it, so 3x alertmanager is reachable only if it
        # is below this.
        for name, fb_key, am_key, null_key in (("%d alerts/req" % PER, "fb_am", "am_10", "null_10"),
                                               ("1 alert/req", "fb_pd", "am_1", "null_1")):
            limit = res[null_key]["alerts_s"]
            print("physical limit, %s: a do-nothing server accepts %.0f alerts/s = %.2fx alertmanager; "
                  "firebreak reaches %.0f%% of it; 3x alertmanager would be %.0f%% of it" %
                  (name, limit, limit / res[am_key]["alerts_s"], 100.0 * res[fb_key]["alerts_s"] / limit,
                   300.0 * res[am_key]["alerts_s"] / limit))
        print("firebreak p99 at half peak: %.2f ms (target < 25 ms)" % res["fb_half"]["p99_ms"])
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
