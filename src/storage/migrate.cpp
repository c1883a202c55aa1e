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

std::vector<std::string> Migrate(sql::Connection& conn, const MigrationList& migrations) {
  SchemaVersion(conn);  // creates the table
  auto sorted = migrations;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> applied;
  for (const auto& [name, text] : sorted) {
    const int version = VersionOf(name);
    conn.Begin();
    try {
      // Several servers may start at once on PostgreSQL: one migrates, the others wait.
      if (conn.dialect() == sql::Dialect::kPostgres) {
        conn.ExecScript("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
      }
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
