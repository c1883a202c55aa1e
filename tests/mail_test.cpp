// Inbound email end to end, on SQLite and PostgreSQL: `guichet mailgate` as
// an MTA runs it (one process per message, the message on stdin) and
// `guichet maildir`, next to a running server whose API shows the result.
// mailgate runs both ways: writing to the database itself (no [mail]
// ingest_secret) and posting to the server (the secret shared), with the
// same results on the timeline.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

namespace fs = std::filesystem;

const std::string kCorpus = GUICHET_SOURCE_DIR "/tests/mail/corpus";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `guichet ARGS` (`mailgate` unless told) with `raw` on stdin; returns
// the exit status.
int Mailgate(const std::string& database, const std::string& raw, std::string& output,
             std::map<std::string, std::string> env = {},
             const std::vector<std::string>& args = {"mailgate"}) {
  TempDir dir;
  const std::string in = dir.path() + "/in.eml", out = dir.path() + "/out";
  std::ofstream(in, std::ios::binary) << raw;
  env.emplace("GUICHET_DATABASE", database);
  env.emplace("GUICHET_CATALOGUE", GUICHET_SOURCE_DIR "/catalogue");
  env.emplace("GUICHET_MAIL_ADDRESSES", "demarches@mairie-villeneuve.fr");
  const pid_t pid = fork();
  if (pid == 0) {
    const int in_fd = ::open(in.c_str(), O_RDONLY);
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    const std::string bin = GuichetBinary();
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  output = ReadFile(out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// "request GU-2026-7KQ4MX\n" → "GU-2026-7KQ4MX".
std::string ReferenceIn(const std::string& output) {
  const auto at = output.find("GU-");
  return at == std::string::npos ? "" : output.substr(at, 14);
}

constexpr const char* kIngestSecret = "secret-de-test-du-courrier-entrant";

// A database URL nothing answers at.
std::string Unreachable(bool postgres, const std::string& dir) {
  return postgres ? "postgresql://postgres@127.0.0.1:1/absent?connect_timeout=2"
                  : "sqlite:" + dir + "/absent/dir/guichet.db";
}

// (PostgreSQL rather than SQLite, mailgate through the server rather than direct).
class MailTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {
 protected:
  bool Postgres() const { return std::get<0>(GetParam()); }
  bool ViaServer() const { return std::get<1>(GetParam()); }
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(Postgres());
    std::map<std::string, std::string> env;
    if (ViaServer()) env["GUICHET_MAIL_INGEST_SECRET"] = kIngestSecret;
    server_ = std::make_unique<ServerProcess>(db_->url(), env);
    server_->Start();
    if (ViaServer()) {
      // mailgate is given no usable database: only the server can store the message.
      gate_env_ = {{"GUICHET_MAIL_INGEST_SECRET", kIngestSecret},
                   {"GUICHET_LISTEN", "127.0.0.1:" + std::to_string(server_->port())},
                   {"GUICHET_DATABASE", Unreachable(Postgres(), db_->dir())}};
    }
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop(SIGTERM), 0);
    }
    server_.reset();
    db_.reset();
  }

  std::string Ingest(const std::string& raw, const std::string& disposition) {
    std::string out;
    EXPECT_EQ(Mailgate(db_->url(), raw, out, gate_env_), 0) << out;
    EXPECT_EQ(out.rfind(disposition, 0), 0u) << out;
    return ReferenceIn(out);
  }
  nlohmann::json Events(const std::string& reference) {
    auto res = Http(server_->port(), "GET", "/api/v1/requests/" + reference + "/events");
    EXPECT_EQ(res.status, 200) << res.body;
    return res.Json()["items"];
  }
  nlohmann::json Request(const std::string& reference) {
    auto res = Http(server_->port(), "GET", "/api/v1/requests/" + reference);
    EXPECT_EQ(res.status, 200) << res.body;
    return res.Json();
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::string> gate_env_;  // the server's address and secret, if used
};

// What only the direct path does (the server's answers are MailgateServerTest's)
// and the Maildir reader, which writes to the database itself.
class MailDirectTest : public MailTest {};

TEST_P(MailTest, AMailBecomesARequestWithItsRawMessageAndAnAcknowledgement) {
  const std::string raw = ReadFile(kCorpus + "/plain.eml");
  const std::string ref = Ingest(raw, "request");
  ASSERT_FALSE(ref.empty());
  auto req = Request(ref);
  EXPECT_EQ(req["channel"], "email");
  EXPECT_EQ(req["service"], "question-generale");
  EXPECT_EQ(req["title"], "Horaires de la médiathèque");
  EXPECT_EQ(req["contact"]["email"], "jeanne.martin@example.org");
  auto events = Events(ref);
  ASSERT_GE(events.size(), 2u);
  const auto& in = events[0];
  EXPECT_EQ(in["kind"], "message_in");
  EXPECT_EQ(in["channel"], "email");
  EXPECT_EQ(in["data"]["subject"], "Horaires de la médiathèque");
  // The signature is cut for display, kept in full.
  EXPECT_EQ(in["body"].get<std::string>().find("12 rue des Lilas"), std::string::npos);
  EXPECT_NE(in["data"]["full_text"].get<std::string>().find("12 rue des Lilas"), std::string::npos);
  auto content = Http(server_->port(), "GET", in["data"]["raw_url"].get<std::string>());
  EXPECT_EQ(content.status, 200);
  EXPECT_EQ(content.body, raw);
  // The procedure's acknowledgement answers the mail, for the outbox to send.
  int pending = 0;
  for (const auto& e : events) {
    if (e["kind"] != "message_out") continue;
    EXPECT_EQ(e["channel"], "email");
    EXPECT_EQ(e["data"]["delivery"], "pending");
    EXPECT_EQ(e["data"]["to"], "jeanne.martin@example.org");
    EXPECT_EQ(e["data"]["in_reply_to"], "20260303101200.1234@example.org");
    EXPECT_NE(e["body"].get<std::string>().find(ref), std::string::npos);
    ++pending;
  }
  EXPECT_EQ(pending, 1);
  // The MTA delivering the same message again changes nothing.
  EXPECT_EQ(Ingest(raw, "request"), ref);
  EXPECT_EQ(Events(ref).size(), events.size());
}

TEST_P(MailTest, RepliesLandOnTheSameRequest) {
  const std::string ref = Ingest(ReadFile(kCorpus + "/plain.eml"), "request");
  std::string reply = ReadFile(kCorpus + "/reply-quotes.eml");
  for (auto at = reply.find("GU-2026-7KQ4MX"); at != std::string::npos;
       at = reply.find("GU-2026-7KQ4MX")) {
    reply.replace(at, 14, ref);
  }
  EXPECT_EQ(Ingest(reply, "reply"), ref);
  auto events = Events(ref);
  const auto& last = events.back();
  EXPECT_EQ(last["kind"], "message_in");
  EXPECT_EQ(last["body"], "Merci, j’ajoute que la médiathèque de quartier m’intéresse aussi.");
  int pending = 0;
  for (const auto& e : events) pending += e["kind"] == "message_out";
  EXPECT_EQ(pending, 1);  // a reply is not acknowledged
}

TEST_P(MailTest, EveryCorpusMailIsStoredAndAutomaticOnesAreNotAnswered) {
  struct Case {
    const char* file;
    const char* disposition;
    bool answered;
  };
  for (const Case& c :
       {Case{"html-only.eml", "request", true}, Case{"iso-8859-1.eml", "request", true},
        Case{"windows-1252.eml", "request", true}, Case{"qp.eml", "request", true},
        Case{"nested-attachments.eml", "request", true}, Case{"auto-reply.eml", "request", false},
        Case{"malformed.eml", "request", false}, Case{"dsn.eml", "bounce", false}}) {
    SCOPED_TRACE(c.file);
    const std::string ref = Ingest(ReadFile(kCorpus + "/" + c.file), c.disposition);
    if (std::string(c.disposition) != "request") continue;
    int pending = 0;
    auto events = Events(ref);
    for (const auto& e : events) {
      pending += e["kind"] == "message_out" && e["data"]["delivery"] == "pending";
    }
    EXPECT_EQ(pending, c.answered ? 1 : 0);
    if (std::string(c.file) == "windows-1252.eml") {
      EXPECT_NE(events[0]["body"].get<std::string>().find("– “ anniversaire ” de ma sœur"),
                std::string::npos)
          << events[0]["body"];
      EXPECT_NE(events[0]["body"].get<std::string>().find("150 €"), std::string::npos);
    }
    if (std::string(c.file) == "nested-attachments.eml") {
      ASSERT_EQ(events[0]["data"]["attachments"].size(), 3u);
      EXPECT_EQ(events[0]["data"]["attachments"][0]["content_type"], "image/png");
      EXPECT_EQ(events[0]["data"]["attachments"][1]["content_type"], "application/pdf");
      EXPECT_EQ(events[0]["data"]["attachments"][1]["filename"], "formulaire-cerfa.pdf");
    }
    if (std::string(c.file) == "malformed.eml") {
      EXPECT_NE(events[0]["data"]["flags"].dump().find("malformed"), std::string::npos);
    }
  }
}

TEST_P(MailDirectTest, AnUnreachableDatabaseAsksTheMtaToRetry) {
  std::string out;
  const std::string down = Unreachable(Postgres(), db_->dir());
  EXPECT_EQ(Mailgate(down, ReadFile(kCorpus + "/plain.eml"), out), 75) << out;
  // A general-contact service missing from the catalogue is a mistake to fix, not a bounce.
  EXPECT_EQ(Mailgate(db_->url(), ReadFile(kCorpus + "/plain.eml"), out,
                     {{"GUICHET_MAIL_GENERAL_SERVICE", "absent"}}),
            75)
      << out;
  // An oversized message is bounced (EX_DATAERR), not retried forever.
  EXPECT_EQ(Mailgate(db_->url(), std::string(33 * 1024 * 1024, 'a'), out), 65) << out;
}

TEST_P(MailDirectTest, MaildirMessagesMoveToCurOnlyOnceStored) {
  TempDir maildir;
  fs::create_directories(maildir.path() + "/new");
  int n = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    fs::copy_file(entry.path(),
                  maildir.path() + "/new/17000000" + std::to_string(n++) + ".M1P1.host");
  }
  std::string out;
  EXPECT_EQ(RunGuichet({"maildir", maildir.path()},
                       {{"GUICHET_DATABASE", db_->url()},
                        {"GUICHET_MAIL_ADDRESSES", "demarches@mairie-villeneuve.fr"}},
                       out),
            0)
      << out;
  EXPECT_TRUE(fs::is_empty(maildir.path() + "/new"));
  int in_cur = 0;
  for (const auto& entry : fs::directory_iterator(maildir.path() + "/cur")) {
    EXPECT_EQ(entry.path().filename().string().substr(entry.path().filename().string().size() - 4),
              ":2,S");
    ++in_cur;
  }
  EXPECT_EQ(in_cur, n);
  // The database down: every message stays in new/.
  fs::rename(maildir.path() + "/cur/170000000.M1P1.host:2,S", maildir.path() + "/new/again");
  const std::string down = Unreachable(Postgres(), db_->dir());
  EXPECT_EQ(RunGuichet({"maildir", maildir.path()}, {{"GUICHET_DATABASE", down}}, out), 75) << out;
  EXPECT_TRUE(fs::exists(maildir.path() + "/new/again"));
}

TEST_P(MailDirectTest, AMaildirMessageCommittedButNotMovedIsStoredOnce) {
  TempDir maildir;
  fs::create_directories(maildir.path() + "/new");
  const std::string name = "1700000001.M1P1.host";
  fs::copy_file(kCorpus + "/plain.eml", maildir.path() + "/new/" + name);
  const std::map<std::string, std::string> env = {
      {"GUICHET_DATABASE", db_->url()},
      {"GUICHET_MAIL_ADDRESSES", "demarches@mairie-villeneuve.fr"}};
  auto email_requests = [&] {
    auto res = Http(server_->port(), "GET", "/api/v1/requests?channel=email&limit=100");
    for (int i = 0; i < 40 && res.status != 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      res = Http(server_->port(), "GET", "/api/v1/requests?channel=email&limit=100");
    }
    EXPECT_EQ(res.status, 200) << res.body;
    return res.Json()["items"];
  };
  const auto before = email_requests().size();
  std::string out;
  ASSERT_EQ(RunGuichet({"maildir", maildir.path()}, env, out), 0) << out;
  ASSERT_TRUE(fs::exists(maildir.path() + "/cur/" + name + ":2,S"));
  // The crash this stands for: committed, then killed before the rename.
  fs::copy_file(maildir.path() + "/cur/" + name + ":2,S", maildir.path() + "/new/" + name);
  fs::remove(maildir.path() + "/cur/" + name + ":2,S");
  ASSERT_EQ(RunGuichet({"maildir", maildir.path()}, env, out), 0) << out;
  EXPECT_TRUE(fs::is_empty(maildir.path() + "/new"));
  EXPECT_TRUE(fs::exists(maildir.path() + "/cur/" + name + ":2,S"));
  // SQLite: the server's read snapshot may lag another process's write by 50 ms.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto items = email_requests();
  ASSERT_EQ(items.size(), before + 1) << items.dump();
  const std::string ref = items[0]["reference"];
  int in = 0;
  for (const auto& e : Events(ref)) in += e["kind"] == "message_in";
  EXPECT_EQ(in, 1);
}

// mailgate posting to the server: what the MTA is told in each case.
class MailgateServerTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { db_ = std::make_unique<TestDatabase>(GetParam()); }
  std::map<std::string, std::string> GateEnv(unsigned short port,
                                             const std::string& secret = kIngestSecret) {
    return {{"GUICHET_MAIL_INGEST_SECRET", secret},
            {"GUICHET_LISTEN", "127.0.0.1:" + std::to_string(port)}};
  }
  // A message of its own for each step (the same bytes are stored once).
  std::string Message(int n) {
    return "X-Test-Step: " + std::to_string(n) + "\r\n" + ReadFile(kCorpus + "/plain.eml");
  }
  std::unique_ptr<TestDatabase> db_;
};

TEST_P(MailgateServerTest, ExitStatusesTellTheMtaWhetherToRetry) {
  ServerProcess server(db_->url(), {{"GUICHET_MAIL_INGEST_SECRET", kIngestSecret}});
  server.Start();
  const std::string down = Unreachable(GetParam(), db_->dir());
  std::string out;
  // 0: stored by the server, though mailgate itself could not reach the database.
  ASSERT_EQ(Mailgate(down, Message(1), out, GateEnv(server.port())), 0) << out;
  EXPECT_EQ(out.rfind("request GU-", 0), 0u) << out;
  const std::string ref = ReferenceIn(out);
  auto req = Http(server.port(), "GET", "/api/v1/requests/" + ref);
  EXPECT_EQ(req.status, 200) << req.body;
  // The same message again: stored once.
  ASSERT_EQ(Mailgate(down, Message(1), out, GateEnv(server.port())), 0) << out;
  EXPECT_EQ(out, "request " + ref + " (déjà reçu)\n");
  // 75: a wrong secret is refused, and nothing is stored.
  EXPECT_EQ(
      Mailgate(db_->url(), Message(2), out, GateEnv(server.port(), "un-autre-secret-bien-long")),
      75)
      << out;
  EXPECT_NE(out.find("401"), std::string::npos) << out;
  ASSERT_EQ(Mailgate(down, Message(2), out, GateEnv(server.port())), 0) << out;
  EXPECT_EQ(out.find("déjà reçu"), std::string::npos) << out;
  // 65: over the size limit, the MTA bounces it.
  EXPECT_EQ(Mailgate(down, std::string(33 * 1024 * 1024, 'a'), out, GateEnv(server.port())), 65)
      << out;
  // The server stopped: with no database either, retry later…
  const unsigned short port = server.port();
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  EXPECT_EQ(Mailgate(down, Message(3), out, GateEnv(port)), 75) << out;
  // …and with the database there, mailgate writes to it itself.
  ASSERT_EQ(Mailgate(db_->url(), Message(3), out, GateEnv(port)), 0) << out;
  EXPECT_NE(out.find("serveur injoignable"), std::string::npos) << out;
  const std::string fallback_ref = ReferenceIn(out);
  ASSERT_FALSE(fallback_ref.empty()) << out;
  server.Start();
  auto events = Http(server.port(), "GET", "/api/v1/requests/" + fallback_ref + "/events");
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_EQ(events.Json()["items"][0]["kind"], "message_in");
}

TEST_P(MailgateServerTest, AServerThatCannotStoreTheMailMakesTheMtaRetry) {
  // No general-contact service in the catalogue: the server answers 503.
  ServerProcess server(db_->url(), {{"GUICHET_MAIL_INGEST_SECRET", kIngestSecret},
                                    {"GUICHET_MAIL_GENERAL_SERVICE", "absent"}});
  server.Start();
  std::string out;
  EXPECT_EQ(Mailgate(db_->url(), Message(1), out, GateEnv(server.port())), 75) << out;
  EXPECT_NE(out.find("503"), std::string::npos) << out;
}

// As an MTA runs it: `guichet --config FILE mailgate`, with no environment.
TEST_P(MailgateServerTest, TheConfigurationFileNamesTheServerAndTheSecret) {
  ServerProcess server(db_->url(), {{"GUICHET_MAIL_INGEST_SECRET", kIngestSecret}});
  server.Start();
  TempDir dir;
  const std::string config = dir.path() + "/guichet.toml";
  const std::string down = Unreachable(GetParam(), db_->dir());
  std::ofstream(config) << "[server]\nlisten = \"127.0.0.1:" << server.port()
                        << "\"  # the server\n[database]\nurl = \"" << down
                        << "\"\n[mail]\ningest_secret = \"" << kIngestSecret
                        << "\"\ningest_timeout_seconds = 30\n[mail.maildir]\npath = \"/nowhere\"\n";
  std::string out;
  // Stored by the server: mailgate itself could not reach the database.
  ASSERT_EQ(Mailgate(down, Message(1), out, {}, {"--config", config, "mailgate"}), 0) << out;
  EXPECT_EQ(out.rfind("request GU-", 0), 0u) << out;
  // The same keys as an inline table: the front leaves such a file to the
  // full program (toml++), which stores the message itself…
  std::ofstream(config) << "[server]\nlisten = \"127.0.0.1:" << server.port()
                        << "\"\n[database]\nurl = \"" << db_->url()
                        << "\"\n[mail]\nmaildir = { path = \"/nowhere\" }\ningest_secret = \""
                        << kIngestSecret << "\"\n";
  ASSERT_EQ(Mailgate(db_->url(), Message(2), out, {}, {"-c", config, "mailgate"}), 0) << out;
  const std::string direct_ref = ReferenceIn(out);
  ASSERT_FALSE(direct_ref.empty()) << out;
  EXPECT_EQ(Http(server.port(), "GET", "/api/v1/requests/" + direct_ref).status, 200);
  // …and cannot when it has no database either: the MTA retries (had the
  // front read the file, the server would have stored it).
  std::ofstream(config) << "[server]\nlisten = \"127.0.0.1:" << server.port()
                        << "\"\n[database]\nurl = \"" << down
                        << "\"\n[mail]\nmaildir = { path = \"/nowhere\" }\ningest_secret = \""
                        << kIngestSecret << "\"\n";
  EXPECT_EQ(Mailgate(down, Message(3), out, {}, {"mailgate", "-c", config}), 75) << out;
}

TEST_P(MailgateServerTest, AServerThatDoesNotAnswerInTimeMakesTheMtaRetry) {
  // A listening socket that never answers: connected, then silence.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto env = GateEnv(ntohs(addr.sin_port));
  env["GUICHET_MAIL_INGEST_TIMEOUT"] = "1";
  std::string out;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Mailgate(db_->url(), Message(1), out, env), 75) << out;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(out.find("pas de réponse"), std::string::npos) << out;
  ::close(fd);
}

// Without a server, deliveries share SQLite's write lock: one that finds it
// held waits for it (an MTA waits far longer than the store's 5 s) rather
// than sending the message back to the MTA.
TEST(MailgateDirect, WaitsForAnotherWritersLockRatherThanMakingTheMtaRetry) {
  TestDatabase db(false);
  ServerProcess server(db.url(), {});
  server.Start();  // migrates and installs the catalogue
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db.url().substr(std::string("sqlite:").size()).c_str(), &other),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::thread release([other] {
    std::this_thread::sleep_for(std::chrono::seconds(7));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  std::string out;
  const auto start = std::chrono::steady_clock::now();
  const std::string raw = "X-Test: lock\r\n" + ReadFile(kCorpus + "/plain.eml");
  const int status = Mailgate(db.url(), raw, out);
  const auto waited = std::chrono::steady_clock::now() - start;
  release.join();
  sqlite3_close(other);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out.rfind("request GU-", 0), 0u) << out;
  EXPECT_GE(waited, std::chrono::seconds(6));  // it did wait, past the old 5 s
}

INSTANTIATE_TEST_SUITE_P(Databases, MailgateServerTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "PostgreSQL" : "SQLite"; });

std::string MailTestName(const ::testing::TestParamInfo<std::tuple<bool, bool>>& info) {
  return std::string(std::get<0>(info.param) ? "PostgreSQL" : "SQLite") +
         (std::get<1>(info.param) ? "ViaServer" : "Direct");
}

INSTANTIATE_TEST_SUITE_P(Databases, MailTest,
                         ::testing::Combine(::testing::Values(false, true),
                                            ::testing::Values(false, true)),
                         MailTestName);
INSTANTIATE_TEST_SUITE_P(Databases, MailDirectTest,
                         ::testing::Combine(::testing::Values(false, true),
                                            ::testing::Values(false)),
                         MailTestName);

}  // namespace
}  // namespace guichet::testing
