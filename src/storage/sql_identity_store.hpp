// domain::IdentityStore over the SqlStore's database: reads through its
// reader pool, writes through its group-commit queue. Thread-safe.
#pragma once

#include "domain/identity.hpp"
#include "storage/sql_store.hpp"

namespace guichet::storage {

class SqlIdentityStore final : public domain::IdentityStore {
 public:
  explicit SqlIdentityStore(SqlStore& store) : store_(store) {}

  Result<domain::CitizenAccount> FindCitizenByEmail(const std::string& account_email) override;
  Result<domain::CitizenAccount> FindCitizenBySubject(const std::string& oidc_subject) override;
  Result<domain::CitizenAccount> GetCitizen(std::int64_t id) override;
  Result<domain::AgentAccount> FindAgentByEmail(const std::string& email) override;
  Result<domain::AgentAccount> GetAgent(std::int64_t id) override;
  Result<std::vector<domain::AgentAccount>> ListAgentAccounts() override;
  Result<domain::Session> FindSession(const std::string& hash) override;
  void Write(Op op, std::function<void(Status)> done) override;

 private:
  SqlStore& store_;
};

}  // namespace guichet::storage
