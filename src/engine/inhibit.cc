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

#include <set>

#include "core/time.h"
#include "correlate/correlator.h"
#include "engine/alerts.h"
#include "engine/incidents.h"
#include "engine/pipeline_text.h"

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

// The target matchers of `rule` for source alert `a`: the rule's, and its `equal` labels' values.
std::vector<model::Matcher> TargetOf(const config::InhibitRule& rule, const model::Alert& a) {
  std::vector<model::Matcher> target = rule.target;
  for (const auto& name : rule.equal) {
    auto it = a.labels.find(name);
    std::string value = it != a.labels.end() ? it->second : (name == "service" ? a.service : std::string());
    target.push_back(model::Matcher{name, model::Matcher::Op::kEqual, std::move(value)});
  }
  return target;
}

}  // namespace

Status AlertPipeline::StartInhibitions(const config::Config& cfg, const model::Alert& a) {
  for (size_t i = 0; i < cfg.inhibit_rules.size(); ++i) {
    const auto& rule = cfg.inhibit_rules[i];
    if (!MatchesAll(rule.source, a.labels, a.service)) continue;
    FB_TRY(corr_.AddInhibition(a.id, static_cast<int>(i) + 1, TargetOf(rule, a), rule.source));
  }
  return Ok();
}

Status AlertPipeline::InhibitRecent(Tx& tx, const model::Alert& source) {
  const auto& cfg = tx.config();
  const auto grace = cfg.settings.inhibit_grace;
  if (grace.count() <= 0) return Ok();
  const auto now = tx.now();
  std::vector<model::Alert> recent;
  bool listed = false;
  std::set<int64_t> done;
  const auto& who = Correlate();
  for (size_t i = 0; i < cfg.inhibit_rules.size(); ++i) {
    const auto& rule = cfg.inhibit_rules[i];
    if (!MatchesAll(rule.source, source.labels, source.service)) continue;
    if (!listed) {
      store::AlertFilter f;  // newest first: the recent ones come first
      f.status = "open";
      f.limit = 1000;
      FB_ASSIGN_OR_RETURN(recent, tx.store().alerts().List(f));
      listed = true;
    }
    const auto target = TargetOf(rule, source);
    const std::string id = correlate::Correlator::InhibitionId(source.id, static_cast<int>(i) + 1);
    for (const auto& t : recent) {
      if (t.id == source.id || done.count(t.id) || now - t.first_seen > grace) continue;
      if (t.incident_id.empty() || !t.silence_id.empty()) continue;  // not placed, or muted already
      if (!MatchesAll(target, t.labels, t.service) || MatchesAll(rule.source, t.labels, t.service)) continue;
      done.insert(t.id);
      const std::string reason = "inhibited by alert " + std::to_string(source.id) + " (" + id + ", rule '" +
                                 rule.name + "'), which came " + core::FormatDuration(now - t.first_seen) + " after it";
      FB_TRY(tx.store().alerts().Attach(t.id, "", model::JoinKind::kSilenced, reason, id));
      corr_.InhibitPlaced(t.key, id);
      FB_TRY(tx.Timeline(t.incident_id, who.actor, "alert_inhibited",
                         "Alert " + Quote(t.summary) + " (" + t.service + ") " + reason + ": it no longer counts here",
                         {{"alert_id", t.id}, {"source_alert", source.id}, {"inhibition", id}, {"rule", rule.name}}));
      FB_ASSIGN_OR_RETURN(auto inc, SetAlertCounts(tx, t.incident_id, -1, corr_.OpenAlerts(t.incident_id)));
      FB_ASSIGN_OR_RETURN(auto summary, tx.store().alerts().Summary(t.incident_id));
      if (!model::IsOpen(inc.state)) continue;
      if (summary.total == 0) {
        // Nothing of it is left: it was only ever the symptoms the source explains.
        FB_TRY(ApplyTransition(tx, who, t.incident_id, model::Transition::kResolve,
                               "every alert of it was inhibited by alert " + std::to_string(source.id) + " (" +
                                   Quote(source.summary) + ", rule '" + rule.name + "')"));
      } else if (summary.open == 0) {
        FB_TRY(AutoResolve(tx, t.incident_id, "its firing alerts were inhibited by alert " + std::to_string(source.id)));
      }
    }
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
  if (tx.config_ptr().get() != synced_) {
    const bool rules_changed = !SameRules(corr_.config().inhibit_rules, tx.config().inhibit_rules);
    corr_.SetConfig(tx.config_ptr());
    synced_ = tx.config_ptr().get();
    if (rules_changed) {
      if (auto st = ResyncInhibitions(tx); !st)
        spdlog::error("alerts: inhibitions not brought in line with the new rules: {}", st.error().ToString());
    }
  }
  // Maintenance windows are checked against the store once per configuration (also the first one
  // after a start); undone with the command if it rolls back.
  if (tx.config_ptr().get() != maintenance_synced_) {
    maintenance_synced_ = tx.config_ptr().get();
    tx.OnRollback([this] { maintenance_synced_ = nullptr; });
    if (auto st = SyncMaintenance(tx); !st)
      spdlog::error("alerts: maintenance windows not brought in line with the configuration: {}", st.error().ToString());
  }
}

}  // namespace firebreak::engine
