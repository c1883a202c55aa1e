#include "storage/sql/connection.hpp"

namespace guichet::storage::sql {

std::optional<std::int64_t> QueryInt(Connection& c, std::string_view sql,
                                     std::span<const Value> params) {
  auto rows = c.Query(sql, params);
  if (!rows->Next() || rows->IsNull(0)) return std::nullopt;
  return rows->Int(0);
}

std::optional<std::int64_t> Connection::InsertId(std::string_view sql,
                                                 std::span<const Value> params) {
  return QueryInt(*this, sql, params);
}

}  // namespace guichet::storage::sql
