// firebreak validate: check a configuration directory.
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
}

}  // namespace firebreak::cli
