/* The front's exchange with the server (front.h): one HTTP/1.1 POST over
 * loopback, `Connection: close`, the answer read until the server closes. A
 * hand-written request and status-line reader rather than libcurl: linking
 * libcurl would bring back GnuTLS and the start-up cost this program exists
 * to avoid. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "front/front.h"

size_t gf_request_head(const struct gf_config* c, size_t size, char* out, size_t cap) {
  const int v6 = strchr(c->host, ':') != NULL;
  const int n = snprintf(out, cap,
                         "POST /api/v1/channels/mail/inbound HTTP/1.1\r\n"
                         "Host: %s%s%s:%u\r\n"
                         "Content-Type: message/rfc822\r\n"
                         "Accept: text/plain\r\n"
                         "Connection: close\r\n"
                         "X-Guichet-Mail-Secret: %s\r\n"
                         "Content-Length: %zu\r\n\r\n",
                         v6 ? "[" : "", c->host, v6 ? "]" : "", (unsigned)c->port, c->secret, size);
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static int lower(int ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; }

static const char* find(const char* from, const char* end, const char* what) {
  const size_t n = strlen(what);
  for (const char* p = from; p + n <= end; ++p) {
    if (memcmp(p, what, n) == 0) return p;
  }
  return NULL;
}

int gf_parse_response(const char* bytes, size_t len, struct gf_answer* a) {
  /* "HTTP/1.1 200 OK\r\n" */
  if (len < 12 || memcmp(bytes, "HTTP/1.", 7) != 0 || bytes[8] != ' ') return 0;
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (bytes[i] < '0' || bytes[i] > '9') return 0;
    status = status * 10 + (bytes[i] - '0');
  }
  if (status < 100) return 0;
  const char* const end = bytes + len;
  const char* head_end = find(bytes, end, "\r\n\r\n");
  if (!head_end) return 0;
  /* The server always sends Content-Length; the body must be all there. */
  int has_length = 0;
  size_t length = 0;
  static const char kName[] = "content-length:";
  const char* line = find(bytes, head_end + 2, "\r\n");
  while (line && line < head_end) {
    line += 2;
    const char* next = find(line, head_end + 2, "\r\n");
    if (!next) break;
    const size_t n = sizeof kName - 1;
    int match = (size_t)(next - line) > n;
    for (size_t i = 0; i < n && match; ++i) match = lower((unsigned char)line[i]) == kName[i];
    if (match) {
      const char* v = line + n;
      while (v < next && *v == ' ') ++v;
      if (v == next) return 0;
      size_t value = 0;
      for (; v < next && *v >= '0' && *v <= '9'; ++v) {
        if (value > (size_t)1 << 40) return 0;
        value = value * 10 + (size_t)(*v - '0');
      }
      has_length = 1;
      length = value;
    }
    line = next;
  }
  const char* body = head_end + 4;
  size_t body_len = (size_t)(end - body);
  if (has_length) {
    if (body_len < length) return 0;
    body_len = length;
  }
  a->status = status;
  a->body = body;
  a->body_len = body_len;
  return 1;
}

int gf_exit_status_for(int http_status) {
  if (http_status >= 200 && http_status < 300) return GF_EXIT_STORED;
  if (http_status == 413) return GF_EXIT_DATAERR;
  return GF_EXIT_TEMPFAIL;
}

/* The system call rather than libc's vDSO shortcut: the shortcut's first use
 * faults in three pages (the vDSO's and its data), more than the few calls
 * a mailgate makes cost. */
static long long now_ms(void) {
  struct timespec t;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits for `events` on `fd` until `deadline` (ms); 0 on timeout or error. */
static int wait_for(int fd, short events, long long deadline) {
  for (;;) {
    const long long left = deadline - now_ms();
    struct pollfd p = {fd, events, 0};
    const int n = poll(&p, 1, left > 0 ? (int)left : 0);
    if (n > 0) return 1;
    if (n == 0 || errno != EINTR) return 0;
  }
}

static int send_all(int fd, const char* data, size_t size, long long deadline) {
  while (size > 0) {
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, deadline)) return 0;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return 0;
    }
  }
  return 1;
}

static enum gf_post fail(enum gf_post outcome, char* why, size_t cap, const char* what, int err) {
  if (err) {
    snprintf(why, cap, "%s : %s", what, strerror(err));
  } else {
    snprintf(why, cap, "%s", what);
  }
  return outcome;
}

static enum gf_post exchange(int fd, const struct gf_config* c, const char* raw, size_t raw_len,
                             char* in, size_t in_cap, struct gf_answer* a, char* why,
                             size_t why_cap) {
  const long long deadline = now_ms() + (long long)c->timeout_seconds * 1000;
  struct sockaddr_storage addr;
  memset(&addr, 0, sizeof addr);
  socklen_t len = 0;
  if (!strchr(c->host, ':')) {
    struct sockaddr_in* v4 = (struct sockaddr_in*)&addr;
    v4->sin_family = AF_INET;
    v4->sin_port = htons(c->port);
    inet_pton(AF_INET, c->host, &v4->sin_addr);
    len = sizeof *v4;
  } else {
    struct sockaddr_in6* v6 = (struct sockaddr_in6*)&addr;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(c->port);
    inet_pton(AF_INET6, c->host, &v6->sin6_addr);
    len = sizeof *v6;
  }
  if (connect(fd, (struct sockaddr*)&addr, len) != 0) {
    if (errno != EINPROGRESS) {
      return fail(GF_POST_NO_SERVER, why, why_cap, "connexion au serveur", errno);
    }
    int err = 0;
    socklen_t err_len = sizeof err;
    if (!wait_for(fd, POLLOUT, deadline) ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0) {
      return fail(err == ECONNREFUSED ? GF_POST_NO_SERVER : GF_POST_INCOMPLETE, why, why_cap,
                  "connexion au serveur", err ? err : ETIMEDOUT);
    }
  }
  char head[1024];
  const size_t head_len = gf_request_head(c, raw_len, head, sizeof head);
  if (head_len == 0) return fail(GF_POST_INCOMPLETE, why, why_cap, "secret trop long", 0);
  /* A server that stops reading early (413) may still have answered: read on. */
  const int sent = send_all(fd, head, head_len, deadline) && send_all(fd, raw, raw_len, deadline);
  size_t got = 0;
  while (got < in_cap) {
    const ssize_t n = recv(fd, in + got, in_cap - got, 0);
    if (n > 0) {
      got += (size_t)n;
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd, POLLIN, deadline)) {
        snprintf(why, why_cap, "pas de réponse du serveur en %d s", c->timeout_seconds);
        return GF_POST_INCOMPLETE;
      }
    } else if (errno != EINTR) {
      break;
    }
  }
  if (!gf_parse_response(in, got, a)) {
    return fail(GF_POST_INCOMPLETE, why, why_cap,
                sent ? "réponse du serveur incomplète ou illisible" : "envoi au serveur interrompu",
                0);
  }
  return GF_POST_ANSWERED;
}

enum gf_post gf_post_message(const struct gf_config* c, const char* raw, size_t raw_len, char* in,
                             size_t in_cap, struct gf_answer* a, char* why, size_t why_cap) {
  const int fd = socket(strchr(c->host, ':') ? AF_INET6 : AF_INET,
                        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(GF_POST_NO_SERVER, why, why_cap, "socket", errno);
  const enum gf_post outcome = exchange(fd, c, raw, raw_len, in, in_cap, a, why, why_cap);
  close(fd);
  return outcome;
}
