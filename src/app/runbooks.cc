#include "app/runbooks.h"
#include "app/read_filters.h"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "engine/incidents.h"
#include "runbook/runbook.h"

namespace firebreak::app {

namespace json = boost::json;
using model::Principal;

namespace {

constexpr const char* kApprovalTimer = "runbook.approval";
const model::Actor kSystemActor = model::Actor::System("runbook");

std::string Str(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

json::array& ArrAt(json::object& o, std::string_view k) {
  if (!o[k].is_array()) o[k] = json::array();
  return o[k].get_array();
}

std::string Now(engine::Tx& tx) { return core::FormatRfc3339(tx.now()); }

bool IsAgent(const Principal& p) { return p.actor.kind == model::Actor::Kind::kAgent || p.person.empty(); }

struct RequestBody {
  std::string runbook, incident, service, rationale, impact, rollback_plan;
  runbook::Params params, labels;
  bool dry_run = false;
};

Result<RequestBody> DecodeRequest(const json::value& body) {
  core::ObjectReader r(body, "");
  r.RejectUnknown({"runbook", "incident", "service", "params", "labels", "rationale", "expected_impact",
                   "rollback_plan", "dry_run"});
  RequestBody b;
  b.runbook = r.String("runbook", true).value_or("");
  b.incident = r.String("incident").value_or("");
  b.service = r.String("service").value_or("");
  b.params = r.StringMap("params").value_or(runbook::Params{});
  b.labels = r.StringMap("labels").value_or(runbook::Params{});
  b.rationale = r.String("rationale").value_or("");
  b.impact = r.String("expected_impact").value_or("");
  b.rollback_plan = r.String("rollback_plan").value_or("");
  b.dry_run = r.Bool("dry_run").value_or(false);
  FB_TRY(r.status());
  for (auto [text, field] : {std::pair{&b.rationale, "rationale"}, std::pair{&b.impact, "expected_impact"},
                             std::pair{&b.rollback_plan, "rollback_plan"}})
    if (text->size() > 4000) return InvalidArgument(std::string(field) + " is limited to 4000 bytes", field);
  return b;
}

// A decision's text: "reason" (rejections, breaker resets) or "note" (approvals, manual steps);
// either name is accepted so one form can send both decisions. The body may be empty; anything
// else in it (another field, a text that is not a string, a body that is not an object) is refused
// naming it, before anything is decided.
Result<std::string> DecodeDecision(const json::value& body, bool reason_first) {
  if (body.is_null()) return std::string();
  core::ObjectReader r(body, "");
  r.RejectUnknown({"note", "reason"});
  std::pair<const char*, std::string> first{"note", r.String("note").value_or("")};
  std::pair<const char*, std::string> second{"reason", r.String("reason").value_or("")};
  FB_TRY(r.status());
  if (reason_first) std::swap(first, second);
  auto& [field, text] = first.second.empty() ? second : first;
  if (text.size() > 4000) return InvalidArgument(std::string(field) + " is limited to 4000 bytes", field);
  return text;
}

// Everything a request resolves to, computed the same way for dry-runs and real requests.
struct Resolved {
  const model::Runbook* rb = nullptr;
  runbook::Params params;
  json::array plan;  // unredacted
  std::string service;
  std::optional<model::Incident> incident;
  std::string approval_reason;
  bool breaker_open = false;
  std::vector<std::string> secrets;
};

Result<Resolved> Resolve(const config::Config& cfg, store::Tx& st, const RequestBody& b) {
  Resolved r;
  r.rb = cfg.FindRunbook(b.runbook);
  if (!r.rb) return NotFound("unknown runbook '" + core::Truncate(b.runbook, 64) + "'", "runbook");
  if (!b.incident.empty()) {
    FB_ASSIGN_OR_RETURN(auto inc, st.incidents().Get(b.incident));
    if (!inc) return NotFound("incident " + core::Truncate(b.incident, 64) + " not found", "incident");
    r.incident = std::move(*inc);
  }
  // A service-typed parameter left out takes the request's `service`, else the incident's service
  // when it has exactly one (never a guess between several: restarting the wrong thing is the risk).
  runbook::Params given = b.params;
  std::string implied = b.service;
  if (implied.empty() && r.incident && r.incident->services.size() == 1) implied = r.incident->services[0];
  if (!implied.empty())
    for (const auto& p : r.rb->params)
      if (p.type == "service" && !given.count(p.name) && !b.labels.count(p.name)) given[p.name] = implied;
  FB_ASSIGN_OR_RETURN(r.params, runbook::BindParams(*r.rb, cfg, given, b.labels));
  FB_ASSIGN_OR_RETURN(r.plan, runbook::RenderPlan(*r.rb, r.params));
  // The services the run acts on: its service parameters. A request's `service` that names another
  // one is refused: the run would act on one service while its breaker and its failures were
  // looked up and counted on the other.
  std::vector<std::string> targets;
  for (const auto& p : r.rb->params)
    if (p.type == "service" && !r.params[p.name].empty()) {
      const std::string& t = r.params[p.name];
      if (!b.service.empty() && t != b.service)
        return InvalidArgument("service '" + core::Truncate(b.service, 64) + "' contradicts parameter '" + p.name +
                                   "' ('" + core::Truncate(t, 64) + "'): name one service",
                               "service");
      if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
    }
  r.service = b.service;
  if (r.service.empty() && !targets.empty()) r.service = targets[0];
  if (r.service.empty() && r.incident && !r.incident->services.empty()) r.service = r.incident->services[0];
  if (!r.service.empty() && !cfg.FindService(r.service))
    return InvalidArgument("unknown service '" + core::Truncate(r.service, 64) + "'", "service");
  if (!r.service.empty() && std::find(targets.begin(), targets.end(), r.service) == targets.end())
    targets.push_back(r.service);
  // An open breaker on any service the run touches stops its automation.
  for (const auto& t : targets) {
    FB_ASSIGN_OR_RETURN(auto br, st.runbooks().GetBreaker(t));
    if (br && Str(*br, "state") == "open") r.breaker_open = true;
  }
  r.approval_reason = runbook::ApprovalReason(*r.rb, r.breaker_open);
  r.secrets = runbook::SecretValues(*r.rb, r.params);
  return r;
}

// What a run's plan is checked against later: the SHA-256 of its unredacted rendering (the plan is
// stored redacted, and secret parameters not at all).
std::string PlanDigest(const json::array& plan) { return core::Sha256Hex(json::serialize(plan)); }

// The stored parameters of a run, or nothing when redaction changed them (secrets are never stored).
std::optional<runbook::Params> StoredParams(const store::RunRow& run) {
  if (run.doc.contains("params_redacted") && run.doc.at("params_redacted").as_bool()) return std::nullopt;
  runbook::Params p;
  if (auto it = run.doc.find("params"); it != run.doc.end() && it->value().is_object())
    for (const auto& kv : it->value().get_object())
      if (kv.value().is_string()) p[std::string(kv.key())] = std::string(kv.value().get_string());
  return p;
}

// The plan `run`'s runbook renders now from the current configuration. `params` are the request's
// unredacted parameters while this process holds them; without them (a restart) the recorded ones,
// unless redaction changed them.
Result<json::array> RenderNow(const config::Config& cfg, const store::RunRow& run, const runbook::Params* params) {
  std::optional<runbook::Params> stored;
  if (!params) {
    stored = StoredParams(run);
    if (!stored) return FailedPrecondition("the run's parameters held secrets, which are never stored; request the run again");
    params = &*stored;
  }
  const auto* rb = cfg.FindRunbook(run.runbook);
  if (!rb) return FailedPrecondition("runbook " + run.runbook + " is no longer in the configuration");
  auto plan = runbook::RenderPlan(*rb, *params);
  if (!plan) return FailedPrecondition("runbook " + run.runbook + " no longer renders: " + plan.error().message);
  return std::move(*plan);
}

// The plan the run's runbook renders now (RenderNow), provided it is still the plan that was
// requested (and, for a HIGH run, approved): `original` when it is known, else the digest recorded
// with the run. A run never executes, nor is approved for, anything else.
Result<json::array> CurrentPlan(const config::Config& cfg, const store::RunRow& run, const runbook::Params* params,
                                const json::array* original) {
  FB_ASSIGN_OR_RETURN(auto plan, RenderNow(cfg, run, params));
  bool same = original ? plan == *original : PlanDigest(plan) == Str(run.doc, "plan_sha256");
  if (!same)
    return FailedPrecondition("runbook " + run.runbook + " changed since " + run.id +
                              " was requested: what it would run now is not what was requested" +
                              (run.doc.contains("approval") ? " and shown for approval" : "") +
                              "; request the run again");
  return plan;
}

// After a restart onto a runbook that changed since `run` was requested: the steps of the recorded
// plan that the runbook, rendered now with the recorded parameters, still has identically at the same
// place, by index. What undoes one of them is known for certain (it was declared then and is still
// declared now). None when the parameters held secrets (the recorded plan is redacted) or the runbook
// no longer renders.
std::map<size_t, json::object> UnchangedSteps(const config::Config& cfg, const store::RunRow& run) {
  std::map<size_t, json::object> out;
  const auto* recorded = run.doc.if_contains("plan");
  auto now = RenderNow(cfg, run, nullptr);
  if (!recorded || !recorded->is_array() || !now) return out;
  const auto& then = recorded->get_array();
  for (size_t i = 0; i < then.size() && i < now->size(); ++i)
    if (then[i] == (*now)[i] && then[i].is_object()) out[i] = then[i].get_object();
  return out;
}

// A list's `state` filter: empty (any) or one of `states`. Another is a typo, not an empty list:
// InvalidArgument naming `state` and listing them (and `also`, a value the caller reads itself).
Status StateFilter(const std::string& state, std::string_view what, std::initializer_list<std::string_view> states,
                   std::string_view also = {}) {
  if (state.empty() || std::find(states.begin(), states.end(), state) != states.end()) return Ok();
  std::vector<std::string> names(states.begin(), states.end());
  if (!also.empty()) names.emplace_back(also);
  return InvalidArgument("unknown " + std::string(what) + " state '" + core::Truncate(state, 64) + "': one of " +
                             core::Join(names, ", "),
                         "state");
}

json::array StepStates(const json::array& plan) {
  json::array out;
  for (const auto& s : plan) {
    const auto& o = s.get_object();
    out.push_back(json::object{{"id", o.at("id")}, {"name", o.at("name")}, {"kind", o.at("kind")},
                               {"category", o.at("category")}, {"risk", o.at("risk")},
                               {"action", runbook::Describe(o)}, {"state", "pending"}});
  }
  return out;
}

json::object BlastRadius(const config::Config& cfg, const Resolved& r) {
  std::vector<std::string> services;
  if (r.incident) {
    services = r.incident->services;
    for (const auto& s : r.incident->blast_radius) services.push_back(s);
  } else if (!r.service.empty()) {
    services = {r.service};
    for (const auto& s : cfg.Dependents({r.service})) services.push_back(s);
  }
  json::array a;
  for (const auto& s : services) a.push_back(json::value(s));
  return json::object{{"services", a}, {"count", static_cast<int64_t>(services.size())}};
}

Result<store::RunRow> LoadRun(store::Tx& st, std::string_view id) {
  FB_ASSIGN_OR_RETURN(auto r, st.runbooks().GetRun(id));
  if (!r) return NotFound("run " + core::Truncate(std::string(id), 64) + " not found", "run");
  return *r;
}

Result<store::ApprovalRow> LoadApproval(store::Tx& st, std::string_view id) {
  FB_ASSIGN_OR_RETURN(auto a, st.runbooks().GetApproval(id));
  if (!a) return NotFound("approval " + core::Truncate(std::string(id), 64) + " not found", "approval");
  return *a;
}

// Writes an audit entry and, when the run belongs to an incident, a timeline entry.
Status Record(engine::Tx& tx, const store::RunRow& run, const model::Actor& actor, const std::string& action,
              const std::string& kind, const std::string& text, json::object details) {
  details["run"] = run.id;
  details["runbook"] = run.runbook;
  if (!run.incident_id.empty()) details["incident"] = run.incident_id;
  FB_TRY(tx.Audit(actor, action, run.id, details));
  if (!run.incident_id.empty()) FB_TRY(tx.Timeline(run.incident_id, actor, kind, text, std::move(details)));
  return Ok();
}

Status SaveRun(engine::Tx& tx, store::RunRow& run, const std::string& state) {
  run.state = state;
  run.updated_at = tx.now();
  run.doc["state"] = state;
  run.doc["updated_at"] = Now(tx);
  FB_TRY(tx.store().runbooks().PutRun(run));
  tx.Publish(engine::Change{"runbook_run", run.id, run.doc});
  return Ok();
}

json::object& StepAt(store::RunRow& run, size_t i) { return ArrAt(run.doc, "steps")[i].get_object(); }

}  // namespace

struct Runbooks::RawRun {
  json::array plan;  // unredacted rendered steps, as requested
  runbook::Params params;  // unredacted, to check the runbook still renders `plan`
  std::vector<std::string> secrets;
};

Runbooks::Runbooks(engine::Engine& engine, store::Store& store, std::string data_dir)
    : engine_(engine), store_(store), data_dir_(std::move(data_dir)) {
  subscription_ = engine_.Subscribe([this](const engine::Change& c) {
    if (c.topic != "runbook_run" && c.topic != "approval") return;
    std::lock_guard<std::mutex> l(wmu_);
    ++generation_;
    wcv_.notify_all();
  });
  engine_.RegisterTimerHandler(kApprovalTimer, [this](engine::Tx& tx, const store::TimerRecord& t, core::Millis) -> Status {
    FB_ASSIGN_OR_RETURN(auto a, tx.store().runbooks().GetApproval(t.key));
    if (!a || a->state != "pending") return Ok();
    a->state = "expired";
    a->doc["state"] = "expired";
    a->doc["decided_at"] = Now(tx);
    FB_TRY(tx.store().runbooks().PutApproval(*a));
    tx.Publish(engine::Change{"approval", a->id, a->doc});
    FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), a->run_id));
    run.doc["error"] = "approval " + a->id + " expired before anyone decided";
    FB_TRY(SaveRun(tx, run, "expired"));
    tx.OnCommit([this, id = run.id] { Forget(id); });
    return Record(tx, run, kSystemActor, "approval.expired", "approval_expired",
                  "Approval " + a->id + " for runbook " + run.runbook + " expired; nothing ran",
                  json::object{{"approval", a->id}});
  });
}

Runbooks::~Runbooks() {
  Stop();
  engine_.Unsubscribe(subscription_);
}

std::unique_ptr<core::Redactor> Runbooks::RedactorFor(const std::vector<std::string>& secrets) const {
  core::Redactor base(engine_.config()->settings.secret_names);
  return base.With(secrets);
}

void Runbooks::Start() {
  // A run a previous process left mid-step is interrupted: its in-flight step is never re-run
  // (whether it took effect is unknown), and the steps it completed are rolled back, as after a
  // failure. A run that stopped mid-rollback finishes its rollback. Queued runs resume.
  auto res = engine_.Call<std::vector<std::string>>([](engine::Tx& tx) -> Result<std::vector<std::string>> {
    std::vector<std::string> resume;
    store::RunFilter f;
    f.limit = 100000;
    FB_ASSIGN_OR_RETURN(auto runs, tx.store().runbooks().ListRuns(f));
    for (auto& run : runs) {
      if (run.state == "queued" || run.state == "rolling_back") {
        resume.push_back(run.id);
        continue;
      }
      if (run.state != "running") continue;
      std::string step_id;
      for (auto& s : ArrAt(run.doc, "steps")) {
        auto& so = s.get_object();
        if (Str(so, "state") == "running") {
          so["state"] = "interrupted";
          so["ended_at"] = Now(tx);
          step_id = Str(so, "id");
        }
      }
      run.doc["error"] = step_id.empty() ? "the server stopped during the run"
                                         : "the server stopped while step " + step_id + " was running; it was not re-run";
      run.doc["interrupted"] = true;
      FB_TRY(SaveRun(tx, run, "rolling_back"));
      FB_TRY(Record(tx, run, kSystemActor, "runbook.run.interrupted", "runbook_interrupted",
                    "Runbook " + run.runbook + " run " + run.id + " interrupted by a restart" +
                        (step_id.empty() ? "" : " during step " + step_id) +
                        "; completed steps are rolled back; check the target before re-running",
                    json::object{{"step", step_id}}));
      resume.push_back(run.id);
    }
    std::reverse(resume.begin(), resume.end());
    return resume;
  });
  if (!res) spdlog::error("runbooks: recovering runs failed: {}", res.error().message);
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = false;
    if (res)
      for (auto& id : *res) queue_.push_back(id);
  }
  worker_ = std::thread([this] { WorkerLoop(); });
}

void Runbooks::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::unique_lock<std::mutex> l(wmu_);
  wstop_ = true;
  wcv_.notify_all();
  wcv_.wait(l, [&] { return waiters_ == 0; });
}

void Runbooks::WaitFor(std::function<Result<std::pair<bool, json::value>>()> probe, core::Millis timeout,
                       JsonCallback cb) {
  {
    std::lock_guard<std::mutex> l(wmu_);
    if (wstop_) return cb(Unavailable("shutting down"));
    if (waiters_ >= kMaxWaiters) return cb(Unavailable("too many waiting requests; try again"));
    ++waiters_;
  }
  std::thread([this, probe = std::move(probe), timeout, cb = std::move(cb)] {
    const auto& clock = engine_.clock();
    auto deadline = clock.Steady() + timeout;
    Result<json::value> out = Unavailable("not probed");
    std::unique_lock<std::mutex> l(wmu_);
    while (true) {
      uint64_t gen = generation_;
      l.unlock();
      auto r = probe();
      l.lock();
      if (!r) {
        out = Unexpected(r.error());
        break;
      }
      out = r->second;
      if (r->first || wstop_) break;
      auto left = deadline - clock.Steady();
      if (left <= std::chrono::steady_clock::duration::zero()) break;
      wcv_.wait_for(l, left, [&] { return generation_ != gen || wstop_; });
    }
    l.unlock();
    cb(std::move(out));
    l.lock();
    --waiters_;
    wcv_.notify_all();
  }).detach();
}

void Runbooks::WaitRun(const Principal& who, std::string id, core::Millis timeout, JsonCallback cb) {
  WaitFor([this, who, id]() -> Result<std::pair<bool, json::value>> {
    FB_ASSIGN_OR_RETURN(auto v, GetRun(who, id));
    std::string st = Str(v.get_object(), "state");
    return std::make_pair(st != "queued" && st != "running" && st != "rolling_back", v);
  }, timeout, std::move(cb));
}

void Runbooks::WaitApproval(const Principal& who, std::string id, core::Millis timeout, JsonCallback cb) {
  WaitFor([this, who, id]() -> Result<std::pair<bool, json::value>> {
    FB_ASSIGN_OR_RETURN(auto v, GetApproval(who, id));
    return std::make_pair(Str(v.get_object(), "state") != "pending", v);
  }, timeout, std::move(cb));
}

void Runbooks::Forget(const std::string& run_id) {
  std::lock_guard<std::mutex> l(mu_);
  raw_.erase(run_id);
}

std::shared_ptr<Runbooks::RawRun> Runbooks::Raw(const std::string& run_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = raw_.find(run_id);
  return it == raw_.end() ? nullptr : it->second;
}

void Runbooks::Enqueue(const std::string& run_id) {
  {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(run_id);
  }
  cv_.notify_all();
}

void Runbooks::WaitIdle() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return (queue_.empty() && !busy_) || stop_; });
}

void Runbooks::WorkerLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::string id = queue_.front();
    queue_.pop_front();
    busy_ = true;
    l.unlock();
    Process(id);
    l.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

// ---- queries ------------------------------------------------------------------------------------

namespace {

json::object RunbookSummary(const model::Runbook& rb) {
  json::array services;
  for (const auto& s : rb.services) services.push_back(json::value(s));
  return json::object{{"id", rb.id}, {"title", rb.title}, {"description", rb.description},
                      {"risk", std::string(model::RiskTierName(rb.MaxRisk()))}, {"services", services},
                      {"steps", static_cast<int64_t>(rb.steps.size())}};
}

json::object StepJson(const model::RunbookStep& s) {
  json::object o{{"id", s.id}, {"name", s.name}, {"kind", s.kind}, {"category", s.category},
                 {"risk", std::string(model::RiskTierName(s.risk))}, {"timeout_ms", s.timeout.count()}, {"spec", s.spec}};
  if (!s.rollback.empty()) o["rollback"] = StepJson(s.rollback[0]);
  if (!s.verify.empty()) o["verify"] = StepJson(s.verify[0]);
  return o;
}

}  // namespace

Result<json::value> Runbooks::List(const Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  json::array a;
  for (const auto& rb : engine_.config()->runbooks) a.push_back(RunbookSummary(rb));
  return json::object{{"runbooks", a}};
}

Result<json::value> Runbooks::Show(const Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  auto cfg = engine_.config();
  const auto* rb = cfg->FindRunbook(id);
  if (!rb) return NotFound("unknown runbook '" + core::Truncate(std::string(id), 64) + "'", "runbook");
  json::object o = RunbookSummary(*rb);
  json::array params, steps, sev;
  for (const auto& p : rb->params) {
    json::object po{{"name", p.name}, {"type", p.type}, {"description", p.description}, {"required", p.required},
                    {"secret", p.secret}};
    if (p.default_value) po["default"] = *p.default_value;
    if (!p.allowed.empty()) {
      json::array al;
      for (const auto& x : p.allowed) al.push_back(json::value(x));
      po["allowed"] = al;
    }
    if (!p.pattern.empty()) po["pattern"] = p.pattern;
    params.push_back(po);
  }
  for (const auto& s : rb->steps) steps.push_back(StepJson(s));
  json::object labels;
  for (const auto& [k, v] : rb->match_labels) labels[k] = v;
  json::array logs;
  for (const auto& l : rb->log_patterns) logs.push_back(json::value(l));
  for (auto s : rb->severities) sev.push_back(json::value(model::SeverityName(s)));
  o["when"] = json::object{{"services", o["services"]}, {"labels", labels}, {"log_patterns", logs}, {"severities", sev}};
  o["params"] = params;
  o["steps"] = steps;
  o["source"] = rb->loc.ToString();
  return json::value(o);
}

Result<json::value> Runbooks::Match(const Principal& who, const json::value& body) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  core::ObjectReader r(body, "");
  r.RejectUnknown({"incident", "services", "labels", "logs", "severity", "limit"});
  runbook::MatchInput in;
  auto incident = r.String("incident").value_or("");
  in.services = r.StringArray("services").value_or(std::vector<std::string>{});
  in.labels = r.StringMap("labels").value_or(runbook::Params{});
  in.logs = r.StringArray("logs").value_or(std::vector<std::string>{});
  auto sev = r.String("severity");
  int64_t limit = r.Int("limit").value_or(10);
  FB_TRY(r.status());
  if (limit < 1 || limit > 100) return InvalidArgument("limit must be an integer in 1..100", "limit");
  if (sev) {
    auto s = model::ParseSeverity(*sev);
    if (!s) return InvalidArgument(s.error().message, "severity");
    in.severity = *s;
  }
  if (!incident.empty()) {
    FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
    FB_ASSIGN_OR_RETURN(auto inc, tx->incidents().Get(incident));
    if (!inc) return NotFound("incident " + core::Truncate(incident, 64) + " not found", "incident");
    for (const auto& s : inc->services) in.services.push_back(s);
    if (!in.severity) in.severity = inc->severity;
  }
  auto cfg = engine_.config();
  auto matches = runbook::Match(*cfg, in);
  json::array a;
  for (const auto& m : matches) {
    if (static_cast<int64_t>(a.size()) >= limit) break;
    json::array reasons;
    for (const auto& x : m.reasons) reasons.push_back(json::value(x));
    a.push_back(json::object{{"runbook", m.runbook->id}, {"title", m.runbook->title}, {"score", m.score},
                             {"risk", std::string(model::RiskTierName(m.runbook->MaxRisk()))}, {"reasons", reasons}});
  }
  auto red = RedactorFor({});
  return red->RedactJson(json::object{{"incident", incident}, {"matches", a}});
}

Result<json::value> Runbooks::DryRun(const Principal& who, const json::value& body) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto b, DecodeRequest(body));
  auto cfg = engine_.config();
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto r, Resolve(*cfg, *tx, b));
  auto red = RedactorFor(r.secrets);
  json::array rollback;
  for (const auto& l : runbook::RollbackPlan(r.plan)) rollback.push_back(json::value(l));
  json::object out{{"dry_run", true}, {"runbook", r.rb->id}, {"service", r.service},
                   {"incident", r.incident ? r.incident->id : ""},
                   {"needs_approval", !r.approval_reason.empty()}, {"approval_reason", r.approval_reason},
                   {"breaker_open", r.breaker_open}, {"steps", r.plan}, {"rollback_plan", rollback},
                   {"blast_radius", BlastRadius(*cfg, r)}};
  json::object params;
  for (const auto& [k, v] : r.params) params[k] = v;
  out["params"] = params;
  return red->RedactJson(out);
}

Result<json::value> Runbooks::GetRun(const Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto run, LoadRun(*tx, id));
  return json::value(run.doc);
}

Result<json::value> Runbooks::ListRuns(const Principal& who, const std::string& state, const std::string& incident) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_TRY(StateFilter(state, "run",
                     {"pending_approval", "queued", "running", "awaiting_manual", "rolling_back", "succeeded",
                      "failed", "interrupted", "rejected", "expired"}));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_TRY(CheckIncidentFilter(*tx, incident));
  store::RunFilter f;
  f.state = state;
  f.incident_id = incident;
  FB_ASSIGN_OR_RETURN(auto runs, tx->runbooks().ListRuns(f));
  json::array a;
  for (auto& r : runs) {
    json::object o = r.doc;
    o.erase("steps");
    o.erase("plan");
    a.push_back(o);
  }
  return json::object{{"runs", a}};
}

Result<json::value> Runbooks::ListApprovals(const Principal& who, const std::string& state) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  // (The route reads "all" as any state.)
  FB_TRY(StateFilter(state, "approval", {"pending", "approved", "rejected", "expired"}, "all"));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto rows, tx->runbooks().ListApprovals(state));
  json::array a;
  for (auto& r : rows) a.push_back(r.doc);
  return json::object{{"approvals", a}};
}

Result<json::value> Runbooks::GetApproval(const Principal& who, std::string_view id) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto a, LoadApproval(*tx, id));
  return json::value(a.doc);
}

Result<json::value> Runbooks::Breakers(const Principal& who) const {
  FB_TRY(model::RequireScope(who, model::kScopeRead));
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto rows, tx->runbooks().ListBreakers());
  json::array a;
  for (auto& r : rows) a.push_back(r);
  return json::object{{"breakers", a}};
}

// ---- commands -----------------------------------------------------------------------------------

void Runbooks::RequestRun(const Principal& who, json::value body, JsonCallback cb) {
  auto b = DecodeRequest(body);
  if (!b) return cb(Unexpected(b.error()));
  if (b->dry_run) return cb(DryRun(who, body));
  auto raw = std::make_shared<RawRun>();
  engine_.Submit<json::value>(
      [this, who, b = *b, raw](engine::Tx& tx) -> Result<json::value> {
        FB_TRY(model::RequireScope(who, model::kScopeWrite));
        const auto& cfg = tx.config();
        FB_ASSIGN_OR_RETURN(auto r, Resolve(cfg, tx.store(), b));
        bool needs_approval = !r.approval_reason.empty();
        json::array rollback_plan;
        for (const auto& l : runbook::RollbackPlan(r.plan)) rollback_plan.push_back(json::value(l));
        if (!b.rollback_plan.empty()) rollback_plan.push_back(json::value(b.rollback_plan));
        if (needs_approval) {
          if (core::Trim(b.rationale).empty())
            return InvalidArgument("a run that needs approval must say why (rationale)", "rationale");
          if (core::Trim(b.impact).empty())
            return InvalidArgument("a run that needs approval must state its expected impact (expected_impact)",
                                   "expected_impact");
          if (rollback_plan.empty())
            return InvalidArgument("no step declares a rollback: describe the rollback plan (rollback_plan)",
                                   "rollback_plan");
        }
        auto red = core::Redactor(cfg.settings.secret_names).With(r.secrets);
        FB_ASSIGN_OR_RETURN(int64_t seq, tx.store().runbooks().NextRunSeq());
        store::RunRow run;
        run.id = "RUN-" + std::to_string(seq);
        run.runbook = r.rb->id;
        run.incident_id = r.incident ? r.incident->id : "";
        run.service = r.service;
        run.created_at = run.updated_at = tx.now();
        json::object params;
        bool params_redacted = false;
        for (const auto& [k, v] : r.params) {
          auto rv = red->Redact(v);
          params_redacted = params_redacted || rv != v;
          params[k] = rv;
        }
        run.doc = json::object{{"id", run.id}, {"runbook", run.runbook}, {"title", r.rb->title},
                               {"incident", run.incident_id}, {"service", run.service},
                               {"requested_by", who.actor.ToString()}, {"requester_person", who.person},
                               {"requested_at", Now(tx)}, {"params", params}, {"params_redacted", params_redacted},
                               {"rationale", red->Redact(b.rationale)}, {"automatic", !needs_approval},
                               {"approval_reason", r.approval_reason},
                               {"plan", red->RedactJson(r.plan)}, {"plan_sha256", PlanDigest(r.plan)},
                               {"steps", StepStates(red->RedactJson(r.plan).as_array())},
                               {"created_at", Now(tx)}};
        run.state = needs_approval ? "pending_approval" : "queued";
        run.doc["state"] = run.state;
        run.doc["updated_at"] = Now(tx);
        FB_TRY(tx.store().runbooks().PutRun(run, seq));
        // Read-only runbooks (diagnostics and checks) investigate; the others remediate (reports use it).
        bool read_only = std::all_of(r.rb->steps.begin(), r.rb->steps.end(), [](const model::RunbookStep& s) {
          return s.category == "diagnostic" || s.kind == "check";
        });
        json::object details{{"service", run.service}, {"params", params}, {"automatic", !needs_approval},
                             {"read_only", read_only}};
        FB_TRY(Record(tx, run, who.actor, "runbook.run.requested", "runbook_requested",
                      "Runbook " + run.runbook + " requested (" + run.id + ")" +
                          (needs_approval ? ": waiting for approval" : ": runs automatically"),
                      details));
        if (needs_approval) {
          FB_ASSIGN_OR_RETURN(int64_t aseq, tx.store().runbooks().NextApprovalSeq());
          store::ApprovalRow a;
          a.id = "APR-" + std::to_string(aseq);
          a.run_id = run.id;
          a.state = "pending";
          a.created_at = tx.now();
          a.expires_at = tx.now() + cfg.settings.runbooks.approval_ttl;
          json::array action;
          for (const auto& s : r.plan) {
            const auto& so = s.get_object();
            action.push_back(json::value(Str(so, "risk") + " " + Str(so, "id") + ": " + runbook::Describe(so)));
          }
          a.doc = json::object{{"id", a.id}, {"run", run.id}, {"runbook", run.runbook}, {"title", r.rb->title},
                               {"incident", run.incident_id}, {"service", run.service}, {"state", "pending"},
                               {"requested_by", who.actor.ToString()}, {"requester_person", who.person},
                               {"reason", r.approval_reason}, {"action", red->RedactJson(action)},
                               {"rationale", red->Redact(b.rationale)}, {"expected_impact", red->Redact(b.impact)},
                               {"blast_radius", BlastRadius(cfg, r)}, {"rollback_plan", red->RedactJson(rollback_plan)},
                               {"created_at", Now(tx)}, {"expires_at", core::FormatRfc3339(a.expires_at)}};
          FB_TRY(tx.store().runbooks().PutApproval(a, aseq));
          FB_TRY(tx.ArmTimer(kApprovalTimer, a.id, a.expires_at));
          run.doc["approval"] = a.id;
          FB_TRY(SaveRun(tx, run, "pending_approval"));
          FB_TRY(Record(tx, run, who.actor, "approval.requested", "approval_requested",
                        "Approval " + a.id + " requested for runbook " + run.runbook + ": " + r.approval_reason,
                        json::object{{"approval", a.id}, {"expires_at", core::FormatRfc3339(a.expires_at)},
                                     {"rationale", red->Redact(b.rationale)}}));
          tx.Publish(engine::Change{"approval", a.id, a.doc});
        }
        raw->plan = r.plan;
        raw->params = r.params;
        raw->secrets = r.secrets;
        std::string id = run.id;
        tx.OnCommit([this, id, raw, needs_approval] {
          {
            std::lock_guard<std::mutex> l(mu_);
            raw_[id] = raw;
          }
          if (!needs_approval) Enqueue(id);
        });
        return json::value(run.doc);
      },
      std::move(cb));
}

namespace {

// The checks every decision shares: a person (never an agent), with the approve scope.
Status CheckDecider(const Principal& who, const char* what) {
  if (who.actor.kind == model::Actor::Kind::kAgent)
    return PermissionDenied(std::string("agents may request runbook runs but never ") + what + " them");
  FB_TRY(model::RequireScope(who, model::kScopeApprove));
  if (who.person.empty())
    return PermissionDenied(std::string("only a person may ") + what +
                            " runbook runs: this token belongs to no person (agent or script tokens cannot)");
  return Ok();
}

}  // namespace

void Runbooks::Approve(const Principal& who, std::string approval_id, json::value body, JsonCallback cb) {
  auto decoded = DecodeDecision(body, false);
  if (!decoded) return cb(Unexpected(decoded.error()));
  std::string note = std::move(*decoded);
  engine_.Submit<json::value>(
      [this, who, approval_id, note](engine::Tx& tx) -> Result<json::value> {
        FB_TRY(CheckDecider(who, "approve"));
        FB_ASSIGN_OR_RETURN(auto a, LoadApproval(tx.store(), approval_id));
        if (a.state != "pending") return FailedPrecondition("approval " + a.id + " is already " + a.state);
        if (tx.now() >= a.expires_at)
          return FailedPrecondition("approval " + a.id + " expired at " + core::FormatRfc3339(a.expires_at));
        if (who.person == Str(a.doc, "requester_person") || who.actor.ToString() == Str(a.doc, "requested_by"))
          return PermissionDenied("four-eyes rule: " + who.actor.ToString() +
                                  " requested this run and cannot approve it; another person must");
        {
          // The approval is for the plan it shows: a runbook edited or removed since (a reload, a
          // restart with another config) voids it.
          FB_ASSIGN_OR_RETURN(auto pending, LoadRun(tx.store(), a.run_id));
          auto raw = Raw(pending.id);
          if (auto cur = CurrentPlan(tx.config(), pending, raw ? &raw->params : nullptr, raw ? &raw->plan : nullptr); !cur)
            return FailedPrecondition(cur.error().message + " (reject " + a.id + ")");
        }
        a.state = "approved";
        a.doc["state"] = "approved";
        a.doc["decided_by"] = who.actor.ToString();
        a.doc["decided_at"] = Now(tx);
        a.doc["note"] = note;
        FB_TRY(tx.store().runbooks().PutApproval(a));
        FB_TRY(tx.CancelTimer(kApprovalTimer, a.id));
        FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), a.run_id));
        run.doc["approved_by"] = who.actor.ToString();
        FB_TRY(SaveRun(tx, run, "queued"));
        FB_TRY(Record(tx, run, who.actor, "approval.approved", "approval_approved",
                      "Approval " + a.id + " for runbook " + run.runbook + " approved by " + who.actor.ToString() +
                          (note.empty() ? "" : ": " + note),
                      json::object{{"approval", a.id}, {"requested_by", Str(a.doc, "requested_by")}, {"note", note}}));
        tx.Publish(engine::Change{"approval", a.id, a.doc});
        std::string id = run.id;
        tx.OnCommit([this, id] { Enqueue(id); });
        return json::value(a.doc);
      },
      std::move(cb));
}

void Runbooks::Reject(const Principal& who, std::string approval_id, json::value body, JsonCallback cb) {
  auto decoded = DecodeDecision(body, true);
  if (!decoded) return cb(Unexpected(decoded.error()));
  std::string reason = std::move(*decoded);
  engine_.Submit<json::value>(
      [this, who, approval_id, reason](engine::Tx& tx) -> Result<json::value> {
        FB_TRY(CheckDecider(who, "reject"));
        if (core::Trim(reason).empty()) return InvalidArgument("a rejection needs a reason", "reason");
        FB_ASSIGN_OR_RETURN(auto a, LoadApproval(tx.store(), approval_id));
        if (a.state != "pending") return FailedPrecondition("approval " + a.id + " is already " + a.state);
        a.state = "rejected";
        a.doc["state"] = "rejected";
        a.doc["decided_by"] = who.actor.ToString();
        a.doc["decided_at"] = Now(tx);
        a.doc["rejection_reason"] = reason;
        FB_TRY(tx.store().runbooks().PutApproval(a));
        FB_TRY(tx.CancelTimer(kApprovalTimer, a.id));
        FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), a.run_id));
        run.doc["error"] = "rejected by " + who.actor.ToString() + ": " + reason;
        FB_TRY(SaveRun(tx, run, "rejected"));
        tx.OnCommit([this, id = run.id] { Forget(id); });
        FB_TRY(Record(tx, run, who.actor, "approval.rejected", "approval_rejected",
                      "Approval " + a.id + " for runbook " + run.runbook + " rejected by " + who.actor.ToString() +
                          ": " + reason,
                      json::object{{"approval", a.id}, {"reason", reason}}));
        tx.Publish(engine::Change{"approval", a.id, a.doc});
        return json::value(a.doc);
      },
      std::move(cb));
}

void Runbooks::CompleteManual(const Principal& who, std::string run_id, std::string step_id, json::value body,
                              JsonCallback cb) {
  auto decoded = DecodeDecision(body, false);
  if (!decoded) return cb(Unexpected(decoded.error()));
  std::string note = std::move(*decoded);
  engine_.Submit<json::value>(
      [this, who, run_id, step_id, note](engine::Tx& tx) -> Result<json::value> {
        FB_TRY(model::RequireScope(who, model::kScopeWrite));
        if (IsAgent(who)) return PermissionDenied("a manual step is ticked by a person, not an agent");
        FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), run_id));
        if (run.state != "awaiting_manual")
          return FailedPrecondition("run " + run.id + " is " + run.state + ", not waiting for a manual step");
        auto& steps = ArrAt(run.doc, "steps");
        bool found = false;
        for (auto& s : steps) {
          auto& so = s.get_object();
          if (Str(so, "id") != step_id) continue;
          if (Str(so, "state") != "awaiting") return FailedPrecondition("step " + step_id + " is not waiting");
          so["state"] = "succeeded";
          so["ticked_by"] = who.actor.ToString();
          so["note"] = note;
          so["ended_at"] = Now(tx);
          found = true;
        }
        if (!found) return NotFound("run " + run.id + " has no step '" + core::Truncate(step_id, 64) + "'", "step");
        FB_TRY(SaveRun(tx, run, "queued"));
        FB_TRY(Record(tx, run, who.actor, "runbook.step.ticked", "runbook_step",
                      "Manual step " + step_id + " of " + run.id + " done (" + who.actor.ToString() + ")",
                      json::object{{"step", step_id}, {"note", note}}));
        std::string id = run.id;
        tx.OnCommit([this, id] { Enqueue(id); });
        return json::value(run.doc);
      },
      std::move(cb));
}

void Runbooks::ResetBreaker(const Principal& who, std::string service, json::value body, JsonCallback cb) {
  auto decoded = DecodeDecision(body, true);
  if (!decoded) return cb(Unexpected(decoded.error()));
  std::string reason = std::move(*decoded);
  engine_.Submit<json::value>(
      [who, service, reason](engine::Tx& tx) -> Result<json::value> {
        FB_TRY(CheckDecider(who, "reset the circuit breaker of"));
        if (core::Trim(reason).empty()) return InvalidArgument("resetting a circuit breaker needs a reason", "reason");
        if (!tx.config().FindService(service))
          return NotFound("unknown service '" + core::Truncate(service, 64) + "'", "service");
        FB_ASSIGN_OR_RETURN(auto br, tx.store().runbooks().GetBreaker(service));
        if (!br || Str(*br, "state") != "open")
          return FailedPrecondition("the circuit breaker of " + service + " is not open");
        json::object doc = *br;
        doc["state"] = "closed";
        doc["failures"] = json::array();
        doc["reset_by"] = who.actor.ToString();
        doc["reset_at"] = Now(tx);
        doc["reset_reason"] = reason;
        FB_TRY(tx.store().runbooks().PutBreaker(service, "closed", doc));
        FB_TRY(tx.Audit(who.actor, "runbook.breaker.reset", service, json::object{{"reason", reason}}));
        tx.Publish(engine::Change{"breaker", service, doc});
        return json::value(doc);
      },
      std::move(cb));
}

// ---- execution ----------------------------------------------------------------------------------

void Runbooks::Process(const std::string& run_id) {
  auto raw = Raw(run_id);
  auto cfg = engine_.config();
  std::optional<store::RunRow> stored;
  {
    auto tx = store_.BeginRead();
    if (tx) {
      auto r = (*tx)->runbooks().GetRun(run_id);
      if (r && *r) stored = **r;
    }
  }
  if (!stored || (stored->state != "queued" && stored->state != "rolling_back")) return;
  // Recovering: a restart found the run mid-step or mid-rollback (Start()).
  const bool recovering = stored->state == "rolling_back";
  const bool interrupted = stored->doc.contains("interrupted");

  // The plan: the one requested, and only while the runbook still renders it. Without the in-memory
  // plan (a restart) it is rendered again from the recorded parameters. When it no longer renders,
  // the in-memory original stays known, so its rollbacks can run.
  std::string plan_error;
  auto cur = CurrentPlan(*cfg, *stored, raw ? &raw->params : nullptr, raw ? &raw->plan : nullptr);
  if (!cur) plan_error = cur.error().message;
  if (!raw) {
    raw = std::make_shared<RawRun>();
    if (cur) raw->plan = std::move(*cur);
  }

  auto red = std::shared_ptr<core::Redactor>(RedactorFor(raw->secrets));
  runbook::ExecEnv env;
  env.config_dir = cfg->dir;
  env.sandbox = cfg->settings.runbooks.sandbox.empty()
                    ? (std::filesystem::path(data_dir_) / "sandbox").string()
                    : cfg->settings.runbooks.sandbox;
  env.backup_dir = (std::filesystem::path(data_dir_) / "runbook-backups").string();
  env.max_output = static_cast<size_t>(cfg->settings.runbooks.max_output_bytes);
  std::error_code ec;
  std::filesystem::create_directories(env.sandbox, ec);
  env.sandbox = std::filesystem::absolute(env.sandbox, ec).string();
  env.backup_dir = std::filesystem::absolute(env.backup_dir, ec).string();
  env.config_dir = std::filesystem::absolute(env.config_dir, ec).string();

  // Details of steps whose action completed (for rollback), by index: those of earlier passes (a
  // run that waited for a manual step, a restart) from the record, this pass's unredacted.
  std::map<size_t, json::object> done;
  {
    const auto& steps = stored->doc.at("steps").as_array();
    for (size_t i = 0; i < steps.size(); ++i) {
      const auto& so = steps[i].get_object();
      if (Str(so, "state") != "succeeded" || Str(so, "kind") == "manual" || so.contains("rollback")) continue;
      auto res = so.find("result");
      done[i] = res != so.end() && res->value().is_object() ? res->value().get_object() : json::object();
    }
  }
  std::string failure;
  if (recovering) failure = Str(stored->doc, "error");
  else if (!plan_error.empty()) failure = plan_error;

  if (!plan_error.empty() && !recovering && done.empty()) {
    // Nothing ran and nothing will: the run fails as it stands.
    (void)engine_.Call<bool>([run_id, plan_error](engine::Tx& tx) -> Result<bool> {
      FB_ASSIGN_OR_RETURN(auto r, LoadRun(tx.store(), run_id));
      if (r.state != "queued") return false;
      r.doc["error"] = plan_error;
      FB_TRY(SaveRun(tx, r, "failed"));
      FB_TRY(Record(tx, r, kSystemActor, "runbook.run.failed", "runbook_failed",
                    "Run " + r.id + " failed: " + plan_error + "; nothing ran", {}));
      return true;
    });
    Forget(run_id);
    return;
  }

  while (failure.empty()) {
    // Next pending step (state lives in the store; a restart never re-runs a finished one).
    auto next = engine_.Call<json::value>([run_id](engine::Tx& tx) -> Result<json::value> {
      FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), run_id));
      if (run.state != "queued" && run.state != "running") return json::value(nullptr);
      auto& steps = ArrAt(run.doc, "steps");
      for (size_t i = 0; i < steps.size(); ++i) {
        auto& so = steps[i].get_object();
        if (Str(so, "state") != "pending") continue;
        return json::value(json::object{{"index", static_cast<int64_t>(i)}});
      }
      return json::value(json::object{{"index", -1}});
    });
    if (!next || next->is_null()) return;
    int64_t idx = next->get_object().at("index").as_int64();
    if (idx < 0) break;
    size_t i = static_cast<size_t>(idx);
    if (i >= raw->plan.size()) break;
    const json::object& step = raw->plan[i].get_object();
    std::string step_id = Str(step, "id");
    if (Str(step, "kind") == "manual") {
      (void)engine_.Call<bool>([run_id, i, step_id, instructions = runbook::Describe(step)](engine::Tx& tx) -> Result<bool> {
        FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), run_id));
        auto& so = StepAt(run, i);
        so["state"] = "awaiting";
        so["started_at"] = Now(tx);
        FB_TRY(SaveRun(tx, run, "awaiting_manual"));
        FB_TRY(Record(tx, run, kSystemActor, "runbook.step.awaiting", "runbook_step",
                      "Run " + run.id + " waits for a person to do step " + step_id + " (" + instructions + ")",
                      json::object{{"step", step_id}}));
        return true;
      });
      return;
    }
    auto started = engine_.Call<bool>([run_id, i, step_id, red, step](engine::Tx& tx) -> Result<bool> {
      FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), run_id));
      auto& so = StepAt(run, i);
      so["state"] = "running";
      so["started_at"] = Now(tx);
      FB_TRY(SaveRun(tx, run, "running"));
      FB_TRY(Record(tx, run, kSystemActor, "runbook.step.started", "runbook_step",
                    "Step " + step_id + " of " + run.id + " started: " + red->Redact(runbook::Describe(step)),
                    json::object{{"step", step_id}, {"risk", Str(step, "risk")}, {"category", Str(step, "category")},
                                 {"on_behalf_of", Str(run.doc, "requested_by")},
                                 {"approved_by", Str(run.doc, "approved_by")}}));
      return true;
    });
    if (!started) return;
    auto out = runbook::Execute(step, env, run_id + "-" + step_id);
    bool action_ok = out.ok;
    std::optional<runbook::StepOutcome> verification;
    if (out.ok && step.contains("verify")) {
      verification = runbook::Execute(step.at("verify").get_object(), env, run_id + "-" + step_id + "-verify");
      if (!verification->ok) {
        out.ok = false;
        out.error = "verification failed: " + verification->error;
      }
    }
    if (action_ok) done[i] = out.detail;
    auto ended = engine_.Call<bool>([run_id, i, step_id, red, out, verification](engine::Tx& tx) -> Result<bool> {
      FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), run_id));
      auto& so = StepAt(run, i);
      so["state"] = out.ok ? "succeeded" : "failed";
      so["ended_at"] = Now(tx);
      so["result"] = red->RedactJson(out.detail);
      if (!out.ok) so["error"] = red->Redact(out.error);
      json::object details{{"step", step_id}, {"ok", out.ok}};
      if (out.detail.contains("exit_code")) details["exit_code"] = out.detail.at("exit_code");
      if (out.detail.contains("status")) details["status"] = out.detail.at("status");
      for (const char* k : {"path", "backup_path", "backup_sha256", "new_sha256"})
        if (out.detail.contains(k)) details[k] = red->RedactJson(out.detail.at(k));
      if (verification) {
        so["verification"] = json::object{{"ok", verification->ok}, {"result", red->RedactJson(verification->detail)},
                                          {"error", red->Redact(verification->error)}};
        details["verified"] = verification->ok;
      }
      if (!out.ok) details["error"] = red->Redact(out.error);
      FB_TRY(SaveRun(tx, run, "running"));
      FB_TRY(Record(tx, run, kSystemActor, "runbook.step.finished", "runbook_step",
                    "Step " + step_id + " of " + run.id + (out.ok ? " succeeded" : " failed: " + red->Redact(out.error)),
                    details));
      return true;
    });
    if (!ended) return;
    if (!out.ok) {
      failure = "step " + step_id + " failed: " + red->Redact(out.error);
      break;
    }
  }

  if (failure.empty()) {
    (void)engine_.Call<bool>([run_id](engine::Tx& tx) -> Result<bool> {
      FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), run_id));
      FB_TRY(SaveRun(tx, run, "succeeded"));
      FB_TRY(Record(tx, run, kSystemActor, "runbook.run.succeeded", "runbook_succeeded",
                    "Runbook " + run.runbook + " run " + run.id + " succeeded", {}));
      return true;
    });
  } else {
    // Roll back every step whose action completed, newest first.
    (void)engine_.Call<bool>([run_id, failure](engine::Tx& tx) -> Result<bool> {
      FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), run_id));
      run.doc["error"] = failure;
      FB_TRY(SaveRun(tx, run, "rolling_back"));
      FB_TRY(Record(tx, run, kSystemActor, "runbook.rollback.started", "runbook_rollback",
                    "Rolling back " + run.id + " after: " + failure, {}));
      return true;
    });
    bool rollback_ok = true;
    // The runbook changed under a restarted run: the steps it still has unchanged keep their undo.
    const auto unchanged = raw->plan.empty() ? UnchangedSteps(*cfg, *stored) : std::map<size_t, json::object>{};
    for (auto it = done.rbegin(); it != done.rend(); ++it) {
      size_t i = it->first;
      runbook::StepOutcome rb;
      std::string what;
      bool skipped = false;
      std::string step_id;
      const json::object* known = i < raw->plan.size() ? &raw->plan[i].get_object() : nullptr;
      if (auto u = unchanged.find(i); !known && u != unchanged.end()) known = &u->second;
      if (!known) {
        // What undoes this step is no longer known for certain: it is not undone by a guess.
        step_id = Str(stored->doc.at("steps").as_array()[i].as_object(), "id");
        what = "unknown";
        rb.ok = false;
        rb.error = "not rolled back: " + plan_error;
      } else {
        const json::object& step = *known;
        step_id = Str(step, "id");
        if (auto r = step.find("rollback"); r != step.end() && r->value().is_object()) {
          const auto& ro = r->value().get_object();
          what = runbook::Describe(ro);
          if (Str(ro, "kind") == "restore_backup") rb = runbook::RestoreBackup(it->second);
          else rb = runbook::Execute(ro, env, run_id + "-" + step_id + "-rollback");
        } else {
          skipped = true;
          rb.ok = true;
          what = "no rollback declared (" + Str(step, "risk") + " step)";
        }
      }
      rollback_ok = rollback_ok && rb.ok;
      (void)engine_.Call<bool>([run_id, i, step_id, red, rb, what, skipped](engine::Tx& tx) -> Result<bool> {
        FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), run_id));
        auto& so = StepAt(run, i);
        std::string state = skipped ? "skipped" : rb.ok ? "rolled_back" : "rollback_failed";
        so["rollback"] = json::object{{"state", state}, {"action", red->Redact(what)}, {"result", red->RedactJson(rb.detail)},
                                      {"error", red->Redact(rb.error)}, {"at", Now(tx)}};
        if (!skipped) so["state"] = state;
        FB_TRY(SaveRun(tx, run, "rolling_back"));
        json::object details{{"step", step_id}, {"state", state}, {"action", red->Redact(what)}};
        if (rb.detail.contains("restored_sha256")) details["restored_sha256"] = rb.detail.at("restored_sha256");
        if (!rb.ok) details["error"] = red->Redact(rb.error);
        FB_TRY(Record(tx, run, kSystemActor, "runbook.rollback.step", "runbook_rollback",
                      "Rollback of step " + step_id + " of " + run.id + ": " + state +
                          (rb.ok ? "" : " (" + red->Redact(rb.error) + "; check the target)"),
                      details));
        return true;
      });
    }
    (void)engine_.Call<bool>([run_id, failure, rollback_ok, interrupted](engine::Tx& tx) -> Result<bool> {
      FB_ASSIGN_OR_RETURN(auto run, LoadRun(tx.store(), run_id));
      run.doc["rollback"] = rollback_ok ? "completed" : "incomplete";
      const char* verb = interrupted ? "interrupted" : "failed";
      FB_TRY(SaveRun(tx, run, verb));
      FB_TRY(Record(tx, run, kSystemActor, std::string("runbook.run.") + verb,
                    interrupted ? "runbook_interrupted" : "runbook_failed",
                    "Runbook " + run.runbook + " run " + run.id + " " + verb + " (" + failure + "); rollback " +
                        (rollback_ok ? "completed" : "INCOMPLETE"),
                    json::object{{"rollback", rollback_ok ? "completed" : "incomplete"}}));
      // Circuit breaker: automatic failures of a service within the window (a restart is not the
      // runbook's failure).
      bool tripped = false;
      bool automatic = !interrupted && run.doc.contains("automatic") && run.doc.at("automatic").as_bool();
      const auto& rs = tx.config().settings.runbooks;
      if (automatic && !run.service.empty()) {
        FB_ASSIGN_OR_RETURN(auto br, tx.store().runbooks().GetBreaker(run.service));
        json::object doc = br ? *br : json::object{{"service", run.service}, {"state", "closed"}};
        json::array kept;
        int64_t now_ms = core::ToUnixMillis(tx.now());
        for (const auto& f : ArrAt(doc, "failures")) {
          auto t = core::ParseRfc3339(f.is_object() && f.get_object().contains("at") ? std::string(f.get_object().at("at").as_string()) : "");
          if (t && now_ms - core::ToUnixMillis(*t) <= rs.breaker_window.count()) kept.push_back(f);
        }
        kept.push_back(json::object{{"at", Now(tx)}, {"run", run.id}});
        doc["failures"] = kept;
        if (Str(doc, "state") != "open" && static_cast<int>(kept.size()) >= rs.breaker_failures) {
          doc["state"] = "open";
          doc["tripped_at"] = Now(tx);
          doc["tripped_by_run"] = run.id;
          tripped = true;
        }
        FB_TRY(tx.store().runbooks().PutBreaker(run.service, Str(doc, "state"), doc));
        if (tripped) {
          FB_TRY(Record(tx, run, kSystemActor, "runbook.breaker.tripped", "runbook_breaker",
                        "Circuit breaker for " + run.service + " tripped after " + std::to_string(kept.size()) +
                            " failed automatic runs; automation stopped until a person resets it",
                        json::object{{"service", run.service}, {"failures", static_cast<int64_t>(kept.size())}}));
          tx.Publish(engine::Change{"breaker", run.service, doc});
        }
      }
      if (!run.incident_id.empty()) {
        std::string reason = "runbook " + run.runbook + " (" + run.id + ") " + verb + ": " + failure + "; rollback " +
                             (rollback_ok ? "completed" : "incomplete") +
                             (tripped ? "; circuit breaker for " + run.service + " tripped" : "");
        auto esc = engine::RequestEscalation(tx, Principal::System("runbook"), run.incident_id, reason, true);
        if (!esc) {
          run.doc["escalation_error"] = esc.error().message;
          FB_TRY(tx.store().runbooks().PutRun(run));
        }
      }
      return true;
    });
  }
  std::lock_guard<std::mutex> l(mu_);
  raw_.erase(run_id);
}

}  // namespace firebreak::app
