#include "core/json.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "core/json_strict.h"
#include "core/time.h"

namespace firebreak::core {
namespace {

TEST(ParseJson, RejectsTrailingDataInvalidUtf8AndDeepNesting) {
  EXPECT_TRUE(ParseJson(R"({"a":1})"));
  EXPECT_FALSE(ParseJson(R"({"a":1} x)"));
  EXPECT_FALSE(ParseJson("{\"a\":\"\xff\"}"));
  EXPECT_FALSE(ParseJson(std::string(100, '[') + std::string(100, ']')));
  auto r = ParseJson("{\"a\":");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("malformed JSON"), std::string::npos);
}

// What Firebreak writes, it reads back as the same numbers: Boost.JSON 1.81's parser alone reads
// about one double in ten one unit in the last place off (an audit entry holding one would then no
// longer match its hash). Every double, bit for bit, in an object, an array and alone.
TEST(ParseJson, ReadsBackEveryDoubleItWrote) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<uint64_t> bits;
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    double d = unit(rng);
    if (i % 2) {  // any finite double: every exponent, subnormals, negative zero
      uint64_t b = bits(rng);
      std::memcpy(&d, &b, sizeof d);
      if (!std::isfinite(d)) continue;
    }
    const json::value v = json::object{{"x", d}, {"y", json::array{d, 1}}};
    for (const std::string& text : {CanonicalJson(v), ToJson(v)}) {
      for (bool strict : {false, true}) {
        auto back = strict ? ParseJsonStrict(text) : ParseJson(text);
        ASSERT_TRUE(back) << text;
        ASSERT_EQ(std::memcmp(&back->at("x").get_double(), &d, sizeof d), 0) << text;
        ASSERT_EQ(back->at("y").at(0).get_double(), d) << text;
        ASSERT_EQ(CanonicalJson(*back), CanonicalJson(v)) << text;
      }
    }
    auto alone = ParseJson(CanonicalJson(json::value(d)));
    ASSERT_TRUE(alone);
    ASSERT_EQ(alone->get_double(), d);
    ++checked;
  }
  EXPECT_GT(checked, 15000);
  // One Boost.JSON writes itself and, alone, reads back as 0.11935319286735584.
  auto r = ParseJson("[1.1935319286735585E-1]");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at(0).get_double(), 0.11935319286735585);
  // Integers stay integers; a number too large for a double is what Boost.JSON makes of it.
  EXPECT_TRUE(ParseJson("[12,-3,18446744073709551615]")->at(2).is_uint64());
  auto big = ParseJson("[1e999]");
  ASSERT_TRUE(big);
  EXPECT_TRUE(big->at(0).is_double());
}

TEST(CanonicalJson, SortsKeysAtEveryLevel) {
  auto v = *ParseJson(R"({"b":{"z":1,"a":[{"y":2,"x":1}]},"a":"s"})");
  EXPECT_EQ(CanonicalJson(v), R"({"a":"s","b":{"a":[{"x":1,"y":2}],"z":1}})");
  // Doubles and strings as Boost.JSON writes them, as they always were: stored audit hashes depend on it.
  json::object d{{"q\"k", 0.194}, {"c", json::array{2.0, "tab\t"}}};
  EXPECT_EQ(CanonicalJson(d), R"({"c":[2E0,"tab\t"],"q\"k":1.94E-1})");
}

TEST(ToJson, WritesDoublesAsPeopleReadThemAndEverythingElseAsBoostDoes) {
  json::object o{{"confidence", 0.194}, {"z", 2.0}, {"big", 1e21}, {"tiny", 1.5e-7}, {"neg", -3.25},
                 {"n", 7}, {"s", "a\"b\n"}, {"nested", json::array{0.1, json::object{{"p", 0.5}}, nullptr, true}}};
  EXPECT_EQ(ToJson(o), R"({"confidence":0.194,"z":2.0,"big":1e+21,"tiny":1.5e-07,"neg":-3.25,"n":7,)"
                       R"("s":"a\"b\n","nested":[0.1,{"p":0.5},null,true]})");
  // Every double reads back as the same double.
  for (double d : {0.1, 1.0 / 3, 123456789.125, 5e-324, 1.7976931348623157e308, -0.0}) {
    auto back = ParseJson(ToJson(json::array{d}));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->as_array()[0].to_number<double>(), d);
  }
  // Strings and keys with something to escape, and UTF-8, as Boost.JSON writes them.
  json::object text{{"q\"k", "tab\there"}, {"k", "back\\slash \x01 caf\xc3\xa9"}, {"d", 0.5}};
  json::object no_double = text;
  no_double.erase("d");
  std::string boost_text = json::serialize(no_double);
  EXPECT_EQ(ToJson(text), boost_text.substr(0, boost_text.size() - 1) + R"(,"d":0.5})");
  // JSON has no infinity or NaN.
  EXPECT_EQ(ToJson(json::array{std::numeric_limits<double>::infinity(), std::nan("")}), "[null,null]");
  // Without doubles, the output is Boost.JSON's own.
  json::value plain = *ParseJson(R"({"k":[1,"x",{"y":null}],"u":18446744073709551615})");
  EXPECT_EQ(ToJson(plain), json::serialize(plain));
}

TEST(ObjectReader, NamesTheFieldPathInErrors) {
  auto v = *ParseJson(R"({"payload":{"summary":5}})");
  ObjectReader root(v, "");
  const auto* p = root.Object("payload", true);
  ASSERT_NE(p, nullptr);
  ObjectReader payload(root.object()->at("payload"), "payload");
  EXPECT_FALSE(payload.String("summary", true));
  ASSERT_FALSE(payload.ok());
  EXPECT_EQ(payload.status().error().field, "payload.summary");
  EXPECT_NE(payload.status().error().message.find("must be a string"), std::string::npos);
}

TEST(ObjectReader, ReportsMissingRequiredAndUnknownFields) {
  auto v = *ParseJson(R"({"title":"x","sevirity":"SEV1"})");
  ObjectReader r(v, "");
  r.RejectUnknown({"title", "severity"});
  EXPECT_EQ(r.status().error().field, "sevirity");
  ObjectReader r2(v, "");
  r2.String("severity", true);
  EXPECT_EQ(r2.status().error().field, "severity");
  EXPECT_NE(r2.status().error().message.find("missing required"), std::string::npos);
}

TEST(ObjectReader, AcceptsIntegralNumbersOnlyForInt) {
  auto v = *ParseJson(R"({"a":3,"b":3.0,"c":3.5,"d":"3"})");
  ObjectReader r(v, "");
  EXPECT_EQ(r.Int("a"), 3);
  EXPECT_EQ(r.Int("b"), 3);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.Int("c"));
  EXPECT_FALSE(r.ok());
}

TEST(ObjectReader, ReadsRfc3339TimesAndNamesTheFieldOfOneThatIsNot) {
  auto v = *ParseJson(R"({"at":"2026-01-05T08:00:00.250Z","history":{"due":"yesterday"}})");
  ObjectReader r(v, "");
  EXPECT_EQ(r.Time("at"), FromUnixMillis(1767600000250));
  EXPECT_EQ(r.Time("absent"), std::nullopt);
  EXPECT_TRUE(r.ok());
  ObjectReader h(r.object()->at("history"), "history");
  EXPECT_EQ(h.Time("due"), std::nullopt);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().error().field, "history.due");
  EXPECT_NE(h.status().error().message.find("history.due: invalid RFC 3339 timestamp 'yesterday'"), std::string::npos)
      << h.status().error().message;
  ObjectReader required(v, "");
  EXPECT_EQ(required.Time("when", true), std::nullopt);
  EXPECT_EQ(required.status().error().field, "when");
}

TEST(ObjectReader, RejectsNonObjects) {
  ObjectReader r(json::value(json::array{1, 2}), "");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().error().message.find("must be a JSON object"), std::string::npos);
  // The root is named "body" (a client is told which part of its request is wrong); a nested
  // reader keeps its path.
  EXPECT_EQ(r.status().error().field, "body");
  ObjectReader nested(json::value("x"), "payload");
  EXPECT_EQ(nested.status().error().field, "payload");
}

}  // namespace
}  // namespace firebreak::core
