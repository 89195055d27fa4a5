// Unit tests of the report module: redaction with planted values, milestones and MTTx from
// hand-built records, aggregation, templates (built-in and overridden), Markdown tidying, SVG.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "core/json.h"
#include "core/time.h"
#include "report/build.h"
#include "report/record.h"
#include "report/redact.h"
#include "report/render.h"
#include "testing/testing.h"

namespace firebreak::report {
namespace {

core::TimePoint T(const char* s) { return core::ParseRfc3339(s).value(); }

std::shared_ptr<const config::Config> ExampleConfig() {
  static auto cfg = [] {
    auto loaded = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
    EXPECT_TRUE(loaded.config) << "example config does not load";
    return loaded.config;
  }();
  return cfg;
}

model::TimelineEntry E(int64_t id, const char* time, std::string kind, std::string actor, std::string text,
                       json::object data = {}) {
  model::TimelineEntry e;
  e.id = id;
  e.incident_id = "INC-7";
  e.time = T(time);
  e.kind = std::move(kind);
  e.actor = std::move(actor);
  e.text = std::move(text);
  e.data = std::move(data);
  return e;
}

// A resolved SEV2 -> SEV1 incident with a page, an ack, a root cause, a runbook step and recovery.
Record Sample() {
  Record r;
  auto& i = r.incident;
  i.id = "INC-7";
  i.number = 7;
  i.title = "Checkout errors";
  i.severity = model::Severity::kSev1;
  i.state = model::IncidentState::kResolved;
  i.services = {"checkout"};
  i.created_at = T("2026-01-05T08:00:00Z");
  i.acknowledged_at = T("2026-01-05T08:12:00Z");
  i.acknowledged_by = "person:alice";
  i.mitigated_at = T("2026-01-05T08:40:00Z");
  i.resolved_at = T("2026-01-05T09:10:00Z");
  i.resolved_by = "person:alice";
  r.timeline = {
      E(1, "2026-01-05T08:00:00Z", "alert", "system:ingest", "Alert opened the incident",
        {{"alert_id", 4}, {"starts_at", "2026-01-05T07:55:30Z"}}),
      E(2, "2026-01-05T08:00:00Z", "declared", "system:ingest", "Incident declared", {{"severity", "SEV2"}}),
      E(3, "2026-01-05T08:05:00Z", "page", "system:escalate", "Paging tier 1", {{"tier", 1}}),
      E(4, "2026-01-05T08:10:00Z", "page", "system:escalate", "Paging tier 2", {{"tier", 2}}),
      E(5, "2026-01-05T08:11:00Z", "severity", "person:bob", "Severity raised", {{"from", "SEV2"}, {"to", "SEV1"}}),
      E(6, "2026-01-05T08:12:00Z", "acknowledged", "person:alice", "Acknowledged"),
      E(7, "2026-01-05T08:15:00Z", "note", "person:alice", "Looking at the pool"),
      E(8, "2026-01-05T08:20:00Z", "runbook_step", "person:alice", "Diagnostics",
        {{"category", "diagnostic"}, {"runbook", "collect-diagnostics"}, {"step", "diagnose"}, {"status", "succeeded"}}),
      E(9, "2026-01-05T08:30:00Z", "root_cause", "person:alice", "Root cause identified"),
      E(10, "2026-01-05T08:35:00Z", "runbook_step", "person:alice", "Restart",
        {{"category", "restart"}, {"runbook", "restart-service"}, {"step", "restart"}, {"status", "succeeded"}}),
      E(11, "2026-01-05T08:40:00Z", "mitigated", "person:alice", "Mitigated"),
      E(12, "2026-01-05T09:10:00Z", "resolved", "person:alice", "Resolved"),
  };
  return r;
}

TEST(Milestones, ComeFromTheTimelineKinds) {
  auto m = ExtractMilestones(Sample());
  EXPECT_EQ(*m.first_anomaly.at, T("2026-01-05T07:55:30Z"));
  EXPECT_EQ(m.first_anomaly.source, "timeline#1 (alert).data.starts_at");
  EXPECT_EQ(*m.detected.at, T("2026-01-05T08:00:00Z"));
  EXPECT_EQ(*m.acknowledged.at, T("2026-01-05T08:12:00Z"));
  EXPECT_EQ(m.acknowledged.actor, "person:alice");
  EXPECT_EQ(*m.investigating.at, T("2026-01-05T08:15:00Z"));  // the note, before any runbook
  EXPECT_EQ(*m.root_cause.at, T("2026-01-05T08:30:00Z"));
  EXPECT_EQ(*m.remediation.at, T("2026-01-05T08:35:00Z"));  // the diagnostic step does not count
  EXPECT_EQ(*m.recovered.at, T("2026-01-05T08:40:00Z"));
  EXPECT_EQ(*m.resolved.at, T("2026-01-05T09:10:00Z"));
  EXPECT_FALSE(m.closed.at);
  EXPECT_EQ(m.peak_severity, model::Severity::kSev1);
  EXPECT_EQ(m.escalation_tier, 2);
}

TEST(Mttx, HandComputedFiguresAndSla) {
  auto cfg = ExampleConfig();
  auto r = Sample();
  auto x = ComputeMttx(ExtractMilestones(r), *cfg, T("2026-01-06T00:00:00Z"));
  EXPECT_EQ(x.mttd.value->count(), 270'000);    // 07:55:30 -> 08:00
  EXPECT_EQ(x.mtta.value->count(), 720'000);    // 08:00 -> 08:12
  EXPECT_EQ(x.mtti.value->count(), 1'080'000);  // 08:12 -> 08:30
  EXPECT_EQ(x.mttr.value->count(), 4'200'000);  // 08:00 -> 09:10
  // Peak SEV1: ack SLA 10 min (12 min taken: breached), resolve SLA 1 h (70 min: breached).
  EXPECT_TRUE(x.ack_breached);
  EXPECT_TRUE(x.resolve_breached);

  // Without a root cause and starts_at: MTTI and MTTD say why they are missing.
  r.timeline.erase(r.timeline.begin() + 8);  // root_cause
  r.timeline[0].data.erase("starts_at");
  auto y = ComputeMttx(ExtractMilestones(r), *cfg, T("2026-01-06T00:00:00Z"));
  EXPECT_FALSE(y.mtti.value);
  EXPECT_EQ(y.mtti.missing, "root_cause not recorded");
  EXPECT_FALSE(y.mttd.value);
  EXPECT_EQ(y.mttd.missing, "first_anomaly not recorded");
}

TEST(Mttx, OpenIncidentBreachesAckSlaWhileWaiting) {
  auto cfg = ExampleConfig();
  Record r;
  r.incident.id = "INC-9";
  r.incident.severity = model::Severity::kSev0;
  r.incident.created_at = T("2026-01-05T08:00:00Z");
  auto m = ExtractMilestones(r);
  EXPECT_FALSE(ComputeMttx(m, *cfg, T("2026-01-05T08:04:59Z")).ack_breached);
  EXPECT_TRUE(ComputeMttx(m, *cfg, T("2026-01-05T08:05:01Z")).ack_breached);  // SEV0 ack SLA 5 min
}

TEST(Aggregate, MeanMedianP90ByKey) {
  std::vector<MttxRow> rows;
  for (int64_t mins : {1, 2, 3, 10}) {
    MttxRow r;
    r.keys = {"a"};
    r.mttx.mtta.value = core::Millis(mins * 60'000);
    r.mttx.ack_breached = mins > 5;
    rows.push_back(r);
  }
  MttxRow other;
  other.keys = {"b", "a"};
  rows.push_back(other);  // no figures: counts as an incident, not in the means
  auto groups = Aggregate(rows);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].key, "a");
  EXPECT_EQ(groups[0].incidents, 5);
  EXPECT_EQ(groups[0].mtta.n, 4);
  EXPECT_DOUBLE_EQ(groups[0].mtta.mean_s, 240.0);    // (60+120+180+600)/4
  EXPECT_DOUBLE_EQ(groups[0].mtta.median_s, 150.0);  // (120+180)/2
  EXPECT_DOUBLE_EQ(groups[0].mtta.p90_s, 600.0);     // nearest rank ceil(3.6) = 4th
  EXPECT_EQ(groups[0].ack_breaches, 1);
  EXPECT_EQ(groups[1].key, "b");
  EXPECT_EQ(groups[1].mtta.n, 0);
}

TEST(GroupKeys, ServiceTeamSeverityPeriod) {
  auto cfg = ExampleConfig();
  auto r = Sample();
  r.incident.services = {"checkout", "web"};
  auto m = ExtractMilestones(r);
  EXPECT_EQ(GroupKeys(r, m, *cfg, "service").value(), (std::vector<std::string>{"checkout", "web"}));
  EXPECT_EQ(GroupKeys(r, m, *cfg, "team").value(), (std::vector<std::string>{"frontend", "payments"}));
  EXPECT_EQ(GroupKeys(r, m, *cfg, "severity").value(), (std::vector<std::string>{"SEV1"}));
  EXPECT_EQ(GroupKeys(r, m, *cfg, "day").value(), (std::vector<std::string>{"2026-01-05"}));
  EXPECT_EQ(GroupKeys(r, m, *cfg, "week").value(), (std::vector<std::string>{"2026-01-05"}));  // a Monday
  EXPECT_EQ(GroupKeys(r, m, *cfg, "month").value(), (std::vector<std::string>{"2026-01"}));
  EXPECT_FALSE(GroupKeys(r, m, *cfg, "planet"));
}

TEST(Redactor, ExternalRemovesPlantedHostsContactsAndNames) {
  auto cfg = ExampleConfig();
  const std::string planted =
      "Alice Moreau (alice, alice@example.com, +33600000001, @alice) saw db-primary-3.prod.internal and "
      "10.20.30.40:5432 and fe80::1 fail; mail ops-oncall@corp.example.net; see "
      "https://grafana.internal.example.com/d/x; payments and db-replica are down; checkout slow; INC-12";
  Redactor ext(*cfg, Audience::kExternal);
  auto out = ext.Redact(planted);
  for (const char* bad : {"Alice", "alice", "example.com", "+33600000001", "@alice", "db-primary-3", "prod.internal",
                          "10.20.30.40", "fe80", "ops-oncall", "grafana", "payments", "db-replica"})
    EXPECT_EQ(out.find(bad), std::string::npos) << bad << " leaked: " << out;
  EXPECT_NE(out.find("checkout slow"), std::string::npos) << out;  // a word of its public name "Checkout"
  EXPECT_NE(out.find("INC-12"), std::string::npos) << out;         // incident ids survive

  Redactor in(*cfg, Audience::kInternal);
  auto internal = in.Redact(planted);
  for (const char* bad : {"alice@example.com", "+33600000001", "@alice", "ops-oncall@"})
    EXPECT_EQ(internal.find(bad), std::string::npos) << bad << " leaked: " << internal;
  EXPECT_NE(internal.find("db-primary-3.prod.internal"), std::string::npos);  // responders need hosts
  EXPECT_NE(internal.find("Alice Moreau"), std::string::npos);
}

TEST(Redactor, SecretsFromEnvAndCredentialsInUrls) {
  auto base = ExampleConfig();
  auto cfg = std::make_shared<config::Config>(*base);
  cfg->settings.secret_names = {"FB_REPORT_TEST_SECRET"};
  ::setenv("FB_REPORT_TEST_SECRET", "s3cr3t-value-42", 1);
  Redactor in(*cfg, Audience::kInternal);
  auto out = in.Redact("token s3cr3t-value-42 and postgres://app:hunter2@db:5432/x");
  EXPECT_EQ(out.find("s3cr3t"), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
  ::unsetenv("FB_REPORT_TEST_SECRET");
}

TEST(StatusUpdate, ExternalHasNoInternalData) {
  auto cfg = ExampleConfig();
  auto r = Sample();
  r.incident.state = model::IncidentState::kAcknowledged;
  r.incident.resolved_at.reset();
  r.incident.mitigated_at.reset();
  r.incident.impact = "Payments fail for EU customers; escalate to bob@example.com on db-primary-3";
  r.incident.roles[std::string(model::kRoleCommander)] = "alice";
  r.timeline.resize(9);
  auto doc = BuildStatusUpdate(r, *cfg, T("2026-01-05T08:31:00Z"), Audience::kExternal, std::chrono::minutes(15));
  auto t = Templates::Load("").value();
  doc["text"] = t.Render("status_external.txt", doc).value();
  json::value v = doc;
  Redactor(*cfg, Audience::kExternal).RedactJson(v);
  auto all = core::ToJson(v);
  for (const char* bad : {"bob", "alice", "Alice", "db-primary-3", "example.com", "Looking at the pool", "payments"})
    EXPECT_EQ(all.find(bad), std::string::npos) << bad << " leaked: " << all;
  EXPECT_EQ(v.at("phase"), "identified");
  EXPECT_EQ(v.at("next_update_at"), "2026-01-05T08:46:00Z");
  EXPECT_NE(std::string(v.at("text").as_string()).find("Checkout"), std::string::npos);
}

// A resolved incident's update says how long it lasted and when it was resolved, not that it
// started "<its duration> ago"; an open one still counts from its start to the report's now.
TEST(StatusUpdate, ResolvedSaysHowLongItLastedOpenSaysHowLongAgo) {
  auto cfg = ExampleConfig();
  auto t = Templates::Load("").value();
  auto resolved = BuildStatusUpdate(Sample(), *cfg, T("2026-01-06T09:10:00Z"), Audience::kExternal, std::chrono::minutes(15));
  EXPECT_EQ(resolved.at("elapsed"), "1d1h10m");
  EXPECT_EQ(resolved.at("duration"), "1h10m");
  EXPECT_EQ(resolved.at("resolved_at"), "2026-01-05T09:10:00Z");
  auto text = t.Render("status_external.txt", resolved).value();
  EXPECT_NE(text.find("Started: 2026-01-05T08:00:00Z, resolved 2026-01-05T09:10:00Z (lasted 1h10m)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find(" ago"), std::string::npos) << text;
  auto internal = BuildStatusUpdate(Sample(), *cfg, T("2026-01-06T09:10:00Z"), Audience::kInternal, std::chrono::minutes(15));
  text = t.Render("status_internal.txt", internal).value();
  EXPECT_NE(text.find("- resolved (resolved), lasted 1h10m\n"), std::string::npos) << text;

  auto r = Sample();
  r.incident.state = model::IncidentState::kAcknowledged;
  r.incident.resolved_at.reset();
  r.incident.mitigated_at.reset();
  r.timeline.resize(9);
  auto open = BuildStatusUpdate(r, *cfg, T("2026-01-05T08:31:00Z"), Audience::kExternal, std::chrono::minutes(15));
  EXPECT_TRUE(open.at("duration").is_null());
  text = t.Render("status_external.txt", open).value();
  EXPECT_NE(text.find("Started: 2026-01-05T08:00:00Z (31m ago)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("lasted"), std::string::npos) << text;
}

TEST(Templates, OverrideFromDirectoryAndErrorsNameTheFile) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("status_external.txt.mustache"), "CUSTOM {{phase}} {{title}}\n");
  auto t = Templates::Load(dir.path());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->overrides().count("status_external.txt"), 1u);
  auto out = t->Render("status_external.txt", json::object{{"phase", "monitoring"}, {"title", "A & B"}});
  EXPECT_EQ(out.value(), "CUSTOM monitoring A & B\n");
  testing::WriteFile(dir.File("postmortem.md.mustache"), "{{#unclosed}}\n");
  auto bad = Templates::Load(dir.path());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("postmortem.md.mustache"), std::string::npos);
}

TEST(Templates, MarkdownEscapesTableBreakers) {
  auto t = Templates::Load("").value();
  auto cfg = ExampleConfig();
  auto r = Sample();
  r.timeline[6].text = "pipe | star * <script> [link]";
  auto md = t.Render("postmortem.md", BuildPostmortem(r, *cfg, T("2026-01-06T00:00:00Z"))).value();
  EXPECT_NE(md.find("pipe \\| star \\* &lt;script&gt; \\[link\\]"), std::string::npos) << md;
  EXPECT_EQ(md.find("\n\n\n"), std::string::npos);
  EXPECT_EQ(md.back(), '\n');
}

TEST(TidyMarkdown, CollapsesBlankRunsAndTrailingSpace) {
  EXPECT_EQ(TidyMarkdown("\n\n# A  \n\n\n\nb \n\n"), "# A\n\nb\n");
}

TEST(Svg, OneMarkerPerEntryAndSeverityBands) {
  auto r = Sample();
  auto svg = TimelineSvg(r, T("2026-01-06T00:00:00Z"));
  size_t circles = 0, bands = 0;
  for (size_t p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1)) ++circles;
  for (size_t p = svg.find("class=\"sev-band\""); p != std::string::npos; p = svg.find("class=\"sev-band\"", p + 1)) ++bands;
  EXPECT_EQ(circles, r.timeline.size());
  EXPECT_EQ(bands, 2u);  // SEV2 from 08:00, SEV1 from 08:11
  EXPECT_NE(svg.find("SEV1 from 2026-01-05T08:11:00Z"), std::string::npos);
  EXPECT_EQ(svg.find("Looking at the pool"), std::string::npos);  // no free text
}

TEST(Postmortem, FieldsRoundTripAndRejectBadInput) {
  auto p = PostmortemFromJson(json::parse(R"({"root_cause":"x","five_whys":["a","b"],"first_anomaly_at":"2026-01-05T07:00:00Z"})"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->five_whys.size(), 2u);
  auto back = PostmortemFromJson(ToJson(*p));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->first_anomaly_at, p->first_anomaly_at);
  auto bad = PostmortemFromJson(json::parse(R"({"five_whys":[1]})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "five_whys");
  auto bad_time = PostmortemFromJson(json::parse(R"({"first_anomaly_at":"yesterday"})"));
  ASSERT_FALSE(bad_time);
  EXPECT_EQ(bad_time.error().field, "first_anomaly_at");
  EXPECT_FALSE(PostmortemFromJson(json::parse(R"({"rootcause":"typo"})")));
}

}  // namespace
}  // namespace firebreak::report
