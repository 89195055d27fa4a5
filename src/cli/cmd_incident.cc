// firebreak incident ...: client commands against a running server.
#include <cstdio>


#include "cli/cli.h"
#include "core/strings.h"

namespace firebreak::cli {

namespace {


std::string Str(const boost::json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

std::string Joined(const boost::json::object& o, std::string_view k) {
  std::vector<std::string> parts;
  if (auto it = o.find(k); it != o.end() && it->value().is_array())
    for (const auto& v : it->value().get_array())
      if (v.is_string()) parts.emplace_back(v.get_string());
  return core::Join(parts, ",");
}

void AddIncidentRow(Table& t, const boost::json::object& i) {
  t.Add({Str(i, "id"), Str(i, "severity"), Str(i, "state"), Str(i, "created_at"), core::Truncate(Joined(i, "services"), 22),
         Str(i, "title")});
}

void PrintIncident(const boost::json::object& i) {
  std::printf("%s  %s  %s (%s, %s)\n", Str(i, "id").c_str(), Str(i, "title").c_str(), Str(i, "severity").c_str(),
              Str(i, "priority").c_str(), Str(i, "defense_level").c_str());
  std::printf("  state:        %s\n", Str(i, "state").c_str());
  std::printf("  services:     %s\n", Joined(i, "services").c_str());
  std::printf("  blast radius: %s\n", Joined(i, "blast_radius").c_str());
  if (!Str(i, "impact").empty()) std::printf("  impact:       %s\n", Str(i, "impact").c_str());
  if (auto it = i.find("roles"); it != i.end() && it->value().is_object())
    for (const auto& kv : it->value().get_object())
      std::printf("  %-13s %s\n", (std::string(kv.key()) + ":").c_str(),
                  kv.value().is_string() ? std::string(kv.value().get_string()).c_str() : "");
  std::printf("  created:      %s by %s\n", Str(i, "created_at").c_str(), Str(i, "created_by").c_str());
  // acknowledged_at is the first acknowledgement; once unacknowledged or reopened nobody holds it.
  if (!Str(i, "acknowledged_at").empty())
    std::printf("  %s %s by %s%s\n", Str(i, "state") == "triggered" ? "first ack'd: " : "acknowledged:",
                Str(i, "acknowledged_at").c_str(), Str(i, "acknowledged_by").c_str(),
                Str(i, "state") == "triggered" ? " (triggered again since: nobody holds it now)" : "");
  if (!Str(i, "resolved_at").empty())
    std::printf("  resolved:     %s by %s\n", Str(i, "resolved_at").c_str(), Str(i, "resolved_by").c_str());
  if (!Str(i, "merged_into").empty()) std::printf("  merged into:  %s\n", Str(i, "merged_into").c_str());
}

void PrintResponders(const boost::json::object& v) {
  const auto& items = v.at("responders").as_array();
  if (items.empty()) {
    std::printf("Nobody was asked to respond to %s.\n", Str(v, "incident_id").c_str());
    return;
  }
  Table t({"PERSON", "RESPONSE", "ASKED", "BY", "ANSWERED", "MESSAGE / NOTE"});
  for (const auto& x : items) {
    const auto& r = x.get_object();
    std::string text = Str(r, "message");
    if (!Str(r, "note").empty()) text += " / " + Str(r, "note");
    t.Add({Str(r, "person"), Str(r, "response"), Str(r, "requested_at"), Str(r, "requested_by"), Str(r, "responded_at"),
           core::Truncate(text, 60)});
  }
  t.Print();
}

void PrintTimeline(const boost::json::value& v) {
  // Columns as wide as their widest entry (kinds such as notification_failed, long actors).
  Table t({});
  for (const auto& e : v.get_object().at("entries").get_array()) {
    const auto& o = e.get_object();
    t.Add({Str(o, "time"), Str(o, "kind"), Str(o, "actor"), Str(o, "text")});
  }
  t.Print();
}

struct Opts {
  ClientOptions client;
  std::string id, title, severity, impact, note, text, role, person, reason, state, service;
  std::vector<std::string> services;
  std::vector<std::string> people, schedules, teams;
  int limit = 50;
  bool accept = false, decline = false;
};

int Report(const Result<boost::json::value>& r, const Opts& o, void (*print)(const boost::json::object&)) {
  if (!r) return PrintError(r.error());
  if (o.client.json) PrintJson(*r);
  else print(r->get_object());
  return 0;
}

}  // namespace

void AddIncidentCommands(CLI::App& app, Runner& run) {
  auto* inc = app.add_subcommand("incident", "Work with incidents on a running server");
  inc->require_subcommand(1);

  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("list", "List incidents (newest first)");
    AddClientOptions(c, o->client);
    c->add_option("--state", o->state, "triggered|acknowledged|mitigated|resolved|closed|open");
    c->add_option("--service", o->service, "Only incidents affecting this service");
    c->add_option("--severity", o->severity, "SEV0..SEV4");
    c->add_option("--limit", o->limit, "Most incidents to show")->capture_default_str();
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?limit=" + std::to_string(o->limit);
        if (!o->state.empty()) q += "&state=" + Enc(o->state);
        if (!o->service.empty()) q += "&service=" + Enc(o->service);
        if (!o->severity.empty()) q += "&severity=" + Enc(o->severity);
        auto r = CallServer(o->client, "GET", "/api/v1/incidents" + q);
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        Table t({"ID", "SEV", "STATE", "CREATED", "SERVICES", "TITLE"});
        for (const auto& i : r->get_object().at("incidents").get_array()) AddIncidentRow(t, i.get_object());
        t.Print();
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("show", "Show an incident and its timeline");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id, e.g. INC-1")->required();
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->id));
        if (!r) return PrintError(r.error());
        auto t = CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->id) + "/timeline");
        if (!t) return PrintError(t.error());
        if (o->client.json) {
          boost::json::object out = r->get_object();
          out["timeline"] = t->get_object().at("entries");
          PrintJson(out);
          return 0;
        }
        PrintIncident(r->get_object());
        std::printf("\nTimeline:\n");
        PrintTimeline(*t);
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("declare", "Declare an incident");
    AddClientOptions(c, o->client);
    c->add_option("--title", o->title, "What is wrong")->required();
    c->add_option("--severity", o->severity, "SEV0..SEV4")->default_val("SEV3");
    c->add_option("--service", o->services, "Affected service (repeatable)");
    c->add_option("--impact", o->impact, "Customer impact");
    c->callback([o, &run] {
      run = [o] {
        boost::json::array svcs;
        for (const auto& s : o->services) svcs.emplace_back(s);
        boost::json::object body{{"title", o->title}, {"severity", o->severity}, {"services", svcs}};
        if (!o->impact.empty()) body["impact"] = o->impact;
        return Report(CallServer(o->client, "POST", "/api/v1/incidents", body), *o, PrintIncident);
      };
    });
  }
  for (auto [name, path, help] : {std::tuple{"ack", "acknowledge", "Acknowledge an incident (stops paging)"},
                                  std::tuple{"mitigate", "mitigate", "Mark an incident mitigated"},
                                  std::tuple{"resolve", "resolve", "Resolve an incident"},
                                  std::tuple{"reopen", "reopen", "Reopen a resolved incident"},
                                  std::tuple{"unack", "unacknowledge",
                                             "Unacknowledge an incident (back to triggered: escalation starts over)"},
                                  std::tuple{"close", "close",
                                             "Close a resolved incident (needs its published report and an action item)"}}) {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand(name, help);
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("--note", o->note, "A note recorded with the change");
    std::string p = path;
    c->callback([o, p, &run] {
      run = [o, p] {
        boost::json::value body = nullptr;
        if (!o->note.empty()) body = boost::json::object{{"note", o->note}};
        return Report(CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/" + p, body), *o,
                      PrintIncident);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("add-responders", "Page people, schedules (whoever is on call) or teams for an "
                                                    "incident now, outside its escalation tiers");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("--person", o->people, "A person to page (repeatable)");
    c->add_option("--schedule", o->schedules, "A schedule whose on-call person to page (repeatable)");
    c->add_option("--team", o->teams, "A team whose lead and members to page (repeatable)");
    c->add_option("--message", o->text, "What help is needed")->required();
    c->callback([o, &run] {
      run = [o] {
        boost::json::array targets;
        for (const auto& x : o->people) targets.push_back(boost::json::object{{"person", x}});
        for (const auto& x : o->schedules) targets.push_back(boost::json::object{{"schedule", x}});
        for (const auto& x : o->teams) targets.push_back(boost::json::object{{"team", x}});
        boost::json::object body{{"targets", targets}, {"message", o->text}};
        return Report(CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/responders", body), *o,
                      PrintIncident);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("responders", "Who was asked to respond to an incident, and their answers");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->callback([o, &run] {
      run = [o] {
        return Report(CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->id) + "/responders"), *o,
                      PrintResponders);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    o->person = "me";
    auto* c = inc->add_subcommand("respond", "Answer a request to respond to an incident: accept (you are joining) "
                                             "or decline");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    auto* acc = c->add_flag("--accept", o->accept, "Accept: you are joining the response");
    auto* dec = c->add_flag("--decline", o->decline, "Decline (say why with --note)");
    acc->excludes(dec);
    c->add_option("--note", o->note, "Why, or what you will do (recorded on the timeline)");
    c->add_option("--person", o->person, "Whose answer (default: me, the token's person; others need admin)");
    c->callback([o, &run] {
      run = [o] {
        if (!o->accept && !o->decline) return PrintError(Error{ErrorCode::kInvalidArgument, "say --accept or --decline", "response"});
        boost::json::object body{{"response", o->accept ? "accept" : "decline"}};
        if (!o->note.empty()) body["note"] = o->note;
        return Report(CallServer(o->client, "POST",
                                 "/api/v1/incidents/" + Enc(o->id) + "/responders/" + Enc(o->person), body),
                      *o, PrintIncident);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("snooze", "Snooze an acknowledged incident: it pages again after DURATION "
                                            "unless mitigated or resolved");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("duration", o->text, "How long, e.g. 30m, 2h (1m..7d)")->required();
    c->add_option("--note", o->note, "Why (recorded on the timeline)");
    c->callback([o, &run] {
      run = [o] {
        boost::json::object body{{"duration", o->text}};
        if (!o->note.empty()) body["note"] = o->note;
        return Report(CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/snooze", body), *o,
                      PrintIncident);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("merge", "Merge incidents into another: their alerts, services, flags and "
                                           "severity move there, and they are resolved");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "The incident to merge into, e.g. INC-3")->required();
    c->add_option("incidents", o->services, "The incidents to merge into it")->required();
    c->add_option("--note", o->note, "Why (recorded on both timelines)");
    c->callback([o, &run] {
      run = [o] {
        boost::json::array ids;
        for (const auto& s : o->services) ids.emplace_back(s);
        boost::json::object body{{"incidents", ids}};
        if (!o->note.empty()) body["note"] = o->note;
        return Report(CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/merge", body), *o,
                      PrintIncident);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("note", "Add a note to an incident's timeline");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("text", o->text, "The note")->required();
    c->callback([o, &run] {
      run = [o] {
        return Report(CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/notes",
                                 boost::json::object{{"text", o->text}}),
                      *o, PrintIncident);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("severity", "Change an incident's severity");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("severity", o->severity, "SEV0..SEV4")->required();
    c->add_option("--reason", o->reason, "Why (required when lowering)");
    c->callback([o, &run] {
      run = [o] {
        boost::json::object body{{"severity", o->severity}};
        if (!o->reason.empty()) body["reason"] = o->reason;
        return Report(CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/severity", body), *o,
                      PrintIncident);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("role", "Assign a war-room role");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("role", o->role, "incident_commander|tech_lead|communications_lead|scribe")->required();
    c->add_option("person", o->person, "Person id (empty to clear)")->required();
    c->callback([o, &run] {
      run = [o] {
        return Report(CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/roles",
                                 boost::json::object{{"role", o->role}, {"person", o->person}}),
                      *o, PrintIncident);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("timeline", "Print an incident's timeline");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->callback([o, &run] {
      run = [o] {
        auto t = CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->id) + "/timeline");
        if (!t) return PrintError(t.error());
        if (o->client.json) PrintJson(*t);
        else PrintTimeline(*t);
        return 0;
      };
    });
  }
}

}  // namespace firebreak::cli
