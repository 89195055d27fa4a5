// Inhibition (config::InhibitRule, Alertmanager's inhibit_rules): see engine/alerts.h.
//
// An open alert that matches a rule's source matchers mutes, for as long as it is open, the new
// alerts matching the rule's target matchers whose `equal` labels have its values. The correlator
// holds that as a silence numbered from the source alert and the rule ("INH-<alert>-<rule>"), with
// the source matchers as an exception (an alert that is itself a source of the rule is not muted by
// it). Nothing is stored besides the muted alerts' silence_id: the inhibitions follow from the open
// alerts, and are rebuilt from them.
#include <spdlog/spdlog.h>

#include <re2/re2.h>

#include "correlate/correlator.h"
#include "engine/alerts.h"

namespace firebreak::engine {

namespace {

// Whether `labels` (with `service` standing in for a missing service label) match every matcher.
bool MatchesAll(const std::vector<model::Matcher>& ms, const model::LabelSet& labels, const std::string& service) {
  static thread_local std::map<std::string, std::unique_ptr<re2::RE2>> regexes;
  for (const auto& m : ms) {
    auto it = labels.find(m.name);
    std::string_view v = it != labels.end() ? std::string_view(it->second) : std::string_view();
    if (v.empty() && m.name == "service") v = service;
    bool ok = false;
    switch (m.op) {
      case model::Matcher::Op::kEqual: ok = v == m.value; break;
      case model::Matcher::Op::kNotEqual: ok = v != m.value; break;
      case model::Matcher::Op::kRegex:
      case model::Matcher::Op::kNotRegex: {
        auto& re = regexes[m.value];
        if (!re) {
          if (regexes.size() > 10000) regexes.clear();
          re = std::make_unique<re2::RE2>(m.value, re2::RE2::Quiet);
        }
        const bool full = re->ok() && re2::RE2::FullMatch(v, *re);
        ok = m.op == model::Matcher::Op::kRegex ? full : !full;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

bool SameMatchers(const std::vector<model::Matcher>& a, const std::vector<model::Matcher>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.name == y.name && x.op == y.op && x.value == y.value;
  });
}

bool SameRules(const std::vector<config::InhibitRule>& a, const std::vector<config::InhibitRule>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.name == y.name && x.equal == y.equal && SameMatchers(x.source, y.source) &&
           SameMatchers(x.target, y.target);
  });
}

}  // namespace

Status AlertPipeline::StartInhibitions(const config::Config& cfg, const model::Alert& a) {
  for (size_t i = 0; i < cfg.inhibit_rules.size(); ++i) {
    const auto& rule = cfg.inhibit_rules[i];
    if (!MatchesAll(rule.source, a.labels, a.service)) continue;
    std::vector<model::Matcher> target = rule.target;
    for (const auto& name : rule.equal) {
      auto it = a.labels.find(name);
      std::string value = it != a.labels.end() ? it->second : (name == "service" ? a.service : std::string());
      target.push_back(model::Matcher{name, model::Matcher::Op::kEqual, std::move(value)});
    }
    FB_TRY(corr_.AddInhibition(a.id, static_cast<int>(i) + 1, target, rule.source));
  }
  return Ok();
}

Status AlertPipeline::EndInhibitions(Tx& tx, int64_t alert_id) {
  const size_t rules = tx.config().inhibit_rules.size();
  for (size_t r = 1; r <= rules; ++r) {
    const std::string id = correlate::Correlator::InhibitionId(alert_id, static_cast<int>(r));
    if (corr_.HasSilence(id)) FB_TRY(EndSilence(tx, id));
  }
  return Ok();
}

Status AlertPipeline::ResyncInhibitions(Tx& tx) {
  const auto& cfg = tx.config();
  store::AlertFilter open;
  open.status = "open";
  open.limit = 10'000'000;
  open.oldest_first = true;
  FB_ASSIGN_OR_RETURN(auto alerts, tx.store().alerts().List(open));
  const auto before = corr_.InhibitionIds();
  for (const auto& id : before) corr_.RemoveSilence(id);
  for (const auto& a : alerts) FB_TRY(StartInhibitions(cfg, a));
  // What no rule mutes any more is placed now.
  for (const auto& id : before)
    if (!corr_.HasSilence(id)) FB_TRY(EndSilence(tx, id));
  spdlog::info("alerts: inhibit rules changed: {} inhibitions in force", corr_.InhibitionIds().size());
  return Ok();
}

Status AlertPipeline::Resync(Tx& tx) {
  Guard(tx);
  SyncConfig(tx);
  return Ok();
}

void AlertPipeline::SyncConfig(Tx& tx) {
  if (tx.config_ptr().get() == synced_) return;
  const bool rules_changed = !SameRules(corr_.config().inhibit_rules, tx.config().inhibit_rules);
  corr_.SetConfig(tx.config_ptr());
  synced_ = tx.config_ptr().get();
  if (rules_changed) {
    if (auto st = ResyncInhibitions(tx); !st)
      spdlog::error("alerts: inhibitions not brought in line with the new rules: {}", st.error().ToString());
  }
}

}  // namespace firebreak::engine
