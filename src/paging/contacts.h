// How a message reaches a person: the channel that delivers each of their contact methods, the
// contact methods a notice at a severity goes to, and when each step of a page is sent (their
// notification rules, else the severity's contact types at once). Configuration only; the pager
// writes the outbox rows, the on-call preview shows the same plan.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"

namespace firebreak::paging {

// Whether a channel carries notifications at `sev` (an empty severity list carries all).
bool AllowsSeverity(const model::Channel& ch, model::Severity sev);

// The channel that delivers a contact method at a severity (the one it pins, else the first whose
// contact types include it), or null.
const model::Channel* ChannelFor(const config::Config& cfg, const model::ContactMethod& c, model::Severity sev);

// The contact methods (indexes into person.contacts) a notification at `sev` goes to: those of the
// types the severity asks for (or `only`, when given) that a channel delivers, else the first one
// any channel delivers at all. Empty when no channel delivers any.
std::vector<size_t> ChooseContacts(const config::Config& cfg, const model::Person& person, model::Severity sev,
                                   const std::vector<std::string>* only = nullptr);

// One step of a page to a person: contact method `contact` (an index into person.contacts), `after`
// the page.
struct ContactStep {
  size_t contact = 0;
  core::Millis after{0};
};

// When a page at `sev` reaches each contact method of `person`, by delay (then contact order). The
// person's notification rules for `sev` decide when any of their contact methods has a channel that
// delivers it; otherwise the severity's contact types do, all at once (ChooseContacts). Empty when
// nothing can reach them.
std::vector<ContactStep> PlanContacts(const config::Config& cfg, const model::Person& person, model::Severity sev);

// [{"contact_type","after"}] of a plan.
boost::json::array PlanJson(const model::Person& person, const std::vector<ContactStep>& plan);

}  // namespace firebreak::paging
