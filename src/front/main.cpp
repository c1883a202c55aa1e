// guichet: the front executable. `guichet mailgate` runs here, as a thin
// client of the running server (mailgate_client.hpp), because an MTA starts
// one process per message and the full program's start alone (dynamic
// loading of GMime, libcurl, libpq…) capped it near 60 messages/s per core.
// Every other command, and mailgate when no server answers, is the full
// program, `guichet-core` beside this file, exec'd with the same arguments.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "channels/mail/message.hpp"
#include "front/mailgate_client.hpp"

extern char** environ;

namespace {

using namespace guichet::front;

// The full program: beside this executable, whatever the current directory.
std::string CorePath() {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "guichet-core";
  std::string path(self, static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + "guichet-core";
}

// Replaces this process by the full program with the same arguments;
// returns only when that fails.
int ExecCore(char** argv, int failure) {
  const std::string core = CorePath();
  ::execv(core.c_str(), argv);
  std::fprintf(stderr, "guichet: lancement de %s impossible : %s\n", core.c_str(),
               std::strerror(errno));
  return failure;
}

// The direct path (today's mailgate, in the full program): the message it
// would have read on stdin is handed over in an anonymous file.
int ExecDirect(char** argv, const std::string& raw) {
  const int fd = ::memfd_create("guichet-mailgate", 0);
  if (fd < 0) {
    std::fprintf(stderr, "guichet mailgate: message non enregistré, à réessayer : %s\n",
                 std::strerror(errno));
    return kExitTempFail;
  }
  for (std::size_t done = 0; done < raw.size();) {
    const ssize_t n = ::write(fd, raw.data() + done, raw.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::fprintf(stderr, "guichet mailgate: message non enregistré, à réessayer : %s\n",
                   std::strerror(errno));
      return kExitTempFail;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd, 0, SEEK_SET) != 0 || ::dup2(fd, STDIN_FILENO) < 0) return kExitTempFail;
  ::close(fd);
  return ExecCore(argv, kExitTempFail);
}

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    const std::size_t eq = kv.find('=');
    if (eq != std::string::npos && kv.rfind("GUICHET_", 0) == 0) {
      env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  return env;
}

int Mailgate(char** argv, const std::string& config_path) {
  std::string raw;
  raw.reserve(64 * 1024);
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "guichet mailgate: lecture de l’entrée impossible\n");
      return kExitTempFail;
    }
    raw.append(buf, static_cast<std::size_t>(n));
    if (raw.size() > guichet::channels::mail::kMaxMessageBytes) {
      std::fprintf(stderr, "guichet mailgate: message refusé : plus de %zu Mo\n",
                   guichet::channels::mail::kMaxMessageBytes >> 20);
      return kExitDataErr;
    }
  }
  const auto config = ReadFrontConfig(config_path, Environment());
  // No secret shared with a server (or a configuration the full program
  // will explain): store the message directly, as before.
  if (!config || config->secret.empty()) return ExecDirect(argv, raw);
  HttpAnswer answer;
  std::string why;
  switch (PostMessage(*config, raw, answer, why)) {
    case PostOutcome::kNoServer:
      // The server is stopped (an upgrade, a restart): the database may not be.
      std::fprintf(stderr, "guichet mailgate: serveur injoignable (%s) : écriture directe\n",
                   why.c_str());
      return ExecDirect(argv, raw);
    case PostOutcome::kIncomplete:
      std::fprintf(stderr, "guichet mailgate: message non enregistré, à réessayer : %s\n",
                   why.c_str());
      return kExitTempFail;
    case PostOutcome::kAnswered:
      break;
  }
  const int status = ExitStatusFor(answer.status);
  if (status == kExitStored) {
    std::fwrite(answer.body.data(), 1, answer.body.size(), stdout);
  } else {
    std::fprintf(stderr, "guichet mailgate: le serveur a répondu %d%s : %s\n", answer.status,
                 status == kExitTempFail ? ", à réessayer" : "", answer.body.c_str());
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // Only `[-c FILE] mailgate [-c FILE]` is ours; anything else (help, errors
  // included) is the full program's to answer.
  std::string config_path;
  bool mailgate = false;
  bool ours = argc > 1;
  for (int i = 1; i < argc && ours; ++i) {
    const std::string arg = argv[i];
    if ((arg == "-c" || arg == "--config") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(9);
    } else if (arg == "mailgate" && !mailgate) {
      mailgate = true;
    } else {
      ours = false;
    }
  }
  if (ours && mailgate) return Mailgate(argv, config_path);
  return ExecCore(argv, 1);
}
