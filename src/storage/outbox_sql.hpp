// The outbox's SQL, for SqlStore (sql_store.cpp delegates to these). Every
// statement is a named constant with parameters; internal to storage.
#pragma once

#include <optional>
#include <vector>

#include "domain/outbox.hpp"
#include "domain/store.hpp"
#include "storage/sql/connection.hpp"

namespace guichet::storage::outbox_sql {

// Inserts the row (ON CONFLICT on event_id: one row per event even when the
// op is replayed); returns its id, or the id of the row already there.
std::int64_t Insert(sql::Connection& c, const domain::OutboxMessage& m);
Result<domain::OutboxMessage> Get(sql::Connection& c, std::int64_t id);
bool Claim(sql::Connection& c, std::int64_t id, Timestamp now, Timestamp lease_until);
Status Update(sql::Connection& c, const domain::OutboxMessage& m, domain::OutboxState expected,
              int expected_attempts);
void AddOptOut(sql::Connection& c, const std::string& phone, Timestamp now);
std::optional<domain::Citizen> FindCitizen(sql::Connection& c, std::int64_t id);

std::vector<domain::OutboxMessage> ListDue(sql::Connection& c, Timestamp now, int limit);
// Of requests `scope` allows when set (Store::ListOutbox).
std::vector<domain::OutboxMessage> List(sql::Connection& c,
                                        std::optional<domain::OutboxState> state,
                                        std::optional<std::int64_t> request_id,
                                        std::optional<std::int64_t> before_id, int limit,
                                        const std::optional<domain::AccessScope>& scope);
bool IsOptedOut(sql::Connection& c, const std::string& phone);
Status SaveTemplate(sql::Connection& c, const domain::TemplateOverride& t);
Status DeleteTemplate(sql::Connection& c, const std::string& id);
std::vector<domain::TemplateOverride> ListTemplates(sql::Connection& c);
bool MarkPrinted(sql::Connection& c, std::int64_t id, Timestamp now);
bool SetReceipt(sql::Connection& c, std::int64_t id, const std::string& receipt);
std::optional<std::int64_t> FindByProvider(sql::Connection& c, domain::Channel channel,
                                           const std::string& provider_id);
std::vector<domain::OutboxMessage> ListLetters(sql::Connection& c, bool printed,
                                               std::optional<std::int64_t> before_id, int limit,
                                               const std::optional<domain::AccessScope>& scope);
// The id of the newest open request with this contact phone.
std::optional<std::int64_t> OpenRequestByPhone(sql::Connection& c, const std::string& phone);

}  // namespace guichet::storage::outbox_sql
