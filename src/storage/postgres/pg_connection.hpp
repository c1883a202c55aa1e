// PostgreSQL adapter of sql::Connection over libpq.
//
// `?` placeholders are rewritten to $1…$n (outside quoted literals) and each
// distinct statement is prepared once per connection. Parameters and results
// travel in text format. Unique violations (SQLSTATE 23505) throw
// sql::ConstraintError; every other failure throws sql::DbError.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "storage/sql/connection.hpp"

namespace guichet::storage::postgres {

class PgConnection final : public sql::Connection {
 public:
  // `conninfo`: a postgresql:// URI or key=value string. Throws sql::DbError.
  explicit PgConnection(const std::string& conninfo);
  ~PgConnection() override;

  sql::Dialect dialect() const override { return sql::Dialect::kPostgres; }
  std::unique_ptr<sql::Rows> Query(std::string_view sql,
                                   std::span<const sql::Value> params) override;
  std::int64_t Execute(std::string_view sql, std::span<const sql::Value> params) override;
  void ExecScript(std::string_view sql) override;
  void Begin() override { ExecScript("BEGIN"); }
  bool Healthy() override;

  // "SELECT ?, '?'" → "SELECT $1, '?'". Exposed for tests.
  static std::string RewritePlaceholders(std::string_view sql);

 private:
  PGresult* Run(std::string_view sql, std::span<const sql::Value> params);

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // sql → statement name
};

}  // namespace guichet::storage::postgres
