#include "report/redact.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <re2/re2.h>

#include "core/strings.h"

namespace firebreak::report {

std::string_view AudienceName(Audience a) { return a == Audience::kExternal ? "external" : "internal"; }

Result<Audience> ParseAudience(std::string_view s) {
  if (s == "internal") return Audience::kInternal;
  if (s == "external") return Audience::kExternal;
  return InvalidArgument("audience must be 'internal' or 'external'", "audience");
}

struct Redactor::Patterns {
  struct Pattern {
    std::unique_ptr<RE2> re;
    std::string replacement;
    char needs;  // a character the text must contain for the pattern to match ('\0': none)
  };
  // Applied in order.
  std::vector<Pattern> list;
  void Add(const char* re, const char* repl, char needs = '\0') {
    RE2::Options o;
    o.set_case_sensitive(false);
    list.push_back({std::make_unique<RE2>(re, o), repl, needs});
  }
};

namespace {
bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
}  // namespace

Redactor::Redactor(const config::Config& cfg, Audience audience)
    : audience_(audience), patterns_(std::make_unique<Patterns>()) {
  // Contact data of every person, whatever the audience.
  for (const auto& p : cfg.people) {
    if (!p.email.empty()) AddLiteral(p.email, "[email]");
    for (const auto& c : p.contacts) {
      if (c.address.empty()) continue;
      std::string tag = c.type == "email" ? "[email]" : c.type == "phone" || c.type == "sms" ? "[phone]" : "[contact]";
      AddLiteral(c.address, tag);
    }
  }
  for (const auto& ch : cfg.channels) {
    for (const auto& to : ch.to) AddLiteral(to, "[contact]");
    if (!ch.secret_env.empty()) {
      if (const char* v = std::getenv(ch.secret_env.c_str()); v && std::string_view(v).size() >= 4)
        AddLiteral(v, "[secret]");
    }
    if (audience == Audience::kExternal && !ch.url.empty()) AddLiteral(ch.url, "[link]");
  }
  for (const auto& name : cfg.settings.secret_names) {
    if (const char* v = std::getenv(name.c_str()); v && std::string_view(v).size() >= 4) AddLiteral(v, "[secret]");
  }
  if (audience == Audience::kExternal) {
    for (const auto& p : cfg.people) {
      if (!p.name.empty()) AddLiteral(p.name, "a responder");
      AddLiteral("person:" + p.id, "a responder");
      AddLiteral(p.id, "a responder");
    }
    for (const auto& s : cfg.services) {
      // A customer-facing service is shown by its display name; when that name already contains
      // the id (web -> "Web storefront") the id is a word of a public name and stays.
      if (s.customer_facing) {
        if (!s.name.empty() && core::ToLower(s.name).find(core::ToLower(s.id)) == std::string::npos)
          AddLiteral(s.id, s.name);
      } else {
        if (!s.name.empty()) AddLiteral(s.name, "an internal system");
        AddLiteral(s.id, "an internal system");
      }
    }
    for (const auto& t : cfg.teams) {
      if (!t.name.empty()) AddLiteral(t.name, "our team");
      AddLiteral(t.id, "our team");
    }
  }
  // URLs with credentials, e-mail addresses, international phone numbers.
  patterns_->Add(R"(([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@)", R"(\1[redacted]@)", '/');
  patterns_->Add(R"([a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,})", "[email]", '@');
  patterns_->Add(R"(\+\d[\d ().-]{6,}\d)", "[phone]", '+');
  if (audience == Audience::kExternal) {
    patterns_->Add(R"([a-z][a-z0-9+.-]*://\S+)", "[link]", '/');
    patterns_->Add(R"(\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b)", "[host]");
    patterns_->Add(R"(\b[0-9a-f]{1,4}(:[0-9a-f]{1,4}){7}\b)", "[host]");
    patterns_->Add(R"(\b([0-9a-f]{1,4}(:[0-9a-f]{1,4})*)?::([0-9a-f]{1,4}(:[0-9a-f]{1,4})*)?\b)", "[host]");
    // Host names: dotted names (a.b.tld), and names with a digit-bearing label such as db-prod-7.
    patterns_->Add(R"(\b([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}\b)", "[host]");
    patterns_->Add(R"(\b[a-z]+(-[a-z0-9]+)*-\d+[a-z0-9-]*\b)", "[host]");
  }
}

Redactor::~Redactor() = default;
Redactor::Redactor(Redactor&&) noexcept = default;

void Redactor::AddLiteral(std::string value, std::string replacement) {
  value = std::string(core::Trim(value));
  if (value.size() < 3) return;
  const std::string lower = core::ToLower(value);
  for (const auto& v : lower_literals_)
    if (v == lower) return;
  literals_.emplace_back(std::move(value), std::move(replacement));
  std::stable_sort(literals_.begin(), literals_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  lower_literals_.clear();
  for (const auto& [v, r] : literals_) lower_literals_.push_back(core::ToLower(v));
}

std::string Redactor::Redact(std::string_view text) const {
  std::string out(text);
  // Literals: case-insensitive, on word boundaries when the literal starts/ends with a word char.
  // The lower-case copy is recomputed only after a replacement.
  std::string lower = core::ToLower(out);
  for (size_t li = 0; li < literals_.size(); ++li) {
    const std::string& needle = lower_literals_[li];
    const std::string& repl = literals_[li].second;
    size_t at = lower.find(needle);
    if (at == std::string::npos) continue;
    std::string next;
    size_t pos = 0;
    bool changed = false;
    while (at != std::string::npos) {
      size_t end = at + needle.size();
      bool left_ok = !IsWordChar(needle.front()) || at == 0 || !IsWordChar(lower[at - 1]);
      bool right_ok = !IsWordChar(needle.back()) || end == lower.size() || !IsWordChar(lower[end]);
      if (left_ok && right_ok) {
        next.append(out, pos, at - pos);
        next += repl;
        pos = end;
        changed = true;
        at = lower.find(needle, end);
      } else {
        at = lower.find(needle, at + 1);
      }
    }
    if (changed) {
      next.append(out, pos, std::string::npos);
      out = std::move(next);
      lower = core::ToLower(out);
    }
  }
  // Patterns only run when the text holds a character they need (most strings hold none).
  bool has_at = out.find('@') != std::string::npos, has_plus = out.find('+') != std::string::npos;
  bool has_scheme = out.find("://") != std::string::npos;
  bool has_dot_colon_dash = out.find_first_of(".:-") != std::string::npos;
  if (!has_at && !has_plus && !has_scheme && !has_dot_colon_dash) return out;
  // Incident ids ("INC-12") look like numbered host names; shield them from the host patterns.
  static const RE2 kIncident(R"(\bINC-(\d+))");
  RE2::GlobalReplace(&out, kIncident, "INC\x01\\1");
  for (const auto& p : patterns_->list) {
    if (p.needs == '@' && !has_at) continue;
    if (p.needs == '+' && !has_plus) continue;
    if (p.needs == '/' && !has_scheme) continue;
    RE2::GlobalReplace(&out, *p.re, p.replacement);
  }
  static const RE2 kShielded("INC\x01");
  RE2::GlobalReplace(&out, kShielded, "INC-");
  return out;
}

void Redactor::RedactJson(boost::json::value& v) const {
  if (v.is_string()) {
    std::string s = Redact(v.get_string());
    v = s;
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) RedactJson(x);
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) RedactJson(kv.value());
  }
}

}  // namespace firebreak::report
