#include "support/test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "storage/open.hpp"

namespace guichet::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "guichet-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string PostgresServerUrl() {
  const char* url = std::getenv("GUICHET_TEST_PG_URL");
  return url ? url : "";
}

namespace {

std::string RandomSuffix() {
  std::random_device rd;
  std::mt19937_64 rng(rd());
  static const char* kChars = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 12; ++i) s += kChars[rng() % 36];
  return s;
}

// postgresql://user@host:port/db → same URL with another database name.
std::string WithDatabase(const std::string& server_url, const std::string& db) {
  const size_t scheme = server_url.find("://");
  const size_t slash = server_url.find('/', scheme + 3);
  const size_t query = server_url.find('?', scheme + 3);
  std::string base = server_url.substr(0, slash == std::string::npos ? query : slash);
  std::string tail = query == std::string::npos ? "" : server_url.substr(query);
  return base + "/" + db + tail;
}

}  // namespace

TestDatabase::TestDatabase(bool postgres) : postgres_(postgres) {
  if (!postgres_) {
    url_ = "sqlite:" + dir_.path() + "/guichet.db";
    return;
  }
  const std::string server = PostgresServerUrl();
  if (server.empty()) {
    throw std::runtime_error(
        "GUICHET_TEST_PG_URL is not set: run the tests with `make test`, which starts PostgreSQL");
  }
  name_ = "guichet_test_" + RandomSuffix();
  auto admin = storage::Connect(*storage::ParseDatabaseUrl(server));
  admin->ExecScript("CREATE DATABASE " + name_);
  url_ = WithDatabase(server, name_);
}

TestDatabase::~TestDatabase() {
  if (!postgres_ || name_.empty()) return;
  try {
    auto admin = storage::Connect(*storage::ParseDatabaseUrl(PostgresServerUrl()));
    admin->ExecScript("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // A leftover test database is harmless: the cluster is thrown away.
  }
}

namespace {

// The first port the kernel hands out to outgoing connections (32768 unless
// the machine says otherwise).
unsigned short FirstEphemeralPort() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned first = 0;
  if (in >> first && first > 0 && first <= 65535) return static_cast<unsigned short>(first);
  return 32768;
}

bool CanBind(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

unsigned short FreePort() {
  // Below the ephemeral range: a port the kernel picked (bind to port 0) is
  // one it may give to any test's next outgoing connection — the PostgreSQL
  // tests open hundreds — before our server binds it (seen in CI: "bind:
  // Address already in use"), and a client polling a port of that range
  // before the server listens can even connect to itself.
  constexpr unsigned kLowest = 16384;
  const unsigned end = FirstEphemeralPort();
  if (end > kLowest + 1024) {
    thread_local std::mt19937 gen{std::random_device{}() ^ static_cast<unsigned>(getpid())};
    std::uniform_int_distribution<unsigned> pick(kLowest, end - 1);
    for (int i = 0; i < 64; ++i) {
      const auto port = static_cast<unsigned short>(pick(gen));
      if (CanBind(port)) return port;
    }
  }
  asio::io_context ioc;
  asio::ip::tcp::acceptor a(ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

namespace {

// The API key each running ServerProcess gave its tests, by port.
std::mutex default_auth_mu;
std::map<unsigned short, std::string> default_auth;  // GUARDED_BY(default_auth_mu)

bool IsAuthorization(const std::string& name) {
  std::string lower = name;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "authorization";
}

}  // namespace

void SetDefaultAuthorization(unsigned short port, const std::string& value) {
  std::lock_guard lock(default_auth_mu);
  if (value.empty()) {
    default_auth.erase(port);
  } else {
    default_auth[port] = value;
  }
}

HttpResponse Http(unsigned short port, const std::string& method, const std::string& target,
                  const std::string& body, const std::map<std::string, std::string>& given) {
  // Credentials of the server's test key unless the test brings its own; an
  // empty Authorization means "anonymous".
  std::map<std::string, std::string> headers;
  bool has_auth = false;
  for (const auto& [k, v] : given) {
    if (IsAuthorization(k)) {
      has_auth = true;
      if (v.empty()) continue;
    }
    headers[k] = v;
  }
  // Open311 keeps its own key rules (an api_key parameter): no default there.
  if (!has_auth && !given.count("Cookie") && target.rfind("/open311/", 0) != 0) {
    std::lock_guard lock(default_auth_mu);
    if (auto it = default_auth.find(port); it != default_auth.end()) {
      headers["Authorization"] = it->second;
    }
  }
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  // RFC 9110 §7.2: the port is part of Host when it is not the default one.
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PATCH") req.prepare_payload();
  beast::error_code write_ec;
  // A server refusing an oversized body answers and closes before reading it
  // all: the write then fails, but the answer is there to read.
  bhttp::write(stream, req, write_ec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  if (method == "HEAD") parser.skip(true);
  beast::error_code ec;
  bhttp::read(stream, buffer, parser, ec);
  if (ec && ec != bhttp::error::end_of_stream) throw beast::system_error(write_ec ? write_ec : ec);
  auto res = parser.release();
  HttpResponse out;
  out.status = res.result_int();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
    if (name == "set-cookie") out.set_cookies.emplace_back(f.value());
  }
  out.body = std::move(res.body());
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return out;
}

HttpResponse HttpJson(unsigned short port, const std::string& method, const std::string& target,
                      const nlohmann::json& body,
                      const std::map<std::string, std::string>& headers) {
  auto h = headers;
  h.emplace("Content-Type", "application/json");
  return Http(port, method, target, body.dump(), h);
}

nlohmann::json AuditLine(unsigned short port, const std::string& query,
                         const std::string& record_type) {
  for (int i = 0; i < 100; ++i) {
    const nlohmann::json page = Http(port, "GET", "/api/v1/audit?" + query).Json();
    if (page.is_object() && page.contains("items")) {
      for (const auto& line : page["items"]) {
        if (line["record"]["type"] == record_type) return line;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return nullptr;
}

std::string GuichetBinary() {
  const char* bin = std::getenv("GUICHET_BIN");
  if (!bin) throw std::runtime_error("GUICHET_BIN is not set (ctest sets it)");
  return bin;
}

namespace {

constexpr const char* kSourceCatalogue = GUICHET_SOURCE_DIR "/catalogue";

[[noreturn]] void ExecGuichet(const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& env, int out_fd) {
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  // A test feeds standard input from a file (`guichet agent create` reads the password there).
  if (auto it = env.find("GUICHET_TEST_STDIN"); it != env.end()) {
    const int in = ::open(it->second.c_str(), O_RDONLY);
    if (in >= 0) dup2(in, STDIN_FILENO);
  }
  // The shipped demo catalogue, unless a test brings its own.
  setenv("GUICHET_CATALOGUE", kSourceCatalogue, 1);
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  const std::string bin = GuichetBinary();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(bin.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(bin.c_str(), argv.data());
  _exit(127);
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

// In a forked child: killed when the test process dies, even by an abort
// that runs no destructor — an orphaned server would keep the test's output
// pipe open and ctest would wait for it until its timeout.
namespace {
void DieWithTheTest() {
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the test died before prctl
}
}  // namespace

int RunGuichet(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               std::string& output) {
  TempDir dir;
  const std::string log = dir.path() + "/out";
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ExecGuichet(args, env, fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  output = ss.str();
  return ExitCode(status);
}

namespace {
constexpr std::chrono::seconds kReadyTimeout{60};
}  // namespace

ServerProcess::ServerProcess(std::string database_url, std::map<std::string, std::string> env)
    : database_url_(std::move(database_url)), env_(std::move(env)) {
  log_ = dir_.path() + "/server.log";
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(SIGTERM);
}

void ServerProcess::Start() {
  // Another process may take the port between FreePort() and the server's
  // bind: then another port.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    const std::size_t log_before = ReadLog().size();
    try {
      StartOn(FreePort());
      return;
    } catch (const std::runtime_error&) {
      const bool taken = ReadLog().find("Address already in use", log_before) != std::string::npos;
      if (!taken || attempt == kAttempts) throw;
    }
  }
}

void ServerProcess::StartOn(unsigned short port) {
  port_ = port;
  auto env = env_;
  env["GUICHET_DATABASE"] = database_url_;
  env.emplace("GUICHET_MAIL_DROP_DIR", dir_.path() + "/mail");
  mail_dir_ = env["GUICHET_MAIL_DROP_DIR"];
  if (api_key_.empty()) {
    // An administrator's API key for the test's calls (Http() sends it).
    std::string out;
    if (RunGuichet({"api-key", "create", "--name", "tests", "--scope", "admin"}, env, out) != 0) {
      throw std::runtime_error("guichet api-key create failed: " + out);
    }
    api_key_ = ApiKeyPrinted(out);
  }
  SetDefaultAuthorization(port_, "Bearer " + api_key_);
  env["GUICHET_LISTEN"] = "127.0.0.1:" + std::to_string(port_);
  // "{port}" in a value (a callback URL given to a test server) is the server's port.
  for (auto& [k, v] : env) {
    for (size_t at; (at = v.find("{port}")) != std::string::npos;) {
      v.replace(at, 6, std::to_string(port_));
    }
  }
  env.emplace("GUICHET_ACCESS_LOG", "false");
  pid_ = fork();
  if (pid_ == 0) {
    DieWithTheTest();
    const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ExecGuichet({"serve"}, env, fd);
  }
  // Normally ready in a tenth of a second, but CI once saw a start pass 10 s
  // while the other test slot ran at its usual pace (cause not known): the
  // limit only bounds a hang, and its message carries what the server said.
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  std::string last;  // what the last /readyz said, for the failure's message
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      SetDefaultAuthorization(port_, "");
      throw std::runtime_error("guichet serve exited early: " + ReadLog());
    }
    try {
      const auto res = Http(port_, "GET", "/readyz");
      if (res.status == 200) return;
      last = std::to_string(res.status) + " " + res.body;
    } catch (const std::exception& e) {
      last = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("guichet serve did not become ready in " +
                           std::to_string(kReadyTimeout.count()) + " s; last /readyz: " + last +
                           "; its output:\n" + ReadLog());
}

std::string ApiKeyPrinted(const std::string& output) {
  const size_t end = output.find_last_not_of("\r\n");
  const size_t begin = end == std::string::npos ? 0 : output.find_last_of('\n', end) + 1;
  const std::string line = end == std::string::npos ? "" : output.substr(begin, end + 1 - begin);
  if (!line.starts_with("gk_")) throw std::runtime_error("no key in: " + output);
  return line;
}

std::string ServerProcess::ReadLog() const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int ServerProcess::Stop(int sig) {
  if (pid_ <= 0) return -1;
  SetDefaultAuthorization(port_, "");
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  const int code = ExitCode(status);
  if (code != 0 && code != 128 + sig) {
    // An unexpected death: show what the server said, for the test log.
    std::fprintf(stderr, "--- guichet serve exited with %d; its output:\n%s\n---\n", code,
                 ReadLog().c_str());
  }
  return code;
}

pid_t SpawnAndReadFirstLine(const std::vector<std::string>& argv, const std::string& cwd,
                            std::string& first_line) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  const pid_t pid = fork();
  if (pid == 0) {
    DieWithTheTest();
    dup2(out[1], 1);
    close(out[0]);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  first_line.clear();
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') first_line += c;
  // Keep reading what the child writes after its first line, into the test's
  // log: closing the pipe here would kill it with EPIPE (or SIGPIPE) at its
  // next write — oidc-provider prints notices on stdout at its first token
  // request, and died then, which the server reported as a 503.
  std::thread([fd = out[0]] {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
      if (write(2, buf, static_cast<size_t>(n)) < 0) break;
    }
    close(fd);
  }).detach();
  return pid;
}

}  // namespace guichet::testing
