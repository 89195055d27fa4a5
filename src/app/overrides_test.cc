// Schedule overrides made at run time, through the App: who is on call and who gets paged change
// with them; they survive a restart and a configuration reload; deleting cancels or ends them and
// keeps them as history; bad requests name the field and store nothing.
#include <set>

#include <gtest/gtest.h>

#include "app/example_app_test.h"
#include "core/json.h"
#include "core/time.h"

namespace firebreak::app {
namespace {

namespace json = boost::json;

class OverridesTest : public ExampleAppTest {
 protected:
  Result<json::object> Create(const char* body, const model::Principal& who = Who()) {
    FB_ASSIGN_OR_RETURN(auto req, DecodeOverride(*core::ParseJson(body)));
    return Wait<json::object>([&](auto cb) { app_->CreateOverride(who, req, std::move(cb)); });
  }
  Result<json::object> Delete(const std::string& id) {
    return Wait<json::object>([&](auto cb) { app_->DeleteOverride(Who(), id, std::move(cb)); });
  }
  // Who is on call in `schedule` at `at` (default now), and whether through an override.
  std::pair<std::string, bool> OnCall(const char* at = nullptr, const char* schedule = "primary") {
    OncallQuery q;
    q.schedule = schedule;
    if (at) q.at = T(at);
    auto r = app_->OnCall(Who(), q);
    EXPECT_TRUE(r) << r.error().ToString();
    const auto& on = r->at("schedules").as_array().at(0).at("on_call");
    if (on.is_null()) return {"", false};
    return {std::string(on.at("person").as_string()), on.at("override").as_bool()};
  }
  std::vector<std::string> Listed(bool all) {
    OverrideQuery q;
    q.all = all;
    auto r = app_->ListOverrides(Who(), q);
    EXPECT_TRUE(r) << r.error().ToString();
    std::vector<std::string> out;
    for (const auto& o : r->at("overrides").as_array())
      out.push_back(std::string(o.at("id").as_string()) + ":" + std::string(o.at("state").as_string()));
    return out;
  }
};

// The fixture's clock is Sunday 2026-03-01 10:00 UTC: bob's week on primary (weekly from Monday
// 2026-01-05, alice then bob).
TEST_F(OverridesTest, AnOverrideTakesTheShiftAndThePageGoesToItsPerson) {
  EXPECT_EQ(OnCall(), std::make_pair(std::string("bob"), false));
  auto o = Create(R"({"schedule":"primary","person":"carol","replaces":"bob","duration":"8h","reason":"bob is sick"})");
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->at("id"), "OVR-1");
  EXPECT_EQ(o->at("state"), "active");
  EXPECT_EQ(o->at("applied"), true);
  EXPECT_EQ(o->at("start"), "2026-03-01T10:00:00Z");
  EXPECT_EQ(o->at("end"), "2026-03-01T18:00:00Z");
  EXPECT_EQ(o->at("created_by"), "person:alice");
  EXPECT_EQ(OnCall(), std::make_pair(std::string("carol"), true));
  EXPECT_EQ(OnCall("2026-03-01T18:00:00Z"), std::make_pair(std::string("bob"), false));
  // checkout's policy pages primary first: carol, not bob.
  std::string inc = Send(model::AlertEvent::Action::kTrigger, "co-1", "checkout", {{"alertname", "Errors"}}, "5xx");
  ASSERT_FALSE(inc.empty());
  auto n = app_->ListNotifications(Who(), inc);
  ASSERT_TRUE(n) << n.error().ToString();
  std::set<std::string> paged;
  for (const auto& row : n->at("notifications").as_array())
    if (row.at("kind") == "page") paged.insert(std::string(row.at("person").as_string()));
  EXPECT_EQ(paged, std::set<std::string>{"carol"});
}

TEST_F(OverridesTest, KeptAcrossARestartAndAReload) {
  ASSERT_TRUE(Create(R"({"schedule":"primary","person":"dave","start":"2026-03-02T08:00:00Z","end":"2026-03-03T08:00:00Z"})"));
  EXPECT_EQ(OnCall("2026-03-02T12:00:00Z"), std::make_pair(std::string("dave"), true));
  Restart();
  EXPECT_EQ(Listed(false), std::vector<std::string>{"OVR-1:upcoming"});
  EXPECT_EQ(OnCall("2026-03-02T12:00:00Z"), std::make_pair(std::string("dave"), true));
  auto reloaded = app_->ReloadConfig(Who(model::kScopeAdmin));
  ASSERT_TRUE(reloaded) << reloaded.error().ToString();
  EXPECT_EQ(OnCall("2026-03-02T12:00:00Z"), std::make_pair(std::string("dave"), true));
  // The next one gets the next id, also after the restart.
  auto second = Create(R"({"schedule":"secondary","person":"erin","duration":"1h"})");
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->at("id"), "OVR-2");
  EXPECT_EQ(OnCall(nullptr, "secondary"), std::make_pair(std::string("erin"), true));
}

// `replaces` names the rotation's person: replacing bob again inside another override of bob's
// shift applies (the newest wins); "replacing" the override's person would never apply, so it is
// refused.
TEST_F(OverridesTest, ReplacesNamesThePersonOfTheRotation) {
  ASSERT_TRUE(Create(R"({"schedule":"primary","person":"carol","replaces":"bob","duration":"8h"})"));
  auto inner = Create(R"({"schedule":"primary","person":"dave","replaces":"bob","start":"2026-03-01T12:00:00Z","duration":"2h"})");
  ASSERT_TRUE(inner) << inner.error().ToString();
  EXPECT_EQ(OnCall("2026-03-01T11:00:00Z"), std::make_pair(std::string("carol"), true));
  EXPECT_EQ(OnCall("2026-03-01T13:00:00Z"), std::make_pair(std::string("dave"), true));
  EXPECT_EQ(OnCall("2026-03-01T15:00:00Z"), std::make_pair(std::string("carol"), true));
  auto of_override = Create(R"({"schedule":"primary","person":"erin","replaces":"carol","duration":"1h"})");
  ASSERT_FALSE(of_override);
  EXPECT_EQ(of_override.error().field, "replaces");
}

TEST_F(OverridesTest, DeletingCancelsOrEndsAndKeepsHistory) {
  ASSERT_TRUE(Create(R"({"schedule":"primary","person":"dave","start":"2026-03-02T08:00:00Z","duration":"4h"})"));
  ASSERT_TRUE(Create(R"({"schedule":"primary","person":"carol","duration":"4h"})"));
  EXPECT_EQ(Listed(false), (std::vector<std::string>{"OVR-2:active", "OVR-1:upcoming"}));
  clock_.Advance(std::chrono::hours(1));
  auto cancelled = Delete("OVR-1");
  ASSERT_TRUE(cancelled) << cancelled.error().ToString();
  EXPECT_EQ(cancelled->at("state"), "cancelled");
  EXPECT_EQ(cancelled->at("applied"), false);
  EXPECT_EQ(cancelled->at("ended_by"), "person:alice");
  EXPECT_EQ(OnCall("2026-03-02T09:00:00Z"), std::make_pair(std::string("alice"), false));
  auto ended = Delete("OVR-2");
  ASSERT_TRUE(ended) << ended.error().ToString();
  EXPECT_EQ(ended->at("state"), "ended");
  EXPECT_EQ(ended->at("end"), "2026-03-01T11:00:00Z");
  EXPECT_EQ(OnCall(), std::make_pair(std::string("bob"), false));
  // What happened stays: carol was on call 10:00-11:00.
  EXPECT_EQ(OnCall("2026-03-01T10:30:00Z"), std::make_pair(std::string("carol"), true));
  EXPECT_TRUE(Listed(false).empty());
  EXPECT_EQ(Listed(true), (std::vector<std::string>{"OVR-2:ended", "OVR-1:cancelled"}));
  auto again = Delete("OVR-2");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  // An override that does not exist is a 404 naming the path's id, to show and to delete alike.
  for (const char* id : {"OVR-9", "OVR-0", "abc", "0"}) {
    auto missing = Delete(id);
    ASSERT_FALSE(missing) << id;
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound) << id;
    EXPECT_EQ(missing.error().field, "id") << id;
    auto shown = app_->GetOverride(Who(), id);
    ASSERT_FALSE(shown) << id;
    EXPECT_EQ(shown.error().code, ErrorCode::kNotFound) << id;
    EXPECT_EQ(shown.error().field, "id") << id;
  }
}

TEST_F(OverridesTest, BadRequestsNameTheFieldAndStoreNothing) {
  struct Case {
    const char* body;
    const char* field;
  } cases[] = {
      {R"({"person":"carol","duration":"1h"})", "schedule"},
      {R"({"schedule":"primary","person":"carol","duration":"1h","colour":"red"})", "colour"},
      {R"({"schedule":"primary","person":"carol"})", "end"},
      {R"({"schedule":"primary","person":"carol","end":"2026-03-01T12:00:00Z","duration":"1h"})", "duration"},
      {R"({"schedule":"primary","person":"carol","start":"tomorrow","duration":"1h"})", "start"},
      {R"({"schedule":"primary","person":"carol","duration":"-1h"})", "duration"},
      {R"({"schedule":"nightly","person":"carol","duration":"1h"})", "schedule"},
      {R"({"schedule":"primary","person":"zed","duration":"1h"})", "person"},
      {R"({"schedule":"primary","person":"carol","replaces":"carol","duration":"1h"})", "replaces"},
      // alice is not on call in primary this week: bob is.
      {R"({"schedule":"primary","person":"carol","replaces":"alice","duration":"8h"})", "replaces"},
      // An override cannot rewrite the past (five minutes of slack for clocks).
      {R"({"schedule":"primary","person":"carol","start":"2026-03-01T09:00:00Z","duration":"2h"})", "start"},
      {R"({"schedule":"primary","person":"carol","end":"2026-03-01T09:30:00Z"})", "end"},
      {R"({"schedule":"primary","person":"carol","duration":"94d"})", "duration"},
  };
  for (const auto& c : cases) {
    auto r = Create(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << c.body;
    EXPECT_EQ(r.error().field, c.field) << c.body << ": " << r.error().message;
  }
  auto slack = Create(R"({"schedule":"primary","person":"carol","start":"2026-03-01T09:57:00Z","duration":"1h"})");
  ASSERT_TRUE(slack) << slack.error().ToString();
  EXPECT_EQ(slack->at("start"), "2026-03-01T10:00:00Z");
  EXPECT_EQ(Listed(true), std::vector<std::string>{"OVR-1:active"});
  auto denied = Create(R"({"schedule":"primary","person":"carol","duration":"1h"})", Who(model::kScopeRead));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(OverridesTest, OneWhoseScheduleIsNoLongerConfiguredIsKeptButNotApplied) {
  auto files = app_->config();
  ScheduleOverride o;
  o.id = "OVR-1";
  o.schedule = "primary";
  o.person = "carol";
  o.start = T("2026-03-01T10:00:00Z");
  o.end = T("2026-03-01T12:00:00Z");
  auto running = WithOverrides(files, {o});
  ASSERT_NE(running, files);
  EXPECT_EQ(running->FindSchedule("primary")->overrides.size(), files->FindSchedule("primary")->overrides.size() + 1);
  auto without = std::make_shared<config::Config>(*files);
  std::erase_if(without->schedules, [](const model::Schedule& s) { return s.id == "primary"; });
  without->Index();
  std::shared_ptr<const config::Config> gone = without;
  EXPECT_EQ(WithOverrides(gone, {o}), gone);
  auto j = OverrideJson(o, *gone, T("2026-03-01T11:00:00Z"));
  EXPECT_EQ(j.at("applied"), false);
  EXPECT_EQ(j.at("problem"), "schedule 'primary' is no longer configured");
  EXPECT_EQ(j.at("state"), "active");
}

}  // namespace
}  // namespace firebreak::app
