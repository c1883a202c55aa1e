// Numbered SQL migrations ("001_case_model.sql"), each applied in its own
// transaction with its version recorded in schema_migrations. Applying them
// twice is a no-op. Throws sql::DbError on failure (nothing half-applied).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/sql/connection.hpp"

namespace guichet::storage {

using MigrationList = std::vector<std::pair<std::string_view, std::string_view>>;

// Returns the names of the migrations applied by this call.
std::vector<std::string> Migrate(sql::Connection& conn, const MigrationList& migrations);
int SchemaVersion(sql::Connection& conn);

}  // namespace guichet::storage
