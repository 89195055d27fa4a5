// Dedup + correlation in process, on one core: correlate::Correlator deciding and applying events
// the way the engine's alert pipeline does (minus SQLite), with the journal committed every 4096
// events as a group commit would. Target: >= 1M alerts/s; memory for 1M open alerts <= 1 GiB.
//
//   BM_Repeats      every event repeats one of N open alerts (the common case: Alertmanager
//                   re-sends every firing alert each group_interval)
//   BM_Mixed        90% repeats, 5% resolves, 5% (re)fires over N keys
//   BM_NewAlerts    every event is a new alert (placement, severity rules, storm buckets)
//   BM_Memory       heap held by N open alerts (counters MiB and bytes_per_alert)
#include <malloc.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "config/loader.h"
#include "correlate/correlator.h"
#include "core/time.h"
#include "testing/testing.h"

using namespace firebreak;

namespace {

// Bytes held by malloc: small blocks plus mmapped large ones (big vectors).
size_t Heap() {
  auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

std::shared_ptr<const config::Config> LoadConfig() {
  static auto cfg = [] {
    auto loaded = config::LoadConfigDir(testing::SourceDir() + "/examples/config");
    if (!loaded.config) {
      std::fprintf(stderr, "cannot load examples/config (set FB_SOURCE_DIR)\n");
      std::abort();
    }
    return loaded.config;
  }();
  return cfg;
}

class Driver {
 public:
  explicit Driver(size_t keys) : c_(LoadConfig()), keys_(keys) {
    for (const auto& s : c_.config().services) services_.push_back(s.id);
    const char* sev[] = {"critical", "warning", "info", "warning"};
    for (size_t i = 0; i < kLabelSets; ++i) {
      model::AlertEvent e;
      e.labels = {{"alertname", "Alert" + std::to_string(i % 97)},
                  {"instance", "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ":9100"},
                  {"job", "node"},
                  {"service", services_[i % services_.size()]},
                  {"severity", sev[i % 4]}};
      e.summary = "summary " + std::to_string(i);
      fire_.push_back(e);
      e.action = model::AlertEvent::Action::kResolve;
      resolve_.push_back(std::move(e));
    }
  }

  // Key `i` as the engine scopes an Alertmanager fingerprint: "am:<scope>:<16 hex digits>".
  static void Key(size_t i, std::string& out) {
    static const char kHex[] = "0123456789abcdef";
    char buf[30] = "am:3f1c9a0b2e:";
    uint64_t x = i * 0x9e3779b97f4a7c15ULL;
    for (int d = 15; d >= 0; --d, x >>= 4) buf[14 + d] = kHex[x & 15];
    out.assign(buf, 30);
  }

  // One event for key `i` (fire or resolve), decided and applied. The key is built here, from the
  // event, as the server builds it from the request it just decoded: a key the server looks up is
  // in cache, so the benchmark does not read it from a large table of keys either (that table,
  // probed at random by the mixed stream, cost two cache misses per event that the server never
  // pays). The input's strings are reused from event to event.
  void Event(size_t i, bool resolve) {
    const auto& e = resolve ? resolve_[i % kLabelSets] : fire_[i % kLabelSets];
    // As from Alertmanager: the key is a fingerprint of the labels.
    correlate::AlertInput& in = in_;
    in.event = &e;
    Key(i, in.key);
    in.source = sources_[i % 4];
    in.service = services_[i % kLabelSets % services_.size()];
    in.labels_are_key = true;
    auto d = c_.Decide(in, now_);
    std::string incident = d.incident_id;
    if (d.kind == correlate::Decision::Kind::kNew && d.silence_id.empty() && incident.empty()) {
      model::Incident inc;
      inc.number = ++incidents_;
      inc.id = correlate::IncidentId(inc.number);
      inc.services = {in.service};
      inc.severity = d.triage.severity;
      inc.created_at = inc.updated_at = now_;
      inc.group_key = d.group_key;
      c_.TrackIncident(inc, now_);
      incident = inc.id;
    }
    c_.Apply(in, d, d.kind == correlate::Decision::Kind::kNew ? ++alert_ids_ : d.alert_id, incident, now_);
    if (++since_commit_ == 4096) {
      c_.Commit();
      since_commit_ = 0;
    }
  }

  void Tick(core::Millis d) { now_ += d; }
  size_t keys() const { return keys_; }
  correlate::Correlator& correlator() { return c_; }

 private:
  static constexpr size_t kLabelSets = 4096;
  correlate::Correlator c_;
  std::vector<std::string> services_;
  size_t keys_;
  correlate::AlertInput in_;
  std::vector<model::AlertEvent> fire_, resolve_;
  const std::string sources_[4] = {"Prometheus Alertmanager", "PagerDuty", "Datadog", "Generic"};
  core::TimePoint now_ = core::FromUnixMillis(1'767'600'000'000);
  int64_t incidents_ = 0, alert_ids_ = 0;
  int since_commit_ = 0;
};

void BM_Repeats(benchmark::State& state) {
  Driver d(static_cast<size_t>(state.range(0)));
  for (size_t i = 0; i < d.keys(); ++i) d.Event(i, false);
  d.correlator().Commit();
  size_t i = 0;
  for (auto _ : state) {
    d.Event(i, false);
    if (++i == d.keys()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Repeats)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

void BM_Mixed(benchmark::State& state) {
  Driver d(static_cast<size_t>(state.range(0)));
  for (size_t i = 0; i < d.keys(); ++i) d.Event(i, false);
  d.correlator().Commit();
  uint64_t x = 88172645463325252ULL;
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    size_t key = x % d.keys();
    int dice = static_cast<int>((x >> 32) % 100);
    d.Event(key, dice < 5);  // 5% resolve; the rest fire (a repeat, or a new episode if resolved)
    if ((x & 0x3ff) == 0) d.Tick(core::Millis(1));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Mixed)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

void BM_NewAlerts(benchmark::State& state) {
  Driver d(static_cast<size_t>(state.max_iterations));
  size_t i = 0;
  for (auto _ : state) {
    d.Event(i++, false);
    if ((i & 0xff) == 0) d.Tick(core::Millis(1));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NewAlerts)->Iterations(1'000'000)->Unit(benchmark::kNanosecond);

void BM_Memory(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    const size_t n = static_cast<size_t>(state.range(0));
    // Keys are part of what the correlator must hold, so they count: the driver builds each one
    // as it sends it, and only the driver's own event pool is subtracted.
    malloc_trim(0);
    size_t base = Heap();
    {
      Driver d(n);
      size_t with_inputs = Heap();
      state.ResumeTiming();
      for (size_t i = 0; i < n; ++i) d.Event(i, false);
      d.correlator().Commit();
      state.PauseTiming();
      size_t after = Heap();
      size_t held = after - with_inputs;
      auto stats = d.correlator().Stats();
      state.counters["open_alerts"] = static_cast<double>(stats.open_alerts);
      state.counters["MiB"] = static_cast<double>(held) / (1 << 20);
      state.counters["bytes_per_alert"] = static_cast<double>(held) / static_cast<double>(n);
      state.counters["inputs_MiB"] = static_cast<double>(with_inputs - base) / (1 << 20);
    }
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Memory)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
