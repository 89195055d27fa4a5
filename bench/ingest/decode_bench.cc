// Decoding cost of Alertmanager webhooks, in process, for counting instructions rather than timing
// (the shared machine is too noisy for wall time at this scale):
//
//   valgrind --tool=callgrind --collect-atstart=no
//     --toggle-collect='*DecodeAlertmanager(std::basic_string_view*' build/bench/ingest_decode_bench 20 bench
//   callgrind_annotate callgrind.out.<pid> | head   # total / (20 rounds * 100 bodies * 10 alerts)
//
// Bodies: "bench" is exactly what bench/ingest/post.lua posts (10 alerts per request, a pool of
// 1000 alerts); "am" is what a real Alertmanager sends for the same alerts (group and common labels,
// external URL, generator URL, nanosecond start times); "pd" is post.lua's PagerDuty Events v2
// event, one alert a body (collect '*DecodePagerDuty(std::basic_string_view*' instead).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ingest/ingest.h"

using namespace firebreak;

namespace {

const char* const kServices[] = {"web", "checkout", "payments", "db", "catalog", "search", "auth", "inventory"};

std::string Labels(int i) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                R"({"alertname":"BenchAlert%d","instance":"host-%d:9100","job":"node","service":"%s","severity":"warning"})",
                i % 50, i, kServices[i % 8]);
  return buf;
}

std::string Alert(int i, bool am) {
  char buf[1024];
  if (!am) {
    std::snprintf(buf, sizeof buf,
                  R"({"status":"firing","labels":%s,"annotations":{"summary":"bench alert %d"},)"
                  R"("startsAt":"2026-01-05T08:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"bench%08d"})",
                  Labels(i).c_str(), i, i);
  } else {
    std::snprintf(buf, sizeof buf,
                  R"({"status":"firing","labels":%s,"annotations":{"description":"host-%d is failing","summary":"bench alert %d"},)"
                  R"("startsAt":"2026-01-05T08:00:%02d.%09dZ","endsAt":"0001-01-01T00:00:00Z",)"
                  R"("generatorURL":"http://prometheus:9090/graph?g0.expr=up+%%3D%%3D+0&g0.tab=1","fingerprint":"%016x"})",
                  Labels(i).c_str(), i, i, i % 60, i * 7919 % 1000000000, i * 2654435761u);
  }
  return buf;
}

std::string Body(int first, bool am) {
  std::string body = am ? R"({"receiver":"firebreak","status":"firing","alerts":[)"
                        : R"({"version":"4","groupKey":"bench","status":"firing","receiver":"firebreak","alerts":[)";
  for (int n = 0; n < 10; ++n) {
    if (n) body += ",";
    body += Alert((first + n) % 1000, am);
  }
  body += "]";
  if (am) {
    body += R"(,"groupLabels":{"job":"node"},"commonLabels":{"job":"node","severity":"warning"},)"
            R"("commonAnnotations":{},"externalURL":"http://alertmanager:9093","version":"4",)"
            R"("groupKey":"{}:{job=\"node\"}","truncatedAlerts":0)";
  }
  return body + "}";
}

}  // namespace

std::string PagerDuty(int i) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                R"({"routing_key":"example-checkout-key","event_action":"trigger","dedup_key":"bench-%d",)"
                R"("payload":{"summary":"bench alert %d","source":"host-%d","severity":"warning","component":"%s"}})",
                i, i, i, kServices[i % 8]);
  return buf;
}

// Decodes every body `rounds` times; prints how many alerts that gave (1 on a failure, named).
template <class Decode>
int Run(const std::vector<std::string>& bodies, int rounds, Decode decode) {
  size_t alerts = 0;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& b : bodies) {
      auto n = decode(std::string_view(b));
      if (!n) {
        std::fprintf(stderr, "decode failed: %s\n", n.error().ToString().c_str());
        return 1;
      }
      alerts += *n;
    }
  }
  std::printf("%zu alerts decoded\n", alerts);
  return 0;
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 100;
  std::vector<std::string> bodies;
  if (argc > 2 && std::strcmp(argv[2], "pd") == 0) {
    for (int i = 0; i < 1000; ++i) bodies.push_back(PagerDuty(i));
    return Run(bodies, rounds, [](std::string_view b) { return ingest::DecodePagerDuty(b).map([](auto&&) { return size_t{1}; }); });
  }
  bool am = argc > 2 && std::strcmp(argv[2], "am") == 0;
  for (int first = 0; first < 1000; first += 10) bodies.push_back(Body(first, am));
  return Run(bodies, rounds,
             [](std::string_view b) { return ingest::DecodeAlertmanager(b).map([](auto&& w) { return w.alerts.size(); }); });
}
