"""Service graph and resilience analytics end to end: the real binary serving examples/config
(web -> checkout -> payments -> db, db failing over to db-replica), the HTTP routes, the incident
blast radius, DOT/SVG output, and the CLI both locally (--config) and against the server."""
import json
import os
import unittest
import xml.etree.ElementTree as ET

from harness import EXAMPLE_CONFIG, ServerTestCase, example_config_plus, run_cli
from test_mcp import McpHttp


class GraphApi(ServerTestCase):
    def post(self, path, body, token=None):
        return self.server.request("POST", path, body, token=token or self.token)

    def get(self, path, token=None):
        return self.server.request("GET", path, token=token or self.token)

    def test_incident_blast_radius_tells_failover_from_outage(self):
        st, inc, _ = self.post("/api/v1/incidents", {"title": "Primary DB down", "severity": "SEV2",
                                                     "services": ["db"]})
        self.assertEqual(st, 201, inc)
        self.assertEqual(inc["blast_radius"], [], "db fails over to db-replica: nothing else breaks")
        st, inc, _ = self.post("/api/v1/incidents/%s/services" % inc["id"],
                               {"services": ["db-replica"], "reason": "standby lost too"})
        self.assertEqual(st, 200, inc)
        for svc in ("auth", "catalog", "checkout", "inventory", "payments", "web"):
            self.assertIn(svc, inc["blast_radius"])
        st, inc, _ = self.post("/api/v1/incidents", {"title": "Search down", "severity": "SEV3",
                                                     "services": ["search"]})
        self.assertEqual(inc["blast_radius"], ["web"], "web degrades (soft dependency)")

    def test_blast_radius_with_paths_and_customer_impact(self):
        st, br, _ = self.post("/api/v1/graph/blast-radius", {"services": ["payments"]})
        self.assertEqual(st, 200, br)
        failed = {a["service"]: a for a in br["failed"]}
        self.assertEqual(set(failed), {"payments", "checkout", "web"})
        self.assertEqual(failed["web"]["path"], ["payments", "checkout", "web"])
        self.assertEqual(failed["web"]["cause"], "hard_dependency")
        self.assertEqual(sorted(br["customer_impact"]["customer_facing_failed"]), ["checkout", "web"])
        self.assertEqual(br["customer_impact"]["worst_tier_failed"], 0)
        # A zone: the primary database fails over; services keep part of their replicas.
        st, br, _ = self.post("/api/v1/graph/blast-radius", {"zones": ["eu-west-1a"]})
        self.assertEqual(st, 200, br)
        self.assertEqual(br["failovers"][0]["group"], "orders-db")
        self.assertEqual(br["failovers"][0]["serving"], ["db-replica"])
        pay = [c for c in br["capacity"] if c["service"] == "payments"][0]
        self.assertEqual((pay["fraction_left"], pay["utilization_after"], pay["over_limit"]), (0.5, 1.25, True))

    def test_refused_requests_name_the_field(self):
        st, err, _ = self.post("/api/v1/graph/blast-radius", {"services": ["db", "nope"]})
        self.assertEqual((st, err["error"]["field"]), (400, "services[1]"))
        st, err, _ = self.post("/api/v1/graph/blast-radius", {"servics": ["db"]})
        self.assertEqual((st, err["error"]["field"]), (400, "servics"))
        st, err, _ = self.post("/api/v1/graph/shed", {"target": 7})
        self.assertEqual((st, err["error"]["field"]), (400, "target"))
        st, err, _ = self.post("/api/v1/graph/cascade", {"capacity_loss": {"payments": 2}})
        self.assertEqual((st, err["error"]["field"]), (400, "capacity_loss.payments"))
        st, err, _ = self.server.request("POST", "/api/v1/graph/blast-radius", raw="{not json")
        self.assertEqual(st, 401, "no token: refused before the body is read")
        st, err, _ = self.server.request("GET", "/api/v1/graph/centrality")
        self.assertEqual(st, 401)
        st, err, _ = self.get("/api/v1/graph/fallbacks/service:nope")
        self.assertEqual(st, 404)

    def test_centrality_and_contingency(self):
        st, c, _ = self.get("/api/v1/graph/centrality?limit=5")
        self.assertEqual(st, 200, c)
        self.assertEqual(len(c["services"]), 5)
        top = c["services"][0]
        self.assertEqual(top["service"], "cache")  # fails all four customer-facing services
        self.assertEqual(top["customer_facing_failed"], 4)
        self.assertTrue(top["single_point_of_failure"])
        ranked = [s["customer_facing_failed"] for s in c["services"]]
        self.assertEqual(ranked, sorted(ranked, reverse=True))
        st, r, _ = self.post("/api/v1/graph/contingency", {"depth": 2, "limit": 0})
        self.assertEqual(st, 200, r)
        singles = {s["name"] for s in r["n1"]["fatal"]}
        self.assertIn("payments", singles)
        self.assertNotIn("db", singles)
        pairs = {p["name"] for p in r["n2"]["fatal_pairs"]}
        self.assertIn("db + db-replica", pairs)
        self.assertIn("zone:eu-west-1a + zone:eu-west-1b", pairs)
        self.assertLess(r["n2"]["pairs_evaluated"], r["n2"]["pairs_total"])
        after = {s["name"] for s in r["n1"]["fatal_after_cascade"]}
        self.assertIn("zone:eu-west-1a", after, "payments overloads on half its replicas")
        st, r1, _ = self.get("/api/v1/graph/contingency?depth=1&kinds=zones")
        self.assertEqual(st, 200, r1)
        self.assertNotIn("n2", r1)

    def test_cascade_shedding_and_utilization(self):
        st, r, _ = self.post("/api/v1/graph/cascade", {"zones": ["eu-west-1a"]})
        self.assertEqual(st, 200, r)
        over = {e["service"]: e for st_ in r["steps"] for e in st_["failed"] if e["cause"] == "overload"}
        self.assertEqual(over["payments"]["utilization"], 1.25)
        self.assertIn("web", r["customer_facing_failed"])
        st, r, _ = self.post("/api/v1/graph/cascade", {"services": ["db"]})
        self.assertEqual(r["failed_total"], 1, "the standby absorbs the primary's 1800 rps")
        replica = [s for s in r["services"] if s["service"] == "db-replica"][0]
        self.assertEqual(replica["load_rps"], 1800)

        st, plan, _ = self.post("/api/v1/graph/shed", {"zones": ["eu-west-1a"], "target": 0.8})
        self.assertEqual(st, 200, plan)
        self.assertTrue(plan["met"])
        self.assertTrue(plan["simulation"])
        self.assertEqual(plan["steps"][0]["service"], "search")
        self.assertEqual(plan["execution"]["risk"], "HIGH")
        self.assertTrue(plan["execution"]["requires_approval"])
        self.assertEqual(plan["execution"]["actions"][0], {"action": "shed_load", "service": "search", "fraction": 1.0})
        for h in plan["hot"]:
            self.assertLessEqual(h["utilization_after"], 0.8)

        st, u, _ = self.post("/api/v1/graph/utilization", {
            "services": ["payments"],
            "samples": {"payments": [{"time": "2026-03-01T10:00:00Z", "utilization": 0.60},
                                     {"time": "2026-03-01T10:10:00Z", "utilization": 0.65},
                                     {"time": "2026-03-01T10:20:00Z", "utilization": 0.70}]}})
        self.assertEqual(st, 200, u)
        p = u["services"][0]
        self.assertEqual(p["level"], "GREEN")
        self.assertAlmostEqual(p["trend"]["seconds_to"]["ORANGE"], 1200, delta=1)
        self.assertAlmostEqual(p["trend"]["seconds_to"]["exhaustion"], 3600, delta=1)
        self.assertGreater(p["queue"]["wait_ms"], 0)

    def test_defense_level_follows_open_incidents(self):
        st, d, _ = self.get("/api/v1/defense-level")
        self.assertEqual((st, d["level"]), (200, "GREEN"))
        self.assertEqual(d["reason"], "no open incident above SEV4, utilization under the thresholds, on-call covered")
        # The example schedules cover the next 24 h for every policy in use.
        cov = d["components"]["coverage"]
        self.assertEqual((cov["level"], cov["findings"]), ("GREEN", []))
        self.assertEqual(cov["policies"], ["executive", "frontend-daytime", "payments", "platform"])
        self.post("/api/v1/incidents", {"title": "Checkout down", "severity": "SEV1", "services": ["checkout"]})
        st, d, _ = self.get("/api/v1/defense-level")
        self.assertEqual(d["level"], "RED")
        self.assertEqual(d["components"]["incidents"]["open"][0]["severity"], "SEV1")

    def test_static_fallbacks(self):
        st, lst, _ = self.get("/api/v1/graph/fallbacks")
        self.assertEqual(st, 200, lst)
        names = {p["name"] for p in lst["plans"]}
        for n in ("service:db", "zone:eu-west-1a", "group:orders-db", "pair:db+db-replica",
                  "scenario:black-friday"):
            self.assertIn(n, names)
        st, plan, _ = self.get("/api/v1/graph/fallbacks/zone:eu-west-1a")
        self.assertEqual(st, 200, plan)
        self.assertEqual(plan["fingerprint"], lst["fingerprint"])
        texts = [a["text"] for a in plan["actions"]]
        self.assertTrue(any("failed over: db-replica" in t for t in texts), texts)
        self.assertTrue(any(t.startswith("Scale payments") for t in texts), texts)
        st, zones, _ = self.get("/api/v1/graph/fallbacks?kind=zone")
        self.assertEqual({p["kind"] for p in zones["plans"]}, {"zone"})

    def test_graph_as_dot_and_svg_with_the_blast_radius(self):
        st, body, hdr = self.get("/api/v1/graph?format=svg&services=db,db-replica")
        self.assertEqual(st, 200)
        self.assertTrue(hdr["Content-Type"].startswith("image/svg+xml"))
        root = ET.fromstring(body)  # well-formed XML
        ns = "{http://www.w3.org/2000/svg}"
        classes = {g.get("id"): g.get("class") for g in root.iter(ns + "g")}
        self.assertEqual(classes["svc-db"], "node lost")
        self.assertEqual(classes["svc-web"], "node failed")
        self.assertEqual(classes["svc-notifications"], "node ok")
        st, dot, hdr = self.server.request("POST", "/api/v1/graph/blast-radius?format=dot",
                                           {"services": ["search"]}, token=self.token)
        self.assertEqual(st, 200)
        self.assertTrue(dot.startswith("digraph firebreak {"))
        self.assertIn('"web" -> "search" [style=dashed', dot)
        self.assertIn('subgraph "cluster_orders-db"', dot)
        st, g, _ = self.get("/api/v1/graph")
        self.assertEqual({s["id"] for s in g["services"]} >= {"web", "checkout", "payments", "db"}, True)


class GraphCli(ServerTestCase):
    def test_local_and_remote_give_the_same_answers(self):
        local = run_cli("graph", "blast-radius", "db", "db-replica", "--config", EXAMPLE_CONFIG, "--json")
        self.assertEqual(local.returncode, 0, local.stderr)
        env = {"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token}
        remote = run_cli("graph", "blast-radius", "db", "db-replica", "--json", env=env)
        self.assertEqual(remote.returncode, 0, remote.stderr)
        self.assertEqual(json.loads(local.stdout), json.loads(remote.stdout))
        text = run_cli("graph", "contingency", "--config", EXAMPLE_CONFIG)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("db + db-replica", text.stdout)
        # Counts agree with their nouns, and the N-2 line says what its numbers count: of 153 pairs,
        # 117 hold a fatal single and 6 of the rest were simulated together (not "6 evaluated").
        self.assertRegex(text.stdout, r"search +fails search +\(1 service failed, worst tier 2\)")
        self.assertNotIn("1 services", text.stdout)
        self.assertIn("N-2: 4 fatal pairs beyond N-1 (of 153 pairs: 117 contain a fatal single; 6 could fail more "
                      "together than apart and were simulated, the rest cannot)", text.stdout)
        shed = run_cli("graph", "shed", "--zone", "eu-west-1a", env=env)
        self.assertEqual(shed.returncode, 0, shed.stderr)
        self.assertIn("shed 100.0% of search", shed.stdout)
        self.assertIn("[or add 1 replica]", shed.stdout)
        self.assertIn("[or add 2 replicas]", shed.stdout)
        self.assertIn("needs approval", shed.stdout)
        svg = os.path.join(self.tmp, "blast.svg")
        r = run_cli("graph", "blast-radius", "payments", "--config", EXAMPLE_CONFIG, "--format", "svg", "-o", svg)
        self.assertEqual(r.returncode, 0, r.stderr)
        ET.parse(svg)
        r = run_cli("graph", "fallbacks", "zone:eu-west-1a", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Loss of zone eu-west-1a", r.stdout)

    def test_cli_errors_are_one_line(self):
        r = run_cli("graph", "blast-radius", "ghost", "--config", EXAMPLE_CONFIG)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), "firebreak: error: unknown service 'ghost' (field: services[0])")
        r = run_cli("graph", "cascade", "--lose", "payments", "--config", EXAMPLE_CONFIG)
        self.assertEqual(r.returncode, 1)
        self.assertIn("SERVICE=SHARE", r.stderr)



# A rota that has not started yet: its first tier pages nobody, so the ledger's first page waits for
# erin in tier 2 — at whatever time the test runs.
NIGHT_DESK = """
schedules:
  - id: night-desk
    name: Night desk (starts in 2099)
    timezone: UTC
    layers: [{ rotation: weekly, start: "2099-01-05", handoff: "00:00", members: [erin] }]
escalation_policies:
  - id: night-desk
    name: Night desk
    tiers:
      - after: 0m
        targets: [{ schedule: night-desk }]
      - after: 10m
        targets: [{ person: erin }]
teams:
  - id: ledger
    name: Ledger
    members: [erin]
services:
  - id: ledger
    name: Ledger
    team: ledger
    tier: 1
    escalation_policy: night-desk
"""


class CoverageInTheDefenseLevel(ServerTestCase):
    """On-call coverage is the third input of the system defense level (DESIGN.md §3), and the HTTP
    status, the defense-level route and MCP's get_system_status agree on it."""
    start_server = False

    def setUp(self):
        super().setUp()
        self.config = example_config_plus(self.tmp, "night-desk.yaml", NIGHT_DESK)
        self.server = self.new_server(config_dir=self.config)
        self.token = self.server.admin_token

    def test_a_policy_whose_first_tier_pages_nobody_raises_the_level(self):
        st, d, _ = self.server.request("GET", "/api/v1/defense-level", token=self.token)
        self.assertEqual(st, 200, d)
        cov = d["components"]["coverage"]
        self.assertEqual(cov["level"], "ORANGE")
        self.assertEqual([(f["level"], f.get("policy") or f.get("schedule")) for f in cov["findings"]],
                         [("ORANGE", "night-desk"), ("YELLOW", "night-desk")])
        self.assertIn("tier 2, 10m", cov["findings"][0]["detail"])
        self.assertIn("uncovered now", cov["findings"][1]["detail"])
        self.assertEqual(d["level"], "ORANGE", "no incident, no load: coverage alone sets it")
        self.assertTrue(d["reason"].startswith("on-call coverage: escalation policy 'night-desk'"), d["reason"])

        st, status, _ = self.server.request("GET", "/api/v1/status", token=self.token)
        self.assertEqual(st, 200, status)
        self.assertEqual(status["defense_level"], "ORANGE")
        self.assertTrue(status["defense_reason"].startswith("on-call coverage: escalation policy 'night-desk'"),
                        status["defense_reason"])

        mcp = McpHttp(self.server.url, self.token)
        mcp.initialize()
        out = mcp.call("get_system_status")["result"]["structuredContent"]
        self.assertEqual(out["defense_level"], "ORANGE")
        self.assertTrue(any(r.startswith("on-call coverage ORANGE: escalation policy 'night-desk'")
                            for r in out["reasons"]), out["reasons"])

        # An incident worse than the coverage gap sets the level; the gap is still listed.
        self.server.request("POST", "/api/v1/incidents", {"title": "Ledger down", "severity": "SEV1",
                                                          "services": ["ledger"]}, token=self.token)
        st, d, _ = self.server.request("GET", "/api/v1/defense-level", token=self.token)
        self.assertEqual((d["level"], d["components"]["coverage"]["level"]), ("RED", "ORANGE"))
        self.assertEqual(d["reason"], "open SEV1 incident " + d["components"]["incidents"]["open"][0]["id"])
        out = mcp.call("get_system_status")["result"]["structuredContent"]
        self.assertEqual(out["defense_level"], "RED")

        # The CLI on the same config, without a server, says the same about coverage.
        res = run_cli("graph", "defense-level", "--config", self.config, "--json")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(json.loads(res.stdout)["components"]["coverage"]["level"], "ORANGE")


if __name__ == "__main__":
    unittest.main()
