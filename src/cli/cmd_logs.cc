// firebreak logs ...: mine templates from a file offline (`mine`), and send a file to a server
// (`import`), read a server's templates (`templates`) and an incident's log patterns (`patterns`).
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

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

[[maybe_unused]] std::string Enc(const std::string& s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

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
}

}  // namespace firebreak::cli
