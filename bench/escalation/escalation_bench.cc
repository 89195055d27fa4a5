// bench/escalation: the pager under load, beside the physical floor measured in the same run.
//
// 1. Seeds N open incidents whose escalation has a pending tier (armed durable timers, in SQLite and
//    in the engine's queue) — the standing load of a big installation.
// 2. Measures the floor: a loopback HTTP POST round trip to the receiver through the same client
//    code the deliverer uses (keep-alive libcurl), and an fsync'd SQLite commit.
// 3. Under ingest load (incidents arriving over the real HTTP API at --rate per second for
//    --seconds), measures
//    - alert -> webhook delivered: from sending the POST that opens an incident to the receiver
//      getting the first page (HTTP + engine commit + outbox + deliverer + HTTP);
//    - timer lateness: how late each incident's second tier (due --tier2 after it opened) fired
//      (the engine's own measurement, as in the escalation history and /metrics), and due ->
//      webhook delivered for that page.
// Everything runs in this process on loopback: the server (api::Server + App), a Beast receiver
// and the load generator.
#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <CLI/CLI.hpp>

#include "api/server.h"
#include "app/app.h"
#include "core/json.h"
#include "core/time.h"
#include "engine/incidents.h"
#include "notify/senders.h"

namespace fb = firebreak;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = fb::core::RealClock;

namespace {

Clock g_clock;

double Ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Stats {
  std::vector<double> v;
  double Q(double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
    return v[i];
  }
  double Max() { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }
};

// A loopback HTTP receiver: records when each idempotency key first arrived.
class Receiver {
 public:
  Receiver() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Accept(); });
  }
  ~Receiver() {
    stop_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (thread_.joinable()) thread_.join();
    for (auto& t : conns_) t.detach();
  }
  uint16_t port() const { return port_; }
  std::optional<fb::core::SteadyTime> Arrival(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = seen_.find(key);
    if (it == seen_.end()) return std::nullopt;
    return it->second;
  }
  size_t Count() {
    std::lock_guard lock(mu_);
    return seen_.size();
  }

 private:
  void Accept() {
    while (!stop_) {
      boost::system::error_code ec;
      tcp::socket s(io_);
      acceptor_.accept(s, ec);
      if (ec) return;
      s.set_option(tcp::no_delay(true));
      conns_.emplace_back([this, s = std::move(s)]() mutable { Serve(std::move(s)); });
    }
  }
  void Serve(tcp::socket s) {
    beast::flat_buffer buf;
    while (true) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      http::read(s, buf, req, ec);
      if (ec) return;
      auto now = g_clock.Steady();
      std::string key(req["Idempotency-Key"]);
      if (!key.empty()) {
        std::lock_guard lock(mu_);
        seen_.emplace(key, now);
      }
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.body() = "ok";
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(s, res, ec);
      if (ec || !req.keep_alive()) return;
    }
  }
  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::vector<std::thread> conns_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, fb::core::SteadyTime> seen_;
};

size_t Sink(char* p, size_t s, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, s * n);
  return s * n;
}

// POST with a kept-alive connection (one handle per thread).
std::string Post(CURL* c, const std::string& url, const std::string& body, const std::string& token) {
  std::string out;
  curl_slist* h = nullptr;
  h = curl_slist_append(h, "Content-Type: application/json");
  h = curl_slist_append(h, ("Authorization: Bearer " + token).c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
  curl_easy_perform(c);
  curl_slist_free_all(h);
  return out;
}

void WriteConfig(const std::string& dir, uint16_t port, const std::string& tier2) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/bench.yaml") << R"(
people:
  - id: oncall
    contacts: [{type: webhook, address: "http://127.0.0.1:)" << port << R"(/page"}]
services:
  - {id: live, tier: 1, escalation_policy: live}
  - {id: standing, tier: 2, escalation_policy: standing}
escalation_policies:
  - id: live
    tiers:
      - {after: 0s, targets: [{person: oncall}]}
      - {after: )" << tier2 << R"(, targets: [{person: oncall}]}
  - id: standing
    tiers:
      - {after: 6h, targets: [{person: oncall}]}
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:)" << port << R"(/broadcast"}
settings:
  severities: {SEV3: {ack_sla: 24h, resolve_sla: 48h}}
  paging: {rate_per_minute: 1000000, burst: 100000, workers: 4, late_margin: 1s}
)";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Escalation and paging benchmark"};
  int incidents = 100000, rate = 200, seconds = 20, floor_n = 2000;
  std::string tier2 = "3s", dir = "/tmp/fb-bench-escalation", sync = "full";
  cli.add_option("--incidents", incidents, "Standing open incidents with a pending tier")->capture_default_str();
  cli.add_option("--rate", rate, "Incidents opened per second during the measurement")->capture_default_str();
  cli.add_option("--seconds", seconds, "Length of the measurement")->capture_default_str();
  cli.add_option("--tier2", tier2, "Delay of the second tier of measured incidents")->capture_default_str();
  cli.add_option("--dir", dir, "Scratch directory (removed first)")->capture_default_str();
  cli.add_option("--sync", sync, "SQLite synchronous mode")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::filesystem::remove_all(dir);
  Receiver recv;
  WriteConfig(dir + "/config", recv.port(), tier2);

  fb::app::AppOptions ao;
  ao.config_dir = dir + "/config";
  ao.data_dir = dir + "/data";
  ao.synchronous = sync;
  auto app = fb::app::App::Open(ao);
  if (!app) {
    std::fprintf(stderr, "%s\n", app.error().ToString().c_str());
    return 1;
  }
  auto token = (*app)->EnsureBootstrapToken();
  std::string tok = (*token)->token;
  (*app)->Start();

  // 1. Standing load.
  auto t_seed = g_clock.Steady();
  {
    auto who = fb::model::Principal::System("bench");
    std::atomic<int> done{0};
    fb::engine::DeclareSpec spec;
    spec.title = "standing incident";
    spec.services = {"standing"};
    for (int i = 0; i < incidents; ++i) {
      (*app)->engine().Submit<fb::model::Incident>(
          [who, spec](fb::engine::Tx& tx) { return fb::engine::Declare(tx, who, spec); },
          [&done](fb::Result<fb::model::Incident>) { ++done; });
      if (i % 20000 == 19999)
        while (done < i - 10000) std::this_thread::yield();
    }
    while (done < incidents) std::this_thread::yield();
  }
  double seed_s = Ms(g_clock.Steady() - t_seed) / 1000;
  std::printf("seeded %d open incidents with a pending tier in %.1f s (%.0f/s)\n", incidents, seed_s,
              incidents / seed_s);

  fb::api::ServerOptions so;
  so.port = 0;
  so.threads = 2;
  fb::api::Server server(**app, so);
  server.RegisterAll();
  auto port = server.Listen();
  std::thread srv([&] { server.Run(); });
  std::string base = "http://127.0.0.1:" + std::to_string(*port);

  // 2. Floors: loopback HTTP round trip through the deliverer's client; an fsync'd commit.
  Stats floor_http, floor_commit;
  {
    fb::model::Channel ch;
    ch.type = "webhook";
    fb::notify::Delivery d;
    d.channel = &ch;
    d.destination = "http://127.0.0.1:" + std::to_string(recv.port()) + "/floor";
    d.message.webhook = boost::json::object{{"floor", true}};
    for (int i = 0; i < floor_n; ++i) {
      d.key = "floor-" + std::to_string(i);
      auto t = g_clock.Steady();
      auto o = fb::notify::Send(d);
      if (o.ok()) floor_http.v.push_back(Ms(g_clock.Steady() - t));
    }
    for (int i = 0; i < 200; ++i) {
      auto t = g_clock.Steady();
      (void)(*app)->engine().Call<bool>([](fb::engine::Tx& tx) -> fb::Result<bool> {
        FB_TRY(tx.store().meta().Set("bench", "x"));
        return true;
      });
      floor_commit.v.push_back(Ms(g_clock.Steady() - t));
    }
  }

  // 3. Ingest load over HTTP.
  struct Sent {
    fb::core::SteadyTime at;
    std::string id;
  };
  std::vector<Sent> sent;
  std::mutex sent_mu;
  int total = rate * seconds;
  int senders = 4;
  auto start = g_clock.Steady();
  std::vector<std::thread> threads;
  for (int k = 0; k < senders; ++k) {
    threads.emplace_back([&, k] {
      CURL* c = curl_easy_init();
      for (int i = k; i < total; i += senders) {
        auto when = start + std::chrono::microseconds(static_cast<int64_t>(1e6 * i / rate));
        while (g_clock.Steady() < when) std::this_thread::sleep_for(std::chrono::microseconds(200));
        auto t0 = g_clock.Steady();
        std::string body = Post(c, base + "/api/v1/incidents",
                                R"({"title":"bench alert )" + std::to_string(i) + R"(","severity":"SEV3","services":["live"]})",
                                tok);
        auto v = fb::core::ParseJson(body);
        if (v && v->is_object() && v->as_object().contains("id")) {
          std::lock_guard lock(sent_mu);
          sent.push_back({t0, std::string(v->as_object().at("id").as_string())});
        }
      }
      curl_easy_cleanup(c);
    });
  }
  for (auto& t : threads) t.join();
  // Wait for the last second tiers and their deliveries.
  auto tier2_ms = fb::core::ParseDuration(tier2)->count();
  auto deadline = g_clock.Steady() + std::chrono::milliseconds(tier2_ms + 15000);
  while (g_clock.Steady() < deadline) {
    size_t got = 0;
    for (const auto& s : sent)
      if (recv.Arrival(s.id + ".p2.oncall.0")) ++got;
    if (got == sent.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  Stats to_delivered, lateness, due_to_delivered;
  int missing = 0;
  for (const auto& s : sent) {
    auto a1 = recv.Arrival(s.id + ".p1.oncall.0");
    if (a1) to_delivered.v.push_back(Ms(*a1 - s.at));
    else ++missing;
    auto esc = (*app)->pager().Escalation(s.id);
    if (esc && *esc) {
      for (const auto& h : (*esc)->history) {
        if (h.tier != 1) continue;
        lateness.v.push_back(static_cast<double>(h.lateness.count()));
        // From when it was due (approximated by the alert's send time + the delay: conservative).
        if (auto a2 = recv.Arrival(s.id + ".p2.oncall.0"))
          due_to_delivered.v.push_back(Ms(*a2 - s.at) - static_cast<double>(tier2_ms));
      }
    }
  }
  server.Stop();
  srv.join();
  (*app)->Stop();

  std::printf("\nescalation bench: %d standing incidents with pending tiers, %d incidents opened over HTTP at %d/s, "
              "second tier after %s, sync=%s\n",
              incidents, static_cast<int>(sent.size()), rate, tier2.c_str(), sync.c_str());
  std::printf("%-44s %10s %10s %10s\n", "", "p50 ms", "p99 ms", "max ms");
  std::printf("%-44s %10.3f %10.3f %10.3f\n", "floor: loopback HTTP POST round trip", floor_http.Q(0.5),
              floor_http.Q(0.99), floor_http.Max());
  std::printf("%-44s %10.3f %10.3f %10.3f\n", "floor: fsync'd SQLite commit (engine)", floor_commit.Q(0.5),
              floor_commit.Q(0.99), floor_commit.Max());
  std::printf("%-44s %10.3f %10.3f %10.3f\n", "alert -> webhook delivered (tier 1)", to_delivered.Q(0.5),
              to_delivered.Q(0.99), to_delivered.Max());
  std::printf("%-44s %10.3f %10.3f %10.3f\n", "timer lateness (tier 2, engine)", lateness.Q(0.5), lateness.Q(0.99),
              lateness.Max());
  std::printf("%-44s %10.3f %10.3f %10.3f\n", "tier 2 due -> webhook delivered", due_to_delivered.Q(0.5),
              due_to_delivered.Q(0.99), due_to_delivered.Max());
  std::printf("ratios to the HTTP floor (p99): alert->delivered %.1fx; targets: lateness p99 <= 50 ms, "
              "alert->delivered p99 <= 100 ms\n",
              to_delivered.Q(0.99) / std::max(0.001, floor_http.Q(0.99)));
  std::printf("missing first pages: %d, tier-2 samples: %zu\n", missing, lateness.v.size());
  std::fflush(stdout);
  std::filesystem::remove_all(dir);
  // The receiver's connection threads block in reads; leave without unwinding them.
  std::_Exit(missing == 0 ? 0 : 1);
}
