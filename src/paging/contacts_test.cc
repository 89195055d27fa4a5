// How a page reaches a person (PlanContacts), and the on-call preview showing the same plan: a
// person's notification rules for the severity, the severity's contact types when none apply, the
// channels' severity filters, and the first deliverable method when nothing else is.
#include "paging/contacts.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "paging/oncall_query.h"
#include "paging/test_config.h"

namespace firebreak::paging {
namespace {

using model::Severity;

constexpr const char* kConfig = R"yaml(
people:
  - id: alice
    email: alice@example.com
    contacts: [{type: slack, address: "@alice"}, {type: sms, address: "+1"}, {type: phone, address: "+1"}]
    notification_rules:
      - {after: 0m, contact: slack}
      - {after: 5m, contact: sms}
      - {after: 10m, contact: phone, severities: [SEV0, SEV1]}
      - {after: 0m, contact: email, severities: [SEV4]}
  - id: bob
    contacts: [{type: slack, address: "@bob"}, {type: sms, address: "+2"}]
  - id: carol
    contacts: [{type: slack, address: "@carol"}, {type: sms, address: "+3"}]
    notification_rules: [{after: 0m, contact: slack}, {after: 2m, contact: sms}]
schedules:
  - id: primary
    timezone: UTC
    layers: [{rotation: weekly, start: "2026-01-05", handoff: "00:00", members: [alice]}]
services:
  - {id: api, escalation_policy: p}
escalation_policies:
  - id: p
    tiers: [{after: 0m, targets: [{schedule: primary}]}, {after: 15m, targets: [{person: bob}]}]
channels:
  - {id: chat, type: slack, url: "https://hooks.example.com/x", severities: [SEV0, SEV1, SEV2]}
  - {id: gateway, type: command, argv: [/bin/true]}
  - {id: mail, type: email, url: "smtp://127.0.0.1:25", options: {from: "fb@example.com"}}
settings:
  paging:
    contact_types: {SEV0: all, SEV1: all, SEV2: [slack], SEV3: [slack], SEV4: [email]}
)yaml";

class ContactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = LoadTestConfig(kConfig);
    ASSERT_TRUE(cfg_);
  }
  // "type@after" per step.
  std::vector<std::string> Plan(const char* person, Severity sev) {
    const auto* p = cfg_->FindPerson(person);
    std::vector<std::string> out;
    for (const auto& st : PlanContacts(*cfg_, *p, sev))
      out.push_back(p->contacts[st.contact].type + "@" + core::FormatDuration(st.after));
    return out;
  }
  std::shared_ptr<const config::Config> cfg_;
};

TEST_F(ContactsTest, ARulesOwnerIsReachedStepByStepAtTheSeveritiesTheRulesName) {
  EXPECT_EQ(Plan("alice", Severity::kSev1), (std::vector<std::string>{"slack@0s", "sms@5m", "phone@10m"}));
  EXPECT_EQ(Plan("alice", Severity::kSev2), (std::vector<std::string>{"slack@0s", "sms@5m"}));
  // The chat channel does not carry SEV3: the slack step is dropped, the sms step stays.
  EXPECT_EQ(Plan("alice", Severity::kSev3), (std::vector<std::string>{"sms@5m"}));
  // SEV4: the email rule (alice's email: field) and the sms step.
  EXPECT_EQ(Plan("alice", Severity::kSev4), (std::vector<std::string>{"email@0s", "sms@5m"}));
}

TEST_F(ContactsTest, WithoutRulesOrWhenNoRuleCanDeliverTheSeverityContactTypesDecideAtOnce) {
  EXPECT_EQ(Plan("bob", Severity::kSev0), (std::vector<std::string>{"slack@0s", "sms@0s"}));
  EXPECT_EQ(Plan("bob", Severity::kSev2), (std::vector<std::string>{"slack@0s"}));
  // SEV3 asks for slack, which no channel carries at SEV3: the first method any channel delivers.
  EXPECT_EQ(Plan("bob", Severity::kSev3), (std::vector<std::string>{"sms@0s"}));
  EXPECT_EQ(Plan("carol", Severity::kSev2), (std::vector<std::string>{"slack@0s", "sms@2m"}));
  EXPECT_EQ(Plan("carol", Severity::kSev4), (std::vector<std::string>{"sms@2m"}));
}

TEST_F(ContactsTest, TheOnCallPreviewShowsHowEachPersonWouldBeReached) {
  auto r = OnCallForService(*cfg_, "api", Severity::kSev1, *core::ParseRfc3339("2026-01-06T10:00:00Z"));
  ASSERT_TRUE(r) << r.error().message;
  const auto& tiers = r->at("tiers").as_array();
  ASSERT_EQ(tiers.size(), 2u);
  EXPECT_EQ(boost::json::serialize(tiers[0].at("people").as_array()[0].at("reach")),
            R"([{"contact_type":"slack","after":"0s"},{"contact_type":"sms","after":"5m"},)"
            R"({"contact_type":"phone","after":"10m"}])");
  EXPECT_EQ(boost::json::serialize(tiers[1].at("people").as_array()[0].at("reach")),
            R"([{"contact_type":"slack","after":"0s"},{"contact_type":"sms","after":"0s"}])");
}

}  // namespace
}  // namespace firebreak::paging
