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

std::unique_ptr<SqlStore> OpenStore(const DatabaseUrl& url, size_t read_pool_size) {
  auto factory = [url] { return Connect(url); };
  return std::make_unique<SqlStore>(url.dialect, factory, read_pool_size, factory);
}

}  // namespace guichet::storage
