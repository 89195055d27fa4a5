"""Ingestion end to end: PagerDuty Events v2 replayed with PagerDuty's documented behaviour, the
Alertmanager webhook (bearer key or ?key=), generic and change events, silences, the resolve rule,
and bad input refused with a JSON error naming the field while nothing is stored."""
import base64
import datetime
import json
import sqlite3
import unittest

from harness import Server, ServerTestCase, db_counts, example_config_plus, run_cli, wait_for

PD_KEY = "example-checkout-key"
AM_KEY = "example-alertmanager-key"
EV_KEY = "example-payments-key"
TABLES = ("incidents", "timeline", "audit", "alerts", "change_events", "silences")


def trigger(summary, dedup_key=None, severity="error", component=None, **details):
    ev = {"routing_key": PD_KEY, "event_action": "trigger",
          "payload": {"summary": summary, "source": "host-1", "severity": severity}}
    if dedup_key is not None:
        ev["dedup_key"] = dedup_key
    if component:
        ev["payload"]["component"] = component
    if details:
        ev["payload"]["custom_details"] = details
    return ev


class PagerDutyEvents(ServerTestCase):
    def pd(self, ev):
        st, body, _ = self.server.request("POST", "/v2/enqueue", ev)
        return st, body

    def incident(self, iid):
        st, inc, _ = self.server.request("GET", "/api/v1/incidents/" + iid, token=self.token)
        self.assertEqual(st, 200, inc)
        return inc

    def alerts(self, iid):
        st, body, _ = self.server.request("GET", "/api/v1/incidents/%s/alerts" % iid, token=self.token)
        self.assertEqual(st, 200, body)
        return body["alerts"]

    def test_trigger_repeat_acknowledge_resolve_as_pagerduty_documents(self):
        # trigger with a dedup_key: 202 success, the key echoed.
        st, body = self.pd(trigger("Checkout p99 above 2s", "p99-checkout"))
        self.assertEqual(st, 202, body)
        self.assertEqual((body["status"], body["message"], body["dedup_key"]),
                         ("success", "Event processed", "p99-checkout"))
        iid = body["incident_id"]
        # A repeat with the same key is deduplicated into the open alert.
        st, body = self.pd(trigger("Checkout p99 above 2s", "p99-checkout"))
        self.assertEqual((st, body["dedup_key"], body["result"], body["incident_id"]), (202, "p99-checkout", "repeat", iid))
        [alert] = self.alerts(iid)
        self.assertEqual((alert["count"], alert["status"]), (2, "firing"))
        # Without a dedup_key PagerDuty makes one up and returns it; each such trigger is a new alert.
        st, a = self.pd(trigger("Checkout cart errors"))
        st2, b = self.pd(trigger("Checkout cart errors"))
        self.assertEqual((st, st2), (202, 202))
        self.assertTrue(a["dedup_key"] and b["dedup_key"])
        self.assertNotEqual(a["dedup_key"], b["dedup_key"])
        self.assertEqual(len(self.alerts(iid)), 3, "same service, same incident, separate alerts")
        # acknowledge: the incident is acknowledged.
        st, body = self.pd({"routing_key": PD_KEY, "event_action": "acknowledge", "dedup_key": "p99-checkout"})
        self.assertEqual((st, body["status"], body["result"]), (202, "success", "acknowledged"))
        self.assertEqual(self.incident(iid)["state"], "acknowledged")
        # acknowledge/resolve need the key.
        st, body = self.pd({"routing_key": PD_KEY, "event_action": "resolve"})
        self.assertEqual((st, body["status"], body["error"]["field"]), (400, "invalid event", "dedup_key"))
        # A resolve for a key PagerDuty does not know is accepted and dropped.
        st, body = self.pd({"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": "no-such-alert"})
        self.assertEqual((st, body["result"]), (202, "ignored"))
        # Resolving every alert mitigates the incident (settings.auto_resolve), with a timeline entry.
        for key in ("p99-checkout", a["dedup_key"], b["dedup_key"]):
            st, body = self.pd({"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": key})
            self.assertEqual((st, body["result"]), (202, "resolved"), key)
        inc = self.incident(iid)
        self.assertEqual((inc["state"], inc["open_alerts"], inc["alert_count"]), ("mitigated", 0, 3))
        st, tl, _ = self.server.request("GET", "/api/v1/incidents/%s/timeline" % iid, token=self.token)
        mitigated = [e for e in tl["entries"] if e["kind"] == "mitigated"]
        self.assertEqual(len(mitigated), 1, tl)
        self.assertIn("all 3 alerts resolved", mitigated[0]["text"])
        # Resolving again is a no-op; a new trigger with the old key is a new episode that reopens it.
        st, body = self.pd({"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": "p99-checkout"})
        self.assertEqual(body["result"], "ignored")
        st, body = self.pd(trigger("Checkout p99 above 2s", "p99-checkout"))
        self.assertEqual((body["result"], body["incident_id"]), ("new", iid))
        self.assertEqual(self.incident(iid)["state"], "triggered")

    def test_alertmanagers_alert_listing_shows_a_pagerduty_alerts_key_and_summary(self):
        # amtool alert query reads GET /api/v2/alerts: its Alertname and Summary columns come from
        # labels.alertname and annotations.summary, which a PagerDuty event does not have.
        st, body = self.pd(trigger("Checkout p99 above 2s", "p99-checkout"))
        self.assertEqual(st, 202, body)
        st, listed, _ = self.server.request("GET", "/api/v2/alerts", token=self.token)
        self.assertEqual(st, 200, listed)
        [a] = [a for a in listed if a["fingerprint"] == "p99-checkout"]
        self.assertEqual((a["labels"]["alertname"], a["annotations"]["summary"]), ("p99-checkout", "Checkout p99 above 2s"))
        self.assertEqual(a["labels"]["severity"], "error")
        # Only the listing: the alert is stored as it came.
        [stored] = self.alerts(body["incident_id"])
        self.assertNotIn("alertname", stored["labels"])
        self.assertNotIn("summary", stored.get("annotations", {}))

    def test_severity_rules_flags_and_dependency_grouping(self):
        st, db = self.pd(trigger("Orders DB replica lag 40s", "lag", severity="critical", component="db"))
        self.assertEqual(st, 202, db)
        inc = self.incident(db["incident_id"])
        self.assertEqual((inc["severity"], inc["services"], inc["source"]), ("SEV2", ["db"], "pagerduty"))
        # payments depends on db: its alert joins as a downstream symptom and says so.
        st, pay = self.pd(trigger("Payments 5xx", "pay-5xx", severity="warning", component="payments"))
        self.assertEqual(pay["incident_id"], db["incident_id"])
        self.assertEqual(pay["join_reason"], "downstream of db (payments depends on db)")
        # A data-loss alert makes it SEV0 and flags it.
        st, lost = self.pd(trigger("Orders lost", "lost", severity="info", component="payments", data_loss=True))
        inc = self.incident(db["incident_id"])
        self.assertEqual((inc["severity"], inc["flags"], inc["services"]), ("SEV0", ["data_loss"], ["db", "payments"]))
        # Resolving by hand with alerts firing needs a note saying why.
        path = "/api/v1/incidents/%s/resolve" % db["incident_id"]
        st, err, _ = self.server.request("POST", path, token=self.token)
        self.assertEqual((st, err["error"]["code"], err["error"]["field"]), (409, "failed_precondition", "note"))
        self.assertIn("3 alerts are still firing", err["error"]["message"])
        st, inc, _ = self.server.request("POST", path, {"note": "replica rebuilt; alerts lag"}, token=self.token)
        self.assertEqual((st, inc["state"]), (200, "resolved"))


class AlertmanagerWebhook(ServerTestCase):
    def hook(self, alerts, **kw):
        return {"version": "4", "groupKey": "{}:{}", "status": "firing", "receiver": "firebreak", "alerts": alerts}

    def test_bearer_or_query_key_and_firing_then_resolved(self):
        alert = {"status": "firing", "labels": {"alertname": "SearchDown", "service": "search", "severity": "critical"},
                 "annotations": {"summary": "search returns 503"}, "startsAt": "2026-01-05T08:00:00Z",
                 "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "5e4c4d0wn"}
        st, body, _ = self.server.request("POST", "/api/v1/alerts/alertmanager?verbose=1", self.hook([alert]),
                                          headers={"Authorization": "Bearer " + AM_KEY})
        self.assertEqual(st, 200, body)
        self.assertEqual((body["alerts"], body["new"]), (1, 1))
        [r] = body["results"]
        self.assertEqual(r["result"], "new")
        iid = r["incident_id"]
        st, body, _ = self.server.request("POST", "/api/v1/alerts/alertmanager?key=" + AM_KEY, self.hook([alert]))
        self.assertEqual((st, body.get("repeat"), body["incidents"]), (200, 1, [iid]))
        alert["status"] = "resolved"
        st, body, _ = self.server.request("POST", "/api/v1/alerts/alertmanager?key=" + AM_KEY, self.hook([alert]))
        self.assertEqual((st, body.get("resolved")), (200, 1))
        st, inc, _ = self.server.request("GET", "/api/v1/incidents/" + iid, token=self.token)
        self.assertEqual((inc["state"], inc["title"], inc["source"]),
                         ("mitigated", "search: SearchDown: search returns 503", "alertmanager"))
        # The search service label routed it (the integration's own service is web).
        st, body, _ = self.server.request("GET", "/api/v1/alerts?service=search", token=self.token)
        self.assertEqual([(a["count"], a["status"]) for a in body["alerts"]], [(2, "resolved")])

    def test_verbose_only_when_asked_and_a_bad_value_is_refused(self):
        def post(query, n):
            alert = {"status": "firing", "labels": {"alertname": "Verbose%d" % n, "service": "search"},
                     "startsAt": "2026-01-05T08:00:00Z"}
            return self.server.request("POST", "/api/v1/alerts/alertmanager?key=%s&%s" % (AM_KEY, query),
                                       self.hook([alert]))[:2]
        for n, query in enumerate(["verbose=1", "verbose=true"]):
            st, body = post(query, n)
            self.assertEqual((st, [r["result"] for r in body.get("results", [])]), (200, ["new"]), query)
        for n, query in enumerate(["verbose=0", "verbose=false"], 2):
            st, body = post(query, n)
            self.assertEqual((st, body["new"]), (200, 1), query)
            self.assertNotIn("results", body, query)
        before = db_counts(self.data, TABLES)
        for n, query in enumerate(["verbose=maybe", "verbose="], 4):
            st, body = post(query, n)
            self.assertEqual((st, body["error"]["code"], body["error"]["field"]), (400, "invalid_argument", "verbose"),
                             query)
        self.assertEqual(db_counts(self.data, TABLES), before, "a refused webhook stored something")


class AlertmanagerApi(ServerTestCase):
    """POST /api/v2/alerts as Prometheus posts it (the real Prometheus is in test_prometheus_alerts.py):
    the key as a basic-auth password, endsAt deciding firing or resolved."""

    def post(self, alerts, query=""):
        basic = base64.b64encode(b"prometheus:example-prometheus-key").decode()
        st, body, _ = self.server.request("POST", "/api/v2/alerts" + query, alerts,
                                          headers={"Authorization": "Basic " + basic})
        self.assertEqual(st, 200, body)
        return body

    def test_basic_auth_firing_repeat_and_resolved_by_ends_at(self):
        # The server's clock is real: startsAt and endsAt relative to now, as Prometheus sends them.
        now = datetime.datetime.now(datetime.timezone.utc)
        iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # noqa: E731
        alert = {"labels": {"alertname": "SearchDown", "service": "search", "severity": "critical"},
                 "annotations": {"summary": "search returns 503"}, "startsAt": iso(now),
                 "endsAt": iso(now + datetime.timedelta(minutes=4)), "generatorURL": "http://prom/graph"}
        body = self.post([alert], "?verbose=1")
        self.assertEqual((body["alerts"], body["new"]), (1, 1))
        [r] = body["results"]
        iid = r["incident_id"]
        # The same labels in another order are the same alert.
        again = dict(alert, labels=dict(reversed(list(alert["labels"].items()))))
        self.assertEqual(self.post([again])["repeat"], 1)
        body = self.post([dict(alert, endsAt=iso(datetime.datetime.now(datetime.timezone.utc)))])
        self.assertEqual(body["resolved"], 1)
        st, inc, _ = self.server.request("GET", "/api/v1/incidents/" + iid, token=self.token)
        self.assertEqual((inc["state"], inc["source"], inc["services"]), ("mitigated", "prometheus", ["search"]))
        st, body, _ = self.server.request("GET", "/api/v1/incidents/%s/alerts" % iid, token=self.token)
        [a] = body["alerts"]
        self.assertEqual((a["count"], a["status"], a["generator_url"]), (2, "resolved", "http://prom/graph"))


class EventsChangesAndSilences(ServerTestCase):
    def cli(self, *args):
        return run_cli(*args, env={"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token})

    def test_generic_events_change_events_and_silences_over_http_and_cli(self):
        s = self.server
        # Change events: PagerDuty's and the generic kind, listed for root-cause analysis.
        st, body, _ = s.request("POST", "/v2/change/enqueue", {
            "routing_key": PD_KEY, "payload": {"summary": "Deploy checkout v2.3.1", "source": "github-actions",
                                               "timestamp": "2026-01-05T07:50:00Z",
                                               "custom_details": {"version": "2.3.1"}},
            "links": [{"href": "https://ci.example/run/9"}]})
        self.assertEqual((st, body["status"], body["service"]), (202, "success", "checkout"), body)
        st, body, _ = s.request("POST", "/api/v1/events", {"type": "change", "kind": "config", "service": "db",
                                                           "summary": "max_connections 200 -> 400"},
                                headers={"X-Routing-Key": EV_KEY})
        self.assertEqual((st, body["change"]["service"], body["change"]["kind"]), (202, "db", "config"), body)
        r = self.cli("changes", "list", "--since", "2026-01-01T00:00:00Z")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Deploy checkout v2.3.1", r.stdout)
        self.assertIn("deploy", r.stdout)
        self.assertIn("max_connections 200 -> 400", r.stdout)
        # A silence: matching alerts are recorded, marked silenced, and open nothing.
        r = self.cli("silence", "create", "-m", "service=payments", "-m", "alertname=~Payment.*",
                     "--duration", "2h", "--comment", "payments maintenance")
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "SIL-1"), r.stderr)
        st, body, _ = s.request("POST", "/api/v1/events", {"routing_key": EV_KEY, "summary": "Payment latency high",
                                                           "severity": "critical",
                                                           "labels": {"alertname": "PaymentLatency"}})
        self.assertEqual((st, body["result"], body.get("incident_id")), (202, "silenced", None), body)
        self.assertEqual(db_counts(self.data, ("incidents",))["incidents"], 0)
        r = self.cli("alerts", "list", "--status", "firing")
        self.assertIn("silenced by SIL-1", r.stdout)
        r = self.cli("silence", "list")
        self.assertIn("SIL-1", r.stdout)
        self.assertIn("active", r.stdout)
        # Expiring it early places the still-firing alert (and is audited).
        r = self.cli("silence", "expire", "SIL-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        st, inc, _ = s.request("GET", "/api/v1/incidents/INC-1", token=self.token)
        self.assertEqual((st, inc["services"], inc["source"]), (200, ["payments"], "event"))
        st, audit, _ = s.request("GET", "/api/v1/audit?action=silence.", token=self.token)
        self.assertEqual([e["action"] for e in audit["entries"]], ["silence.create", "silence.expire"])
        r = self.cli("silence", "list", "--state", "expired", "--json")
        self.assertEqual(json.loads(r.stdout)["silences"][0]["state"], "expired")
        r = self.cli("silence", "expire", "SIL-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("already ended", r.stderr)
        r = self.cli("silence", "create", "-m", "alertname=~(", "--comment", "bad regex")
        self.assertEqual(r.returncode, 1)
        self.assertIn("matchers[0]", r.stderr)


MAINTENANCE = """
time_intervals:
  - name: sunday-reindex
    time_intervals:
      - weekdays: [sunday]
        times: [{ start_time: "11:00", end_time: "12:00" }]
        location: Europe/Berlin
maintenance_windows:
  - name: search-reindex
    matchers: [service=search]
    mute_time_intervals: [sunday-reindex]
    comment: weekly index rebuild
"""


class MaintenanceWindows(ServerTestCase):
    """A recurring maintenance window from the config (Alertmanager's time_intervals format) mutes
    its alerts for each stretch by itself: a silence shown wherever silences are (Firebreak's API,
    Alertmanager's API for amtool, the CLI), ended on time, after which still-firing alerts open
    incidents. Time is the server's manual clock; nothing sleeps."""

    start_server = False

    def test_a_weekly_window_silences_its_stretch_and_lets_go_at_its_end(self):
        cfg = example_config_plus(self.tmp, "maintenance.yaml", MAINTENANCE)
        # Sunday 1 March 2026, 11:00 in Berlin: inside the first stretch.
        s = Server(self.data, config_dir=cfg, extra_args=["--clock", "manual=2026-03-01T10:00:00Z"]).start()
        self.servers.append(s)
        token = s.admin_token
        env = {"FIREBREAK_URL": s.url, "FIREBREAK_TOKEN": token}

        def window():
            st, body, _ = s.request("GET", "/api/v1/maintenance", token=token)
            self.assertEqual(st, 200, body)
            return body["windows"][0]

        w = wait_for(lambda: window() if window()["silence_id"] else None, 30, "the start-up silence")
        self.assertEqual((w["name"], w["in_window"], w["ends_at"], w["next_start"], w["next_end"]),
                         ("search-reindex", True, "2026-03-01T11:00:00Z", "2026-03-08T10:00:00Z",
                          "2026-03-08T11:00:00Z"))
        sil = w["silence_id"]
        # Alertmanager's silence API (amtool, Grafana) sees it like any silence.
        st, am, _ = s.request("GET", "/api/v2/silence/" + sil, token=token)
        self.assertEqual((st, am["status"]["state"], am["createdBy"], am["endsAt"]),
                         (200, "active", "system:maintenance", "2026-03-01T11:00:00Z"), am)
        self.assertEqual(am["matchers"], [{"name": "service", "value": "search", "isRegex": False, "isEqual": True}])
        # A matching alert is recorded and silenced; another service's opens an incident.
        st, body, _ = s.request("POST", "/api/v1/events", {"routing_key": EV_KEY, "summary": "Search index stale",
                                                           "severity": "critical",
                                                           "labels": {"alertname": "IndexStale", "service": "search"}})
        self.assertEqual((st, body["result"], body.get("incident_id")), (202, "silenced", None), body)
        r = run_cli("maintenance", "list", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("search-reindex", r.stdout)
        self.assertIn("muting until 2026-03-01T11:00:00Z", r.stdout)
        self.assertIn(sil, r.stdout)
        self.assertIn("2026-03-08T10:00:00Z .. 2026-03-08T11:00:00Z", r.stdout)
        r = run_cli("silence", "list", env=env)
        self.assertIn("Maintenance window 'search-reindex': weekly index rebuild", r.stdout)

        # 12:00 in Berlin: the stretch ends, the still-firing alert opens its incident.
        st, body, _ = s.request("POST", "/api/v1/admin/clock", {"advance": "1h"}, token=token)
        self.assertEqual(st, 200, body)

        def placed():
            st, body, _ = s.request("GET", "/api/v1/alerts?service=search", token=token)
            return body["alerts"][0]["incident_id"]

        iid = wait_for(placed, 30, "the silenced alert placed")
        st, inc, _ = s.request("GET", "/api/v1/incidents/" + iid, token=token)
        self.assertEqual((inc["services"], inc["state"]), (["search"], "triggered"))
        w = window()
        self.assertEqual((w["in_window"], w["silence_id"], w["next_start"]), (False, None, "2026-03-08T10:00:00Z"))
        st, am, _ = s.request("GET", "/api/v2/silence/" + sil, token=token)
        self.assertEqual(am["status"]["state"], "expired")

    def test_preview_lists_the_coming_stretches_offline_in_local_time(self):
        cfg = example_config_plus(self.tmp, "maintenance.yaml", MAINTENANCE)
        r = run_cli("maintenance", "preview", "--config", cfg, "--from", "2026-03-01T00:00:00Z", "--days", "14",
                    "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        [w] = json.loads(r.stdout)["windows"]
        self.assertEqual(w["stretches"], [{"start": "2026-03-01T10:00:00Z", "end": "2026-03-01T11:00:00Z"},
                                          {"start": "2026-03-08T10:00:00Z", "end": "2026-03-08T11:00:00Z"}])
        # Berlin moves to summer time on 29 March: the same 11:00 local is an hour earlier in UTC.
        r = run_cli("maintenance", "preview", "--config", cfg, "--from", "2026-03-22T00:00:00Z", "--days", "14")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("2026-03-22T10:00:00Z", r.stdout)
        self.assertIn("2026-03-29T09:00:00Z", r.stdout)
        self.assertIn("service=search", r.stdout)
        r = run_cli("maintenance", "preview", "--config", cfg, "--from", "next sunday")
        self.assertEqual(r.returncode, 1)
        self.assertIn("--from", r.stderr)

    def test_a_window_naming_an_unknown_interval_or_a_bad_day_is_refused_with_its_place(self):
        cfg = example_config_plus(self.tmp, "maintenance.yaml", MAINTENANCE.replace(
            "weekdays: [sunday]", "weekdays: [sundae]").replace("mute_time_intervals: [sunday-reindex]",
                                                                 "mute_time_intervals: [sunday-reindx]"))
        r = run_cli("validate", "--config", cfg)
        self.assertEqual(r.returncode, 1, r.stdout)
        out = r.stdout + r.stderr
        self.assertIn("maintenance.yaml:5:", out)
        self.assertIn("time_intervals[0]: weekdays: 'sundae' is not a day of the week", out)
        self.assertIn("in maintenance window 'search-reindex': mute_time_intervals: time interval 'sunday-reindx' "
                      "is not defined", out)


class MergeIncidents(ServerTestCase):
    """Incidents that correlation kept apart but a responder knows are one problem are merged: over
    HTTP and the CLI, with refusals that name the field and change nothing."""

    def cli(self, *args):
        return run_cli(*args, env={"FIREBREAK_URL": self.server.url, "FIREBREAK_TOKEN": self.token})

    def pd(self, ev):
        st, body, _ = self.server.request("POST", "/v2/enqueue", ev)
        self.assertEqual(st, 202, body)
        return body

    def get(self, iid):
        st, inc, _ = self.server.request("GET", "/api/v1/incidents/" + iid, token=self.token)
        self.assertEqual(st, 200, inc)
        return inc

    def merge_state(self):
        """What a merge writes, read from the SQLite file: the incidents' documents, where each
        alert belongs, merge timeline entries and audit entries. (Paging adds timeline entries
        on its own schedule, so whole-table counts would race.)"""
        con = sqlite3.connect("file:%s/firebreak.db?mode=ro" % self.data, uri=True)
        try:
            return (con.execute("SELECT id, doc FROM incidents ORDER BY id").fetchall(),
                    con.execute("SELECT id, incident_id FROM alerts ORDER BY id").fetchall(),
                    con.execute("SELECT COUNT(*) FROM timeline WHERE kind = 'merged'").fetchone(),
                    con.execute("SELECT COUNT(*) FROM audit WHERE action = 'incident.merge'").fetchone())
        finally:
            con.close()

    def test_merge_over_http_and_cli_moves_the_alerts_and_later_ones_follow(self):
        s = self.server
        # queue, fraud and search are not linked in the example dependency graph: three incidents.
        target = self.pd(trigger("Job queue backlog", "queue-backlog", severity="warning", component="queue"))["incident_id"]
        a = self.pd(trigger("Fraud scoring timeouts", "fraud-timeouts", severity="critical", component="fraud"))["incident_id"]
        b = self.pd(trigger("Search errors", "search-errors", severity="warning", component="search"))["incident_id"]
        self.assertEqual(len({target, a, b}), 3)

        path = "/api/v1/incidents/%s/merge" % target
        before = self.merge_state()
        for body, status, field in (({"incidents": []}, 400, "incidents"),
                                    ({"incidents": "%s" % a}, 400, "incidents"),
                                    ({"incidents": [a], "notes": "typo"}, 400, "notes"),
                                    ({"incidents": [target]}, 400, "incidents[0]"),
                                    ({"incidents": [a, "INC-99"]}, 404, "incidents[1]")):
            st, err, _ = s.request("POST", path, body, token=self.token)
            self.assertEqual((st, err["error"]["field"]), (status, field), err)
        self.assertEqual(self.merge_state(), before, "a refused merge stores nothing")
        self.assertEqual(self.get(a)["state"], "triggered")

        st, inc, _ = s.request("POST", path, {"incidents": [a], "note": "same bad deploy"}, token=self.token)
        self.assertEqual(st, 200, inc)
        self.assertEqual((inc["id"], inc["services"], inc["severity"], inc["alert_count"], inc["open_alerts"]),
                         (target, ["fraud", "queue"], "SEV2", 2, 2))
        src = self.get(a)
        self.assertEqual((src["state"], src["merged_into"], src["open_alerts"]), ("resolved", target, 0))
        st, tl, _ = s.request("GET", "/api/v1/incidents/%s/timeline" % target, token=self.token)
        merged = [e for e in tl["entries"] if e["kind"] == "merged"]
        self.assertEqual(len(merged), 1)
        self.assertIn(a, merged[0]["text"])
        self.assertIn("same bad deploy", merged[0]["text"])
        st, me, _ = s.request("GET", "/api/v1/whoami", token=self.token)
        self.assertEqual(merged[0]["actor"], me["actor"])

        # The CLI merges the third; `incident show` says where a merged incident went.
        r = self.cli("incident", "merge", target, b, "--note", "one problem")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(target, r.stdout)
        r = self.cli("incident", "show", b)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("merged into:  " + target, r.stdout)
        r = self.cli("incident", "merge", target, b)
        self.assertEqual(r.returncode, 1)
        self.assertIn("only open incidents can be merged", r.stderr)
        st, body, _ = s.request("GET", "/api/v1/incidents/%s/alerts" % target, token=self.token)
        self.assertEqual(sorted(al["dedup_key"] for al in body["alerts"]),
                         ["fraud-timeouts", "queue-backlog", "search-errors"])
        st, audit, _ = s.request("GET", "/api/v1/audit?action=incident.merge", token=self.token)
        self.assertEqual([(e["target"], e["details"]["from"]) for e in audit["entries"]],
                         [("incident:" + target, a), ("incident:" + target, b)])

        # A merged incident is not reopened, by hand or by its alerts: they count for the target.
        st, err, _ = s.request("POST", "/api/v1/incidents/%s/reopen" % a, token=self.token)
        self.assertEqual(st, 409, err)
        self.assertIn(target, err["error"]["message"])
        self.assertEqual(self.pd(trigger("Fraud scoring timeouts", "fraud-timeouts", severity="critical",
                                         component="fraud"))["incident_id"], target)
        self.assertEqual(self.pd(trigger("Fraud model errors", "fraud-model", severity="warning",
                                         component="fraud"))["incident_id"], target)
        for key in ("queue-backlog", "fraud-timeouts", "search-errors", "fraud-model"):
            self.pd({"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": key})
        inc = self.get(target)
        self.assertEqual((inc["state"], inc["open_alerts"], inc["alert_count"]), ("mitigated", 0, 4))
        self.assertEqual(self.get(a)["state"], "resolved")


class BadInput(ServerTestCase):
    def assertRefused(self, status, field, path, raw=None, body=None, headers=None):
        before = db_counts(self.data, TABLES)
        st, resp, _ = self.server.request("POST", path, body=body, raw=raw, headers=headers)
        self.assertEqual(st, status, resp)
        self.assertIsInstance(resp, dict, resp)
        self.assertTrue(resp["error"]["message"])
        self.assertEqual(resp["error"].get("field"), field, resp)
        self.assertEqual(db_counts(self.data, TABLES), before, "a refused request stored something")
        return resp

    def test_each_kind_of_bad_input_is_refused_with_the_field_and_stores_nothing(self):
        ok = trigger("disk full", "d1")
        # malformed JSON, wrong types, missing fields, unknown key, invalid UTF-8, oversized.
        self.assertRefused(400, "body", "/v2/enqueue", raw='{"routing_key": ')
        self.assertRefused(400, "body", "/v2/enqueue", raw='')
        bad = dict(ok, payload=dict(ok["payload"], severity=3))
        self.assertRefused(400, "payload.severity", "/v2/enqueue", body=bad)
        bad = dict(ok, payload={"source": "h", "severity": "info"})
        self.assertRefused(400, "payload.summary", "/v2/enqueue", body=bad)
        self.assertRefused(400, "event_action", "/v2/enqueue", body=dict(ok, event_action="explode"))
        resp = self.assertRefused(401, "routing_key", "/v2/enqueue", body=dict(ok, routing_key="not-a-configured-key"))
        self.assertEqual(resp["error"]["code"], "unauthenticated")
        self.assertRefused(401, "routing_key", "/v2/enqueue", body={k: v for k, v in ok.items() if k != "routing_key"})
        raw = json.dumps(ok).replace("disk full", "disk \\u00e9").encode().replace(b"\\u00e9", b"\xc3")
        self.assertRefused(400, "payload.summary", "/v2/enqueue", raw=raw)
        big = dict(ok, payload=dict(ok["payload"], custom_details={"blob": "x" * (520 * 1024)}))
        resp = self.assertRefused(413, "body", "/v2/enqueue", body=big)
        self.assertIn("524288", resp["error"]["message"])
        self.assertRefused(400, "payload.summary", "/v2/change/enqueue", body={"routing_key": PD_KEY, "payload": {}})
        # Alertmanager: the key, then the payload.
        hook = {"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "X"}}]}
        self.assertRefused(401, "Authorization", "/api/v1/alerts/alertmanager", body=hook)
        self.assertRefused(401, "Authorization", "/api/v1/alerts/alertmanager", body=hook,
                           headers={"Authorization": "Bearer wrong-key-123"})
        self.assertRefused(401, "key", "/api/v1/alerts/alertmanager?key=wrong-key-123", body=hook)
        auth = {"Authorization": "Bearer " + AM_KEY}
        self.assertRefused(400, "alerts[1].labels", "/api/v1/alerts/alertmanager", headers=auth,
                           body=dict(hook, alerts=hook["alerts"] + [{"status": "firing", "labels": {}}]))
        self.assertRefused(400, "alerts[0].status", "/api/v1/alerts/alertmanager", headers=auth,
                           body=dict(hook, alerts=[{"status": "pending", "labels": {"a": "b"}}]))
        self.assertRefused(400, "alerts[0].labels.instance", "/api/v1/alerts/alertmanager", headers=auth,
                           raw=b'{"alerts":[{"status":"firing","labels":{"instance":"\xff"}}]}')
        self.assertRefused(400, "version", "/api/v1/alerts/alertmanager", headers=auth, body=dict(hook, version="3"))
        # Alertmanager's API as Prometheus posts to it: the key (bearer or basic-auth password), then
        # the alerts.
        self.assertRefused(401, "Authorization", "/api/v2/alerts", body=[{"labels": {"a": "b"}}])
        self.assertRefused(401, "Authorization", "/api/v2/alerts", body=[{"labels": {"a": "b"}}],
                           headers={"Authorization": "Basic " + base64.b64encode(b"prometheus:wrong-key-1").decode()})
        prom = {"Authorization": "Bearer example-prometheus-key"}
        self.assertRefused(400, "body", "/api/v2/alerts", headers=prom, body={"labels": {"a": "b"}})
        self.assertRefused(400, "[1].labels.bad-name", "/api/v2/alerts", headers=prom,
                           body=[{"labels": {"a": "b"}}, {"labels": {"bad-name": "x"}}])
        self.assertRefused(400, "[0].endsAt", "/api/v2/alerts", headers=prom,
                           body=[{"labels": {"a": "b"}, "startsAt": "2026-01-05T08:00:00Z",
                                  "endsAt": "2026-01-05T07:00:00Z"}])
        self.assertRefused(400, "[0].labels.instance", "/api/v2/alerts", headers=prom,
                           raw=b'[{"labels":{"instance":"\xff"}}]')
        # Generic events.
        self.assertRefused(400, "summary", "/api/v1/events", body={"routing_key": EV_KEY})
        self.assertRefused(400, "service", "/api/v1/events",
                           body={"routing_key": EV_KEY, "summary": "x", "service": "no-such-service"})
        self.assertRefused(401, "X-Routing-Key", "/api/v1/events", body={"summary": "x"})
        self.assertRefused(400, "colour", "/api/v1/events", body={"routing_key": EV_KEY, "summary": "x", "colour": 1})
        # A key repeated in an object has two readings: refused on every ingest path, naming it.
        ok_text = json.dumps(ok)
        twice = ok_text.replace('"severity": "error"', '"severity": "error", "severity": "info"')
        self.assertNotEqual(twice, ok_text)
        resp = self.assertRefused(400, "payload.severity", "/v2/enqueue", raw=twice)
        self.assertEqual(resp["error"]["message"], "key 'payload.severity' appears more than once")
        self.assertRefused(400, "alerts[0].labels.alertname", "/api/v1/alerts/alertmanager", headers=auth,
                           raw='{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"X","alertname":"Y"}}]}')
        self.assertRefused(400, "groupLabels.job", "/api/v1/alerts/alertmanager", headers=auth,
                           raw='{"groupLabels":{"job":"a","job":"b"},"alerts":[{"status":"firing","labels":{"a":"b"}}]}')
        self.assertRefused(400, "[0].labels.a", "/api/v2/alerts", headers=prom, raw='[{"labels":{"a":"b","a":"c"}}]')
        self.assertRefused(400, "summary", "/api/v1/events",
                           raw='{"routing_key":"%s","summary":"x","summary":"y"}' % EV_KEY)
        # The good event still goes through afterwards.
        st, body, _ = self.server.request("POST", "/v2/enqueue", ok)
        self.assertEqual(st, 202, body)

    def test_a_pagerduty_timestamp_that_is_not_a_string_is_refused_not_taken_as_now(self):
        ok = trigger("disk full", "d1")
        change = {"routing_key": PD_KEY, "payload": {"summary": "Deploy checkout v2", "source": "ci"}}
        for ts in (12345, {}, [], True, 1e308, -1):
            self.assertRefused(400, "payload.timestamp", "/v2/enqueue",
                               body=dict(ok, payload=dict(ok["payload"], timestamp=ts)))
            self.assertRefused(400, "payload.timestamp", "/v2/change/enqueue",
                               body=dict(change, payload=dict(change["payload"], timestamp=ts)))
        st, body, _ = self.server.request("POST", "/v2/enqueue", ok)
        self.assertEqual(st, 202, body)

    def test_a_string_custom_details_is_bounded_like_an_objects_values_and_stored_once(self):
        ok = trigger("disk full", "d1")
        for n in (16 * 1024 + 1, 100 * 1024):
            self.assertRefused(400, "payload.custom_details", "/v2/enqueue",
                               body=dict(ok, payload=dict(ok["payload"], custom_details="x" * n)))
            self.assertRefused(400, "payload.custom_details", "/v2/change/enqueue",
                               body={"routing_key": PD_KEY, "payload": {"summary": "Deploy v2", "custom_details": "x" * n}})
        st, body, _ = self.server.request("POST", "/v2/enqueue",
                                          dict(ok, payload=dict(ok["payload"], custom_details="y" * 16384)))
        self.assertEqual(st, 202, body)
        st, alerts, _ = self.server.request("GET", "/api/v1/incidents/%s/alerts" % body["incident_id"], token=self.token)
        [alert] = alerts["alerts"]
        self.assertEqual(alert["annotations"]["details"], "y" * 16384)
        self.assertNotIn("custom_details", alert.get("details", {}), "the string is stored once")

    def test_pagerduty_links_are_objects_and_long_strings_are_refused(self):
        ok = trigger("disk full", "d1")
        change = {"routing_key": PD_KEY, "payload": {"summary": "Deploy checkout v2", "source": "ci"}}
        big = "x" * (100 * 1024)
        for path, ev in (("/v2/enqueue", ok), ("/v2/change/enqueue", change)):
            self.assertRefused(400, "links[0]", path, body=dict(ev, links=["str"]))
            self.assertRefused(400, "links[0].href", path, body=dict(ev, links=[{"href": big}]))
            self.assertRefused(400, "payload.source", path, body=dict(ev, payload=dict(ev["payload"], source=big)))
        st, body, _ = self.server.request("POST", "/v2/change/enqueue", dict(change, links=[{"href": "http://ci/9"}]))
        self.assertEqual(st, 202, body)

    def test_alertmanager_label_and_annotation_values_must_be_strings(self):
        auth = {"Authorization": "Bearer " + AM_KEY}
        prom = {"Authorization": "Bearer example-prometheus-key"}
        for v in (123, True, None):
            self.assertRefused(400, "alerts[0].labels.alertname", "/api/v1/alerts/alertmanager", headers=auth,
                               body={"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": v}}]})
            self.assertRefused(400, "alerts[0].annotations.summary", "/api/v1/alerts/alertmanager", headers=auth,
                               body={"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "X"},
                                                                 "annotations": {"summary": v}}]})
            self.assertRefused(400, "[0].labels.alertname", "/api/v2/alerts", headers=prom,
                               body=[{"labels": {"alertname": v}}])
            self.assertRefused(400, "[0].annotations.summary", "/api/v2/alerts", headers=prom,
                               body=[{"labels": {"alertname": "X"}, "annotations": {"summary": v}}])

    def test_a_metrics_push_giving_a_key_twice_is_refused_naming_it(self):
        auth = {"Authorization": "Bearer " + self.token}
        sample = '{"service":"checkout","metric":"latency_p99","time":"2026-01-05T08:00:00Z","value":0.2}'
        resp = self.assertRefused(400, "samples", "/api/v1/metrics", headers=auth,
                                  raw='{"samples":[%s],"samples":[%s]}' % (sample, sample))
        self.assertIn("more than once", resp["error"]["message"])
        st, body, _ = self.server.request("POST", "/api/v1/metrics", raw='{"samples":[%s]}' % sample, token=self.token)
        self.assertEqual((st, body.get("samples")), (200, 1), body)


if __name__ == "__main__":
    unittest.main()
