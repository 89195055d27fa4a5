#include <cstdio>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // Logs go to stderr: stdout is for command output (and MCP messages).
  spdlog::set_default_logger(spdlog::stderr_color_mt("firebreak"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);

  CLI::App app{"Firebreak: a self-hosted incident-response engine", "firebreak"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  firebreak::cli::Runner run;
  firebreak::cli::AddServeCommand(app, run);
  firebreak::cli::AddValidateCommand(app, run);
  firebreak::cli::AddTokenCommands(app, run);
  firebreak::cli::AddBackupCommand(app, run);
  firebreak::cli::AddIncidentCommands(app, run);
  firebreak::cli::AddAuditCommands(app, run);
  firebreak::cli::AddAlertCommands(app, run);
  firebreak::cli::AddLogsCommands(app, run);
  firebreak::cli::AddAnalyzeCommands(app, run);
  firebreak::cli::AddMcpCommand(app, run);
  firebreak::cli::AddOncallCommands(app, run);
  firebreak::cli::AddGraphCommands(app, run);
  firebreak::cli::AddRunbookCommands(app, run);
  firebreak::cli::AddReportCommands(app, run);
  app.add_subcommand("version", "Print the version")->callback([&run] {
    run = [] {
      std::printf("firebreak %s\n", FIREBREAK_VERSION);
      return 0;
    };
  });
  firebreak::cli::NormalizeIdArguments(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      std::fprintf(stderr, "firebreak: error: %s\n", e.what());
      std::fprintf(stderr, "Run with --help for usage.\n");
      return 2;
    }
    return app.exit(e);
  }
  if (!run) return 2;
  return run();
}
