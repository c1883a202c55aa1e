// The outbox loses nothing and sends nothing twice across a crash: the
// server is killed (SIGKILL) in the middle of a burst of deliveries to a real
// SMTP server and restarted. Every notification arrives; the receiving server
// deduplicating by Message-ID sees each exactly once. A second copy is only
// possible for a message the SMTP server accepted in the instant before the
// kill, before its row was marked sent (the worker's crash window).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "outbox_servers.hpp"
#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;

constexpr int kRequests = 120;
constexpr size_t kCrashWindowMax = 100;  // OutboxWorker::kBatch: marks in flight at most

class OutboxKillTest : public ::testing::TestWithParam<bool> {};

TEST_P(OutboxKillTest, EveryNotificationIsDeliveredOnceByMessageIdAfterSigkill) {
  TestDatabase db(GetParam());
  ScriptServer smtp("smtp_server.py", db.dir() + "/smtp");
  const std::map<std::string, std::string> env = {
      {"GUICHET_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(smtp.port())},
      {"GUICHET_OUTBOX_INTERVAL_MS", "20"},
      {"GUICHET_OUTBOX_LEASE_MS", "1000"}};
  auto server = std::make_unique<ServerProcess>(db.url(), env);
  server->Start();
  // Each request is acknowledged by email by its procedure: a burst of
  // notifications, still being created when the server is killed.
  const unsigned short first_port = server->port();
  std::atomic<int> created{0};
  std::thread burst([&] {
    for (int i = 0; i < kRequests; ++i) {
      try {
        auto res =
            HttpJson(first_port, "POST", "/api/v1/requests",
                     {{"service", "question-generale"},
                      {"description", "Question " + std::to_string(i)},
                      {"channel", "api"},
                      {"contact", {{"email", "citoyen" + std::to_string(i) + "@example.org"}}}});
        if (res.status != 201) return;
        ++created;
      } catch (const std::exception&) {
        return;  // killed
      }
    }
  });
  const bool started = smtp.WaitFor(20, std::chrono::seconds(30));
  EXPECT_EQ(server->Stop(SIGKILL), 128 + SIGKILL);
  burst.join();
  ASSERT_TRUE(started);
  const size_t at_kill = smtp.Count();

  server = std::make_unique<ServerProcess>(db.url(), env);
  server->Start();
  // Every queued notification (a request may have been created in the last
  // instant without its answer reaching the client) goes out, once.
  const json all = Http(server->port(), "GET", "/api/v1/outbox?limit=200").Json()["items"];
  const size_t expected = all.size();
  EXPECT_GE(expected, static_cast<size_t>(created.load()));
  std::set<std::string> ids;
  std::map<std::string, int> per_recipient;
  for (int i = 0; i < 600 && ids.size() < expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ids.clear();
    for (const auto& m : smtp.Messages()) ids.insert(HeaderOf(m, "Message-Id"));
  }
  ASSERT_EQ(ids.size(), expected);
  // The outbox agrees: every row is sent, none left behind.
  json sent;
  for (int i = 0; i < 100; ++i) {
    sent = Http(server->port(), "GET", "/api/v1/outbox?state=sent&limit=200").Json();
    if (sent["items"].size() == expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(sent["items"].size(), expected);
  const auto mails = smtp.Messages();
  for (const auto& m : mails) per_recipient[HeaderOf(m, "X-Envelope-To")]++;
  EXPECT_EQ(per_recipient.size(), expected);
  const size_t copies = mails.size() - ids.size();
  std::printf(
      "killed after %zu deliveries of %d created; %zu notifications in all, %zu second "
      "copies in the crash window\n",
      at_kill, created.load(), expected, copies);
  EXPECT_LE(copies, kCrashWindowMax);
  EXPECT_EQ(server->Stop(SIGTERM), 0);
}

INSTANTIATE_TEST_SUITE_P(Databases, OutboxKillTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
