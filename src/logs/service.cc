#include "logs/service.h"

#include <algorithm>

#include <date/date.h>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "logs/redact.h"
#include "store/store.h"

namespace firebreak::logs {

namespace json = boost::json;

Result<std::unique_ptr<LogService>> LogService::Create(ServiceOptions opt) {
  std::unique_ptr<LogService> s(new LogService());
  FB_TRY(ValidateOptions(opt.miner));
  FB_TRY(Masker::Create(opt.miner.mask).map([](auto&&) {}));
  s->auto_ = opt.format.empty() || opt.format == "auto";
  if (!s->auto_) {
    FB_ASSIGN_OR_RETURN(s->custom_, LineParser::Create(opt.format));
  }
  FB_ASSIGN_OR_RETURN(s->json_, LineParser::Create("json"));
  FB_ASSIGN_OR_RETURN(s->logfmt_, LineParser::Create("logfmt"));
  s->redactor_ = LineRedactor(opt.secret_names);
  s->opt_ = std::move(opt);
  s->opt_.miner.track_changes = true;
  return s;
}

Status LogService::Restore(store::Tx& tx) {
  auto repo = tx.logs();
  FB_ASSIGN_OR_RETURN(int64_t max_t, repo.MaxTemplateId());
  FB_ASSIGN_OR_RETURN(int64_t max_f, repo.MaxFamilyId());
  ids_.next_template = static_cast<uint64_t>(max_t) + 1;
  ids_.next_family = static_cast<uint64_t>(max_f) + 1;
  FB_ASSIGN_OR_RETURN(auto state, repo.LoadActive());
  miners_.clear();
  for (auto& [service, st] : state) {
    json::array fams, tpls;
    for (const auto& d : st.families) {
      FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(d));
      fams.push_back(std::move(v));
    }
    for (const auto& d : st.templates) {
      FB_ASSIGN_OR_RETURN(auto v, core::ParseJson(d));
      tpls.push_back(std::move(v));
    }
    json::value snap = json::object{{"families", fams}, {"templates", tpls}};
    auto m = Miner::Restore(opt_.miner, snap, &ids_);
    if (!m) return Internal("restoring log templates of service " + service + ": " + m.error().message);
    miners_.emplace(service, std::move(*m));
  }
  UpdateGauges();
  return Ok();
}

Result<Miner*> LogService::MinerFor(const std::string& service) {
  auto it = miners_.find(service);
  if (it != miners_.end()) return &it->second;
  FB_ASSIGN_OR_RETURN(auto m, Miner::Create(opt_.miner, &ids_));
  return &miners_.emplace(service, std::move(m)).first->second;
}

void LogService::Parse(const LogEntry& e, ParsedLine& out, int default_year) const {
  if (!auto_) {
    custom_.Parse(e.line, out, default_year);
    return;
  }
  std::string_view l = e.line;
  size_t i = 0;
  while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
  if (i < l.size() && l[i] == '{') {
    json_.Parse(l, out, default_year);
    if (out.matched) return;
  } else if (l.find("msg=") != std::string_view::npos || l.find("message=") != std::string_view::npos) {
    logfmt_.Parse(l, out, default_year);
    if (out.matched) return;
  }
  // Plain text: the whole line is the message; a level word among its first tokens still counts.
  static const LineParser raw = *LineParser::Create("raw");
  raw.Parse(l, out, default_year);
  size_t tokens = 0;
  for (size_t p = 0; p < l.size() && tokens < 6;) {
    while (p < l.size() && (l[p] == ' ' || l[p] == '\t')) ++p;
    size_t q = p;
    while (q < l.size() && l[q] != ' ' && l[q] != '\t') ++q;
    std::string_view tok = l.substr(p, q - p);
    while (!tok.empty() && (tok.front() == '[' || tok.front() == '<' || tok.front() == '(')) tok.remove_prefix(1);
    while (!tok.empty() && (tok.back() == ']' || tok.back() == '>' || tok.back() == ')' || tok.back() == ':')) tok.remove_suffix(1);
    if (tok.size() >= 4) {
      Level lv = ParseLevel(tok);
      if (lv != Level::kUnknown) {
        out.level = lv;
        out.level_text = tok;
        break;
      }
    }
    ++tokens;
    p = q;
  }
}

Result<Batch> LogService::Ingest(store::Tx& tx, core::TimePoint now, const std::vector<LogEntry>& entries,
                                 const std::function<bool(std::string_view)>& known) {
  auto repo = tx.logs();
  Batch b;
  const int64_t now_ms = core::ToUnixMillis(now);
  const int year = static_cast<int>(date::year_month_day{date::floor<date::days>(now)}.year());
  struct Agg {
    int64_t count = 0, errors = 0;
  };
  std::map<std::pair<int64_t, int64_t>, Agg> counts;  // (template, minute)
  std::map<int64_t, size_t> touched_index;
  std::map<int64_t, const LogEntry*> exemplar_line;
  std::map<int64_t, std::pair<std::string, Level>> exemplar_text;
  ParsedLine parsed;
  for (const auto& e : entries) {
    if (e.service.empty() || (known && !known(e.service))) {
      ++b.dropped;
      continue;
    }
    FB_ASSIGN_OR_RETURN(Miner * miner, MinerFor(e.service));
    Parse(e, parsed, year);
    Level level = e.level.empty() ? parsed.level : ParseLevel(e.level);
    int64_t t = e.time_ms ? e.time_ms : parsed.time_ms.value_or(now_ms);
    if (t > now_ms + opt_.max_future.count() || t <= 0) t = now_ms;
    bool error = level == Level::kError;
    auto r = miner->Add(parsed.content, t, error);
    int64_t id = static_cast<int64_t>(r.id);
    ++b.accepted;
    if (r.created) ++b.new_templates;
    auto& a = counts[{id, t / 60000}];
    ++a.count;
    a.errors += error;
    auto [ti, inserted] = touched_index.emplace(id, b.touched.size());
    if (inserted) {
      Touched tt;
      tt.template_id = id;
      tt.service = e.service;
      b.touched.push_back(tt);
    }
    Touched& tt = b.touched[ti->second];
    tt.created |= r.created;
    ++tt.lines;
    tt.errors += error;
    // Exemplars: the first line of a template, then at most one a minute for error lines and one
    // every ten minutes otherwise.
    if (opt_.exemplars > 0 && !exemplar_text.count(id)) {
      auto last = last_exemplar_.find(id);
      int64_t gap = error ? 60000 : 600000;
      if (r.created || last == last_exemplar_.end() || now_ms - last->second >= gap) {
        std::string line = redactor_.Redact(e.line);
        if (!IsAscii(line) && !core::IsValidUtf8(line)) line = ToValidUtf8(line);
        exemplar_text[id] = {std::move(line), level};
        exemplar_line[id] = &e;
      }
    }
  }
  for (const auto& [key, a] : counts) FB_TRY(repo.AddCount(key.first, key.second, a.count, a.errors));
  // Families and templates changed since they were last persisted (this batch and any earlier batch
  // whose transaction did not commit).
  for (auto& [service, miner] : miners_) {
    auto d = miner.TakeDirty();
    if (d.families.empty() && d.templates.empty() && d.evicted_families.empty()) continue;
    for (const auto& [id, doc] : d.families)
      FB_TRY(repo.UpsertFamily(static_cast<int64_t>(id), service, core::ToJson(doc)));
    for (const auto& entry : d.templates) {
      const uint64_t id = entry.first;
      const json::object& doc = entry.second;
      store::LogTemplateRecord rec;
      rec.id = static_cast<int64_t>(id);
      rec.service = service;
      auto num = [&](std::string_view k) -> int64_t {
        const auto* v = doc.if_contains(k);
        if (!v) return 0;
        if (v->is_int64()) return v->as_int64();
        if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
        return 0;
      };
      rec.family_id = num("family");
      // Shown to readers (templates, patterns, timeline notes): a value the masker kept (an e-mail
      // address, a short token) is redacted; the miner's document keeps the text it matches with.
      rec.text = doc.if_contains("text") && doc.at("text").is_string() ? redactor_.Redact(doc.at("text").as_string()) : "";
      rec.alias_of = num("alias_of");
      rec.count = num("count");
      rec.errors = num("errors");
      rec.first_seen = num("first");
      rec.last_seen = num("last");
      rec.doc = core::ToJson(doc);
      FB_TRY(repo.UpsertTemplate(rec));
    }
    for (uint64_t id : d.evicted_families) FB_TRY(repo.DeactivateFamily(static_cast<int64_t>(id)));
    b.written.emplace_back(service, std::move(d));
  }
  for (auto& [id, text] : exemplar_text) {
    store::LogExemplar ex;
    ex.template_id = id;
    const LogEntry* e = exemplar_line[id];
    ex.time = e->time_ms ? e->time_ms : now_ms;
    ex.level = text.second == Level::kUnknown ? "" : std::string(LevelName(text.second));
    ex.line = std::move(text.first);
    json::object labels;
    for (const auto& [k, v] : e->labels) labels[k] = redactor_.RedactLabel(k, v);
    ex.labels = core::ToJson(labels);
    FB_TRY(repo.AddExemplar(ex, opt_.exemplars));
  }
  for (auto& tt : b.touched) {
    const auto& miner = miners_.at(tt.service);
    if (const Template* t = miner.Find(static_cast<uint64_t>(tt.template_id))) {
      tt.first_seen_ms = t->first_seen_ms;
      tt.template_id = static_cast<int64_t>(t->id);  // after merges
    }
  }
  // Exemplar clock updates are harmless if the transaction fails (they only thin exemplars out).
  for (const auto& [id, text] : exemplar_text) last_exemplar_[id] = now_ms;
  if (last_exemplar_.size() > 1000000) last_exemplar_.clear();
  UpdateGauges();
  return b;
}

void LogService::Committed(const Batch& b) {
  for (const auto& [service, d] : b.written)
    if (auto it = miners_.find(service); it != miners_.end()) it->second.MarkPersisted(d);
}

void LogService::UpdateGauges() {
  size_t n = 0;
  for (const auto& [s, m] : miners_) n += m.template_count();
  templates_in_memory_ = n;
  services_in_memory_ = miners_.size();
}

}  // namespace firebreak::logs
