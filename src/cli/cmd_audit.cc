// firebreak audit verify|head (on a data directory, or against a server with --server) and audit list.
#include <cstdio>

#include "app/app.h"
#include "cli/cli.h"

namespace firebreak::cli {

void AddAuditCommands(CLI::App& app, Runner& run) {
  auto* audit = app.add_subcommand("audit", "Verify and read the hash-chained audit log");
  audit->require_subcommand(1);

  struct Opts {
    std::string data = "var";
    ClientOptions client;
    std::string anchor;
    std::string actor, action, target;
    int limit = 100;
    int64_t after = 0;
  };
  // verify and head read the data directory (read-only; a server may be running on it), or ask a
  // running server with --server: from another machine, where an anchor is best kept.
  {
    auto o = std::make_shared<Opts>();
    auto* c = audit->add_subcommand("verify", "Check the audit chain; exit 0 if intact, 1 naming the first bad entry");
    c->add_option("--data", o->data, "Data directory")->capture_default_str();
    AddClientOptions(c, o->client);
    c->add_option("--anchor", o->anchor,
                  "A head printed earlier by 'audit head' (seq:hash) and kept elsewhere: the chain must still "
                  "hold that entry with that hash (catches a chain cut back and its head rewritten)");
    c->callback([o, c, &run] {
      const bool remote = c->get_option("--server")->count() > 0;
      run = [o, remote] {
        audit::VerifyResult v;
        if (remote) {
          std::string q = o->anchor.empty() ? "" : "?anchor=" + Enc(o->anchor);
          auto r = CallServer(o->client, "GET", "/api/v1/audit/verify" + q);
          if (!r) return PrintError(r.error());
          const auto& x = r->as_object();
          v.ok = x.at("ok").as_bool();
          v.checked = x.at("checked").to_number<int64_t>();
          if (!v.ok) {
            v.bad_seq = x.at("bad_seq").to_number<int64_t>();
            v.problem = std::string(x.at("problem").as_string());
          }
        } else {
          auto checked = app::VerifyAuditDir(o->data, o->anchor);
          if (!checked) return PrintError(checked.error());
          v = std::move(*checked);
        }
        if (o->client.json) {
          boost::json::object out{{"ok", v.ok}, {"checked", v.checked}};
          if (!v.ok) {
            out["bad_seq"] = v.bad_seq;
            out["problem"] = v.problem;
          }
          PrintJson(out);
        } else if (v.ok) {
          std::printf("audit chain intact: %lld entries verified%s\n", static_cast<long long>(v.checked),
                      o->anchor.empty() ? "" : ", anchored entry present");
        } else {
          std::fprintf(stderr, "audit chain BROKEN at entry %lld: %s\n", static_cast<long long>(v.bad_seq),
                       v.problem.c_str());
        }
        return v.ok ? 0 : 1;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = audit->add_subcommand("head", "Print the chain head (seq:hash) to anchor it elsewhere");
    c->add_option("--data", o->data, "Data directory")->capture_default_str();
    AddClientOptions(c, o->client);
    c->callback([o, c, &run] {
      const bool remote = c->get_option("--server")->count() > 0;
      run = [o, remote] {
        Result<std::string> head = std::string();
        if (remote) {
          auto r = CallServer(o->client, "GET", "/api/v1/audit/head");
          if (!r) return PrintError(r.error());
          head = std::string(r->as_object().at("head").as_string());
        } else {
          head = app::AuditHeadDir(o->data);
        }
        if (!head) return PrintError(head.error());
        std::printf("%s\n", head->c_str());
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = audit->add_subcommand("list", "List audit entries from a running server");
    AddClientOptions(c, o->client);
    c->add_option("--actor", o->actor, "Only this actor, e.g. person:alice");
    c->add_option("--action", o->action, "Only actions starting with this, e.g. incident.");
    c->add_option("--target", o->target, "Only this target, e.g. incident:INC-1");
    c->add_option("--after", o->after, "Entries after this seq");
    c->add_option("--limit", o->limit, "Most entries")->capture_default_str();
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?limit=" + std::to_string(o->limit) + "&after=" + std::to_string(o->after);
        if (!o->actor.empty()) q += "&actor=" + Enc(o->actor);
        if (!o->action.empty()) q += "&action=" + Enc(o->action);
        if (!o->target.empty()) q += "&target=" + Enc(o->target);
        auto r = CallServer(o->client, "GET", "/api/v1/audit" + q);
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        Table t({"SEQ", "TIME", "ACTOR", "ACTION", "TARGET"});
        for (const auto& e : r->get_object().at("entries").get_array()) {
          const auto& x = e.get_object();
          t.Add({std::to_string(x.at("seq").as_int64()), std::string(x.at("time").as_string()),
                 std::string(x.at("actor").as_string()), std::string(x.at("action").as_string()),
                 std::string(x.at("target").as_string())});
        }
        t.Print();
        return 0;
      };
    });
  }
}

}  // namespace firebreak::cli
