#include "core/json_strict.h"

#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/json.h"

namespace firebreak::core {
namespace {

// The field a refused body names, or "" when it parsed.
std::string Refused(std::string_view text) {
  auto r = ParseJsonStrict(text);
  if (r) return "";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  if (!r.error().field.empty()) {
    EXPECT_EQ(r.error().message, "key '" + r.error().field + "' appears more than once");
  }
  return r.error().field;
}

TEST(ParseJsonStrict, RefusesARepeatedKeyNamingItsPath) {
  EXPECT_EQ(Refused(R"({"a":1,"a":2})"), "a");
  EXPECT_EQ(Refused(R"({"payload":{"severity":"critical","summary":"x","severity":"info"}})"), "payload.severity");
  EXPECT_EQ(Refused(R"({"x":[{"c":1},{"b":[],"c":1,"c":2}]})"), "x[1].c");
  EXPECT_EQ(Refused(R"([1,{"k":null},[{"k":0,"k":0}]])"), "[2][0].k");
  // An escaped key is the key it spells; a key in parts (around escapes) too.
  EXPECT_EQ(Refused(R"({"a":1,"\u0061":2})"), "a");
  EXPECT_EQ(Refused(R"({"q\"k":1,"q\u0022k":2})"), "q\"k");
  // Not repeats: the same key in sibling objects, at another depth, or differing in case.
  EXPECT_EQ(Refused(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}],"A":1})"), "");
  EXPECT_EQ(Refused(R"({})"), "");
}

TEST(ParseJsonStrict, ALargeObjectIsCheckedWhole) {
  std::string text = "{";
  for (int i = 0; i < 5000; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  EXPECT_EQ(Refused(text + "\"last\":0}"), "");
  EXPECT_EQ(Refused(text + "\"k17\":0}"), "k17");
  EXPECT_EQ(Refused(text + "\"k4999\":0}"), "k4999");
  EXPECT_EQ(ParseJsonStrict(text + "\"last\":0}")->as_object().size(), 5001u);
}

TEST(ParseJsonStrict, OtherwiseParsesAndFailsAsParseJson) {
  for (const char* text : {R"({"a":[1,2.5,-3,"s\n",true,false,null,{"b":{}}],"c":18446744073709551615})", R"("x")",
                           "  7  ", R"({"a":1} x)", "{\"a\":\"\xff\"}", "{\"a\":", "[1,]", ""}) {
    auto strict = ParseJsonStrict(text);
    auto plain = ParseJson(text);
    ASSERT_EQ(strict.has_value(), plain.has_value()) << text;
    if (strict) {
      EXPECT_EQ(*strict, *plain) << text;
    } else {
      EXPECT_EQ(strict.error().message, plain.error().message) << text;
      EXPECT_EQ(strict.error().field, "") << text;
    }
  }
  EXPECT_FALSE(ParseJsonStrict(std::string(100, '[') + std::string(100, ']')));
  EXPECT_TRUE(ParseJsonStrict(std::string(3, '[') + std::string(3, ']'), {}, 3));
  EXPECT_FALSE(ParseJsonStrict(std::string(4, '[') + std::string(4, ']'), {}, 3));
}

TEST(ParseJsonStrict, BuildsTheValueInTheGivenResource) {
  boost::json::monotonic_resource mr;
  boost::json::storage_ptr sp(&mr);
  auto v = ParseJsonStrict(R"({"labels":{"alertname":"A name long enough to need storage"}})", sp);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->storage().get(), sp.get());
}

// Random documents whose keys come from a small alphabet (so objects often repeat one), written
// with some keys escaped: the parser refuses exactly those with a repeat, naming the first one in
// document order, and parses the others as Boost.JSON does.
class Writer {
 public:
  explicit Writer(unsigned seed) : rng_(seed) {}
  std::string text;
  std::optional<std::string> first_repeat;

  void Value(const std::string& path, int depth) {
    switch (depth > 3 ? 0 : Pick(5)) {
      case 0: text += std::to_string(Pick(100)); return;
      case 1: text += "\"v\""; return;
      case 2: {
        text += '[';
        int n = Pick(4);
        for (int i = 0; i < n; ++i) {
          if (i) text += ',';
          Value(path + "[" + std::to_string(i) + "]", depth + 1);
        }
        text += ']';
        return;
      }
      default: {
        text += '{';
        std::set<std::string> seen;
        int n = Pick(5);
        for (int i = 0; i < n; ++i) {
          if (i) text += ',';
          std::string key(1 + Pick(2), 'a');
          for (auto& c : key) c = "ab\""[Pick(3)];
          std::string at = path.empty() ? key : path + "." + key;
          if (!seen.insert(key).second && !first_repeat) first_repeat = at;
          text += '"';
          for (char c : key) {
            if (c == '"') text += Pick(2) ? "\\\"" : "\\u0022";
            else if (Pick(4) == 0) text += "\\u006" + std::string(1, c == 'a' ? '1' : '2');
            else text += c;
          }
          text += "\":";
          Value(at, depth + 1);
        }
        text += '}';
      }
    }
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }
  std::mt19937 rng_;
};

TEST(ParseJsonStrict, RefusesExactlyTheDocumentsWithARepeatedKey) {
  int refused = 0, parsed = 0;
  for (unsigned seed = 1; seed <= 3000; ++seed) {
    Writer w(seed);
    w.Value("", 0);
    auto r = ParseJsonStrict(w.text);
    if (w.first_repeat) {
      ASSERT_FALSE(r) << w.text;
      EXPECT_EQ(r.error().field, *w.first_repeat) << w.text;
      ++refused;
    } else {
      ASSERT_TRUE(r) << w.text << ": " << r.error().ToString();
      EXPECT_EQ(*r, boost::json::parse(w.text)) << w.text;
      ++parsed;
    }
  }
  // Both kinds were generated in numbers.
  EXPECT_GT(refused, 300);
  EXPECT_GT(parsed, 300);
}

}  // namespace
}  // namespace firebreak::core
