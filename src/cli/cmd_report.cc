// firebreak report / status / metrics mttx / status-update / incident similar / response-plan /
// action-item / postmortem: reports computed by a running server from the incident record (app/report.h).
#include <cstdio>
#include <fstream>
#include <sstream>


#include "cli/cli.h"
#include "core/json.h"
#include "core/strings.h"

namespace firebreak::cli {

namespace {

namespace json = boost::json;


std::string Str(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end()) return "";
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_int64()) return std::to_string(it->value().get_int64());
  if (it->value().is_bool()) return it->value().get_bool() ? "yes" : "no";
  return "";
}

// "1h 2m" style text for seconds (or "-" when missing).
std::string Secs(const json::value& v) {
  if (!v.is_number()) return "-";
  double s = v.to_number<double>();
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%.1fm", s / 60);
  else if (s < 86400) std::snprintf(buf, sizeof buf, "%.1fh", s / 3600);
  else std::snprintf(buf, sizeof buf, "%.1fd", s / 86400);
  return buf;
}

int WriteOut(const std::string& body, const std::string& path) {
  if (path.empty() || path == "-") {
    std::fwrite(body.data(), 1, body.size(), stdout);
    return 0;
  }
  std::ofstream out(path, std::ios::binary);
  out << body;
  if (!out) return PrintError(Error{ErrorCode::kInternal, "cannot write " + path, "output"});
  return 0;
}

struct Opts {
  ClientOptions client;
  std::string id, format = "md", output, by = "service", since = "30d", audience = "internal";
  std::string title, owner, priority, status, kind, due, notes, incident;
  std::string root_cause, summary, impact, first_anomaly, file;
  bool post = false, overdue = false, open = false;
};

int MttxTable(const json::object& doc) {
  std::printf("MTTx by %s over %d incident(s)%s\n", Str(doc, "by").c_str(),
              static_cast<int>(doc.at("incidents").as_int64()),
              doc.at("from").is_string() ? (" detected since " + Str(doc, "from")).c_str() : "");
  std::printf("%-20s %5s %9s %9s %9s %9s %9s %9s\n", "KEY", "N", "MTTD", "MTTA", "MTTI", "MTTR", "ACK-SLA!", "RES-SLA!");
  auto row = [](const json::object& g) {
    auto mean = [&](const char* m) { return Secs(g.at(m).as_object().at("mean_seconds")); };
    std::printf("%-20s %5lld %9s %9s %9s %9s %9lld %9lld\n", core::Truncate(Str(g, "key"), 20).c_str(),
                static_cast<long long>(g.at("incidents").as_int64()), mean("mttd").c_str(), mean("mtta").c_str(),
                mean("mtti").c_str(), mean("mttr").c_str(), static_cast<long long>(g.at("ack_sla_breaches").as_int64()),
                static_cast<long long>(g.at("resolve_sla_breaches").as_int64()));
  };
  for (const auto& g : doc.at("groups").as_array()) row(g.as_object());
  if (doc.at("total").is_object()) {
    auto t = doc.at("total").as_object();
    t["key"] = "(all)";
    row(t);
  }
  std::printf("Means; MTTD = detected - first anomaly, MTTA = acknowledged - detected, MTTI = root cause - "
              "acknowledged, MTTR = resolved - detected. SLA columns count breaches.\n");
  return 0;
}

int StatusText(const json::object& s) {
  std::printf("Defense level: %s (%s)\n", Str(s, "defense_level").c_str(), Str(s, "defense_reason").c_str());
  // The resilience view's components, each with its own level ("not_evaluated" without data).
  const auto& r = s.at("resilience").as_object();
  if (const auto* comps = r.if_contains("components"); comps && comps->is_object()) {
    std::string line;
    for (const auto& kv : comps->as_object()) {
      const auto* l = kv.value().is_object() ? kv.value().as_object().if_contains("level") : nullptr;
      line += (line.empty() ? "" : ", ") + std::string(kv.key()) + " " +
              (l && l->is_string() ? std::string(l->as_string()) : std::string("not evaluated"));
    }
    std::printf("Components:    %s\n", line.c_str());
  }
  std::printf("Open incidents: %lld  (", static_cast<long long>(s.at("open_incidents").as_int64()));
  bool first = true;
  for (const auto& kv : s.at("open_by_severity").as_object()) {
    std::printf("%s%s %lld", first ? "" : ", ", std::string(kv.key()).c_str(), static_cast<long long>(kv.value().as_int64()));
    first = false;
  }
  std::printf(")\n");
  const auto& cov = s.at("coverage").as_object();
  std::printf("Coverage:      %lld of %lld services have an escalation policy\n",
              static_cast<long long>(cov.at("with_escalation_policy").as_int64()), static_cast<long long>(cov.at("services").as_int64()));
  const auto& pd = s.at("pending_decisions").as_object();
  std::printf("Pending:       %lld unacknowledged incident(s), %lld overdue action item(s), %lld approval(s) waiting\n",
              static_cast<long long>(pd.at("unacknowledged_incidents").as_int64()),
              static_cast<long long>(pd.at("overdue_action_items").as_int64()),
              static_cast<long long>(pd.at("approvals").as_int64()));
  std::printf("Active alerts: %lld; SLA-breaching incidents: %lld\n", static_cast<long long>(s.at("active_alerts").as_int64()),
              static_cast<long long>(s.at("sla_breaching_incidents").as_int64()));
  for (const auto& i : s.at("incidents").as_array()) {
    const auto& o = i.as_object();
    std::printf("  %-8s %-5s %-13s %-10s %s%s\n", Str(o, "id").c_str(), Str(o, "severity").c_str(), Str(o, "state").c_str(),
                Str(o, "elapsed").c_str(), Str(o, "next_step").c_str(), o.at("sla_breached").as_bool() ? "  [SLA BREACHED]" : "");
  }
  std::printf("Next action:   %s\n", Str(s, "next_action").c_str());
  return 0;
}

void PrintItem(const json::object& a) {
  std::printf("#%-5s %-3s %-12s %-11s %-10s %-21s%s %s\n", Str(a, "id").c_str(), Str(a, "priority").c_str(),
              Str(a, "status").c_str(), Str(a, "kind").c_str(), Str(a, "owner").c_str(), Str(a, "due_at").c_str(),
              a.at("overdue").as_bool() ? " OVERDUE" : "", Str(a, "title").c_str());
}

json::object ItemBody(const Opts& o) {
  json::object b;
  if (!o.title.empty()) b["title"] = o.title;
  if (!o.owner.empty()) b["owner"] = o.owner;
  if (!o.priority.empty()) b["priority"] = o.priority;
  if (!o.status.empty()) b["status"] = o.status;
  if (!o.kind.empty()) b["kind"] = o.kind;
  if (!o.notes.empty()) b["notes"] = o.notes;
  if (!o.due.empty()) b["due_at"] = o.due;
  return b;
}

}  // namespace

void AddReportCommands(CLI::App& app, Runner& run) {
  {
    auto o = std::make_shared<Opts>();
    auto* c = app.add_subcommand("report", "Post-incident report of an incident (Markdown, JSON or HTML)");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id, e.g. INC-1")->required();
    c->add_option("--format", o->format, "md|json|html")->check(CLI::IsMember({"md", "json", "html"}))->capture_default_str();
    c->add_option("-o,--output", o->output, "Write to this file instead of stdout");
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->id) + "/report?envelope=1&format=" + o->format);
        if (!r) return PrintError(r.error());
        std::string body(r->as_object().at("content").as_string());
        if (o->format == "json") {
          auto parsed = core::ParseJson(body);
          if (parsed) {
            if (o->output.empty()) {
              PrintJson(*parsed);
              return 0;
            }
          }
        }
        return WriteOut(body, o->output);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = app.add_subcommand("status", "Quick system status: defense level, open incidents, pending decisions");
    AddClientOptions(c, o->client);
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "GET", "/api/v1/status");
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        return StatusText(r->as_object());
      };
    });
  }
  {
    // `metrics` may already exist (issue 10's metric samples); add `mttx` to it. Registered last in
    // main.cc for that reason.
    CLI::App* m = CommandFamily(app, "metrics", "Incident response metrics");
    m->require_subcommand(1);
    auto o = std::make_shared<Opts>();
    auto* c = m->add_subcommand("mttx", "MTTD / MTTA / MTTI / MTTR aggregated by service, team, severity or period");
    AddClientOptions(c, o->client);
    c->add_option("--by", o->by, "service|team|severity|day|week|month|none")->capture_default_str();
    c->add_option("--since", o->since, "Window back from now (e.g. 30d, 12h); empty = all time")->capture_default_str();
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?by=" + Enc(o->by);
        if (!o->since.empty()) q += "&since=" + Enc(o->since);
        auto r = CallServer(o->client, "GET", "/api/v1/metrics/mttx" + q);
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        return MttxTable(r->as_object());
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = app.add_subcommand("status-update", "Show (or --post) a status update for an incident");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("--audience", o->audience, "internal|external")->capture_default_str();
    c->add_flag("--post", o->post, "Record it on the timeline and send it to the incident's channels");
    c->callback([o, &run] {
      run = [o] {
        auto r = o->post ? CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/status-updates",
                                      json::object{{"audience", o->audience}})
                         : CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->id) + "/status-update?audience=" + Enc(o->audience));
        if (!r) return PrintError(r.error());
        if (o->client.json) PrintJson(*r);
        else std::printf("%s", Str(r->as_object(), "text").c_str());
        return 0;
      };
    });
  }
  {
    // Joins the `incident` family: firebreak incident similar ID.
    CLI::App* inc = CommandFamily(app, "incident", "Work with incidents on a running server");
    auto o = std::make_shared<Opts>();
    auto limit = std::make_shared<int>(5);
    auto* c = inc->add_subcommand("similar", "Past incidents like this one: what they share and how they ended");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("--limit", *limit, "At most this many")->capture_default_str()->check(CLI::Range(1, 50));
    c->callback([o, limit, &run] {
      run = [o, limit] {
        auto r = CallServer(o->client, "GET",
                            "/api/v1/incidents/" + Enc(o->id) + "/similar?limit=" + std::to_string(*limit));
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        const auto& sim = r->at("similar").as_array();
        if (sim.empty()) std::printf("No similar past incidents.\n");
        for (const auto& v : sim) {
          const auto& x = v.as_object();
          std::printf("%s  %.2f  %s %s  %s\n", Str(x, "id").c_str(), x.at("score").to_number<double>(),
                      Str(x, "severity").c_str(), Str(x, "state").c_str(), core::Truncate(Str(x, "title"), 70).c_str());
          std::printf("    opened %s, resolved in %s\n", Str(x, "created_at").c_str(), Secs(x.at("resolve_seconds")).c_str());
          for (const auto& why : x.at("reasons").as_array()) std::printf("    %s\n", std::string(why.as_string()).c_str());
          if (!Str(x, "root_cause").empty())
            std::printf("    root cause: %s\n", core::Truncate(Str(x, "root_cause"), 200).c_str());
          if (!Str(x, "resolution_note").empty())
            std::printf("    resolution: %s\n", core::Truncate(Str(x, "resolution_note"), 200).c_str());
          for (const auto& run : x.at("runbook_runs").as_array())
            std::printf("    runbook %s (%s): %s\n", Str(run.as_object(), "runbook").c_str(), Str(run.as_object(), "id").c_str(),
                        Str(run.as_object(), "state").c_str());
        }
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = app.add_subcommand("response-plan", "Live response plan for an incident");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->id) + "/response-plan?format=json");
        if (!r) return PrintError(r.error());
        PrintJson(*r);
        return 0;
      };
    });
  }
  {
    auto* ai = app.add_subcommand("action-item", "Action items: list, add, update");
    ai->require_subcommand(1);
    {
      auto o = std::make_shared<Opts>();
      auto* c = ai->add_subcommand("list", "List action items");
      AddClientOptions(c, o->client);
      c->add_option("--incident", o->incident, "Only this incident's items");
      c->add_option("--owner", o->owner, "Only this owner's items");
      c->add_flag("--open", o->open, "Only open items");
      c->add_flag("--overdue", o->overdue, "Only overdue items");
      c->callback([o, &run] {
        run = [o] {
          std::string q = "?";
          if (!o->incident.empty()) q += "incident=" + Enc(o->incident) + "&";
          if (!o->owner.empty()) q += "owner=" + Enc(o->owner) + "&";
          if (o->open) q += "status=open&";
          if (o->overdue) q += "overdue=true&";
          q.pop_back();
          auto r = CallServer(o->client, "GET", "/api/v1/action-items" + q);
          if (!r) return PrintError(r.error());
          if (o->client.json) {
            PrintJson(*r);
            return 0;
          }
          for (const auto& a : r->as_object().at("action_items").as_array()) PrintItem(a.as_object());
          return 0;
        };
      });
    }
    {
      auto o = std::make_shared<Opts>();
      auto* c = ai->add_subcommand("add", "Add an action item to an incident");
      AddClientOptions(c, o->client);
      c->add_option("incident", o->incident, "Incident id")->required();
      c->add_option("--title", o->title, "What to do")->required();
      c->add_option("--owner", o->owner, "Person id");
      c->add_option("--priority", o->priority, "P1..P4 (default P2)");
      c->add_option("--kind", o->kind, "remediation|review|follow_up");
      c->add_option("--due", o->due, "Due time (RFC 3339)");
      c->add_option("--notes", o->notes, "Notes");
      c->callback([o, &run] {
        run = [o] {
          auto r = CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->incident) + "/action-items", ItemBody(*o));
          if (!r) return PrintError(r.error());
          if (o->client.json) PrintJson(*r);
          else PrintItem(r->as_object());
          return 0;
        };
      });
    }
    {
      auto o = std::make_shared<Opts>();
      auto* c = ai->add_subcommand("update", "Change an action item");
      AddClientOptions(c, o->client);
      c->add_option("id", o->id, "Action item id")->required();
      c->add_option("--title", o->title, "What to do");
      c->add_option("--owner", o->owner, "Person id");
      c->add_option("--priority", o->priority, "P1..P4");
      c->add_option("--status", o->status, "open|in_progress|done|wont_do");
      c->add_option("--due", o->due, "Due time (RFC 3339)");
      c->add_option("--notes", o->notes, "Notes");
      c->callback([o, &run] {
        run = [o] {
          auto r = CallServer(o->client, "POST", "/api/v1/action-items/" + Enc(o->id), ItemBody(*o));
          if (!r) return PrintError(r.error());
          if (o->client.json) PrintJson(*r);
          else PrintItem(r->as_object());
          return 0;
        };
      });
    }
  }
  {
    auto* pm = app.add_subcommand("postmortem", "Edit and publish the post-incident report");
    pm->require_subcommand(1);
    {
      auto o = std::make_shared<Opts>();
      auto* c = pm->add_subcommand("edit", "Set postmortem fields (root cause, summary, ...)");
      AddClientOptions(c, o->client);
      c->add_option("id", o->id, "Incident id")->required();
      c->add_option("--root-cause", o->root_cause, "Root cause (recording it marks the root cause identified)");
      c->add_option("--summary", o->summary, "Summary");
      c->add_option("--impact", o->impact, "Customer impact");
      c->add_option("--first-anomaly", o->first_anomaly, "When the problem began (RFC 3339)");
      c->add_option("--file", o->file, "A JSON file with any postmortem fields");
      c->callback([o, &run] {
        run = [o] {
          json::object b;
          if (!o->file.empty()) {
            std::ifstream in(o->file, std::ios::binary);
            if (!in) return PrintError(Error{ErrorCode::kInvalidArgument, "cannot read " + o->file, "file"});
            std::stringstream ss;
            ss << in.rdbuf();
            auto v = core::ParseJson(ss.str());
            if (!v) return PrintError(Error{ErrorCode::kInvalidArgument, o->file + ": " + v.error().message, "file"});
            if (!v->is_object()) return PrintError(Error{ErrorCode::kInvalidArgument, o->file + ": expected an object", "file"});
            b = v->as_object();
          }
          if (!o->root_cause.empty()) b["root_cause"] = o->root_cause;
          if (!o->summary.empty()) b["summary"] = o->summary;
          if (!o->impact.empty()) b["customer_impact"] = o->impact;
          if (!o->first_anomaly.empty()) b["first_anomaly_at"] = o->first_anomaly;
          auto r = CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/postmortem", b);
          if (!r) return PrintError(r.error());
          PrintJson(*r);
          return 0;
        };
      });
    }
    {
      auto o = std::make_shared<Opts>();
      auto* c = pm->add_subcommand("publish", "Publish the post-incident report of a resolved incident");
      AddClientOptions(c, o->client);
      c->add_option("id", o->id, "Incident id")->required();
      c->callback([o, &run] {
        run = [o] {
          auto r = CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/postmortem/publish");
          if (!r) return PrintError(r.error());
          PrintJson(*r);
          return 0;
        };
      });
    }
  }
}

}  // namespace firebreak::cli
