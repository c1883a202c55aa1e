// The SQL of the web features (issue #7): satisfaction ratings and the
// samples of the public quality page. Same statements on SQLite and
// PostgreSQL; called by SqlStore with one of its connections.
#pragma once

#include <vector>

#include "domain/store.hpp"
#include "storage/sql/connection.hpp"

namespace guichet::storage::web {

// kConflict when the request is already rated.
Status InsertRating(sql::Connection& c, const domain::Rating& r);
Result<domain::Rating> GetRating(sql::Connection& c, std::int64_t request_id);
std::vector<domain::QualitySample> ListQualitySamples(sql::Connection& c, Timestamp since);

}  // namespace guichet::storage::web
