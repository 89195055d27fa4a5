#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json.h"
#include "testing/testing.h"

namespace firebreak::config {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> Errors(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.Sorted())
    if (d.level == Diagnostic::Level::kError) out.push_back(d.ToString());
  return out;
}

const char* kMinimal = R"(
people:
  - { id: alice, email: alice@example.com }
  - { id: bob }
services:
  - id: web
    dependencies: [api]
  - id: api
    dependencies: [db]
  - id: db
schedules:
  - id: primary
    layers:
      - { start: "2026-01-05", members: [alice, bob] }
escalation_policies:
  - id: default
    tiers:
      - { after: 0m, targets: [{ schedule: primary }] }
      - { after: 15m, targets: [{ person: bob }] }
)";

TEST(ConfigLoader, TheExampleConfigIsValid) {
  auto r = LoadConfigDir(testing::SourceDir() + "/examples/config");
  EXPECT_THAT(Errors(r), ::testing::IsEmpty());
  ASSERT_TRUE(r.config);
  const auto& c = *r.config;
  for (const char* s : {"web", "checkout", "payments", "db"}) EXPECT_TRUE(c.FindService(s)) << s;
  for (const char* p : {"alice", "bob", "carol", "dave"}) EXPECT_TRUE(c.FindPerson(p)) << p;
  ASSERT_TRUE(c.FindIntegration("example-checkout-key"));
  EXPECT_EQ(c.FindIntegration("example-checkout-key")->service, "checkout");
  // One runbook of each risk tier.
  std::set<model::RiskTier> tiers;
  for (const auto& rb : c.runbooks) tiers.insert(rb.MaxRisk());
  EXPECT_EQ(tiers.size(), 3u);
  // web -> checkout -> payments -> db are hard dependencies.
  EXPECT_EQ(c.Dependents({"db"}), (std::vector<std::string>{"auth", "catalog", "checkout", "inventory",
                                                            "payments", "recommendations", "search", "web"}));
}

TEST(ConfigLoader, ReportsEveryIndependentMistakeWithItsLocation) {
  std::string policies = R"(escalation_policies:
  - id: db
    tiers:
      - after: 0m
        targets: [{ schedule: dba }]
)";
  std::string services = R"(services:
  - id: web
    dependencies: [chekout]
)";
  std::string people = R"(people:
  - id: alice
    timezone: Mars/Olympus
)";
  auto r = LoadConfigFiles({{"policies.yaml", policies}, {"services.yaml", services}, {"people.yaml", people}});
  EXPECT_FALSE(r.config);
  EXPECT_THAT(Errors(r), ::testing::ElementsAre(
                             "people.yaml:3:15: error[invalid-timezone]: in person 'alice': unknown time zone 'Mars/Olympus'",
                             "policies.yaml:5:19: error[undefined-schedule]: in policy 'db': schedule 'dba' is not defined",
                             "services.yaml:3:20: error[undefined-service]: in service 'web': dependency 'chekout' is not a defined service"));
}

TEST(ConfigLoader, UnknownKeysAreWarningsNotErrors) {
  auto r = LoadConfigFiles({{"a.yaml", std::string(kMinimal) + "settings:\n  colour: blue\nextras: []\n"}});
  ASSERT_TRUE(r.config) << Errors(r).front();
  std::vector<std::string> warnings;
  for (const auto& d : r.diagnostics.all())
    if (d.level == Diagnostic::Level::kWarning) warnings.push_back(d.ToString());
  EXPECT_THAT(warnings, ::testing::UnorderedElementsAre(HasSubstr("unknown key 'colour'"),
                                                        HasSubstr("unknown section 'extras'")));
}

TEST(ConfigLoader, AChannelWaitingForAnAuditHeadThatIsNeverPublishedIsWarnedAbout) {
  const std::string channel =
      "channels:\n  - {id: keeper, type: webhook, url: \"http://127.0.0.1:1/k\", events: [audit_head]}\n";
  auto warnings = [](const LoadResult& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics.all())
      if (d.level == Diagnostic::Level::kWarning && d.ToString().find("audit") != std::string::npos)
        out.push_back(d.ToString());
    return out;
  };
  auto on = LoadConfigFiles({{"a.yaml", std::string(kMinimal) + channel}});
  ASSERT_TRUE(on.config) << Errors(on).front();
  EXPECT_EQ(on.config->settings.audit_head_every, std::chrono::hours(1));  // the default
  EXPECT_THAT(warnings(on), ::testing::IsEmpty());
  auto off = LoadConfigFiles({{"a.yaml", std::string(kMinimal) + channel + "settings:\n  audit_head_every: 0s\n"}});
  ASSERT_TRUE(off.config) << Errors(off).front();
  EXPECT_EQ(off.config->settings.audit_head_every.count(), 0);
  EXPECT_THAT(warnings(off), ::testing::ElementsAre(HasSubstr(
                                 "warning[audit-head-off]: in channel 'keeper': subscribes to audit_head, but "
                                 "settings.audit_head_every is 0, so the head is never published")));
}

TEST(ConfigLoader, SyntaxErrorsHaveLineAndColumn) {
  auto r = LoadConfigFiles({{"bad.yaml", "services:\n  - id: x\n    tier: [1\n"}});
  ASSERT_EQ(Errors(r).size(), 1u);
  EXPECT_THAT(Errors(r)[0], HasSubstr("bad.yaml:4:1: error[syntax]"));
}

TEST(ConfigLoader, DuplicateIdsAndBadTypesAreErrors) {
  auto r = LoadConfigFiles({{"a.yaml", "services:\n  - id: x\n    tier: high\n  - id: x\n"}});
  EXPECT_THAT(Errors(r), ::testing::ElementsAre(HasSubstr("a.yaml:3:11: error[invalid-type]: in service 'x': field 'tier' must be an integer"),
                                                HasSubstr("a.yaml:4:5: error[duplicate-id]: service 'x' is already defined at a.yaml:2:5")));
}

TEST(ConfigLoader, EnforcesRiskTierFloorsAndTheMediumRollbackRule) {
  const char* rb = R"(runbooks:
  - id: r
    title: Restart
    steps:
      - { kind: command, category: restart, risk: low, argv: [true] }
      - { kind: command, category: cache, risk: medium, argv: [true] }
      - { kind: command, category: cache, risk: medium, argv: [true], rollback: { kind: command, argv: [true] } }
)";
  auto r = LoadConfigFiles({{"rb.yaml", rb}});
  EXPECT_THAT(Errors(r), ::testing::ElementsAre(HasSubstr("error[risk-below-floor]: in step 1 of runbook 'r'"),
                                                HasSubstr("error[medium-without-rollback]: in step 2 of runbook 'r'")));
}

TEST(ConfigLoader, ARollbackMustBeAStepThatRunsByItself) {
  // A rollback runs unattended when a later step fails: a manual step would wait for nobody, and a
  // check undoes nothing. Either would let a MEDIUM step run automatically with nothing to undo it.
  const char* rb = R"(runbooks:
  - id: r
    title: Scale
    steps:
      - { kind: command, category: cache, risk: medium, argv: [true], rollback: { kind: manual, instructions: undo it } }
      - { kind: command, category: cache, risk: medium, argv: [true], rollback: { kind: check, check: command, argv: [true] } }
      - { kind: command, category: cache, risk: medium, argv: [true], rollback: { kind: http, url: "http://127.0.0.1:1/undo" } }
)";
  auto r = LoadConfigFiles({{"rb.yaml", rb}});
  EXPECT_THAT(Errors(r),
              ::testing::ElementsAre(
                  HasSubstr("rb.yaml:5:81: error[rollback-not-executable]: in rollback of step 1 of runbook 'r': a "
                            "rollback runs automatically when a later step fails, so it cannot be a 'manual' step"),
                  HasSubstr("rb.yaml:6:81: error[rollback-not-executable]: in rollback of step 2 of runbook 'r': a rollback runs automatically when a later step fails, so it cannot be a 'check' step")));
}

TEST(ConfigLoader, AnHttpCheckKeepsItsMethodBodyAndHeaders) {
  // A health endpoint that wants a POST with a token: what the check step sends, not dropped as unknown.
  const char* rb = R"(runbooks:
  - id: r
    title: Probe
    steps:
      - kind: check
        check: http
        url: http://127.0.0.1:9/health
        method: POST
        body: {deep: true, replicas: 3, ratio: 0.5, version: "3", note: ~, name: api}
        headers: {X-Probe: firebreak}
        expect_status: 204
)";
  auto r = LoadConfigFiles({{"rb.yaml", rb}});
  ASSERT_TRUE(r.config) << Errors(r).front();
  for (const auto& d : r.diagnostics.all()) ADD_FAILURE() << d.ToString();
  const auto& spec = r.config->runbooks.at(0).steps.at(0).spec;
  EXPECT_EQ(spec.at("method").as_string(), "POST");
  // Sent as JSON: plain YAML scalars keep their types, quoted ones are strings.
  EXPECT_EQ(core::ToJson(spec.at("body")),
            R"({"deep":true,"replicas":3,"ratio":0.5,"version":"3","note":null,"name":"api"})");
  EXPECT_EQ(spec.at("headers").at("X-Probe").as_string(), "firebreak");
}

TEST(ConfigLoader, ChecksReferencesAcrossFiles) {
  auto r = LoadConfigFiles({{"a.yaml", kMinimal},
                            {"b.yaml", "teams:\n  - { id: t, members: [alice, zed], escalation_policy: nope }\n"
                                       "integrations:\n  - { key: abcdefgh123, service: ghost }\n"}});
  EXPECT_THAT(Errors(r), ::testing::UnorderedElementsAre(HasSubstr("person 'zed' is not defined"),
                                                         HasSubstr("escalation policy 'nope' is not defined"),
                                                         HasSubstr("service 'ghost' is not defined")));
}

TEST(ConfigLoader, WarnsAboutDependencyCycles) {
  auto r = LoadConfigFiles({{"a.yaml", "services:\n  - { id: a, dependencies: [b] }\n  - { id: b, dependencies: [a] }\n"}});
  ASSERT_TRUE(r.config);
  bool warned = false;
  for (const auto& d : r.diagnostics.all())
    if (d.code == "dependency-cycle") warned = true;
  EXPECT_TRUE(warned);
}

TEST(ConfigLoader, RedundancyGroupsAndScenariosAreValidatedWithLocations) {
  const char* yaml = R"(services:
  - { id: a, capacity: { zones: [z1] } }
  - { id: b }
  - { id: c, dependencies: [a, a, { service: b, weight: 0 }] }
redundancy_groups:
  - id: g1
    members: [a, b]
  - id: g2
    kind: hot-standby
    members: [b, ghost]
    min_healthy: 3
  - id: g3
    members: [c]
scenarios:
  - { id: s1, services: [a], zones: [z9] }
  - { id: s2 }
)";
  auto r = LoadConfigFiles({{"g.yaml", yaml}});
  EXPECT_FALSE(r.config);
  EXPECT_THAT(Errors(r), ::testing::ElementsAre(
      "g.yaml:4:32: error[duplicate-dependency]: in service 'c': dependency 'a' is listed twice",
      "g.yaml:4:57: error[invalid-value]: in dependency of service 'c': weight must be a positive number",
      "g.yaml:9:11: error[invalid-value]: in redundancy group 'g2': kind must be 'active_active' or 'failover'",
      "g.yaml:10:15: error[multiple-groups]: in redundancy group 'g2': service 'b' is already in redundancy group 'g1'",
      "g.yaml:10:18: error[undefined-service]: in redundancy group 'g2': member 'ghost' is not a defined service",
      "g.yaml:11:18: error[invalid-value]: in redundancy group 'g2': min_healthy must be between 1 and the number of members (2)",
      "g.yaml:13:14: error[invalid-value]: in redundancy group 'g3': a redundancy group needs at least two members",
      "g.yaml:15:5: error[undefined-zone]: in scenario 's1': no service runs in zone 'z9'",
      "g.yaml:16:5: error[invalid-value]: in scenario 's2': a scenario loses services or zones, or changes the load (load_factor)"));
}

TEST(ConfigLoader, HeartbeatsAreDecodedAndCheckedWithLocations) {
  const char* good = R"(services:
  - { id: web }
integrations:
  - { key: prometheus-key-1, name: prom, type: prometheus, service: web }
heartbeats:
  - id: watchdog
    service: web
    timeout: 3m
    integration: prom
    match: { labels: { alertname: Watchdog } }
    labels: { severity: critical }
  - { id: backup, service: web, timeout: 25h, summary: "Backups stopped" }
)";
  auto ok = LoadConfigFiles({{"h.yaml", good}});
  ASSERT_TRUE(ok.config) << (ok.diagnostics.all().empty() ? "" : ok.diagnostics.all()[0].ToString());
  const auto* w = ok.config->FindHeartbeat("watchdog");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->timeout, std::chrono::minutes(3));
  EXPECT_EQ(w->integration, "prom");
  EXPECT_EQ(w->match_labels, (std::map<std::string, std::string>{{"alertname", "Watchdog"}}));
  EXPECT_EQ(w->labels, (std::map<std::string, std::string>{{"severity", "critical"}}));
  EXPECT_EQ(ok.config->FindHeartbeat("backup")->summary, "Backups stopped");
  EXPECT_EQ(ok.config->FindHeartbeat("nope"), nullptr);

  const char* bad = R"(services:
  - { id: web }
heartbeats:
  - { id: a, service: ghost, timeout: 1m }
  - { id: b, service: web }
  - { id: c, service: web, timeout: 500ms, integration: nobody }
  - { id: d, service: web, timeout: 1m, match: { labels: { 9lives: x } } }
  - { id: a, service: web, timeout: 1m }
)";
  auto r = LoadConfigFiles({{"h.yaml", bad}});
  EXPECT_FALSE(r.config);
  EXPECT_THAT(Errors(r), ::testing::ElementsAre(
      "h.yaml:4:5: error[undefined-service]: in heartbeat 'a': service 'ghost' is not defined",
      "h.yaml:5:5: error[missing-field]: in heartbeat 'b': missing required field 'timeout'",
      "h.yaml:6:5: error[undefined-integration]: in heartbeat 'c': no integration is named 'nobody'",
      "h.yaml:6:37: error[invalid-value]: in heartbeat 'c': timeout must be at least 1s",
      "h.yaml:7:48: error[invalid-value]: in heartbeat 'd': '9lives' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
      "h.yaml:8:5: error[duplicate-id]: heartbeat 'a' is already defined at h.yaml:4:5"));
}

TEST(ConfigLoader, InhibitRulesAreDecodedAndCheckedWithLocations) {
  const char* good = R"(inhibit_rules:
  - name: node-down
    source_matchers: [alertname=NodeDown]
    target_matchers: ["severity=~warning|critical", "alertname!=NodeDown"]
    equal: [instance, cluster]
  - { source_matchers: [severity=critical], target_matchers: [severity=warning] }
)";
  auto ok = LoadConfigFiles({{"i.yaml", good}});
  ASSERT_TRUE(ok.config) << (ok.diagnostics.all().empty() ? "" : ok.diagnostics.all()[0].ToString());
  ASSERT_EQ(ok.config->inhibit_rules.size(), 2u);
  const auto& r = ok.config->inhibit_rules[0];
  EXPECT_EQ(r.name, "node-down");
  ASSERT_EQ(r.target.size(), 2u);
  EXPECT_EQ(model::ToString(r.target[0]), "severity=~warning|critical");
  EXPECT_EQ(model::ToString(r.target[1]), "alertname!=NodeDown");
  EXPECT_EQ(r.equal, (std::vector<std::string>{"instance", "cluster"}));
  EXPECT_EQ(ok.config->inhibit_rules[1].name, "inhibit rule 2");

  const char* bad = R"(inhibit_rules:
  - { name: a, target_matchers: [severity=warning] }
  - { name: b, source_matchers: ["alertname=~(unclosed"], target_matchers: [x=y] }
  - { name: c, source_matchers: [a=b], target_matchers: ["no operator"], equal: [bad-label] }
  - { name: d, source_matchers: [], target_matchers: [x=y] }
)";
  auto r2 = LoadConfigFiles({{"i.yaml", bad}});
  EXPECT_FALSE(r2.config);
  EXPECT_THAT(Errors(r2), ::testing::ElementsAre(
      "i.yaml:2:5: error[missing-field]: in inhibit rule 'a': missing required field 'source_matchers'",
      "i.yaml:3:33: error[invalid-regex]: in inhibit rule 'b': matcher 'alertname=~(unclosed': invalid regular expression: missing ): (unclosed",
      "i.yaml:4:57: error[invalid-value]: in inhibit rule 'c': matcher 'no operator' needs an operator after the label name (=, !=, =~, !~)",
      "i.yaml:4:81: error[invalid-value]: in inhibit rule 'c': 'bad-label' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
      "i.yaml:5:33: error[invalid-value]: in inhibit rule 'd': source_matchers needs at least one matcher"));
}

TEST(ConfigLoader, CapacityFieldsAndDependencyExtras) {
  const char* yaml = R"(services:
  - id: web
    dependencies: [{ service: api, weight: 2.5, rps: 120 }]
    capacity: { rps_per_replica: 100, replicas: 3, concurrency: 8, max_utilization: 0.95, sheddable: false, zones: [a, b] }
  - { id: api }
  - { id: api2 }
redundancy_groups:
  - { id: apis, kind: failover, members: [api, api2] }
scenarios:
  - { id: peak, load_factor: 1.5, zones: [a] }
)";
  auto r = LoadConfigFiles({{"c.yaml", yaml}});
  ASSERT_TRUE(r.config) << Errors(r).front();
  const auto* web = r.config->FindService("web");
  EXPECT_DOUBLE_EQ(web->dependencies[0].weight, 2.5);
  EXPECT_DOUBLE_EQ(*web->dependencies[0].rps, 120);
  EXPECT_EQ(web->capacity.concurrency, 8);
  EXPECT_DOUBLE_EQ(web->capacity.max_utilization, 0.95);
  EXPECT_FALSE(web->capacity.sheddable);
  const auto* g = r.config->FindGroup("apis");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->kind, "failover");
  EXPECT_EQ(g->members.size(), 2u);
  EXPECT_DOUBLE_EQ(r.config->FindScenario("peak")->load_factor, 1.5);
}

TEST(ConfigLoader, PolicyLookupPrefersSeverityThenServiceThenTeam) {
  auto r = LoadConfigDir(testing::SourceDir() + "/examples/config");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->PolicyFor("payments", model::Severity::kSev0)->id, "executive");
  EXPECT_EQ(r.config->PolicyFor("payments", model::Severity::kSev2)->id, "payments");
  EXPECT_EQ(r.config->PolicyFor("db", model::Severity::kSev2)->id, "platform");
  EXPECT_EQ(r.config->PolicyFor("web", model::Severity::kSev2)->id, "platform");  // the default
}

TEST(ConfigLoader, PerSeverityPolicyKeysAreSeverityNamesInAnyCase) {
  // sev0 is SEV0: validated as a severity, it must also be found as one (it was ignored).
  auto r = LoadConfigFiles({{"a.yaml", std::string(kMinimal) +
                                           "  - id: major\n    tiers: [{ after: 0m, targets: [{ person: alice }] }]\n"}});
  ASSERT_TRUE(r.config) << Errors(r).front();
  std::string text = std::string(kMinimal) + "  - id: major\n    tiers: [{ after: 0m, targets: [{ person: alice }] }]\n";
  text.replace(text.find("  - id: api\n"), 12, "  - id: api\n    escalation_by_severity: { sev0: major }\n");
  auto lower = LoadConfigFiles({{"a.yaml", text}});
  ASSERT_TRUE(lower.config) << Errors(lower).front();
  const auto* sev0 = lower.config->PolicyFor("api", model::Severity::kSev0);
  ASSERT_TRUE(sev0);
  EXPECT_EQ(sev0->id, "major");
  EXPECT_FALSE(lower.config->PolicyFor("api", model::Severity::kSev1)) << "no policy for api otherwise";
  text.replace(text.find("{ sev0: major }"), 15, "{ sev0: major, SEV0: default }");
  EXPECT_THAT(Errors(LoadConfigFiles({{"a.yaml", text}})),
              ::testing::ElementsAre(HasSubstr("error[duplicate-key]: in service 'api': escalation_by_severity names SEV0 twice")));
}

TEST(ConfigLoader, NegativeDurationsAreRefused) {
  // A negative correlation window, ack SLA or rule delay would quietly turn its feature off.
  auto r = LoadConfigFiles({{"a.yaml", std::string(kMinimal) +
                                           "settings:\n  correlation_window: -5m\n"
                                           "  severities: { SEV1: { ack_sla: -1m } }\n"}});
  EXPECT_THAT(Errors(r), ::testing::ElementsAre(
                             HasSubstr("a.yaml:21:23: error[invalid-value]: in settings: field 'correlation_window' must not be negative"),
                             HasSubstr("a.yaml:22:34: error[invalid-value]: in settings.severities.SEV1: field 'ack_sla' must not be negative")));
}

TEST(ConfigLoader, NamesInSettingsAreReportedWhereTheyAreWritten) {
  // Checked once every file is read (the policy or service may be defined in another one), yet
  // reported at the line that names it; a schedule's bad zone once, not again for each layer.
  std::string text = std::string(kMinimal) +
                     "settings:\n  default_escalation_policy: nope\n"
                     "analyze:\n  prometheus:\n    url: http://127.0.0.1:9090\n"
                     "    services:\n      ghost: { latency: up }\n";
  text.replace(text.find("  - id: primary\n"), 16, "  - id: primary\n    timezone: Mars/Olympus\n");
  EXPECT_THAT(Errors(LoadConfigFiles({{"a.yaml", text}})),
              ::testing::ElementsAre(
                  HasSubstr("a.yaml:13:15: error[invalid-timezone]: in schedule 'primary': unknown time zone 'Mars/Olympus'"),
                  HasSubstr("a.yaml:22:30: error[undefined-policy]: in settings.default_escalation_policy: escalation "
                            "policy 'nope' is not defined"),
                  HasSubstr("a.yaml:27:7: error[undefined-service]: in analyze.prometheus.services: service 'ghost' is "
                            "not defined")));
}

TEST(ConfigLoader, APolicyThatCanPageNobodyIsRefused) {
  auto r = LoadConfigFiles({{"a.yaml", std::string(kMinimal) +
                                           "  - { id: none, tiers: [] }\n"
                                           "  - { id: empty, tiers: [{ after: 0m, targets: [] }] }\n"}});
  EXPECT_THAT(Errors(r), ::testing::ElementsAre(
                             HasSubstr("error[invalid-value]: in policy 'none': a policy needs at least one tier"),
                             HasSubstr("error[invalid-value]: in tier 1 of policy 'empty': a tier needs at least one target")));
}

}  // namespace
}  // namespace firebreak::config

namespace firebreak::config {
namespace {

TEST(ConfigLoader, ReportSettingsCadenceAndTemplates) {
  auto ok = LoadConfigFiles({{"a.yaml", std::string(kMinimal) +
                                            "settings:\n  reports:\n    templates: tpl\n"
                                            "    status_cadence: { SEV1: 5m, SEV4: 0 }\n"}});
  ASSERT_TRUE(ok.config) << Errors(ok).front();
  EXPECT_EQ(ok.config->settings.reports.templates_dir, "tpl");  // made absolute by LoadConfigDir
  EXPECT_EQ(ok.config->settings.reports.status_cadence.at(model::Severity::kSev1), std::chrono::minutes(5));
  EXPECT_EQ(ok.config->settings.reports.status_cadence.at(model::Severity::kSev4).count(), 0);
  auto bad = LoadConfigFiles({{"a.yaml", std::string(kMinimal) +
                                             "settings:\n  reports:\n    status_cadence: { SEV9: 5m, SEV1: 10s }\n"}});
  ASSERT_FALSE(bad.config);
  auto errors = Errors(bad);
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("a.yaml:")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("SEV9")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("status_cadence.SEV1 must be 0 or a duration of at least 1m")));
}

TEST(ConfigLoader, DefenseThresholdsAndCoverageHorizon) {
  auto ok = LoadConfigFiles({{"a.yaml", std::string(kMinimal) +
                                            "settings:\n  defense: { yellow: 0.6, coverage_horizon: 12h }\n"}});
  ASSERT_TRUE(ok.config) << Errors(ok).front();
  EXPECT_EQ(ok.config->settings.util_yellow, 0.6);
  EXPECT_EQ(ok.config->settings.coverage_horizon, std::chrono::hours(12));
  auto off = LoadConfigFiles({{"a.yaml", std::string(kMinimal) + "settings:\n  defense: { coverage_horizon: 0s }\n"}});
  ASSERT_TRUE(off.config) << Errors(off).front();
  EXPECT_EQ(off.config->settings.coverage_horizon.count(), 0);
  auto bad = LoadConfigFiles({{"a.yaml", std::string(kMinimal) +
                                             "settings:\n  defense: { coverage_horizon: 100d, red: 0.5 }\n"}});
  ASSERT_FALSE(bad.config);
  auto errors = Errors(bad);
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("coverage_horizon must be 0..93d")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("yellow <= orange <= red <= black")));
}

TEST(ConfigLoader, PagingSettingsChannelsAndTemplates) {
  std::string extra = R"(
channels:
  - id: chat
    type: slack
    url: https://hooks.example.com/T/B
    events: [opened, page]
    template: { text: "{{incident.id}} {{#page}}tier {{tier}}{{/page}}" }
  - id: mail
    type: email
    url: smtp://127.0.0.1:2525
    options: { from: "fb@example.com", starttls: required }
settings:
  paging:
    late_margin: 2s
    retry_initial: 500ms
    retry_max: 1m
    max_attempts: 5
    contact_types: { SEV0: all, SEV3: [slack] }
    handoff_notice: 0s
    handoff_contact_types: [slack, email]
)";
  auto r = LoadConfigFiles({{"a.yaml", kMinimal}, {"b.yaml", extra}});
  ASSERT_TRUE(r.config) << ::testing::PrintToString(Errors(r));
  const auto& p = r.config->settings.paging;
  EXPECT_EQ(p.late_margin, std::chrono::seconds(2));
  EXPECT_EQ(p.retry_initial, std::chrono::milliseconds(500));
  EXPECT_EQ(p.max_attempts, 5);
  EXPECT_EQ(p.handoff_notice, std::chrono::milliseconds(0));  // at the handoff itself
  EXPECT_EQ(p.handoff_contact_types, (std::vector<std::string>{"slack", "email"}));
  EXPECT_TRUE(p.ContactTypesFor(model::Severity::kSev0).empty());
  EXPECT_EQ(p.ContactTypesFor(model::Severity::kSev3), std::vector<std::string>{"slack"});
  EXPECT_EQ(p.ContactTypesFor(model::Severity::kSev4), std::vector<std::string>{"email"});  // default
  const auto* chat = r.config->FindChannel("chat");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->events, (std::vector<std::string>{"opened", "page"}));
  EXPECT_EQ(model::ContactTypesOf(*chat), std::vector<std::string>{"slack"});
  EXPECT_FALSE(r.config->settings.public_url_set);
}

TEST(ConfigLoader, PagingMistakesAreAllReportedWithLocations) {
  std::string bad = R"(
people:
  - id: carol
    contacts: [{ type: sms, address: "+1", channel: nowhere }]
channels:
  - id: chat
    type: slack
    url: ftp://x
    events: [exploded]
    template:
      text: "{{#page}}unclosed"
  - id: mail
    type: email
    url: smtp://127.0.0.1:25
escalation_policies:
  - id: short
    repeat: 1
    repeat_after: 10m
    ack_timeout: 30s
    tiers:
      - { after: 0m, targets: [{ person: carol }] }
      - { after: 15m, targets: [{ person: carol }] }
  - id: nights
    support_hours: office
    tiers: [{ after: 0m, targets: [{ person: carol }] }]
  - id: urgent-only
    low_urgency: [SEV4, SEV9]
    tiers: [{ after: 0m, targets: [{ person: carol }] }]
settings:
  inhibit_grace: 1h
  audit_head_every: 30s
  paging:
    contact_types: { SEV1: [pigeon] }
    retry_max: 0s
    handoff_notice: 8d
    handoff_contact_types: email
)";
  auto r = LoadConfigFiles({{"bad.yaml", bad}});
  EXPECT_FALSE(r.config);
  auto errs = Errors(r);
  auto has = [&](const std::string& needle) {
    return std::any_of(errs.begin(), errs.end(), [&](const std::string& e) { return e.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("error[undefined-channel]: in person 'carol': contact channel 'nowhere'"));
  EXPECT_TRUE(has("url must start with http:// or https://"));
  EXPECT_TRUE(has("unknown event 'exploded'"));
  EXPECT_TRUE(has("bad.yaml:11:13: error[invalid-template]"));
  EXPECT_TRUE(has("email channels need options.from"));
  EXPECT_TRUE(has("repeat_after must be longer than the last tier's 'after' (15m)"));
  EXPECT_TRUE(has("bad.yaml:19:18: error[invalid-value]: in policy 'short': ack_timeout must be between 1m and 7d"));
  EXPECT_TRUE(has("contact types are email, phone, sms, slack, webhook, command"));
  EXPECT_TRUE(has("retry_max must be positive"));
  EXPECT_TRUE(has("bad.yaml:35:21: error[invalid-value]: in settings.paging: handoff_notice must be 0s..7d"));
  EXPECT_TRUE(has("bad.yaml:36:28: error[invalid-type]: in settings.paging: handoff_contact_types must be a list"));
  EXPECT_TRUE(has("inhibit_grace must be between 0s and 10m"));
  EXPECT_TRUE(has("bad.yaml:31:21: error[invalid-value]: in settings: audit_head_every must be 1m..7d, or 0 for never"));
  EXPECT_TRUE(has("error[undefined-time-interval]: in policy 'nights': support_hours: time interval 'office' is not defined"));
  EXPECT_TRUE(has("in policy 'urgent-only': low_urgency needs support_hours"));
  EXPECT_TRUE(has("error[invalid-severity]: in policy 'urgent-only'"));
}

TEST(ConfigLoader, NotificationRulesAndHandoffOptOut) {
  const std::string good = R"(
people:
  - id: carol
    email: carol@example.com
    handoff_notices: false
    contacts: [{ type: slack, address: "@carol" }, { type: sms, address: "+1" }]
    notification_rules:
      - { after: 10m, contact: sms, severities: [SEV0, SEV1] }
      - { after: 0m, contact: slack }
      - { contact: email, severities: [SEV0] }
)";
  auto ok = LoadConfigFiles({{"p.yaml", good}});
  ASSERT_TRUE(ok.config) << ::testing::PrintToString(Errors(ok));
  const auto* carol = ok.config->FindPerson("carol");
  ASSERT_TRUE(carol);
  EXPECT_FALSE(carol->handoff_notices);
  ASSERT_EQ(carol->notification_rules.size(), 3u);
  EXPECT_EQ(carol->notification_rules[0].after, std::chrono::minutes(10));
  EXPECT_EQ(carol->notification_rules[0].contact, "sms");
  EXPECT_EQ(carol->notification_rules[0].severities,
            (std::vector<model::Severity>{model::Severity::kSev0, model::Severity::kSev1}));
  EXPECT_EQ(carol->notification_rules[2].contact, "email");  // the email: field is a contact method
  EXPECT_EQ(carol->notification_rules[2].after, std::chrono::milliseconds(0));
  EXPECT_TRUE(ok.config->FindPerson("carol")->contacts.size() == 3u);
  EXPECT_TRUE(LoadConfigFiles({{"a.yaml", kMinimal}}).config->FindPerson("alice")->handoff_notices);  // default on

  const std::string bad = R"(
people:
  - id: dan
    handoff_notices: sometimes
    contacts: [{ type: sms, address: "+1" }]
    notification_rules:
      - { after: 0m, contact: phone }
      - { after: 25h, contact: sms }
      - { after: 5m, contact: sms, severities: [SEV7] }
      - { after: 5m, contact: sms, severities: [SEV2] }
      - { contact: sms }
      - { after: 0s, contact: sms, severities: [SEV3] }
      - sms
  - id: erin
    contacts: [{ type: sms, address: "+2" }]
    notification_rules: { after: 0m, contact: sms }
)";
  auto r = LoadConfigFiles({{"bad.yaml", bad}});
  EXPECT_FALSE(r.config);
  auto errs = Errors(r);
  EXPECT_THAT(errs, ::testing::Contains(
                        "bad.yaml:4:22: error[invalid-type]: in person 'dan': field 'handoff_notices' must be true or false"));
  EXPECT_THAT(errs, ::testing::Contains("bad.yaml:7:31: error[invalid-value]: in notification rule 1 of person 'dan': "
                                        "'dan' has no phone contact method (they have: sms)"));
  EXPECT_THAT(errs, ::testing::Contains(
                        "bad.yaml:8:18: error[invalid-value]: in notification rule 2 of person 'dan': after must be at most 24h"));
  EXPECT_THAT(errs, ::testing::Contains(HasSubstr("bad.yaml:9:48: error[invalid-severity]: in notification rule 3 of person 'dan'")));
  // Rule 4 is rule 3 again for SEV2; rule 6 repeats rule 5 (any severity) for SEV3.
  EXPECT_THAT(errs, ::testing::Contains("bad.yaml:10:9: error[duplicate-rule]: in notification rule 4 of person 'dan': "
                                        "repeats notification rule 3 (sms after 5m)"));
  EXPECT_THAT(errs, ::testing::Contains("bad.yaml:12:9: error[duplicate-rule]: in notification rule 6 of person 'dan': "
                                        "repeats notification rule 5 (sms after 0s)"));
  EXPECT_THAT(errs, ::testing::Contains("bad.yaml:13:9: error[invalid-type]: in notification rule 7 of person 'dan': "
                                        "expected a mapping"));
  EXPECT_THAT(errs, ::testing::Contains("bad.yaml:16:25: error[invalid-type]: in person 'erin': field "
                                        "'notification_rules' must be a list"));

  // Rules that reach someone only later are allowed, with a warning saying so.
  auto late = LoadConfigFiles({{"l.yaml", "people:\n  - id: fay\n    contacts: [{ type: sms, address: \"+3\" }]\n"
                                          "    notification_rules: [{ after: 2m, contact: sms, severities: [SEV4] }]\n"}});
  ASSERT_TRUE(late.config);
  bool warned = false;
  for (const auto& d : late.diagnostics.all())
    warned |= d.ToString() == "l.yaml:4:25: warning[delayed-notification]: in person 'fay': no notification rule reaches "
                              "'fay' at once: pages reach them SEV4 after 2m at the earliest";
  EXPECT_TRUE(warned);
}

TEST(ConfigLoader, TimeIntervalsAndMaintenanceWindowsInAlertmanagersFormat) {
  const std::string good = std::string(kMinimal) + R"(
time_intervals:
  - name: weeknights
    time_intervals:
      - times: [{ start_time: "22:00", end_time: "24:00" }, { start_time: "00:00", end_time: "06:00" }]
        weekdays: ["monday:friday"]
        location: Europe/Berlin
  - name: quarter-end
    time_intervals:
      - days_of_month: ["-3:-1"]
        months: [march, june, "9", december]
        years: ["2026:2030"]
maintenance_windows:
  - name: batch
    matchers: [service=db, "alertname=~Batch.*"]
    mute_time_intervals: [weeknights]
    comment: nightly batch
  - name: business-hours-only
    matchers: [severity=info]
    active_time_intervals: [quarter-end]
)";
  auto r = LoadConfigFiles({{"c.yaml", good}});
  ASSERT_TRUE(r.config) << ::testing::PrintToString(Errors(r));
  const auto& c = *r.config;
  const auto* iv = c.FindTimeInterval("weeknights");
  ASSERT_TRUE(iv);
  ASSERT_EQ(iv->specs.size(), 1u);
  const auto& spec = iv->specs[0];
  ASSERT_EQ(spec.times.size(), 2u);
  EXPECT_EQ(spec.times[0].start, 22 * 60);
  EXPECT_EQ(spec.times[0].end, 24 * 60);
  ASSERT_EQ(spec.weekdays.size(), 1u);
  EXPECT_EQ(spec.weekdays[0].first, 1);  // Sunday is 0, as in Alertmanager
  EXPECT_EQ(spec.weekdays[0].last, 5);
  EXPECT_EQ(spec.location, "Europe/Berlin");
  const auto& q = c.FindTimeInterval("quarter-end")->specs.at(0);
  EXPECT_EQ(q.days_of_month.at(0).first, -3);
  ASSERT_EQ(q.months.size(), 4u);
  EXPECT_EQ(q.months[1].first, 6);
  EXPECT_EQ(q.months[2].first, 9);
  EXPECT_EQ(q.years.at(0).last, 2030);
  const auto* w = c.FindMaintenanceWindow("batch");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->matchers.size(), 2u);
  EXPECT_EQ(w->mute_time_intervals, std::vector<std::string>{"weeknights"});
  EXPECT_EQ(w->comment, "nightly batch");
  EXPECT_EQ(c.FindMaintenanceWindow("business-hours-only")->active_time_intervals,
            std::vector<std::string>{"quarter-end"});

  const std::string bad = std::string(kMinimal) + R"(
time_intervals:
  - name: broken
    time_intervals:
      - times: [{ start_time: "18:00", end_time: "09:00" }, { start_time: "25:00", end_time: "26:00" }]
        weekdays: [funday, "friday:monday"]
        days_of_month: ["0", "32"]
        months: [smarch]
        years: [twenty]
        location: Mars/Olympus
        hours: [1]
  - name: broken
    time_intervals: []
maintenance_windows:
  - name: nothing-to-mute
    matchers: [service=db]
  - name: unknown-interval
    matchers: [service=db]
    mute_time_intervals: [nope]
    active_time_intervals: [neither]
  - name: no-matchers
    mute_time_intervals: [broken]
  - name: mutes-everything
    matchers: ['team=""', "env!=prod"]
    mute_time_intervals: [broken]
)";
  auto rb = LoadConfigFiles({{"bad.yaml", bad}});
  EXPECT_FALSE(rb.config);
  auto errs = Errors(rb);
  auto has = [&](const std::string& needle) {
    return std::any_of(errs.begin(), errs.end(), [&](const std::string& e) { return e.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("time_intervals[0].times[0]: end_time must be after start_time")) << ::testing::PrintToString(errs);
  EXPECT_TRUE(has("start_time '25:00' is not HH:MM"));
  EXPECT_TRUE(has("weekdays: 'funday' is not a day of the week"));
  EXPECT_TRUE(has("weekdays: 'friday:monday' runs backwards"));
  EXPECT_TRUE(has("days_of_month: '0' is not a day of the month"));
  EXPECT_TRUE(has("days_of_month: '32' is not a day of the month"));
  EXPECT_TRUE(has("months: 'smarch' is not a month"));
  EXPECT_TRUE(has("years: 'twenty' is not a year"));
  EXPECT_TRUE(has("unknown time zone 'Mars/Olympus'"));
  EXPECT_TRUE(has("time interval 'broken' is already defined at bad.yaml"));
  EXPECT_TRUE(has("in maintenance window 'nothing-to-mute': needs mute_time_intervals"));
  EXPECT_TRUE(has("in maintenance window 'unknown-interval': mute_time_intervals: time interval 'nope' is not defined"));
  EXPECT_TRUE(has("active_time_intervals: time interval 'neither' is not defined"));
  EXPECT_TRUE(has("in maintenance window 'no-matchers': missing required field 'matchers'"));
  EXPECT_TRUE(has("in maintenance window 'mutes-everything': these matchers would match every alert"))
      << ::testing::PrintToString(errs);
  // The unknown key is a warning naming where it is, not an error.
  bool warned = false;
  for (const auto& d : rb.diagnostics.Sorted())
    if (d.level == Diagnostic::Level::kWarning && d.ToString().find("unknown key 'hours'") != std::string::npos)
      warned = true;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace firebreak::config
