// firebreak token create|list|revoke: manage API tokens directly in a data directory.
#include <cstdio>

#include <spdlog/spdlog.h>

#include "app/app.h"
#include "cli/cli.h"
#include "core/time.h"

namespace firebreak::cli {

namespace {
struct TokenOpts {
  std::string data = "var";
  std::string config;
  std::string person;
  std::string scopes = "read";
  std::string name;
  std::string id;
  bool json = false;
};

Result<std::unique_ptr<app::App>> OpenOffline(const TokenOpts& o) {
  // Opening the engine logs what it loaded (useful when serving); a token command's output is the
  // token, so only warnings and errors reach stderr.
  spdlog::set_level(spdlog::level::warn);
  app::AppOptions ao;
  ao.data_dir = o.data;
  ao.config_dir = o.config;
  return app::App::Open(ao);
}
}  // namespace

void AddTokenCommands(CLI::App& app, Runner& run) {
  auto o = std::make_shared<TokenOpts>();
  auto* tok = app.add_subcommand("token", "Manage API tokens (works on the data directory directly)");
  tok->require_subcommand(1);

  auto* create = tok->add_subcommand("create", "Create a token; prints it once (only its hash is stored)");
  create->add_option("--data", o->data, "Data directory")->capture_default_str();
  create->add_option("--config", o->config, "Configuration directory (to check --person exists)");
  create->add_option("--person", o->person, "Person the token acts for (audited as person:<id>)");
  create->add_option("--scopes", o->scopes, "Comma-separated scopes: read,write,approve,admin")->capture_default_str();
  create->add_option("--name", o->name, "A label for the token");
  create->add_flag("--json", o->json, "Print JSON");
  create->callback([o, &run] {
    run = [o] {
      auto a = OpenOffline(*o);
      if (!a) return PrintError(a.error());
      auto t = (*a)->CreateToken(model::Principal::System("cli"), app::TokenRequest{o->person, o->scopes, o->name});
      if (!t) return PrintError(t.error());
      if (o->json) {
        PrintJson(boost::json::object{{"id", t->record.id},
                                      {"token", t->token},
                                      {"person", t->record.person},
                                      {"scopes", model::ScopesToString(t->record.scopes)}});
      } else {
        std::printf("%s\n", t->token.c_str());
      }
      return 0;
    };
  });

  auto* list = tok->add_subcommand("list", "List tokens (never their secrets)");
  list->add_option("--data", o->data, "Data directory")->capture_default_str();
  list->add_flag("--json", o->json, "Print JSON");
  list->callback([o, &run] {
    run = [o] {
      auto a = OpenOffline(*o);
      if (!a) return PrintError(a.error());
      auto ts = (*a)->ListTokens(model::Principal::System("cli"));
      if (!ts) return PrintError(ts.error());
      boost::json::array arr;
      for (const auto& t : *ts) {
        boost::json::object x{{"id", t.id},
                              {"person", t.person},
                              {"name", t.name},
                              {"scopes", model::ScopesToString(t.scopes)},
                              {"created_at", core::FormatRfc3339(t.created_at)}};
        if (t.revoked_at) x["revoked_at"] = core::FormatRfc3339(*t.revoked_at);
        arr.push_back(x);
      }
      if (o->json) {
        PrintJson(boost::json::object{{"tokens", arr}});
      } else {
        std::printf("%-16s %-12s %-28s %-20s %s\n", "ID", "PERSON", "SCOPES", "NAME", "STATUS");
        for (const auto& t : *ts)
          std::printf("%-16s %-12s %-28s %-20s %s\n", t.id.c_str(), t.person.empty() ? "-" : t.person.c_str(),
                      model::ScopesToString(t.scopes).c_str(), t.name.c_str(), t.revoked_at ? "revoked" : "active");
      }
      return 0;
    };
  });

  auto* revoke = tok->add_subcommand("revoke", "Revoke a token by id");
  revoke->add_option("--data", o->data, "Data directory")->capture_default_str();
  revoke->add_option("id", o->id, "Token id (t_...)")->required();
  revoke->callback([o, &run] {
    run = [o] {
      auto a = OpenOffline(*o);
      if (!a) return PrintError(a.error());
      auto st = (*a)->RevokeToken(model::Principal::System("cli"), o->id);
      if (!st) return PrintError(st.error());
      std::printf("revoked %s\n", o->id.c_str());
      return 0;
    };
  });
}

}  // namespace firebreak::cli
