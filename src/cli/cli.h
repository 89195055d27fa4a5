// The `firebreak` command line. Each subcommand family registers itself on the CLI11 app and sets the
// function to run; main() parses, runs it and turns errors into one line on stderr and a non-zero
// exit code.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "core/result.h"

namespace firebreak::cli {

// What a subcommand does once its options are parsed: the exit code.
using Runner = std::function<int()>;

// Options shared by client subcommands (those that talk to a running server).
struct ClientOptions {
  std::string server;  // --server, FIREBREAK_URL, default http://127.0.0.1:8080
  std::string token;   // --token, FIREBREAK_TOKEN
  bool json = false;   // --json
};
void AddClientOptions(CLI::App* cmd, ClientOptions& o);

// The subcommand `name` of `app`, added with `description` when no earlier Add*Commands did:
// command families such as `incident` and `metrics` are filled from several files.
CLI::App* CommandFamily(CLI::App& app, const std::string& name, const std::string& description);

// Calls the server's HTTP API; non-2xx responses become errors carrying the server's message.
Result<boost::json::value> CallServer(const ClientOptions& o, const std::string& method, const std::string& path,
                                      const boost::json::value& body = nullptr);

// Every `id`, `incident`, `incidents` and `--incident` argument under `app` takes a server id typed
// in lower case (inc-2, run-1, apr-1, ovr-1, sil-1) as the server spells it (INC-2, ...).
void NormalizeIdArguments(CLI::App& app);

// `s` percent-encoded for a URL's query or path (everything but unreserved characters).
std::string Enc(const std::string& s);

// Prints "firebreak: error: ..." and returns 1.
int PrintError(const Error& e);
// Pretty-prints JSON (two-space indent) to stdout.
void PrintJson(const boost::json::value& v);

// `v` printed with a printf conversion for one double ("%.1f", "%.4g"), for table cells.
std::string Num(const char* printf_format, double v);

// A text table for the list commands: every column is as wide as its widest cell, header
// included (timestamps are 20 or 24 characters, with or without milliseconds), columns are one
// space apart, and the last column is not padded.
class Table {
 public:
  // An empty `header` prints no header line; `indent` starts every line.
  explicit Table(std::vector<std::string> header, std::string indent = "");
  void Add(std::vector<std::string> row);
  // A line of free text under the last row, starting where column `column` starts.
  void AddUnder(size_t column, std::string text);
  std::string Render() const;
  // Render() to stdout.
  void Print() const;

 private:
  struct Line {
    std::vector<std::string> cells;  // empty for a line added with AddUnder
    size_t column;
    std::string under;
  };
  std::string indent_;
  std::vector<Line> lines_;
};

void AddServeCommand(CLI::App& app, Runner& run);
void AddValidateCommand(CLI::App& app, Runner& run);
void AddTokenCommands(CLI::App& app, Runner& run);
void AddBackupCommand(CLI::App& app, Runner& run);
void AddIncidentCommands(CLI::App& app, Runner& run);
void AddAuditCommands(CLI::App& app, Runner& run);
void AddAlertCommands(CLI::App& app, Runner& run);
void AddLogsCommands(CLI::App& app, Runner& run);
void AddAnalyzeCommands(CLI::App& app, Runner& run);
void AddMcpCommand(CLI::App& app, Runner& run);
// oncall now|shifts, and incident escalate|flag|pages (after AddIncidentCommands).
void AddOncallCommands(CLI::App& app, Runner& run);
void AddGraphCommands(CLI::App& app, Runner& run);
void AddRunbookCommands(CLI::App& app, Runner& run);
void AddReportCommands(CLI::App& app, Runner& run);

}  // namespace firebreak::cli
