// The servers the outbox tests talk to, started on loopback for one test and
// stopped whatever the outcome: a real SMTP server (aiosmtpd) and an SMS
// gateway speaking SmsSender's format (python3 http.server), both scripts
// under tests/outbox/ that write each message they accept to a directory.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace guichet::testing {

class ScriptServer {
 public:
  // Runs `python3 tests/outbox/<script> PORT DIR [ARG]` and waits for its "ready".
  // `arg`: a third argument when not empty (the gateway's signing secret).
  ScriptServer(const std::string& script, const std::string& dir, const std::string& arg = {})
      : dir_(dir), port_(FreePort()) {
    std::filesystem::create_directories(dir_);
    // Debian's interpreter: python3-aiosmtpd is installed for it, not for
    // another python3 that may come first in PATH.
    std::string line;
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     std::string(GUICHET_SOURCE_DIR) + "/tests/outbox/" + script,
                                     std::to_string(port_), dir_};
    if (!arg.empty()) argv.push_back(arg);
    pid_ = SpawnAndReadFirstLine(argv, "", line);
    if (line != "ready") {
      Stop();
      throw std::runtime_error(script + " did not start (is python3-aiosmtpd installed?)");
    }
  }
  ~ScriptServer() { Stop(); }
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  unsigned short port() const { return port_; }

  // The contents of every message accepted so far, in arrival order.
  std::vector<std::string> Messages() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      const auto name = e.path().filename().string();
      if (!name.empty() && name[0] != '.') names.push_back(e.path().string());
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string> out;
    for (const auto& n : names) {
      std::ifstream in(n, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }

  // Waits until at least `n` messages arrived (false after `timeout`).
  bool WaitFor(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(15)) const {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (Count() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Count() >= n;
  }

  size_t Count() const {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      n += e.path().filename().string()[0] != '.';
    }
    return n;
  }

 private:
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }

  std::string dir_;
  unsigned short port_;
  pid_t pid_ = -1;
};

// The value of header `name` ("Message-Id") in a raw message, or "".
inline std::string HeaderOf(const std::string& message, const std::string& name) {
  std::istringstream in(message);
  std::string line;
  const std::string prefix = name + ":";
  while (std::getline(in, line)) {
    if (line == "\r" || line.empty()) break;
    if (line.size() >= prefix.size() &&
        strncasecmp(line.c_str(), prefix.c_str(), prefix.size()) == 0) {
      std::string v = line.substr(prefix.size());
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      return v;
    }
  }
  return {};
}

}  // namespace guichet::testing
