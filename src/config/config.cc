#include "config/config.h"

#include <algorithm>
#include <deque>
#include <set>

namespace firebreak::config {

model::SeverityPolicy Settings::For(model::Severity s) const {
  auto it = severities.find(s);
  return it != severities.end() ? it->second : model::DefaultSeverityPolicy(s);
}

const std::vector<std::string>& PagingSettings::ContactTypesFor(model::Severity s) const {
  static const std::vector<std::string> kAll;
  static const std::vector<std::string> kChatAndEmail = {"slack", "email"};
  static const std::vector<std::string> kEmail = {"email"};
  auto it = contact_types.find(s);
  if (it != contact_types.end()) return it->second;
  if (s == model::Severity::kSev3) return kChatAndEmail;
  if (s == model::Severity::kSev4) return kEmail;
  return kAll;
}

namespace {
template <class V, class M, class F>
void Build(const V& items, M& index, F key) {
  index.clear();
  for (size_t i = 0; i < items.size(); ++i) index.emplace(key(items[i]), i);
}
template <class V, class M>
const typename V::value_type* Lookup(const V& items, const M& index, std::string_view id) {
  auto it = index.find(id);
  return it == index.end() ? nullptr : &items[it->second];
}
}  // namespace

void Config::Index() {
  Build(services, services_, [](const auto& x) { return x.id; });
  Build(teams, teams_, [](const auto& x) { return x.id; });
  Build(people, people_, [](const auto& x) { return x.id; });
  Build(schedules, schedules_, [](const auto& x) { return x.id; });
  Build(policies, policies_, [](const auto& x) { return x.id; });
  Build(integrations, integrations_, [](const auto& x) { return x.key; });
  Build(channels, channels_, [](const auto& x) { return x.id; });
  Build(runbooks, runbooks_, [](const auto& x) { return x.id; });
  Build(redundancy_groups, groups_, [](const auto& x) { return x.id; });
  Build(scenarios, scenarios_, [](const auto& x) { return x.id; });
  Build(heartbeats, heartbeats_, [](const auto& x) { return x.id; });
}

const model::Service* Config::FindService(std::string_view id) const { return Lookup(services, services_, id); }
const model::Team* Config::FindTeam(std::string_view id) const { return Lookup(teams, teams_, id); }
const model::Person* Config::FindPerson(std::string_view id) const { return Lookup(people, people_, id); }
const model::Schedule* Config::FindSchedule(std::string_view id) const { return Lookup(schedules, schedules_, id); }
const model::EscalationPolicy* Config::FindPolicy(std::string_view id) const { return Lookup(policies, policies_, id); }
const model::Integration* Config::FindIntegration(std::string_view key) const { return Lookup(integrations, integrations_, key); }
const model::Channel* Config::FindChannel(std::string_view id) const { return Lookup(channels, channels_, id); }
const model::Runbook* Config::FindRunbook(std::string_view id) const { return Lookup(runbooks, runbooks_, id); }
const model::RedundancyGroup* Config::FindGroup(std::string_view id) const {
  return Lookup(redundancy_groups, groups_, id);
}
const model::Scenario* Config::FindScenario(std::string_view id) const { return Lookup(scenarios, scenarios_, id); }
const Heartbeat* Config::FindHeartbeat(std::string_view id) const { return Lookup(heartbeats, heartbeats_, id); }

const model::TimeInterval* Config::FindTimeInterval(std::string_view name) const {
  for (const auto& iv : time_intervals)
    if (iv.name == name) return &iv;
  return nullptr;
}

const MaintenanceWindow* Config::FindMaintenanceWindow(std::string_view name) const {
  for (const auto& w : maintenance_windows)
    if (w.name == name) return &w;
  return nullptr;
}

const model::EscalationPolicy* Config::PolicyFor(std::string_view service, model::Severity sev) const {
  const auto* s = FindService(service);
  if (s) {
    auto it = s->escalation_by_severity.find(std::string(model::SeverityName(sev)));
    if (it != s->escalation_by_severity.end()) {
      if (const auto* p = FindPolicy(it->second)) return p;
    }
    if (!s->escalation_policy.empty()) {
      if (const auto* p = FindPolicy(s->escalation_policy)) return p;
    }
    if (const auto* t = FindTeam(s->team); t && !t->escalation_policy.empty()) {
      if (const auto* p = FindPolicy(t->escalation_policy)) return p;
    }
  }
  if (!settings.default_escalation_policy.empty()) return FindPolicy(settings.default_escalation_policy);
  return nullptr;
}

std::vector<std::string> Config::Dependents(const std::vector<std::string>& failed) const {
  // Reverse edges: dependency -> services that call it.
  std::map<std::string, std::vector<std::string>, std::less<>> callers;
  for (const auto& s : services)
    for (const auto& d : s.dependencies) callers[d.service].push_back(s.id);
  std::set<std::string> seen(failed.begin(), failed.end());
  std::deque<std::string> q(failed.begin(), failed.end());
  std::vector<std::string> out;
  while (!q.empty()) {
    std::string cur = q.front();
    q.pop_front();
    auto it = callers.find(cur);
    if (it == callers.end()) continue;
    for (const auto& c : it->second) {
      if (seen.insert(c).second) {
        out.push_back(c);
        q.push_back(c);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace firebreak::config
