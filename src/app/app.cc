#include "app/app.h"

#include <fcntl.h>
#include <cstring>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "app/read_filters.h"
#include "config/loader.h"
#include "core/json.h"
#include "core/crypto.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::app {

namespace {
// A configuration directory that failed to load: every error, one per line, after `lead`.
Error InvalidConfig(std::string lead, const config::Diagnostics& diagnostics) {
  for (const auto& d : diagnostics.Sorted())
    if (d.level == config::Diagnostic::Level::kError) lead += "\n" + d.ToString();
  return Error{ErrorCode::kInvalidArgument, std::move(lead), "config"};
}
}  // namespace

Result<std::unique_ptr<App>> App::Open(const AppOptions& opt) {
  std::unique_ptr<App> a(new App());
  if (opt.clock) {
    a->clock_ = opt.clock;
  } else if (opt.manual_clock_start) {
    a->manual_clock_ = std::make_unique<core::ManualClock>(*opt.manual_clock_start);
    a->clock_ = a->manual_clock_.get();
  } else {
    a->real_clock_ = std::make_unique<core::RealClock>();
    a->clock_ = a->real_clock_.get();
  }
  config::LoadResult loaded;
  if (opt.config_dir.empty()) {
    // Offline tools (token, audit) may run without a config: an empty catalog.
    auto empty = std::make_shared<config::Config>();
    empty->Index();
    loaded.config = std::move(empty);
  } else {
    loaded = config::LoadConfigDir(opt.config_dir);
  }
  if (!loaded.config)
    return Unexpected(InvalidConfig("invalid configuration in " + opt.config_dir + ":", loaded.diagnostics));
  for (const auto& d : loaded.diagnostics.Sorted()) a->warnings_.push_back(d);
  a->config_dir_ = opt.config_dir;
  a->config_fingerprint_ = loaded.fingerprint;
  store::StoreOptions so;
  so.synchronous = opt.synchronous;
  FB_ASSIGN_OR_RETURN(a->store_, store::Store::OpenDir(opt.data_dir, so));
  a->file_config_ = loaded.config;
  std::shared_ptr<const config::Config> running;
  {
    FB_ASSIGN_OR_RETURN(auto tx, a->store_->BeginRead());
    FB_ASSIGN_OR_RETURN(auto book, LoadOverrides(*tx));
    running = WithOverrides(loaded.config, book.items);
  }
  a->engine_ = std::make_unique<engine::Engine>(*a->store_, *a->clock_, running);
  paging::PagerOptions po;
  po.data_dir = opt.data_dir;
  FB_ASSIGN_OR_RETURN(a->pager_, paging::Pager::Create(*a->engine_, a->metrics_, po));
  a->runbooks_ = std::make_unique<Runbooks>(*a->engine_, *a->store_, opt.data_dir);
  FB_TRY(a->engine_->LoadTimers());
  a->alerts_ = std::make_unique<engine::AlertPipeline>(*a->engine_);
  FB_TRY(a->alerts_->Load());
  a->analysis_ = std::make_unique<Analysis>(*a->engine_, *a->store_, *a->clock_, a->metrics_);
  FB_TRY(a->analysis_->Install());
  a->reports_ = std::make_unique<Reports>(*a->engine_, *a->store_, a->metrics_);
  if (a->pager_) {
    paging::Pager* pager = a->pager_.get();
    a->reports_->SetAnnouncer([pager](engine::Tx& tx, const model::Incident& inc, bool external, const std::string& text) {
      return pager->AnnounceStatusUpdate(tx, inc, external, text);
    });
  }
  {
    App* self = a.get();
    a->resilience_ = std::make_unique<Resilience>(
        [self] { return self->engine_->config(); }, *a->clock_,
        [self]() -> Result<std::vector<model::Incident>> {
          FB_ASSIGN_OR_RETURN(auto tx, self->store_->BeginRead());
          store::IncidentFilter f;
          f.open_only = true;
          f.limit = 1000;
          return tx->incidents().List(f);
        });
  }
  FB_TRY(a->OpenLogs());
  return a;
}

App::~App() { Stop(); }

void App::Start() {
  engine_->Start();
  // Maintenance windows start (or end) their silences now, not at the first command that comes.
  engine_->Submit<bool>(
      [pipeline = alerts_.get()](engine::Tx& tx) -> Result<bool> {
        FB_TRY(pipeline->Resync(tx));
        return true;
      },
      [](Result<bool> r) {
        if (!r) spdlog::error("alerts: start-up sync failed: {}", r.error().ToString());
      });
  runbooks_->Start();
  if (pager_) pager_->Start();
  resilience_->StartPrecompute();
}
void App::Stop() {
  if (runbooks_) runbooks_->Stop();
  // The analysis worker first: a running analysis still records its result through the engine.
  if (analysis_) analysis_->Stop();
  if (pager_) pager_->Stop();  // its last outcomes are recorded by the engine below
  if (engine_) engine_->Stop();
}

// ---- configuration ----------------------------------------------------------------------------

namespace {

// Settings the process reads once at start-up (the HTTP server's body limit and allowed hosts, the
// log miner) that differ between two configurations.
std::vector<std::string> RestartRequired(const config::Config& a, const config::Config& b) {
  std::vector<std::string> out;
  const auto& x = a.settings;
  const auto& y = b.settings;
  if (x.max_body_bytes != y.max_body_bytes) out.push_back("settings.max_body_bytes");
  if (x.public_url != y.public_url) out.push_back("settings.public_url");
  if (x.secret_names != y.secret_names) out.push_back("settings.secret_names (log exemplars)");
  // The pager's delivery threads and per-destination rate limiter are set up when it starts.
  if (x.paging.workers != y.paging.workers) out.push_back("settings.paging.workers");
  if (x.paging.rate_per_minute != y.paging.rate_per_minute) out.push_back("settings.paging.rate_per_minute");
  if (x.paging.burst != y.paging.burst) out.push_back("settings.paging.burst");
  const auto& l = x.logs;
  const auto& m = y.logs;
  if (l.format != m.format) out.push_back("settings.logs.format");
  if (l.similarity != m.similarity) out.push_back("settings.logs.similarity");
  if (l.min_distinct != m.min_distinct) out.push_back("settings.logs.min_distinct");
  if (l.max_templates != m.max_templates) out.push_back("settings.logs.max_templates");
  if (l.masks != m.masks) out.push_back("settings.logs.masks");
  if (l.exemplars != m.exemplars) out.push_back("settings.logs.exemplars");
  return out;
}

}  // namespace

Result<ReloadReport> App::ReloadConfig(const model::Principal& who) {
  FB_TRY(model::RequireScope(who, model::kScopeAdmin));
  if (config_dir_.empty()) return FailedPrecondition("this process was started without a configuration directory");
  std::lock_guard lock(reload_mu_);
  auto count = [this](bool ok) {
    metrics_.GetCounter("firebreak_config_reloads_total", "Configuration reloads", {{"result", ok ? "success" : "failure"}})
        .Inc();
    metrics_.GetGauge("firebreak_config_last_reload_successful", "1 if the last configuration reload succeeded")
        .Set(ok ? 1 : 0);
  };
  auto fail = [&count](Error e) -> Result<ReloadReport> {
    count(false);
    spdlog::warn("config: reload refused: {}", e.message);
    return Unexpected(std::move(e));
  };
  config::LoadResult loaded = config::LoadConfigDir(config_dir_);
  if (!loaded.config)
    return fail(InvalidConfig("invalid configuration in " + config_dir_ + " (the running configuration is unchanged):",
                              loaded.diagnostics));
  auto old = config();
  ReloadReport r;
  r.config_dir = config_dir_;
  r.fingerprint = loaded.fingerprint;
  r.changed = loaded.fingerprint != config_fingerprint_;
  const auto& c = *loaded.config;
  r.services = c.services.size();
  r.people = c.people.size();
  r.schedules = c.schedules.size();
  r.policies = c.policies.size();
  r.runbooks = c.runbooks.size();
  r.integrations = c.integrations.size();
  r.restart_required = RestartRequired(*old, c);
  for (const auto& d : loaded.diagnostics.Sorted()) r.warnings.push_back(d);
  // Swapped, then audited and announced (topic "config" on the stream, after the commit, so a
  // subscriber that reacts to it already sees the new configuration). If the audit entry cannot be
  // written, the old configuration is put back and the reload fails.
  boost::json::object details{{"config_dir", r.config_dir},
                              {"fingerprint", r.fingerprint},
                              {"previous_fingerprint", config_fingerprint_},
                              {"changed", r.changed},
                              {"services", r.services},
                              {"policies", r.policies},
                              {"runbooks", r.runbooks}};
  // The new files with the stored schedule overrides, set on the engine thread (where override
  // commands set it too, so neither can undo the other).
  auto run_with = [this](std::shared_ptr<const config::Config> files) -> Status {
    {
      std::lock_guard lk(file_config_mu_);
      file_config_ = std::move(files);
    }
    auto applied = engine_->Call<bool>([this](engine::Tx& tx) -> Result<bool> {
      FB_ASSIGN_OR_RETURN(auto book, LoadOverrides(tx.store()));
      ApplyOverrides(book.items);
      return true;
    });
    if (!applied) return Unexpected(applied.error());
    return Ok();
  };
  auto old_files = FileConfig();
  if (auto st = run_with(loaded.config); !st) {
    (void)run_with(old_files);
    return fail(st.error());
  }
  auto* pipeline = alerts_.get();
  auto* pager = pager_.get();
  auto audited = engine_->Call<bool>([who, details, pipeline, pager](engine::Tx& tx) -> Result<bool> {
    FB_TRY(tx.Audit(who.actor, "config.reload", "config", details));
    if (pipeline) FB_TRY(pipeline->Resync(tx));
    // A person removed, or whose notification rules no longer send a step already planned: dropped.
    if (pager) FB_TRY(pager->ReviewPlannedSteps(tx, nullptr, "configuration reloaded"));
    // The audit head's cadence may have changed (or its publication been turned on or off).
    if (pager) FB_TRY(pager->PublishAuditHead(tx));
    tx.Publish(engine::Change{"config", details.at("fingerprint").as_string().c_str(), details});
    return true;
  });
  if (!audited) {
    (void)run_with(old_files);
    return fail(audited.error());
  }
  config_fingerprint_ = r.fingerprint;
  count(true);
  metrics_.GetGauge("firebreak_config_last_reload_success_timestamp_seconds",
             "When the configuration was last reloaded successfully (Unix seconds)")
      .Set(static_cast<double>(core::ToUnixMillis(clock_->Now())) / 1000.0);
  spdlog::info("config: reloaded {} ({}; {} services, {} policies, {} runbooks){}", config_dir_,
               r.changed ? "changed" : "unchanged", r.services, r.policies, r.runbooks,
               r.restart_required.empty() ? "" : "; restart to apply: " + core::Join(r.restart_required, ", "));
  return r;
}

// ---- identity ---------------------------------------------------------------------------------

namespace {
constexpr std::string_view kTokenPrefix = "fbt_";

Result<std::pair<std::string, std::string>> SplitToken(std::string_view tok) {
  if (tok.substr(0, kTokenPrefix.size()) != kTokenPrefix)
    return Unauthenticated("malformed token (expected fbt_<id>_<secret>)");
  tok.remove_prefix(kTokenPrefix.size());
  auto us = tok.find('_');
  if (us == std::string_view::npos || us == 0 || us + 1 >= tok.size() || tok.size() > 200)
    return Unauthenticated("malformed token (expected fbt_<id>_<secret>)");
  return std::make_pair("t_" + std::string(tok.substr(0, us)), std::string(tok.substr(us + 1)));
}
}  // namespace

Result<model::Principal> App::Authenticate(std::string_view authorization) const {
  std::string_view tok = core::Trim(authorization);
  if (tok.empty()) return Unauthenticated("missing bearer token (Authorization: Bearer <token>)");
  if (tok.size() > 7 && core::ToLower(tok.substr(0, 7)) == "bearer ") tok = core::Trim(tok.substr(7));
  FB_ASSIGN_OR_RETURN(auto parts, SplitToken(tok));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto rec, tx->tokens().Get(parts.first));
  if (!rec || !core::ConstantTimeEquals(rec->hash, core::Sha256Hex(parts.second)))
    return Unauthenticated("unknown token");
  if (rec->revoked_at) return Unauthenticated("token " + rec->id + " was revoked");
  model::Principal p;
  p.token_id = rec->id;
  p.person = rec->person;
  p.scopes = rec->scopes;
  p.actor = rec->person.empty() ? model::Actor::Token(rec->id) : model::Actor::Person(rec->person);
  return p;
}

Result<NewToken> App::CreateToken(const model::Principal& who, const TokenRequest& req) {
  FB_TRY(model::RequireScope(who, model::kScopeAdmin));
  FB_ASSIGN_OR_RETURN(auto scopes, model::ParseScopes(req.scopes));
  auto cfg = config();
  if (!req.person.empty() && !cfg->FindPerson(req.person))
    return InvalidArgument("unknown person '" + core::Truncate(req.person, 64) + "' (not in the config)",
                           "person");
  if (req.name.size() > 200) return InvalidArgument("name is too long", "name");
  std::string id_hex = core::RandomHex(6);
  std::string secret = core::RandomHex(24);
  NewToken nt;
  nt.token = std::string(kTokenPrefix) + id_hex + "_" + secret;
  nt.record.id = "t_" + id_hex;
  nt.record.hash = core::Sha256Hex(secret);
  nt.record.person = req.person;
  nt.record.name = req.name.empty() ? (req.person.empty() ? "token" : req.person) : req.name;
  nt.record.scopes = scopes;
  auto rec = nt.record;
  auto stored = engine_->Call<store::TokenRecord>([rec, who](engine::Tx& tx) mutable -> Result<store::TokenRecord> {
    rec.created_at = tx.now();
    FB_TRY(tx.store().tokens().Insert(rec));
    FB_TRY(tx.Audit(who.actor, "token.create", "token:" + rec.id,
                    {{"person", rec.person}, {"name", rec.name}, {"scopes", model::ScopesToString(rec.scopes)}}));
    return rec;
  });
  if (!stored) return Unexpected(stored.error());
  nt.record = *stored;
  return nt;
}

Result<std::vector<store::TokenRecord>> App::ListTokens(const model::Principal& who) {
  FB_TRY(model::RequireScope(who, model::kScopeAdmin));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  return tx->tokens().List();
}

Status App::RevokeToken(const model::Principal& who, const std::string& id) {
  FB_TRY(model::RequireScope(who, model::kScopeAdmin));
  return engine_->Call<bool>([id, who](engine::Tx& tx) -> Result<bool> {
               FB_TRY(tx.store().tokens().Revoke(id, tx.now()));
               FB_TRY(tx.Audit(who.actor, "token.revoke", "token:" + id));
               return true;
             })
      .map([](bool) {});
}

Result<std::optional<NewToken>> App::EnsureBootstrapToken() {
  {
    FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
    FB_ASSIGN_OR_RETURN(int64_t n, tx->tokens().CountActive());
    if (n > 0) return std::optional<NewToken>();
  }
  TokenRequest req{"", "read,write,approve,admin", "bootstrap-admin"};
  FB_ASSIGN_OR_RETURN(auto nt, CreateToken(model::Principal::System("app"), req));
  return std::optional<NewToken>(std::move(nt));
}

// ---- commands ---------------------------------------------------------------------------------

template <class F>
void App::Run(F fn, Callback<model::Incident> cb) {
  engine_->Submit<model::Incident>(std::function<Result<model::Incident>(engine::Tx&)>(std::move(fn)),
                                   std::move(cb));
}

void App::Declare(const model::Principal& who, engine::DeclareSpec spec, Callback<model::Incident> cb) {
  Run([who, spec = std::move(spec)](engine::Tx& tx) { return engine::Declare(tx, who, spec); }, std::move(cb));
}

void App::Transition(const model::Principal& who, std::string id, model::Transition t, TransitionRequest req,
                     Callback<model::Incident> cb) {
  Run([who, id = std::move(id), t, req = std::move(req)](engine::Tx& tx) {
        return engine::ApplyTransition(tx, who, id, t, req.note);
      },
      std::move(cb));
}

void App::Note(const model::Principal& who, std::string id, NoteRequest req, Callback<model::Incident> cb) {
  Run([who, id = std::move(id), req = std::move(req)](engine::Tx& tx) { return engine::AddNote(tx, who, id, req.text); },
      std::move(cb));
}

void App::ChangeSeverity(const model::Principal& who, std::string id, SeverityRequest req, Callback<model::Incident> cb) {
  Run([who, id = std::move(id), req = std::move(req)](engine::Tx& tx) {
        return engine::SetSeverity(tx, who, id, req.severity, req.reason);
      },
      std::move(cb));
}

void App::AssignRole(const model::Principal& who, std::string id, RoleRequest req, Callback<model::Incident> cb) {
  Run([who, id = std::move(id), req = std::move(req)](engine::Tx& tx) {
        return engine::AssignRole(tx, who, id, req.role, req.person);
      },
      std::move(cb));
}

void App::SetImpact(const model::Principal& who, std::string id, ImpactRequest req, Callback<model::Incident> cb) {
  Run([who, id = std::move(id), req = std::move(req)](engine::Tx& tx) { return engine::SetImpact(tx, who, id, req.impact); },
      std::move(cb));
}

void App::AddServices(const model::Principal& who, std::string id, ServicesRequest req, Callback<model::Incident> cb) {
  // The same bound as every other reason and note on an incident (engine/incidents.cc).
  if (req.reason.size() > 20000)
    return cb(InvalidArgument("reason is too long (" + std::to_string(req.reason.size()) + " bytes, max 20000)",
                              "reason"));
  Run([who, id = std::move(id), req = std::move(req)](engine::Tx& tx) {
        return engine::AddServices(tx, who, id, req.services, req.reason);
      },
      std::move(cb));
}

void App::AddResponders(const model::Principal& who, std::string id, RespondersRequest req,
                        Callback<model::Incident> cb) {
  Run([this, who, id = std::move(id), req = std::move(req)](engine::Tx& tx) {
        return pager_->AddResponders(tx, who, id, req.targets, req.message);
      },
      std::move(cb));
}

void App::AnswerResponder(const model::Principal& who, std::string id, std::string person, ResponderAnswer req,
                          Callback<model::Incident> cb) {
  if (person == "me") {
    if (who.person.empty()) {
      cb(InvalidArgument("this token belongs to no person: name one instead of me", "person"));
      return;
    }
    person = who.person;
  }
  Run([this, who, id = std::move(id), person = std::move(person), req = std::move(req)](engine::Tx& tx) {
        return pager_->AnswerResponder(tx, who, id, person, req.accept, req.note);
      },
      std::move(cb));
}

void App::Snooze(const model::Principal& who, std::string id, SnoozeRequest req, Callback<model::Incident> cb) {
  Run([who, id = std::move(id), req = std::move(req)](engine::Tx& tx) {
        return engine::Snooze(tx, who, id, req.duration, req.note);
      },
      std::move(cb));
}

void App::Merge(const model::Principal& who, std::string id, MergeRequest req, Callback<model::Incident> cb) {
  Run([this, who, id = std::move(id), req = std::move(req)](engine::Tx& tx) {
        return alerts_->Merge(tx, who, id, req.incidents, req.note);
      },
      std::move(cb));
}

void App::RecordAudit(const model::Principal& who, std::string action, std::string target,
                      boost::json::object details, Callback<bool> cb) {
  engine_->Submit<bool>(
      [actor = who.actor, action = std::move(action), target = std::move(target),
       details = std::move(details)](engine::Tx& tx) mutable -> Result<bool> {
        FB_TRY(tx.Audit(actor, action, target, std::move(details)));
        return true;
      },
      std::move(cb));
}

model::Principal AgentPrincipal(const model::Principal& token_principal, std::string_view client_name) {
  std::string name;
  for (char c : client_name) {
    if (name.size() >= 64) break;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    name += ok ? c : '_';
  }
  if (name.empty()) name = "unknown";
  model::Principal p = token_principal;
  p.actor = model::Actor::Agent(name);
  // Agents never approve and never administer, whatever token they were given: `admin` implies
  // every scope, so it becomes read+write, and `approve` is dropped. Approval stays with people.
  model::Scopes s = p.scopes;
  if (s & model::kScopeAdmin) s |= model::kScopeRead | model::kScopeWrite;
  p.scopes = s & ~(model::kScopeAdmin | model::kScopeApprove);
  return p;
}

// ---- queries ----------------------------------------------------------------------------------

Result<std::vector<model::Incident>> App::ListIncidents(const model::Principal& who,
                                                        const store::IncidentFilter& f) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  if (f.service) FB_TRY(CheckServiceFilter(*config(), *tx, *f.service));
  return tx->incidents().List(f);
}

Result<model::Incident> App::GetIncident(const model::Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(id));
  if (!inc) return NotFound("incident '" + core::Truncate(id, 64) + "' not found", "id");
  return std::move(*inc);
}

Result<std::vector<model::TimelineEntry>> App::Timeline(const model::Principal& who, std::string_view id,
                                                        int64_t after, int limit) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(id));
  if (!inc) return NotFound("incident '" + core::Truncate(id, 64) + "' not found", "id");
  return tx->timeline().List(id, after, limit);
}

Result<std::vector<model::AuditEntry>> App::Audit(const model::Principal& who, const store::AuditFilter& f) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  return tx->audit().List(f);
}

Result<SystemStatus> App::GetSystemStatus(const model::Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  SystemStatus st;
  st.at = clock_->Now();
  for (auto sev : model::kAllSeverities) st.open_by_severity[sev] = 0;
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto counts, tx->incidents().CountOpenBySeverity());
  for (const auto& [name, n] : counts) {
    auto sev = model::ParseSeverity(name);
    if (!sev) continue;
    st.open_by_severity[*sev] = n;
    st.open_total += n;
  }
  for (auto sev : model::kAllSeverities) {
    int64_t n = st.open_by_severity[sev];
    if (n == 0) continue;
    auto level = model::DefenseLevelOf(sev);
    if (level > st.defense_level || st.reasons.empty()) {
      if (level > st.defense_level) st.defense_level = level;
      st.reasons.push_back(std::to_string(n) + " open " + std::string(model::SeverityName(sev)) + " incident" +
                           (n == 1 ? "" : "s") + " (" + std::string(model::DefenseLevelName(level)) + ")");
    }
  }
  if (st.reasons.empty()) st.reasons.push_back("no open incidents");
  // The other inputs of the system level (DESIGN.md §3), as GET /api/v1/status and
  // get_defense_level count them: utilization and on-call coverage.
  FB_ASSIGN_OR_RETURN(auto defense, resilience_->GetDefenseLevel(who));
  const auto& components = defense.at("components").as_object();
  auto component = [&](std::string_view name) {
    return Resilience::ComponentLevel(defense, name).value_or(model::DefenseLevel::kGreen);
  };
  if (auto u = component("utilization"); u != model::DefenseLevel::kGreen) {
    std::string hot;
    for (const auto& x : components.at("utilization").at("services").as_array()) {
      if (model::ParseDefenseLevel(x.at("level").as_string()).value_or(model::DefenseLevel::kGreen) != u) continue;
      hot += (hot.empty() ? "" : ", ") + std::string(x.at("service").as_string());
    }
    st.reasons.push_back("utilization " + std::string(model::DefenseLevelName(u)) + ": " + hot);
    st.defense_level = model::Worst(st.defense_level, u);
  }
  if (auto c = component("coverage"); c != model::DefenseLevel::kGreen) {
    for (const auto& f : components.at("coverage").at("findings").as_array())
      st.reasons.push_back("on-call coverage " + std::string(f.at("level").as_string()) + ": " +
                           std::string(f.at("detail").as_string()));
    st.defense_level = model::Worst(st.defense_level, c);
  }
  // The worst open incidents: one query per severity, worst first, until five are found.
  for (auto sev : model::kAllSeverities) {
    if (st.worst_open.size() >= 5 || st.open_by_severity[sev] == 0) continue;
    store::IncidentFilter f;
    f.open_only = true;
    f.severity = sev;
    f.limit = static_cast<int>(5 - st.worst_open.size());
    FB_ASSIGN_OR_RETURN(auto list, tx->incidents().List(f));
    for (auto& i : list) st.worst_open.push_back(std::move(i));
  }
  return st;
}

Result<BlastRadius> App::ComputeBlastRadius(const model::Principal& who, std::vector<std::string> services) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = config();
  for (size_t i = 0; i < services.size(); ++i) {
    if (!cfg->FindService(services[i]))
      return InvalidArgument("unknown service '" + core::Truncate(services[i], 64) + "'",
                             "services[" + std::to_string(i) + "]");
  }
  std::sort(services.begin(), services.end());
  services.erase(std::unique(services.begin(), services.end()), services.end());
  BlastRadius b;
  b.dependents = cfg->Dependents(services);
  b.services = std::move(services);
  for (const auto* list : {&b.services, &b.dependents})
    for (const auto& id : *list)
      if (const auto* svc = cfg->FindService(id); svc && svc->customer_facing) b.customer_facing.push_back(id);
  std::sort(b.customer_facing.begin(), b.customer_facing.end());
  return b;
}

namespace {
// The chain head kept beside the chain, "seq:hash" ("0:" before the first entry).
Result<std::string> StoredHead(store::Tx& tx) {
  FB_ASSIGN_OR_RETURN(auto head, tx.meta().Get("audit_head"));
  return head.value_or("0:");
}

// An anchor ("seq:hash" as StoredHead gives it): its seq and lower-case hash.
Result<std::pair<int64_t, std::string>> ParseAnchor(std::string_view anchor) {
  const auto colon = anchor.find(':');
  int64_t seq = 0;
  std::string hash = core::ToLower(colon == std::string_view::npos ? "" : anchor.substr(colon + 1));
  auto [p, ec] = std::from_chars(anchor.data(), anchor.data() + std::min(colon, anchor.size()), seq);
  if (colon == std::string_view::npos || ec != std::errc() || p != anchor.data() + colon || seq <= 0 ||
      hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string::npos)
    return InvalidArgument("anchor must be seq:hash as the audit head gives it", "anchor");
  return std::pair{seq, std::move(hash)};
}

Result<audit::VerifyResult> VerifyStore(store::Store& s, std::string_view anchor = {}) {
  std::optional<std::pair<int64_t, std::string>> kept;
  if (!anchor.empty()) {
    FB_ASSIGN_OR_RETURN(auto a, ParseAnchor(anchor));
    kept = std::move(a);
  }
  FB_ASSIGN_OR_RETURN(auto tx, s.BeginRead());
  audit::Verifier v;
  FB_TRY(tx->audit().Scan([&](const model::AuditEntry& e) { return v.Add(e); }));
  FB_ASSIGN_OR_RETURN(auto head, tx->meta().Get("audit_head"));
  auto r = v.Finish(head.value_or(""));
  if (!r.ok || !kept) return r;
  // The stored head is rewritten as easily as the chain; a head kept elsewhere is not.
  const auto& [seq, hash] = *kept;
  store::AuditFilter f;
  f.after_seq = seq - 1;
  f.limit = 1;
  FB_ASSIGN_OR_RETURN(auto found, tx->audit().List(f));
  if (found.empty() || found.front().seq != seq) {
    r.ok = false;
    r.bad_seq = seq;
    r.problem = "the anchored entry " + std::to_string(seq) +
                " is missing: the chain was cut back (and its head rewritten) after the anchor was taken";
  } else if (found.front().hash != hash) {
    r.ok = false;
    r.bad_seq = seq;
    r.problem = "entry " + std::to_string(seq) + " no longer has the anchored hash: the chain was rewritten";
  }
  return r;
}

Result<std::unique_ptr<store::Store>> OpenReadOnly(const std::string& data_dir) {
  store::StoreOptions so;
  so.read_only = true;
  return store::Store::OpenDir(data_dir, so);
}
}  // namespace

Result<audit::VerifyResult> App::VerifyAudit(const model::Principal& who, std::string_view anchor) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  return VerifyStore(*store_, anchor);
}

Result<std::string> App::AuditHead(const model::Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  return StoredHead(*tx);
}

Result<audit::VerifyResult> VerifyAuditDir(const std::string& data_dir, std::string_view anchor) {
  FB_ASSIGN_OR_RETURN(auto s, OpenReadOnly(data_dir));
  return VerifyStore(*s, anchor);
}

Result<std::string> AuditHeadDir(const std::string& data_dir) {
  FB_ASSIGN_OR_RETURN(auto s, OpenReadOnly(data_dir));
  FB_ASSIGN_OR_RETURN(auto tx, s->BeginRead());
  return StoredHead(*tx);
}

namespace {
// Flushes a file or directory to disk.
Status SyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Unavailable("cannot sync " + path + ": " + std::strerror(err));
  return Ok();
}
}  // namespace

Result<BackupReport> BackupDataDir(const std::string& data_dir, const std::string& to_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(to_dir, ec) && !fs::is_empty(to_dir, ec))
    return AlreadyExists("backup target " + to_dir + " is not empty (give a new or empty directory)", "to");
  store::StoreOptions ro;
  ro.read_only = true;
  FB_ASSIGN_OR_RETURN(auto src, store::Store::OpenDir(data_dir, ro));
  fs::create_directories(to_dir, ec);
  if (ec) return Unavailable("cannot create " + to_dir + ": " + ec.message());
  // The snapshot is written under a temporary name and renamed once it is on disk, so a copy
  // interrupted half-way is never mistaken for a database.
  const std::string partial = to_dir + "/firebreak.db.partial", db = to_dir + "/firebreak.db";
  fs::remove(partial, ec);
  FB_TRY(src->SnapshotTo(partial));
  FB_TRY(SyncPath(partial, false));
  fs::rename(partial, db, ec);
  if (ec) return Unavailable("cannot rename " + partial + ": " + ec.message());

  BackupReport r;
  r.to = to_dir;
  r.db_bytes = static_cast<int64_t>(fs::file_size(db, ec));
  for (const char* name : {"link.key", "runbook-backups"}) {
    fs::path from = fs::path(data_dir) / name;
    if (!fs::exists(from, ec)) continue;
    fs::copy(from, fs::path(to_dir) / name, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) return Unavailable("cannot copy " + from.string() + ": " + ec.message());
    r.copied.push_back(name);
  }
  FB_TRY(SyncPath(to_dir, true));

  // Check the copy as a restore would use it.
  FB_ASSIGN_OR_RETURN(auto copy, store::Store::OpenDir(to_dir, ro));
  r.schema_version = copy->schema_version();
  FB_TRY(copy->CheckIntegrity());
  {
    FB_ASSIGN_OR_RETURN(auto tx, copy->BeginRead());
    FB_ASSIGN_OR_RETURN(auto by_state, tx->incidents().CountByState());
    for (const auto& [state, n] : by_state) r.incidents += n;
  }
  FB_ASSIGN_OR_RETURN(r.audit, VerifyStore(*copy));
  if (!r.audit.ok)
    return Unavailable("the copy's audit chain is broken at entry " + std::to_string(r.audit.bad_seq) + ": " +
                    r.audit.problem);
  return r;
}

// ---- data directory ownership ----------------------------------------------------------------

namespace {

// Data directories locked by this process. A POSIX record lock does not conflict with its own
// process, so a second owner inside one process is refused here instead.
std::mutex g_locked_dirs_mu;
std::set<std::string> g_locked_dirs;

std::string LockKey(const std::string& data_dir) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(data_dir, ec);
  return ec ? data_dir : p.string();
}

}  // namespace

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& data_dir, const std::string& command) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Unavailable("cannot create data directory " + data_dir + ": " + ec.message());
  std::string key = LockKey(data_dir);
  std::lock_guard<std::mutex> g(g_locked_dirs_mu);
  if (g_locked_dirs.count(key))
    return FailedPrecondition("data directory " + data_dir + " is already open in this process", "data");
  std::string path = data_dir + "/firebreak.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  // A POSIX record lock, not flock: it belongs to this process alone. A child that inherited the
  // descriptor (a runbook step or notifier between fork and exec) does not keep it held after
  // this process dies, so a restart right after kill -9 is never refused.
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd, F_SETLK, &fl) != 0) {
    int err = errno;
    ::close(fd);
    if (err != EAGAIN && err != EACCES) return Unavailable("cannot lock " + path + ": " + std::strerror(err));
    auto owner = ReadOwner(data_dir);
    std::string who = "another firebreak process";
    if (auto* c = owner.if_contains("command"); c && c->is_string())
      who = "`firebreak " + std::string(c->get_string()) + "`";
    if (auto* p = owner.if_contains("pid"); p && p->is_int64()) who += " (pid " + std::to_string(p->get_int64()) + ")";
    std::string msg = "data directory " + data_dir + " is in use by " + who;
    if (command == "mcp") {
      std::string url;
      if (auto* u = owner.if_contains("url"); u && u->is_string()) url = std::string(u->get_string());
      std::string base = url.empty() ? std::string("http://HOST:PORT") : url;
      msg += "; one process owns a data directory, so connect your MCP client to the running server's "
             "Streamable HTTP endpoint instead: " + base + "/mcp, or keep stdio with `firebreak mcp --server " +
             base + "` (a bridge to it)";
    }
    return FailedPrecondition(msg, "data");
  }
  g_locked_dirs.insert(key);
  std::unique_ptr<DataDirLock> l(new DataDirLock());
  l->fd_ = fd;
  l->key_ = key;
  l->command_ = command;
  l->Write();
  return l;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) {
    if (::ftruncate(fd_, 0) != 0) {
      // Best effort: a stale owner record is harmless once the lock is released.
    }
    ::close(fd_);  // releases the record lock
    std::lock_guard<std::mutex> g(g_locked_dirs_mu);
    g_locked_dirs.erase(key_);
  }
}

void DataDirLock::SetUrl(const std::string& url) {
  url_ = url;
  Write();
}

void DataDirLock::Write() {
  boost::json::object o{{"pid", static_cast<int64_t>(::getpid())}, {"command", command_}};
  if (!url_.empty()) o["url"] = url_;
  std::string text = core::ToJson(o) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    // The owner record only improves the message other processes print; the lock is what counts.
  }
}

boost::json::object DataDirLock::ReadOwner(const std::string& data_dir) {
  // Only for processes that do not hold the lock: closing any descriptor of the lock file would
  // release a POSIX record lock held by this process.
  std::ifstream in(data_dir + "/firebreak.lock");
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = core::ParseJson(ss.str());
  if (!v || !v->is_object()) return {};
  return v->get_object();
}

void App::RefreshGauges() {
  auto tx = store_->BeginRead();
  if (!tx) return;
  auto counts = (*tx)->incidents().CountByState();
  if (counts) {
    for (auto st : {model::IncidentState::kTriggered, model::IncidentState::kAcknowledged,
                    model::IncidentState::kMitigated, model::IncidentState::kResolved, model::IncidentState::kClosed}) {
      std::string name(model::StateName(st));
      auto it = counts->find(name);
      metrics_.GetGauge("firebreak_incidents", "Incidents by state", {{"state", name}})
          .Set(it == counts->end() ? 0 : static_cast<double>(it->second));
    }
  }
  if (logs_) {
    metrics_.GetGauge("firebreak_log_templates", "Log templates held in memory (all services)")
        .Set(static_cast<double>(logs_->templates_in_memory()));
    metrics_.GetGauge("firebreak_log_services", "Services with mined logs in memory")
        .Set(static_cast<double>(logs_->services_in_memory()));
  }
  if (pager_) pager_->RefreshGauges();
  reports_->RefreshGauges();
  auto s = engine_->stats();
  metrics_.GetGauge("firebreak_engine_batches", "Transactions committed by the engine").Set(static_cast<double>(s.batches));
  metrics_.GetGauge("firebreak_engine_commands", "Commands run by the engine").Set(static_cast<double>(s.commands));
  metrics_.GetGauge("firebreak_engine_failed_commands", "Commands refused or rolled back")
      .Set(static_cast<double>(s.failed_commands));
  metrics_.GetGauge("firebreak_engine_timers_fired", "Durable timers fired").Set(static_cast<double>(s.timers_fired));
  metrics_.GetGauge("firebreak_engine_commit_failures", "Batches whose commit failed")
      .Set(static_cast<double>(s.commit_failures));
  if (alerts_) {
    const auto& c = alerts_->counters();
    auto set = [&](const char* kind, uint64_t v) {
      metrics_.GetGauge("firebreak_alert_events", "Alert events ingested by outcome", {{"outcome", kind}})
          .Set(static_cast<double>(v));
    };
    set("new", c.new_alerts);
    set("repeat", c.repeats);
    set("resolved", c.resolved);
    set("acknowledged", c.acknowledged);
    set("ignored", c.ignored);
    set("silenced", c.silenced);
    set("inhibited", c.inhibited);
    set("collapsed", c.collapsed);
    metrics_.GetGauge("firebreak_alert_incidents_opened", "Incidents opened by alerts")
        .Set(static_cast<double>(c.incidents_opened));
    metrics_.GetGauge("firebreak_alert_storms", "Alert storms started").Set(static_cast<double>(c.storms));
    metrics_.GetGauge("firebreak_alerts_expired", "Alerts resolved because their source stopped re-sending them")
        .Set(static_cast<double>(c.expired));
    metrics_.GetGauge("firebreak_heartbeat_pings", "Heartbeat pings received").Set(static_cast<double>(c.heartbeat_pings));
    metrics_.GetGauge("firebreak_heartbeats_missed", "Heartbeats missed (each opened or joined an incident)")
        .Set(static_cast<double>(c.heartbeats_missed));
  }
  auto cfg = config();
  if (!cfg->heartbeats.empty()) {
    if (auto list = engine::HeartbeatStatuses(**tx, *cfg)) {
      for (const auto& h : *list) {
        metrics_.GetGauge("firebreak_heartbeat_up", "1 while a heartbeat is pinged in time, 0 when missed or never pinged",
                          {{"heartbeat", h.id}})
            .Set(h.state == "up" ? 1 : 0);
        if (h.last_ping)
          metrics_.GetGauge("firebreak_heartbeat_last_ping_timestamp_seconds", "Time of a heartbeat's last ping",
                            {{"heartbeat", h.id}})
              .Set(static_cast<double>(core::ToUnixMillis(*h.last_ping)) / 1000.0);
      }
    }
  }
}

}  // namespace firebreak::app
