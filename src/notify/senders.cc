#include "notify/senders.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <vector>

#include "core/crypto.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "notify/links.h"

extern char** environ;

namespace firebreak::notify {

namespace {

std::once_flag g_curl_init;

// One easy handle per thread: connections (and TLS sessions) are kept between deliveries.
struct ThreadCurl {
  CURL* c = nullptr;
  ThreadCurl() {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    c = curl_easy_init();
  }
  ~ThreadCurl() {
    if (c) curl_easy_cleanup(c);
  }
};

CURL* Handle() {
  thread_local ThreadCurl h;
  if (h.c) curl_easy_reset(h.c);
  return h.c;
}

size_t Collect(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<std::string*>(ud);
  if (s->size() < 64 * 1024) s->append(p, std::min(size * n, 64 * 1024 - s->size()));
  return size * n;
}

struct Headers {
  std::string retry_after;
};
size_t OnHeader(char* p, size_t size, size_t n, void* ud) {
  std::string_view line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos && core::ToLower(core::Trim(line.substr(0, colon))) == "retry-after")
    static_cast<Headers*>(ud)->retry_after = std::string(core::Trim(line.substr(colon + 1)));
  return size * n;
}

std::string Opt(const model::Channel& c, const char* k) {
  auto it = c.options.find(k);
  return it != c.options.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

Outcome Retry(std::string detail) { return Outcome{Outcome::Kind::kRetry, std::move(detail), std::nullopt}; }
Outcome Permanent(std::string detail) { return Outcome{Outcome::Kind::kPermanent, std::move(detail), std::nullopt}; }

Outcome FromCurl(CURLcode rc, const std::string& what) {
  std::string msg = what + ": " + curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_PEER_FAILED_VERIFICATION:
      return Permanent(msg);
    default:
      return Retry(msg);
  }
}

// ---- HTTP (webhook, slack) ---------------------------------------------------------------------

Outcome PostJson(const Delivery& d, const std::string& body, std::vector<std::string> headers) {
  CURL* c = Handle();
  if (!c) return Retry("curl_easy_init failed");
  curl_slist* hdrs = nullptr;
  headers.push_back("Content-Type: application/json");
  headers.push_back(std::string("User-Agent: Firebreak/") + FIREBREAK_VERSION);
  headers.push_back("Idempotency-Key: " + d.key);
  headers.push_back("Expect:");
  for (const auto& h : headers) hdrs = curl_slist_append(hdrs, h.c_str());
  std::string resp;
  Headers rh;
  curl_easy_setopt(c, CURLOPT_URL, d.destination.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(d.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(d.timeout.count(), 5000)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &rh);
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(hdrs);
  if (rc != CURLE_OK) return FromCurl(rc, "POST");
  std::string detail = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) return Outcome{Outcome::Kind::kDelivered, detail, std::nullopt};
  if (!resp.empty()) detail += ": " + core::Truncate(resp, 200);
  if (status == 408 || status == 425 || status == 429 || status >= 500) {
    Outcome o = Retry(detail);
    if (!rh.retry_after.empty()) {
      int64_t secs = 0;
      bool digits = rh.retry_after.size() < 8;
      for (char ch : rh.retry_after) {
        if (ch < '0' || ch > '9') digits = false;
        else secs = secs * 10 + (ch - '0');
      }
      if (digits) o.retry_after = std::chrono::seconds(std::min<int64_t>(secs, 3600));
    }
    return o;
  }
  return Permanent(detail);
}

Outcome SendWebhook(const Delivery& d) {
  std::string body = core::ToJson(d.message.webhook);
  std::vector<std::string> headers = {"X-Firebreak-Event: " + d.event};
  if (!d.channel->secret_env.empty()) {
    if (d.secret.empty())
      return Permanent("the signing secret (environment variable " + d.channel->secret_env +
                       ") is not set; refusing to send an unsigned webhook");
    int64_t t = core::ToUnixMillis(d.now) / 1000;
    headers.push_back("X-Firebreak-Signature: " + WebhookSignature(d.secret, t, body));
  }
  return PostJson(d, body, std::move(headers));
}

Outcome SendSlack(const Delivery& d) { return PostJson(d, core::ToJson(d.message.slack), {}); }

// ---- SMTP ---------------------------------------------------------------------------------------

bool IsAscii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::string EncodeHeader(const std::string& s) {
  if (IsAscii(s)) return s;
  // RFC 2047 encoded words of at most 45 bytes each, cut at UTF-8 boundaries.
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t n = std::min<size_t>(45, s.size() - i);
    while (n > 0 && i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) --n;
    if (n == 0) n = std::min<size_t>(45, s.size() - i);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64Encode(s.substr(i, n)) + "?=";
    i += n;
  }
  return out;
}

std::string Crlf(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') continue;
    if (text[i] == '\n') out += "\r\n";
    else out += text[i];
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

std::string RfcDate(core::TimePoint t) {
  std::time_t secs = static_cast<std::time_t>(core::ToUnixMillis(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

struct Upload {
  const std::string* data;
  size_t pos = 0;
};
size_t ReadUpload(char* buf, size_t size, size_t n, void* ud) {
  auto* u = static_cast<Upload*>(ud);
  size_t left = u->data->size() - u->pos;
  size_t k = std::min(left, size * n);
  std::memcpy(buf, u->data->data() + u->pos, k);
  u->pos += k;
  return k;
}

Outcome SendEmail(const Delivery& d) {
  const auto& ch = *d.channel;
  std::string from = MailboxAddress(Opt(ch, "from"));
  std::string to = MailboxAddress(d.destination);
  if (from.empty()) return Permanent("options.from is not a mailbox");
  if (to.empty()) return Permanent("'" + core::Truncate(d.destination, 100) + "' is not an email address");
  std::string msg = BuildEmail(d, Opt(ch, "from"), to);
  CURL* c = Handle();
  if (!c) return Retry("curl_easy_init failed");
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + to + ">").c_str());
  Upload up{&msg};
  std::string url = ch.url;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + from + ">").c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(msg.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(d.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(d.timeout.count(), 5000)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  std::string tls = Opt(ch, "starttls");
  long use_ssl = tls == "required" ? CURLUSESSL_ALL : tls == "off" ? CURLUSESSL_NONE : CURLUSESSL_TRY;
  curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
  std::string ca = Opt(ch, "ca_file");
  if (!ca.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca.c_str());
  if (Opt(ch, "tls_verify") == "false") {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  std::string user = Opt(ch, "username");
  if (!user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, d.secret.c_str());
  }
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(rcpt);
  if (rc == CURLE_OK) return Outcome{Outcome::Kind::kDelivered, "SMTP " + std::to_string(code), std::nullopt};
  Outcome o = FromCurl(rc, "SMTP");
  if (code >= 500 && code < 600 && rc != CURLE_OPERATION_TIMEDOUT) o.kind = Outcome::Kind::kPermanent;
  if (code) o.detail += " (server said " + std::to_string(code) + ")";
  return o;
}

// ---- command ------------------------------------------------------------------------------------

Outcome SendCommand(const Delivery& d) {
  const auto& argv_cfg = d.channel->argv;
  if (argv_cfg.empty()) return Permanent("command channel without argv");
  std::vector<std::string> env_strs;
  const char* path = std::getenv("PATH");
  env_strs.push_back(std::string("PATH=") + (path ? path : "/usr/local/bin:/usr/bin:/bin"));
  env_strs.push_back("LANG=C.UTF-8");
  env_strs.push_back("FIREBREAK_TO=" + d.destination);
  env_strs.push_back("FIREBREAK_EVENT=" + d.event);
  env_strs.push_back("FIREBREAK_INCIDENT=" + d.incident_id);
  env_strs.push_back("FIREBREAK_SEVERITY=" + d.severity);
  env_strs.push_back("FIREBREAK_SUBJECT=" + d.message.subject);
  env_strs.push_back("FIREBREAK_IDEMPOTENCY_KEY=" + d.key);
  env_strs.push_back("FIREBREAK_DATA_DIR=" + d.data_dir);
  std::vector<char*> envp, argv;
  for (auto& s : env_strs) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv_cfg;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return Retry(std::string("pipe: ") + std::strerror(errno));
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return Retry(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, out[1], 2);
  // Nothing else the server holds (its sockets, opened without close-on-exec) reaches the gateway.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    return Permanent("cannot run " + args[0] + ": " + std::strerror(rc));
  }
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  const std::string& input = d.message.text;
  size_t written = 0;
  bool in_open = true, out_open = true;
  if (input.empty()) {
    close(in[1]);
    in_open = false;
  }
  std::string output;
  core::SteadyTime start = d.clock ? d.clock->Steady() : core::SteadyTime{};
  int64_t idle_ms = 0;  // time spent in poll timeouts: a lower bound on elapsed time, clock or not
  bool timed_out = false;
  while (in_open || out_open) {
    pollfd fds[2];
    int nf = 0;
    if (in_open) fds[nf++] = {in[1], POLLOUT, 0};
    if (out_open) fds[nf++] = {out[0], POLLIN, 0};
    int pr = poll(fds, static_cast<nfds_t>(nf), 100);
    if (pr < 0 && errno != EINTR) break;
    if (pr == 0) idle_ms += 100;
    auto elapsed = d.clock ? std::chrono::duration_cast<core::Millis>(d.clock->Steady() - start) : core::Millis(0);
    if (std::max<int64_t>(elapsed.count(), idle_ms) >= d.timeout.count()) {
      timed_out = true;
      break;
    }
    for (int i = 0; i < nf; ++i) {
      if (fds[i].fd == in[1] && (fds[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t w = write(in[1], input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN) written = input.size();  // the child stopped reading
        if (written >= input.size()) {
          close(in[1]);
          in_open = false;
        }
      } else if (fds[i].fd == out[0] && (fds[i].revents & (POLLIN | POLLERR | POLLHUP))) {
        char buf[4096];
        ssize_t r = read(out[0], buf, sizeof buf);
        if (r > 0) {
          if (output.size() < 4096) output.append(buf, std::min<size_t>(static_cast<size_t>(r), 4096 - output.size()));
        } else if (r == 0 || errno != EAGAIN) {
          close(out[0]);
          out_open = false;
        }
      }
    }
  }
  if (in_open) close(in[1]);
  if (out_open) close(out[0]);
  int status = 0;
  if (timed_out) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    return Retry(args[0] + " did not finish within " + core::FormatDuration(d.timeout));
  }
  // Output closed: the child is exiting (or closed its stdout); wait for it within the time limit.
  while (true) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0) return Retry(std::string("waitpid: ") + std::strerror(errno));
    poll(nullptr, 0, 20);
    idle_ms += 20;
    auto elapsed = d.clock ? std::chrono::duration_cast<core::Millis>(d.clock->Steady() - start) : core::Millis(0);
    if (std::max<int64_t>(elapsed.count(), idle_ms) >= d.timeout.count()) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return Retry(args[0] + " did not finish within " + core::FormatDuration(d.timeout));
    }
  }
  std::string tail = core::Truncate(std::string(core::Trim(output)), 300);
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    std::string detail = "exit " + std::to_string(code) + (tail.empty() ? "" : ": " + tail);
    if (code == 0) return Outcome{Outcome::Kind::kDelivered, detail, std::nullopt};
    if (code >= 64 && code <= 78 && code != 75) return Permanent(detail);
    return Retry(detail);
  }
  return Retry(args[0] + " was killed by signal " + std::to_string(WTERMSIG(status)));
}

}  // namespace

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  std::string t = std::to_string(unix_seconds);
  std::string signed_part = t + "." + std::string(body);
  return "t=" + t + ",v1=" + core::HmacSha256Hex(secret, signed_part);
}

std::string MailboxAddress(std::string_view s) {
  s = core::Trim(s);
  auto lt = s.rfind('<');
  if (lt != std::string_view::npos) {
    auto gt = s.find('>', lt);
    if (gt == std::string_view::npos) return "";
    s = s.substr(lt + 1, gt - lt - 1);
  }
  if (s.empty() || s.size() > 320) return "";
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return "";
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '<' || c == '>' || c == ' ' || c == ',' || c == '"') return "";
  return std::string(s);
}

std::string BuildEmail(const Delivery& d, std::string_view from, std::string_view to) {
  std::string from_hdr(core::Trim(from));
  for (auto& c : from_hdr)
    if (c == '\r' || c == '\n') c = ' ';
  std::string m;
  m += "Date: " + RfcDate(d.now) + "\r\n";
  m += "From: " + from_hdr + "\r\n";
  m += "To: <" + std::string(to) + ">\r\n";
  m += "Subject: " + EncodeHeader(d.message.subject) + "\r\n";
  m += "Message-ID: <" + d.key + "@firebreak>\r\n";
  if (!d.incident_id.empty()) m += "X-Firebreak-Incident: " + d.incident_id + "\r\n";
  m += "X-Firebreak-Event: " + d.event + "\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  if (IsAscii(d.message.text)) {
    m += "Content-Transfer-Encoding: 7bit\r\n\r\n";
    m += Crlf(d.message.text);
  } else {
    m += "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string b = Base64Encode(d.message.text);
    for (size_t i = 0; i < b.size(); i += 76) m += b.substr(i, 76) + "\r\n";
  }
  return m;
}

Outcome Send(const Delivery& d) {
  if (!d.channel) return Permanent("no channel");
  const auto& t = d.channel->type;
  if (t == "webhook") return SendWebhook(d);
  if (t == "slack") return SendSlack(d);
  if (t == "email") return SendEmail(d);
  if (t == "command") return SendCommand(d);
  return Permanent("unknown channel type '" + t + "'");
}

}  // namespace firebreak::notify
