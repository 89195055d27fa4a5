// firebreak validate: check a configuration directory; firebreak reload: make a running server read
// its configuration directory again.
#include <cstdio>

#include "cli/cli.h"
#include "config/loader.h"

namespace firebreak::cli {

void AddValidateCommand(CLI::App& app, Runner& run) {
  struct Opts {
    std::string config = "examples/config";
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("validate", "Validate a configuration directory (exit 0 if valid, 1 otherwise)");
  cmd->add_option("--config", o->config, "Configuration directory")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print diagnostics as JSON");
  cmd->callback([o, &run] {
    run = [o] {
      auto r = config::LoadConfigDir(o->config);
      auto diags = r.diagnostics.Sorted();
      if (o->json) {
        boost::json::array arr;
        for (const auto& d : diags) arr.push_back(d.ToJson());
        PrintJson(boost::json::object{{"valid", !r.diagnostics.HasErrors()},
                                      {"errors", r.diagnostics.error_count()},
                                      {"diagnostics", arr}});
      } else {
        for (const auto& d : diags) std::printf("%s\n", d.ToString().c_str());
        if (r.config) {
          const auto& c = *r.config;
          std::printf("%s: valid (%zu services, %zu people, %zu schedules, %zu policies, %zu runbooks)\n",
                      o->config.c_str(), c.services.size(), c.people.size(), c.schedules.size(),
                      c.policies.size(), c.runbooks.size());
        } else {
          std::printf("%s: %zu error(s)\n", o->config.c_str(), r.diagnostics.error_count());
        }
      }
      return r.diagnostics.HasErrors() ? 1 : 0;
    };
  });

  struct ReloadOpts {
    ClientOptions client;
  };
  auto ro = std::make_shared<ReloadOpts>();
  auto* reload = app.add_subcommand(
      "reload", "Make a running server read its configuration directory again (needs admin; as SIGHUP does)");
  AddClientOptions(reload, ro->client);
  reload->callback([ro, &run] {
    run = [ro] {
      auto r = CallServer(ro->client, "POST", "/api/v1/admin/reload");
      if (!r) return PrintError(r.error());
      if (ro->client.json) {
        PrintJson(*r);
        return 0;
      }
      const auto& o = r->as_object();
      auto num = [&o](const char* k) { return o.contains(k) && o.at(k).is_int64() ? o.at(k).as_int64() : 0; };
      std::printf("%s: reloaded, %s (%lld services, %lld people, %lld schedules, %lld policies, %lld runbooks)\n",
                  o.at("config_dir").as_string().c_str(), o.at("changed").as_bool() ? "changed" : "unchanged",
                  static_cast<long long>(num("services")), static_cast<long long>(num("people")),
                  static_cast<long long>(num("schedules")), static_cast<long long>(num("policies")),
                  static_cast<long long>(num("runbooks")));
      for (const auto& w : o.at("warnings").as_array())
        std::printf("warning: %s\n", w.as_object().at("message").as_string().c_str());
      for (const auto& s : o.at("restart_required").as_array())
        std::printf("changed, applies at the next start: %s\n", s.as_string().c_str());
      return 0;
    };
  });
}

}  // namespace firebreak::cli
