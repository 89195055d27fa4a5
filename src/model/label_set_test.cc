#include "model/label_set.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace firebreak::model {
namespace {

using Ref = std::map<std::string, std::string>;

void ExpectSame(const LabelSet& got, const Ref& want) {
  ASSERT_EQ(got.size(), want.size());
  auto it = want.begin();
  for (const auto& [k, v] : got) {
    EXPECT_EQ(k, it->first);
    EXPECT_EQ(v, it->second);
    ++it;
  }
}

TEST(LabelSetTest, KeepsNamesSortedAndUniqueWhateverTheInsertionOrder) {
  LabelSet l{{"severity", "critical"}, {"alertname", "X"}, {"job", "node"}, {"alertname", "Y"}};
  ExpectSame(l, {{"alertname", "X"}, {"job", "node"}, {"severity", "critical"}});  // first of a repeat wins
  EXPECT_EQ(l.at("job"), "node");
  EXPECT_THROW(l.at("pod"), std::out_of_range);
  EXPECT_EQ(l.count("severity"), 1u);
  EXPECT_EQ(l.find("sev"), l.end()) << "a prefix is not a name";
  l["pod"] = "p-1";
  EXPECT_EQ(l.erase("alertname"), 1u);
  EXPECT_EQ(l.erase("alertname"), 0u);
  ExpectSame(l, {{"job", "node"}, {"pod", "p-1"}, {"severity", "critical"}});
}

TEST(LabelSetTest, AHintedAppendOutOfOrderOrRepeatedStillKeepsTheSetSorted) {
  LabelSet l;
  l.emplace_hint(l.end(), "b", "1");
  l.emplace_hint(l.end(), "c", "2");
  l.emplace_hint(l.end(), "a", "3");  // before the last: searched, not appended
  l.emplace_hint(l.end(), "c", "4");  // a repeat: not inserted
  ExpectSame(l, {{"a", "3"}, {"b", "1"}, {"c", "2"}});
}

// Any sequence of operations leaves a LabelSet holding what a std::map holds after the same ones.
RC_GTEST_PROP(LabelSetProps, BehavesLikeAStdMap, ()) {
  auto names = *rc::gen::container<std::vector<std::string>>(
      4, rc::gen::container<std::string>(rc::gen::inRange('a', 'e')));
  auto ops = *rc::gen::container<std::vector<std::pair<int, std::pair<int, std::string>>>>(rc::gen::pair(
      rc::gen::inRange(0, 6), rc::gen::pair(rc::gen::inRange(0, 4), rc::gen::arbitrary<std::string>())));
  LabelSet got;
  Ref want;
  for (const auto& [op, arg] : ops) {
    const std::string& k = names[static_cast<size_t>(arg.first)];
    const std::string& v = arg.second;
    switch (op) {
      case 0: RC_ASSERT(got.emplace(k, v).second == want.emplace(k, v).second); break;
      case 1: got.emplace_hint(got.end(), k, v); want.emplace_hint(want.end(), k, v); break;
      case 2: got[k] = v; want[k] = v; break;
      case 3: RC_ASSERT(got.insert_or_assign(k, v).second == want.insert_or_assign(k, v).second); break;
      case 4: RC_ASSERT(got.erase(k) == want.erase(k)); break;
      default: {
        auto g = got.find(k);
        auto w = want.find(k);
        RC_ASSERT((g == got.end()) == (w == want.end()));
        if (w != want.end()) RC_ASSERT(g->second == w->second);
      }
    }
    RC_ASSERT(got.size() == want.size());
    RC_ASSERT(std::equal(got.begin(), got.end(), want.begin(), want.end(),
                         [](const auto& a, const auto& b) { return a.first == b.first && a.second == b.second; }));
  }
  RC_ASSERT(got == LabelSet(want));
}

// A range inserted at once is what std::map::insert(first, last) makes of it: names already
// present keep their values, and of names repeated in the range the first wins.
RC_GTEST_PROP(LabelSetProps, RangeInsertIsStdMapRangeInsert, ()) {
  auto name = rc::gen::container<std::string>(rc::gen::inRange('a', 'f'));
  auto before = *rc::gen::container<std::map<std::string, std::string>>(name, rc::gen::arbitrary<std::string>());
  auto range = *rc::gen::container<std::vector<std::pair<std::string, std::string>>>(
      rc::gen::pair(name, rc::gen::arbitrary<std::string>()));
  LabelSet got(before);
  got.insert(range.begin(), range.end());
  Ref want = before;
  want.insert(range.begin(), range.end());
  RC_ASSERT(got == LabelSet(want));
  RC_ASSERT(LabelSet(range.begin(), range.end()) == LabelSet(Ref(range.begin(), range.end())));
}

}  // namespace
}  // namespace firebreak::model
