// The people directory and one person's on-call picture through the App, on the example
// configuration: what the store adds to the configuration's view (the incidents where they hold a
// role, pages to them still unacknowledged, run-time overrides for or instead of them) and "me".
#include <gtest/gtest.h>

#include "app/example_app_test.h"
#include "core/json.h"

namespace firebreak::app {
namespace {

namespace json = boost::json;

class PeopleTest : public ExampleAppTest {
 protected:
  Result<json::object> Person(const char* id, const model::Principal& who = Who()) {
    FB_ASSIGN_OR_RETURN(auto q, DecodePersonQuery(id, {}));
    return app_->Person(who, q);
  }
  static std::vector<std::string> Ids(const json::value& a) {
    std::vector<std::string> out;
    for (const auto& v : a.as_array()) out.emplace_back(v.at("id").as_string());
    return out;
  }
};

// The fixture's clock is Sunday 2026-03-01 10:00 UTC: bob's week on primary.
TEST_F(PeopleTest, APersonSeesTheirPagesRolesAndOverrides) {
  auto dir = app_->People(Who(), PeopleQuery{});
  ASSERT_TRUE(dir) << dir.error().ToString();
  bool bob_on_primary = false;
  for (const auto& p : dir->at("people").as_array())
    for (const auto& on : p.at("on_call").as_array())
      bob_on_primary = bob_on_primary || (p.at("id") == "bob" && on.at("schedule") == "primary");
  EXPECT_TRUE(bob_on_primary);

  // An alert on checkout pages primary's person, bob; nothing waits on alice.
  std::string inc = Send(model::AlertEvent::Action::kTrigger, "co-1", "checkout", {{"alertname", "Errors"}}, "5xx");
  ASSERT_FALSE(inc.empty());
  auto bob = Person("bob");
  ASSERT_TRUE(bob) << bob.error().ToString();
  EXPECT_EQ(Ids(bob->at("pending_pages")), std::vector<std::string>{inc});
  EXPECT_FALSE(bob->at("shifts").as_array().empty());
  auto me = Person("me");
  ASSERT_TRUE(me) << me.error().ToString();
  EXPECT_EQ(me->at("id"), "alice");
  EXPECT_TRUE(me->at("pending_pages").as_array().empty());
  EXPECT_TRUE(me->at("incidents").as_array().empty());

  // alice takes command and takes over bob's shift for the afternoon.
  auto role = Wait<model::Incident>([&](auto cb) {
    app_->AssignRole(Who(), inc, RoleRequest{"incident_commander", "alice"}, std::move(cb));
  });
  ASSERT_TRUE(role) << role.error().ToString();
  auto req = DecodeOverride(*core::ParseJson(R"({"schedule":"primary","person":"alice","replaces":"bob","duration":"6h"})"));
  ASSERT_TRUE(req) << req.error().ToString();
  auto ovr = Wait<json::object>([&](auto cb) { app_->CreateOverride(Who(), *req, std::move(cb)); });
  ASSERT_TRUE(ovr) << ovr.error().ToString();
  me = Person("me");
  ASSERT_TRUE(me);
  ASSERT_EQ(me->at("incidents").as_array().size(), 1u);
  EXPECT_EQ(me->at("incidents").as_array().at(0).at("id").as_string(), inc);
  EXPECT_EQ(me->at("incidents").as_array().at(0).at("role"), "incident_commander");
  EXPECT_EQ(Ids(me->at("overrides")), std::vector<std::string>{"OVR-1"});
  ASSERT_FALSE(me->at("on_call").as_array().empty());
  EXPECT_EQ(me->at("on_call").as_array().at(0).at("schedule"), "primary");
  EXPECT_EQ(me->at("on_call").as_array().at(0).at("override"), true);
  bob = Person("bob");
  ASSERT_TRUE(bob);
  EXPECT_EQ(Ids(bob->at("overrides")), std::vector<std::string>{"OVR-1"});  // the one instead of him
  EXPECT_TRUE(bob->at("on_call").as_array().empty());

  // Acknowledged: the page no longer waits on bob.
  auto ack = Wait<model::Incident>([&](auto cb) {
    app_->Transition(Who(), inc, model::Transition::kAcknowledge, TransitionRequest{}, std::move(cb));
  });
  ASSERT_TRUE(ack) << ack.error().ToString();
  bob = Person("bob");
  ASSERT_TRUE(bob);
  EXPECT_TRUE(bob->at("pending_pages").as_array().empty());
}

TEST_F(PeopleTest, RefusalsNameTheField) {
  model::Principal robot;
  robot.actor = model::Actor::Person("");
  robot.scopes = model::kScopeRead;
  auto me = Person("me", robot);
  ASSERT_FALSE(me);
  EXPECT_EQ(me.error().field, "person");
  auto unknown = Person("nobody");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(Person("alice", Who(0)));  // no read scope

  auto q = DecodePersonQuery("alice", {{"days", "94"}});
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().field, "days");
  q = DecodePersonQuery("alice", {{"days", "2"}, {"to", "2026-03-02T00:00:00Z"}});
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().field, "days");
  q = DecodePersonQuery("alice", {{"since", "1h"}});
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().field, "since");
  auto args = DecodePersonArgs(*core::ParseJson(R"({"days":3})"));
  ASSERT_FALSE(args);
  EXPECT_EQ(args.error().field, "person");
  auto people = DecodePeopleArgs(*core::ParseJson(R"({"team":7})"));
  ASSERT_FALSE(people);
  EXPECT_EQ(people.error().field, "team");
}

}  // namespace
}  // namespace firebreak::app
