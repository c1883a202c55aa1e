// Durability: a 2xx answer to a write means the data is on disk. The server
// is killed with SIGKILL in the middle of a write load and restarted: every
// acknowledged request must be there, and SQLite must pass integrity_check.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "storage/sqlite/sqlite_connection.hpp"
#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

class DurabilityTest : public ::testing::TestWithParam<bool> {};

TEST_P(DurabilityTest, EveryAcknowledgedRequestSurvivesSigkill) {
  TestDatabase db(GetParam());
  std::string out;
  ASSERT_EQ(RunGuichet({"seed-demo"}, {{"GUICHET_DATABASE", db.url()}}, out), 0) << out;
  ServerProcess server(db.url());
  server.Start();
  const unsigned short port = server.port();

  constexpr int kClients = 16;
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> attempts{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop; ++i) {
        const nlohmann::json body = {
            {"service", "signalement-voirie"},
            {"description", "Charge " + std::to_string(c) + "-" + std::to_string(i)}};
        ++attempts;
        try {
          auto res = HttpJson(port, "POST", "/api/v1/requests", body);
          if (res.status == 201) {
            std::lock_guard lock(mu);
            acknowledged.push_back(res.Json()["reference"].get<std::string>());
          }
        } catch (const std::exception&) {
          // The server is gone: a request without an answer was never promised.
        }
      }
    });
  }
  // Let the load build up, then kill without warning while writes are in flight.
  // Up to 30 s: a loaded machine (CI, or a build beside the tests) may need
  // them to reach a few hundred acknowledged writes.
  for (int i = 0; i < 1500; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard lock(mu);
    if (acknowledged.size() >= 300) break;
  }
  EXPECT_EQ(server.Stop(SIGKILL), 128 + SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_GT(acknowledged.size(), 50u) << "the load never got going";
  // Some requests were in flight when the server died.
  EXPECT_GT(attempts.load(), static_cast<int>(acknowledged.size()));

  server.Start();
  size_t missing = 0;
  for (const auto& ref : acknowledged) {
    auto res = Http(server.port(), "GET", "/api/v1/requests/" + ref);
    if (res.status != 200) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged requests";
  EXPECT_EQ(server.Stop(SIGTERM), 0);

  if (!db.postgres()) {
    storage::sqlite::SqliteConnection conn(db.url().substr(std::string("sqlite:").size()));
    auto rows = conn.Query("PRAGMA integrity_check", {});
    ASSERT_TRUE(rows->Next());
    EXPECT_EQ(rows->Text(0), "ok");
  }
}

INSTANTIATE_TEST_SUITE_P(Databases, DurabilityTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
