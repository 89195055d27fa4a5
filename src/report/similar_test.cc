// Similar past incidents: title words, alert names and the weighted set comparison (report/similar.h).
#include "report/similar.h"

#include <gtest/gtest.h>

namespace firebreak::report {
namespace {

using Words = std::set<std::string>;

model::Alert Alert(std::string alertname, std::string summary = "") {
  model::Alert a;
  if (!alertname.empty()) a.labels = model::LabelSet{{"alertname", alertname}};
  a.summary = std::move(summary);
  return a;
}

model::Incident Incident(std::string title, std::vector<std::string> services) {
  model::Incident i;
  i.title = std::move(title);
  i.services = std::move(services);
  return i;
}

TEST(Similar, TitleWordsDropShortWordsNumbersAndCommonWords) {
  EXPECT_EQ(TitleWords("Checkout returns 500s on EU-west; the DB is slow since 2026"),
            (Words{"checkout", "returns", "500s", "west", "slow", "since"}));
  EXPECT_EQ(TitleWords(""), Words{});
  EXPECT_EQ(TitleWords("Payments: TIMEOUTS, timeouts and Timeouts"), (Words{"payments", "timeouts"}));
}

TEST(Similar, AlertsAreNamedByAlertnameElseByTheirSummaryWithNumbersMasked) {
  auto a = TraitsOf(Incident("x", {}), {Alert("HighErrorRate"), Alert("", "disk 93% full on node 7")});
  auto b = TraitsOf(Incident("y", {}), {Alert("", "disk 81% full on node 12")});
  EXPECT_EQ(a.alerts, (Words{"HighErrorRate", "disk #% full on node #"}));
  EXPECT_EQ(Compare(a, b).alerts, std::vector<std::string>{"disk #% full on node #"});
}

TEST(Similar, SharedServicesAndAlertsOutweighSharedTitleWords) {
  auto now = TraitsOf(Incident("Checkout errors after deploy", {"checkout", "db"}), {Alert("HighErrorRate")});
  auto same_fault = TraitsOf(Incident("5xx on the cart page", {"checkout", "db"}), {Alert("HighErrorRate")});
  auto same_words = TraitsOf(Incident("Search errors after deploy", {"search"}), {Alert("SlowQueries")});
  auto unrelated = TraitsOf(Incident("Certificate expiry", {"auth"}), {Alert("CertExpiring")});
  auto a = Compare(now, same_fault), b = Compare(now, same_words), c = Compare(now, unrelated);
  EXPECT_NEAR(a.score, 0.80, 1e-9);  // services 1.0 x 0.45 + alerts 1.0 x 0.35, no title word shared
  EXPECT_EQ(a.services, (std::vector<std::string>{"checkout", "db"}));
  EXPECT_EQ(a.alerts, std::vector<std::string>{"HighErrorRate"});
  EXPECT_TRUE(a.words.empty());
  EXPECT_EQ(b.words, (std::vector<std::string>{"after", "deploy", "errors"}));
  EXPECT_NEAR(b.score, 0.20 * 3.0 / 5.0, 1e-9);  // 3 of 5 distinct words
  EXPECT_EQ(c.score, 0.0);
  EXPECT_GT(a.score, b.score);
}

TEST(Similar, AnIncidentWithoutAlertsIsComparedOnServicesAndTitleOnly) {
  // A declared incident has no alerts: a past one with the same services and title matches fully,
  // whatever alerts it had.
  auto now = TraitsOf(Incident("Payments timeouts", {"payments"}), {});
  auto past = TraitsOf(Incident("payments timeouts", {"payments"}), {Alert("Timeouts")});
  EXPECT_NEAR(Compare(now, past).score, 1.0, 1e-9);
  // The other way round, the alerts count and are not shared.
  EXPECT_NEAR(Compare(past, now).score, (0.45 + 0.20) / 1.0, 1e-9);
  // Nothing to compare: zero, not a division by zero.
  EXPECT_EQ(Compare(IncidentTraits{}, past).score, 0.0);
}

}  // namespace
}  // namespace firebreak::report
