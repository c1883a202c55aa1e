// A minimal SQL connection interface over SQLite and libpq, so that one store
// implementation (sql_store) serves both databases.
//
// SQL is written with `?` placeholders; the PostgreSQL adapter rewrites them
// to $1…$n. Values travel as text/integer/real/null. A Connection is used by
// one thread at a time. Infrastructure failures throw DbError; a uniqueness
// violation throws ConstraintError so stores can turn it into a value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace guichet::storage::sql {

using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

inline Value Null() { return std::monostate{}; }
template <typename T>
Value Opt(const std::optional<T>& v) {
  if (!v) return std::monostate{};
  return Value(*v);
}

enum class Dialect { kSqlite, kPostgres };

class DbError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class ConstraintError : public DbError {
 public:
  using DbError::DbError;
};

// A forward-only cursor. Column getters are valid after Next() returned true.
class Rows {
 public:
  virtual ~Rows() = default;
  virtual bool Next() = 0;
  virtual bool IsNull(int col) const = 0;
  virtual std::int64_t Int(int col) const = 0;
  virtual double Real(int col) const = 0;
  virtual std::string Text(int col) const = 0;

  std::optional<std::int64_t> OptInt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Int(col);
  }
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  virtual std::unique_ptr<Rows> Query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Returns the number of rows changed.
  virtual std::int64_t Execute(std::string_view sql, std::span<const Value> params = {}) = 0;
  // An INSERT written with a trailing "RETURNING id" (and at most ON
  // CONFLICT … DO NOTHING, never DO UPDATE): the new row's id, or nullopt
  // when the conflict clause inserted nothing. SQLite runs it without the
  // RETURNING clause and reads the last rowid: RETURNING made it build an
  // ephemeral table and keep a statement journal for one integer, which in a
  // group commit copies every page an earlier write of the batch changed.
  virtual std::optional<std::int64_t> InsertId(std::string_view sql, std::span<const Value> params);
  // Several statements without parameters (migrations, BEGIN/COMMIT).
  virtual void ExecScript(std::string_view sql) = 0;
  // Opens a write transaction: SQLite takes the write lock at once.
  virtual void Begin() = 0;
  virtual bool Healthy() = 0;

  // Read snapshots (readers only). Before each read, `generation` is the
  // number of commits this process has made; a connection may keep the
  // snapshot of its previous read while that number has not moved, sparing
  // the locking system calls of a new read transaction. EndRead() drops the
  // snapshot (idle readers, after a failure). No-ops by default.
  virtual void BeginRead(std::uint64_t generation) {}
  virtual void EndRead() {}

  // The writer's log (SQLite's WAL) has grown enough to be started over;
  // the write queue then has readers let go of their snapshots and calls
  // RestartLog() (sqlite_connection.cpp). Never, by default.
  virtual bool LogWantsRestart() const { return false; }
  virtual void RestartLog() {}
};

// Convenience: the first column of the first row, or nullopt.
std::optional<std::int64_t> QueryInt(Connection& c, std::string_view sql,
                                     std::span<const Value> params = {});

}  // namespace guichet::storage::sql
