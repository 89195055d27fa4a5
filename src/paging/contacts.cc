#include "paging/contacts.h"

#include <algorithm>

#include "core/time.h"

namespace firebreak::paging {

bool AllowsSeverity(const model::Channel& ch, model::Severity sev) {
  return ch.severities.empty() || std::find(ch.severities.begin(), ch.severities.end(), sev) != ch.severities.end();
}

const model::Channel* ChannelFor(const config::Config& cfg, const model::ContactMethod& c, model::Severity sev) {
  if (!c.channel.empty()) {
    const auto* ch = cfg.FindChannel(c.channel);
    return ch && AllowsSeverity(*ch, sev) ? ch : nullptr;
  }
  for (const auto& ch : cfg.channels) {
    auto types = model::ContactTypesOf(ch);
    if (std::find(types.begin(), types.end(), c.type) != types.end() && AllowsSeverity(ch, sev)) return &ch;
  }
  return nullptr;
}

std::vector<size_t> ChooseContacts(const config::Config& cfg, const model::Person& person, model::Severity sev,
                                   const std::vector<std::string>* only) {
  const auto& types = only ? *only : cfg.settings.paging.ContactTypesFor(sev);
  std::vector<size_t> chosen;
  for (size_t i = 0; i < person.contacts.size(); ++i) {
    const auto& c = person.contacts[i];
    if (!types.empty() && std::find(types.begin(), types.end(), c.type) == types.end()) continue;
    if (ChannelFor(cfg, c, sev)) chosen.push_back(i);
  }
  for (size_t i = 0; i < person.contacts.size() && chosen.empty(); ++i)
    if (ChannelFor(cfg, person.contacts[i], sev)) chosen.push_back(i);
  return chosen;
}

std::vector<ContactStep> PlanContacts(const config::Config& cfg, const model::Person& person, model::Severity sev) {
  std::vector<ContactStep> plan;
  for (const auto& rule : person.notification_rules) {
    if (!rule.AppliesTo(sev)) continue;
    for (size_t i = 0; i < person.contacts.size(); ++i)
      if (person.contacts[i].type == rule.contact && ChannelFor(cfg, person.contacts[i], sev))
        plan.push_back({i, rule.after});
  }
  if (plan.empty())
    for (size_t i : ChooseContacts(cfg, person, sev)) plan.push_back({i, core::Millis(0)});
  std::sort(plan.begin(), plan.end(), [](const ContactStep& a, const ContactStep& b) {
    return a.after != b.after ? a.after < b.after : a.contact < b.contact;
  });
  plan.erase(std::unique(plan.begin(), plan.end(),
                         [](const ContactStep& a, const ContactStep& b) { return a.after == b.after && a.contact == b.contact; }),
             plan.end());
  return plan;
}

boost::json::array PlanJson(const model::Person& person, const std::vector<ContactStep>& plan) {
  boost::json::array out;
  for (const auto& st : plan)
    out.push_back(boost::json::object{{"contact_type", person.contacts.at(st.contact).type},
                                      {"after", core::FormatDuration(st.after)}});
  return out;
}

}  // namespace firebreak::paging
