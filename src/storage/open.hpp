// Opening a store from a database URL:
//   sqlite:./data/guichet.db     (also sqlite:///abs/path.db)
//   postgresql://user@host:port/db?…  (also postgres://)
#pragma once

#include <chrono>

#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "storage/sql_store.hpp"

namespace guichet::storage {

struct DatabaseUrl {
  sql::Dialect dialect = sql::Dialect::kSqlite;
  std::string target;  // the SQLite path or the libpq conninfo
};

// kInvalidArgument with a French message when the URL is neither form.
Result<DatabaseUrl> ParseDatabaseUrl(const std::string& url);

// A fresh connection (throws sql::DbError).
std::unique_ptr<sql::Connection> Connect(const DatabaseUrl& url);

// Applies pending migrations; returns their names. Throws sql::DbError.
std::vector<std::string> MigrateDatabase(const DatabaseUrl& url);

// Opens a store on a migrated database. Throws sql::DbError.
// `write_lock_wait` (SQLite): how long the writer waits for another
// process's write lock before failing (the default, 5 s, when zero).
std::unique_ptr<SqlStore> OpenStore(const DatabaseUrl& url, size_t read_pool_size = 8,
                                    std::chrono::milliseconds write_lock_wait = {});

}  // namespace guichet::storage
