// firebreak graph ...: resilience analytics over the service graph. With --config DIR the analysis
// runs locally on that configuration (no server needed: it works when the server is the thing that
// is down); otherwise it asks a running server (--server/--token, FIREBREAK_URL/FIREBREAK_TOKEN).
#include <cmath>
#include <cstdio>
#include <fstream>


#include "app/resilience.h"
#include "cli/cli.h"
#include "config/loader.h"
#include "core/clock.h"
#include "core/http_client.h"
#include "core/json.h"
#include "core/strings.h"

namespace firebreak::cli {

namespace {

namespace json = boost::json;

struct Opts {
  ClientOptions client;
  std::string config;
  std::string format = "text";
  std::string output;
  // Scenario.
  std::vector<std::string> services, zones, groups, lose;
  double load_factor = 1.0;
  double target = -1;
  int protect_tier = 0;
  // Others.
  int limit = 20;
  int depth = 2;
  std::vector<std::string> kinds;
  bool unweighted = false;
  bool impact_only = false;
  std::string name, kind;
};


// Runs one analysis locally (with --config) or on the server.
class Analyst {
 public:
  explicit Analyst(const Opts& o) : o_(o) {}

  Result<json::value> Call(const std::string& what, const json::value& req) {
    if (o_.config.empty()) return Remote(what, req);
    FB_TRY(Local());
    const auto who = model::Principal::System("cli");
    Result<json::object> r = InvalidArgument("unknown analysis " + what);
    if (what == "blast-radius") r = res_->CalculateBlastRadius(who, req);
    else if (what == "centrality") r = res_->AnalyzeHubCentrality(who, req);
    else if (what == "contingency") r = res_->RunContingencyAnalysis(who, req);
    else if (what == "cascade") r = res_->SimulateCascade(who, req);
    else if (what == "shed") r = res_->SimulateLoadShedding(who, req);
    else if (what == "utilization") r = res_->CheckUtilizationThreshold(who, req);
    else if (what == "fallbacks") r = res_->GetStaticFallbacks(who, req);
    else if (what == "defense-level") r = res_->GetDefenseLevel(who);
    else if (what == "graph") r = res_->Graph(who);
    if (!r) return Unexpected(r.error());
    return json::value(std::move(*r));
  }

  // A DOT or SVG drawing.
  Result<std::string> Render(const json::value& req) {
    if (o_.config.empty()) {
      // The server draws it: GET /api/v1/graph?format=...&services=...
      const auto& o = req.get_object();
      std::string q = "?format=" + Enc(std::string(o.at("format").as_string()));
      for (const char* k : {"services", "zones", "groups"}) {
        auto it = o.find(k);
        if (it == o.end() || it->value().as_array().empty()) continue;
        std::vector<std::string> parts;
        for (const auto& v : it->value().as_array()) parts.emplace_back(v.as_string());
        q += std::string("&") + k + "=" + Enc(core::Join(parts, ","));
      }
      if (auto it = o.find("impact_only"); it != o.end() && it->value().as_bool()) q += "&impact_only=true";
      core::HttpRequest hr;
      hr.method = "GET";
      std::string base = o_.client.server;
      while (!base.empty() && base.back() == '/') base.pop_back();
      hr.url = base + "/api/v1/graph" + q;
      hr.timeout_ms = 60000;
      if (!o_.client.token.empty()) hr.headers.emplace_back("Authorization", "Bearer " + o_.client.token);
      FB_ASSIGN_OR_RETURN(auto resp, core::HttpDo(hr));
      if (resp.status >= 400) {
        // Reuse the JSON error decoding of CallServer.
        auto again = CallServer(o_.client, "GET", "/api/v1/graph" + q);
        if (!again) return Unexpected(again.error());
        return Internal("server answered " + std::to_string(resp.status));
      }
      return resp.body;
    }
    FB_TRY(Local());
    FB_ASSIGN_OR_RETURN(auto out, res_->Render(model::Principal::System("cli"), req));
    return out.body;
  }

 private:
  Status Local() {
    if (res_) return Ok();
    auto loaded = config::LoadConfigDir(o_.config);
    if (!loaded.config) {
      std::string msg = "invalid configuration in " + o_.config + ":";
      for (const auto& d : loaded.diagnostics.Sorted())
        if (d.level == config::Diagnostic::Level::kError) msg += "\n" + d.ToString();
      return InvalidArgument(msg, "config");
    }
    cfg_ = loaded.config;
    auto cfg = cfg_;
    res_ = std::make_unique<app::Resilience>([cfg] { return cfg; }, clock_);
    return Ok();
  }

  Result<json::value> Remote(const std::string& what, const json::value& req) {
    if (what == "fallbacks") {
      const auto& o = req.get_object();
      if (auto it = o.find("name"); it != o.end())
        return CallServer(o_.client, "GET", "/api/v1/graph/fallbacks/" + Enc(std::string(it->value().as_string())));
      std::string q = "?full=false";
      if (auto it = o.find("kind"); it != o.end()) q += "&kind=" + Enc(std::string(it->value().as_string()));
      return CallServer(o_.client, "GET", "/api/v1/graph/fallbacks" + q);
    }
    if (what == "defense-level") return CallServer(o_.client, "GET", "/api/v1/defense-level");
    if (what == "graph") return CallServer(o_.client, "GET", "/api/v1/graph");
    return CallServer(o_.client, "POST", "/api/v1/graph/" + what, req);
  }

  const Opts& o_;
  core::RealClock clock_;
  std::shared_ptr<const config::Config> cfg_;
  std::unique_ptr<app::Resilience> res_;
};

// ---- text output --------------------------------------------------------------------------------

std::string S(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "-";
  if (v.is_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v.get_double());
    return buf;
  }
  return core::ToJson(v);
}
// "1 service", "3 services": a count from the JSON and its noun, singular or plural.
std::string Count(const json::value& n, const std::string& one, const std::string& many) {
  return S(n) + " " + (n.is_number() && n.to_number<double>() == 1 ? one : many);
}
std::string Pct(const json::value& v) {
  if (!v.is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", v.to_number<double>() * 100);
  return buf;
}
std::string Names(const json::value& v) {
  std::vector<std::string> parts;
  if (v.is_array())
    for (const auto& x : v.get_array()) parts.push_back(S(x));
  return parts.empty() ? "-" : core::Join(parts, ", ");
}
const json::value& At(const json::value& v, std::string_view k) {
  static const json::value kNull;
  if (!v.is_object()) return kNull;
  auto it = v.get_object().find(k);
  return it == v.get_object().end() ? kNull : it->value();
}

void PrintBlast(const json::value& r) {
  const auto& imp = At(r, "customer_impact");
  std::printf("Lost: %s\n", Names(At(At(r, "lost"), "services")).c_str());
  std::printf("Customer-facing failed:   %s\n", Names(At(imp, "customer_facing_failed")).c_str());
  std::printf("Customer-facing degraded: %s\n", Names(At(imp, "customer_facing_degraded")).c_str());
  std::printf("Worst tier reached: failed %s, degraded %s\n\n", S(At(imp, "worst_tier_failed")).c_str(),
              S(At(imp, "worst_tier_degraded")).c_str());
  std::printf("%-9s %-24s %-5s %-20s %s\n", "HEALTH", "SERVICE", "TIER", "CAUSE", "PATH");
  for (const char* key : {"failed", "degraded"})
    for (const auto& a : At(r, key).as_array()) {
      std::vector<std::string> path;
      for (const auto& p : At(a, "path").as_array()) path.push_back(S(p));
      std::printf("%-9s %-24s %-5s %-20s %s\n", key, S(At(a, "service")).c_str(), S(At(a, "tier")).c_str(),
                  S(At(a, "cause")).c_str(), core::Join(path, " -> ").c_str());
    }
  for (const auto& f : At(r, "failovers").as_array())
    std::printf("failover: group %s keeps serving on %s (lost %s)\n", S(At(f, "group")).c_str(),
                Names(At(f, "serving")).c_str(), Names(At(f, "failed_members")).c_str());
  for (const auto& c : At(r, "capacity").as_array())
    std::printf("capacity: %s keeps %s of its replicas; utilization %s -> %s%s\n", S(At(c, "service")).c_str(),
                Pct(At(c, "fraction_left")).c_str(), Pct(At(c, "utilization_before")).c_str(),
                Pct(At(c, "utilization_after")).c_str(),
                At(c, "over_limit").is_bool() && At(c, "over_limit").as_bool() ? " (over its limit)" : "");
}

void PrintCentrality(const json::value& r) {
  std::printf("%-24s %-4s %-3s %-9s %-7s %-12s %-12s %-7s %s\n", "SERVICE", "TIER", "CF", "CF-FAILS", "FAILS",
              "BETWEENNESS", "WEIGHTED", "DEPS", "SPOF");
  for (const auto& e : At(r, "services").as_array())
    std::printf("%-24s %-4s %-3s %-9s %-7s %-12s %-12s %-7s %s\n", S(At(e, "service")).c_str(),
                S(At(e, "tier")).c_str(), At(e, "customer_facing").as_bool() ? "yes" : "", S(At(e, "customer_facing_failed")).c_str(),
                S(At(e, "failed_total")).c_str(), S(At(e, "betweenness")).c_str(),
                S(At(e, "betweenness_weighted")).c_str(), S(At(e, "transitive_dependents")).c_str(),
                At(e, "single_point_of_failure").as_bool() ? (At(e, "redundant").as_bool() ? "yes (redundant)" : "YES")
                                                           : "");
}

void PrintContingency(const json::value& r) {
  const auto& n1 = At(r, "n1");
  std::printf("N-1: %s fatal single losses (of %s elements)\n", S(At(n1, "fatal_total")).c_str(),
              S(At(r, "elements")).c_str());
  for (const auto& s : At(n1, "fatal").as_array())
    std::printf("  %-32s fails %-40s (%s failed, worst tier %s)\n", S(At(s, "name")).c_str(),
                Names(At(s, "customer_facing_failed")).c_str(), Count(At(s, "failed_total"), "service", "services").c_str(),
                S(At(s, "worst_tier")).c_str());
  if (const auto& cas = At(n1, "fatal_after_cascade"); cas.is_array()) {
    std::printf("N-1 with capacity: %s single losses fail more once survivors overload\n",
                S(At(n1, "fatal_after_cascade_total")).c_str());
    for (const auto& s : cas.as_array())
      std::printf("  %-32s fails %-40s (%s failed)\n", S(At(s, "name")).c_str(),
                  Names(At(s, "customer_facing_failed")).c_str(), Count(At(s, "failed_total"), "service", "services").c_str());
  }
  const auto& n2 = At(r, "n2");
  if (n2.is_null()) return;
  // pairs_evaluated counts the pairs simulated together: two zones, or two elements that can break
  // a redundancy group between them. Any other pair fails only what its two singles fail.
  std::printf("N-2: %s beyond N-1 (of %s: %s a fatal single; %s could fail more together than apart "
              "and were simulated, the rest cannot)\n",
              Count(At(n2, "fatal_pairs_total"), "fatal pair", "fatal pairs").c_str(),
              Count(At(n2, "pairs_total"), "pair", "pairs").c_str(),
              Count(At(n2, "pairs_with_fatal_single"), "contains", "contain").c_str(),
              S(At(n2, "pairs_evaluated")).c_str());
  for (const auto& p : At(n2, "fatal_pairs").as_array())
    std::printf("  %-44s newly fails %s\n", S(At(p, "name")).c_str(), Names(At(p, "new_customer_facing_failed")).c_str());
}

void PrintCascade(const json::value& r) {
  for (const auto& st : At(r, "steps").as_array()) {
    std::printf("round %s:", S(At(st, "step")).c_str());
    if (At(st, "failed").as_array().empty()) std::printf(" nothing fails");
    std::printf("\n");
    for (const auto& e : At(st, "failed").as_array()) {
      std::string extra;
      if (!At(e, "utilization").is_null()) extra = " at " + Pct(At(e, "utilization"));
      if (!At(e, "via").is_null()) extra += " via " + S(At(e, "via"));
      std::printf("  %-24s %s%s\n", S(At(e, "service")).c_str(), S(At(e, "cause")).c_str(), extra.c_str());
    }
  }
  std::printf("\n%s failed (%s); customer-facing failed: %s; survivors' worst level: %s%s\n",
              Count(At(r, "failed_total"), "service", "services").c_str(),
              Count(At(r, "overloads"), "overload", "overloads").c_str(),
              Names(At(r, "customer_facing_failed")).c_str(), S(At(r, "worst_level_of_survivors")).c_str(),
              At(r, "stabilized").as_bool() ? "" : " (stopped before it settled)");
  std::printf("\n%-24s %-9s %-10s %-12s %-8s %s\n", "SERVICE", "HEALTH", "LOAD", "CAPACITY", "UTIL", "LEVEL");
  for (const auto& s : At(r, "services").as_array())
    std::printf("%-24s %-9s %-10s %-12s %-8s %s\n", S(At(s, "service")).c_str(), S(At(s, "health")).c_str(),
                S(At(s, "load_rps")).c_str(), S(At(s, "capacity_rps")).c_str(), Pct(At(s, "utilization")).c_str(),
                S(At(s, "level")).c_str());
}

void PrintShed(const json::value& r) {
  std::printf("Target: utilization at most %s — %s\n", Pct(At(r, "target")).c_str(),
              At(r, "met").as_bool() ? "met" : "NOT met");
  if (At(r, "steps").as_array().empty()) std::printf("Nothing to shed.\n");
  int i = 0;
  for (const auto& s : At(r, "steps").as_array()) {
    std::printf("  %d. shed %s of %s (tier %s%s): %s rps", ++i, Pct(At(s, "fraction")).c_str(),
                S(At(s, "service")).c_str(), S(At(s, "tier")).c_str(),
                At(s, "customer_facing").as_bool() ? ", customer-facing" : "", S(At(s, "shed_rps")).c_str());
    if (!At(s, "degraded_callers").as_array().empty())
      std::printf("; degrades %s", Names(At(s, "degraded_callers")).c_str());
    std::printf("\n");
  }
  for (const auto& h : At(r, "hot").as_array()) {
    std::printf("  %-24s %s -> %s%s", S(At(h, "service")).c_str(), Pct(At(h, "utilization_before")).c_str(),
                Pct(At(h, "utilization_after")).c_str(), At(h, "met").as_bool() ? "" : "  (still over)");
    if (At(h, "replicas_needed").to_number<int64_t>() > 0)
      std::printf("  [or add %s]", Count(At(h, "replicas_needed"), "replica", "replicas").c_str());
    std::printf("\n");
  }
  std::printf("Simulation only. Executing it is a HIGH-risk action that needs approval.\n");
}

void PrintUtilization(const json::value& r) {
  std::printf("%-24s %-8s %-7s %-10s %-10s %-9s %s\n", "SERVICE", "UTIL", "LEVEL", "WAIT(ms)", "P(WAIT)", "HEADROOM",
              "TREND");
  for (const auto& s : At(r, "services").as_array()) {
    if (!At(s, "known").as_bool()) continue;
    std::string trend = "-";
    if (const auto& t = At(s, "trend"); t.is_object()) {
      const auto& ex = At(At(t, "seconds_to"), "exhaustion");
      trend = ex.is_null() ? "flat/falling" : "100% in " + S(ex) + " s";
    }
    std::printf("%-24s %-8s %-7s %-10s %-10s %-9s %s\n", S(At(s, "service")).c_str(), Pct(At(s, "utilization")).c_str(),
                S(At(s, "level")).c_str(), S(At(At(s, "queue"), "wait_ms")).c_str(),
                S(At(At(s, "queue"), "p_wait")).c_str(), S(At(s, "headroom_rps")).c_str(), trend.c_str());
  }
  std::printf("Worst: %s (%s)\n", S(At(r, "worst_level")).c_str(), S(At(r, "worst_service")).c_str());
}

void PrintFallbacks(const json::value& r) {
  if (!At(r, "actions").is_null()) {  // one plan
    std::string capacity;
    if (At(r, "capacity_level").is_string() && At(r, "capacity_level") != At(r, "defense_level"))
      capacity = "; survivors' utilization " + S(At(r, "capacity_level"));
    std::printf("%s (%s)\nSuggested severity %s, defense level %s%s\n\n", S(At(r, "title")).c_str(),
                S(At(r, "name")).c_str(), S(At(r, "suggested_severity")).c_str(), S(At(r, "defense_level")).c_str(),
                capacity.c_str());
    for (const auto& a : At(r, "actions").as_array())
      std::printf("  %s. [%s] %s\n", S(At(a, "step")).c_str(), S(At(a, "risk")).c_str(), S(At(a, "text")).c_str());
    return;
  }
  std::printf("%s plans (computed %s, graph %s)\n", S(At(r, "count")).c_str(), S(At(r, "computed_at")).c_str(),
              S(At(r, "fingerprint")).c_str());
  for (const auto& p : At(r, "plans").as_array())
    std::printf("  %-40s %-5s %-7s %s\n", S(At(p, "name")).c_str(), S(At(p, "suggested_severity")).c_str(),
                S(At(p, "defense_level")).c_str(), S(At(p, "title")).c_str());
}

void PrintDefense(const json::value& r) {
  std::printf("Defense level: %s\n", S(At(r, "level")).c_str());
  for (const auto& kv : At(r, "components").as_object()) {
    std::string extra = At(kv.value(), "status").is_string() ? " (" + S(At(kv.value(), "reason")) + ")" : "";
    std::printf("  %-12s %s%s\n", std::string(kv.key()).c_str(), S(At(kv.value(), "level")).c_str(), extra.c_str());
  }
}

json::array Arr(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

Result<json::object> ScenarioRequest(const Opts& o) {
  json::object req{{"services", Arr(o.services)}, {"zones", Arr(o.zones)}, {"groups", Arr(o.groups)}};
  if (o.load_factor != 1.0) req["load_factor"] = o.load_factor;
  if (!o.lose.empty()) {
    json::object cl;
    for (const auto& l : o.lose) {
      auto eq = l.find('=');
      char* end = nullptr;
      double share = eq == std::string::npos ? 0 : std::strtod(l.c_str() + eq + 1, &end);
      if (eq == std::string::npos || eq == 0 || !end || *end != '\0')
        return InvalidArgument("--lose takes SERVICE=SHARE, e.g. payments=0.5", "lose");
      cl[l.substr(0, eq)] = share;
    }
    req["capacity_loss"] = cl;
  }
  return req;
}

int Emit(const Opts& o, const Result<json::value>& r, void (*print)(const json::value&)) {
  if (!r) return PrintError(r.error());
  if (o.client.json || o.format == "json") PrintJson(*r);
  else print(*r);
  return 0;
}

int WriteOut(const Opts& o, const Result<std::string>& body) {
  if (!body) return PrintError(body.error());
  if (o.output.empty() || o.output == "-") {
    std::fwrite(body->data(), 1, body->size(), stdout);
    return 0;
  }
  std::ofstream f(o.output, std::ios::binary);
  f << *body;
  if (!f) return PrintError(Error{ErrorCode::kUnavailable, "cannot write " + o.output, "output"});
  std::fprintf(stderr, "wrote %s (%zu bytes)\n", o.output.c_str(), body->size());
  return 0;
}

CLI::App* Sub(CLI::App* parent, const std::string& name, const std::string& help, std::shared_ptr<Opts> o) {
  auto* c = parent->add_subcommand(name, help);
  AddClientOptions(c, o->client);
  c->add_option("--config", o->config, "Analyse this configuration directory locally instead of asking a server");
  return c;
}

void ScenarioOptions(CLI::App* c, Opts& o) {
  c->add_option("--fail", o.services, "A lost service (repeatable)");
  c->add_option("--zone", o.zones, "A lost zone (repeatable)");
  c->add_option("--group", o.groups, "A redundancy group lost as a whole (repeatable)");
  c->add_option("--lose", o.lose, "SERVICE=SHARE: that share of the service's replicas lost (repeatable)");
  c->add_option("--load-factor", o.load_factor, "Multiply external load (1.5 = a 50% surge)")->capture_default_str();
}

}  // namespace

void AddGraphCommands(CLI::App& app, Runner& run) {
  auto* graph = app.add_subcommand("graph", "Service graph and resilience analytics (local with --config, or a server)");
  graph->require_subcommand(1);

  {
    auto o = std::make_shared<Opts>();
    auto* c = Sub(graph, "show", "The service graph as JSON, Graphviz DOT or SVG", o);
    c->add_option("--format", o->format, "json|dot|svg")->capture_default_str()->check(CLI::IsMember({"json", "dot", "svg", "text"}));
    c->add_option("-o,--output", o->output, "Write to this file instead of stdout");
    c->callback([o, &run] {
      run = [o] {
        Analyst r(*o);
        if (o->format == "dot" || o->format == "svg") {
          json::object req{{"format", o->format}, {"services", json::array{}}, {"zones", json::array{}},
                           {"groups", json::array{}}};
          return WriteOut(*o, r.Render(json::value(std::move(req))));
        }
        auto res = r.Call("graph", nullptr);
        if (!res) return PrintError(res.error());
        PrintJson(*res);
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = Sub(graph, "blast-radius", "What fails or degrades when services, zones or groups are lost", o);
    c->add_option("services", o->services, "Lost services");
    c->add_option("--zone", o->zones, "A lost zone (repeatable)");
    c->add_option("--group", o->groups, "A redundancy group lost as a whole (repeatable)");
    c->add_option("--format", o->format, "text|json|dot|svg")->capture_default_str()->check(CLI::IsMember({"text", "json", "dot", "svg"}));
    c->add_flag("--impact-only", o->impact_only, "Draw only the affected services and their neighbours");
    c->add_option("-o,--output", o->output, "Write the drawing to this file");
    c->callback([o, &run] {
      run = [o] {
        Analyst r(*o);
        json::object req{{"services", Arr(o->services)}, {"zones", Arr(o->zones)}, {"groups", Arr(o->groups)}};
        if (o->format == "dot" || o->format == "svg") {
          if (o->services.empty() && o->zones.empty() && o->groups.empty())
            return PrintError(Error{ErrorCode::kInvalidArgument, "name at least one lost service, zone or group", "services"});
          req["format"] = o->format;
          req["impact_only"] = o->impact_only;
          return WriteOut(*o, r.Render(json::value(std::move(req))));
        }
        return Emit(*o, r.Call("blast-radius", json::value(std::move(req))), PrintBlast);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = Sub(graph, "centrality", "Hub centrality (betweenness) and single points of failure, worst first", o);
    c->add_option("--limit", o->limit, "Most services to list (0 = all)")->capture_default_str();
    c->add_flag("--unweighted", o->unweighted, "Skip weighted betweenness");
    c->callback([o, &run] {
      run = [o] {
        Analyst r(*o);
        json::object req{{"limit", o->limit}, {"weighted", !o->unweighted}};
        return Emit(*o, r.Call("centrality", json::value(std::move(req))), PrintCentrality);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = Sub(graph, "contingency", "N-1 / N-2: which single and double losses fail customer-facing services", o);
    c->add_option("--depth", o->depth, "1 (singles) or 2 (pairs too)")->capture_default_str()->check(CLI::Range(1, 2));
    c->add_option("--kind", o->kinds, "services|zones|groups (repeatable; default all)");
    c->add_option("--limit", o->limit, "Most entries per list (0 = all)")->capture_default_str();
    c->callback([o, &run] {
      run = [o] {
        Analyst r(*o);
        json::object req{{"depth", o->depth}, {"limit", o->limit}};
        if (!o->kinds.empty()) req["kinds"] = Arr(o->kinds);
        return Emit(*o, r.Call("contingency", json::value(std::move(req))), PrintContingency);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = Sub(graph, "cascade", "Simulate a loss and the overloads that follow, round by round", o);
    ScenarioOptions(c, *o);
    c->callback([o, &run] {
      run = [o] {
        auto req = ScenarioRequest(*o);
        if (!req) return PrintError(req.error());
        Analyst r(*o);
        return Emit(*o, r.Call("cascade", json::value(std::move(*req))), PrintCascade);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = Sub(graph, "shed", "Plan load shedding (the sacrifice hierarchy) to get under a target; simulation only", o);
    ScenarioOptions(c, *o);
    c->add_option("--target", o->target, "Utilization to get under (default: the ORANGE threshold)");
    c->add_option("--protect-tier", o->protect_tier, "Never shed services with tier <= this (-1: none)")->capture_default_str();
    c->callback([o, &run] {
      run = [o] {
        auto req = ScenarioRequest(*o);
        if (!req) return PrintError(req.error());
        if (o->target > 0) (*req)["target"] = o->target;
        (*req)["protect_tier"] = o->protect_tier;
        Analyst r(*o);
        return Emit(*o, r.Call("shed", json::value(std::move(*req))), PrintShed);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = Sub(graph, "utilization", "Utilization, defense level and M/M/c queueing per service", o);
    c->add_option("services", o->services, "Services (default: all)");
    c->callback([o, &run] {
      run = [o] {
        Analyst r(*o);
        json::object req;
        if (!o->services.empty()) req["services"] = Arr(o->services);
        return Emit(*o, r.Call("utilization", json::value(std::move(req))), PrintUtilization);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = Sub(graph, "fallbacks", "Precomputed fallback plans: list them, or show one by name", o);
    c->add_option("name", o->name, "A plan name, e.g. zone:eu-west-1a or service:db");
    c->add_option("--kind", o->kind, "service|zone|group|pair|scenario");
    c->callback([o, &run] {
      run = [o] {
        Analyst r(*o);
        json::object req;
        if (!o->name.empty()) req["name"] = o->name;
        if (!o->kind.empty()) req["kind"] = o->kind;
        return Emit(*o, r.Call("fallbacks", json::value(std::move(req))), PrintFallbacks);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = Sub(graph, "defense-level", "The system defense level: open incidents, utilization, coverage", o);
    c->callback([o, &run] {
      run = [o] {
        Analyst r(*o);
        return Emit(*o, r.Call("defense-level", nullptr), PrintDefense);
      };
    });
  }
}

}  // namespace firebreak::cli
