// A change to production (deploy, config change, feature flag, ...), from PagerDuty change events
// or the generic events API. Root-cause analysis ranks them against incidents.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <boost/json.hpp>

#include "core/clock.h"

namespace firebreak::model {

struct ChangeEvent {
  int64_t id = 0;
  std::string service;  // the changed service ("" if unknown)
  std::string kind;     // deploy | config | feature_flag | rollback | other
  std::string summary;
  std::string source;   // who/what reported it (CI system, integration name)
  core::TimePoint time{};         // when the change happened
  core::TimePoint received_at{};  // when Firebreak stored it
  std::map<std::string, std::string> labels;  // version, commit, author, ...
  std::vector<std::string> links;
  std::string dedup_key;  // optional; repeats with the same key are ignored
};

boost::json::object ToJson(const ChangeEvent& c);

}  // namespace firebreak::model
