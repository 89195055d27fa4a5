#include "runbook/runbook.h"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "config/loader.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/redact.h"
#include "testing/testing.h"

namespace firebreak::runbook {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const config::Config> Load(const std::string& runbooks) {
  auto r = config::LoadConfigFiles({{"services.yaml", "services:\n  - id: web\n  - id: api\n    dependencies: [web]\n"},
                                    {"runbooks.yaml", runbooks}});
  for (const auto& d : r.diagnostics.all()) ADD_FAILURE() << d.ToString();
  return r.config;
}

const char* kBook = R"(runbooks:
  - id: rb
    title: T
    when: { services: [web], labels: { alertname: "~.*Down" }, log_patterns: ["OutOfMemory"] }
    params:
      - { name: service, type: service, required: true }
      - { name: note, type: string }
      - { name: n, type: int, default: "3" }
      - { name: mode, type: enum, allowed: [soft, hard], default: soft }
      - { name: pw, type: string, secret: true }
    steps:
      - id: one
        kind: command
        category: diagnostic
        argv: [/bin/echo, "{{service}}", "--note={{note}}", "{{n}}"]
      - id: two
        kind: http
        category: cache
        risk: medium
        url: "http://127.0.0.1:1/purge?svc={{note}}"
        rollback: { kind: http, url: "http://127.0.0.1:1/restore" }
)";


TEST(Params, BindsGivenThenLabelsThenDefaultsAndValidatesTypes) {
  auto cfg = Load(kBook);
  const auto& rb = *cfg->FindRunbook("rb");
  auto p = BindParams(rb, *cfg, {{"service", "web"}}, {{"note", "from-label"}});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->at("note"), "from-label");
  EXPECT_EQ(p->at("n"), "3");
  EXPECT_EQ(p->at("mode"), "soft");
  EXPECT_EQ(BindParams(rb, *cfg, {}, {}).error().field, "params.service");
  EXPECT_EQ(BindParams(rb, *cfg, {{"service", "nope"}}).error().field, "params.service");
  EXPECT_EQ(BindParams(rb, *cfg, {{"service", "web"}, {"n", "3; rm"}}).error().field, "params.n");
  EXPECT_EQ(BindParams(rb, *cfg, {{"service", "web"}, {"mode", "medium"}}).error().field, "params.mode");
  EXPECT_EQ(BindParams(rb, *cfg, {{"service", "web"}, {"extra", "x"}}).error().field, "params.extra");
  auto secrets = SecretValues(rb, *BindParams(rb, *cfg, {{"service", "web"}, {"pw", "hunter22"}}));
  EXPECT_EQ(secrets, std::vector<std::string>{"hunter22"});
}

TEST(Render, SubstitutesInsideOneArgumentAndEncodesUrls) {
  auto cfg = Load(kBook);
  const auto& rb = *cfg->FindRunbook("rb");
  auto p = BindParams(rb, *cfg, {{"service", "web"}, {"note", "a b&c=d; rm -rf /"}});
  auto plan = RenderPlan(rb, *p);
  ASSERT_TRUE(plan) << plan.error().message;
  const auto& argv = plan->at(0).at("spec").at("argv").as_array();
  ASSERT_EQ(argv.size(), 4u);
  EXPECT_EQ(argv[2].as_string(), "--note=a b&c=d; rm -rf /");
  EXPECT_EQ(plan->at(1).at("spec").at("url").as_string(), "http://127.0.0.1:1/purge?svc=a%20b%26c%3Dd%3B%20rm%20-rf%20%2F");
  EXPECT_EQ(ApprovalReason(rb, false), "");
  EXPECT_THAT(ApprovalReason(rb, true), HasSubstr("circuit breaker"));
  EXPECT_EQ(RollbackPlan(*plan), std::vector<std::string>{"step two: http POST http://127.0.0.1:1/restore"});
  EXPECT_FALSE(Substitute("{{missing}}", *p));
  // A parameter that starts a URL is its base (unencoded, but it must be an http(s) URL).
  EXPECT_EQ(*Substitute("{{b}}/x?q={{b}}", {{"b", "http://h:1"}}, true), "http://h:1/x?q=http%3A%2F%2Fh%3A1");
  EXPECT_FALSE(Substitute("{{b}}/x", {{"b", "file:///etc/passwd"}}, true));
}

RC_GTEST_PROP(Render, AnyParameterValueStaysOneArgument, (const std::string& v)) {
  Params p{{"x", v}};
  auto s = Substitute("pre-{{x}}-post", p);
  RC_ASSERT(s.has_value());
  RC_ASSERT(*s == "pre-" + v + "-post");
}

TEST(Match, RanksByServiceLabelsAndLogsWithReasons) {
  auto cfg = Load(kBook);
  MatchInput in;
  in.services = {"web"};
  in.labels = {{"alertname", "WebDown"}};
  in.logs = {"java.lang.OutOfMemoryError"};
  auto m = Match(*cfg, in);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].score, 10 + 5 + 4);
  EXPECT_EQ(m[0].reasons.size(), 3u);
  in.services = {"api"};
  in.labels = {{"alertname", "ApiSlow"}};
  in.logs.clear();
  EXPECT_TRUE(Match(*cfg, in).empty());
}

TEST(Execute, CommandArgumentsAreInertAndTimeoutsKillTheGroup) {
  firebreak::testing::TempDir sandbox, backups;
  ExecEnv env{sandbox.path(), "/", backups.path(), 1024};
  json::object step{{"kind", "command"}, {"timeout_ms", 10000},
                    {"spec", json::object{{"argv", json::array{"/bin/echo", "$(id) `id` ; id\nid"}}}}};
  auto o = Execute(step, env, "t1");
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.detail["stdout"].as_string(), "$(id) `id` ; id\nid\n");
  // A process that never ends is killed at its timeout (with its children).
  json::object slow{{"kind", "command"}, {"timeout_ms", 200},
                    {"spec", json::object{{"argv", json::array{"/bin/sh", "-c", "yes > /dev/null & cat"}}}}};
  auto t = Execute(slow, env, "t2");
  EXPECT_FALSE(t.ok);
  EXPECT_THAT(t.error, HasSubstr("timed out"));
  // Output beyond the bound is dropped and marked.
  json::object loud{{"kind", "command"}, {"spec", json::object{{"argv", json::array{"/usr/bin/head", "-c", "5000", "/dev/zero"}}}}};
  auto l = Execute(loud, env, "t3");
  EXPECT_TRUE(l.ok);
  EXPECT_THAT(std::string(l.detail["stdout"].as_string()), HasSubstr("[truncated]"));
  json::object missing{{"kind", "command"}, {"spec", json::object{{"argv", json::array{"/nonexistent/prog"}}}}};
  EXPECT_FALSE(Execute(missing, env, "t4").ok);
  json::object exit3{{"kind", "command"}, {"spec", json::object{{"argv", json::array{"/bin/sh", "-c", "exit 3"}}, {"expect_exit", "3"}}}};
  EXPECT_TRUE(Execute(exit3, env, "t5").ok);
}

TEST(Execute, ConfigChangeBacksUpAndRestoresByteForByte) {
  firebreak::testing::TempDir sandbox, backups;
  ExecEnv env{sandbox.path(), "/", backups.path(), 1024};
  std::string original("a: 1\nrps: 10\n\x00\xff tail", 19);
  firebreak::testing::WriteFile(env.sandbox + "/app.conf", original);
  json::object step{{"kind", "config_change"},
                    {"spec", json::object{{"path", "app.conf"}, {"set", json::object{{"rps", "99"}}}}}};
  auto o = Execute(step, env, "run-1-b");
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.detail["backup_sha256"].as_string(), core::Sha256Hex(original));
  EXPECT_EQ(firebreak::testing::ReadFile(o.detail["backup_path"].as_string().c_str()), original);
  EXPECT_THAT(firebreak::testing::ReadFile(env.sandbox + "/app.conf"), HasSubstr("rps: 99"));
  auto r = RestoreBackup(o.detail);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(firebreak::testing::ReadFile(env.sandbox + "/app.conf"), original);
  // A tampered backup is refused rather than restored.
  firebreak::testing::WriteFile(o.detail["backup_path"].as_string().c_str(), "evil");
  EXPECT_FALSE(RestoreBackup(o.detail).ok);
  // A file that did not exist is removed again on rollback.
  json::object create{{"kind", "config_change"}, {"spec", json::object{{"path", "new.conf"}, {"content", "x=1\n"}}}};
  auto c = Execute(create, env, "run-1-c");
  ASSERT_TRUE(c.ok);
  EXPECT_TRUE(RestoreBackup(c.detail).ok);
  EXPECT_FALSE(std::filesystem::exists(env.sandbox + "/new.conf"));
}

TEST(Redactor, HidesPiiTokensCardsAndNamedSecrets) {
  setenv("FB_TEST_DB_PASSWORD", "s3cr3t-value", 1);
  core::Redactor base({"FB_TEST_DB_PASSWORD"});
  auto r = base.With({"hunter22"});
  std::string in =
      "mail bob@example.org ip 192.168.1.20 v6 2001:db8::7 auth Bearer abc.def-ghi_jkl "
      "key AKIAABCDEFGHIJKLMNOP tok fbt_0123ab_cdef0123 card 4111-1111-1111-1111 not 1234567890123 "
      "password=pa55word api_key: zzzyyyxxx conn s3cr3t-value pw hunter22 time 12:30:45";
  std::string out = r->Redact(in);
  for (const char* s : {"bob@example.org", "192.168.1.20", "2001:db8::7", "abc.def-ghi_jkl", "AKIAABCDEFGHIJKLMNOP",
                        "fbt_0123ab_cdef0123", "4111-1111-1111-1111", "pa55word", "zzzyyyxxx", "s3cr3t-value", "hunter22"})
    EXPECT_THAT(out, ::testing::Not(HasSubstr(s))) << out;
  EXPECT_THAT(out, HasSubstr("1234567890123"));  // fails Luhn: not a card
  EXPECT_THAT(out, HasSubstr("12:30:45"));
  EXPECT_THAT(out, HasSubstr("[email]"));
  EXPECT_THAT(out, HasSubstr("[card]"));
  auto j = r->RedactJson(json::object{{"a", json::array{"x@y.io", 3}}});
  EXPECT_EQ(core::ToJson(j), R"({"a":["[email]",3]})");
}

}  // namespace
}  // namespace firebreak::runbook
