// firebreak audit verify|head (on a data directory) and audit list (against a server).
#include <cstdio>

#include "app/app.h"
#include "cli/cli.h"
#include "store/store.h"

namespace firebreak::cli {

namespace {
// Runs `fn` on a read transaction of a data directory's store, opened read-only (a server may be
// running on it); returns fn's exit code, or prints why the store could not be read.
template <typename F>
int ReadDataDir(const std::string& dir, F&& fn) {
  store::StoreOptions so;
  so.read_only = true;
  auto s = store::Store::OpenDir(dir, so);
  if (!s) return PrintError(s.error());
  auto tx = (*s)->BeginRead();
  if (!tx) return PrintError(tx.error());
  return fn(**tx);
}
}  // namespace

void AddAuditCommands(CLI::App& app, Runner& run) {
  auto* audit = app.add_subcommand("audit", "Verify and read the hash-chained audit log");
  audit->require_subcommand(1);

  struct Opts {
    std::string data = "var";
    bool json = false;
    ClientOptions client;
    std::string anchor;
    std::string actor, action, target;
    int limit = 100;
    int64_t after = 0;
  };
  {
    auto o = std::make_shared<Opts>();
    auto* c = audit->add_subcommand("verify", "Check the audit chain; exit 0 if intact, 1 naming the first bad entry");
    c->add_option("--data", o->data, "Data directory")->capture_default_str();
    c->add_flag("--json", o->json, "Print JSON");
    c->add_option("--anchor", o->anchor,
                  "A head printed earlier by 'audit head' (seq:hash) and kept elsewhere: the chain must still "
                  "hold that entry with that hash (catches a chain cut back and its head rewritten)");
    c->callback([o, &run] {
      run = [o] {
        auto v = app::VerifyAuditDir(o->data);
        if (!v) return PrintError(v.error());
        if (v->ok && !o->anchor.empty()) {
          // The head in the database is rewritten as easily as the chain; one kept elsewhere is not.
          auto colon = o->anchor.find(':');
          int64_t seq = 0;
          if (colon != std::string::npos) seq = std::atoll(o->anchor.substr(0, colon).c_str());
          std::string hash = colon == std::string::npos ? "" : o->anchor.substr(colon + 1);
          if (seq <= 0 || hash.size() != 64)
            return PrintError(Error{ErrorCode::kInvalidArgument, "--anchor must be seq:hash as 'audit head' prints it",
                                    "anchor"});
          int rc = ReadDataDir(o->data, [&](auto& tx) {
            store::AuditFilter f;
            f.after_seq = seq - 1;
            f.limit = 1;
            auto found = tx.audit().List(f);
            if (!found) return PrintError(found.error());
            if (found->empty() || found->front().seq != seq) {
              v->ok = false;
              v->bad_seq = seq;
              v->problem = "the anchored entry " + std::to_string(seq) +
                           " is missing: the chain was cut back (and its head rewritten) after the anchor was taken";
            } else if (found->front().hash != hash) {
              v->ok = false;
              v->bad_seq = seq;
              v->problem = "entry " + std::to_string(seq) + " no longer has the anchored hash: the chain was rewritten";
            }
            return 0;
          });
          if (rc != 0) return rc;
        }
        if (o->json) {
          boost::json::object out{{"ok", v->ok}, {"checked", v->checked}};
          if (!v->ok) {
            out["bad_seq"] = v->bad_seq;
            out["problem"] = v->problem;
          }
          PrintJson(out);
        } else if (v->ok) {
          std::printf("audit chain intact: %lld entries verified\n", static_cast<long long>(v->checked));
        } else {
          std::fprintf(stderr, "audit chain BROKEN at entry %lld: %s\n", static_cast<long long>(v->bad_seq),
                       v->problem.c_str());
        }
        return v->ok ? 0 : 1;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = audit->add_subcommand("head", "Print the chain head (seq:hash) to anchor it elsewhere");
    c->add_option("--data", o->data, "Data directory")->capture_default_str();
    c->callback([o, &run] {
      run = [o] {
        return ReadDataDir(o->data, [](auto& tx) {
          auto head = tx.meta().Get("audit_head");
          if (!head) return PrintError(head.error());
          std::printf("%s\n", head->value_or("0:").c_str());
          return 0;
        });
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
        if (!o->actor.empty()) q += "&actor=" + o->actor;
        if (!o->action.empty()) q += "&action=" + o->action;
        if (!o->target.empty()) q += "&target=" + o->target;
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
