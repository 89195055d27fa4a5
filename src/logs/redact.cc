#include "logs/redact.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/redact.h"
#include "logs/mask.h"

namespace firebreak::logs {

namespace {

// The markers core::Redactor uses for the same classes.
constexpr std::string_view kSecret = "[secret]";
constexpr std::string_view kToken = "[token]";

const char* kSecretKeys[] = {"password", "passwd", "pwd", "pass", "secret", "token", "api_key", "apikey",
                             "api-key", "access_key", "secret_key", "private_key", "authorization", "auth",
                             "credential", "credentials", "cookie", "session", "sessionid", "client_secret",
                             "refresh_token", "access_token", "x-api-key"};

bool IsKeyChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

std::string Lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

bool IsSecretKey(std::string_view key, const std::vector<std::string>& extra) {
  std::string k = Lower(key);
  // The last dotted part counts: db.password, http.headers.authorization.
  if (auto dot = k.rfind('.'); dot != std::string::npos) k = k.substr(dot + 1);
  for (const char* s : kSecretKeys)
    if (k == s) return true;
  for (const auto& e : extra)
    if (k == Lower(e)) return true;
  // Suffixes like db_password, github_token.
  for (const char* s : {"_password", "_token", "_secret", "_key", "-token", "-secret"})
    if (k.size() > std::strlen(s) && k.compare(k.size() - std::strlen(s), std::string::npos, s) == 0) return true;
  return false;
}

// Length of a credential-looking word at s: JWT (eyJ...x.y.z) or AWS key id (AKIA + 16).
size_t CredentialAt(std::string_view s) {
  auto word_len = [&] {
    size_t n = 0;
    while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '-' || s[n] == '_' || s[n] == '.' ||
                            s[n] == '+' || s[n] == '/' || s[n] == '='))
      ++n;
    return n;
  };
  if (s.substr(0, 3) == "eyJ") {
    size_t n = word_len();
    if (n > 20 && std::count(s.begin(), s.begin() + n, '.') == 2) return n;
  }
  if ((s.substr(0, 4) == "AKIA" || s.substr(0, 4) == "ASIA") && s.size() >= 20) {
    bool ok = true;
    for (size_t i = 4; i < 20; ++i) ok = ok && (std::isupper(static_cast<unsigned char>(s[i])) || std::isdigit(static_cast<unsigned char>(s[i])));
    if (ok && (s.size() == 20 || !std::isalnum(static_cast<unsigned char>(s[20])))) return 20;
  }
  return 0;
}

// Pass 1 (redact.h): values of secret keys, credentials after Bearer/Basic, JWTs, AWS key ids.
std::string RedactKeyValues(std::string_view line, const std::vector<std::string>& extra) {
  std::string out;
  out.reserve(line.size());
  size_t i = 0;
  while (i < line.size()) {
    // Bearer / Basic credentials.
    for (std::string_view scheme : {"Bearer ", "bearer ", "Basic ", "basic "}) {
      if (line.substr(i, scheme.size()) == scheme && (i == 0 || !IsKeyChar(line[i - 1]))) {
        out += scheme;
        i += scheme.size();
        size_t j = i;
        while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j])) && line[j] != '"' && line[j] != '\'' &&
               line[j] != ',')
          ++j;
        if (line.substr(i, j - i) == kVar)
          out += kVar;
        else if (j > i)
          out += kToken;
        i = j;
        break;
      }
    }
    if (i >= line.size()) break;
    if (size_t n = (i == 0 || !IsKeyChar(line[i - 1])) ? CredentialAt(line.substr(i)) : 0) {
      out += kToken;
      i += n;
      continue;
    }
    if (!IsKeyChar(line[i]) || (i > 0 && IsKeyChar(line[i - 1]))) {
      out += line[i++];
      continue;
    }
    // A key followed by a separator (=, :, ": ") and a value.
    size_t k = i;
    while (k < line.size() && IsKeyChar(line[k])) ++k;
    std::string_view key = line.substr(i, k - i);
    size_t j = k;
    if (j < line.size() && (line[j] == '"' || line[j] == '\'')) ++j;  // "key":
    while (j < line.size() && line[j] == ' ') ++j;
    if (j < line.size() && (line[j] == '=' || line[j] == ':') && IsSecretKey(key, extra)) {
      ++j;
      while (j < line.size() && line[j] == ' ') ++j;
      out.append(line.substr(i, j - i));
      size_t v = j;
      if (v < line.size() && (line[v] == '"' || line[v] == '\'')) {
        char q = line[v];
        out += q;
        size_t e = v + 1;
        while (e < line.size() && line[e] != q) e += line[e] == '\\' ? 2 : 1;
        e = std::min(e, line.size());
        out += line.substr(v + 1, e - v - 1) == kVar ? kVar : kSecret;
        i = e;
      } else {
        size_t e = v;
        while (e < line.size() && !std::isspace(static_cast<unsigned char>(line[e])) && line[e] != ',' && line[e] != ';' &&
               line[e] != '&' && line[e] != '}')
          ++e;
        // "Authorization: Bearer x" is handled by the scheme rule on the next round.
        std::string_view value = line.substr(v, e - v);
        if (value == "Bearer" || value == "Basic" || value == "bearer" || value == "basic") {
          i = v;
          continue;
        }
        if (value == kVar)
          out += kVar;
        else if (e > v)
          out += kSecret;
        i = e;
      }
      continue;
    }
    out.append(key);
    i = k;
  }
  return out;
}

}  // namespace

LineRedactor::LineRedactor(std::vector<std::string> secret_names)
    : names_(secret_names), core_(std::make_unique<core::Redactor>(std::move(secret_names))) {}

LineRedactor::~LineRedactor() = default;
LineRedactor::LineRedactor(LineRedactor&&) noexcept = default;
LineRedactor& LineRedactor::operator=(LineRedactor&&) noexcept = default;

std::string LineRedactor::Redact(std::string_view line) const {
  std::string keyed = RedactKeyValues(line, names_);
  // Template text: the core redactor sees the text between variables, so `password=<*>` keeps
  // its variable rather than becoming `password=[secret]`; a value next to a variable is still
  // redacted on its side of it.
  std::string_view rest = keyed;
  if (rest.find(kVar) == std::string_view::npos) return core_->Redact(rest);
  std::string out;
  for (size_t at; (at = rest.find(kVar)) != std::string_view::npos; rest.remove_prefix(at + kVar.size())) {
    out += core_->Redact(rest.substr(0, at));
    out += kVar;
  }
  out += core_->Redact(rest);
  return out;
}

std::string LineRedactor::RedactLabel(std::string_view name, std::string_view value) const {
  if (IsSecretKey(name, names_) && !value.empty()) return std::string(kSecret);
  return Redact(value);
}

}  // namespace firebreak::logs
