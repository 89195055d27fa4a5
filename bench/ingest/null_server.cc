// bench/ingest's physical limit: an HTTP/1.1 server that does nothing. It reads each request (its
// headers up to the blank line, then Content-Length bytes of body), throws it away, and answers 202
// with a body shaped like PagerDuty's (and Firebreak's) answer to an event. One thread, one epoll
// set, non-blocking sockets, one recv and one send per batch of whatever requests have arrived.
//
// Driven by the same wrk client as Firebreak and Alertmanager, its requests/s is what the kernel's
// loopback TCP, the client and this machine's cores allow when the server's own work costs nothing:
// no server that parses, decides and commits can reach it.
//
//   null_server PORT        (prints "listening PORT" once it accepts connections)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 70\r\n\r\n"
    "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\"bench-1\"}";

struct Conn {
  int fd;
  std::string in;
};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// The Content-Length of a request whose headers are `head` (0 when absent).
size_t ContentLength(std::string_view head) {
  constexpr std::string_view kName = "\r\ncontent-length:";
  for (size_t i = 0; i + kName.size() <= head.size(); ++i) {
    size_t k = 0;
    while (k < kName.size() && Lower(head[i + k]) == kName[k]) ++k;
    if (k == kName.size()) return std::strtoul(head.data() + i + k, nullptr, 10);
  }
  return 0;
}

// Answers every complete request at the front of `c.in`; false when the connection is done.
bool Serve(Conn& c, std::string& out) {
  out.clear();
  size_t at = 0;
  while (true) {
    std::string_view rest(c.in.data() + at, c.in.size() - at);
    size_t head_end = rest.find("\r\n\r\n");
    if (head_end == std::string_view::npos) break;
    size_t total = head_end + 4 + ContentLength(rest.substr(0, head_end + 2));
    if (rest.size() < total) break;
    at += total;
    out.append(kResponse);
  }
  c.in.erase(0, at);
  for (size_t sent = 0; sent < out.size();) {
    ssize_t n = send(c.fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // the client's window is full or it left: this bench never fills it
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: null_server PORT\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 1024) != 0) {
    std::perror("null_server: bind/listen");
    return 1;
  }
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listening socket
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::printf("listening %d\n", port);
  std::fflush(stdout);

  epoll_event events[64];
  static char buf[64 * 1024];
  std::string out;
  while (true) {
    int n = epoll_wait(ep, events, 64, -1);
    if (n < 0 && errno != EINTR) {
      std::perror("null_server: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        int fd;
        while ((fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event e{};
          e.events = EPOLLIN;
          e.data.ptr = new Conn{fd, {}};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
        }
        continue;
      }
      auto* c = static_cast<Conn*>(events[i].data.ptr);
      ssize_t got = recv(c->fd, buf, sizeof buf, 0);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      bool alive = got > 0;
      if (alive) {
        c->in.append(buf, static_cast<size_t>(got));
        alive = Serve(*c, out);
      }
      if (!alive) {
        close(c->fd);  // also leaves the epoll set
        delete c;
      }
    }
  }
}
