#include <gtest/gtest.h>

#include "api/http.h"

namespace firebreak::api {
namespace {

Handler Nothing() {
  return [](Exchange&) -> asio::awaitable<Response> { co_return Response{}; };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    r_.Add(http::verb::get, "/api/v1/incidents/{id}", Auth::kRead, Nothing());
    r_.Add(http::verb::get, "/api/v1/incidents/stats", Auth::kRead, Nothing());
    r_.Add(http::verb::post, "/api/v1/incidents", Auth::kRead, Nothing());
    r_.Add(http::verb::get, "/api/v1/incidents", Auth::kRead, Nothing());
    r_.Add(http::verb::post, "/api/v1/incidents/{id}/ack", Auth::kRead, Nothing());
  }
  const Route* Match(http::verb m, const std::string& path) {
    params_.clear();
    allowed_.clear();
    return r_.Match(m, path, params_, allowed_);
  }
  Router r_;
  std::map<std::string, std::string> params_;
  std::vector<std::string> allowed_;
};

TEST_F(RouterTest, ALiteralRouteBeatsAParameterAndParametersAreFilled) {
  auto* lit = Match(http::verb::get, "/api/v1/incidents/stats");
  ASSERT_NE(lit, nullptr);
  EXPECT_EQ(lit->pattern, "/api/v1/incidents/stats");
  EXPECT_TRUE(params_.empty());
  auto* param = Match(http::verb::get, "/api/v1/incidents/INC-7");
  ASSERT_NE(param, nullptr);
  EXPECT_EQ(param->pattern, "/api/v1/incidents/{id}");
  EXPECT_EQ(params_.at("id"), "INC-7");
  auto* ack = Match(http::verb::post, "/api/v1/incidents/INC-7/ack");
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(params_.at("id"), "INC-7");
}

TEST_F(RouterTest, MethodsOfOneLiteralPathAreTold) {
  auto* get = Match(http::verb::get, "/api/v1/incidents");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->method, http::verb::get);
  auto* post = Match(http::verb::post, "/api/v1/incidents");
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->method, http::verb::post);
  // A method the path does not have: no route, and the ones it has (for 405's Allow).
  EXPECT_EQ(Match(http::verb::delete_, "/api/v1/incidents"), nullptr);
  EXPECT_EQ(allowed_, (std::vector<std::string>{"POST", "GET", "HEAD"}));
  EXPECT_EQ(Match(http::verb::get, "/api/v1/nothing"), nullptr);
  EXPECT_TRUE(allowed_.empty());
}

TEST_F(RouterTest, HeadIsServedByTheGetRoute) {
  auto* lit = Match(http::verb::head, "/api/v1/incidents/stats");
  ASSERT_NE(lit, nullptr);
  EXPECT_EQ(lit->method, http::verb::get);
  EXPECT_EQ(lit->pattern, "/api/v1/incidents/stats");
  auto* param = Match(http::verb::head, "/api/v1/incidents/INC-7");
  ASSERT_NE(param, nullptr);
  EXPECT_EQ(param->pattern, "/api/v1/incidents/{id}");
  EXPECT_EQ(params_.at("id"), "INC-7");
  // A path without GET has no HEAD either.
  EXPECT_EQ(Match(http::verb::head, "/api/v1/incidents/INC-7/ack"), nullptr);
  EXPECT_EQ(allowed_, (std::vector<std::string>{"POST"}));
  EXPECT_THROW(r_.Add(http::verb::head, "/api/v1/other", Auth::kRead, Nothing()), std::logic_error);
}

TEST_F(RouterTest, EachAllowedMethodIsToldOnce) {
  // Both GET routes fit this path; Allow names GET (and HEAD) once.
  EXPECT_EQ(Match(http::verb::delete_, "/api/v1/incidents/stats"), nullptr);
  EXPECT_EQ(allowed_, (std::vector<std::string>{"GET", "HEAD"}));
}

TEST_F(RouterTest, EmptySegmentsAreIgnoredAsBefore) {
  // Not the canonical spelling, so not found by exact lookup: the segment scan decides.
  auto* a = Match(http::verb::get, "/api//v1/incidents/stats/");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->pattern, "/api/v1/incidents/stats");
  auto* b = Match(http::verb::post, "api/v1/incidents");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->pattern, "/api/v1/incidents");
}

TEST_F(RouterTest, ASecondRouteOfTheSameShapeIsRefused) {
  EXPECT_THROW(r_.Add(http::verb::get, "/api/v1/incidents/{other}", Auth::kRead, Nothing()), std::logic_error);
  EXPECT_THROW(r_.Add(http::verb::post, "/api/v1/incidents", Auth::kRead, Nothing()), std::logic_error);
}

}  // namespace
}  // namespace firebreak::api
