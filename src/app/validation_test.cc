// Request validation below every front end: a malformed request is refused with InvalidArgument
// (or NotFound) naming the offending field, and nothing is decided, run or stored.
#include <string>

#include <gtest/gtest.h>

#include "app/analysis.h"
#include "app/console.h"
#include "app/example_app_test.h"
#include "app/log_requests.h"
#include "app/report.h"
#include "app/requests.h"
#include "app/runbooks.h"
#include "core/json.h"

namespace firebreak::app {
namespace {

namespace json = boost::json;

json::value J(const std::string& text) {
  if (text.empty()) return json::value(nullptr);  // what Exchange::JsonBody makes of an empty body
  auto v = core::ParseJson(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : json::value(nullptr);
}

model::Principal Approver(const char* person) {
  auto p = Who(model::kScopeRead | model::kScopeWrite | model::kScopeApprove);
  p.actor = model::Actor::Person(person);
  p.person = person;
  return p;
}

class ValidationTest : public ExampleAppTest {
 protected:
  // A HIGH-risk run requested by alice: it waits for another person's approval. Returns its approval.
  std::string PendingApproval() {
    auto run = Wait<json::value>([&](auto cb) {
      app_->runbooks().RequestRun(Approver("alice"), J(R"({"runbook":"restart-service","params":{"service":"web"},
          "rationale":"OOM loop","expected_impact":"one pod at a time","rollback_plan":"none"})"),
                                  std::move(cb));
    });
    EXPECT_TRUE(run) << run.error().ToString();
    if (!run) return "";
    EXPECT_EQ(run->at("state"), "pending_approval");
    return std::string(run->at("approval").as_string());
  }
  std::string ApprovalState(const std::string& id) {
    auto a = app_->runbooks().GetApproval(Who(), id);
    EXPECT_TRUE(a) << a.error().ToString();
    return a ? std::string(a->at("state").as_string()) : "";
  }
};

TEST_F(ValidationTest, ADecisionWithAMalformedBodyIsRefusedNamingTheFieldAndDecidesNothing) {
  const std::string id = PendingApproval();
  ASSERT_FALSE(id.empty());
  struct Case {
    const char* body;
    const char* field;
  } cases[] = {
      {"[]", "body"},
      {R"("approve")", "body"},
      {"123", "body"},
      {R"({"note":123})", "note"},
      {R"({"reason":["x"]})", "reason"},
      {R"({"zz_unknown":1})", "zz_unknown"},
      {R"({"note":"ok","approved":true})", "approved"},
  };
  auto bob = Approver("bob");
  for (const auto& c : cases) {
    auto approved = Wait<json::value>([&](auto cb) { app_->runbooks().Approve(bob, id, J(c.body), std::move(cb)); });
    ASSERT_FALSE(approved) << c.body;
    EXPECT_EQ(approved.error().code, ErrorCode::kInvalidArgument) << c.body;
    EXPECT_EQ(approved.error().field, c.field) << c.body << ": " << approved.error().message;
    auto rejected = Wait<json::value>([&](auto cb) { app_->runbooks().Reject(bob, id, J(c.body), std::move(cb)); });
    ASSERT_FALSE(rejected) << c.body;
    EXPECT_EQ(rejected.error().field, c.field) << c.body << ": " << rejected.error().message;
    auto reset = Wait<json::value>(
        [&](auto cb) { app_->runbooks().ResetBreaker(bob, "web", J(c.body), std::move(cb)); });
    ASSERT_FALSE(reset) << c.body;
    EXPECT_EQ(reset.error().field, c.field) << c.body << ": " << reset.error().message;
  }
  // A note or reason over 4000 bytes is refused naming the field it came in.
  const std::string big(4001, 'x');
  auto approved = Wait<json::value>([&](auto cb) {
    app_->runbooks().Approve(bob, id, json::object{{"note", big}}, std::move(cb));
  });
  ASSERT_FALSE(approved);
  EXPECT_EQ(approved.error().field, "note");
  auto rejected = Wait<json::value>([&](auto cb) {
    app_->runbooks().Reject(bob, id, json::object{{"reason", big}}, std::move(cb));
  });
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().field, "reason");
  EXPECT_EQ(ApprovalState(id), "pending");

  // An empty body still rejects nothing without a reason, and a well-formed one decides.
  auto empty = Wait<json::value>([&](auto cb) { app_->runbooks().Reject(bob, id, J(""), std::move(cb)); });
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().field, "reason");
  // The console sends its one text box as "reason" to either decision.
  rejected = Wait<json::value>([&](auto cb) {
    app_->runbooks().Reject(bob, id, J(R"({"note":"wrong pod"})"), std::move(cb));
  });
  ASSERT_TRUE(rejected) << rejected.error().ToString();
  EXPECT_EQ(rejected->at("rejection_reason"), "wrong pod");
  EXPECT_EQ(ApprovalState(id), "rejected");
}

TEST_F(ValidationTest, ABodyThatIsNotAnObjectIsNamedBody) {
  for (const char* body : {"[]", R"("str")", "123", "null", ""}) {
    auto declare = DecodeDeclare(J(body));
    ASSERT_FALSE(declare) << body;
    EXPECT_EQ(declare.error().field, "body") << body;
    EXPECT_NE(declare.error().message.find("body must be a JSON object"), std::string::npos)
        << declare.error().message;
    auto change = DecodeChangeEvent(J(body));
    ASSERT_FALSE(change) << body;
    EXPECT_EQ(change.error().field, "body") << body;
    auto match = app_->runbooks().Match(Who(), J(body));
    ASSERT_FALSE(match) << body;
    EXPECT_EQ(match.error().field, "body") << body;
    auto dry = app_->runbooks().DryRun(Who(), J(body));
    ASSERT_FALSE(dry) << body;
    EXPECT_EQ(dry.error().field, "body") << body;
  }
}

TEST_F(ValidationTest, RunbookRequestsNameTheBadField) {
  auto match = app_->runbooks().Match(Who(), J(R"({"severity":"str"})"));
  ASSERT_FALSE(match);
  EXPECT_EQ(match.error().field, "severity");
  const std::string big(100 * 1024, 'x');
  for (const char* field : {"rationale", "expected_impact", "rollback_plan"}) {
    json::object body{{"runbook", "restart-service"}, {"params", json::object{{"service", "web"}}}};
    body[field] = big;
    auto dry = app_->runbooks().DryRun(Who(), body);
    ASSERT_FALSE(dry) << field;
    EXPECT_EQ(dry.error().field, field) << dry.error().message;
    auto run = Wait<json::value>([&](auto cb) { app_->runbooks().RequestRun(Who(), body, std::move(cb)); });
    ASSERT_FALSE(run) << field;
    EXPECT_EQ(run.error().field, field) << run.error().message;
  }
  auto runs = app_->runbooks().ListRuns(Who(), "", "");
  ASSERT_TRUE(runs) << runs.error().ToString();
  EXPECT_TRUE(runs->at("runs").as_array().empty());
}

// A query value that is not one the parameter takes is refused naming the parameter, not read as
// its default.
TEST_F(ValidationTest, BadQueryValuesAreRefusedNamingTheParameter) {
  const auto now = clock_.Now();
  using Q = std::map<std::string, std::string>;
  auto templates = DecodeTemplateFilter(Q{{"errors", "abc"}}, now);
  ASSERT_FALSE(templates);
  EXPECT_EQ(templates.error().field, "errors");
  auto patterns = DecodePatternQuery(Q{{"service", "web"}, {"errors", "abc"}}, {}, now);
  ASSERT_FALSE(patterns);
  EXPECT_EQ(patterns.error().field, "errors");
  patterns = DecodePatternQuery(Q{{"service", "web"}, {"anomalous", "yes"}}, {}, now);
  ASSERT_FALSE(patterns);
  EXPECT_EQ(patterns.error().field, "anomalous");
  // Bare, true/1 and false/0 keep their meaning.
  for (auto [v, want] : {std::pair{"", true}, std::pair{"1", true}, std::pair{"true", true}, std::pair{"0", false},
                         std::pair{"false", false}}) {
    auto f = DecodeTemplateFilter(Q{{"errors", v}}, now);
    ASSERT_TRUE(f) << v;
    EXPECT_EQ(f->errors_only, want) << v;
  }
  auto mttx = DecodeMttxQuery(Q{{"incidents", "abc"}});
  ASSERT_FALSE(mttx);
  EXPECT_EQ(mttx.error().field, "incidents");
  ASSERT_TRUE(DecodeMttxQuery(Q{{"incidents", "1"}}));
  EXPECT_TRUE(DecodeMttxQuery(Q{{"incidents", "1"}})->incidents);

  // Times: Unix time 0 (and before) is no window bound; a later one, a duration or RFC 3339 is.
  const int64_t now_ms = core::ToUnixMillis(now);
  for (const char* bad : {"0", "0.0", "abc", "-5"}) {
    auto t = ParseWhen(bad, now_ms, "from");
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().field, "from") << bad;
  }
  EXPECT_EQ(ParseWhen("1", now_ms, "to").value(), 1000);
  EXPECT_EQ(ParseWhen("15m", now_ms, "to").value(), now_ms - 15 * 60'000);
}

TEST_F(ValidationTest, AnUnknownMetricSeriesIsNotFound) {
  auto pts = app_->analysis().QuerySeries(Who(), 99999, 0, core::ToUnixMillis(clock_.Now()));
  ASSERT_FALSE(pts);
  EXPECT_EQ(pts.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(pts.error().field, "id");
}

TEST_F(ValidationTest, OutOfRangeBodyNumbersAreRefusedNamingTheField) {
  for (const char* body : {R"({"limit":-1})", R"({"limit":0})", R"({"limit":101})"}) {
    auto match = app_->runbooks().Match(Who(), J(body));
    ASSERT_FALSE(match) << body;
    EXPECT_EQ(match.error().field, "limit") << body;
  }
  auto match = app_->runbooks().Match(Who(), J(R"({"services":["web"],"limit":1})"));
  ASSERT_TRUE(match) << match.error().ToString();
  EXPECT_LE(match->at("matches").as_array().size(), 1u);
}

TEST_F(ValidationTest, UnboundedTextIsRefusedNamingTheFieldAndNothingIsStored) {
  auto inc = Wait<model::Incident>([&](auto cb) {
    app_->Declare(Who(), *DecodeDeclare(J(R"({"title":"t","severity":"SEV3","services":["web"]})")), std::move(cb));
  });
  ASSERT_TRUE(inc) << inc.error().ToString();
  auto req = DecodeServices(json::object{{"services", json::array{"checkout"}}, {"reason", std::string(100 * 1024, 'x')}});
  ASSERT_TRUE(req);
  auto added = Wait<model::Incident>([&](auto cb) { app_->AddServices(Who(), inc->id, *req, std::move(cb)); });
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().field, "reason");
  EXPECT_NE(added.error().message.find("too long"), std::string::npos) << added.error().message;
  auto change = DecodeChangeEvent(
      json::object{{"service", "web"}, {"summary", "deploy"}, {"source", std::string(100 * 1024, 'x')}});
  ASSERT_TRUE(change);
  auto recorded = Wait<model::ChangeEvent>(
      [&](auto cb) { app_->analysis().RecordChange(Who(), *change, std::move(cb)); });
  ASSERT_FALSE(recorded);
  EXPECT_EQ(recorded.error().field, "source");
  auto tx = app_->store().BeginRead();
  ASSERT_TRUE(tx);
  auto stored = (*tx)->incidents().Get(inc->id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->services, std::vector<std::string>{"web"});
}

TEST_F(ValidationTest, AChangeTimeIsATimeStringNotANumber) {
  for (const char* body : {R"({"service":"web","summary":"s","time":123})",
                           R"({"service":"web","summary":"s","timestamp":1.7e9})"}) {
    auto c = DecodeChangeEvent(J(body));
    ASSERT_FALSE(c) << body;
    EXPECT_TRUE(c.error().field == "time" || c.error().field == "timestamp") << c.error().field;
  }
  auto c = DecodeChangeEvent(J(R"({"service":"web","summary":"s","time":"2026-03-01T09:00:00Z"})"));
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->time, T("2026-03-01T09:00:00Z"));
}

TEST_F(ValidationTest, ATitleIsOneLineWithoutControlCharacters) {
  for (std::string title : {std::string(R"(a\u0000b)"), std::string(R"(a\nb)"), std::string(R"(a\u001b[31mb)"),
                            std::string(R"(a\u007fb)")}) {
    auto d = DecodeDeclare(J(R"({"title":")" + title + R"(","severity":"SEV3","services":["web"]})"));
    ASSERT_FALSE(d) << title;
    EXPECT_EQ(d.error().field, "title") << title;
    auto u = DecodeStatusUpdate(J(R"({"text":"line one\nline two","title":")" + title + R"("})"));
    ASSERT_FALSE(u) << title;
    EXPECT_EQ(u.error().field, "title") << title;
    auto a = DecodeActionItem(J(R"({"title":")" + title + R"("})"), true);
    ASSERT_FALSE(a) << title;
    EXPECT_EQ(a.error().field, "title") << title;
  }
  // A tab and any printable UTF-8 are fine; a note or an update's text keeps its newlines.
  EXPECT_TRUE(DecodeDeclare(J(R"({"title":"a\tb \u00e9\u2014ok","severity":"SEV3","services":["web"]})")));
  EXPECT_TRUE(DecodeStatusUpdate(J(R"({"text":"line one\nline two","title":"Checkout"})")));
  EXPECT_TRUE(DecodeNote(J(R"({"text":"line one\nline two"})")));
}

}  // namespace
}  // namespace firebreak::app
