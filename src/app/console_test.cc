#include "app/console.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "core/json.h"
#include "core/time.h"
#include "testing/testing.h"

namespace firebreak::app {
namespace {

class PublicStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
    ASSERT_TRUE(loaded.config);
    cfg_ = loaded.config;
  }
  model::Incident Incident(model::Severity sev, std::vector<std::string> services, std::vector<std::string> blast) {
    model::Incident i;
    i.id = "INC-7";
    i.title = "db-7.internal.corp down, paging alice@example.com";
    i.impact = "see runbook on bastion-3";
    i.severity = sev;
    i.services = std::move(services);
    i.blast_radius = std::move(blast);
    i.roles["incident_commander"] = "alice";
    i.created_at = now_;
    return i;
  }
  model::TimelineEntry Update(std::string status, std::string text) {
    model::TimelineEntry e;
    e.kind = "status_update";
    e.time = now_;
    e.actor = "person:alice";
    e.text = std::move(text);
    e.data = {{"visibility", "external"}, {"status", std::move(status)}};
    return e;
  }
  std::string StatusOf(const boost::json::object& st, std::string_view id) {
    for (const auto& c : st.at("components").as_array())
      if (c.as_object().at("id").as_string() == id) return std::string(c.as_object().at("status").as_string());
    return "absent";
  }
  std::shared_ptr<const config::Config> cfg_;
  core::TimePoint now_ = core::FromUnixMillis(1'767'600'000'000);
};

TEST_F(PublicStatusTest, AllOperationalWithoutIncidents) {
  auto st = BuildPublicStatus(*cfg_, {}, now_);
  EXPECT_EQ(st.at("status").at("indicator"), "operational");
  size_t facing = 0;
  for (const auto& s : cfg_->services) facing += s.customer_facing;
  EXPECT_EQ(st.at("components").as_array().size(), facing);
  EXPECT_EQ(StatusOf(st, "db"), "absent");  // internal services are not components
}

TEST_F(PublicStatusTest, ComponentStateFollowsSeverityAndBlastRadius) {
  std::vector<PublicIncidentInput> in{{Incident(model::Severity::kSev1, {"checkout"}, {"web"}), {}}};
  auto st = BuildPublicStatus(*cfg_, in, now_);
  EXPECT_EQ(StatusOf(st, "checkout"), "major_outage");
  EXPECT_EQ(StatusOf(st, "web"), "degraded_performance");
  EXPECT_EQ(StatusOf(st, "search"), "operational");
  EXPECT_EQ(st.at("status").at("indicator"), "major_outage");
  // Without an external update the incident itself is not listed.
  EXPECT_TRUE(st.at("incidents").as_array().empty());
  in[0].incident.severity = model::Severity::kSev2;
  EXPECT_EQ(StatusOf(BuildPublicStatus(*cfg_, in, now_), "checkout"), "partial_outage");
  in[0].incident.state = model::IncidentState::kResolved;
  EXPECT_EQ(StatusOf(BuildPublicStatus(*cfg_, in, now_), "checkout"), "operational");
}

TEST_F(PublicStatusTest, ShowsExternalUpdatesAndNothingInternal) {
  std::vector<PublicIncidentInput> in{{Incident(model::Severity::kSev2, {"payments"}, {"checkout", "web"}),
                                       {Update("investigating", "Payments are slow."),
                                        Update("identified", "A fix is rolling out.")}}};
  auto st = BuildPublicStatus(*cfg_, in, now_);
  std::string text = core::ToJson(st) + RenderStatusHtml(st);
  EXPECT_NE(text.find("A fix is rolling out."), std::string::npos);
  for (const char* secret : {"db-7", "alice", "bastion", "payments\""})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  const auto& inc = st.at("incidents").as_array().at(0).as_object();
  EXPECT_EQ(inc.at("status"), "identified");  // the latest update's status
  EXPECT_EQ(inc.at("updates").as_array().at(0).at("text"), "A fix is rolling out.");  // newest first
  EXPECT_EQ(inc.at("components").as_array().size(), 2u);  // checkout and web; payments is internal
}

TEST_F(PublicStatusTest, HtmlEscapesUpdateText) {
  std::vector<PublicIncidentInput> in{{Incident(model::Severity::kSev3, {"search"}, {}),
                                       {Update("monitoring", "<script>alert(1)</script>")}}};
  auto html = RenderStatusHtml(BuildPublicStatus(*cfg_, in, now_));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST(StatusUpdateDecode, RejectsBadInputNamingTheField) {
  auto ok = DecodeStatusUpdate(*core::ParseJson(R"({"status":"monitoring","text":"ok"})"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, "monitoring");
  auto bad = DecodeStatusUpdate(*core::ParseJson(R"({"status":"meh","text":"x"})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "status");
  EXPECT_EQ(DecodeStatusUpdate(*core::ParseJson(R"({"text":"  "})")).error().field, "text");
  EXPECT_EQ(DecodeStatusUpdate(*core::ParseJson(R"({"text":"x","extra":1})")).error().field, "extra");
  EXPECT_FALSE(DecodeStatusUpdate(*core::ParseJson("[]")));
}

}  // namespace
}  // namespace firebreak::app
