// SQL of inbound mail (channels/mail, migration 008_mail), shared by the
// write transaction and the readers of SqlStore. Each function runs on the
// connection it is given; infrastructure failures throw sql::DbError.
#pragma once

#include <optional>
#include <string>

#include "domain/store.hpp"
#include "storage/sql/connection.hpp"

namespace guichet::storage::sql_mail {

bool MessageStored(sql::Connection& c, const std::string& sha256);
void InsertMessage(sql::Connection& c, const domain::MailMessage& m);
std::optional<domain::MailMessage> FindMessage(sql::Connection& c, const std::string& sha256);
std::int64_t CountAcks(sql::Connection& c, const std::string& sender, Timestamp since);
void MarkFailing(sql::Connection& c, const domain::FailingAddress& f);
std::optional<domain::FailingAddress> FindFailing(sql::Connection& c, const std::string& address);
std::optional<std::int64_t> FindCitizenByEmail(sql::Connection& c, const std::string& email);

}  // namespace guichet::storage::sql_mail
