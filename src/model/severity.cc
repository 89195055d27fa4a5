#include "model/severity.h"

#include "core/strings.h"

namespace firebreak::model {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kSev0: return "SEV0";
    case Severity::kSev1: return "SEV1";
    case Severity::kSev2: return "SEV2";
    case Severity::kSev3: return "SEV3";
    case Severity::kSev4: return "SEV4";
  }
  return "SEV4";
}

Result<Severity> ParseSeverity(std::string_view s) {
  std::string l = core::ToLower(s);
  if (l.size() == 4 && l.substr(0, 3) == "sev" && l[3] >= '0' && l[3] <= '4')
    return static_cast<Severity>(l[3] - '0');
  return InvalidArgument("invalid severity '" + std::string(s.substr(0, 32)) +
                         "': expected SEV0, SEV1, SEV2, SEV3 or SEV4");
}

std::string_view PriorityName(Severity s) {
  switch (s) {
    case Severity::kSev0:
    case Severity::kSev1: return "P1";
    case Severity::kSev2: return "P2";
    case Severity::kSev3: return "P3";
    case Severity::kSev4: return "P4";
  }
  return "P4";
}

DefenseLevel DefenseLevelOf(Severity s) {
  switch (s) {
    case Severity::kSev0: return DefenseLevel::kBlack;
    case Severity::kSev1: return DefenseLevel::kRed;
    case Severity::kSev2: return DefenseLevel::kOrange;
    case Severity::kSev3: return DefenseLevel::kYellow;
    case Severity::kSev4: return DefenseLevel::kGreen;
  }
  return DefenseLevel::kGreen;
}

std::string_view DefenseLevelName(DefenseLevel d) {
  switch (d) {
    case DefenseLevel::kGreen: return "GREEN";
    case DefenseLevel::kYellow: return "YELLOW";
    case DefenseLevel::kOrange: return "ORANGE";
    case DefenseLevel::kRed: return "RED";
    case DefenseLevel::kBlack: return "BLACK";
  }
  return "GREEN";
}

Result<DefenseLevel> ParseDefenseLevel(std::string_view s) {
  std::string l = core::ToLower(s);
  if (l == "green") return DefenseLevel::kGreen;
  if (l == "yellow") return DefenseLevel::kYellow;
  if (l == "orange") return DefenseLevel::kOrange;
  if (l == "red") return DefenseLevel::kRed;
  if (l == "black") return DefenseLevel::kBlack;
  return InvalidArgument("invalid defense level '" + std::string(s.substr(0, 32)) +
                         "': expected GREEN, YELLOW, ORANGE, RED or BLACK");
}

SeverityPolicy DefaultSeverityPolicy(Severity s) {
  using std::chrono::hours;
  using std::chrono::minutes;
  switch (s) {
    case Severity::kSev0: return {minutes(5), minutes(30)};
    case Severity::kSev1: return {minutes(10), hours(1)};
    case Severity::kSev2: return {minutes(30), hours(4)};
    case Severity::kSev3: return {hours(2), hours(24)};
    case Severity::kSev4: return {hours(4), core::Millis(0)};
  }
  return {};
}

}  // namespace firebreak::model
