#include "model/matcher_scope.h"

#include <algorithm>
#include <string>

#include <re2/re2.h>

namespace firebreak::model {

bool MatchesEmpty(const Matcher& m) {
  switch (m.op) {
    case Matcher::Op::kEqual: return m.value.empty();
    case Matcher::Op::kNotEqual: return !m.value.empty();
    case Matcher::Op::kRegex:
    case Matcher::Op::kNotRegex: {
      RE2 re(m.value, RE2::Quiet);
      if (!re.ok()) return false;
      return RE2::FullMatch("", re) == (m.op == Matcher::Op::kRegex);
    }
  }
  return false;
}

Status RequireSelective(const std::vector<Matcher>& ms, std::string_view field) {
  if (ms.empty() || !std::all_of(ms.begin(), ms.end(), MatchesEmpty)) return Ok();
  return InvalidArgument(
      "these matchers would match every alert: each also matches an alert without that label (an "
      "empty value); at least one must require a value, e.g. alertname=\"DiskFull\"",
      std::string(field));
}

}  // namespace firebreak::model
