// Helpers shared by the cross-module tests: temp dirs, the PostgreSQL
// server the test script started, the guichet binary as a child process and
// a small synchronous HTTP client.
#pragma once

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace guichet::testing {

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The PostgreSQL server URL the test script started (GUICHET_TEST_PG_URL),
// e.g. "postgresql://postgres@127.0.0.1:25432/postgres". Empty when unset.
std::string PostgresServerUrl();

// A database for one test: a SQLite file in a temp dir, or a fresh
// PostgreSQL database (created here, dropped by the destructor).
// Throws std::runtime_error when PostgreSQL is asked for but not available.
class TestDatabase {
 public:
  explicit TestDatabase(bool postgres);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  const std::string& url() const { return url_; }
  bool postgres() const { return postgres_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  bool postgres_;
  TempDir dir_;
  std::string url_;
  std::string name_;
};

// A loopback port nobody listens on right now.
unsigned short FreePort();

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; the last of a repeated one
  std::vector<std::string> set_cookies;        // every Set-Cookie, in order
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

// The Authorization header Http() sends to `port` when the caller gives
// none (ServerProcess sets its administrator API key); empty: none.
void SetDefaultAuthorization(unsigned short port, const std::string& value);

// One request on a fresh connection. Throws on a connection failure. Sends
// the port's default Authorization unless `headers` has an Authorization
// (an empty value: send none, i.e. call anonymously) or a Cookie, or the
// target is under /open311/ (which has its own key rules).
HttpResponse Http(unsigned short port, const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {});
// POST/PATCH with Content-Type: application/json.
HttpResponse HttpJson(unsigned short port, const std::string& method, const std::string& target,
                      const nlohmann::json& body,
                      const std::map<std::string, std::string>& headers = {});

// The first line of `GET /api/v1/audit?<query>` (default Authorization)
// whose record type is `record_type`. Audit lines are written after the
// answer: waits up to 5 s for it; null when none came.
nlohmann::json AuditLine(unsigned short port, const std::string& query,
                         const std::string& record_type);

// The guichet binary (GUICHET_BIN) running `serve` as a child process.
class ServerProcess {
 public:
  ServerProcess(std::string database_url, std::map<std::string, std::string> env = {});
  ~ServerProcess();  // SIGTERM then wait

  // Starts `guichet serve` and waits until /readyz answers 200 (60 s max); on
  // another port when the one picked was taken before the server bound it.
  void Start();
  // Sends `sig` and waits for the exit; returns the exit status (or 128+signal).
  int Stop(int sig);
  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  // What the server printed so far.
  std::string ReadLog() const;
  // The "admin" API key created for the tests (valid once Start() ran).
  const std::string& api_key() const { return api_key_; }
  // Where the account mails (.eml) are dropped.
  const std::string& mail_dir() const { return mail_dir_; }

 private:
  void StartOn(unsigned short port);

  std::string database_url_;
  std::map<std::string, std::string> env_;
  TempDir dir_;
  std::string log_;
  std::string api_key_;
  std::string mail_dir_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

// Runs the guichet binary with arguments and environment; returns its exit
// code and captures stdout+stderr.
int RunGuichet(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               std::string& output);

std::string GuichetBinary();

// The secret `guichet api-key create` printed: its output's last line. Not
// the last "gk_" of the output: the secret's random part may contain one
// (about once in 6,500 keys), which left a test with a truncated key that
// the server refused for a minute.
std::string ApiKeyPrinted(const std::string& output);

// Starts `argv` (argv[0] an absolute path or looked up in PATH) in `cwd`
// with its stdout piped, and reads its first line (a helper server's
// "ready"); what the child prints afterwards is copied to the test's stderr
// until it exits. Returns the child's pid; the caller stops it (SIGTERM, waitpid).
pid_t SpawnAndReadFirstLine(const std::vector<std::string>& argv, const std::string& cwd,
                            std::string& first_line);

}  // namespace guichet::testing
