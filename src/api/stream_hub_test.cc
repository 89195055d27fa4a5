#include "api/stream_hub.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "core/clock.h"
#include "engine/incidents.h"
#include "testing/testing.h"

namespace firebreak::api {
namespace {

class StreamHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
    ASSERT_TRUE(loaded.config);
    store_ = std::move(*store::Store::OpenDir(dir_.path()));
    engine_ = std::make_unique<engine::Engine>(*store_, clock_, loaded.config);
    ASSERT_TRUE(engine_->LoadTimers());
  }
  engine::Change Change(const std::string& id) { return engine::Change{"incident", id, boost::json::object{{"id", id}}}; }

  testing::TempDir dir_;
  core::ManualClock clock_{core::TimePoint{}};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Engine> engine_;
};

TEST_F(StreamHubTest, CommittedChangesReachWatchersInOrder) {
  StreamHub hub(*engine_);
  int woken = 0;
  int w = hub.Watch([&] { ++woken; });
  model::Principal p;
  p.actor = model::Actor::Person("alice");
  p.scopes = model::kScopeRead | model::kScopeWrite;
  engine::DeclareSpec spec;
  spec.title = "Checkout failing";
  spec.severity = model::Severity::kSev2;
  spec.services = {"checkout"};
  auto inc = engine_->Call<model::Incident>([&](engine::Tx& tx) { return engine::Declare(tx, p, spec); });
  ASSERT_TRUE(inc) << inc.error().message;
  EXPECT_GT(woken, 0);
  auto events = hub.Since(0);
  ASSERT_TRUE(events);
  ASSERT_GE(events->size(), 2u);  // the incident and its timeline entry
  for (size_t i = 0; i < events->size(); ++i) EXPECT_EQ((*events)[i].seq, i + 1);
  bool saw_incident = false;
  for (const auto& e : *events) saw_incident |= e.topic == "incident" && e.data.find(inc->id) != std::string::npos;
  EXPECT_TRUE(saw_incident);
  hub.Unwatch(w);
  EXPECT_EQ(hub.watchers(), 0u);
}

TEST_F(StreamHubTest, ResumesWithinTheRingAndReportsGaps) {
  StreamHub hub(*engine_, 3);
  for (int i = 1; i <= 5; ++i) hub.Add(Change("INC-" + std::to_string(i)));
  EXPECT_EQ(hub.last_seq(), 5u);
  auto tail = hub.Since(3);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].seq, 4u);
  EXPECT_EQ((*tail)[1].seq, 5u);
  EXPECT_TRUE(hub.Since(2));           // 3..5 still held
  EXPECT_FALSE(hub.Since(1));          // event 2 has left the ring: the client must reset
  EXPECT_TRUE(hub.Since(5)->empty());  // up to date
}

TEST_F(StreamHubTest, EventIdsBelongToOneServerRun) {
  StreamHub a(*engine_), b(*engine_);
  a.Add(Change("INC-1"));
  EXPECT_NE(a.epoch(), b.epoch());
  EXPECT_EQ(a.ParseId(a.Id(1)), std::optional<uint64_t>(1));
  EXPECT_EQ(a.ParseId(a.Id(0)), std::optional<uint64_t>(0));
  EXPECT_FALSE(b.ParseId(a.Id(1)));     // another run (restart): reset
  EXPECT_FALSE(a.ParseId(a.Id(7)));     // from the future
  EXPECT_FALSE(a.ParseId("garbage"));
  EXPECT_FALSE(a.ParseId(a.epoch() + ".12x"));
  EXPECT_FALSE(a.ParseId(a.epoch() + "."));
  EXPECT_FALSE(a.ParseId(a.epoch() + ".99999999999999999999999"));
}

}  // namespace
}  // namespace firebreak::api
