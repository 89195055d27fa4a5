// The JSON surface the MCP tools wrap: same answers as the typed App calls, scopes enforced, bad
// arguments refused naming the field.
#include "app/alert_tools.h"

#include <gtest/gtest.h>

#include "app/alert_requests.h"
#include "app/example_app_test.h"
#include "core/clock.h"
#include "core/time.h"
#include "testing/testing.h"

namespace firebreak::app {
namespace {

namespace json = boost::json;

class AlertToolsTest : public ExampleAppTest {
 protected:
  // A PagerDuty-style critical trigger for `service`.
  std::string Trigger(const std::string& dedup, const std::string& service) {
    return Send(model::AlertEvent::Action::kTrigger, dedup, service, {{"severity", "critical"}}, "errors on " + service);
  }

  Result<json::object> Call(void (*fn)(App&, const model::Principal&, const json::value&, Callback<json::object>),
                            const model::Principal& who, const json::value& args) {
    return Wait<json::object>([&](auto cb) { fn(*app_, who, args, std::move(cb)); });
  }
};

// "For 90m" means 90 minutes from when the silence starts, even when the request waited (for
// the engine, behind other commands) between being read and being committed.
TEST_F(AlertToolsTest, ASilenceForADurationLastsExactlyThatLongFromItsStart) {
  // Decoded now, committed 5 ms later.
  auto create = [this](const char* body) -> Result<model::Silence> {
    FB_ASSIGN_OR_RETURN(auto spec, DecodeSilence(json::parse(body)));
    clock_.Advance(std::chrono::milliseconds(5));
    return Wait<model::Silence>([&](auto cb) {
      app_->CreateSilence(Who(model::kScopeRead | model::kScopeWrite), spec, std::move(cb));
    });
  };
  auto made = create(R"({"matchers": ["service=checkout"], "duration": "90m", "comment": "c"})");
  ASSERT_TRUE(made) << made.error().ToString();
  EXPECT_EQ(made->starts_at, clock_.Now());
  EXPECT_EQ(made->ends_at - made->starts_at, std::chrono::minutes(90));

  // An explicit end stays where it was asked to be.
  auto made2 = create(R"({"matchers": ["service=checkout"], "ends_at": "2026-03-01T12:00:00Z", "comment": "c"})");
  ASSERT_TRUE(made2) << made2.error().ToString();
  EXPECT_EQ(core::FormatRfc3339(made2->ends_at), "2026-03-01T12:00:00Z");
}

TEST_F(AlertToolsTest, ListsAlertsAndAnIncidentsAlertsWithJoinReasons) {
  std::string inc = Trigger("a-1", "checkout");
  ASSERT_FALSE(inc.empty());
  EXPECT_EQ(Trigger("a-2", "checkout"), inc);
  auto reader = Who(model::kScopeRead);

  auto all = ListAlertsJson(*app_, reader, nullptr);
  ASSERT_TRUE(all) << all.error().ToString();
  EXPECT_EQ(all->at("alerts").as_array().size(), 2u);
  EXPECT_FALSE(all->contains("next_before"));

  auto page = ListAlertsJson(*app_, reader, json::parse(R"({"limit": 1, "status": "open"})"));
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->at("alerts").as_array().size(), 1u);
  ASSERT_TRUE(page->contains("next_before"));
  auto rest = ListAlertsJson(*app_, reader, json::object{{"before", page->at("next_before")}});
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->at("alerts").as_array().size(), 1u);
  EXPECT_NE(rest->at("alerts").as_array()[0].at("id"), page->at("alerts").as_array()[0].at("id"));

  auto of = IncidentAlertsJson(*app_, reader, json::object{{"incident_id", inc}});
  ASSERT_TRUE(of) << of.error().ToString();
  const auto& alerts = of->at("alerts").as_array();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_NE(alerts[0].at("join_reason").as_string(), "");
  EXPECT_NE(alerts[1].at("join_reason").as_string(), "");
  EXPECT_NE(alerts[0].at("join_reason"), alerts[1].at("join_reason"));  // opened vs joined
}

TEST_F(AlertToolsTest, BadArgumentsNameTheField) {
  auto reader = Who(model::kScopeRead);
  auto e1 = ListAlertsJson(*app_, reader, json::parse(R"({"status": "burning"})"));
  ASSERT_FALSE(e1);
  EXPECT_EQ(e1.error().field, "status");
  auto e2 = ListAlertsJson(*app_, reader, json::parse(R"({"limit": [1]})"));
  ASSERT_FALSE(e2);
  EXPECT_EQ(e2.error().field, "limit");
  auto e3 = ListAlertsJson(*app_, reader, json::parse(R"({"colour": "red"})"));
  ASSERT_FALSE(e3);
  EXPECT_EQ(e3.error().field, "colour");
  auto e4 = IncidentAlertsJson(*app_, reader, nullptr);
  ASSERT_FALSE(e4);
  EXPECT_EQ(e4.error().field, "incident_id");
  auto e5 = IncidentAlertsJson(*app_, reader, json::object{{"incident_id", "INC-404"}});
  ASSERT_FALSE(e5);
  EXPECT_EQ(e5.error().code, ErrorCode::kNotFound);
  auto e6 = ListChangesJson(*app_, reader, json::object{{"since", "yesterday-ish"}});
  ASSERT_FALSE(e6);
  EXPECT_EQ(e6.error().field, "since");
  // "-6h" is not six hours ago (it was read as six hours ahead, matching nothing).
  auto e6b = ListChangesJson(*app_, reader, json::object{{"since", "-6h"}});
  ASSERT_FALSE(e6b);
  EXPECT_EQ(e6b.error().field, "since");
  EXPECT_NE(e6b.error().message.find("positive duration"), std::string::npos) << e6b.error().message;
  auto e7 = Call(CreateSilenceJson, Who(model::kScopeRead | model::kScopeWrite),
                 json::parse(R"({"matchers": ["service=checkout"], "comment": "x"})"));
  ASSERT_FALSE(e7);
  EXPECT_EQ(e7.error().field, "ends_at");
  // An empty key of the wrong type names the arguments, not an empty field.
  auto e8 = ListAlertsJson(*app_, reader, json::parse(R"({"": [1]})"));
  ASSERT_FALSE(e8);
  EXPECT_EQ(e8.error().field, "arguments");
}

TEST_F(AlertToolsTest, SilencesNeedWriteAndRoundTrip) {
  auto reader = Who(model::kScopeRead);
  auto writer = Who(model::kScopeRead | model::kScopeWrite);
  auto args = json::parse(R"({"matchers": ["service=checkout"], "duration": "2h", "comment": "db migration"})");

  auto denied = Call(CreateSilenceJson, reader, args);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  auto none = ListSilencesJson(*app_, reader, json::object{{"state", "all"}});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->at("silences").as_array().empty()) << "a refused call stores nothing";

  auto made = Call(CreateSilenceJson, writer, args);
  ASSERT_TRUE(made) << made.error().ToString();
  std::string id(made->at("id").as_string());
  auto active = ListSilencesJson(*app_, reader, nullptr);
  ASSERT_TRUE(active);
  ASSERT_EQ(active->at("silences").as_array().size(), 1u);
  EXPECT_EQ(active->at("silences").as_array()[0].at("id").as_string(), id);

  // A silenced alert is recorded but attached to no incident.
  EXPECT_EQ(Trigger("during-maintenance", "checkout"), "");
  auto alerts = ListAlertsJson(*app_, reader, nullptr);
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->at("alerts").as_array().size(), 1u);
  EXPECT_EQ(alerts->at("alerts").as_array()[0].at("silence_id").as_string(), id);

  EXPECT_EQ(Call(ExpireSilenceJson, reader, json::object{{"id", id}}).error().code, ErrorCode::kPermissionDenied);
  auto expired = Call(ExpireSilenceJson, writer, json::object{{"id", id}});
  ASSERT_TRUE(expired) << expired.error().ToString();
  auto after = ListSilencesJson(*app_, reader, json::object{{"state", "expired"}});
  ASSERT_TRUE(after);
  ASSERT_EQ(after->at("silences").as_array().size(), 1u);
  EXPECT_TRUE(ListSilencesJson(*app_, reader, nullptr)->at("silences").as_array().empty());
}

// A silence whose every matcher also matches an alert without the label would silence every alert
// (Alertmanager refuses one too): `{"name":"team"}` with no value is `team=""`, which every alert
// without a team label has. Refused naming `matchers`, nothing stored, the next alert pages.
TEST_F(AlertToolsTest, ASilenceThatWouldMatchEveryAlertIsRefused) {
  auto writer = Who(model::kScopeRead | model::kScopeWrite);
  for (const char* matchers : {R"([{"name": "zzz_absent"}])", R"(["zzz="])", R"(["team!=db"])",
                               R"(["alertname=~.*"])", R"(["alertname!~.+"])", R"(["a=", "b!=x", "c=~x?"])"}) {
    auto args = json::parse(std::string(R"({"matchers": )") + matchers + R"(, "duration": "1h", "comment": "c"})");
    auto made = Call(CreateSilenceJson, writer, args);
    ASSERT_FALSE(made) << matchers;
    EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument) << matchers;
    EXPECT_EQ(made.error().field, "matchers") << matchers;
    EXPECT_NE(made.error().message.find("every alert"), std::string::npos) << made.error().message;
  }
  auto none = ListSilencesJson(*app_, writer, json::object{{"state", "all"}});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->at("silences").as_array().empty());
  EXPECT_NE(Trigger("still-pages", "checkout"), "") << "no silence was made";

  // One matcher that needs a value is enough, whatever the others allow.
  auto narrow = Call(CreateSilenceJson, writer,
                     json::parse(R"({"matchers": ["team=", "service=~check.*"], "duration": "1h", "comment": "c"})"));
  ASSERT_TRUE(narrow) << narrow.error().ToString();
  EXPECT_EQ(Trigger("silenced-now", "checkout"), "");
}

}  // namespace
}  // namespace firebreak::app
