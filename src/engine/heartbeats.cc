// Heartbeats (dead man's switches): see config::Heartbeat and engine/alerts.h.
//
// State per heartbeat, in the store's meta table under "heartbeat/<id>" (JSON: last_ping, via,
// missed_at, incident), and one durable timer "heartbeat.miss" keyed by the id, armed at
// last ping + timeout. A missed heartbeat is an alert like any other (source "heartbeat", key
// "heartbeat/<id>"), so severity rules, grouping, silences and paging apply to it unchanged.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "engine/alerts.h"

namespace firebreak::engine {

namespace {

const std::string kMissTimer = "heartbeat.miss";

std::string MetaKey(std::string_view id) { return "heartbeat/" + std::string(id); }

struct State {
  std::optional<core::TimePoint> last_ping, missed_at;
  std::string via, incident;
};

std::optional<core::TimePoint> TimeField(const boost::json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_int64()) return std::nullopt;
  return core::FromUnixMillis(it->value().get_int64());
}

Result<State> ReadState(store::Tx& tx, std::string_view id) {
  State s;
  FB_ASSIGN_OR_RETURN(auto raw, tx.meta().Get(MetaKey(id)));
  if (!raw) return s;
  auto doc = core::ParseJson(*raw);
  if (!doc || !doc->is_object()) return s;  // unreadable: as if never pinged
  const auto& o = doc->get_object();
  s.last_ping = TimeField(o, "last_ping");
  s.missed_at = TimeField(o, "missed_at");
  if (auto it = o.find("via"); it != o.end() && it->value().is_string()) s.via = it->value().get_string();
  if (auto it = o.find("incident"); it != o.end() && it->value().is_string()) s.incident = it->value().get_string();
  return s;
}

Status WriteState(store::Tx& tx, std::string_view id, const State& s) {
  boost::json::object o;
  if (s.last_ping) o["last_ping"] = core::ToUnixMillis(*s.last_ping);
  if (s.missed_at) o["missed_at"] = core::ToUnixMillis(*s.missed_at);
  o["via"] = s.via;
  o["incident"] = s.incident;
  return tx.meta().Set(MetaKey(id), core::ToJson(o));
}

HeartbeatStatus StatusOf(const config::Heartbeat& hb, const State& s) {
  HeartbeatStatus h;
  h.id = hb.id;
  h.service = hb.service;
  h.timeout = hb.timeout;
  h.last_ping = s.last_ping;
  h.last_via = s.via;
  if (!s.last_ping) {
    h.state = "waiting";
  } else if (s.missed_at) {
    h.state = "missed";
    h.missed_at = s.missed_at;
    h.incident_id = s.incident;
  } else {
    h.state = "up";
    h.due = *s.last_ping + hb.timeout;
  }
  return h;
}

// Tells the stream (the console's Alerts page) that a heartbeat changed state.
void PublishState(Tx& tx, const HeartbeatStatus& h) {
  boost::json::object o{{"id", h.id}, {"service", h.service}, {"state", h.state}};
  tx.Publish(Change{"heartbeat", h.id, std::move(o)});
}

// The integration missed-heartbeat alerts come from: its own, so their keys cannot collide with
// any sender's.
model::Integration HeartbeatIntegration(const config::Heartbeat& hb) {
  model::Integration in;
  in.key = "heartbeat";
  in.name = "heartbeat";
  in.service = hb.service;
  in.type = "heartbeat";
  return in;
}

model::AlertEvent MissedEvent(const config::Heartbeat& hb, model::AlertEvent::Action action, core::TimePoint last) {
  model::AlertEvent e;
  e.action = action;
  e.dedup_key = "heartbeat/" + hb.id;
  e.service_hint = hb.service;
  e.summary = !hb.summary.empty() ? hb.summary
                                  : "Heartbeat '" + hb.id + "' missed: nothing heard since " +
                                        core::FormatRfc3339(last) + " (timeout " + core::FormatDuration(hb.timeout) +
                                        ")";
  model::LabelSet labels;
  for (const auto& [k, v] : hb.labels) labels[k] = v;
  labels["alertname"] = "HeartbeatMissed";
  labels["heartbeat"] = hb.id;
  labels["service"] = hb.service;
  e.labels = std::move(labels);
  e.annotations["description"] = "No ping of heartbeat '" + hb.id + "' since " + core::FormatRfc3339(last) +
                                 ": whatever sends it (a Prometheus Watchdog, a cron job) may be down.";
  e.starts_at = last + hb.timeout;
  return e;
}

}  // namespace

Result<std::vector<HeartbeatStatus>> HeartbeatStatuses(store::Tx& tx, const config::Config& cfg) {
  std::vector<HeartbeatStatus> out;
  for (const auto& hb : cfg.heartbeats) {
    FB_ASSIGN_OR_RETURN(auto s, ReadState(tx, hb.id));
    auto status = StatusOf(hb, s);
    // The incident may have been merged into another since: name the one that has the alert now.
    for (int hops = 0; hops < 8 && !status.incident_id.empty(); ++hops) {
      FB_ASSIGN_OR_RETURN(auto inc, tx.incidents().Get(status.incident_id));
      if (!inc || inc->merged_into.empty()) break;
      status.incident_id = inc->merged_into;
    }
    out.push_back(std::move(status));
  }
  return out;
}

std::vector<const config::Heartbeat*> AlertPipeline::PingedBy(const config::Config& cfg, const IngestRequest& req,
                                                              const model::AlertEvent& e) const {
  std::vector<const config::Heartbeat*> out;
  if (e.action != model::AlertEvent::Action::kTrigger) return out;
  for (const auto& hb : cfg.heartbeats) {
    if (hb.match_labels.empty()) continue;
    if (!hb.integration.empty() && hb.integration != req.integration.name) continue;
    bool all = std::all_of(hb.match_labels.begin(), hb.match_labels.end(), [&](const auto& kv) {
      auto it = e.labels.find(kv.first);
      return it != e.labels.end() && it->second == kv.second;
    });
    if (all) out.push_back(&hb);
  }
  return out;
}

Result<HeartbeatStatus> AlertPipeline::PingHeartbeat(Tx& tx, const std::string& id, const std::string& via,
                                                     const std::optional<std::string>& integration) {
  const auto* hb = tx.config().FindHeartbeat(id);
  if (!hb) return NotFound("heartbeat '" + core::Truncate(id, 64) + "' is not configured", "id");
  if (integration && !hb->integration.empty() && *integration != hb->integration)
    return PermissionDenied("heartbeat '" + id + "' is pinged by integration '" + hb->integration + "', not '" +
                            *integration + "'");
  FB_ASSIGN_OR_RETURN(auto s, ReadState(tx.store(), id));
  const auto now = tx.now();
  const bool was_missed = s.missed_at.has_value();
  const bool was_waiting = !s.last_ping.has_value();
  const auto last = s.last_ping.value_or(now);
  s.last_ping = now;
  s.via = via;
  s.missed_at.reset();
  s.incident.clear();
  FB_TRY(WriteState(tx.store(), id, s));
  FB_TRY(tx.ArmTimer(kMissTimer, id, now + hb->timeout));
  if (was_missed) {
    IngestRequest req;
    req.integration = HeartbeatIntegration(*hb);
    req.source = "heartbeat";
    req.events.push_back(MissedEvent(*hb, model::AlertEvent::Action::kResolve, last));
    FB_TRY(Ingest(tx, req));
  }
  tx.OnCommit([this] { ++counters_.heartbeat_pings; });
  auto status = StatusOf(*hb, s);
  if (was_missed || was_waiting) PublishState(tx, status);  // a change of state, not every ping
  return status;
}

Status AlertPipeline::OnHeartbeatTimer(Tx& tx, const store::TimerRecord& t) {
  const auto* hb = tx.config().FindHeartbeat(t.key);
  if (!hb) return Ok();  // removed from the config since it was armed
  FB_ASSIGN_OR_RETURN(auto s, ReadState(tx.store(), t.key));
  if (!s.last_ping || s.missed_at) return Ok();
  const auto now = tx.now();
  // The timeout may have grown by a config reload since the timer was armed.
  if (*s.last_ping + hb->timeout > now) {
    FB_TRY(tx.ArmTimer(kMissTimer, t.key, *s.last_ping + hb->timeout));
    return Ok();
  }
  IngestRequest req;
  req.integration = HeartbeatIntegration(*hb);
  req.source = "heartbeat";
  req.events.push_back(MissedEvent(*hb, model::AlertEvent::Action::kTrigger, *s.last_ping));
  FB_ASSIGN_OR_RETURN(auto res, Ingest(tx, req));
  s.missed_at = now;
  if (!res.outcomes.empty()) s.incident = res.outcomes.front().incident_id;
  FB_TRY(WriteState(tx.store(), t.key, s));
  PublishState(tx, StatusOf(*hb, s));
  spdlog::warn("heartbeat {} missed: last ping {}", hb->id, core::FormatRfc3339(*s.last_ping));
  tx.OnCommit([this] { ++counters_.heartbeats_missed; });
  return Ok();
}

}  // namespace firebreak::engine
