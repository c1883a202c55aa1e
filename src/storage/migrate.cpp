#include "storage/migrate.hpp"

#include <algorithm>
#include <string>

#include <chrono>

namespace guichet::storage {
namespace {

int VersionOf(std::string_view name) {
  int v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') break;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::int64_t NowMicros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

int SchemaVersion(sql::Connection& conn) {
  conn.ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_at BIGINT NOT NULL)");
  return static_cast<int>(
      sql::QueryInt(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").value_or(0));
}

namespace {
// Several servers may start at once on PostgreSQL: one migrates, the others
// wait on this session lock (taken before any DDL, which races in pg_type).
constexpr std::int64_t kMigrationLock = 0x6775696368657431;  // "guichet1"

class PgMigrationLock {
 public:
  explicit PgMigrationLock(sql::Connection& c) : c_(c) {
    if (c_.dialect() != sql::Dialect::kPostgres) return;
    const sql::Value k[] = {kMigrationLock};
    c_.Query("SELECT pg_advisory_lock(?)", k)->Next();
    held_ = true;
  }
  ~PgMigrationLock() {
    if (!held_) return;
    try {
      const sql::Value k[] = {kMigrationLock};
      c_.Query("SELECT pg_advisory_unlock(?)", k)->Next();
    } catch (...) {
      // The lock goes with the session anyway.
    }
  }

 private:
  sql::Connection& c_;
  bool held_ = false;
};
}  // namespace

std::vector<std::string> Migrate(sql::Connection& conn, const MigrationList& migrations) {
  PgMigrationLock lock(conn);
  SchemaVersion(conn);  // creates the table
  auto sorted = migrations;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> applied;
  for (const auto& [name, text] : sorted) {
    const int version = VersionOf(name);
    conn.Begin();
    try {
      const sql::Value v[] = {std::int64_t{version}};
      if (sql::QueryInt(conn, "SELECT 1 FROM schema_migrations WHERE version = ?", v)) {
        conn.ExecScript("COMMIT");
        continue;
      }
      conn.ExecScript(text);
      const sql::Value row[] = {std::int64_t{version}, std::string(name), NowMicros()};
      conn.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                   row);
      conn.ExecScript("COMMIT");
      applied.emplace_back(name);
    } catch (...) {
      try {
        conn.ExecScript("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }
  return applied;
}

}  // namespace guichet::storage
