// firebreak backup: a consistent copy of a data directory, while a server may be running on it.
#include <cstdio>

#include "app/app.h"
#include "cli/cli.h"

namespace firebreak::cli {

void AddBackupCommand(CLI::App& app, Runner& run) {
  struct Opts {
    std::string data = "var";
    std::string to;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "backup",
      "Copy a data directory (one consistent snapshot of the database, the link key, runbook file backups) "
      "into a new or empty directory, while the server runs; the copy is verified");
  cmd->add_option("--data", o->data, "Data directory")->capture_default_str();
  cmd->add_option("--to", o->to, "Target directory (new or empty); restore with serve --data DIR")->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o, &run] {
    run = [o] {
      auto r = app::BackupDataDir(o->data, o->to);
      if (!r) return PrintError(r.error());
      if (o->json) {
        boost::json::array copied;
        for (const auto& f : r->copied) copied.emplace_back(f);
        PrintJson(boost::json::object{{"to", r->to},
                                      {"db_bytes", r->db_bytes},
                                      {"schema_version", r->schema_version},
                                      {"incidents", r->incidents},
                                      {"audit_entries_verified", r->audit.checked},
                                      {"copied", std::move(copied)}});
      } else {
        std::printf("backed up %s to %s: database %lld bytes (schema %d, %lld incidents), audit chain intact "
                    "(%lld entries)",
                    o->data.c_str(), r->to.c_str(), static_cast<long long>(r->db_bytes), r->schema_version,
                    static_cast<long long>(r->incidents), static_cast<long long>(r->audit.checked));
        for (const auto& f : r->copied) std::printf(", %s", f.c_str());
        std::printf("\n");
      }
      return 0;
    };
  });
}

}  // namespace firebreak::cli
