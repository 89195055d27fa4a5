"""Runbooks end to end through the real server: risk tiers, four-eyes approvals (self-approval,
missing scope, person-less tokens, expiry, rejection), verification failure with reverse-order
rollback and escalation, config_change backups restored byte for byte, the circuit breaker,
dry-runs that touch nothing, argument injection, restart interruption, audit + timeline actors,
and the CLI."""
import hashlib
import http.client
import os
import shutil
import stat
import subprocess
import unittest
import urllib.parse

from harness import (EXAMPLE_CONFIG, ServerTestCase, create_token, db_counts, run_cli)

TEST_RUNBOOKS = r"""
runbooks:
  - id: t-args
    title: Record arguments
    params:
      - { name: service, type: service, required: true }
      - { name: summary, type: string }
      - { name: description, type: string }
    steps:
      - id: record
        kind: command
        category: diagnostic
        argv: [./record-args.sh, "{{service}}", "{{summary}}", "desc={{description}}"]
        timeout: 10s

  - id: t-rollback
    title: Three changes, a failing verification
    params:
      - { name: service, type: service, default: catalog }
    steps:
      - id: a
        kind: command
        category: cache
        risk: medium
        argv: [./order.sh, a, do]
        rollback: { kind: command, argv: [./order.sh, a, undo] }
      - id: b
        kind: config_change
        category: rate_limit
        risk: medium
        path: app.conf
        content: "rps = 999\n"
      - id: c
        kind: command
        category: diagnostic
        argv: [/bin/cat, app.conf]
      - id: d
        kind: command
        category: cache
        risk: medium
        argv: [./order.sh, d, do]
        rollback: { kind: command, argv: [./order.sh, d, undo] }
        verify: { kind: check, check: command, argv: [./order.sh, verify, fail] }

  - id: t-fail
    title: Always fails (automatic)
    params:
      - { name: service, type: service, default: search }
    steps:
      - id: boom
        kind: command
        category: diagnostic
        argv: [./order.sh, boom, fail]

  - id: t-fds
    title: Lists the descriptors a step starts with
    params:
      - { name: service, type: service, default: search }
    steps: [{ id: fds, kind: command, category: diagnostic, argv: [./fds.sh] }]

  - id: t-block
    title: Blocks until released
    params:
      - { name: service, type: service, default: inventory }
    steps:
      - id: hold
        kind: command
        category: diagnostic
        argv: [./block.sh]
        timeout: 60s
      - id: after
        kind: command
        category: diagnostic
        argv: [./order.sh, after, do]

  - id: t-probe
    title: HTTP, health and metric checks against a URL
    params:
      - { name: base, type: string, required: true, pattern: "http://127\\.0\\.0\\.1:[0-9]+" }
      - { name: max, type: int, default: "0" }
    steps:
      - id: ping
        kind: http
        category: diagnostic
        method: GET
        url: "{{base}}/healthz"
      - id: health
        kind: check
        check: http
        url: "{{base}}/healthz"
        expect_status: "200"
      - id: busy
        kind: check
        check: metric
        url: "{{base}}/metrics"
        metric: firebreak_engine_commands
        op: ">="
        threshold: "1"
      - id: ceiling
        kind: check
        check: metric
        url: "{{base}}/metrics"
        metric: firebreak_engine_commands
        op: "<"
        threshold: "{{max}}"

  - id: t-undo-then-block
    title: A change, then a step that blocks until released
    params:
      - { name: service, type: service, default: inventory }
    steps:
      - id: a
        kind: command
        category: cache
        risk: medium
        argv: [./order.sh, a, do]
        rollback: { kind: command, argv: [./order.sh, a, undo] }
      - id: hold
        kind: command
        category: diagnostic
        argv: [./block.sh]
        timeout: 60s

  - id: t-undo-manual-fail
    title: A change, a person's step, then a failure
    params:
      - { name: service, type: service, default: catalog }
    steps:
      - id: a
        kind: command
        category: cache
        risk: medium
        argv: [./order.sh, a, do]
        rollback: { kind: command, argv: [./order.sh, a, undo] }
      - id: look
        kind: manual
        instructions: Look at the dashboard
      - id: boom
        kind: command
        category: diagnostic
        argv: [./order.sh, boom, fail]

  - id: t-manual
    title: A person ticks a step
    params:
      - { name: service, type: service, default: catalog }
    steps:
      - id: look
        kind: manual
        instructions: Look at the dashboard
      - id: then
        kind: command
        category: diagnostic
        argv: [./order.sh, then, do]
"""

SCRIPTS = {
    "record-args.sh": "#!/bin/sh\n: > \"$FIREBREAK_SANDBOX/args.bin\"\n"
                      "for a in \"$@\"; do printf '%s\\0' \"$a\" >> \"$FIREBREAK_SANDBOX/args.bin\"; done\n"
                      "echo \"recorded $# arguments\"\n",
    "order.sh": "#!/bin/sh\necho \"$1 $2\" >> \"$FIREBREAK_SANDBOX/order.log\"\n"
                "[ \"$2\" = fail ] && { echo \"$1 failed\" >&2; exit 3; }\necho \"$1 $2 ok\"\n",
    "fds.sh": "#!/bin/sh\nls -l /proc/$$/fd\n",
    "block.sh": "#!/bin/sh\necho x >> \"$FIREBREAK_SANDBOX/block.count\"\n"
                "echo started > \"$FIREBREAK_SANDBOX/started.fifo\"\nread line < \"$FIREBREAK_SANDBOX/release.fifo\"\n",
}


def make_config(root, settings_extra=""):
    cfg = os.path.join(root, "config")
    shutil.copytree(EXAMPLE_CONFIG, cfg)
    # The example library refers to ../runbooks/ scripts.
    shutil.copytree(os.path.join(os.path.dirname(EXAMPLE_CONFIG), "runbooks"), os.path.join(root, "runbooks"))
    with open(os.path.join(cfg, "zz-tests.yaml"), "w") as f:
        f.write(TEST_RUNBOOKS)
    for name, body in SCRIPTS.items():
        p = os.path.join(cfg, name)
        with open(p, "w") as f:
            f.write(body)
        os.chmod(p, os.stat(p).st_mode | stat.S_IXUSR)
    with open(os.path.join(cfg, "settings.yaml"), "a") as f:
        f.write("  runbooks: { breaker_failures: 2, breaker_window: 1h%s }\n" % settings_extra)
    return cfg


class RunbookCase(ServerTestCase):
    start_server = False
    settings_extra = ""

    def setUp(self):
        super().setUp()
        self.cfg = make_config(self.tmp, self.settings_extra)
        self.sandbox = os.path.join(self.data, "sandbox")
        self.server = self.new_server(config_dir=self.cfg)
        self.token = self.server.admin_token
        self.alice = create_token(self.data, "read,write,approve", "alice", self.cfg)
        self.bob = create_token(self.data, "read,write,approve", "bob", self.cfg)
        self.carol = create_token(self.data, "read,write", "carol", self.cfg)

    def req(self, method, path, body=None, token=None):
        return self.server.request(method, path, body, token=token or self.token)

    def run_rb(self, runbook, token=None, **kw):
        body = {"runbook": runbook}
        body.update(kw)
        st, run, _ = self.req("POST", "/api/v1/runs", body, token)
        self.assertEqual(st, 201, run)
        return run

    def settle(self, run_id):
        st, run, _ = self.req("GET", "/api/v1/runs/%s?wait=60s" % run_id)
        self.assertEqual(st, 200, run)
        return run

    def declare(self, service="catalog"):
        st, inc, _ = self.req("POST", "/api/v1/incidents", {"title": "t", "severity": "SEV2", "services": [service]})
        self.assertEqual(st, 201, inc)
        return inc["id"]

    def timeline(self, iid):
        return self.req("GET", "/api/v1/incidents/%s/timeline" % iid)[1]["entries"]

    def audit(self, **q):
        qs = "&".join("%s=%s" % kv for kv in q.items())
        return self.req("GET", "/api/v1/audit?limit=1000&" + qs)[1]["entries"]

    def sandbox_file(self, *parts):
        return os.path.join(self.sandbox, *parts)


class Tiers(RunbookCase):
    def test_low_runs_automatically_with_audit(self):
        run = self.run_rb("collect-diagnostics", params={"service": "web"})
        self.assertEqual(run["state"], "queued")
        self.assertTrue(run["automatic"])
        run = self.settle(run["id"])
        self.assertEqual(run["state"], "succeeded", run)
        diag = run["steps"][0]
        self.assertEqual(diag["result"]["exit_code"], 0)
        self.assertIn("diagnostics for service: web", diag["result"]["stdout"])
        self.assertEqual(run["steps"][1]["state"], "succeeded")
        actions = [e["action"] for e in self.audit(target=run["id"])]
        self.assertIn("runbook.run.requested", actions)
        self.assertEqual(actions.count("runbook.step.started"), 2)
        self.assertIn("runbook.run.succeeded", actions)

    def test_high_blocks_until_approved_and_four_eyes_holds(self):
        iid = self.declare("web")
        # Approval needs a rationale and an impact statement.
        st, err, _ = self.req("POST", "/api/v1/runs", {"runbook": "restart-service", "params": {"service": "web"}},
                              self.alice)
        self.assertEqual((st, err["error"]["field"]), (400, "rationale"))
        st, err, _ = self.req("POST", "/api/v1/runs", {"runbook": "restart-service", "params": {"service": "web"},
                                                       "rationale": "r", "expected_impact": "i"}, self.alice)
        self.assertEqual((st, err["error"]["field"]), (400, "rollback_plan"), "no step declares a rollback")
        run = self.run_rb("restart-service", self.alice, params={"service": "web"}, incident=iid,
                          rationale="OOM loop", expected_impact="web restarts one pod at a time",
                          rollback_plan="none: a restart is not undone; force-restart if it does not come back")
        self.assertEqual(run["state"], "pending_approval")
        apr_id = run["approval"]
        restarts = self.sandbox_file("services", "web", "restarts")
        self.assertFalse(os.path.exists(restarts), "nothing ran before approval")
        st, lst, _ = self.req("GET", "/api/v1/approvals", token=self.carol)
        self.assertEqual([a["id"] for a in lst["approvals"]], [apr_id])
        apr = lst["approvals"][0]
        # The quick system status counts it as a decision waiting for someone.
        st, status, _ = self.req("GET", "/api/v1/status", token=self.carol)
        self.assertEqual(status["pending_decisions"]["approvals"], 1)
        self.assertEqual([a["id"] for a in status["pending_decisions"]["approvals_waiting"]], [apr_id])
        self.assertEqual(apr["rationale"], "OOM loop")
        self.assertIn("web", apr["blast_radius"]["services"])
        self.assertTrue(any("restart" in a for a in apr["action"]))
        self.assertEqual(apr["requested_by"], "person:alice")

        # Self-approval, a token without `approve`, and a person-less (agent/script) token are refused.
        st, err, _ = self.req("POST", "/api/v1/approvals/%s/approve" % apr_id, {}, self.alice)
        self.assertEqual(st, 403)
        self.assertIn("four-eyes", err["error"]["message"])
        st, err, _ = self.req("POST", "/api/v1/approvals/%s/approve" % apr_id, {}, self.carol)
        self.assertEqual(st, 403)
        self.assertIn("approve", err["error"]["message"])
        agent = create_token(self.data, "read,write,approve", "", self.cfg)
        st, err, _ = self.req("POST", "/api/v1/approvals/%s/approve" % apr_id, {}, agent)
        self.assertEqual(st, 403)
        self.assertFalse(os.path.exists(restarts))
        self.assertEqual(self.req("GET", "/api/v1/runs/" + run["id"])[1]["state"], "pending_approval")

        st, apr, _ = self.req("POST", "/api/v1/approvals/%s/approve" % apr_id, {"note": "go"}, self.bob)
        self.assertEqual(self.req("GET", "/api/v1/status", token=self.carol)[1]["pending_decisions"]["approvals"], 0)
        self.assertEqual((st, apr["state"], apr["decided_by"]), (200, "approved", "person:bob"))
        run = self.settle(run["id"])
        self.assertEqual(run["state"], "succeeded", run)
        self.assertEqual(run["approved_by"], "person:bob")
        with open(restarts) as f:
            self.assertEqual(f.read().strip(), "1")
        # A decided approval cannot be decided again.
        st, err, _ = self.req("POST", "/api/v1/approvals/%s/reject" % apr_id, {"reason": "late"}, self.bob)
        self.assertEqual((st, err["error"]["code"]), (409, "failed_precondition"))

        # Timeline and audit carry the right actors.
        tl = [(e["kind"], e["actor"]) for e in self.timeline(iid)]
        self.assertIn(("runbook_requested", "person:alice"), tl)
        self.assertIn(("approval_requested", "person:alice"), tl)
        self.assertIn(("approval_approved", "person:bob"), tl)
        self.assertIn(("runbook_step", "system:runbook"), tl)
        self.assertIn(("runbook_succeeded", "system:runbook"), tl)
        audit = [(e["action"], e["actor"]) for e in self.audit(target=run["id"])]
        for pair in [("runbook.run.requested", "person:alice"), ("approval.requested", "person:alice"),
                     ("approval.approved", "person:bob"), ("runbook.step.started", "system:runbook"),
                     ("runbook.step.finished", "system:runbook")]:
            self.assertIn(pair, audit)
        self.assertTrue(self.req("GET", "/api/v1/audit/verify")[1]["ok"])

    def test_rejection_needs_reason_and_stops_the_run(self):
        iid = self.declare("web")
        run = self.run_rb("restart-service", self.alice, params={"service": "web"}, incident=iid,
                          rationale="r", expected_impact="i", rollback_plan="none")
        apr_id = run["approval"]
        st, err, _ = self.req("POST", "/api/v1/approvals/%s/reject" % apr_id, {}, self.bob)
        self.assertEqual((st, err["error"]["field"]), (400, "reason"))
        st, apr, _ = self.req("POST", "/api/v1/approvals/%s/reject" % apr_id, {"reason": "wrong pod"}, self.bob)
        self.assertEqual((st, apr["state"], apr["rejection_reason"]), (200, "rejected", "wrong pod"))
        run = self.settle(run["id"])
        self.assertEqual(run["state"], "rejected")
        self.assertFalse(os.path.exists(self.sandbox_file("services", "web", "restarts")))
        self.assertIn(("approval_rejected", "person:bob"), [(e["kind"], e["actor"]) for e in self.timeline(iid)])
        self.assertIn(("approval.rejected", "person:bob"),
                      [(e["action"], e["actor"]) for e in self.audit(target=run["id"])])

    def test_a_malformed_decision_is_refused_naming_the_field_and_decides_nothing(self):
        run = self.run_rb("restart-service", self.alice, params={"service": "web"},
                          rationale="r", expected_impact="i", rollback_plan="none")
        apr_id = run["approval"]
        for body, field in [([], "body"), ("str", "body"), (123, "body"), ({"note": 123}, "note"),
                            ({"zz_unknown": 1}, "zz_unknown")]:
            for path in ("/api/v1/approvals/%s/approve" % apr_id, "/api/v1/approvals/%s/reject" % apr_id,
                         "/api/v1/breakers/web/reset"):
                st, err, _ = self.req("POST", path, body, self.bob)
                self.assertEqual((st, err["error"]["field"]), (400, field), (path, body, err))
        self.assertEqual(self.req("GET", "/api/v1/approvals/" + apr_id)[1]["state"], "pending")
        self.assertEqual(self.req("GET", "/api/v1/runs/" + run["id"])[1]["state"], "pending_approval")
        # An empty body still approves (a note is optional).
        st, apr, _ = self.server.request("POST", "/api/v1/approvals/%s/approve" % apr_id, token=self.bob, raw=b"")
        self.assertEqual((st, apr["state"]), (200, "approved"), apr)
        self.settle(run["id"])

    def test_medium_without_rollback_is_refused_at_load_time(self):
        bad = os.path.join(self.tmp, "bad")
        shutil.copytree(self.cfg, bad)
        with open(os.path.join(bad, "zz-bad.yaml"), "w") as f:
            f.write("runbooks:\n  - id: bad\n    title: Bad\n    steps:\n"
                    "      - id: flush\n        kind: command\n        category: cache\n        risk: medium\n"
                    "        argv: [/bin/true]\n"
                    "      - id: bounce\n        kind: command\n        category: restart\n        risk: low\n"
                    "        argv: [/bin/true]\n")
        r = run_cli("validate", "--config", bad)
        self.assertEqual(r.returncode, 1)
        out = r.stdout + r.stderr
        self.assertIn("zz-bad.yaml:5:9: error[medium-without-rollback]", out)
        self.assertIn("zz-bad.yaml:10:9: error[risk-below-floor]", out)


class Failures(RunbookCase):
    def test_verification_failure_rolls_back_in_reverse_order_and_escalates(self):
        original = b"rps = 100\n# tuned 2026-11-01 \xe2\x9c\x93\nburst=20"  # no trailing newline, UTF-8
        os.makedirs(self.sandbox, exist_ok=True)
        conf = self.sandbox_file("app.conf")
        with open(conf, "wb") as f:
            f.write(original)
        iid = self.declare("catalog")
        run = self.run_rb("t-rollback", self.alice, incident=iid)
        self.assertEqual(run["state"], "queued", "MEDIUM steps with rollbacks run automatically")
        run = self.settle(run["id"])
        self.assertEqual(run["state"], "failed", run)
        self.assertEqual(run["rollback"], "completed")
        states = {s["id"]: s for s in run["steps"]}
        self.assertIn("verification failed", states["d"]["error"])
        self.assertIn("rps = 999", states["c"]["result"]["stdout"], "the change was in place before rollback")
        self.assertEqual(states["b"]["state"], "rolled_back")
        self.assertEqual(states["c"]["rollback"]["state"], "skipped")
        with open(self.sandbox_file("order.log")) as f:
            self.assertEqual(f.read().split("\n")[:-1], ["a do", "d do", "verify fail", "d undo", "a undo"])
        # The file is back byte for byte, and the audit log holds the backup's hash.
        with open(conf, "rb") as f:
            self.assertEqual(f.read(), original)
        digest = hashlib.sha256(original).hexdigest()
        audit = self.audit(target=run["id"])
        finished_b = [e for e in audit if e["action"] == "runbook.step.finished" and e["details"]["step"] == "b"]
        self.assertEqual(finished_b[0]["details"]["backup_sha256"], digest)
        with open(finished_b[0]["details"]["backup_path"], "rb") as f:
            self.assertEqual(f.read(), original)
        rollbacks = [e["details"]["step"] for e in audit if e["action"] == "runbook.rollback.step"]
        self.assertEqual(rollbacks, ["d", "c", "b", "a"])
        restored = [e for e in audit if e["action"] == "runbook.rollback.step" and e["details"]["step"] == "b"][0]
        self.assertEqual(restored["details"]["restored_sha256"], digest)
        # Escalation through the remediation-failed trigger, on the incident timeline.
        tl = self.timeline(iid)
        kinds = [e["kind"] for e in tl]
        self.assertIn("runbook_rollback", kinds)
        self.assertIn("remediation_failed", kinds)
        self.assertLess(kinds.index("runbook_rollback"), kinds.index("remediation_failed"))
        esc = [e for e in tl if e["kind"] == "remediation_failed"][0]
        self.assertEqual(esc["actor"], "system:runbook")
        self.assertIn("t-rollback", esc["text"] + str(esc["data"]))

    def test_circuit_breaker_trips_escalates_and_resets(self):
        iid = self.declare("search")
        for _ in range(2):
            run = self.settle(self.run_rb("t-fail", incident=iid)["id"])
            self.assertEqual(run["state"], "failed")
        st, br, _ = self.req("GET", "/api/v1/breakers")
        self.assertEqual([(b["service"], b["state"]) for b in br["breakers"]], [("search", "open")])
        self.assertIn("runbook.breaker.tripped", [e["action"] for e in self.audit(action="runbook.breaker")])
        self.assertTrue(any("circuit breaker for search tripped" in e["text"] for e in self.timeline(iid)
                            if e["kind"] == "remediation_failed"))
        with open(self.sandbox_file("order.log")) as f:
            self.assertEqual(f.read().count("boom fail"), 2)
        # While open, automation stops: even a LOW runbook waits for a person's approval.
        blocked = self.run_rb("t-fail", rationale="try once more by hand", expected_impact="none",
                              rollback_plan="nothing to roll back")
        self.assertEqual(blocked["state"], "pending_approval")
        self.assertIn("circuit breaker", blocked["approval_reason"])
        with open(self.sandbox_file("order.log")) as f:
            self.assertEqual(f.read().count("boom fail"), 2, "nothing ran while the breaker is open")
        # Reset needs a person with approve and a reason.
        st, err, _ = self.req("POST", "/api/v1/breakers/search/reset", {"reason": "fixed"}, self.carol)
        self.assertEqual(st, 403)
        st, err, _ = self.req("POST", "/api/v1/breakers/search/reset", {}, self.bob)
        self.assertEqual((st, err["error"]["field"]), (400, "reason"))
        st, b, _ = self.req("POST", "/api/v1/breakers/search/reset", {"reason": "disk replaced"}, self.bob)
        self.assertEqual((st, b["state"], b["reset_by"]), (200, "closed", "person:bob"))
        run = self.run_rb("t-fail")
        self.assertEqual(run["state"], "queued", "automation resumes after a reset")
        self.settle(run["id"])


class Safety(RunbookCase):
    def tree(self):
        """Every file under the test's temp dir (except the server log and SQLite's WAL/shm) with its hash."""
        out = {}
        for root, _, files in os.walk(self.tmp):
            for n in files:
                p = os.path.join(root, n)
                if n.endswith((".log", "-wal", "-shm")):
                    continue
                with open(p, "rb") as f:
                    out[os.path.relpath(p, self.tmp)] = hashlib.sha256(f.read()).hexdigest()
        return out

    def test_dry_run_changes_nothing(self):
        os.makedirs(self.sandbox, exist_ok=True)
        with open(self.sandbox_file("app.conf"), "w") as f:
            f.write("rps = 1\n")
        counts = db_counts(self.data, ("runbook_runs", "approvals", "audit", "timeline", "timers"))
        before = self.tree()
        st, plan, _ = self.req("POST", "/api/v1/runs", {"runbook": "t-rollback", "dry_run": True})
        self.assertEqual((st, plan["dry_run"]), (200, True))
        self.assertEqual([s["id"] for s in plan["steps"]], ["a", "b", "c", "d"])
        self.assertEqual(plan["steps"][0]["spec"]["argv"], ["./order.sh", "a", "do"])
        self.assertEqual(plan["rollback_plan"][0], "step d: command [\"./order.sh\", \"d\", \"undo\"]")
        st, plan, _ = self.req("POST", "/api/v1/runbooks/dry-run",
                               {"runbook": "restart-service", "params": {"service": "web"}})
        self.assertEqual((st, plan["needs_approval"]), (200, True))
        self.assertEqual(plan["steps"][1]["spec"]["argv"], ["../runbooks/restart.sh", "web"])
        r = run_cli("runbook", "run", "rate-limit-change", "--param", "service=web", "--param", "rps=5", "--dry-run",
                    "--server", self.server.url, "--token", self.token)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"dry_run": true', r.stdout)
        self.assertEqual(self.tree(), before)
        self.assertEqual(db_counts(self.data, ("runbook_runs", "approvals", "audit", "timeline", "timers")), counts)

    def test_service_parameter_comes_from_a_single_service_incident_only(self):
        one = self.declare("catalog")
        st, plan, _ = self.req("POST", "/api/v1/runbooks/dry-run", {"runbook": "restart-service", "incident": one})
        self.assertEqual(st, 200, plan)
        self.assertEqual(plan["params"]["service"], "catalog")
        self.assertEqual(plan["steps"][1]["spec"]["argv"], ["../runbooks/restart.sh", "catalog"])
        # An incident on two services does not pick one: the caller must say which.
        st, two, _ = self.req("POST", "/api/v1/incidents", {"title": "t", "severity": "SEV2", "services": ["web", "catalog"]})
        self.assertEqual(st, 201, two)
        st, err, _ = self.req("POST", "/api/v1/runbooks/dry-run", {"runbook": "restart-service", "incident": two["id"]})
        self.assertEqual((st, err["error"]["field"]), (400, "params.service"))
        st, plan, _ = self.req("POST", "/api/v1/runbooks/dry-run",
                               {"runbook": "restart-service", "incident": two["id"], "service": "web"})
        self.assertEqual((st, plan["params"]["service"]), (200, "web"))

    def test_alert_labels_are_inert_arguments(self):
        canary = os.path.join(self.tmp, "PWNED")
        evil = {
            "summary": "x; rm -rf %s/var ; touch %s" % (self.tmp, canary),
            "description": "$(touch %s) `touch %s` \ntouch %s\n'\"; touch %s; \"'|| touch %s &" % (
                (canary,) * 5),
        }
        run = self.run_rb("t-args", params={"service": "web"}, labels=evil)
        run = self.settle(run["id"])
        self.assertEqual(run["state"], "succeeded", run)
        with open(self.sandbox_file("args.bin"), "rb") as f:
            args = f.read().split(b"\0")[:-1]
        self.assertEqual([a.decode() for a in args], ["web", evil["summary"], "desc=" + evil["description"]])
        self.assertEqual(run["steps"][0]["result"]["stdout"].strip(), "recorded 3 arguments")
        self.assertFalse(os.path.exists(canary), "no injected command ran")
        self.assertTrue(os.path.isdir(os.path.join(self.tmp, "var")))
        leftovers = [n for n in os.listdir(self.sandbox) if "PWNED" in n or n.startswith("touch")]
        self.assertEqual(leftovers, [])

    def test_restart_marks_in_flight_step_interrupted_and_never_reruns_it(self):
        os.makedirs(self.sandbox, exist_ok=True)
        started, release = self.sandbox_file("started.fifo"), self.sandbox_file("release.fifo")
        os.mkfifo(started)
        os.mkfifo(release)
        iid = self.declare("inventory")
        run = self.run_rb("t-block", incident=iid)
        with open(started) as f:  # blocks until the step is running
            self.assertEqual(f.read().strip(), "started")
        port = urllib.parse.urlsplit(self.server.url).port
        self.server.kill9()
        # The orphaned step is still running: the restart takes the same port and data directory.
        try:
            s2 = self.new_server(config_dir=self.cfg, listen="127.0.0.1:%d" % port)
        finally:
            with open(release, "w") as f:  # let the orphaned step exit
                f.write("go\n")
        st, got, _ = s2.request("GET", "/api/v1/runs/%s?wait=30s" % run["id"], token=self.token)
        self.assertEqual(got["state"], "interrupted", got)
        self.assertEqual([s["state"] for s in got["steps"]], ["interrupted", "pending"])
        self.assertIn("not re-run", got["error"])
        with open(self.sandbox_file("block.count")) as f:
            self.assertEqual(f.read().count("x"), 1)
        self.assertFalse(os.path.exists(self.sandbox_file("order.log")), "later steps did not run")
        st, tl, _ = s2.request("GET", "/api/v1/incidents/%s/timeline" % iid, token=self.token)
        self.assertIn(("runbook_interrupted", "system:runbook"), [(e["kind"], e["actor"]) for e in tl["entries"]])

    def test_restart_rolls_back_the_steps_an_interrupted_run_completed(self):
        # A crash is a failure of the run: what it changed before the in-flight step is undone, the
        # in-flight step is neither re-run nor "undone" blindly, and the incident is escalated.
        os.makedirs(self.sandbox, exist_ok=True)
        started, release = self.sandbox_file("started.fifo"), self.sandbox_file("release.fifo")
        os.mkfifo(started)
        os.mkfifo(release)
        iid = self.declare("inventory")
        run = self.run_rb("t-undo-then-block", incident=iid)
        with open(started) as f:
            self.assertEqual(f.read().strip(), "started")
        port = urllib.parse.urlsplit(self.server.url).port
        self.server.kill9()
        try:
            s2 = self.new_server(config_dir=self.cfg, listen="127.0.0.1:%d" % port)
        finally:
            with open(release, "w") as f:
                f.write("go\n")
        st, got, _ = s2.request("GET", "/api/v1/runs/%s?wait=30s" % run["id"], token=self.token)
        self.assertEqual(got["state"], "interrupted", got)
        self.assertEqual([s["state"] for s in got["steps"]], ["rolled_back", "interrupted"])
        self.assertEqual(got["rollback"], "completed")
        with open(self.sandbox_file("order.log")) as f:
            self.assertEqual(f.read().split("\n")[:2], ["a do", "a undo"])
        with open(self.sandbox_file("block.count")) as f:
            self.assertEqual(f.read().count("x"), 1, "the in-flight step was not re-run")
        st, tl, _ = s2.request("GET", "/api/v1/incidents/%s/timeline" % iid, token=self.token)
        texts = [e["text"] for e in tl["entries"]]
        self.assertTrue(any("interrupted by a restart during step hold" in t for t in texts), texts)
        self.assertTrue(any("Rollback of step a of %s: rolled_back" % run["id"] in t for t in texts), texts)
        # Not counted against the service's automation: the restart was not the runbook's failure.
        st, br, _ = s2.request("GET", "/api/v1/breakers", token=self.token)
        self.assertEqual([b for b in br["breakers"] if b["service"] == "inventory" and b.get("failures")], [])

    def test_a_failure_after_a_manual_step_rolls_back_what_ran_before_it(self):
        run = self.settle(self.run_rb("t-undo-manual-fail", self.alice)["id"])
        self.assertEqual(run["state"], "awaiting_manual", run)
        st, got, _ = self.req("POST", "/api/v1/runs/%s/steps/look/complete" % run["id"], {}, self.carol)
        self.assertEqual(st, 200, got)
        run = self.settle(run["id"])
        self.assertEqual(run["state"], "failed", run)
        self.assertEqual([s["state"] for s in run["steps"]], ["rolled_back", "succeeded", "failed"])
        self.assertEqual(run["rollback"], "completed")
        with open(self.sandbox_file("order.log")) as f:
            self.assertEqual(f.read().split(), ["a", "do", "boom", "fail", "a", "undo"])

    def test_a_request_naming_another_service_than_its_parameter_is_refused(self):
        # Otherwise the breaker of one service would be checked (and its failures counted) while the
        # run acted on the other.
        st, err, _ = self.req("POST", "/api/v1/runs",
                              {"runbook": "t-fail", "params": {"service": "web"}, "service": "search"})
        self.assertEqual((st, err["error"]["field"]), (400, "service"), err)
        self.assertIn("contradicts parameter 'service'", err["error"]["message"])
        self.assertEqual(self.req("GET", "/api/v1/runs")[1]["runs"], [])

    def test_an_approval_is_void_once_the_runbook_changed(self):
        # What the approver is shown is what runs: a runbook edited (or removed) by a reload after the
        # request cannot be approved, and nothing runs.
        run = self.run_rb("restart-service", self.alice, params={"service": "web"}, rationale="OOM loop",
                          expected_impact="web restarts", rollback_plan="force-restart")
        path = os.path.join(self.cfg, "runbooks.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace('argv: [../runbooks/restart.sh, "{{service}}"]',
                                 'argv: [../runbooks/restart.sh, "{{service}}", "--now"]'))
        st, body, _ = self.req("POST", "/api/v1/admin/reload")
        self.assertEqual(st, 200, body)
        st, err, _ = self.req("POST", "/api/v1/approvals/%s/approve" % run["approval"], {}, self.bob)
        self.assertEqual(st, 409, err)
        self.assertIn("runbook restart-service changed since %s was requested" % run["id"], err["error"]["message"])
        self.assertEqual(self.req("GET", "/api/v1/approvals/%s" % run["approval"])[1]["state"], "pending")
        self.assertFalse(os.path.exists(self.sandbox_file("services", "web", "restarts")), "nothing ran")
        # Rejecting it is still possible, and the same request against the new runbook goes through.
        st, _, _ = self.req("POST", "/api/v1/approvals/%s/reject" % run["approval"], {"reason": "runbook changed"},
                            self.bob)
        self.assertEqual(st, 200)

    def complete_look_after_a_restart_that_edits(self, runbook, old, new):
        # `runbook` runs up to its manual step `look`; the server restarts on a config where `old`
        # reads `new`; a person then completes `look`. Returns the settled run.
        run = self.settle(self.run_rb(runbook, self.alice)["id"])
        self.assertEqual(run["state"], "awaiting_manual", run)
        self.server.stop()
        path = os.path.join(self.cfg, "zz-tests.yaml")
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, "w") as f:
            f.write(text.replace(old, new))
        self.server = self.new_server(config_dir=self.cfg)
        st, got, _ = self.req("POST", "/api/v1/runs/%s/steps/look/complete" % run["id"], {}, self.carol)
        self.assertEqual(st, 200, got)
        return self.settle(run["id"])

    def test_a_queued_run_does_not_resume_if_a_restart_brought_another_runbook(self):
        # The run waits for a person at a manual step; the server restarts on a config whose step
        # after it does something else. That is not what was requested: the run fails, nothing of
        # the new step runs.
        run = self.complete_look_after_a_restart_that_edits("t-manual", "argv: [./order.sh, then, do]",
                                                            "argv: [./order.sh, then, CHANGED]")
        self.assertEqual(run["state"], "failed", run)
        self.assertIn("runbook t-manual changed since %s was requested" % run["id"], run["error"])
        self.assertFalse(os.path.exists(self.sandbox_file("order.log")), "the changed step did not run")

    def test_a_restart_on_another_runbook_undoes_the_done_steps_it_still_has_unchanged(self):
        # Step a ran, then the run waited for a person; the server restarts on a config whose later
        # step changed. That is not what was requested, so the run fails without running it; a,
        # which the runbook still declares as it was (the same action, the same undo), is undone.
        run = self.complete_look_after_a_restart_that_edits("t-undo-manual-fail", "argv: [./order.sh, boom, fail]",
                                                            "argv: [./order.sh, boom, CHANGED]")
        self.assertEqual(run["state"], "failed", run)
        self.assertIn("runbook t-undo-manual-fail changed since %s was requested" % run["id"], run["error"])
        self.assertEqual(run["rollback"], "completed", run)
        self.assertEqual([s["state"] for s in run["steps"]], ["rolled_back", "succeeded", "pending"])
        with open(self.sandbox_file("order.log")) as f:
            self.assertEqual(f.read().split(), ["a", "do", "a", "undo"], "the changed step did not run")

    def test_a_restart_on_another_runbook_leaves_a_changed_done_step_named_not_undone(self):
        # This time step a's own undo changed: what undoes a is no longer known for certain, so a is
        # named as not rolled back (rollback incomplete) instead of being undone by a guess.
        run = self.complete_look_after_a_restart_that_edits("t-undo-manual-fail", "argv: [./order.sh, a, undo]",
                                                            "argv: [./order.sh, a, UNDO]")
        self.assertEqual(run["state"], "failed", run)
        self.assertEqual(run["rollback"], "incomplete", run)
        self.assertEqual([s["state"] for s in run["steps"]], ["rollback_failed", "succeeded", "pending"])
        with open(self.sandbox_file("order.log")) as f:
            self.assertEqual(f.read().split(), ["a", "do"], "neither the later step nor a guessed undo ran")
        entries = self.audit(action="runbook.rollback.step")
        self.assertEqual(len(entries), 1, entries)
        self.assertEqual(entries[0]["details"]["state"], "rollback_failed")
        self.assertIn("changed since %s was requested" % run["id"], entries[0]["details"]["error"])

    def test_a_step_inherits_only_its_standard_streams(self):
        # Held by a step, the server's listening socket would keep a restarted server off its port,
        # and a client connection would never see the server close it.
        keepalive = http.client.HTTPConnection(urllib.parse.urlsplit(self.server.url).netloc, timeout=30)
        keepalive.request("GET", "/healthz")
        keepalive.getresponse().read()
        run = self.settle(self.run_rb("t-fds")["id"])
        keepalive.close()
        self.assertEqual(run["state"], "succeeded", run)
        listing = run["steps"][0]["result"]["stdout"]
        fds = {}
        for line in listing.splitlines():
            if " -> " in line:
                name, target = line.split(" -> ", 1)
                fds[int(name.split()[-1])] = target
        self.assertEqual(fds.get(0), "/dev/null", listing)
        self.assertTrue(fds.get(1, "").startswith("pipe:") and fds.get(2, "").startswith("pipe:"), listing)
        for fd, target in fds.items():
            if fd > 2:  # the shell's own descriptor on its script is the only other one allowed
                self.assertTrue(target.endswith("/fds.sh"), listing)

    def test_http_steps_health_and_metric_checks(self):
        base = self.server.url
        run = self.settle(self.run_rb("t-probe", params={"base": base, "max": "1000000"})["id"])
        self.assertEqual(run["state"], "succeeded", run)
        self.assertEqual(run["steps"][0]["result"]["status"], 200)
        self.assertGreaterEqual(run["steps"][2]["result"]["value"], 1)
        run = self.settle(self.run_rb("t-probe", params={"base": base, "max": "0"})["id"])
        self.assertEqual(run["state"], "failed")
        self.assertEqual([s["state"] for s in run["steps"]][:3], ["succeeded"] * 3)
        self.assertIn("firebreak_engine_commands", run["steps"][3]["error"])
        self.assertIn("expected < 0", run["steps"][3]["error"])
        # A URL parameter must stay inside its pattern.
        st, err, _ = self.req("POST", "/api/v1/runs", {"runbook": "t-probe", "params": {"base": "http://evil.example"}})
        self.assertEqual((st, err["error"]["field"]), (400, "params.base"))

    def test_manual_step_waits_for_a_person(self):
        run = self.run_rb("t-manual", self.alice)
        run = self.settle(run["id"])
        self.assertEqual(run["state"], "awaiting_manual")
        self.assertFalse(os.path.exists(self.sandbox_file("order.log")))
        st, got, _ = self.req("POST", "/api/v1/runs/%s/steps/look/complete" % run["id"], {"note": "graphs flat"}, self.carol)
        self.assertEqual(st, 200, got)
        run = self.settle(run["id"])
        self.assertEqual(run["state"], "succeeded")
        self.assertEqual(run["steps"][0]["ticked_by"], "person:carol")

    def test_secrets_and_pii_are_redacted_in_what_a_run_stores(self):
        leak = "contact ops@example.com from 10.1.2.3 with Bearer abcdefghijklmnop card 4111 1111 1111 1111"
        run = self.settle(self.run_rb("t-args", params={"service": "web", "summary": leak})["id"])
        self.assertEqual(run["state"], "succeeded")
        with open(self.sandbox_file("args.bin"), "rb") as f:
            self.assertIn(leak.encode(), f.read(), "the step itself received the real value")
        stored = str(run) + str(self.audit(target=run["id"]))
        for secret in ["ops@example.com", "10.1.2.3", "abcdefghijklmnop", "4111 1111 1111 1111"]:
            self.assertNotIn(secret, stored)
        self.assertIn("[email]", run["params"]["summary"])


class Library(RunbookCase):
    def test_every_example_runbook_runs_harmlessly_in_the_sandbox(self):
        web = self.sandbox_file("services", "web")
        os.makedirs(web)
        with open(os.path.join(web, "release"), "w") as f:
            f.write("v2\n")
        with open(os.path.join(web, "releases.log"), "w") as f:
            f.write("v1\nv2\n")
        # A real stray worker for kill-zombie-processes: blocks on stdin until killed.
        stray = subprocess.Popen(["/usr/bin/python3", "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
        os.makedirs(self.sandbox_file("services", "queue"))
        with open(self.sandbox_file("services", "queue", "zombies.pids"), "w") as f:
            f.write("%d\n" % stray.pid)
        st, lib, _ = self.req("GET", "/api/v1/runbooks")
        examples = [r for r in lib["runbooks"] if not r["id"].startswith("t-")]
        self.assertEqual(len(examples), 15)
        for rb in examples:
            st, full, _ = self.req("GET", "/api/v1/runbooks/" + rb["id"])
            params = {}
            for p in full["params"]:
                if p["type"] == "service":
                    params[p["name"]] = "queue" if rb["id"] == "kill-zombie-processes" else (
                        rb["services"][0] if rb["services"] and rb["id"] != "rollback-deployment" else "web")
                elif p["name"] == "url":
                    params["url"] = self.server.url + "/healthz"
                elif p["type"] == "int" and "default" not in p:
                    params[p["name"]] = "3"
            run = self.run_rb(rb["id"], self.alice, params=params, rationale="drill", expected_impact="sandbox only",
                              rollback_plan="sandbox only")
            if run["state"] == "pending_approval":
                st, apr, _ = self.req("POST", "/api/v1/approvals/%s/approve" % run["approval"], {}, self.bob)
                self.assertEqual(st, 200, apr)
            run = self.settle(run["id"])
            if run["state"] == "awaiting_manual":
                step = [s for s in run["steps"] if s["state"] == "awaiting"][0]["id"]
                st, _, _ = self.req("POST", "/api/v1/runs/%s/steps/%s/complete" % (run["id"], step), {}, self.carol)
                self.assertEqual(st, 200)
                run = self.settle(run["id"])
            self.assertEqual(run["state"], "succeeded", (rb["id"], run))
        self.assertEqual(stray.wait(timeout=30), -9, "the stray worker was killed")
        stray.stdin.close()
        with open(os.path.join(web, "release")) as f:
            self.assertEqual(f.read().strip(), "v1", "rollback-deployment went back one release")
        with open(self.sandbox_file("services", "web", "ratelimit.conf")) as f:
            self.assertEqual(f.read(), "rps: 3\n")
        with open(self.sandbox_file("groups", "orders-db", "primary")) as f:
            self.assertEqual(f.read().strip(), "db-replica")
        st, runs, _ = self.req("GET", "/api/v1/runs?state=succeeded")
        self.assertEqual(len(runs["runs"]), 15)
        # A state no run can be in, or a parameter the list does not take, is refused, not an empty list.
        for path, field in [("/api/v1/runs?state=succeded", "state"), ("/api/v1/runs?limit=5", "limit"),
                            ("/api/v1/approvals?state=denied", "state"), ("/api/v1/runs/RUN-1?wait=6m", "wait"),
                            ("/api/v1/approvals/APR-1?wait=-1s", "wait")]:
            st, err, _ = self.req("GET", path)
            self.assertEqual((st, err["error"]["field"]), (400, field), path)
        st, err, _ = self.req("GET", "/api/v1/approvals?state=denied")
        self.assertIn("unknown approval state 'denied': one of pending, approved, rejected, expired, all",
                      err["error"]["message"])
        st, err, _ = self.req("GET", "/api/v1/runs/RUN-1?wait=1h")
        self.assertEqual(err["error"]["message"], "wait must be a duration up to 5m, like 30s")


class Expiry(RunbookCase):
    settings_extra = ", approval_ttl: 1s"

    def test_expired_approval_is_refused_and_nothing_runs(self):
        iid = self.declare("web")
        run = self.run_rb("restart-service", self.alice, params={"service": "web"}, incident=iid,
                          rationale="r", expected_impact="i", rollback_plan="none")
        apr_id = run["approval"]
        st, apr, _ = self.req("GET", "/api/v1/approvals/%s?wait=60s" % apr_id)  # the engine timer decides
        self.assertEqual(apr["state"], "expired")
        st, err, _ = self.req("POST", "/api/v1/approvals/%s/approve" % apr_id, {}, self.bob)
        self.assertEqual((st, err["error"]["code"]), (409, "failed_precondition"))
        self.assertIn("expired", err["error"]["message"])
        self.assertEqual(self.req("GET", "/api/v1/runs/" + run["id"])[1]["state"], "expired")
        self.assertFalse(os.path.exists(self.sandbox_file("services", "web", "restarts")))
        self.assertIn(("approval_expired", "system:runbook"), [(e["kind"], e["actor"]) for e in self.timeline(iid)])


class Cli(RunbookCase):
    def cli(self, *args, token=None):
        r = run_cli(*args, "--server", self.server.url, "--token", token or self.token)
        return r

    def test_cli_list_match_run_approve_and_log(self):
        r = self.cli("runbook", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        for rb in ["collect-diagnostics", "restart-service", "database-failover", "rate-limit-change", "renew-certificate"]:
            self.assertIn(rb, r.stdout)
        iid = self.declare("web")
        r = self.cli("runbook", "match", "--incident", iid, "--label", "alertname=WebMemoryHigh",
                     "--log", "java.lang.OutOfMemoryError: heap")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith("restart-service"), r.stdout)
        self.assertIn("error log matches /OutOfMemory/", r.stdout)
        r = self.cli("runbook", "run", "restart-service", "--param", "service=web", "--incident", iid,
                     "--rationale", "OOM", "--impact", "one pod at a time", "--rollback-plan", "none needed",
                     "--json", token=self.alice)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("approval", "list")
        self.assertIn("APR-1", r.stdout)
        r = self.cli("approval", "approve", "APR-1", token=self.alice)
        self.assertEqual(r.returncode, 1)
        self.assertIn("four-eyes", r.stderr)
        r = self.cli("approval", "approve", "APR-1", "--note", "ok", token=self.bob)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("run", "show", "RUN-1", "--wait", "60s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("state succeeded", r.stdout)
        self.assertIn("restarted web", r.stdout)


if __name__ == "__main__":
    unittest.main()
