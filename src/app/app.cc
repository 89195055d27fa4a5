#include "app/app.h"

#include "config/loader.h"
#include "core/crypto.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::app {

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
  if (!loaded.config) {
    std::string msg = "invalid configuration in " + opt.config_dir + ":";
    for (const auto& d : loaded.diagnostics.Sorted())
      if (d.level == config::Diagnostic::Level::kError) msg += "\n" + d.ToString();
    return InvalidArgument(msg, "config");
  }
  for (const auto& d : loaded.diagnostics.Sorted()) a->warnings_.push_back(d);
  store::StoreOptions so;
  so.synchronous = opt.synchronous;
  FB_ASSIGN_OR_RETURN(a->store_, store::Store::OpenDir(opt.data_dir, so));
  a->engine_ = std::make_unique<engine::Engine>(*a->store_, *a->clock_, loaded.config);
  paging::PagerOptions po;
  po.data_dir = opt.data_dir;
  FB_ASSIGN_OR_RETURN(a->pager_, paging::Pager::Create(*a->engine_, a->metrics_, po));
  FB_TRY(a->engine_->LoadTimers());
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
  return a;
}

App::~App() { Stop(); }

void App::Start() {
  engine_->Start();
  if (pager_) pager_->Start();
  resilience_->StartPrecompute();
}
void App::Stop() {
  if (pager_) pager_->Stop();  // its last outcomes are recorded by the engine below
  if (engine_) engine_->Stop();
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
  Run([who, id = std::move(id), req = std::move(req)](engine::Tx& tx) {
        return engine::AddServices(tx, who, id, req.services, req.reason);
      },
      std::move(cb));
}

// ---- queries ----------------------------------------------------------------------------------

Result<std::vector<model::Incident>> App::ListIncidents(const model::Principal& who,
                                                        const store::IncidentFilter& f) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
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

namespace {
Result<audit::VerifyResult> VerifyStore(store::Store& s) {
  FB_ASSIGN_OR_RETURN(auto tx, s.BeginRead());
  audit::Verifier v;
  FB_TRY(tx->audit().Scan([&](const model::AuditEntry& e) { return v.Add(e); }));
  FB_ASSIGN_OR_RETURN(auto head, tx->meta().Get("audit_head"));
  return v.Finish(head.value_or(""));
}
}  // namespace

Result<audit::VerifyResult> App::VerifyAudit(const model::Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  return VerifyStore(*store_);
}

Result<audit::VerifyResult> VerifyAuditDir(const std::string& data_dir) {
  store::StoreOptions so;
  so.read_only = true;
  FB_ASSIGN_OR_RETURN(auto s, store::Store::OpenDir(data_dir, so));
  return VerifyStore(*s);
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
  if (pager_) pager_->RefreshGauges();
  auto s = engine_->stats();
  metrics_.GetGauge("firebreak_engine_batches", "Transactions committed by the engine").Set(static_cast<double>(s.batches));
  metrics_.GetGauge("firebreak_engine_commands", "Commands run by the engine").Set(static_cast<double>(s.commands));
  metrics_.GetGauge("firebreak_engine_failed_commands", "Commands refused or rolled back")
      .Set(static_cast<double>(s.failed_commands));
  metrics_.GetGauge("firebreak_engine_timers_fired", "Durable timers fired").Set(static_cast<double>(s.timers_fired));
  metrics_.GetGauge("firebreak_engine_commit_failures", "Batches whose commit failed")
      .Set(static_cast<double>(s.commit_failures));
}

}  // namespace firebreak::app
