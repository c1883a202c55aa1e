#include "storage/sql_scope.hpp"

namespace guichet::storage {

void AppendScope(std::string& sql, std::vector<sql::Value>& params,
                 const std::optional<domain::AccessScope>& scope, const char* prefix) {
  if (!scope || scope->all) return;
  if (scope->Nothing()) {
    sql += " AND 1 = 0";
    return;
  }
  const std::string p = prefix;
  sql += " AND (1 = 0";
  if (!scope->team_ids.empty()) {
    sql += " OR " + p + "team_id IN (";
    AppendPlaceholders(sql, params, scope->team_ids);
    sql += ")";
  }
  if (scope->citizen_id) {
    sql += " OR " + p + "citizen_id = ?";
    params.emplace_back(*scope->citizen_id);
  }
  sql += ")";
}

}  // namespace guichet::storage
