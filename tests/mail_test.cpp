// Inbound email end to end, on SQLite and PostgreSQL: `guichet mailgate` as
// an MTA runs it (one process per message, the message on stdin) and
// `guichet maildir`, next to a running server whose API shows the result.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

// Runs `guichet mailgate` with `raw` on stdin; returns the exit status.
int Mailgate(const std::string& database, const std::string& raw, std::string& output,
             std::map<std::string, std::string> env = {}) {
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
    execl(bin.c_str(), bin.c_str(), "mailgate", static_cast<char*>(nullptr));
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

class MailTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    server_ = std::make_unique<ServerProcess>(db_->url());
    server_->Start();
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
    EXPECT_EQ(Mailgate(db_->url(), raw, out), 0) << out;
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
};

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

TEST_P(MailTest, AnUnreachableDatabaseAsksTheMtaToRetry) {
  std::string out;
  const std::string down = GetParam() ? "postgresql://postgres@127.0.0.1:1/absent?connect_timeout=2"
                                      : "sqlite:" + db_->dir() + "/absent/dir/guichet.db";
  EXPECT_EQ(Mailgate(down, ReadFile(kCorpus + "/plain.eml"), out), 75) << out;
  // A general-contact service missing from the catalogue is a mistake to fix, not a bounce.
  EXPECT_EQ(Mailgate(db_->url(), ReadFile(kCorpus + "/plain.eml"), out,
                     {{"GUICHET_MAIL_GENERAL_SERVICE", "absent"}}),
            75)
      << out;
  // An oversized message is bounced (EX_DATAERR), not retried forever.
  EXPECT_EQ(Mailgate(db_->url(), std::string(33 * 1024 * 1024, 'a'), out), 65) << out;
}

TEST_P(MailTest, MaildirMessagesMoveToCurOnlyOnceStored) {
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
  const std::string down = GetParam() ? "postgresql://postgres@127.0.0.1:1/absent?connect_timeout=2"
                                      : "sqlite:" + db_->dir() + "/absent/dir/guichet.db";
  EXPECT_EQ(RunGuichet({"maildir", maildir.path()}, {{"GUICHET_DATABASE", down}}, out), 75) << out;
  EXPECT_TRUE(fs::exists(maildir.path() + "/new/again"));
}

INSTANTIATE_TEST_SUITE_P(Databases, MailTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "PostgreSQL" : "SQLite"; });

}  // namespace
}  // namespace guichet::testing
