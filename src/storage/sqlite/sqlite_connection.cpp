#include "storage/sqlite/sqlite_connection.hpp"

#include <mutex>

#include "storage/sqlite/french_tokenizer.hpp"
#include "storage/sqlite/wal_write_vfs.hpp"

namespace guichet::storage::sqlite {

// A cursor over a (possibly cached) statement; resets it when done.
class SqliteRows final : public sql::Rows {
 public:
  // `cached_busy`: the busy flag of `stmt`'s cache entry, cleared on release; null
  // for a one-off statement, finalized instead.
  SqliteRows(SqliteConnection& conn, sqlite3_stmt* stmt, bool* cached_busy)
      : conn_(conn), stmt_(stmt), cached_busy_(cached_busy) {}
  ~SqliteRows() override { Release(); }

  bool Next() override {
    if (done_) return false;
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    done_ = true;
    if (rc != SQLITE_DONE) conn_.Fail(rc, "step");
    return false;
  }
  bool IsNull(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::int64_t Int(int col) const override { return sqlite3_column_int64(stmt_, col); }
  double Real(int col) const override { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }

 private:
  void Release() {
    if (!stmt_) return;
    if (cached_busy_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
      *cached_busy_ = false;
    } else {
      sqlite3_finalize(stmt_);
    }
    stmt_ = nullptr;
  }

  SqliteConnection& conn_;
  sqlite3_stmt* stmt_;
  bool* cached_busy_;
  bool done_ = false;
};

namespace {

// Process-wide settings, applied once before the library is first used.
void ConfigureSqlite() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Memory statistics take a global mutex on every allocation: with one
    // connection per thread, that mutex was the readers' main contention.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
  });
}

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, bool read_only) {
  ConfigureSqlite();
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  // The WAL's writes gathered into one per commit (wal_write_vfs.hpp); it
  // relies on synchronous=FULL, set below.
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, WalWriteVfs());
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw sql::DbError("cannot open SQLite database " + path + ": " + msg);
  }
  // Readers wait for a checkpoint or a schema change instead of failing.
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  // The search table's tokenizer (006_backoffice.sql) must exist before any
  // statement touches it, writers and readers alike.
  if (RegisterFrenchTokenizer(db_) != SQLITE_OK || RegisterSearchRank(db_) != SQLITE_OK) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw sql::DbError("cannot register the French full-text tokenizer and ranking");
  }
  sqlite3_extended_result_codes(db_, 1);
  // Checkpoints mostly run on a thread of their own (SqlStore). The WAL
  // starts over only when a commit finds it wholly copied back and no reader
  // on it: under a steady load of writes and reads that moment never came
  // (measured: 430 MB of WAL after 40 s of creates, and SQLite's
  // autocheckpoint then ran after every commit, a tenth of the writer's
  // CPU). The write queue makes that moment (RestartLog, below).
  if (!read_only) {
    ExecScript("PRAGMA journal_mode=WAL");
    sqlite3_wal_hook(db_, &SqliteConnection::OnWalCommit, this);
  }
  // No mmap: mapped pages of an 800 MB file count in the server's RSS once per
  // connection, and tried on the readers it made a GET by id four times
  // slower, the kernel busy making and unmaking mappings (docs/performance.md).
  //
  // The store's writer keeps its statement journal in memory
  // (storage/open.cpp); when every op ran inside a savepoint that journal
  // lived as long as the transaction and large group commits became
  // quadratic, so it is not the default here.
  ExecScript("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA cache_size=-16000;");
}

SqliteConnection::~SqliteConnection() {
  for (auto& [_, c] : cache_) sqlite3_finalize(c.stmt);
  sqlite3_close(db_);
}

void SqliteConnection::Fail(int rc, std::string_view what) {
  const std::string msg = std::string(what) + ": " + sqlite3_errmsg(db_);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) throw sql::ConstraintError(msg);
  throw sql::DbError(msg);
}

sqlite3_stmt* SqliteConnection::Prepare(std::string_view sql, bool*& cached_busy) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.busy) {
    it->second.busy = true;
    cached_busy = &it->second.busy;
    return it->second.stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) Fail(rc, "prepare");
  if (it == cache_.end()) {
    // unordered_map never moves its elements: the flag's address stays valid.
    auto [pos, _] = cache_.emplace(std::string(sql), CachedStatement{stmt, true});
    cached_busy = &pos->second.busy;
  } else {
    cached_busy = nullptr;  // the cached one is in use by an outer cursor
  }
  return stmt;
}

void SqliteConnection::Bind(sqlite3_stmt* stmt, std::span<const sql::Value> params) {
  for (size_t i = 0; i < params.size(); ++i) {
    const int idx = static_cast<int>(i + 1);
    int rc = SQLITE_OK;
    const auto& v = params[i];
    if (std::holds_alternative<std::monostate>(v)) {
      rc = sqlite3_bind_null(stmt, idx);
    } else if (auto* n = std::get_if<std::int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, idx, *n);
    } else if (auto* d = std::get_if<double>(&v)) {
      rc = sqlite3_bind_double(stmt, idx, *d);
    } else {
      const auto& s = std::get<std::string>(v);
      rc = sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) Fail(rc, "bind");
  }
}

std::unique_ptr<sql::Rows> SqliteConnection::Query(std::string_view sql,
                                                   std::span<const sql::Value> params) {
  bool* cached_busy = nullptr;
  sqlite3_stmt* stmt = Prepare(sql, cached_busy);
  auto rows = std::make_unique<SqliteRows>(*this, stmt, cached_busy);
  Bind(stmt, params);
  return rows;
}

std::int64_t SqliteConnection::Execute(std::string_view sql, std::span<const sql::Value> params) {
  auto rows = Query(sql, params);
  while (rows->Next()) {
  }
  return sqlite3_changes64(db_);
}

std::optional<std::int64_t> SqliteConnection::InsertId(std::string_view sql,
                                                       std::span<const sql::Value> params) {
  constexpr std::string_view kReturning = " RETURNING id";
  if (!sql.ends_with(kReturning) || sql.find("DO UPDATE") != std::string_view::npos) {
    throw sql::DbError("InsertId: an INSERT … RETURNING id without DO UPDATE");
  }
  sql.remove_suffix(kReturning.size());
  if (Execute(sql, params) == 0) return std::nullopt;
  return sqlite3_last_insert_rowid(db_);
}

void SqliteConnection::ExecScript(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) throw sql::ConstraintError(msg);
    throw sql::DbError(msg);
  }
}

int SqliteConnection::OnWalCommit(void* self, sqlite3* db, const char* schema, int frames) {
  static_cast<SqliteConnection*>(self)->wal_frames_ = frames;
  if (frames >= kWalAutoCheckpointFrames) sqlite3_wal_checkpoint(db, schema);
  return SQLITE_OK;
}

void SqliteConnection::RestartLog() {
  // RESTART copies what the checkpointer has not, then waits until every
  // reader reads from the database file only. A reader keeps its snapshot
  // while it runs (an export may take seconds): after a short wait the
  // writer gives up and tries again once the WAL has grown as much again.
  // Refused at once, the checkpointer thread was copying: tried again at
  // the next commit.
  const auto began = std::chrono::steady_clock::now();
  sqlite3_busy_timeout(db_, kWalRestartWaitMs);
  const int rc =
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (rc == SQLITE_OK) {
    wal_frames_ = 0;
    wal_next_restart_ = kWalRestartFrames;
  } else if (std::chrono::steady_clock::now() - began >=
             std::chrono::milliseconds(kWalRestartWaitMs)) {
    wal_next_restart_ = wal_frames_ + kWalRestartFrames;
  }
}

void SqliteConnection::BeginRead(std::uint64_t generation) {
  const auto now = std::chrono::steady_clock::now();
  if (reading_ && generation == read_generation_ && now - read_began_ < kMaxSnapshotAge) return;
  EndRead();
  Execute("BEGIN", {});
  reading_ = true;
  read_generation_ = generation;
  read_began_ = now;
}

void SqliteConnection::EndRead() {
  if (!reading_) return;
  reading_ = false;
  // COMMIT ends a read transaction; if SQLite already ended it (an error
  // rolls it back), there is nothing left to end. A cached statement: every
  // API call ends one snapshot (SqlStore::FindApiKey), and sqlite3_exec
  // compiled the COMMIT each time.
  if (!sqlite3_get_autocommit(db_)) Execute("COMMIT", {});
}

bool SqliteConnection::Healthy() {
  try {
    return sql::QueryInt(*this, "SELECT 1").value_or(0) == 1;
  } catch (const sql::DbError&) {
    return false;
  }
}

}  // namespace guichet::storage::sqlite
