// Executes rendered runbook steps: subprocesses (argv only), HTTP calls, checks and file changes.
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "core/http_client.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/subprocess.h"
#include "runbook/runbook.h"

namespace firebreak::runbook {

namespace fs = std::filesystem;

namespace {

std::string Str(const json::object& o, std::string_view k, std::string def = "") {
  auto it = o.find(k);
  if (it == o.end()) return def;
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_int64()) return std::to_string(it->value().get_int64());
  return def;
}

const json::object& Obj(const json::object& o, std::string_view k) {
  static const json::object kEmpty;
  auto it = o.find(k);
  return it != o.end() && it->value().is_object() ? it->value().get_object() : kEmpty;
}

std::optional<long> ParseLong(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (*end != '\0') return std::nullopt;
  return v;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return NotFound("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Writes `data` to `path` atomically: temp file in the same directory, fsync, rename.
Status WriteAtomic(const std::string& path, const std::string& data) {
  std::error_code ec;
  fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  std::string tmp = path + ".fbtmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Unavailable("cannot write " + tmp + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Unavailable("cannot sync " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Unavailable("cannot replace " + path + ": " + std::strerror(e));
  }
  return Ok();
}

std::string Resolve(const std::string& p, const std::string& base) {
  if (p.empty() || p[0] == '/' || base.empty()) return p;
  return (fs::path(base) / p).lexically_normal().string();
}

StepOutcome Fail(StepOutcome o, std::string why) {
  o.ok = false;
  o.error = std::move(why);
  return o;
}

StepOutcome RunArgv(const json::object& spec, const ExecEnv& env, core::Millis timeout) {
  StepOutcome o;
  core::ProcessSpec ps;
  json::array shown;
  if (auto it = spec.find("argv"); it != spec.end() && it->value().is_array()) {
    for (const auto& a : it->value().get_array()) {
      if (!a.is_string()) return Fail(o, "argv entries must be strings");
      ps.argv.emplace_back(a.get_string());
      shown.push_back(a);
    }
  }
  if (ps.argv.empty()) return Fail(o, "argv is empty");
  if (ps.argv[0].find('/') != std::string::npos) ps.argv[0] = Resolve(ps.argv[0], env.config_dir);
  o.detail["argv"] = shown;
  ps.env = {{"FIREBREAK_SANDBOX", env.sandbox}, {"HOME", env.sandbox}, {"LANG", "C.UTF-8"}};
  for (const auto& kv : Obj(spec, "env"))
    if (kv.value().is_string()) ps.env[std::string(kv.key())] = std::string(kv.value().get_string());
  ps.cwd = Resolve(Str(spec, "cwd"), env.sandbox);
  if (ps.cwd.empty()) ps.cwd = env.sandbox;
  ps.timeout = timeout;
  ps.max_output = env.max_output;
  auto r = core::RunProcess(ps);
  if (!r) return Fail(o, r.error().message);
  o.detail["exit_code"] = r->exit_code;
  o.detail["stdout"] = r->out + (r->out_truncated ? "\n[truncated]" : "");
  o.detail["stderr"] = r->err + (r->err_truncated ? "\n[truncated]" : "");
  o.detail["elapsed_ms"] = r->elapsed.count();
  if (r->timed_out) {
    o.detail["timed_out"] = true;
    return Fail(o, "timed out after " + std::to_string(timeout.count()) + " ms (process group killed)");
  }
  if (r->signal) return Fail(o, "killed by signal " + std::to_string(r->signal));
  long want = ParseLong(Str(spec, "expect_exit", "0")).value_or(0);
  if (r->exit_code != want)
    return Fail(o, "exit status " + std::to_string(r->exit_code) + " (expected " + std::to_string(want) + ")");
  o.ok = true;
  return o;
}

StepOutcome Http(const json::object& spec, core::Millis timeout, std::string default_method, long default_status) {
  StepOutcome o;
  core::HttpRequest req;
  req.method = core::ToLower(Str(spec, "method", default_method));
  for (auto& c : req.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  req.url = Str(spec, "url");
  if (req.url.rfind("http://", 0) != 0 && req.url.rfind("https://", 0) != 0)
    return Fail(o, "url must be http:// or https://");
  if (auto it = spec.find("body"); it != spec.end()) {
    if (it->value().is_string()) {
      req.body = std::string(it->value().get_string());
    } else {
      req.body = core::ToJson(it->value());
      req.headers.emplace_back("Content-Type", "application/json");
    }
  }
  for (const auto& kv : Obj(spec, "headers"))
    if (kv.value().is_string()) req.headers.emplace_back(std::string(kv.key()), std::string(kv.value().get_string()));
  req.timeout_ms = static_cast<long>(timeout.count());
  o.detail["method"] = req.method;
  o.detail["url"] = req.url;
  auto r = core::HttpDo(req);
  if (!r) return Fail(o, r.error().message);
  o.detail["status"] = r->status;
  o.detail["body"] = core::Truncate(r->body, 4096);
  auto want = ParseLong(Str(spec, "expect_status"));
  bool ok = want ? r->status == *want : (default_status ? r->status == default_status : r->status / 100 == 2);
  if (!ok) return Fail(o, "HTTP status " + std::to_string(r->status));
  o.ok = true;
  o.detail["_body_full"] = r->body;
  return o;
}

StepOutcome Metric(const json::object& spec, core::Millis timeout) {
  auto o = Http(spec, timeout, "GET", 200);
  o.detail.erase("body");
  if (!o.ok) {
    o.detail.erase("_body_full");
    return o;
  }
  std::string body = Str(o.detail, "_body_full");
  o.detail.erase("_body_full");
  std::string name = Str(spec, "metric"), op = Str(spec, "op", ">=");
  auto threshold_s = Str(spec, "threshold");
  char* end = nullptr;
  double threshold = std::strtod(threshold_s.c_str(), &end);
  if (threshold_s.empty() || *end) return Fail(o, "threshold must be a number");
  // Prometheus text format: "name{labels} value" or "name value". The first sample counts.
  std::optional<double> value;
  for (const auto& line : core::Split(body, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind(name, 0) != 0) continue;
    std::string_view rest = std::string_view(line).substr(name.size());
    if (!rest.empty() && rest[0] == '{') {
      size_t close = rest.find('}');
      if (close == std::string_view::npos) continue;
      rest = rest.substr(close + 1);
    }
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '\t')) continue;
    std::string v(core::Trim(rest));
    v = v.substr(0, v.find(' '));
    char* e2 = nullptr;
    double d = std::strtod(v.c_str(), &e2);
    if (*e2 == '\0') {
      value = d;
      break;
    }
  }
  o.detail["metric"] = name;
  if (!value) return Fail(o, "metric " + name + " not found");
  o.detail["value"] = *value;
  bool ok = op == "<" ? *value < threshold : op == "<=" ? *value <= threshold : op == ">" ? *value > threshold
          : op == ">=" ? *value >= threshold : op == "==" ? *value == threshold : op == "!=" ? *value != threshold : false;
  if (!ok) return Fail(o, name + " = " + core::ToJson(json::value(*value)) + ", expected " + op + " " + threshold_s);
  o.ok = true;
  return o;
}

std::string ApplySet(const std::string& content, const json::object& set) {
  std::vector<std::string> lines;
  if (!content.empty()) lines = core::Split(content, '\n');
  bool trailing_nl = !content.empty() && content.back() == '\n';
  if (trailing_nl && !lines.empty() && lines.back().empty()) lines.pop_back();
  for (const auto& kv : set) {
    std::string key(kv.key());
    std::string val = kv.value().is_string() ? std::string(kv.value().get_string()) : core::ToJson(kv.value());
    bool done = false;
    for (auto& l : lines) {
      std::string_view t = core::Trim(l);
      if (t.rfind(key, 0) != 0) continue;
      std::string_view rest = core::Trim(t.substr(key.size()));
      if (rest.empty() || (rest[0] != '=' && rest[0] != ':')) continue;
      size_t indent = l.find_first_not_of(" \t");
      l = l.substr(0, indent) + key + (rest[0] == '=' ? "=" : ": ") + val;
      done = true;
    }
    if (!done) lines.push_back(key + ": " + val);
  }
  return core::Join(lines, "\n") + "\n";
}

StepOutcome ConfigChange(const json::object& spec, const ExecEnv& env, const std::string& tag) {
  StepOutcome o;
  std::string path = Resolve(Str(spec, "path"), env.sandbox);
  o.detail["path"] = path;
  std::error_code ec;
  bool existed = fs::exists(path, ec);
  std::string before;
  if (existed) {
    auto r = ReadFile(path);
    if (!r) return Fail(o, r.error().message);
    before = *r;
  }
  o.detail["existed"] = existed;
  std::string after;
  if (auto it = spec.find("content"); it != spec.end() && it->value().is_string()) {
    after = std::string(it->value().get_string());
  } else if (auto it2 = spec.find("set"); it2 != spec.end() && it2->value().is_object()) {
    after = ApplySet(before, it2->value().get_object());
  } else {
    return Fail(o, "config_change needs 'content' (a string) or 'set' (a mapping)");
  }
  // The backup is written (and synced) before the file is touched.
  fs::create_directories(env.backup_dir, ec);
  std::string safe;
  for (char c : tag) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  std::string backup = (fs::path(env.backup_dir) / (safe + ".bak")).string();
  if (existed) {
    if (auto st = WriteAtomic(backup, before); !st) return Fail(o, "backup failed, file untouched: " + st.error().message);
    o.detail["backup_path"] = backup;
    o.detail["backup_sha256"] = core::Sha256Hex(before);
    o.detail["backup_bytes"] = static_cast<int64_t>(before.size());
  }
  if (auto st = WriteAtomic(path, after); !st) return Fail(o, st.error().message);
  o.detail["new_sha256"] = core::Sha256Hex(after);
  o.ok = true;
  return o;
}

}  // namespace

StepOutcome Execute(const json::object& step, const ExecEnv& env, const std::string& tag) {
  std::string kind = Str(step, "kind");
  const json::object& spec = Obj(step, "spec");
  core::Millis timeout{30000};
  if (auto it = step.find("timeout_ms"); it != step.end() && it->value().is_int64())
    timeout = core::Millis(std::max<int64_t>(1, it->value().get_int64()));
  if (kind == "command") return RunArgv(spec, env, timeout);
  if (kind == "http") {
    auto o = Http(spec, timeout, "POST", 0);
    o.detail.erase("_body_full");
    return o;
  }
  if (kind == "check") {
    std::string c = Str(spec, "check", spec.contains("argv") ? "command" : "http");
    if (c == "command") return RunArgv(spec, env, timeout);
    if (c == "metric") return Metric(spec, timeout);
    if (c == "http") {
      auto o = Http(spec, timeout, "GET", 200);
      o.detail.erase("_body_full");
      return o;
    }
    StepOutcome o;
    return Fail(o, "unknown check '" + c + "' (http, command or metric)");
  }
  if (kind == "config_change") return ConfigChange(spec, env, tag);
  StepOutcome o;
  return Fail(o, "step kind '" + kind + "' cannot be executed automatically");
}

StepOutcome RestoreBackup(const json::object& detail) {
  StepOutcome o;
  std::string path = Str(detail, "path");
  o.detail["path"] = path;
  bool existed = detail.contains("existed") && detail.at("existed").is_bool() && detail.at("existed").get_bool();
  if (!existed) {
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) return Fail(o, "cannot remove " + path + ": " + ec.message());
    o.detail["removed"] = true;
    o.ok = true;
    return o;
  }
  auto data = ReadFile(Str(detail, "backup_path"));
  if (!data) return Fail(o, "backup lost: " + data.error().message);
  std::string h = core::Sha256Hex(*data);
  if (h != Str(detail, "backup_sha256")) return Fail(o, "backup " + Str(detail, "backup_path") + " does not match its recorded hash");
  if (auto st = WriteAtomic(path, *data); !st) return Fail(o, st.error().message);
  auto check = ReadFile(path);
  if (!check || core::Sha256Hex(*check) != h) return Fail(o, "restored file does not match the backup");
  o.detail["restored_sha256"] = h;
  o.ok = true;
  return o;
}

}  // namespace firebreak::runbook
