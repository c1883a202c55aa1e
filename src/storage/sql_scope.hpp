// What an access scope lets through, as SQL: shared by the request, search
// and outbox queries of SqlStore.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/access.hpp"
#include "storage/sql/connection.hpp"

namespace guichet::storage {

// Appends " AND (<prefix>team_id IN (…) OR <prefix>citizen_id = ?)" and its
// parameters: nothing for no scope or `all`, " AND 1 = 0" for a scope that
// allows nothing.
void AppendScope(std::string& sql, std::vector<sql::Value>& params,
                 const std::optional<domain::AccessScope>& scope, const char* prefix = "");

}  // namespace guichet::storage
