// The SQL of the counter, phone and postal intake (domain/counter.hpp), for
// SqlStore (sql_store.cpp delegates to these). Every statement is a named
// constant with parameters; internal to storage.
#pragma once

#include <optional>
#include <vector>

#include "domain/store.hpp"
#include "storage/sql/connection.hpp"

namespace guichet::storage::sql_counter {

std::vector<domain::Citizen> FindCitizens(sql::Connection& c, const domain::CitizenLookup& q);
std::optional<domain::Citizen> FindByContact(sql::Connection& c, const std::string& email,
                                             const std::string& phone);

std::int64_t InsertScan(sql::Connection& c, const domain::PostalScan& s);
bool ClaimScan(sql::Connection& c, std::int64_t id, Timestamp now, Timestamp lease_until);
Status UpdateScan(sql::Connection& c, const domain::PostalScan& s, int expected_attempts);
std::vector<domain::PostalScan> ListDueScans(sql::Connection& c, Timestamp now, int limit);
std::vector<domain::PostalScan> ListScans(sql::Connection& c, std::int64_t request_id);

}  // namespace guichet::storage::sql_counter
