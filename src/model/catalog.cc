#include "model/catalog.h"

namespace firebreak::model {

std::string SourceLoc::ToString() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

std::string_view RiskTierName(RiskTier t) {
  switch (t) {
    case RiskTier::kLow: return "LOW";
    case RiskTier::kMedium: return "MEDIUM";
    case RiskTier::kHigh: return "HIGH";
  }
  return "HIGH";
}

RiskTier Runbook::MaxRisk() const {
  RiskTier r = RiskTier::kLow;
  for (const auto& s : steps) r = std::max(r, s.risk);
  return r;
}

std::vector<std::string> ContactTypesOf(const Channel& c) {
  if (!c.contact_types.empty()) return c.contact_types;
  if (c.type == "command") return {"sms", "phone", "command"};
  return {c.type};
}

}  // namespace firebreak::model
