// firebreak runbook|run|approval|breaker ...: client commands for runbook automation.
#include <cstdio>
#include <memory>


#include "cli/cli.h"
#include "core/json.h"
#include "core/strings.h"

namespace firebreak::cli {

namespace {

namespace json = boost::json;


std::string S(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end()) return "";
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_null()) return "";
  return core::ToJson(it->value());
}

struct Opts {
  ClientOptions client;
  std::string wait;
  std::string id, step, incident, service, state, rationale, impact, rollback_plan, note, reason;
  std::vector<std::string> params, labels, logs, services;
  bool dry_run = false;
};

Result<json::object> KeyValues(const std::vector<std::string>& kvs, const std::string& what) {
  json::object o;
  for (const auto& kv : kvs) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return InvalidArgument(what + " must be KEY=VALUE, got '" + kv + "'", what);
    o[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return o;
}

// Runs `call` and prints JSON (--json) or `print`'s rendering.
template <class Print>
int Show(const Opts& o, const Result<json::value>& r, Print print) {
  if (!r) return PrintError(r.error());
  if (o.client.json) PrintJson(*r);
  else print(r->get_object());
  return 0;
}

void PrintRun(const json::object& r) {
  std::printf("%s  runbook %s  state %s\n", S(r, "id").c_str(), S(r, "runbook").c_str(), S(r, "state").c_str());
  std::printf("  requested by %s at %s%s\n", S(r, "requested_by").c_str(), S(r, "requested_at").c_str(),
              S(r, "incident").empty() ? "" : (" for " + S(r, "incident")).c_str());
  if (!S(r, "approval").empty()) std::printf("  approval %s%s\n", S(r, "approval").c_str(),
                                              S(r, "approved_by").empty() ? "" : (" approved by " + S(r, "approved_by")).c_str());
  if (!S(r, "error").empty()) std::printf("  error: %s\n", S(r, "error").c_str());
  if (auto it = r.find("steps"); it != r.end() && it->value().is_array()) {
    for (const auto& s : it->value().get_array()) {
      const auto& so = s.get_object();
      std::printf("  - %-14s %-6s %-14s %s\n", S(so, "id").c_str(), S(so, "risk").c_str(), S(so, "state").c_str(),
                  S(so, "action").c_str());
      if (auto res = so.find("result"); res != so.end() && res->value().is_object()) {
        const auto& ro = res->value().get_object();
        if (!S(ro, "exit_code").empty()) std::printf("      exit %s in %s ms\n", S(ro, "exit_code").c_str(), S(ro, "elapsed_ms").c_str());
        for (const char* k : {"stdout", "stderr"})
          if (!S(ro, k).empty()) std::printf("      %s: %s\n", k, core::Truncate(S(ro, k), 2000).c_str());
        if (!S(ro, "backup_sha256").empty()) std::printf("      backup %s sha256 %s\n", S(ro, "backup_path").c_str(), S(ro, "backup_sha256").c_str());
      }
      if (!S(so, "error").empty()) std::printf("      error: %s\n", S(so, "error").c_str());
      if (auto rb = so.find("rollback"); rb != so.end() && rb->value().is_object())
        std::printf("      rollback: %s %s\n", S(rb->value().get_object(), "state").c_str(), S(rb->value().get_object(), "error").c_str());
    }
  }
}

void PrintApproval(const json::object& a) {
  std::printf("%-7s %-9s %-8s %-20s %-16s expires %s\n", S(a, "id").c_str(), S(a, "state").c_str(), S(a, "run").c_str(),
              S(a, "runbook").c_str(), S(a, "requested_by").c_str(), S(a, "expires_at").c_str());
}

}  // namespace

void AddRunbookCommands(CLI::App& app, Runner& run) {
  auto* rbc = app.add_subcommand("runbook", "Runbook library: list, show, match, run (or dry-run)");
  rbc->require_subcommand(1);
  {
    auto o = std::make_shared<Opts>();
    auto* c = rbc->add_subcommand("list", "List runbooks");
    AddClientOptions(c, o->client);
    c->callback([o, &run] {
      run = [o] {
        return Show(*o, CallServer(o->client, "GET", "/api/v1/runbooks"), [](const json::object& r) {
          std::printf("%-26s %-6s %-5s %s\n", "ID", "RISK", "STEPS", "TITLE");
          for (const auto& x : r.at("runbooks").get_array()) {
            const auto& b = x.get_object();
            std::printf("%-26s %-6s %-5s %s\n", S(b, "id").c_str(), S(b, "risk").c_str(), S(b, "steps").c_str(), S(b, "title").c_str());
          }
        });
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = rbc->add_subcommand("show", "Show a runbook (parameters, steps, tiers)");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Runbook id")->required();
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "GET", "/api/v1/runbooks/" + Enc(o->id));
        if (!r) return PrintError(r.error());
        PrintJson(*r);
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = rbc->add_subcommand("match", "Rank runbooks for an incident (with reasons)");
    AddClientOptions(c, o->client);
    c->add_option("--incident", o->incident, "Incident id");
    c->add_option("--service", o->services, "Affected service (repeatable)");
    c->add_option("--label", o->labels, "Alert label KEY=VALUE (repeatable)");
    c->add_option("--log", o->logs, "Error log line (repeatable)");
    c->callback([o, &run] {
      run = [o] {
        auto labels = KeyValues(o->labels, "label");
        if (!labels) return PrintError(labels.error());
        json::array svcs, logs;
        for (const auto& s : o->services) svcs.push_back(json::value(s));
        for (const auto& s : o->logs) logs.push_back(json::value(s));
        json::object body{{"services", svcs}, {"labels", *labels}, {"logs", logs}};
        if (!o->incident.empty()) body["incident"] = o->incident;
        return Show(*o, CallServer(o->client, "POST", "/api/v1/runbooks/match", body), [](const json::object& r) {
          for (const auto& x : r.at("matches").get_array()) {
            const auto& m = x.get_object();
            std::printf("%-26s score %-3s %-6s %s\n", S(m, "runbook").c_str(), S(m, "score").c_str(), S(m, "risk").c_str(), S(m, "title").c_str());
            for (const auto& why : m.at("reasons").get_array())
              std::printf("    - %s\n", std::string(why.get_string()).c_str());
          }
        });
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = rbc->add_subcommand("run", "Request a run (or --dry-run to see exactly what would run)");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Runbook id")->required();
    c->add_option("--param", o->params, "Parameter KEY=VALUE (repeatable)");
    c->add_option("--label", o->labels, "Alert label KEY=VALUE (fills parameters of the same name)");
    c->add_option("--incident", o->incident, "Incident the run belongs to");
    c->add_option("--service", o->service, "Target service (defaults to the service parameter)");
    c->add_option("--rationale", o->rationale, "Why (required when approval is needed)");
    c->add_option("--impact", o->impact, "Expected impact (required when approval is needed)");
    c->add_option("--rollback-plan", o->rollback_plan, "Rollback plan when no step declares one");
    c->add_flag("--dry-run", o->dry_run, "Show the plan; touch nothing");
    c->callback([o, &run] {
      run = [o] {
        auto params = KeyValues(o->params, "param");
        if (!params) return PrintError(params.error());
        auto labels = KeyValues(o->labels, "label");
        if (!labels) return PrintError(labels.error());
        json::object body{{"runbook", o->id}, {"params", *params}, {"labels", *labels}, {"dry_run", o->dry_run}};
        const std::vector<std::pair<const char*, const std::string*>> fields = {
            {"incident", &o->incident}, {"service", &o->service}, {"rationale", &o->rationale},
            {"expected_impact", &o->impact}, {"rollback_plan", &o->rollback_plan}};
        for (const auto& [k, v] : fields)
          if (!v->empty()) body[k] = *v;
        auto r = CallServer(o->client, "POST", "/api/v1/runs", body);
        if (!r) return PrintError(r.error());
        if (o->client.json || o->dry_run) {
          PrintJson(*r);
          return 0;
        }
        PrintRun(r->get_object());
        return 0;
      };
    });
  }

  auto* runc = app.add_subcommand("run", "Runbook runs: list, show (the run's log), complete a manual step");
  runc->require_subcommand(1);
  {
    auto o = std::make_shared<Opts>();
    auto* c = runc->add_subcommand("list", "List runs (newest first)");
    AddClientOptions(c, o->client);
    c->add_option("--state", o->state, "queued|pending_approval|running|awaiting_manual|succeeded|failed|...");
    c->add_option("--incident", o->incident, "Only runs for this incident");
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?state=" + Enc(o->state) + "&incident=" + Enc(o->incident);
        return Show(*o, CallServer(o->client, "GET", "/api/v1/runs" + q), [](const json::object& r) {
          for (const auto& x : r.at("runs").get_array()) {
            const auto& b = x.get_object();
            std::printf("%-8s %-18s %-24s %-8s %s\n", S(b, "id").c_str(), S(b, "state").c_str(), S(b, "runbook").c_str(),
                        S(b, "incident").c_str(), S(b, "requested_by").c_str());
          }
        });
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = runc->add_subcommand("show", "Show a run's log: every step's command, output, status and rollback");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Run id, e.g. RUN-1")->required();
    c->add_option("--wait", o->wait, "Wait up to this long (e.g. 60s) for the run to settle");
    c->callback([o, &run] {
      run = [o] {
        std::string q = o->wait.empty() ? "" : "?wait=" + Enc(o->wait);
        return Show(*o, CallServer(o->client, "GET", "/api/v1/runs/" + Enc(o->id) + q), PrintRun);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = runc->add_subcommand("complete", "Tick the manual step a run waits on");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Run id")->required();
    c->add_option("step", o->step, "Step id")->required();
    c->add_option("--note", o->note, "What was done");
    c->callback([o, &run] {
      run = [o] {
        json::object body{{"note", o->note}};
        return Show(*o, CallServer(o->client, "POST", "/api/v1/runs/" + Enc(o->id) + "/steps/" + Enc(o->step) + "/complete", body), PrintRun);
      };
    });
  }

  auto* apc = app.add_subcommand("approval", "Approvals: list pending, show, approve, reject (with a reason)");
  apc->require_subcommand(1);
  {
    auto o = std::make_shared<Opts>();
    auto* c = apc->add_subcommand("list", "List approvals (pending unless --state)");
    AddClientOptions(c, o->client);
    c->add_option("--state", o->state, "pending|approved|rejected|expired|all");
    c->callback([o, &run] {
      run = [o] {
        std::string state = o->state.empty() ? "pending" : o->state;
        return Show(*o, CallServer(o->client, "GET", "/api/v1/approvals?state=" + Enc(o->state)), [state](const json::object& r) {
          const auto& list = r.at("approvals").get_array();
          if (list.empty()) {
            std::printf("no %sapprovals\n", state == "all" ? "" : (state + " ").c_str());
            return;
          }
          Table t({"ID", "STATE", "RUN", "RUNBOOK", "REQUESTED BY", "EXPIRES"});
          for (const auto& x : list) {
            const auto& a = x.get_object();
            t.Add({S(a, "id"), S(a, "state"), S(a, "run"), S(a, "runbook"), S(a, "requested_by"), S(a, "expires_at")});
          }
          t.Print();
        });
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = apc->add_subcommand("show", "Show an approval request (action, impact, blast radius, rollback plan)");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Approval id, e.g. APR-1")->required();
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "GET", "/api/v1/approvals/" + Enc(o->id));
        if (!r) return PrintError(r.error());
        PrintJson(*r);
        return 0;
      };
    });
  }
  for (std::string verb : {"approve", "reject"}) {
    auto o = std::make_shared<Opts>();
    auto* c = apc->add_subcommand(verb, verb == "approve" ? "Approve (a person with the approve scope, not the requester)"
                                                          : "Reject with a reason");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Approval id")->required();
    if (verb == "approve") c->add_option("--note", o->note, "Note recorded with the approval");
    else c->add_option("--reason", o->reason, "Why (required)")->required();
    c->callback([o, verb, &run] {
      run = [o, verb] {
        json::object body;
        if (verb == "approve") body["note"] = o->note;
        else body["reason"] = o->reason;
        return Show(*o, CallServer(o->client, "POST", "/api/v1/approvals/" + Enc(o->id) + "/" + verb, body), PrintApproval);
      };
    });
  }

  auto* brc = app.add_subcommand("breaker", "Runbook circuit breakers per service: list, reset");
  brc->require_subcommand(1);
  {
    auto o = std::make_shared<Opts>();
    auto* c = brc->add_subcommand("list", "List circuit breakers");
    AddClientOptions(c, o->client);
    c->callback([o, &run] {
      run = [o] {
        return Show(*o, CallServer(o->client, "GET", "/api/v1/breakers"), [](const json::object& r) {
          const auto& list = r.at("breakers").get_array();
          if (list.empty()) {
            std::printf("no circuit breakers tripped\n");
            return;
          }
          Table t({"SERVICE", "STATE", "TRIPPED"});
          for (const auto& x : list) {
            const auto& b = x.get_object();
            t.Add({S(b, "service"), S(b, "state"), S(b, "tripped_at")});
          }
          t.Print();
        });
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = brc->add_subcommand("reset", "Reset an open breaker (a person with the approve scope)");
    AddClientOptions(c, o->client);
    c->add_option("service", o->service, "Service")->required();
    c->add_option("--reason", o->reason, "Why automation may resume")->required();
    c->callback([o, &run] {
      run = [o] {
        json::object body{{"reason", o->reason}};
        return Show(*o, CallServer(o->client, "POST", "/api/v1/breakers/" + Enc(o->service) + "/reset", body),
                    [](const json::object& b) { std::printf("%s %s\n", S(b, "service").c_str(), S(b, "state").c_str()); });
      };
    });
  }
}

}  // namespace firebreak::cli
