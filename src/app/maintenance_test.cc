// Maintenance windows (recurring silences from the config) through the App: a stretch starts a
// silence by itself, alerts it matches are recorded without an incident, and when the stretch ends
// the ones still firing open incidents; across a restart, and across config reloads.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "app/example_app_test.h"
#include "core/time.h"

namespace firebreak::app {
namespace {

namespace fs = std::filesystem;

// Sundays 11:00-12:00 in Berlin (10:00-11:00 UTC in March): the fixture's clock starts at
// 2026-03-01T10:00:00Z, a Sunday, inside the first stretch.
constexpr const char* kWindow = R"(
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
)";

class MaintenanceTest : public ExampleAppTest {
 protected:
  void SetUp() override {
    fs::copy(testing::SourceDir() + "/examples/config", cfg_.path(), fs::copy_options::recursive);
    WriteWindow(kWindow);
    config_dir_ = cfg_.path();
    Open();
  }
  void WriteWindow(const std::string& text) { std::ofstream(cfg_.File("maintenance.yaml")) << text; }

  std::string Fire(const std::string& key, const std::string& service) {
    return Send(model::AlertEvent::Action::kTrigger, key, service, {{"alertname", "Down"}, {"service", service}},
                service + " is down");
  }
  engine::MaintenanceStatus Window() {
    auto list = app_->ListMaintenanceWindows(Who());
    EXPECT_TRUE(list) << list.error().ToString();
    EXPECT_EQ(list->size(), 1u);
    return list->at(0);
  }
  model::Alert AlertOf(const std::string& service) {
    store::AlertFilter f;
    f.service = service;
    auto list = app_->ListAlerts(Who(), f);
    EXPECT_TRUE(list && list->size() == 1u);
    return list->at(0);
  }
  model::Silence SilenceOf(const std::string& id) {
    auto s = app_->GetSilence(Who(), id);
    EXPECT_TRUE(s) << s.error().ToString();
    return *s;
  }

  testing::TempDir cfg_;
};

TEST_F(MaintenanceTest, AStretchSilencesItsAlertsAndTheStillFiringOnesOpenIncidentsWhenItEnds) {
  // A matching alert during the stretch is recorded, silenced, and opens nothing; others do.
  EXPECT_EQ(Fire("s1", "search"), "");
  EXPECT_NE(Fire("c1", "checkout"), "");
  auto w = Window();
  EXPECT_TRUE(w.in_window);
  ASSERT_FALSE(w.silence_id.empty());
  EXPECT_EQ(core::FormatRfc3339(*w.ends_at), "2026-03-01T11:00:00Z");
  EXPECT_EQ(core::FormatRfc3339(*w.next_start), "2026-03-08T10:00:00Z");
  EXPECT_EQ(core::FormatRfc3339(*w.next_end), "2026-03-08T11:00:00Z");
  EXPECT_EQ(AlertOf("search").silence_id, w.silence_id);
  auto s = SilenceOf(w.silence_id);
  EXPECT_EQ(s.created_by, "system:maintenance");
  EXPECT_EQ(s.comment, "Maintenance window 'search-reindex': weekly index rebuild");
  EXPECT_EQ(core::FormatRfc3339(s.starts_at), "2026-03-01T10:00:00Z");
  EXPECT_EQ(core::FormatRfc3339(s.ends_at), "2026-03-01T11:00:00Z");

  // At the stretch's end the silence ends and the still-firing alert opens its incident.
  clock_.Advance(std::chrono::hours(1));
  EXPECT_NE(Fire("c2", "checkout"), "");  // a command after the timers
  EXPECT_FALSE(AlertOf("search").incident_id.empty());
  EXPECT_TRUE(SilenceOf(w.silence_id).expired_at.has_value());
  w = Window();
  EXPECT_FALSE(w.in_window);
  EXPECT_TRUE(w.silence_id.empty());
  EXPECT_EQ(core::FormatRfc3339(*w.next_start), "2026-03-08T10:00:00Z");

  // The next Sunday starts a new silence by itself, from the stretch's start.
  clock_.Set(T("2026-03-08T10:00:00Z"));
  EXPECT_NE(Fire("c3", "checkout"), "");
  w = Window();
  EXPECT_TRUE(w.in_window);
  ASSERT_FALSE(w.silence_id.empty());
  auto next = SilenceOf(w.silence_id);
  EXPECT_NE(next.id, s.id);
  EXPECT_EQ(core::FormatRfc3339(next.starts_at), "2026-03-08T10:00:00Z");
  EXPECT_EQ(core::FormatRfc3339(next.ends_at), "2026-03-08T11:00:00Z");
  // Both starts and the end are in the audit log, by system:maintenance and system:silence.
  store::AuditFilter af;
  af.action_prefix = "silence.create";
  auto audit = app_->Audit(Who(model::kScopeAdmin), af);
  ASSERT_TRUE(audit);
  int by_maintenance = 0;
  for (const auto& e : *audit) by_maintenance += e.actor == "system:maintenance";
  EXPECT_EQ(by_maintenance, 2);
}

TEST_F(MaintenanceTest, StretchesThatBeganOrEndedWhileTheServerWasDownAreCaughtUpAtStart) {
  EXPECT_EQ(Fire("s1", "search"), "");  // silenced: inside the first stretch
  const std::string first = Window().silence_id;
  ASSERT_FALSE(first.empty());
  // Down from 10:30 to 11:30: the stretch ended meanwhile. Back up, its silence ends (late) and the
  // still-firing alert opens its incident.
  clock_.Set(T("2026-03-01T10:30:00Z"));
  app_->Stop();
  app_.reset();
  clock_.Set(T("2026-03-01T11:30:00Z"));
  Open();
  (void)Fire("c1", "checkout");  // a command after the start-up work and the late timers
  EXPECT_TRUE(SilenceOf(first).expired_at.has_value());
  EXPECT_FALSE(AlertOf("search").incident_id.empty());
  EXPECT_FALSE(Window().in_window);
  // Down over the start of the next stretch: it is silenced from when the server is back.
  app_->Stop();
  app_.reset();
  clock_.Set(T("2026-03-08T10:20:00Z"));
  Open();
  (void)Fire("c2", "checkout");
  auto w = Window();
  ASSERT_TRUE(w.in_window);
  ASSERT_FALSE(w.silence_id.empty());
  EXPECT_NE(w.silence_id, first);
  auto s = SilenceOf(w.silence_id);
  EXPECT_EQ(core::FormatRfc3339(s.starts_at), "2026-03-08T10:20:00Z");
  EXPECT_EQ(core::FormatRfc3339(s.ends_at), "2026-03-08T11:00:00Z");
}

TEST_F(MaintenanceTest, AReloadEndsTheSilenceOfARemovedOrChangedWindowButNotOfAnUnchangedOne) {
  EXPECT_EQ(Fire("s1", "search"), "");
  const std::string first = Window().silence_id;
  ASSERT_FALSE(first.empty());

  // Reloading the same definition changes nothing, also after the stretch's silence was ended by
  // hand (an operator wanted pages back: a reload must not undo that).
  auto ended = Wait<model::Silence>([&](auto cb) { app_->ExpireSilence(Who(), first, std::move(cb)); });
  ASSERT_TRUE(ended) << ended.error().ToString();
  EXPECT_FALSE(AlertOf("search").incident_id.empty());  // placed when its silence ended
  ASSERT_TRUE(app_->ReloadConfig(Who(model::kScopeAdmin)));
  EXPECT_TRUE(Window().silence_id.empty());
  EXPECT_TRUE(Window().in_window);

  // A changed window starts over: the stretch is silenced again, with the new matchers.
  WriteWindow(std::string(kWindow).replace(std::string(kWindow).find("service=search"), 14, "service=fraud"));
  ASSERT_TRUE(app_->ReloadConfig(Who(model::kScopeAdmin)));
  auto w = Window();
  ASSERT_FALSE(w.silence_id.empty());
  EXPECT_EQ(w.matchers, std::vector<std::string>{"service=fraud"});
  EXPECT_EQ(Fire("f1", "fraud"), "");

  // A removed window ends its silence at once; what it silenced and still fires is placed.
  WriteWindow("");
  ASSERT_TRUE(app_->ReloadConfig(Who(model::kScopeAdmin)));
  auto s = SilenceOf(w.silence_id);
  ASSERT_TRUE(s.expired_at.has_value());
  EXPECT_EQ(s.expired_by, "system:maintenance");
  EXPECT_FALSE(AlertOf("fraud").incident_id.empty());
  auto list = app_->ListMaintenanceWindows(Who());
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

}  // namespace
}  // namespace firebreak::app
