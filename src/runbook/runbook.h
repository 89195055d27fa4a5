// Runbook domain logic (DESIGN.md §3): parameter binding, rendering a runbook into the exact
// steps that would run (the plan, also what a dry-run shows), risk-tier gating, matching runbooks
// to an incident, and executing one rendered step (command, http, check, config_change) with its
// verification and rollback. No SQL, no engine: app/runbooks.cc records runs through the engine.
//
// Safety rules that live here, below every front end:
//   - command steps are argv arrays; a parameter is substituted inside one argument and never
//     split, re-parsed or passed to a shell (alert data stays inert);
//   - URLs get parameters percent-encoded;
//   - config_change saves a backup (with its SHA-256) before writing, writes atomically, and its
//     rollback restores the backup byte for byte;
//   - every step has a timeout; processes are killed as a group when it passes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/redact.h"
#include "core/result.h"
#include "model/catalog.h"

namespace firebreak::runbook {

namespace json = boost::json;
using Params = std::map<std::string, std::string>;

// Validates and completes parameters: given values first, then alert labels of the same name,
// then defaults. Unknown or invalid values are InvalidArgument naming "params.<name>".
Result<Params> BindParams(const model::Runbook& rb, const config::Config& cfg, const Params& given,
                          const Params& labels = {});

// Values of parameters marked secret (the redactor hides them everywhere).
std::vector<std::string> SecretValues(const model::Runbook& rb, const Params& params);

// Replaces every {{name}} in `s` with params[name] (percent-encoded when `url_encode`, except a
// parameter that starts the URL: it is its base and must itself be an http(s) URL). Unknown
// names are InvalidArgument.
Result<std::string> Substitute(std::string_view s, const Params& params, bool url_encode = false);

// One rendered step as JSON: {index, id, name, kind, category, risk, timeout_ms, spec,
// rollback?, verify?}. `spec` holds the kind's fields with parameters substituted.
Result<json::object> RenderStep(const model::RunbookStep& st, const Params& params, int index);
// All steps in order.
Result<json::array> RenderPlan(const model::Runbook& rb, const Params& params);

// Whether the plan needs approval before anything runs, and why (empty when not).
std::string ApprovalReason(const model::Runbook& rb, bool breaker_open);
// The rollback plan, one line per step that has one (reverse order of execution).
std::vector<std::string> RollbackPlan(const json::array& plan);
// One line describing a rendered step ("command: restart.sh web").
std::string Describe(const json::object& step);

// Ranking of runbooks for an incident.
struct MatchInput {
  std::vector<std::string> services;
  Params labels;
  std::vector<std::string> logs;  // error log lines or templates
  std::optional<model::Severity> severity;
};
struct MatchResult {
  const model::Runbook* runbook = nullptr;
  int score = 0;
  std::vector<std::string> reasons;
};
// Runbooks that apply at all (score > 0), best first (ties by id).
std::vector<MatchResult> Match(const config::Config& cfg, const MatchInput& in);

// Where steps run.
struct ExecEnv {
  std::string sandbox;     // working directory of commands; relative config_change paths live here
  std::string config_dir;  // relative program paths (with a '/') resolve against it
  std::string backup_dir;  // config_change backups
  size_t max_output = 64 * 1024;
};

// What one step did.
struct StepOutcome {
  bool ok = false;
  std::string error;  // why it failed (empty when ok)
  json::object detail;  // argv/url, exit_code, status, stdout, stderr, elapsed_ms, backup {path, sha256}, ...
};

// Executes a rendered step (not `manual`). `tag` names backups uniquely (run and step ids).
StepOutcome Execute(const json::object& step, const ExecEnv& env, const std::string& tag);
// Rolls back a config_change step from the backup recorded in its outcome detail.
StepOutcome RestoreBackup(const json::object& detail);

}  // namespace firebreak::runbook
