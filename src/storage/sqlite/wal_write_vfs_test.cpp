// The VFS that gathers WAL writes, on a real file: what it wrote must be what
// SQLite meant, as another connection, a rebuilt WAL index and the integrity
// check read it.
#include "storage/sqlite/wal_write_vfs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace guichet::storage::sqlite {
namespace {

namespace fs = std::filesystem;

class WalWriteVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/guichet-walvfs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/t.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  sqlite3* Open() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              WalWriteVfs()),
              SQLITE_OK);
    // Keep the WAL at the last close: the test reads it back.
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0;");
    return db;
  }
  static void Exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
  }
  static std::string Text(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }

  std::string dir_, path_;
};

TEST_F(WalWriteVfsTest, LargeTransactionsAndSpilledPagesReadBackWhole) {
  sqlite3* writer = Open();
  sqlite3* reader = Open();
  Exec(writer, "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, body BLOB)");
  // 4 MB in one commit: past the 1 MiB gathered and the unix VFS's 128 KiB
  // per write (a longer one was reported as "database or disk is full").
  Exec(writer,
       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
       "INSERT INTO t (k, body) SELECT hex(randomblob(8)), randomblob(4000) FROM n");
  // The other connection sees the commit at once: the bytes were on the file
  // before SQLite published the frames.
  EXPECT_EQ(Text(reader, "SELECT count(*) || '/' || sum(length(body)) FROM t"), "1000/4000000");
  // A transaction larger than the page cache: SQLite spills pages to the WAL
  // before the commit, then writes some of them again in place (a write
  // elsewhere in the file) and rewrites the checksums (reads of what was
  // gathered).
  Exec(writer, "PRAGMA cache_size=20");
  Exec(writer,
       "BEGIN; UPDATE t SET body = randomblob(3000), k = hex(randomblob(8)); "
       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
       "INSERT INTO t (k, body) SELECT hex(randomblob(8)), randomblob(2000) FROM n; "
       "UPDATE t SET k = hex(randomblob(8)) WHERE id % 3 = 0; COMMIT");
  EXPECT_EQ(Text(reader, "SELECT count(*) || '/' || sum(length(body)) FROM t"), "1500/4000000");
  EXPECT_EQ(Text(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
  sqlite3_close(writer);
  // Nothing was checkpointed: everything is in the WAL. Without its index
  // (-shm), SQLite rebuilds it from the WAL file, checking every frame's
  // checksum, and keeps only what ends in a valid commit frame.
  ASSERT_GT(fs::file_size(path_ + "-wal"), 4'000'000u);
  fs::remove(path_ + "-shm");
  sqlite3* again = Open();
  EXPECT_EQ(Text(again, "SELECT count(*) || '/' || sum(length(body)) FROM t"), "1500/4000000");
  EXPECT_EQ(Text(again, "PRAGMA integrity_check"), "ok");
  sqlite3_close(again);
}

TEST_F(WalWriteVfsTest, ARolledBackSpillNeverOverwritesTheNextWritersFrames) {
  sqlite3* a = Open();
  sqlite3* b = Open();
  Exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)");
  // `a` spills frames past the WAL's end, then rolls back: its bytes may
  // still be gathered when it lets go of the write lock (here SQLite happens
  // to read some back while rolling back, which writes them; the VFS does
  // not count on it and writes them before the lock goes)…
  Exec(a, "PRAGMA cache_size=5");
  Exec(a,
       "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
       "INSERT INTO t (body) SELECT randomblob(3000) FROM n; ROLLBACK");
  // …`b` then writes its own frames at those offsets and commits…
  Exec(b,
       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
       "INSERT INTO t (body) SELECT zeroblob(2000) FROM n");
  // …and whatever `a` does next must not write the rolled-back bytes over them.
  EXPECT_EQ(Text(a, "SELECT count(*) || '/' || sum(length(body)) FROM t"), "100/200000");
  Exec(a, "INSERT INTO t (body) VALUES (zeroblob(10))");
  sqlite3_close(a);
  sqlite3_close(b);
  fs::remove(path_ + "-shm");
  sqlite3* again = Open();
  EXPECT_EQ(Text(again, "SELECT count(*) || '/' || sum(length(body)) FROM t"), "101/200010");
  EXPECT_EQ(Text(again, "PRAGMA integrity_check"), "ok");
  sqlite3_close(again);
}

}  // namespace
}  // namespace guichet::storage::sqlite
