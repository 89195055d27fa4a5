#include "core/redact.h"

#include <algorithm>
#include <cstdlib>

#include <re2/re2.h>

namespace firebreak::core {

struct Redactor::Impl {
  std::vector<std::string> names;
  std::unique_ptr<RE2> email, ipv4, ipv6, bearer, keys, named, card;
};

bool LuhnValid(std::string_view digits) {
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return !digits.empty() && sum % 10 == 0;
}

namespace {

// Whether a Luhn-valid digit run can be a payment card at all, by its issuer prefix and length
// (ISO/IEC 7812 ranges of the networks in use): Visa 4 (13, 16, 19 digits), Mastercard 51-55 and
// 2221-2720 (16), American Express 34 and 37 (15), Diners 300-305, 36, 38, 39 (14-19), JCB
// 3528-3589 (16-19), Discover, UnionPay and Maestro 50, 56-69 (13-19). Numbers a log is full of —
// Unix times in milliseconds (13 digits starting 1), microseconds (16) or nanoseconds (19), ids
// starting 1, 7, 8, 9 or 0 — are not cards even when one in ten passes the Luhn check.
bool PlausibleCard(std::string_view d) {
  const size_t n = d.size();
  auto prefix = [&](size_t k) { return std::stoi(std::string(d.substr(0, k))); };
  switch (d[0]) {
    case '4': return n == 13 || n == 16 || n == 19;
    case '2': return n == 16 && prefix(4) >= 2221 && prefix(4) <= 2720;
    case '3': {
      int two = prefix(2);
      if (two == 34 || two == 37) return n == 15;
      if ((prefix(3) >= 300 && prefix(3) <= 305) || two == 36 || two == 38 || two == 39) return n >= 14;
      return prefix(4) >= 3528 && prefix(4) <= 3589 && n >= 16;
    }
    case '5': return prefix(2) >= 51 && prefix(2) <= 55 ? n == 16 : n >= 13;
    case '6': return n >= 13;
    default: return false;
  }
}

std::string QuoteMeta(const std::string& s) { return RE2::QuoteMeta(s); }

std::unique_ptr<RE2> Compile(const std::string& p) {
  RE2::Options o;
  o.set_log_errors(false);
  return std::make_unique<RE2>(p, o);
}

}  // namespace

Redactor::Redactor(std::vector<std::string> secret_names) {
  auto impl = std::make_shared<Impl>();
  impl->email = Compile(R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})");
  impl->ipv4 = Compile(R"(\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b)");
  // Full and compressed IPv6 forms with at least two colons and a hex group.
  impl->ipv6 = Compile(R"((?i)\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?\b|::1\b)");
  impl->bearer = Compile(R"((?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/\-]{8,}=*)");
  // Firebreak tokens, AWS access keys, GitHub/Slack/Stripe/OpenAI-style keys, JWTs.
  impl->keys = Compile(
      R"(\bfbt_[0-9a-f]+_[0-9a-f]+\b|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}\b|\bxox[abprs]-[A-Za-z0-9\-]{10,}\b|\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,}\b|\bsk-[A-Za-z0-9_\-]{16,}\b|\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\b)");
  std::string names = "password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth|credential|session";
  for (const auto& n : secret_names)
    if (!n.empty()) names += "|" + QuoteMeta(n);
  // A secret key's value; an authorization scheme before it ("Authorization: Bearer abc") is kept
  // and the credential after it redacted, however short.
  impl->named = Compile("(?i)((?:[A-Za-z0-9_.\\-]*(?:" + names +
                        ")[A-Za-z0-9_.\\-]*)\"?\\s*[:=]\\s*\"?(?:(?:bearer|basic|digest|negotiate|token)\\s+)?)"
                        "([^\\s\"',;&]+)");
  impl->card = Compile(R"((\b\d(?:[ \-]?\d){12,18}\b))");
  impl->names = secret_names;
  impl_ = impl;
  for (const auto& n : secret_names) {
    if (const char* v = std::getenv(n.c_str()); v && std::string_view(v).size() >= 4) literals_.emplace_back(v);
  }
}

Redactor::~Redactor() = default;

std::unique_ptr<Redactor> Redactor::With(const std::vector<std::string>& extra) const {
  auto r = std::unique_ptr<Redactor>(new Redactor(impl_->names));
  r->literals_ = literals_;
  for (const auto& v : extra)
    if (v.size() >= 3) r->literals_.push_back(v);
  // Longest first so a secret containing another is replaced whole.
  std::sort(r->literals_.begin(), r->literals_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return r;
}

std::string Redactor::Redact(std::string_view text) const {
  std::string s(text);
  for (const auto& lit : literals_) {
    size_t pos = 0;
    while ((pos = s.find(lit, pos)) != std::string::npos) {
      s.replace(pos, lit.size(), "[secret]");
      pos += 8;
    }
  }
  const Impl& im = *impl_;
  RE2::GlobalReplace(&s, *im.keys, "[token]");
  RE2::GlobalReplace(&s, *im.bearer, "\\1 [token]");
  RE2::GlobalReplace(&s, *im.named, "\\1[secret]");
  RE2::GlobalReplace(&s, *im.email, "[email]");
  // Card numbers: only digit runs that pass Luhn.
  {
    std::string out;
    re2::StringPiece in(s);
    re2::StringPiece m;
    size_t last = 0;
    while (RE2::PartialMatch(in, *im.card, &m)) {
      size_t start = m.data() - s.data();
      std::string digits;
      for (char c : m) if (c >= '0' && c <= '9') digits += c;
      out.append(s, last, start - last);
      out += LuhnValid(digits) && PlausibleCard(digits) ? std::string("[card]") : std::string(m.data(), m.size());
      last = start + m.size();
      in = re2::StringPiece(s.data() + last, s.size() - last);
    }
    out.append(s, last, std::string::npos);
    s = std::move(out);
  }
  RE2::GlobalReplace(&s, *im.ipv4, "[ip]");
  RE2::GlobalReplace(&s, *im.ipv6, "[ip]");
  return s;
}

boost::json::value Redactor::RedactJson(const boost::json::value& v) const {
  if (v.is_string()) return boost::json::value(Redact(v.get_string()));
  if (v.is_array()) {
    boost::json::array a;
    for (const auto& e : v.get_array()) a.push_back(RedactJson(e));
    return a;
  }
  if (v.is_object()) {
    boost::json::object o;
    for (const auto& kv : v.get_object()) o[kv.key()] = RedactJson(kv.value());
    return o;
  }
  return v;
}

}  // namespace firebreak::core
