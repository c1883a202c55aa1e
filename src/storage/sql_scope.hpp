// What an access scope lets through, as SQL: shared by the request, search
// and outbox queries of SqlStore; and the IN lists they build.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/access.hpp"
#include "storage/sql/connection.hpp"

namespace guichet::storage {

// Appends "?, ?, …", one placeholder per value, and the values as parameters.
template <typename T>
void AppendPlaceholders(std::string& sql, std::vector<sql::Value>& params,
                        const std::vector<T>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    sql += i ? ", ?" : "?";
    params.emplace_back(values[i]);
  }
}

// Appends " AND (<prefix>team_id IN (…) OR <prefix>citizen_id = ?)" and its
// parameters: nothing for no scope or `all`, " AND 1 = 0" for a scope that
// allows nothing.
void AppendScope(std::string& sql, std::vector<sql::Value>& params,
                 const std::optional<domain::AccessScope>& scope, const char* prefix = "");

}  // namespace guichet::storage
