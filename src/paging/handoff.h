// Shift handoffs: the instants an on-call schedule passes from one person to the next (or to nobody,
// when a gap begins), computed from the final schedule (layers, restrictions and overrides), and
// their presentation. The pager tells both people ahead of time (settings.paging.handoff_notice);
// the API, the CLI and MCP list the coming ones.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "model/catalog.h"

namespace firebreak::paging {

struct Handoff {
  std::string schedule;
  core::TimePoint at{};
  std::string from;          // on call just before `at` (empty: nobody, a gap ends)
  std::string to;            // on call from `at` (empty: a gap begins)
  // When what begins at `at` ends; nullopt when it lasts beyond kOnCallLookahead past the end of
  // the range asked for.
  std::optional<core::TimePoint> until;
  bool override = false;     // `to` is on call through an override
};

// The handoffs of `s` at instants in (from, to], in time order. A stretch that changes only its
// source (a layer shift, then an override of the same person) is no handoff.
Result<std::vector<Handoff>> Handoffs(const model::Schedule& s, core::TimePoint from, core::TimePoint to);

// The first handoff of `s` after `after`, looking at most kOnCallLookahead ahead.
Result<std::optional<Handoff>> NextHandoff(const model::Schedule& s, core::TimePoint after);

// The coming handoffs of every schedule (or of `schedule`: NotFound if unknown) in (from, to] (at
// most 93 days), by time: {"from","to","notice":duration|null,"handoffs":[{"schedule","schedule_name",
// "at","from":{"person","name"}|null,"to":{"person","name"}|null,"until"|null,"override","notice_at"|null}]}.
// `notice_at` is when the people are told (handoff_notice before `at`), null when notices are off.
Result<boost::json::object> HandoffsJson(const config::Config& cfg, const std::string& schedule,
                                         core::TimePoint from, core::TimePoint to);

// "Mon 12 Jan 09:00 (Europe/Paris)": `t` as wall time in `zone` (UTC when it is empty or unknown).
std::string FormatLocal(core::TimePoint t, std::string_view zone);

}  // namespace firebreak::paging
