// SQLite adapter of sql::Connection.
//
// Opened in WAL mode with foreign keys on and synchronous=FULL: a commit is
// on disk when it returns (NORMAL would lose the last commits on power loss,
// which breaks "a 2xx means the data is on disk"). Group commit in the writer
// makes FULL affordable. Prepared statements are cached per connection.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "storage/sql/connection.hpp"

namespace guichet::storage::sqlite {

class SqliteConnection final : public sql::Connection {
 public:
  // Throws sql::DbError when the file cannot be opened.
  explicit SqliteConnection(const std::string& path, bool read_only = false);
  ~SqliteConnection() override;

  sql::Dialect dialect() const override { return sql::Dialect::kSqlite; }
  std::unique_ptr<sql::Rows> Query(std::string_view sql,
                                   std::span<const sql::Value> params) override;
  std::int64_t Execute(std::string_view sql, std::span<const sql::Value> params) override;
  std::optional<std::int64_t> InsertId(std::string_view sql,
                                       std::span<const sql::Value> params) override;
  void ExecScript(std::string_view sql) override;
  void Begin() override { ExecScript("BEGIN IMMEDIATE"); }
  bool Healthy() override;
  // Keeps one read transaction open across reads while no commit happened
  // in this process, for at most kMaxSnapshotAge (writers in other
  // processes, e.g. an administrator's command, are seen within that delay).
  void BeginRead(std::uint64_t generation) override;
  void EndRead() override;
  static constexpr std::chrono::milliseconds kMaxSnapshotAge{50};
  // Once the WAL holds kWalRestartFrames (48 MB) the write queue calls
  // RestartLog(): it copies the WAL back and waits (at most
  // kWalRestartWaitMs) for the readers still on it, so that the next commit
  // writes it from its start again. What the checkpointer thread had not
  // copied yet is copied on the writer's thread, and the database file
  // synced: every 16 MB, that was a seventh of the writer's time during
  // creates.
  bool LogWantsRestart() const override { return wal_frames_ >= wal_next_restart_; }
  void RestartLog() override;
  static constexpr int kWalRestartFrames = 12288;
  static constexpr int kBusyTimeoutMs = 5000;
  static constexpr int kWalRestartWaitMs = 20;
  // Past this many frames a commit checkpoints itself (PASSIVE), as SQLite's
  // own autocheckpoint does: the safety net of connections no write queue
  // restarts (migrations, tools) and of a WAL a long read holds.
  static constexpr int kWalAutoCheckpointFrames = 49152;
  sqlite3* handle() { return db_; }

 private:
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;
  };
  sqlite3_stmt* Prepare(std::string_view sql, bool*& cached_busy);
  void Bind(sqlite3_stmt* stmt, std::span<const sql::Value> params);
  [[noreturn]] void Fail(int rc, std::string_view what);

  // Looked up by the SQL text without copying it (std::string_view keys).
  struct TextHash : std::hash<std::string_view> {
    using is_transparent = void;
  };
  static int OnWalCommit(void* self, sqlite3* db, const char* schema, int frames);

  sqlite3* db_ = nullptr;
  int wal_frames_ = 0;  // in the WAL after this connection's last commit
  int wal_next_restart_ = kWalRestartFrames;
  bool reading_ = false;  // a read transaction is open
  std::uint64_t read_generation_ = 0;
  std::chrono::steady_clock::time_point read_began_;
  std::unordered_map<std::string, CachedStatement, TextHash, std::equal_to<>> cache_;
  friend class SqliteRows;
};

}  // namespace guichet::storage::sqlite
