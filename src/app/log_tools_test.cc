#include "app/log_tools.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace firebreak::app {
namespace {

namespace json = boost::json;

std::shared_ptr<const config::Config> Load(const std::string& yaml) {
  auto r = config::LoadConfigFiles({{"c.yaml", yaml}});
  if (!r.config) throw std::runtime_error("bad test config");
  return r.config;
}

logs::Pattern P(int64_t id, std::string service, std::string text) {
  logs::Pattern p;
  p.template_id = id;
  p.service = std::move(service);
  p.text = std::move(text);
  return p;
}

TEST(RunbooksMatchingLogPatterns, MatchesRegexesOnTemplatesOfTheRunbooksServices) {
  auto cfg = Load(R"(services:
  - { id: checkout }
  - { id: payments }
runbooks:
  - id: pool
    title: Grow the connection pool
    when: { services: [checkout], log_patterns: ["connection pool .*exhausted", "^Timeout waiting"] }
    steps: [{ id: s, kind: manual, category: diagnostic, risk: low, instructions: "x" }]
  - id: anywhere
    title: Any service
    when: { log_patterns: ["OutOfMemoryError"] }
    steps: [{ id: s, kind: manual, category: diagnostic, risk: low, instructions: "x" }]
  - id: no-logs
    title: No log patterns
    when: { services: [checkout] }
    steps: [{ id: s, kind: manual, category: diagnostic, risk: low, instructions: "x" }]
)");
  std::vector<logs::Pattern> patterns = {
      P(1, "checkout", "connection pool <*> exhausted after <*> ms"),
      P(2, "payments", "connection pool <*> exhausted after <*> ms"),  // not a service of "pool"
      P(3, "payments", "java.lang.OutOfMemoryError: Java heap space"),
      P(4, "checkout", "request <*> served in <*> ms"),
      P(5, "checkout", "Retry after Timeout waiting for lock"),  // "^" anchors: no match
  };
  auto out = RunbooksMatchingLogPatterns(*cfg, patterns);
  ASSERT_EQ(out.size(), 2u) << json::serialize(out);
  const auto& pool = out[0].as_object();
  EXPECT_EQ(pool.at("runbook").as_string(), "pool");
  ASSERT_EQ(pool.at("matches").as_array().size(), 1u);
  const auto& m = pool.at("matches").as_array()[0].as_object();
  EXPECT_EQ(m.at("template_id").as_int64(), 1);
  EXPECT_EQ(m.at("service").as_string(), "checkout");
  EXPECT_EQ(m.at("log_pattern").as_string(), "connection pool .*exhausted");
  const auto& any = out[1].as_object();
  EXPECT_EQ(any.at("runbook").as_string(), "anywhere");
  EXPECT_EQ(any.at("matches").as_array()[0].as_object().at("template_id").as_int64(), 3);

  EXPECT_TRUE(RunbooksMatchingLogPatterns(*cfg, {}).empty());
}

}  // namespace
}  // namespace firebreak::app
