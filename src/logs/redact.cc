#include "logs/redact.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace firebreak::logs {

namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

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

}  // namespace

std::string Redact(std::string_view line, const std::vector<std::string>& extra) {
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
        if (j > i) out += kRedacted;
        i = j;
        break;
      }
    }
    if (i >= line.size()) break;
    if (size_t n = (i == 0 || !IsKeyChar(line[i - 1])) ? CredentialAt(line.substr(i)) : 0) {
      out += kRedacted;
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
        out += kRedacted;
        i = std::min(e, line.size());
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
        if (e > v) out += kRedacted;
        i = e;
      }
      continue;
    }
    out.append(key);
    i = k;
  }
  return out;
}

}  // namespace firebreak::logs
