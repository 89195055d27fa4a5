// firebreak anomaly / analyze / metrics / change: anomaly scoring, root-cause analysis (offline
// over exported data, or on a running server), metric import and change events.
#include <cstdio>
#include <fstream>
#include <sstream>


#include "analyze/decode.h"
#include "analyze/detector.h"
#include "analyze/nab.h"
#include "analyze/offline.h"
#include "analyze/rca.h"
#include "cli/cli.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"

namespace firebreak::cli {

namespace {


Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Str(const boost::json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end()) return "";
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_number()) return core::ToJson(it->value());
  return "";
}

double Dbl(const boost::json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_number()) return 0;
  return it->value().to_number<double>();
}

// Prints an analysis (RcaResult JSON) for people.
void PrintAnalysis(const boost::json::object& r, size_t top) {
  const auto& hs = r.at("hypotheses").get_array();
  std::printf("Window %s .. %s, %s series used\n", Str(r, "from").c_str(), Str(r, "to").c_str(),
              Str(r, "series_used").c_str());
  size_t n = 0;
  for (const auto& hv : hs) {
    const auto& h = hv.get_object();
    if (n >= top) break;
    if (Dbl(h, "score") <= 0 && n > 0) break;
    ++n;
    std::printf("%zu. %-28s confidence %.2f  %s\n", n, Str(h, "service").c_str(), Dbl(h, "confidence"),
                Str(h, "metric").c_str());
    for (const auto& ev : h.at("evidence").get_array())
      std::printf("     - [%s] %s\n", Str(ev.get_object(), "type").c_str(), Str(ev.get_object(), "text").c_str());
  }
  if (n == 0) std::printf("No hypotheses: nothing anomalous in the window.\n");
  if (auto it = r.find("changes"); it != r.end() && it->value().is_array() && !it->value().get_array().empty()) {
    std::printf("Changes:\n");
    size_t k = 0;
    for (const auto& cv : it->value().get_array()) {
      if (k++ >= 5) break;
      const auto& c = cv.get_object();
      const auto& ch = c.at("change").get_object();
      std::printf("  %.2f  %-20s %-10s %-14s %s (%s)\n", Dbl(c, "score"), Str(ch, "time").c_str(), Str(ch, "kind").c_str(),
                  Str(ch, "service").c_str(), Str(ch, "summary").c_str(), Str(c, "reason").c_str());
    }
  }
  if (auto it = r.find("missing"); it != r.end() && it->value().is_array())
    for (const auto& m : it->value().get_array())
      if (m.is_string()) std::printf("Missing: %s\n", std::string(m.get_string()).c_str());
}

int AnomalyScore(const std::string& in, const std::string& out_path, bool strict) {
  auto text = ReadAll(in);
  if (!text) return PrintError(text.error());
  analyze::CsvOptions copt;
  copt.require_increasing = strict;
  std::vector<std::string> warnings;
  auto samples = analyze::ParseSeriesCsv(*text, copt, &warnings);
  if (!samples) {
    auto e = samples.error();
    e.message = in + ": " + e.message;
    return PrintError(e);
  }
  for (const auto& w : warnings) std::fprintf(stderr, "firebreak: warning: %s: %s\n", in.c_str(), w.c_str());
  std::FILE* out = stdout;
  if (!out_path.empty() && out_path != "-") {
    out = std::fopen(out_path.c_str(), "wb");
    if (!out) return PrintError(Error{ErrorCode::kUnavailable, "cannot write '" + out_path + "'", "output"});
  }
  analyze::AnomalyDetector d;
  std::fprintf(out, "timestamp,value,anomaly_score\n");
  size_t changes = 0;
  for (const auto& s : *samples) {
    auto r = d.Update(s.t, s.v);
    changes += r.change_point;
    std::fprintf(out, "%s,%s,%.6f\n", core::FormatRfc3339(core::FromUnixMillis(s.t)).c_str(),
                 analyze::FormatValue(s.v).c_str(), r.score);
  }
  bool ok = std::fflush(out) == 0;
  if (out != stdout) ok = std::fclose(out) == 0 && ok;
  if (!ok) return PrintError(Error{ErrorCode::kUnavailable, "writing '" + out_path + "' failed", "output"});
  std::fprintf(stderr, "%zu samples scored, %zu change points\n", samples->size(), changes);
  return 0;
}

int NabBenchmark(const std::string& dir, bool json) {
  auto corpus = analyze::nab::LoadCorpus(dir);
  if (!corpus) return PrintError(corpus.error());
  std::vector<std::vector<double>> scores;
  for (const auto& f : corpus->files) {
    analyze::AnomalyDetector d;
    std::vector<double> s;
    s.reserve(f.samples.size());
    for (const auto& x : f.samples) s.push_back(d.Update(x.t, x.v).score);
    scores.push_back(std::move(s));
  }
  boost::json::object out;
  out["files"] = corpus->files.size();
  out["windows"] = corpus->WindowCount();
  boost::json::array profiles;
  if (!json)
    std::printf("NAB corpus %s: %zu files, %zu labelled windows (detector settings identical for every file)\n",
                dir.c_str(), corpus->files.size(), corpus->WindowCount());
  for (const auto& p : analyze::nab::Profiles()) {
    auto r = analyze::nab::Score(*corpus, scores, p);
    if (!r) return PrintError(r.error());
    if (json) {
      boost::json::object o;
      o["profile"] = p.name;
      o["score"] = std::round(r->normalized * 100) / 100;
      o["threshold"] = r->threshold;
      o["tp"] = r->tp;
      o["fp"] = r->fp;
      o["fn"] = r->fn;
      if (p.name == "standard") {
        boost::json::array files;
        for (const auto& f : r->files)
          files.push_back({{"file", f.name}, {"raw", f.raw}, {"tp", f.tp}, {"fp", f.fp}, {"fn", f.fn}});
        o["per_file"] = std::move(files);
      }
      profiles.push_back(std::move(o));
    } else {
      if (p.name == "standard") {
        std::printf("  %-58s %7s %3s %3s %3s\n", "file (standard profile)", "raw", "tp", "fp", "fn");
        for (const auto& f : r->files)
          std::printf("  %-58s %7.2f %3d %3d %3d\n", f.name.c_str(), f.raw, f.tp, f.fp, f.fn);
      }
      std::printf("%-14s score %6.2f  (threshold %.4f, tp %d, fp %d, fn %d)\n", p.name.c_str(), r->normalized,
                  r->threshold, r->tp, r->fp, r->fn);
    }
  }
  if (json) {
    out["profiles"] = std::move(profiles);
    PrintJson(out);
  }
  return 0;
}

struct RcaOpts {
  ClientOptions client;
  std::string incident, metrics, graph, from, to, baseline;
  std::vector<std::string> affected, options;
  size_t top = 5;
};

int OfflineRca(const RcaOpts& o) {
  if (o.graph.empty()) return PrintError(Error{ErrorCode::kInvalidArgument, "--graph FILE is required with --metrics", "graph"});
  if (o.from.empty() || o.to.empty())
    return PrintError(Error{ErrorCode::kInvalidArgument, "--from and --to are required with --metrics", "from"});
  auto from = analyze::ParseTimestamp(o.from);
  if (!from) return PrintError(Error{ErrorCode::kInvalidArgument, "--from: " + from.error().message, "from"});
  auto to = analyze::ParseTimestamp(o.to);
  if (!to) return PrintError(Error{ErrorCode::kInvalidArgument, "--to: " + to.error().message, "to"});
  if (*to < *from) return PrintError(Error{ErrorCode::kInvalidArgument, "--to is before --from", "to"});
  auto metrics = analyze::LoadMetricsDir(o.metrics);
  if (!metrics) return PrintError(metrics.error());
  for (const auto& w : metrics->warnings) std::fprintf(stderr, "firebreak: warning: %s\n", w.c_str());
  auto graph = analyze::LoadGraphFile(o.graph);
  if (!graph) return PrintError(graph.error());
  analyze::RcaInput in;
  in.series = std::move(metrics->series);
  in.graph = std::move(*graph);
  in.from = *from;
  in.to = *to;
  in.affected = o.affected;
  if (!o.baseline.empty()) {
    auto ref = analyze::LoadMetricsDir(o.baseline);
    if (!ref) return PrintError(ref.error());
    in.reference = std::move(ref->series);
  }
  for (const auto& a : in.affected) {
    bool known = in.graph.Has(a);
    for (const auto& s : in.series) known |= s.service == a;
    if (!known)
      return PrintError(Error{ErrorCode::kNotFound, "unknown service '" + a + "' (not in the metrics or the graph)",
                              "affected"});
  }
  analyze::RcaOptions ropt;
  for (const auto& kv : o.options) {
    auto eq = kv.find('=');
    double v = 0;
    if (eq == std::string::npos || !analyze::ParseFiniteDouble(kv.substr(eq + 1), &v) ||
        !analyze::SetRcaOption(ropt, kv.substr(0, eq), v))
      return PrintError(Error{ErrorCode::kInvalidArgument, "--option '" + kv + "': expected a known name=number", "option"});
  }
  auto res = analyze::RankRootCauses(in, ropt);
  auto j = analyze::ToJson(res);
  if (o.client.json) PrintJson(j);
  else PrintAnalysis(j, o.top);
  return 0;
}

int ServerRca(const RcaOpts& o) {
  auto r = CallServer(o.client, "POST", "/api/v1/incidents/" + Enc(o.incident) + "/analyze", boost::json::object());
  if (!r) return PrintError(r.error());
  if (o.client.json) {
    PrintJson(*r);
    return 0;
  }
  const auto& obj = r->get_object();
  std::printf("Incident %s\n", o.incident.c_str());
  if (auto it = obj.find("result"); it != obj.end() && it->value().is_object())
    PrintAnalysis(it->value().get_object(), o.top);
  return 0;
}

}  // namespace

void AddAnalyzeCommands(CLI::App& app, Runner& run) {
  // ---- anomaly ----
  auto* anomaly = app.add_subcommand("anomaly", "Streaming anomaly detection over CSV series");
  anomaly->require_subcommand(1);
  {
    struct O {
      std::string file, output;
      bool strict = false;
    };
    auto o = std::make_shared<O>();
    auto* c = anomaly->add_subcommand("score", "Score a timestamp,value CSV: writes timestamp,value,anomaly_score");
    c->add_option("file", o->file, "Input CSV (timestamp,value)")->required();
    c->add_option("--output,-o", o->output, "Output CSV (default: stdout)");
    c->add_flag("--strict", o->strict, "Reject timestamps that repeat or go backwards (default: warn, score in file order)");
    c->callback([o, &run] { run = [o] { return AnomalyScore(o->file, o->output, o->strict); }; });
  }
  {
    struct O {
      std::string dir;
      bool json = false;
    };
    auto o = std::make_shared<O>();
    auto* c = anomaly->add_subcommand("nab", "Score the detector on a NAB corpus (data/ and labels/combined_windows.json)");
    c->add_option("dir", o->dir, "NAB directory")->required();
    c->add_flag("--json", o->json, "Print JSON");
    c->callback([o, &run] { run = [o] { return NabBenchmark(o->dir, o->json); }; });
  }

  // ---- analyze ----
  auto* an = app.add_subcommand("analyze", "Root-cause analysis, metric anomalies and resource trends");
  an->require_subcommand(1);
  {
    auto o = std::make_shared<RcaOpts>();
    auto* c = an->add_subcommand(
        "rca", "Rank root-cause hypotheses: --incident ID on a running server, or offline over exported data");
    AddClientOptions(c, o->client);
    c->add_option("--incident", o->incident, "Incident id (runs the analysis on the server)");
    c->add_option("--metrics", o->metrics, "Exported metrics directory (offline; see docs/ANALYZE.md)");
    c->add_option("--graph", o->graph, "Dependency graph file (edge list CSV, adjacency matrix CSV or JSON)");
    c->add_option("--from", o->from, "Start of the incident window (RFC 3339 or Unix seconds)");
    c->add_option("--to", o->to, "End of the incident window");
    c->add_option("--baseline", o->baseline, "A metrics directory of a normal period used as extra baseline");
    c->add_option("--affected", o->affected, "Services the incident affects (repeatable)")->delimiter(',');
    c->add_option("--top", o->top, "Hypotheses to print")->capture_default_str();
    c->add_option("--option", o->options, "Tuning: name=value (see docs/ANALYZE.md), repeatable");
    c->callback([o, &run] {
      run = [o] {
        if (!o->incident.empty() && !o->metrics.empty())
          return PrintError(Error{ErrorCode::kInvalidArgument, "use either --incident or --metrics", "incident"});
        if (!o->incident.empty()) return ServerRca(*o);
        if (!o->metrics.empty()) return OfflineRca(*o);
        return PrintError(Error{ErrorCode::kInvalidArgument, "--incident ID or --metrics DIR is required", "incident"});
      };
    });
  }
  {
    struct O {
      ClientOptions client;
      std::string service, from, to;
    };
    auto o = std::make_shared<O>();
    auto* c = an->add_subcommand("anomalies", "Metric anomalies of a service (or all) in a window, from the server");
    AddClientOptions(c, o->client);
    c->add_option("--service", o->service, "Service (default: every service)");
    c->add_option("--from", o->from, "Window start (default: 1h ago)");
    c->add_option("--to", o->to, "Window end (default: now)");
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?service=" + Enc(o->service);
        if (!o->from.empty()) q += "&from=" + Enc(o->from);
        if (!o->to.empty()) q += "&to=" + Enc(o->to);
        auto r = CallServer(o->client, "GET", "/api/v1/anomalies" + q);
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        const auto& obj = r->get_object();
        Table t({"SERVICE", "METRIC", "KIND", "Z", "ONSET"});
        for (const auto& av : obj.at("anomalies").get_array()) {
          const auto& a = av.get_object();
          t.Add({Str(a, "service"), Str(a, "metric"), Str(a, "kind"), Num("%.1f", Dbl(a, "z")), Str(a, "onset")});
        }
        t.Print();
        for (const auto& m : obj.at("missing").get_array())
          if (m.is_string()) std::printf("Missing: %s\n", std::string(m.get_string()).c_str());
        return 0;
      };
    });
  }
  {
    struct O {
      ClientOptions client;
      std::string service, horizon;
    };
    auto o = std::make_shared<O>();
    auto* c = an->add_subcommand("trends", "Resources forecast to run out within the horizon");
    AddClientOptions(c, o->client);
    c->add_option("--service", o->service, "Service (default: every service)");
    c->add_option("--horizon", o->horizon, "Forecast horizon, e.g. 24h (default: from config)");
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?service=" + Enc(o->service);
        if (!o->horizon.empty()) q += "&horizon=" + Enc(o->horizon);
        auto r = CallServer(o->client, "GET", "/api/v1/trends" + q);
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        const auto& obj = r->get_object();
        Table table({"SERVICE", "METRIC", "NOW", "LIMIT", "EXHAUSTED AT"});
        for (const auto& tv : obj.at("trends").get_array()) {
          const auto& t = tv.get_object();
          table.Add({Str(t, "service"), Str(t, "metric"), Num("%.4g", Dbl(t, "current")), Num("%.4g", Dbl(t, "limit")),
                     Str(t, "exhausted_at")});
        }
        table.Print();
        for (const auto& m : obj.at("missing").get_array())
          if (m.is_string()) std::printf("Missing: %s\n", std::string(m.get_string()).c_str());
        return 0;
      };
    });
  }

  // ---- metrics ----
  auto* metrics = app.add_subcommand("metrics", "Metric samples in the embedded store");
  metrics->require_subcommand(1);
  {
    struct O {
      ClientOptions client;
      std::string file, service, metric;
    };
    auto o = std::make_shared<O>();
    auto* c = metrics->add_subcommand("import", "Import a CSV file of samples for a service into a running server");
    AddClientOptions(c, o->client);
    c->add_option("file", o->file, "CSV: timestamp,value | timestamp,<metric>,... | timestamp,service,metric,value")
        ->required();
    c->add_option("--service", o->service, "The service the samples describe")->required();
    c->add_option("--metric", o->metric, "Metric name for a timestamp,value file (default: value)");
    c->callback([o, &run] {
      run = [o] {
        auto text = ReadAll(o->file);
        if (!text) return PrintError(text.error());
        // Decode locally first: a bad file is reported with its line before anything is sent.
        auto batch = analyze::DecodeMetricsCsv(*text, o->service, o->metric);
        if (!batch) {
          auto e = batch.error();
          e.message = o->file + ": " + e.message;
          return PrintError(e);
        }
        // Send in chunks well under the server's body limit; each chunk is durable when answered.
        size_t sent = 0, requests = 0;
        boost::json::array chunk;
        size_t chunk_samples = 0;
        auto flush = [&]() -> Status {
          if (chunk.empty()) return Ok();
          boost::json::object body{{"series", std::move(chunk)}};
          chunk = boost::json::array();
          std::string q = "?service=" + Enc(o->service);
          FB_ASSIGN_OR_RETURN(auto r, CallServer(o->client, "POST", "/api/v1/metrics" + q, body));
          (void)r;
          sent += chunk_samples;
          chunk_samples = 0;
          ++requests;
          return Ok();
        };
        for (const auto& s : batch->series) {
          boost::json::array pts;
          for (const auto& x : s.samples) {
            pts.push_back({x.t, x.v});
            if (++chunk_samples >= 20000) {
              chunk.push_back({{"service", s.service}, {"metric", s.metric}, {"samples", std::move(pts)}});
              pts = boost::json::array();
              if (auto st = flush(); !st) {
                std::fprintf(stderr, "firebreak: %zu samples were stored before the error\n", sent);
                return PrintError(st.error());
              }
            }
          }
          if (!pts.empty()) chunk.push_back({{"service", s.service}, {"metric", s.metric}, {"samples", std::move(pts)}});
        }
        if (auto st = flush(); !st) {
          std::fprintf(stderr, "firebreak: %zu samples were stored before the error\n", sent);
          return PrintError(st.error());
        }
        if (o->client.json) {
          PrintJson(boost::json::object{{"series", batch->series.size()}, {"samples", sent}, {"requests", requests}});
        } else {
          std::printf("imported %zu samples in %zu series for %s\n", sent, batch->series.size(), o->service.c_str());
        }
        return 0;
      };
    });
  }

  // ---- change ----
  auto* change = app.add_subcommand("changes", "Change events (deploys, config changes, feature flags): record, list");
  change->require_subcommand(1);
  {
    struct O {
      ClientOptions client;
      std::string service, kind = "deploy", summary, source = "cli", time, dedup;
      std::vector<std::string> labels;
    };
    auto o = std::make_shared<O>();
    auto* c = change->add_subcommand("record", "Record a change event on a running server");
    AddClientOptions(c, o->client);
    c->add_option("--service", o->service, "Changed service")->required();
    c->add_option("--kind", o->kind, "deploy|config|feature_flag|rollback|other")->capture_default_str();
    c->add_option("--summary", o->summary, "What changed")->required();
    c->add_option("--source", o->source, "Who or what reports it")->capture_default_str();
    c->add_option("--time", o->time, "When it happened (default: now)");
    c->add_option("--dedup-key", o->dedup, "Repeats with the same key are ignored");
    c->add_option("--label", o->labels, "key=value (repeatable)");
    c->callback([o, &run] {
      run = [o] {
        boost::json::object body{{"service", o->service}, {"kind", o->kind}, {"summary", o->summary},
                                 {"source", o->source}};
        if (!o->time.empty()) body["time"] = o->time;
        if (!o->dedup.empty()) body["dedup_key"] = o->dedup;
        boost::json::object labels;
        for (const auto& l : o->labels) {
          auto eq = l.find('=');
          if (eq == std::string::npos || eq == 0)
            return PrintError(Error{ErrorCode::kInvalidArgument, "--label must be key=value", "label"});
          labels[l.substr(0, eq)] = l.substr(eq + 1);
        }
        body["labels"] = std::move(labels);
        auto r = CallServer(o->client, "POST", "/api/v1/changes", body);
        if (!r) return PrintError(r.error());
        if (o->client.json) PrintJson(*r);
        else std::printf("recorded change %s\n", Str(r->get_object(), "id").c_str());
        return 0;
      };
    });
  }
  {
    struct O {
      ClientOptions client;
      std::string service, from, to, incident;
      int limit = 100;
    };
    auto o = std::make_shared<O>();
    auto* c = change->add_subcommand("list", "Recorded changes, oldest first (ranked against an incident with --incident)");
    AddClientOptions(c, o->client);
    c->add_option("--service", o->service, "Only this service");
    c->add_option("--since,--from", o->from, "Window start: RFC 3339 or a duration ago, e.g. 6h (default: 24h ago)");
    c->add_option("--until,--to", o->to, "Window end (default: now)");
    c->add_option("--limit", o->limit, "Most changes to show")->capture_default_str();
    c->add_option("--incident", o->incident, "Rank the incident's window's changes against it");
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?service=" + Enc(o->service);
        if (!o->incident.empty()) {
          q += "&incident=" + Enc(o->incident);
          if (!o->from.empty()) q += "&from=" + Enc(o->from);
          if (!o->to.empty()) q += "&to=" + Enc(o->to);
        } else {
          q += "&limit=" + std::to_string(o->limit);
          if (!o->from.empty()) q += "&since=" + Enc(o->from);
          if (!o->to.empty()) q += "&until=" + Enc(o->to);
        }
        auto r = CallServer(o->client, "GET", "/api/v1/changes" + q);
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        const auto& changes = r->get_object().at("changes").get_array();
        if (changes.empty())
          std::printf("no changes recorded%s%s in the window\n", o->service.empty() ? "" : (" for " + o->service).c_str(),
                      o->incident.empty() ? "" : (" around " + o->incident).c_str());
        for (const auto& cv : changes) {
          const auto& c = cv.get_object();
          const auto& ch = c.contains("change") ? c.at("change").get_object() : c;
          std::printf("%-22s %-10s %-16s %s%s\n", Str(ch, "time").c_str(), Str(ch, "kind").c_str(),
                      Str(ch, "service").c_str(), Str(ch, "summary").c_str(),
                      c.contains("score") ? (" (score " + Str(c, "score") + ": " + Str(c, "reason") + ")").c_str() : "");
        }
        return 0;
      };
    });
  }
}

}  // namespace firebreak::cli
