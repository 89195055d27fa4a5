// A read's ?service= and ?incident= filters through the App: a service neither configured nor
// stored, or an incident never opened, is a NotFound naming the field (a typo is not an empty
// list), while a service removed from the configuration keeps its history readable. Every read
// route with such a filter is covered.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "app/analysis.h"
#include "app/example_app_test.h"
#include "app/report.h"
#include "app/runbooks.h"

namespace firebreak::app {
namespace {

namespace fs = std::filesystem;

class ReadFiltersTest : public ExampleAppTest {
 protected:
  void SetUp() override {
    fs::copy(testing::SourceDir() + "/examples/config", cfg_.path(), fs::copy_options::recursive);
    config_dir_ = cfg_.path();
    Open();
  }

  // Deletes service `id` from services.yaml (its entry and the soft dependency on it) and from the
  // runbook that names it, then reloads.
  void RemoveService(const std::string& id) {
    Rewrite("services.yaml", std::regex("\n  - id: " + id + "\n(    .*\n|\n)*?(?=  - id: )"), "\n");
    Rewrite("services.yaml", std::regex("      - \\{ service: " + id + ", kind: soft \\}\n"), "");
    Rewrite("runbooks.yaml", std::regex("\\b" + id + ", "), "");
    auto r = app_->ReloadConfig(Who(model::kScopeAdmin));
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(app_->config()->FindService(id), nullptr);
  }

  void Rewrite(const std::string& file, const std::regex& re, const std::string& with) {
    std::ifstream in(cfg_.File(file));
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string before = ss.str();
    const std::string after = std::regex_replace(before, re, with);
    ASSERT_NE(before, after) << file;
    std::ofstream(cfg_.File(file)) << after;
  }

  // Records route's result in `out`: "field: message" if it failed (a NotFound), else "".
  template <class R>
  static void Note(std::map<std::string, std::string>& out, const char* route, const R& r) {
    out[route] = r ? std::string() : r.error().field + ": " + r.error().message;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << route;
    }
  }

  // Each read route's result for `service`: the error if it failed, else "".
  std::map<std::string, std::string> Errors(const std::string& service) {
    std::map<std::string, std::string> out;
    auto note = [&](const char* route, const auto& r) { Note(out, route, r); };
    store::IncidentFilter inc;
    inc.service = service;
    note("incidents", app_->ListIncidents(Who(), inc));
    store::AlertFilter al;
    al.service = service;
    note("alerts", app_->ListAlerts(Who(), al));
    ChangeFilter ch;
    ch.from = clock_.Now() - std::chrono::hours(24);
    ch.to = clock_.Now();
    ch.service = service;
    note("changes", app_->ListChanges(Who(), ch));
    LogTemplateFilter lt;
    lt.service = service;
    note("log templates", app_->LogTemplates(Who(), lt));
    auto pq = app_->DefaultPatternQuery();
    pq.services = {service};
    pq.to = clock_.Now();
    pq.from = pq.to - std::chrono::hours(1);
    note("log patterns", app_->LogPatterns(Who(), pq));
    MttxQuery mq;
    mq.service = service;
    note("mttx", app_->reports().Mttx(Who(), mq));
    note("series", app_->analysis().ListSeries(Who(), service));
    note("anomalies", app_->analysis().MetricAnomalies(Who(), service, std::nullopt, std::nullopt));
    note("trends", app_->analysis().ResourceTrends(Who(), service, std::nullopt));
    note("recent changes", app_->analysis().RecentChanges(Who(), service, std::nullopt, std::nullopt, ""));
    return out;
  }

  testing::TempDir cfg_;
};

TEST_F(ReadFiltersTest, AnUnknownNameIsNotFoundOnEveryReadRoute) {
  for (const auto& [route, err] : Errors("fruad"))
    EXPECT_EQ(err, "service: unknown service 'fruad' (not in the config, and nothing stored names it)") << route;
}

TEST_F(ReadFiltersTest, AConfiguredServiceWithNothingStoredIsAnEmptyAnswer) {
  for (const auto& [route, err] : Errors("fraud")) EXPECT_EQ(err, "") << route;
  store::IncidentFilter f;
  f.service = "fraud";
  EXPECT_TRUE(app_->ListIncidents(Who(), f)->empty());
}

TEST_F(ReadFiltersTest, ARemovedServiceKeepsItsHistoryReadable) {
  const auto id = Send(model::AlertEvent::Action::kTrigger, "fraud-down", "fraud",
                       {{"alertname", "FraudDown"}, {"service", "fraud"}}, "fraud scoring is down");
  ASSERT_FALSE(id.empty());
  RemoveService("fraud");
  for (const auto& [route, err] : Errors("fraud")) EXPECT_EQ(err, "") << route;
  store::IncidentFilter f;
  f.service = "fraud";
  auto incidents = app_->ListIncidents(Who(), f);
  ASSERT_TRUE(incidents);
  ASSERT_EQ(incidents->size(), 1u);
  EXPECT_EQ(incidents->at(0).id, id);
  store::AlertFilter a;
  a.service = "fraud";
  EXPECT_EQ(app_->ListAlerts(Who(), a)->size(), 1u);
  // A removed service with no history at all is unknown like any other name.
  RemoveService("notifications");
  EXPECT_EQ(Errors("notifications").at("incidents"),
            "service: unknown service 'notifications' (not in the config, and nothing stored names it)");
}

TEST_F(ReadFiltersTest, AnIncidentFilterNamesAStoredIncident) {
  const auto id = Send(model::AlertEvent::Action::kTrigger, "db-down", "db", {{"alertname", "DbDown"}, {"service", "db"}},
                       "db is down");
  ASSERT_FALSE(id.empty());
  auto errors = [&](const std::string& incident) {
    std::map<std::string, std::string> out;
    auto note = [&](const char* route, const auto& r) { Note(out, route, r); };
    store::AlertFilter al;
    al.incident_id = incident;
    note("alerts", app_->ListAlerts(Who(), al));
    note("runs", app_->runbooks().ListRuns(Who(), "", incident));
    ActionItemQuery aq;
    aq.incident_id = incident;
    note("action items", app_->reports().ActionItems(Who(), aq));
    return out;
  };
  for (const auto& [route, err] : errors("INC-404")) EXPECT_EQ(err, "incident: incident 'INC-404' not found") << route;
  for (const auto& [route, err] : errors(id)) EXPECT_EQ(err, "") << route;
  store::AlertFilter al;
  al.incident_id = id;
  EXPECT_EQ(app_->ListAlerts(Who(), al)->size(), 1u);
}

}  // namespace
}  // namespace firebreak::app
