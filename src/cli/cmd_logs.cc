// firebreak logs ...: mine templates from a file offline (`mine`), and send a file to a server
// (`import`), read a server's templates (`templates`) and an incident's log patterns (`patterns`).
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>

#include <date/date.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "logs/format.h"
#include "logs/miner.h"
#include "logs/reader.h"

namespace firebreak::cli {

namespace {

namespace json = boost::json;


// A progress line on a terminal: "  42% 1.2 GB  3.1M lines  2.8M lines/s".
class Progress {
 public:
  Progress(const core::Clock& clock, uint64_t total, bool enabled)
      : clock_(clock), total_(total), enabled_(enabled && isatty(2)), start_(clock.Steady()), last_(start_) {}
  void Update(uint64_t bytes, uint64_t lines) {
    if (!enabled_) return;
    auto now = clock_.Steady();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? static_cast<double>(lines) / secs : 0;
    if (total_ > 0) {
      int pct = static_cast<int>(100.0 * static_cast<double>(bytes) / static_cast<double>(total_));
      int width = 30, fill = pct * width / 100;
      std::fprintf(stderr, "\r[%.*s%*s] %3d%%  %.1f MB  %.2fM lines  %.2fM lines/s ", fill,
                   "##############################", width - fill, "", pct, static_cast<double>(bytes) / 1e6,
                   static_cast<double>(lines) / 1e6, rate / 1e6);
    } else {
      std::fprintf(stderr, "\r%.1f MB  %.2fM lines  %.2fM lines/s ", static_cast<double>(bytes) / 1e6,
                   static_cast<double>(lines) / 1e6, rate / 1e6);
    }
    std::fflush(stderr);
    shown_ = true;
  }
  void Done() {
    if (shown_) std::fprintf(stderr, "\r%*s\r", 90, "");
  }
  double Seconds() const { return std::chrono::duration<double>(clock_.Steady() - start_).count(); }

 private:
  const core::Clock& clock_;
  uint64_t total_;
  bool enabled_;
  core::SteadyTime start_, last_;
  bool shown_ = false;
};

void CsvField(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

struct MineOpts {
  std::string file, format, output, state;
  bool json = false, no_progress = false;
  double similarity = 0.7;
  size_t min_distinct = 3, max_templates = 0;
  size_t top = 0;
};

int Mine(const MineOpts& o) {
  auto parser = logs::LineParser::Create(o.format);
  if (!parser) return PrintError(parser.error());
  logs::MinerOptions mo;
  mo.similarity = o.similarity;
  mo.min_distinct = o.min_distinct;
  mo.max_templates = o.max_templates;
  logs::IdSource ids;
  Result<logs::Miner> miner = Internal("unset");
  if (!o.state.empty() && std::ifstream(o.state).good()) {
    std::ifstream in(o.state, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto v = core::ParseJson(text, 16);
    if (!v) return PrintError(Error{ErrorCode::kInvalidArgument, o.state + ": " + v.error().message, "state"});
    miner = logs::Miner::Restore(mo, *v, &ids);
    if (!miner) return PrintError(Error{miner.error().code, o.state + ": " + miner.error().message, "state"});
  } else {
    miner = logs::Miner::Create(mo, &ids);
    if (!miner) return PrintError(miner.error());
  }
  auto reader = logs::LineReader::Open(o.file);
  if (!reader) return PrintError(reader.error());
  core::RealClock clock;
  Progress progress(clock, reader->size(), !o.no_progress && (reader->size() == 0 || reader->size() > (16 << 20)));

  std::vector<uint32_t> assignments;  // template slot per line, for --output
  const bool keep = !o.output.empty();
  logs::ParsedLine parsed;
  std::string_view line;
  uint64_t lines = 0, unmatched = 0;
  while (reader->Next(line)) {
    parser->Parse(line, parsed);
    if (!parsed.matched) ++unmatched;
    auto r = miner->Add(parsed.content, parsed.time_ms.value_or(0), parsed.level == logs::Level::kError);
    if (keep) assignments.push_back(r.slot);
    if ((++lines & 0xFFFF) == 0) progress.Update(reader->bytes_read(), lines);
  }
  progress.Done();
  if (!reader->status()) return PrintError(reader->status().error());
  double secs = progress.Seconds();

  if (keep) {
    std::FILE* out = o.output == "-" ? stdout : std::fopen(o.output.c_str(), "wb");
    if (!out) return PrintError(Error{ErrorCode::kInvalidArgument, "cannot write " + o.output, "output"});
    std::string buf = "LineId,EventId,EventTemplate\n";
    for (size_t i = 0; i < assignments.size(); ++i) {
      const auto& t = miner->Get(assignments[i]);
      buf += std::to_string(i + 1);
      buf += ",E";
      buf += std::to_string(t.id);
      buf += ',';
      CsvField(buf, t.text);
      buf += '\n';
      if (buf.size() > (1 << 20)) {
        std::fwrite(buf.data(), 1, buf.size(), out);
        buf.clear();
      }
    }
    std::fwrite(buf.data(), 1, buf.size(), out);
    bool ok = std::fflush(out) == 0;
    if (out != stdout) ok = std::fclose(out) == 0 && ok;
    if (!ok) return PrintError(Error{ErrorCode::kUnavailable, "cannot write " + o.output, "output"});
  }
  if (!o.state.empty()) {
    std::string tmp = o.state + ".tmp";
    {
      std::ofstream st(tmp, std::ios::binary | std::ios::trunc);
      st << core::ToJson(miner->Snapshot());
      if (!st.good()) return PrintError(Error{ErrorCode::kUnavailable, "cannot write " + tmp, "state"});
    }
    if (std::rename(tmp.c_str(), o.state.c_str()) != 0)
      return PrintError(Error{ErrorCode::kUnavailable, "cannot replace " + o.state, "state"});
  }

  auto templates = miner->Templates();
  std::stable_sort(templates.begin(), templates.end(),
                   [](const logs::Template* a, const logs::Template* b) { return a->count > b->count; });
  if (o.top > 0 && templates.size() > o.top) templates.resize(o.top);
  if (o.json) {
    json::array arr;
    for (const auto* t : templates) {
      json::object e{{"id", "E" + std::to_string(t->id)}, {"template", t->text}, {"count", t->count},
                     {"errors", t->errors}, {"sample", t->sample}};
      if (t->first_seen_ms) e["first_seen"] = core::FormatRfc3339(core::FromUnixMillis(t->first_seen_ms));
      if (t->last_seen_ms) e["last_seen"] = core::FormatRfc3339(core::FromUnixMillis(t->last_seen_ms));
      arr.push_back(std::move(e));
    }
    PrintJson(json::object{{"lines", lines},
                           {"unmatched_lines", unmatched},
                           {"templates_total", miner->template_count()},
                           {"templates", arr}});
  } else {
    std::printf("%-8s %10s  %s\n", "ID", "COUNT", "TEMPLATE");
    for (const auto* t : templates) {
      std::string id = "E" + std::to_string(t->id);
      std::printf("%-8s %10" PRIu64 "  %s\n", id.c_str(), t->count, t->text.c_str());
    }
  }
  std::fprintf(stderr, "%" PRIu64 " lines, %zu templates, %.2f s (%.0f lines/s)%s\n", lines,
               miner->template_count(), secs, secs > 0 ? static_cast<double>(lines) / secs : 0.0,
               unmatched && !o.format.empty()
                   ? (", " + std::to_string(unmatched) + " lines did not match the format (mined whole)").c_str()
                   : "");
  return 0;
}

struct ImportOpts {
  ClientOptions client;
  std::string file, service, format;
  size_t batch_bytes = 512 << 10;
  bool no_progress = false;
};

int Import(const ImportOpts& o) {
  auto parser = logs::LineParser::Create(o.format);
  if (!parser) return PrintError(parser.error());
  auto reader = logs::LineReader::Open(o.file);
  if (!reader) return PrintError(reader.error());
  core::RealClock clock;
  Progress progress(clock, reader->size(), !o.no_progress && (reader->size() == 0 || reader->size() > (4 << 20)));
  const int year = static_cast<int>(
      date::year_month_day{date::floor<date::days>(clock.Now())}.year());
  uint64_t lines = 0, accepted = 0, dropped = 0, created = 0, batches = 0;
  json::array entries;
  size_t bytes = 0;
  auto flush = [&]() -> Status {
    if (entries.empty()) return Ok();
    json::object body{{"service", o.service}, {"entries", std::move(entries)}};
    entries = json::array();
    bytes = 0;
    auto r = CallServer(o.client, "POST", "/api/v1/logs", body);
    if (!r) return Unexpected(r.error());
    const auto& obj = r->as_object();
    accepted += obj.at("accepted").to_number<uint64_t>();
    dropped += obj.at("dropped").to_number<uint64_t>();
    created += obj.at("new_templates").to_number<uint64_t>();
    ++batches;
    return Ok();
  };
  logs::ParsedLine parsed;
  std::string_view line;
  while (reader->Next(line)) {
    ++lines;
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    parser->Parse(line, parsed, year);
    json::object e{{"message", parsed.content}};
    if (parsed.time_ms) e["time"] = *parsed.time_ms;
    if (!parsed.level_text.empty()) e["level"] = parsed.level_text;
    bytes += parsed.content.size() + 64;
    entries.push_back(std::move(e));
    if (bytes >= o.batch_bytes || entries.size() >= 5000) {
      if (auto st = flush(); !st) {
        progress.Done();
        return PrintError(Error{st.error().code, "after " + std::to_string(lines) + " lines: " + st.error().message,
                                st.error().field});
      }
    }
    if ((lines & 0x3FF) == 0) progress.Update(reader->bytes_read(), lines);
  }
  progress.Done();
  if (!reader->status()) return PrintError(reader->status().error());
  if (auto st = flush(); !st) return PrintError(st.error());
  if (o.client.json) {
    PrintJson(json::object{{"lines", lines}, {"accepted", accepted}, {"dropped", dropped},
                           {"new_templates", created}, {"batches", batches}});
  } else {
    std::printf("imported %" PRIu64 " lines into %s: %" PRIu64 " accepted, %" PRIu64 " new templates (%" PRIu64
                " requests)\n",
                lines, o.service.c_str(), accepted, created, batches);
  }
  return 0;
}

struct QueryOpts {
  ClientOptions client;
  std::string service, since = "1h", until, incident;
  bool errors = false;
  int limit = 20;
};

// The patterns as a table, each with its first (redacted) exemplar line under its template; then
// the runbooks whose log_patterns match them, when the answer has them (an incident's does).
void PrintPatterns(const json::object& r) {
  const auto& arr = r.at("patterns").as_array();
  Table t({"ID", "SERVICE", "ERR", "STATUS", "LINES", "RATE/MIN", "BASELINE", "FIRST SEEN", "TEMPLATE"});
  for (const auto& v : arr) {
    const auto& p = v.as_object();
    std::string status = p.at("new").as_bool() ? "new" : p.at("surging").as_bool() ? "surging" : "";
    t.Add({std::to_string(p.at("template_id").to_number<int64_t>()), std::string(p.at("service").as_string()),
           p.at("error").as_bool() ? "yes" : "", status, std::to_string(p.at("count").to_number<int64_t>()),
           Num("%.1f", p.at("rate_per_min").to_number<double>()), Num("%.1f", p.at("baseline_per_min").to_number<double>()),
           std::string(p.at("first_seen").as_string()), std::string(p.at("template").as_string())});
    const auto* ex = p.if_contains("exemplars");
    if (ex && ex->is_array() && !ex->as_array().empty()) {
      const auto* line = ex->as_array()[0].is_object() ? ex->as_array()[0].as_object().if_contains("line") : nullptr;
      if (line && line->is_string()) t.AddUnder(8, "e.g. " + core::Truncate(std::string(line->as_string()), 100));
    }
  }
  t.Print();
  const auto* rbs = r.if_contains("runbooks");
  if (!rbs || !rbs->is_array() || rbs->as_array().empty()) return;
  std::printf("\nRunbooks whose log_patterns match:\n");
  for (const auto& v : rbs->as_array()) {
    const auto& rb = v.as_object();
    std::vector<std::string> why;
    for (const auto& m : rb.at("matches").as_array()) {
      std::string w = "/" + std::string(m.at("log_pattern").as_string()) + "/ on template " +
                      std::to_string(m.at("template_id").to_number<int64_t>());
      if (std::find(why.begin(), why.end(), w) == why.end()) why.push_back(w);
    }
    std::printf("  %-24s %s: %s\n", std::string(rb.at("runbook").as_string()).c_str(),
                std::string(rb.at("title").as_string()).c_str(), core::Join(why, ", ").c_str());
  }
}

}  // namespace

void AddLogsCommands(CLI::App& app, Runner& run) {
  auto* logs = app.add_subcommand("logs", "Log template mining and log patterns");
  logs->require_subcommand(1);
  {
    auto o = std::make_shared<MineOpts>();
    auto* c = logs->add_subcommand("mine", "Mine templates from a log file offline and print them with counts");
    c->add_option("file", o->file, "Log file, or - for standard input")->required();
    c->add_option("--format", o->format,
                  "Header format: a format string like '<Date> <Time> <Level> <Component>: <Content>', "
                  "or json, logfmt, syslog, syslog5424, raw (default: the whole line is the message)");
    c->add_flag("--json", o->json, "Print JSON");
    c->add_option("--output", o->output, "Write LineId,EventId,EventTemplate for every input line to this CSV file");
    c->add_option("--state", o->state, "Load the miner state from this file if it exists, and save it after mining");
    c->add_option("--top", o->top, "Print only the N most frequent templates");
    c->add_option("--similarity", o->similarity, "Share of constant tokens a line must share with a template")
        ->capture_default_str();
    c->add_option("--min-distinct", o->min_distinct, "Distinct words before a position becomes a variable")
        ->capture_default_str();
    c->add_option("--max-templates", o->max_templates, "Templates kept in memory (0 = unbounded)");
    c->add_flag("--no-progress", o->no_progress, "No progress bar");
    c->callback([o, &run] { run = [o] { return Mine(*o); }; });
  }
  {
    auto o = std::make_shared<ImportOpts>();
    auto* c = logs->add_subcommand("import", "Send a log file to a running server, attributed to a service");
    AddClientOptions(c, o->client);
    c->add_option("file", o->file, "Log file, or - for standard input")->required();
    c->add_option("--service", o->service, "Service the lines belong to")->required();
    c->add_option("--format", o->format, "Header format (as for logs mine) to read each line's time and level");
    c->add_option("--batch-bytes", o->batch_bytes, "Approximate bytes per request")->capture_default_str();
    c->add_flag("--no-progress", o->no_progress, "No progress bar");
    c->callback([o, &run] { run = [o] { return Import(*o); }; });
  }
  {
    auto o = std::make_shared<QueryOpts>();
    auto* c = logs->add_subcommand("templates", "List mined templates on a running server (most recently seen first)");
    AddClientOptions(c, o->client);
    c->add_option("--service", o->service, "Only this service");
    c->add_option("--since", o->since, "Seen within this long (1h) or since an RFC 3339 time")->capture_default_str();
    c->add_flag("--errors", o->errors, "Only error templates");
    c->add_option("--limit", o->limit, "Most templates to show")->capture_default_str();
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?since=" + Enc(o->since) + "&limit=" + std::to_string(o->limit);
        if (!o->service.empty()) q += "&service=" + Enc(o->service);
        if (o->errors) q += "&errors=1";
        auto r = CallServer(o->client, "GET", "/api/v1/logs/templates" + q);
        if (!r) return PrintError(r.error());
        if (o->client.json) {
          PrintJson(*r);
          return 0;
        }
        Table table({"ID", "SERVICE", "COUNT", "ERR", "LAST SEEN", "TEMPLATE"});
        for (const auto& v : r->as_object().at("templates").as_array()) {
          const auto& t = v.as_object();
          table.Add({std::to_string(t.at("template_id").to_number<int64_t>()), std::string(t.at("service").as_string()),
                     std::to_string(t.at("count").to_number<int64_t>()), t.at("error").as_bool() ? "yes" : "",
                     std::string(t.at("last_seen").as_string()), std::string(t.at("template").as_string())});
        }
        table.Print();
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<QueryOpts>();
    auto* c = logs->add_subcommand("patterns",
                                   "Log patterns of an incident (--incident) or of services in a window: new, surging "
                                   "and error templates with rates and first-seen times");
    AddClientOptions(c, o->client);
    c->add_option("--incident", o->incident, "Incident id, e.g. INC-1");
    c->add_option("--service", o->service, "Service(s), comma-separated (without --incident)");
    c->add_option("--since", o->since, "Window start: a duration before now (1h) or an RFC 3339 time")
        ->capture_default_str();
    c->add_option("--until", o->until, "Window end (default now): a duration before now or an RFC 3339 time");
    c->add_flag("--errors", o->errors, "Only error patterns");
    c->add_option("--limit", o->limit, "Most patterns to show")->capture_default_str();
    c->callback([o, &run] {
      run = [o] {
        std::string path;
        std::string q = "?limit=" + std::to_string(o->limit) + (o->errors ? "&errors=1" : "");
        if (!o->incident.empty()) {
          path = "/api/v1/incidents/" + Enc(o->incident) + "/log-patterns" + q;
        } else if (!o->service.empty()) {
          path = "/api/v1/logs/patterns" + q + "&service=" + Enc(o->service) + "&since=" + Enc(o->since);
          if (!o->until.empty()) path += "&to=" + Enc(o->until);
        } else {
          return PrintError(Error{ErrorCode::kInvalidArgument, "give --incident or --service", "incident"});
        }
        auto r = CallServer(o->client, "GET", path);
        if (!r) return PrintError(r.error());
        if (o->client.json) PrintJson(*r);
        else PrintPatterns(r->as_object());
        return 0;
      };
    });
  }
}

}  // namespace firebreak::cli
