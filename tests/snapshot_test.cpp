// SQLite readers keep a read snapshot between reads while nothing was
// committed (storage/sqlite): what a client wrote must still be what it reads
// next, whether the write came through this process's writer or another
// process.
#include <gtest/gtest.h>

#include <thread>

#include "storage/open.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "support/test_support.hpp"

namespace guichet {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = "sqlite:" + dir_.path() + "/snapshot.db";
    storage::MigrateDatabase(*storage::ParseDatabaseUrl(url_));
    store_ = Open();
    ASSERT_TRUE(store_
                    ->WriteSync([](domain::WriteTx& tx) -> Status {
                      GUICHET_TRY(tx.UpsertTeam({"voirie", "Voirie", ""}));
                      return Status::Ok();
                    })
                    .ok());
  }

  std::unique_ptr<storage::SqlStore> Open() {
    return storage::OpenStore(*storage::ParseDatabaseUrl(url_), 2);
  }

  static Status AddTeam(domain::Store& store, const std::string& id) {
    return store.WriteSync([id](domain::WriteTx& tx) { return tx.UpsertTeam({id, id, ""}); });
  }

  static size_t Teams(domain::Store& store) { return store.ListTeams()->size(); }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<storage::SqlStore> store_;
};

TEST_F(SnapshotTest, AWriteIsVisibleToTheVeryNextRead) {
  for (int i = 0; i < 50; ++i) {
    const size_t before = Teams(*store_);  // opens (or keeps) a snapshot
    ASSERT_TRUE(AddTeam(*store_, "equipe-" + std::to_string(i)).ok());
    EXPECT_EQ(Teams(*store_), before + 1) << "write " << i;
  }
}

TEST_F(SnapshotTest, ReadsRunConcurrentlyWithWritesAndSeeEveryAcknowledgedOne) {
  std::atomic<bool> stop{false};
  std::atomic<int> stale{0};
  std::atomic<int> acknowledged{1};  // the team of SetUp
  std::thread reader([&] {
    while (!stop) {
      const int floor = acknowledged.load();
      if (static_cast<int>(Teams(*store_)) < floor) ++stale;
    }
  });
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(AddTeam(*store_, "t" + std::to_string(i)).ok());
    ++acknowledged;
  }
  stop = true;
  reader.join();
  EXPECT_EQ(stale.load(), 0);
}

TEST_F(SnapshotTest, AnotherProcessWriteIsSeenWithinTheSnapshotAge) {
  const size_t before = Teams(*store_);
  auto other = Open();  // stands for another process: its own writer
  ASSERT_TRUE(AddTeam(*other, "autre-processus").ok());
  std::this_thread::sleep_for(storage::sqlite::SqliteConnection::kMaxSnapshotAge +
                              std::chrono::milliseconds(20));
  EXPECT_EQ(Teams(*store_), before + 1);
}

TEST_F(SnapshotTest, IdleReadersLetTheWalBeCheckpointed) {
  ASSERT_TRUE(AddTeam(*store_, "avant").ok());
  Teams(*store_);  // a reader now holds a snapshot that includes the WAL, then goes idle
  ASSERT_TRUE(AddTeam(*store_, "apres").ok());
  // A full checkpoint must be able to reach the last commit: a reader stuck
  // on an older snapshot would make it report "busy" (1).
  auto other = Open();
  auto busy = other->WithReader([](storage::sql::Connection& c) {
    auto rows = c.Query("PRAGMA wal_checkpoint(TRUNCATE)");
    rows->Next();
    return rows->Int(0);
  });
  EXPECT_EQ(busy, 0);
}

}  // namespace
}  // namespace guichet
