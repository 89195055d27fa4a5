// Similar past incidents through the App: a new incident from the same alert on the same service
// finds the earlier one first, with why, its root cause and time to resolve; unrelated incidents
// and incidents merged into it are left out; bad requests name the field.
#include <gtest/gtest.h>

#include "app/example_app_test.h"
#include "engine/incidents.h"

namespace firebreak::app {
namespace {

namespace json = boost::json;

class SimilarTest : public ExampleAppTest {
 protected:
  std::string Declare(std::string title, std::vector<std::string> services) {
    engine::DeclareSpec spec;
    spec.title = std::move(title);
    spec.services = std::move(services);
    auto inc = Wait<model::Incident>([&](auto cb) { app_->Declare(Who(), spec, std::move(cb)); });
    EXPECT_TRUE(inc) << inc.error().ToString();
    return inc ? inc->id : "";
  }
  void Resolve(const std::string& id, std::string note) {
    auto r = Wait<model::Incident>([&](auto cb) {
      app_->Transition(Who(), id, model::Transition::kResolve, TransitionRequest{std::move(note)}, std::move(cb));
    });
    ASSERT_TRUE(r) << r.error().ToString();
  }
  std::vector<std::string> Ids(const json::object& res) {
    std::vector<std::string> out;
    for (const auto& x : res.at("similar").as_array()) out.emplace_back(x.at("id").as_string());
    return out;
  }
};

TEST_F(SimilarTest, TheSameFaultAgainFindsTheEarlierIncidentAndHowItEnded) {
  std::string first = Send(model::AlertEvent::Action::kTrigger, "co-1", "checkout",
                           {{"alertname", "CheckoutErrors"}}, "checkout 5xx above 5%");
  ASSERT_FALSE(first.empty());
  auto pm = Wait<json::object>([&](auto cb) {
    app_->reports().UpdatePostmortem(Who(), first, json::parse(R"({"root_cause":"connection pool exhausted"})"),
                                     std::move(cb));
  });
  ASSERT_TRUE(pm) << pm.error().ToString();
  clock_.Advance(std::chrono::minutes(42));
  Resolve(first, "raised the pool size");
  std::string unrelated = Declare("Certificate expiring on auth", {"auth"});
  std::string words_only = Declare("Checkout page slow", {"search"});

  clock_.Advance(std::chrono::hours(24));
  std::string again = Send(model::AlertEvent::Action::kTrigger, "co-2", "checkout",
                           {{"alertname", "CheckoutErrors"}}, "checkout 5xx above 5%");
  ASSERT_FALSE(again.empty());
  ASSERT_NE(again, first);
  // Someone declares the same outage by hand: like it, though less (no alerts to share).
  std::string declared = Declare("checkout 5xx above 5% again", {"checkout"});
  auto res = app_->reports().Similar(Who(), again, 5);
  ASSERT_TRUE(res) << res.error().ToString();
  // Best first; the unrelated incident and the one sharing a single title word are not listed.
  EXPECT_EQ(Ids(*res), (std::vector<std::string>{first, declared}));
  const auto& top = res->at("similar").as_array().at(0).as_object();
  EXPECT_EQ(top.at("root_cause"), "connection pool exhausted");
  EXPECT_EQ(top.at("resolution_note"), "raised the pool size");
  EXPECT_EQ(top.at("resolve_seconds"), 42 * 60);
  EXPECT_EQ(top.at("state"), "resolved");
  EXPECT_EQ(json::serialize(top.at("shared").at("services")), R"(["checkout"])");
  EXPECT_EQ(json::serialize(top.at("shared").at("alerts")), R"(["CheckoutErrors"])");
  EXPECT_EQ(top.at("score").as_double(), 1.0);
  const auto& second = res->at("similar").as_array().at(1).as_object();
  EXPECT_LT(second.at("score").as_double(), 1.0);
  EXPECT_TRUE(second.at("shared").at("alerts").as_array().empty());
  EXPECT_EQ(second.at("resolved_at"), nullptr);
  // limit keeps the best.
  auto one = app_->reports().Similar(Who(), again, 1);
  ASSERT_TRUE(one);
  EXPECT_EQ(Ids(*one), std::vector<std::string>{first});

  // Merged into the new incident: no longer a past incident of it.
  auto merged = Wait<model::Incident>([&](auto cb) {
    app_->Merge(Who(), again, MergeRequest{{declared}, "same outage"}, std::move(cb));
  });
  ASSERT_TRUE(merged) << merged.error().ToString();
  res = app_->reports().Similar(Who(), again, 5);
  ASSERT_TRUE(res);
  EXPECT_EQ(Ids(*res), std::vector<std::string>{first});
  (void)unrelated;
  (void)words_only;
}

// A fault that recurs on one service is found however many incidents other services had since: the
// earlier one is behind 1000 newer incidents elsewhere, past the window of the newest incidents.
TEST_F(SimilarTest, AnOldIncidentOfTheSameServiceIsFoundBehindManyNewerOnes) {
  std::string old = Declare("Orders database replication lag", {"db"});
  ASSERT_FALSE(old.empty());
  Resolve(old, "rebuilt the replica");
  clock_.Advance(std::chrono::hours(1));
  // In one transaction (a thousand commits one by one would take minutes here), on the app's
  // running engine thread.
  auto who = Who();
  auto made = Wait<bool>([&](auto cb) {
    app_->engine().Submit<bool>(
        [who](engine::Tx& tx) -> Result<bool> {
          for (int i = 0; i < 1000; ++i) {
            engine::DeclareSpec spec;
            spec.title = "Search latency " + std::to_string(i);
            spec.services = {"search"};
            FB_TRY(engine::Declare(tx, who, spec));
          }
          return true;
        },
        std::move(cb));
  });
  ASSERT_TRUE(made) << made.error().ToString();
  std::string again = Declare("Orders database replication lag again", {"db"});
  auto res = app_->reports().Similar(Who(), again, 5);
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(Ids(*res), std::vector<std::string>{old});
  EXPECT_EQ(res->at("similar").as_array().at(0).at("resolution_note"), "rebuilt the replica");
}

TEST_F(SimilarTest, RefusalsNameTheField) {
  std::string id = Declare("Checkout page slow", {"checkout"});
  auto zero = app_->reports().Similar(Who(), id, 0);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().field, "limit");
  EXPECT_FALSE(app_->reports().Similar(Who(), id, 51));
  auto missing = app_->reports().Similar(Who(), "INC-99", 5);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(app_->reports().Similar(Who(0), id, 5));
  // Alone: nothing like it yet.
  auto alone = app_->reports().Similar(Who(), id, 5);
  ASSERT_TRUE(alone);
  EXPECT_TRUE(alone->at("similar").as_array().empty());
}

}  // namespace
}  // namespace firebreak::app
