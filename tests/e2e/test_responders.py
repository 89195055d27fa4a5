"""Responder resilience through the real server: roster N-1, bus factor, cognitive load (CLI + API).

Expected values are worked out by hand from examples/config (schedules.yaml, people.yaml,
policies.yaml) for the fixed window starting Monday 2026-02-02 09:00 Paris (08:00Z):
  primary   (weekly alice, bob from 2026-01-05): turn 4 = alice 02-02..02-09, bob 02-09..02-16.
  secondary (weekly bob, alice; carol weekdays 09:00-17:00 Paris on top): bob week 1, alice week 2.
Without alice, primary loses her whole week (168 h) and secondary her week minus carol's five
office days (168 - 5 x 8 = 128 h); the same for bob in the other weeks; carol's hours are always
covered by the weekly layer beneath.
"""
import unittest

from harness import ServerTestCase, example_config_plus, run_cli

FROM = "2026-02-02T08:00:00Z"

LEDGER = """
teams:
  - id: ledger
    name: Ledger
    members: [erin]
escalation_policies:
  - id: ledger
    name: Ledger (one person)
    tiers:
      - after: 0m
        targets: [{ person: erin }]
services:
  - id: ledger
    name: Ledger
    team: ledger
    tier: 0
    escalation_policy: ledger
"""


class ResponderResilienceTest(ServerTestCase):
    start_server = False

    def setUp(self):
        super().setUp()
        # The example company plus a tier-0 ledger service only erin can handle (a planted bus factor of 1).
        self.config = example_config_plus(self.tmp, "ledger.yaml", LEDGER)
        self.server = self.new_server(config_dir=self.config)
        self.token = self.server.admin_token

    def get(self, query):
        st, body, _ = self.server.request("GET", "/api/v1/oncall/resilience" + query, token=self.token)
        return st, body

    def test_roster_n1_and_bus_factor_match_the_hand_computed_roster(self):
        st, r = self.get("?from=" + FROM + "&days=14")
        self.assertEqual(st, 200, r)
        self.assertEqual((r["from"], r["to"]), (FROM, "2026-02-16T08:00:00Z"))
        gaps = [(g["absent"], g["schedule"], g["uncovered_hours"]) for g in r["roster_n1"]]
        self.assertEqual(gaps, [("alice", "primary", 168.0), ("bob", "primary", 168.0),
                                ("alice", "secondary", 128.0), ("bob", "secondary", 128.0)])
        self.assertFalse(r["roster_n1_ok"])
        alice_primary = r["roster_n1"][0]["uncovered"]
        self.assertEqual(alice_primary, [{"start": FROM, "end": "2026-02-09T08:00:00Z"}])
        # Secondary without bob: the first uncovered stretch is Monday evening, after carol's 09:00-17:00.
        self.assertEqual(r["roster_n1"][3]["uncovered"][0]["start"], "2026-02-02T16:00:00Z")

        bus = {b["service"]: b["responders"] for b in r["bus_factor"]}
        # Critical = tier 0..1 (settings.responders.critical_max_tier).
        self.assertEqual(set(bus), {"web", "checkout", "payments", "db", "db-replica", "auth", "inventory",
                                    "cache", "ledger"})
        self.assertEqual(bus["ledger"], ["erin"])
        # Payments team (carol, alice) + payments policy: primary (alice, bob), carol, secondary (bob, alice, carol).
        self.assertEqual(bus["payments"], ["alice", "bob", "carol"])
        # Web: frontend team (bob, carol), default policy platform: primary, secondary, dave.
        self.assertEqual(bus["web"], ["alice", "bob", "carol", "dave"])
        self.assertEqual(r["bus_factor"][0]["service"], "ledger")  # fewest responders first
        self.assertEqual(r["single_points_of_failure"], ["erin"])
        self.assertEqual(r["fatigue"], [])

    def test_cognitive_load_counts_open_incident_roles(self):
        s, t = self.server, self.token
        roles = ["incident_commander", "tech_lead", "communications_lead", "scribe"]
        for n in (1, 2):
            st, inc, _ = s.request("POST", "/api/v1/incidents", {"title": f"Outage {n}", "severity": "SEV2",
                                                                 "services": ["search"]}, token=t)
            self.assertEqual(st, 201, inc)
            for role in roles[: 4 if n == 1 else 3]:
                st, body, _ = s.request("POST", f"/api/v1/incidents/{inc['id']}/roles",
                                        {"role": role, "person": "dave"}, token=t)
                self.assertEqual(st, 200, body)
        st, r = self.get("?days=1")
        self.assertEqual(st, 200, r)
        self.assertEqual(r["cognitive_load"], [])  # 7 roles: at the limit, not over it
        st, body, _ = s.request("POST", "/api/v1/incidents/INC-2/roles", {"role": "scribe", "person": "dave"}, token=t)
        self.assertEqual(st, 200, body)
        st, r = self.get("?days=1")
        self.assertEqual([(w["person"], w["total"], w["roles"]) for w in r["cognitive_load"]], [("dave", 8, 8)])

        # Resolving one incident releases its roles.
        st, body, _ = s.request("POST", "/api/v1/incidents/INC-1/resolve", {"note": "fixed"}, token=t)
        self.assertEqual(st, 200, body)
        st, r = self.get("?days=1")
        self.assertEqual(r["cognitive_load"], [])

    def test_cli_prints_the_report_and_bad_parameters_name_the_field(self):
        res = run_cli("oncall", "resilience", "--server", self.server.url, "--token", self.token,
                      "--from", FROM, "--days", "14")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("without alice", res.stdout)
        self.assertIn("ledger", res.stdout)
        self.assertIn("single point of failure", res.stdout)
        st, err = self.get("?days=500")
        self.assertEqual(st, 400)
        self.assertEqual(err["error"]["field"], "days")
        st, err = self.get("?team=x")
        self.assertEqual(st, 400)
        self.assertEqual(err["error"]["field"], "team")


if __name__ == "__main__":
    unittest.main()
