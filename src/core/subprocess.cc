#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace firebreak::core {

namespace {

void Append(std::string& buf, bool& trunc, const char* data, size_t n, size_t max) {
  size_t room = buf.size() < max ? max - buf.size() : 0;
  if (n > room) trunc = true;
  buf.append(data, std::min(n, room));
}

// Marks every descriptor above stderr close-on-exec, so the program gets only its three streams.
// Descriptors the parent opened without close-on-exec (Asio's listening and connection sockets
// among them) would otherwise live on in the child: an orphaned step still running after a crash
// would keep the server's port bound and its clients' connections open. (The exec-error pipe,
// already close-on-exec, stays usable until the exec.)
void CloseOnExecAboveStderr() {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  long max = ::sysconf(_SC_OPEN_MAX);  // kernels before 5.11
  for (long fd = 3; fd < (max > 0 ? max : 1024); ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
}

}  // namespace

Result<ProcessResult> RunProcess(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) return InvalidArgument("empty argv", "argv");
  for (const auto& a : spec.argv)
    if (a.find('\0') != std::string::npos) return InvalidArgument("argument contains a NUL byte", "argv");
  // Exec errors travel back over a close-on-exec pipe.
  int out_p[2], err_p[2], exec_p[2];
  if (pipe2(out_p, O_CLOEXEC) != 0) return Unavailable(std::string("pipe: ") + std::strerror(errno));
  if (pipe2(err_p, O_CLOEXEC) != 0) {
    close(out_p[0]), close(out_p[1]);
    return Unavailable(std::string("pipe: ") + std::strerror(errno));
  }
  if (pipe2(exec_p, O_CLOEXEC) != 0) {
    close(out_p[0]), close(out_p[1]), close(err_p[0]), close(err_p[1]);
    return Unavailable(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> envs;
  bool has_path = false;
  for (const auto& [k, v] : spec.env) {
    envs.push_back(k + "=" + v);
    if (k == "PATH") has_path = true;
  }
  if (!has_path) envs.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : envs) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string path_env;
  for (const auto& e : envs)
    if (e.rfind("PATH=", 0) == 0) path_env = e.substr(5);

  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {out_p[0], out_p[1], err_p[0], err_p[1], exec_p[0], exec_p[1]}) close(fd);
    return Unavailable(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out_p[1], 1);
    dup2(err_p[1], 2);
    CloseOnExecAboveStderr();
    if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) {
      int e = errno;
      (void)!write(exec_p[1], &e, sizeof e);
      _exit(127);
    }
    const std::string& prog = spec.argv[0];
    if (prog.find('/') != std::string::npos) {
      execve(prog.c_str(), argv.data(), envp.data());
    } else {
      // Search PATH (from the child's environment) without a shell.
      size_t pos = 0;
      while (pos <= path_env.size()) {
        size_t colon = path_env.find(':', pos);
        std::string dir = path_env.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
        std::string full = (dir.empty() ? "." : dir) + "/" + prog;
        execve(full.c_str(), argv.data(), envp.data());
        if (colon == std::string::npos) break;
        pos = colon + 1;
      }
    }
    int e = errno;
    (void)!write(exec_p[1], &e, sizeof e);
    _exit(127);
  }
  setpgid(pid, pid);
  close(out_p[1]);
  close(err_p[1]);
  close(exec_p[1]);
  int exec_errno = 0;
  ssize_t got = read(exec_p[0], &exec_errno, sizeof exec_errno);
  close(exec_p[0]);
  if (got == sizeof exec_errno) {
    close(out_p[0]);
    close(err_p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return InvalidArgument("cannot run '" + spec.argv[0] + "': " + std::strerror(exec_errno), "argv");
  }

  ProcessResult res;
  auto deadline = start + spec.timeout;
  pollfd fds[2] = {{out_p[0], POLLIN, 0}, {err_p[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[8192];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      res.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    int n = poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      if (i == 0) Append(res.out, res.out_truncated, buf, static_cast<size_t>(r), spec.max_output);
      else Append(res.err, res.err_truncated, buf, static_cast<size_t>(r), spec.max_output);
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int st = 0;
  if (!res.timed_out) {
    // Output closed; the process may still run (it closed its streams): bound the wait too. Look
    // without reaping, so the group id stays ours until its leftovers are killed.
    while (true) {
      siginfo_t info{};
      if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        res.timed_out = true;
        break;
      }
      pollfd none{};
      poll(&none, 0, 10);
    }
  }
  kill(-pid, SIGKILL);  // the group (and background children) do not outlive the step
  waitpid(pid, &st, 0);
  if (WIFEXITED(st)) res.exit_code = WEXITSTATUS(st);
  else if (WIFSIGNALED(st)) res.signal = WTERMSIG(st);
  if (res.timed_out) res.exit_code = -1;
  res.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return res;
}

}  // namespace firebreak::core
