// One entry of the hash-chained audit log (see audit/ for hashing and verification).
#pragma once

#include <cstdint>
#include <string>

#include <boost/json.hpp>

#include "core/clock.h"

namespace firebreak::model {

struct AuditEntry {
  int64_t seq = 0;  // 1, 2, 3, ... without gaps
  core::TimePoint time{};
  std::string actor;   // Actor::ToString()
  std::string action;  // "incident.acknowledge", "token.create", ...
  std::string target;  // "incident:INC-3", "token:t_ab12", ...
  boost::json::object details;
  std::string prev_hash;  // hash of entry seq-1 ("" followed by 64 zeros for the first)
  std::string hash;       // SHA-256 over the canonical encoding of this entry and prev_hash
};

boost::json::object ToJson(const AuditEntry& e);

}  // namespace firebreak::model
