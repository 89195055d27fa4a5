// Severity: SEV0 (worst) .. SEV4 is canonical; P-levels and defense levels are views of it
// (DESIGN.md §3).
#pragma once

#include <array>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace firebreak::model {

enum class Severity { kSev0 = 0, kSev1 = 1, kSev2 = 2, kSev3 = 3, kSev4 = 4 };
inline constexpr std::array<Severity, 5> kAllSeverities = {Severity::kSev0, Severity::kSev1,
                                                           Severity::kSev2, Severity::kSev3,
                                                           Severity::kSev4};

enum class DefenseLevel { kGreen = 0, kYellow = 1, kOrange = 2, kRed = 3, kBlack = 4 };

// "SEV0".."SEV4"
std::string_view SeverityName(Severity s);
// Accepts "SEV0".."SEV4" in any case.
Result<Severity> ParseSeverity(std::string_view s);
// "P1".."P4" (SEV0 and SEV1 are both P1).
std::string_view PriorityName(Severity s);
// SEV0 BLACK, SEV1 RED, SEV2 ORANGE, SEV3 YELLOW, SEV4 GREEN.
DefenseLevel DefenseLevelOf(Severity s);
std::string_view DefenseLevelName(DefenseLevel d);
Result<DefenseLevel> ParseDefenseLevel(std::string_view s);
// True if `a` is worse (more severe) than `b`.
inline bool WorseThan(Severity a, Severity b) { return static_cast<int>(a) < static_cast<int>(b); }
inline DefenseLevel Worst(DefenseLevel a, DefenseLevel b) { return a > b ? a : b; }

// Default service levels (DESIGN.md §3); config may override them. A zero resolve SLA means
// "best effort".
struct SeverityPolicy {
  core::Millis ack_sla{0};
  core::Millis resolve_sla{0};
};
SeverityPolicy DefaultSeverityPolicy(Severity s);

}  // namespace firebreak::model
