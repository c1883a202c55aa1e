#define TOML_HEADER_ONLY 1
#include "front/mailgate_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace guichet::front {
namespace {

using Clock = std::chrono::steady_clock;

// Closes the socket whatever way PostMessage returns.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

int MillisLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool Wait(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, MillisLeft(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

bool SendAll(int fd, const char* data, std::size_t size, Clock::time_point deadline) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!Wait(fd, POLLOUT, deadline)) return false;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

// As the full program checks [mail] ingest_timeout_seconds.
bool ValidTimeout(long long seconds, FrontConfig& c) {
  if (seconds < 1 || seconds > 3600) return false;
  c.timeout_seconds = static_cast<int>(seconds);
  return true;
}

}  // namespace

bool ParseListen(std::string_view value, FrontConfig& c) {
  const std::size_t colon = value.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string host(value.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  const std::string_view p = value.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || ptr != p.data() + p.size() || port == 0 || port > 65535) return false;
  in6_addr any{};
  if (::inet_pton(AF_INET, host.c_str(), &any) != 1 &&
      ::inet_pton(AF_INET6, host.c_str(), &any) != 1) {
    return false;
  }
  c.host = host;
  c.port = static_cast<unsigned short>(port);
  return true;
}

std::optional<FrontConfig> ReadFrontConfig(const std::string& path,
                                           const std::map<std::string, std::string>& env) {
  FrontConfig c;
  if (!path.empty()) {
    try {
      const toml::table table = toml::parse_file(path);
      if (const auto* listen = table["server"]["listen"].as_string()) {
        if (!ParseListen(listen->get(), c)) return std::nullopt;
      }
      if (const auto* secret = table["mail"]["ingest_secret"].as_string()) c.secret = secret->get();
      if (const auto* t = table["mail"]["ingest_timeout_seconds"].as_integer()) {
        if (!ValidTimeout(t->get(), c)) return std::nullopt;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (auto it = env.find("GUICHET_LISTEN"); it != env.end() && !ParseListen(it->second, c)) {
    return std::nullopt;
  }
  if (auto it = env.find("GUICHET_MAIL_INGEST_SECRET"); it != env.end()) c.secret = it->second;
  if (auto it = env.find("GUICHET_MAIL_INGEST_TIMEOUT"); it != env.end()) {
    long long t = 0;
    const std::string& v = it->second;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), t);
    if (ec != std::errc() || ptr != v.data() + v.size() || !ValidTimeout(t, c)) return std::nullopt;
  }
  return c;
}

std::string RequestHead(const FrontConfig& c, std::size_t size) {
  const bool v6 = c.host.find(':') != std::string::npos;
  std::string head = "POST /api/v1/channels/mail/inbound HTTP/1.1\r\nHost: ";
  head += v6 ? "[" + c.host + "]" : c.host;
  head += ":" + std::to_string(c.port) + "\r\n";
  head += "Content-Type: message/rfc822\r\nAccept: text/plain\r\nConnection: close\r\n";
  head += "X-Guichet-Mail-Secret: " + c.secret + "\r\n";
  head += "Content-Length: " + std::to_string(size) + "\r\n\r\n";
  return head;
}

std::optional<HttpAnswer> ParseResponse(std::string_view bytes) {
  // "HTTP/1.1 200 OK\r\n"
  if (bytes.size() < 12 || bytes.substr(0, 7) != "HTTP/1." || bytes[8] != ' ') return std::nullopt;
  HttpAnswer a;
  auto [ptr, ec] = std::from_chars(bytes.data() + 9, bytes.data() + 12, a.status);
  if (ec != std::errc() || ptr != bytes.data() + 12 || a.status < 100) return std::nullopt;
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  // The server always sends Content-Length; the body must be all there.
  std::optional<std::size_t> length;
  std::string_view headers = bytes.substr(0, end + 2);
  for (std::size_t at = headers.find("\r\n"); at != std::string_view::npos;) {
    const std::size_t next = headers.find("\r\n", at + 2);
    if (next == std::string_view::npos) break;
    std::string_view line = headers.substr(at + 2, next - at - 2);
    constexpr std::string_view kName = "content-length:";
    if (line.size() > kName.size()) {
      bool match = true;
      for (std::size_t i = 0; i < kName.size() && match; ++i) {
        match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
      }
      if (match) {
        std::string_view v = line.substr(kName.size());
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        std::size_t n = 0;
        auto [p2, e2] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (e2 != std::errc()) return std::nullopt;
        length = n;
      }
    }
    at = next;
  }
  const std::string_view body = bytes.substr(end + 4);
  if (length && body.size() < *length) return std::nullopt;
  a.body = std::string(length ? body.substr(0, *length) : body);
  return a;
}

int ExitStatusFor(int http_status) {
  if (http_status >= 200 && http_status < 300) return kExitStored;
  if (http_status == 413) return kExitDataErr;
  return kExitTempFail;
}

PostOutcome PostMessage(const FrontConfig& c, const std::string& raw, HttpAnswer& answer,
                        std::string& why) {
  const auto deadline = Clock::now() + std::chrono::seconds(c.timeout_seconds);
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (c.host.find(':') == std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(c.port);
    ::inet_pton(AF_INET, c.host.c_str(), &a->sin_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(c.port);
    ::inet_pton(AF_INET6, c.host.c_str(), &a->sin6_addr);
    len = sizeof *a;
  }
  Fd s{::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) {
    why = std::string("socket : ") + std::strerror(errno);
    return PostOutcome::kNoServer;
  }
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) {
      why = std::string("connexion au serveur : ") + std::strerror(errno);
      return PostOutcome::kNoServer;
    }
    int err = 0;
    socklen_t err_len = sizeof err;
    if (!Wait(s.fd, POLLOUT, deadline) ||
        ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0) {
      why = std::string("connexion au serveur : ") + std::strerror(err ? err : ETIMEDOUT);
      return err == ECONNREFUSED ? PostOutcome::kNoServer : PostOutcome::kIncomplete;
    }
  }
  const std::string head = RequestHead(c, raw.size());
  // A server that stops reading early (413) may still have answered: read on.
  const bool sent = SendAll(s.fd, head.data(), head.size(), deadline) &&
                    SendAll(s.fd, raw.data(), raw.size(), deadline);
  std::string in;
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n > 0) {
      in.append(buf, static_cast<std::size_t>(n));
      // The server answers in a few hundred bytes; more is not our server.
      if (in.size() > (1 << 20)) break;
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!Wait(s.fd, POLLIN, deadline)) {
        why = "pas de réponse du serveur en " + std::to_string(c.timeout_seconds) + " s";
        return PostOutcome::kIncomplete;
      }
    } else if (errno != EINTR) {
      break;
    }
  }
  auto parsed = ParseResponse(in);
  if (!parsed) {
    why = sent ? "réponse du serveur incomplète ou illisible" : "envoi au serveur interrompu";
    return PostOutcome::kIncomplete;
  }
  answer = std::move(*parsed);
  return PostOutcome::kAnswered;
}

}  // namespace guichet::front
