// firebreak alerts|silence|changes ...: client commands against a running server.
#include <cstdio>


#include "cli/cli.h"
#include "config/loader.h"
#include "core/clock.h"
#include "core/strings.h"
#include "core/time.h"
#include "oncall/time_intervals.h"

namespace firebreak::cli {

namespace {


std::string Str(const boost::json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end()) return "";
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_int64()) return std::to_string(it->value().get_int64());
  return "";
}

struct Opts {
  ClientOptions client;
  std::string status, service, incident, state, since, until, duration, starts, comment, id;
  std::vector<std::string> matchers;
  int limit = 50;
};

void PrintAlerts(const boost::json::array& alerts) {
  constexpr size_t kSummary = 7;  // the join reason goes under the summary
  Table t({"ID", "STATUS", "SEV", "INCIDENT", "SERVICE", "COUNT", "LAST SEEN", "SUMMARY / JOIN REASON"});
  for (const auto& v : alerts) {
    const auto& a = v.get_object();
    std::string status = Str(a, "status");
    if (a.contains("flapping") && a.at("flapping").is_bool() && a.at("flapping").get_bool()) status += "*";
    t.Add({Str(a, "id"), status, Str(a, "severity"), Str(a, "incident_id").empty() ? "-" : Str(a, "incident_id"),
           core::Truncate(Str(a, "service"), 12), Str(a, "count"), Str(a, "last_seen"),
           core::Truncate(Str(a, "summary"), 60)});
    t.AddUnder(kSummary, "-> " + Str(a, "join_reason"));
  }
  t.Print();
}

void AddSilenceRow(Table& t, const boost::json::object& s) {
  std::vector<std::string> ms;
  if (auto it = s.find("matchers"); it != s.end() && it->value().is_array())
    for (const auto& m : it->value().get_array()) {
      const auto& mo = m.get_object();
      ms.push_back(Str(mo, "name") + Str(mo, "op") + Str(mo, "value"));
    }
  t.Add({Str(s, "id"), Str(s, "state"), Str(s, "starts_at"), Str(s, "ends_at"), core::Truncate(core::Join(ms, ","), 30),
         Str(s, "comment")});
}

void AddHeartbeatRow(Table& t, const boost::json::object& h) {
  std::string when = Str(h, "state") == "up" ? "due " + Str(h, "due")
                     : Str(h, "state") == "missed" ? "since " + Str(h, "missed_at")
                                                   : "-";
  t.Add({Str(h, "id"), Str(h, "state"), core::Truncate(Str(h, "service"), 16), Str(h, "timeout"),
         Str(h, "last_ping").empty() ? "-" : Str(h, "last_ping"), Str(h, "last_via").empty() ? "-" : Str(h, "last_via"),
         when, Str(h, "incident_id").empty() ? "-" : Str(h, "incident_id")});
}

const std::vector<std::string> kHeartbeatColumns = {"ID",       "STATE", "SERVICE", "TIMEOUT", "LAST PING",
                                                    "LAST FROM", "WHEN",  "INCIDENT"};

// One maintenance window: NAME, NOW (muting until ... / -), SILENCE, NEXT, MATCHERS.
void AddMaintenanceRow(Table& t, const boost::json::object& m) {
  std::string now = "-";
  if (m.at("in_window").as_bool()) now = Str(m, "ends_at").empty() ? "muting" : "muting until " + Str(m, "ends_at");
  std::string next = Str(m, "next_start").empty() ? "-" : Str(m, "next_start") + " .. " + Str(m, "next_end");
  std::string matchers;
  for (const auto& x : m.at("matchers").as_array()) matchers += (matchers.empty() ? "" : ",") + std::string(x.as_string());
  t.Add({Str(m, "name"), now, Str(m, "silence_id").empty() ? "-" : Str(m, "silence_id"), next,
         core::Truncate(matchers, 60)});
}

}  // namespace

void AddAlertCommands(CLI::App& app, Runner& run) {
  // ---- alerts ----
  auto* alerts = app.add_subcommand("alerts", "Look at ingested alerts on a running server");
  alerts->require_subcommand(1);
  {
    auto o = std::make_shared<Opts>();
    auto* c = alerts->add_subcommand("list", "List alerts (newest first) with the incident they joined and why");
    AddClientOptions(c, o->client);
    c->add_option("--status", o->status, "firing|acknowledged|resolved|open");
    c->add_option("--service", o->service, "Only alerts of this service");
    c->add_option("--incident", o->incident, "Only alerts of this incident (oldest first)");
    c->add_option("--limit", o->limit, "Most alerts to show")->capture_default_str();
    c->callback([o, &run] {
      run = [o] {
        Result<boost::json::value> r;
        if (!o->incident.empty()) {
          r = CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->incident) + "/alerts");
        } else {
          std::string q = "?limit=" + std::to_string(o->limit);
          if (!o->status.empty()) q += "&status=" + Enc(o->status);
          if (!o->service.empty()) q += "&service=" + Enc(o->service);
          r = CallServer(o->client, "GET", "/api/v1/alerts" + q);
        }
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        PrintAlerts(r->get_object().at("alerts").get_array());
        return 0;
      };
    });
  }

  // ---- silences ----
  auto* sil = app.add_subcommand("silence", "Create, list and expire silences (maintenance windows)");
  sil->require_subcommand(1);
  {
    auto o = std::make_shared<Opts>();
    auto* c = sil->add_subcommand("create", "Silence matching alerts for a while (they are still recorded)");
    AddClientOptions(c, o->client);
    c->add_option("--match,-m", o->matchers, "Matcher name=value, name!=value, name=~regex, name!~regex (repeatable)")
        ->required();
    c->add_option("--duration", o->duration, "How long, e.g. 2h (default 1h)");
    c->add_option("--until", o->until, "End time (RFC 3339) instead of --duration");
    c->add_option("--starts", o->starts, "Start time (RFC 3339; default now): a maintenance window");
    c->add_option("--comment", o->comment, "Why (required)")->required();
    c->callback([o, &run] {
      run = [o] {
        boost::json::array ms;
        for (const auto& m : o->matchers) ms.emplace_back(m);
        boost::json::object body{{"matchers", ms}, {"comment", o->comment}};
        if (!o->until.empty()) body["ends_at"] = o->until;
        else body["duration"] = o->duration.empty() ? "1h" : o->duration;
        if (!o->starts.empty()) body["starts_at"] = o->starts;
        auto r = CallServer(o->client, "POST", "/api/v1/silences", body);
        if (!r) return PrintError(r.error());
        if (o->client.json) PrintJson(*r);
        else std::printf("%s\n", Str(r->get_object(), "id").c_str());
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = sil->add_subcommand("list", "List silences (active and pending by default)");
    AddClientOptions(c, o->client);
    c->add_option("--state", o->state, "active|pending|expired|all");
    c->callback([o, &run] {
      run = [o] {
        std::string q = o->state.empty() ? "" : "?state=" + Enc(o->state);
        auto r = CallServer(o->client, "GET", "/api/v1/silences" + q);
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        Table t({"ID", "STATE", "STARTS", "ENDS", "MATCHERS", "COMMENT"});
        for (const auto& s : r->get_object().at("silences").get_array()) AddSilenceRow(t, s.get_object());
        t.Print();
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = sil->add_subcommand("expire", "End a silence now");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Silence id, e.g. SIL-1")->required();
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "POST", "/api/v1/silences/" + Enc(o->id) + "/expire");
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        Table t({});  // one row, no header
        AddSilenceRow(t, r->get_object());
        t.Print();
        return 0;
      };
    });
  }
  // ---- heartbeats ----
  auto* hb = app.add_subcommand("heartbeats", "Heartbeats (dead man's switches): list them, or send a ping");
  hb->require_subcommand(1);
  {
    auto o = std::make_shared<Opts>();
    auto* c = hb->add_subcommand("list", "Every configured heartbeat: waiting, up (and when due) or missed");
    AddClientOptions(c, o->client);
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "GET", "/api/v1/heartbeats");
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        Table t(kHeartbeatColumns);
        for (const auto& h : r->get_object().at("heartbeats").get_array()) AddHeartbeatRow(t, h.get_object());
        t.Print();
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = hb->add_subcommand("ping", "Ping a heartbeat now (e.g. at the end of a cron job)");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Heartbeat id")->required();
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "POST", "/api/v1/heartbeats/" + Enc(o->id) + "/ping");
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        Table t(kHeartbeatColumns);
        AddHeartbeatRow(t, r->get_object());
        t.Print();
        return 0;
      };
    });
  }
  // ---- maintenance windows ----
  auto* mw = app.add_subcommand("maintenance", "Maintenance windows (recurring silences from the config)");
  mw->require_subcommand(1);
  {
    auto o = std::make_shared<Opts>();
    auto* c = mw->add_subcommand("list", "Every configured maintenance window: muting now (until when) and the next stretch");
    AddClientOptions(c, o->client);
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "GET", "/api/v1/maintenance");
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        const auto& windows = r->get_object().at("windows").get_array();
        if (windows.empty()) {
          std::printf("no maintenance windows configured (maintenance_windows in the config)\n");
          return 0;
        }
        Table t({"NAME", "NOW", "SILENCE", "NEXT", "MATCHERS"});
        for (const auto& m : windows) AddMaintenanceRow(t, m.get_object());
        t.Print();
        return 0;
      };
    });
  }
  {
    struct PreviewOpts {
      std::string config = "examples/config", from;
      int days = 14;
      bool json = false;
    };
    auto o = std::make_shared<PreviewOpts>();
    auto* c = mw->add_subcommand(
        "preview", "Offline: the stretches each maintenance window of a configuration directory will mute");
    c->add_option("--config", o->config, "Configuration directory")->capture_default_str();
    c->add_option("--from", o->from, "RFC 3339 start (default: now)");
    c->add_option("--days", o->days, "How many days")->capture_default_str()->check(CLI::Range(1, 366));
    c->add_flag("--json", o->json, "Print JSON");
    c->callback([o, &run] {
      run = [o] {
        auto loaded = config::LoadConfigDir(o->config);
        if (!loaded.config) {
          for (const auto& d : loaded.diagnostics.Sorted()) std::fprintf(stderr, "%s\n", d.ToString().c_str());
          return 1;
        }
        core::TimePoint from = core::RealClock().Now();
        if (!o->from.empty()) {
          auto t = core::ParseRfc3339(o->from);
          if (!t) return PrintError(Error{ErrorCode::kInvalidArgument, "--from: " + t.error().message, "from"});
          from = *t;
        }
        const auto to = from + std::chrono::hours(24) * o->days;
        const auto& cfg = *loaded.config;
        boost::json::array windows;
        Table t({"WINDOW", "START", "END", "LENGTH", "MATCHERS"});
        for (const auto& w : cfg.maintenance_windows) {
          auto cal = oncall::MuteCalendar::Named(w.mute_time_intervals, w.active_time_intervals,
                                                 [&cfg](const std::string& n) { return cfg.FindTimeInterval(n); });
          if (!cal) return PrintError(cal.error());
          std::string matchers;
          for (const auto& m : w.matchers) matchers += (matchers.empty() ? "" : ",") + model::ToString(m);
          boost::json::array stretches;
          for (const auto& [a, b] : cal->Stretches(from, to)) {
            stretches.push_back(boost::json::object{{"start", core::FormatRfc3339(a)}, {"end", core::FormatRfc3339(b)}});
            t.Add({w.name, core::FormatRfc3339(a), core::FormatRfc3339(b), core::FormatDuration(b - a),
                   core::Truncate(matchers, 50)});
          }
          windows.push_back(boost::json::object{{"name", w.name}, {"stretches", std::move(stretches)}});
        }
        if (o->json) {
          PrintJson(boost::json::object{{"from", core::FormatRfc3339(from)}, {"to", core::FormatRfc3339(to)},
                                        {"windows", std::move(windows)}});
          return 0;
        }
        if (cfg.maintenance_windows.empty()) std::printf("no maintenance windows in %s\n", o->config.c_str());
        else t.Print();
        return 0;
      };
    });
  }
  // Change events: `firebreak changes record|list` (cmd_analyze.cc).
}

}  // namespace firebreak::cli
