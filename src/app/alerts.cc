// App surface of ingestion, correlation, silences and change events.
#include "app/app.h"
#include "app/read_filters.h"
#include "core/crypto.h"
#include "core/strings.h"

namespace firebreak::app {

Result<model::Integration> App::FindIntegration(std::string_view key, std::string_view field) const {
  if (key.empty())
    return MakeError(ErrorCode::kUnauthenticated,
                     "missing integration key (" + std::string(field) + ")", std::string(field));
  auto cfg = config();
  std::lock_guard lock(integrations_mu_);
  if (integrations_of_ != cfg.get()) {
    integrations_.clear();
    for (const auto& in : cfg->integrations) integrations_[core::Sha256Hex(in.key)] = in;
    integrations_of_ = cfg.get();
  }
  auto it = integrations_.find(core::Sha256Hex(key));
  if (it == integrations_.end())
    return MakeError(ErrorCode::kUnauthenticated, "unknown integration key (" + std::string(field) + ")",
                     std::string(field));
  return it->second;
}

void App::IngestAlerts(std::shared_ptr<const engine::IngestRequest> req, Callback<engine::IngestResult> cb) {
  auto* pipeline = alerts_.get();
  engine_->Submit<engine::IngestResult>(
      [pipeline, req = std::move(req)](engine::Tx& tx) mutable {
        auto r = pipeline->Ingest(tx, *req);
        req.reset();
        return r;
      },
      std::move(cb));
}

void App::RecordChange(model::Integration integration, model::ChangeEvent change, std::string service,
                       Callback<model::ChangeEvent> cb) {
  auto cfg = config();
  if (!service.empty() && !cfg->FindService(service)) {
    cb(InvalidArgument("unknown service '" + core::Truncate(service, 64) + "'", "service"));
    return;
  }
  auto* pipeline = alerts_.get();
  engine_->Submit<model::ChangeEvent>(
      [pipeline, integration = std::move(integration), change = std::move(change),
       service = std::move(service)](engine::Tx& tx) { return pipeline->RecordChange(tx, integration, change, service); },
      std::move(cb));
}

void App::CreateSilence(const model::Principal& who, engine::SilenceSpec spec, Callback<model::Silence> cb) {
  auto* pipeline = alerts_.get();
  engine_->Submit<model::Silence>(
      [pipeline, who, spec = std::move(spec)](engine::Tx& tx) { return pipeline->CreateSilence(tx, who, spec); },
      std::move(cb));
}

void App::ExpireSilence(const model::Principal& who, std::string id, Callback<model::Silence> cb) {
  auto* pipeline = alerts_.get();
  engine_->Submit<model::Silence>(
      [pipeline, who, id = std::move(id)](engine::Tx& tx) { return pipeline->ExpireSilence(tx, who, id); },
      std::move(cb));
}

void App::PingHeartbeat(std::string id, std::string via, std::optional<std::string> integration,
                        Callback<engine::HeartbeatStatus> cb) {
  auto* pipeline = alerts_.get();
  engine_->Submit<engine::HeartbeatStatus>(
      [pipeline, id = std::move(id), via = std::move(via), integration = std::move(integration)](engine::Tx& tx) {
        return pipeline->PingHeartbeat(tx, id, via, integration);
      },
      std::move(cb));
}

Result<std::vector<engine::HeartbeatStatus>> App::ListHeartbeats(const model::Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = config();
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  return engine::HeartbeatStatuses(*tx, *cfg);
}

Result<std::vector<engine::MaintenanceStatus>> App::ListMaintenanceWindows(const model::Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = config();
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  return engine::MaintenanceStatuses(*tx, *cfg, clock_->Now());
}

Result<std::vector<model::Alert>> App::ListAlerts(const model::Principal& who, const store::AlertFilter& f) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  if (f.service) FB_TRY(CheckServiceFilter(*config(), *tx, *f.service));
  if (f.incident_id) FB_TRY(CheckIncidentFilter(*tx, *f.incident_id));
  return tx->alerts().List(f);
}

Result<std::vector<model::Alert>> App::IncidentAlerts(const model::Principal& who, std::string_view incident_id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(incident_id));
  if (!inc) return NotFound("incident '" + core::Truncate(incident_id, 64) + "' not found", "id");
  store::AlertFilter f;
  f.incident_id = std::string(incident_id);
  f.limit = 10000;
  f.oldest_first = true;
  return tx->alerts().List(f);
}

Result<std::vector<model::Silence>> App::ListSilences(const model::Principal& who,
                                                      const std::optional<std::string>& state) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  auto now = clock_->Now();
  bool live_only = !state || *state == "active" || *state == "pending";
  FB_ASSIGN_OR_RETURN(auto all, tx->silences().List(live_only ? std::optional<core::TimePoint>(now) : std::nullopt));
  if (!state || *state == "all") return all;
  std::vector<model::Silence> out;
  for (auto& s : all)
    if (s.StateAt(now) == *state) out.push_back(std::move(s));
  return out;
}

Result<model::Silence> App::GetSilence(const model::Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_ASSIGN_OR_RETURN(auto s, tx->silences().Get(id));
  if (!s) return NotFound("silence '" + core::Truncate(id, 64) + "' not found", "id");
  return std::move(*s);
}

Result<std::vector<model::ChangeEvent>> App::ListChanges(const model::Principal& who, const ChangeFilter& f) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  FB_TRY(CheckServiceFilter(*config(), *tx, f.service));
  return tx->changes().List(f.from, f.to, f.service, f.limit);
}

}  // namespace firebreak::app
