// Scenario tests: every tests/scenarios/*.yaml is a story of timestamped alerts, silences and
// human actions with the incidents, severities, join reasons and incident events (what paging
// observes) expected along the way. One driver runs them all through the real decoders, the engine,
// the SQLite store and the alert pipeline, with a manual clock (timers fire as it advances).
//
// File format (see tests/scenarios/README.md):
//   name, description, config (extra YAML appended to examples/config), steps: [{at: 90s, <action>}]
//   actions: alertmanager {key, alerts}, prometheus {key, alerts}, pagerduty {...event}, pagerduty_change {...},
//            event {...}, silence {...}, expire_silence: SIL-n, incident {id, action, note,
//            expect_error}, heartbeat {id, key, expect_error}, reload: <yaml>, restart: true, expect {...}
//   strings starting with '~' match as substrings.
#include <filesystem>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "app/alert_requests.h"
#include "config/loader.h"
#include "core/json.h"
#include "core/time.h"
#include "engine/alerts.h"
#include "engine/incidents.h"
#include "ingest/ingest.h"
#include "testing/testing.h"

namespace firebreak::app {
namespace {

using namespace engine;  // NOLINT

namespace fs = std::filesystem;

boost::json::value ToJsonValue(const YAML::Node& n) {
  if (n.IsMap()) {
    boost::json::object o;
    for (const auto& kv : n) o[kv.first.Scalar()] = ToJsonValue(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    boost::json::array a;
    for (const auto& e : n) a.push_back(ToJsonValue(e));
    return a;
  }
  if (!n.IsScalar()) return nullptr;
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return boost::json::value(s);  // quoted: always a string
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  char* end = nullptr;
  long long i = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && end && *end == '\0') return static_cast<int64_t>(i);
  double d = std::strtod(s.c_str(), &end);
  if (!s.empty() && end && *end == '\0') return d;
  return boost::json::value(s);
}

bool Matches(const std::string& expected, const std::string& actual) {
  if (!expected.empty() && expected[0] == '~') return actual.find(expected.substr(1)) != std::string::npos;
  return expected == actual;
}

std::string Str(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : YAML::Dump(n); }

// Records the incident events paging would see, once committed.
struct Recorder : IncidentObserver {
  std::vector<std::string> events;
  Status OnIncidentEvent(Tx& tx, const IncidentEvent& ev) override {
    std::string s;
    const auto& inc = *ev.after;
    switch (ev.kind) {
      case IncidentEvent::Kind::kOpened:
        s = "opened " + inc.id + " " + std::string(model::SeverityName(inc.severity));
        break;
      case IncidentEvent::Kind::kTransitioned:
        s = std::string(model::TransitionName(*ev.transition)) + " " + inc.id;
        break;
      case IncidentEvent::Kind::kSeverityChanged:
        s = "severity " + inc.id + " " + std::string(model::SeverityName(inc.severity));
        break;
      case IncidentEvent::Kind::kServicesAdded: {
        s = "services " + inc.id;
        for (const auto& svc : inc.services)
          if (std::find(ev.before->services.begin(), ev.before->services.end(), svc) == ev.before->services.end())
            s += " +" + svc;
        break;
      }
      case IncidentEvent::Kind::kFlagged:
        s = "flagged " + inc.id + " " + ev.reason;
        break;
      default:
        return Ok();
    }
    tx.OnCommit([this, s] { events.push_back(s); });
    return Ok();
  }
};

class Scenario {
 public:
  explicit Scenario(const std::string& path) : path_(path), doc_(YAML::LoadFile(path)) {}

  std::map<std::string, std::string> ConfigFiles() {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(testing::SourceDir() + "/examples/config"))
      files[e.path().string()] = testing::ReadFile(e.path().string());
    if (doc_["config"]) files["zz-scenario.yaml"] = doc_["config"].Scalar();
    return files;
  }

  void Run() {
    auto loaded = config::LoadConfigFiles(ConfigFiles());
    ASSERT_TRUE(loaded.config) << (loaded.diagnostics.all().empty() ? "" : loaded.diagnostics.all()[0].ToString());
    cfg_ = loaded.config;
    Open();
    int i = 0;
    for (const auto& step : doc_["steps"]) {
      ++i;
      SCOPED_TRACE("step " + std::to_string(i) + " at " + Str(step["at"]));
      RunStep(step);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

 private:
  void Open() {
    pipeline_.reset();
    engine_.reset();
    store_.reset();
    // A fresh clock at the same time: ManualClock keeps its listeners (the old engine's) forever.
    auto now = clock_ ? clock_->Now() : start_;
    clock_ = std::make_unique<core::ManualClock>(now);
    auto st = store::Store::OpenDir(dir_.path());
    ASSERT_TRUE(st) << st.error().ToString();
    store_ = std::move(*st);
    engine_ = std::make_unique<Engine>(*store_, *clock_, cfg_);
    ASSERT_TRUE(engine_->LoadTimers());
    pipeline_ = std::make_unique<AlertPipeline>(*engine_);
    ASSERT_TRUE(pipeline_->Load());
    engine_->AddObserver(&recorder_);
  }

  model::Principal Admin() {
    model::Principal p;
    p.actor = model::Actor::Person("alice");
    p.person = "alice";
    p.scopes = model::kScopeRead | model::kScopeWrite | model::kScopeAdmin;
    return p;
  }

  void Ingest(const std::string& key, const std::string& source, std::vector<model::AlertEvent> events,
              const YAML::Node& step) {
    const auto* in = cfg_->FindIntegration(key);
    ASSERT_NE(in, nullptr) << "unknown integration key " << key;
    IngestRequest req{*in, source, std::move(events)};
    auto* p = pipeline_.get();
    auto r = engine_->Call<IngestResult>([p, req](Tx& tx) { return p->Ingest(tx, req); });
    ASSERT_TRUE(r) << r.error().ToString();
    if (auto outs = step["outcomes"]) {
      ASSERT_EQ(outs.size(), r->outcomes.size());
      for (size_t i = 0; i < outs.size(); ++i) {
        const auto& o = r->outcomes[i];
        if (outs[i]["result"]) { EXPECT_EQ(Str(outs[i]["result"]), o.result) << "outcome " << i; }
        if (outs[i]["incident"]) { EXPECT_EQ(Str(outs[i]["incident"]), o.incident_id) << "outcome " << i; }
        if (outs[i]["reason"]) { EXPECT_TRUE(Matches(Str(outs[i]["reason"]), o.join_reason)) << o.join_reason; }
        if (outs[i]["dedup_key"]) { EXPECT_EQ(Str(outs[i]["dedup_key"]), o.dedup_key); }
      }
    }
  }

  void RunStep(const YAML::Node& step) {
    auto at = core::ParseDuration(Str(step["at"]));
    ASSERT_TRUE(at) << "bad 'at'";
    ASSERT_GE(start_ + *at, clock_->Now()) << "steps must not go back in time";
    clock_->Set(start_ + *at);
    engine_->RunUntilIdle();  // due timers fire
    if (auto am = step["alertmanager"]) {
      boost::json::object hook{{"version", "4"}, {"status", "firing"}, {"receiver", "firebreak"}};
      boost::json::array alerts;
      for (const auto& a : am["alerts"]) {
        auto v = ToJsonValue(a);
        if (!v.as_object().contains("status")) v.as_object()["status"] = "firing";
        alerts.push_back(std::move(v));
      }
      hook["alerts"] = std::move(alerts);
      auto decoded = ingest::DecodeAlertmanager(hook);
      ASSERT_TRUE(decoded) << decoded.error().ToString();
      Ingest(am["key"] ? Str(am["key"]) : "example-alertmanager-key", "alertmanager", std::move(decoded->alerts),
             step);
    } else if (auto prom = step["prometheus"]) {
      // Alertmanager's API as Prometheus posts to it; startsAt/endsAt may be "+4s" or "-1s" from
      // the step's time.
      boost::json::array alerts;
      for (const auto& a : prom["alerts"]) {
        auto v = ToJsonValue(a);
        for (const char* k : {"startsAt", "endsAt"}) {
          auto* t = v.as_object().if_contains(k);
          if (!t || !t->is_string() || t->get_string().empty()) continue;
          std::string s(t->get_string());
          if (s[0] != '+' && s[0] != '-') continue;
          auto d = core::ParseDuration(s.substr(1));
          ASSERT_TRUE(d) << "bad offset " << s;
          *t = core::FormatRfc3339(s[0] == '+' ? clock_->Now() + *d : clock_->Now() - *d);
        }
        alerts.push_back(std::move(v));
      }
      auto decoded = ingest::DecodePostableAlerts(alerts, clock_->Now(), cfg_->settings.resolve_timeout);
      ASSERT_TRUE(decoded) << decoded.error().ToString();
      Ingest(prom["key"] ? Str(prom["key"]) : "example-prometheus-key", "prometheus", std::move(decoded->alerts), step);
    } else if (auto pd = step["pagerduty"]) {
      auto v = ToJsonValue(pd);
      if (!v.as_object().contains("routing_key")) v.as_object()["routing_key"] = "example-checkout-key";
      auto decoded = ingest::DecodePagerDuty(v);
      ASSERT_TRUE(decoded) << decoded.error().ToString();
      Ingest(decoded->routing_key, "pagerduty", {decoded->event}, step);
    } else if (auto ev = step["event"]) {
      auto v = ToJsonValue(ev);
      if (!v.as_object().contains("routing_key")) v.as_object()["routing_key"] = "example-payments-key";
      auto decoded = ingest::DecodeGeneric(v);
      ASSERT_TRUE(decoded) << decoded.error().ToString();
      if (decoded->is_change) {
        RecordChange(decoded->routing_key, decoded->change, decoded->service);
      } else {
        Ingest(decoded->routing_key, "event", {decoded->alert}, step);
      }
    } else if (auto ch = step["pagerduty_change"]) {
      auto v = ToJsonValue(ch);
      if (!v.as_object().contains("routing_key")) v.as_object()["routing_key"] = "example-checkout-key";
      auto decoded = ingest::DecodePagerDutyChange(v);
      ASSERT_TRUE(decoded) << decoded.error().ToString();
      RecordChange(decoded->routing_key, decoded->change, "");
    } else if (auto sil = step["silence"]) {
      auto spec = app::DecodeSilence(ToJsonValue(sil));
      ASSERT_TRUE(spec) << spec.error().ToString();
      auto* p = pipeline_.get();
      auto who = Admin();
      auto r = engine_->Call<model::Silence>([p, who, s = *spec](Tx& tx) { return p->CreateSilence(tx, who, s); });
      ASSERT_TRUE(r) << r.error().ToString();
    } else if (auto ex = step["expire_silence"]) {
      auto* p = pipeline_.get();
      auto who = Admin();
      auto r = engine_->Call<model::Silence>(
          [p, who, id = Str(ex)](Tx& tx) { return p->ExpireSilence(tx, who, id); });
      ASSERT_TRUE(r) << r.error().ToString();
    } else if (auto inc = step["incident"]) {
      auto t = model::ParseTransition(Str(inc["action"]));
      ASSERT_TRUE(t);
      auto who = Admin();
      std::string note = inc["note"] ? Str(inc["note"]) : "";
      auto r = engine_->Call<model::Incident>([who, id = Str(inc["id"]), t = *t, note](Tx& tx) {
        return ApplyTransition(tx, who, id, t, note);
      });
      if (inc["expect_error"]) {
        ASSERT_FALSE(r) << "expected an error";
        EXPECT_TRUE(Matches(Str(inc["expect_error"]), r.error().message)) << r.error().message;
      } else {
        ASSERT_TRUE(r) << r.error().ToString();
      }
    } else if (auto hb = step["heartbeat"]) {
      // A ping over HTTP, by an integration's key (`key`) or a token (no key).
      std::optional<std::string> integration;
      if (hb["key"]) {
        const auto* in = cfg_->FindIntegration(Str(hb["key"]));
        ASSERT_NE(in, nullptr) << "unknown integration key";
        integration = in->name;
      }
      auto* p = pipeline_.get();
      auto r = engine_->Call<HeartbeatStatus>([p, id = Str(hb["id"]), integration](Tx& tx) {
        return p->PingHeartbeat(tx, id, integration.value_or("token:alice"), integration);
      });
      if (hb["expect_error"]) {
        ASSERT_FALSE(r) << "expected an error";
        EXPECT_TRUE(Matches(Str(hb["expect_error"]), r.error().message)) << r.error().message;
      } else {
        ASSERT_TRUE(r) << r.error().ToString();
      }
    } else if (auto text = step["reload"]) {
      // A config reload: the examples, the file's config and this text.
      auto files = ConfigFiles();
      files["zz-scenario-reload.yaml"] = text.Scalar();
      auto loaded = config::LoadConfigFiles(files);
      ASSERT_TRUE(loaded.config) << (loaded.diagnostics.all().empty() ? "" : loaded.diagnostics.all()[0].ToString());
      cfg_ = loaded.config;
      engine_->SetConfig(cfg_);
      auto* p = pipeline_.get();
      auto r = engine_->Call<bool>([p](Tx& tx) -> Result<bool> {
        FB_TRY(p->Resync(tx));
        return true;
      });
      ASSERT_TRUE(r) << r.error().ToString();
    } else if (step["restart"]) {
      Open();
    }
    if (auto ex = step["expect"]) Expect(ex);
  }

  void RecordChange(const std::string& key, const model::ChangeEvent& c, const std::string& service) {
    const auto* in = cfg_->FindIntegration(key);
    ASSERT_NE(in, nullptr);
    auto* p = pipeline_.get();
    auto r = engine_->Call<model::ChangeEvent>(
        [p, in = *in, c, service](Tx& tx) { return p->RecordChange(tx, in, c, service); });
    ASSERT_TRUE(r) << r.error().ToString();
  }

  void Expect(const YAML::Node& ex) {
    auto tx = *store_->BeginRead();
    store::IncidentFilter all;
    all.limit = 100000;
    auto incidents = *tx->incidents().List(all);
    if (auto n = ex["incident_count"]) { EXPECT_EQ(static_cast<size_t>(n.as<int>()), incidents.size()); }
    for (const auto& want : ex["incidents"]) {
      std::string id = Str(want["id"]);
      SCOPED_TRACE(id);
      auto got = *tx->incidents().Get(id);
      ASSERT_TRUE(got.has_value()) << "no incident " << id;
      const auto& inc = *got;
      if (want["state"]) { EXPECT_EQ(Str(want["state"]), model::StateName(inc.state)); }
      if (want["severity"]) { EXPECT_EQ(Str(want["severity"]), model::SeverityName(inc.severity)); }
      if (want["title"]) { EXPECT_TRUE(Matches(Str(want["title"]), inc.title)) << inc.title; }
      if (want["source"]) { EXPECT_EQ(Str(want["source"]), inc.source); }
      if (want["services"]) { EXPECT_EQ(want["services"].as<std::vector<std::string>>(), inc.services); }
      if (want["blast_radius"]) { EXPECT_EQ(want["blast_radius"].as<std::vector<std::string>>(), inc.blast_radius); }
      if (want["flags"]) { EXPECT_EQ(want["flags"].as<std::vector<std::string>>(), inc.flags); }
      if (want["alert_count"]) { EXPECT_EQ(want["alert_count"].as<int64_t>(), inc.alert_count); }
      if (want["open_alerts"]) { EXPECT_EQ(want["open_alerts"].as<int64_t>(), inc.open_alerts); }
      if (auto alerts = want["alerts"]) {
        store::AlertFilter f;
        f.incident_id = id;
        f.oldest_first = true;
        f.limit = 10000;
        auto got_alerts = *tx->alerts().List(f);
        ASSERT_EQ(alerts.size(), got_alerts.size()) << "alerts of " << id;
        for (size_t i = 0; i < alerts.size(); ++i) ExpectAlert(alerts[i], got_alerts[i]);
      }
      if (auto tl = want["timeline"]) {
        auto entries = *tx->timeline().List(id);
        std::vector<std::string> kinds;
        for (const auto& e : entries) kinds.push_back(e.kind);
        EXPECT_EQ(tl.as<std::vector<std::string>>(), kinds);
      }
      if (auto texts = want["timeline_has"]) {
        auto entries = *tx->timeline().List(id);
        for (const auto& t : texts) {
          bool found = std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return Matches(Str(t), e.text); });
          EXPECT_TRUE(found) << "no timeline entry matching " << Str(t);
        }
      }
    }
    if (auto evs = ex["events"]) { EXPECT_EQ(evs.as<std::vector<std::string>>(), recorder_.events); }
    if (auto alerts = ex["alerts"]) {
      store::AlertFilter f;
      f.oldest_first = true;
      f.limit = 100000;
      auto got = *tx->alerts().List(f);
      for (const auto& want : alerts) {
        // Find by id (1-based order of arrival) or by summary.
        const model::Alert* a = nullptr;
        if (want["id"]) {
          auto id = want["id"].as<int64_t>();
          for (const auto& g : got)
            if (g.id == id) a = &g;
        } else {
          for (const auto& g : got)
            if (Matches(Str(want["summary"]), g.summary)) a = &g;  // the latest episode
        }
        ASSERT_NE(a, nullptr) << "no alert " << YAML::Dump(want);
        ExpectAlert(want, *a);
      }
    }
    if (auto n = ex["alert_count"]) {
      store::AlertFilter f;
      f.limit = 1000000;
      EXPECT_EQ(static_cast<size_t>(n.as<int>()), tx->alerts().List(f)->size());
    }
    if (auto acts = ex["audit_has"]) {
      store::AuditFilter f;
      f.limit = 100000;
      auto entries = *tx->audit().List(f);
      for (const auto& a : acts) {
        bool found = std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return e.action == Str(a); });
        EXPECT_TRUE(found) << "no audit entry " << Str(a);
      }
    }
    if (auto hbs = ex["heartbeats"]) {
      auto got = HeartbeatStatuses(*tx, *cfg_);
      ASSERT_TRUE(got) << got.error().ToString();
      for (const auto& want : hbs) {
        auto it = std::find_if(got->begin(), got->end(), [&](const auto& h) { return h.id == Str(want["id"]); });
        ASSERT_NE(it, got->end()) << "no heartbeat " << Str(want["id"]);
        SCOPED_TRACE("heartbeat " + it->id);
        if (want["state"]) { EXPECT_EQ(Str(want["state"]), it->state); }
        if (want["incident"]) { EXPECT_EQ(Str(want["incident"]), it->incident_id); }
        if (want["last_via"]) { EXPECT_EQ(Str(want["last_via"]), it->last_via); }
        if (want["due"]) {
          ASSERT_TRUE(it->due.has_value());
          EXPECT_EQ(Str(want["due"]), core::FormatRfc3339(*it->due));
        }
      }
    }
    if (auto st = ex["storming"]) {
      std::vector<std::string> want = st.as<std::vector<std::string>>();
      EXPECT_EQ(want, pipeline_->correlator().StormingSources());
    }
  }

  void ExpectAlert(const YAML::Node& want, const model::Alert& a) {
    SCOPED_TRACE("alert " + std::to_string(a.id) + " " + a.summary);
    if (want["summary"]) { EXPECT_TRUE(Matches(Str(want["summary"]), a.summary)) << a.summary; }
    if (want["join"]) { EXPECT_EQ(Str(want["join"]), model::JoinKindName(a.join_kind)); }
    if (want["reason"]) { EXPECT_TRUE(Matches(Str(want["reason"]), a.join_reason)) << a.join_reason; }
    if (want["status"]) { EXPECT_EQ(Str(want["status"]), model::AlertStatusName(a.status)); }
    if (want["severity"]) { EXPECT_EQ(Str(want["severity"]), model::SeverityName(a.severity)); }
    if (want["service"]) { EXPECT_EQ(Str(want["service"]), a.service); }
    if (want["count"]) { EXPECT_EQ(want["count"].as<int64_t>(), a.count); }
    if (want["incident"]) { EXPECT_EQ(Str(want["incident"]), a.incident_id); }
    if (want["silence"]) { EXPECT_EQ(Str(want["silence"]), a.silence_id); }
    if (want["flapping"]) { EXPECT_EQ(want["flapping"].as<bool>(), a.flapping); }
    if (want["dedup_key"]) { EXPECT_EQ(Str(want["dedup_key"]), a.dedup_key); }
  }

  std::string path_;
  YAML::Node doc_;
  testing::TempDir dir_;
  const core::TimePoint start_ = core::FromUnixMillis(1'767'600'000'000);  // 2026-01-05T08:00:00Z
  std::unique_ptr<core::ManualClock> clock_;
  std::shared_ptr<const config::Config> cfg_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<AlertPipeline> pipeline_;
  Recorder recorder_;
};

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(testing::SourceDir() + "/tests/scenarios"))
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, Runs) { Scenario(GetParam()).Run(); }

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, ::testing::ValuesIn(ScenarioFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(ScenarioFilesTest, CoverTheIssuesCases) {
  std::set<std::string> names;
  for (const auto& f : ScenarioFiles()) names.insert(fs::path(f).stem().string());
  for (const char* want : {"dedup", "dependency-grouping", "storm", "flapping", "silences", "severity-escalation"})
    EXPECT_TRUE(names.count(want)) << "missing scenario " << want;
}

}  // namespace
}  // namespace firebreak::app
