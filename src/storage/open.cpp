#include "storage/open.hpp"

#include <filesystem>

#include "storage/migrate.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace guichet::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& SqliteMigrations();
const std::vector<std::pair<std::string_view, std::string_view>>& PostgresMigrations();
}  // namespace guichet::embedded

namespace guichet::storage {

Result<DatabaseUrl> ParseDatabaseUrl(const std::string& url) {
  auto starts = [&](std::string_view p) { return url.rfind(p, 0) == 0; };
  if (starts("sqlite://")) {
    std::string path = url.substr(9);
    if (!path.empty()) return DatabaseUrl{sql::Dialect::kSqlite, path};
  } else if (starts("sqlite:")) {
    std::string path = url.substr(7);
    if (!path.empty()) return DatabaseUrl{sql::Dialect::kSqlite, path};
  } else if (starts("postgresql://") || starts("postgres://")) {
    return DatabaseUrl{sql::Dialect::kPostgres, url};
  }
  return Error::Invalid(
      "L’adresse de la base de données doit commencer par « sqlite: » ou « postgresql:// ».",
      {{"database", "valeur reçue : « " + url + " »"}});
}

std::unique_ptr<sql::Connection> Connect(const DatabaseUrl& url) {
  if (url.dialect == sql::Dialect::kPostgres) {
    return std::make_unique<postgres::PgConnection>(url.target);
  }
  return std::make_unique<sqlite::SqliteConnection>(url.target);
}

std::vector<std::string> MigrateDatabase(const DatabaseUrl& url) {
  if (url.dialect == sql::Dialect::kSqlite) {
    const auto dir = std::filesystem::path(url.target).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
  }
  auto conn = Connect(url);
  const auto& files = url.dialect == sql::Dialect::kPostgres ? embedded::PostgresMigrations()
                                                             : embedded::SqliteMigrations();
  return Migrate(*conn, MigrationList(files.begin(), files.end()));
}

std::unique_ptr<SqlStore> OpenStore(const DatabaseUrl& url, size_t read_pool_size,
                                    std::chrono::milliseconds write_lock_wait) {
  auto readers = [url] { return Connect(url); };
  // In a group commit, each statement first copies the pages an earlier one
  // had changed (SQLite's statement journal, to undo itself alone). Past
  // 64 KiB that journal went to a temporary file in /var/tmp: at 1M requests
  // a create made five times more pwrite calls to it than to the WAL, a third
  // of the server's CPU. The writer keeps it in memory; it is emptied at the
  // end of each statement, batches run without savepoints (write_queue.cpp),
  // so it stays as small as the largest statement. Migrations and readers
  // keep the default: a migration's statement may rewrite a whole table.
  auto writer = [url, write_lock_wait] {
    auto c = Connect(url);
    if (url.dialect == sql::Dialect::kSqlite) {
      c->ExecScript("PRAGMA temp_store=MEMORY");
      if (write_lock_wait.count() > 0) {
        c->ExecScript("PRAGMA busy_timeout=" + std::to_string(write_lock_wait.count()));
      }
    }
    return c;
  };
  return std::make_unique<SqlStore>(url.dialect, readers, read_pool_size, writer);
}

}  // namespace guichet::storage
