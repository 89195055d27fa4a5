// Maintenance windows (config::MaintenanceWindow): recurring silences.
//
// Each window's muting stretches are computed from its time intervals (oncall::MuteCalendar). For a
// stretch that has begun, the pipeline starts an ordinary silence (SIL-n, created by
// system:maintenance, ending at the stretch's end), so everything that knows silences — the
// correlator, the silence list and Alertmanager's silence API, the console, the audit log — knows
// maintenance too, and when the silence ends still-firing alerts are placed as after any silence.
// A durable timer "maintenance.window" keyed by the window's name fires at its next change.
//
// State, in the store's meta table under "maintenance/windows" (JSON: name -> {fp, silence}): the
// fingerprint of each window's definition as last applied, and the silence its current stretch
// started. After a config change, a window whose definition changed (or that was removed) ends the
// silence it started and starts over; an unchanged one is left alone, so a reload does not undo
// an operator's early expiry of this stretch's silence.
#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "engine/alerts.h"
#include "oncall/time_intervals.h"

namespace firebreak::engine {

namespace {

const std::string kWindowTimer = "maintenance.window";
constexpr std::string_view kStateKey = "maintenance/windows";
// How far ahead a window's next change is looked for; a stretch longer than this is cut into
// silences of this length.
constexpr core::Millis kHorizon = std::chrono::hours(24 * 366);

struct WindowState {
  std::string fp;
  std::string silence;
};
using States = std::map<std::string, WindowState>;

Result<States> ReadStates(store::Tx& tx) {
  States out;
  FB_ASSIGN_OR_RETURN(auto raw, tx.meta().Get(kStateKey));
  if (!raw) return out;
  auto doc = core::ParseJson(*raw);
  if (!doc || !doc->is_object()) return out;  // unreadable: every window starts over
  for (const auto& [name, v] : doc->get_object()) {
    if (!v.is_object()) continue;
    WindowState s;
    if (auto* fp = v.get_object().if_contains("fp"); fp && fp->is_string()) s.fp = fp->get_string();
    if (auto* id = v.get_object().if_contains("silence"); id && id->is_string()) s.silence = id->get_string();
    out.emplace(std::string(name), std::move(s));
  }
  return out;
}

Status WriteStates(store::Tx& tx, const States& states) {
  boost::json::object o;
  for (const auto& [name, s] : states) o[name] = boost::json::object{{"fp", s.fp}, {"silence", s.silence}};
  return tx.meta().Set(kStateKey, core::ToJson(o));
}

std::string RangesText(const std::vector<model::DayRange>& rs) {
  std::string out;
  for (const auto& r : rs) out += std::to_string(r.first) + ":" + std::to_string(r.last) + ",";
  return out;
}

// Everything that decides what a window does, as text, hashed.
std::string Fingerprint(const config::Config& cfg, const config::MaintenanceWindow& w) {
  std::string text = "comment=" + w.comment + "\n";
  for (const auto& m : w.matchers) text += "matcher=" + model::ToString(m) + "\n";
  for (const auto* names : {&w.mute_time_intervals, &w.active_time_intervals}) {
    text += names == &w.mute_time_intervals ? "mute\n" : "active\n";
    for (const auto& name : *names) {
      text += "interval=" + name + "\n";
      const auto* iv = cfg.FindTimeInterval(name);
      if (!iv) continue;
      for (const auto& s : iv->specs) {
        text += " times=";
        for (const auto& t : s.times) text += std::to_string(t.start) + "-" + std::to_string(t.end) + ",";
        text += " weekdays=" + RangesText(s.weekdays) + " days=" + RangesText(s.days_of_month) +
                " months=" + RangesText(s.months) + " years=" + RangesText(s.years) + " location=" + s.location + "\n";
      }
    }
  }
  return core::Sha256Hex(text);
}

Result<oncall::MuteCalendar> CalendarOf(const config::Config& cfg, const config::MaintenanceWindow& w) {
  return oncall::MuteCalendar::Named(w.mute_time_intervals, w.active_time_intervals,
                                     [&cfg](const std::string& n) { return cfg.FindTimeInterval(n); });
}

const model::Actor& Maintenance() {
  static const model::Actor a = model::Actor::System("maintenance");
  return a;
}

// The live silence `id` (not expired, not yet over at `now`), if it is one.
Result<std::optional<model::Silence>> Live(store::Tx& tx, const std::string& id, core::TimePoint now) {
  if (id.empty()) return std::optional<model::Silence>();
  FB_ASSIGN_OR_RETURN(auto s, tx.silences().Get(id));
  if (!s || s->expired_at || s->ends_at <= now) return std::optional<model::Silence>();
  return s;
}

}  // namespace

Result<std::vector<MaintenanceStatus>> MaintenanceStatuses(store::Tx& tx, const config::Config& cfg,
                                                           core::TimePoint now) {
  std::vector<MaintenanceStatus> out;
  FB_ASSIGN_OR_RETURN(auto states, ReadStates(tx));
  for (const auto& w : cfg.maintenance_windows) {
    MaintenanceStatus st;
    st.name = w.name;
    for (const auto& m : w.matchers) st.matchers.push_back(model::ToString(m));
    st.mute_time_intervals = w.mute_time_intervals;
    st.active_time_intervals = w.active_time_intervals;
    st.comment = w.comment;
    FB_ASSIGN_OR_RETURN(auto cal, CalendarOf(cfg, w));
    st.in_window = cal.MutedAt(now);
    auto next = cal.NextChange(now, kHorizon);
    if (st.in_window) {
      st.ends_at = next;
      if (next) {
        st.next_start = cal.NextChange(*next, kHorizon);
        if (st.next_start) st.next_end = cal.NextChange(*st.next_start, kHorizon);
      }
      if (auto it = states.find(w.name); it != states.end()) {
        FB_ASSIGN_OR_RETURN(auto live, Live(tx, it->second.silence, now));
        if (live) st.silence_id = live->id;
      }
    } else if (next) {
      st.next_start = next;
      st.next_end = cal.NextChange(*next, kHorizon);
    }
    out.push_back(std::move(st));
  }
  return out;
}

// Brings window `w` up to date at tx.now(): starts the silence of a stretch that has begun (unless
// the one it started is still live) and arms the timer at the next change.
Status AlertPipeline::ApplyWindow(Tx& tx, const config::MaintenanceWindow& w, std::string& silence_id) {
  const auto now = tx.now();
  FB_ASSIGN_OR_RETURN(auto cal, CalendarOf(tx.config(), w));
  const auto next = cal.NextChange(now, kHorizon);
  const auto until = next.value_or(now + kHorizon);
  if (cal.MutedAt(now)) {
    FB_ASSIGN_OR_RETURN(auto live, Live(tx.store(), silence_id, now));
    if (!live) {
      model::Silence s;
      s.matchers = w.matchers;
      s.starts_at = now;
      s.ends_at = until;
      s.comment = "Maintenance window '" + w.name + "'" + (w.comment.empty() ? "" : ": " + w.comment);
      FB_TRY(StartSilence(tx, Maintenance(), s));
      silence_id = s.id;
      spdlog::info("maintenance window {}: silence {} until {}", w.name, s.id, core::FormatRfc3339(until));
    }
  }
  FB_TRY(tx.ArmTimer(kWindowTimer, w.name, until));
  return Ok();
}

Status AlertPipeline::SyncMaintenance(Tx& tx) {
  const auto& cfg = tx.config();
  FB_ASSIGN_OR_RETURN(auto states, ReadStates(tx.store()));
  bool dirty = false;
  for (auto it = states.begin(); it != states.end();) {
    const auto* w = cfg.FindMaintenanceWindow(it->first);
    if (w && Fingerprint(cfg, *w) == it->second.fp) {
      ++it;
      continue;
    }
    FB_ASSIGN_OR_RETURN(auto live, Live(tx.store(), it->second.silence, tx.now()));
    if (live)
      FB_TRY(StopSilence(tx, Maintenance(), *live,
                         w ? "maintenance window '" + it->first + "' changed by a configuration reload"
                           : "maintenance window '" + it->first + "' removed from the configuration"));
    if (!w) FB_TRY(tx.CancelTimer(kWindowTimer, it->first));
    it = states.erase(it);
    dirty = true;
  }
  for (const auto& w : cfg.maintenance_windows) {
    if (states.count(w.name)) continue;
    WindowState s{Fingerprint(cfg, w), ""};
    FB_TRY(ApplyWindow(tx, w, s.silence));
    states.emplace(w.name, std::move(s));
    dirty = true;
  }
  if (dirty) FB_TRY(WriteStates(tx.store(), states));
  return Ok();
}

Status AlertPipeline::OnMaintenanceTimer(Tx& tx, const store::TimerRecord& t) {
  Guard(tx);
  SyncConfig(tx);
  const auto* w = tx.config().FindMaintenanceWindow(t.key);
  if (!w) return Ok();  // removed from the config since it was armed
  FB_ASSIGN_OR_RETURN(auto states, ReadStates(tx.store()));
  auto& s = states[w->name];
  if (s.fp.empty()) s.fp = Fingerprint(tx.config(), *w);
  FB_TRY(ApplyWindow(tx, *w, s.silence));
  return WriteStates(tx.store(), states);
}

}  // namespace firebreak::engine
