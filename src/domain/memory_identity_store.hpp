// In-memory IdentityStore and AccountMailer for unit tests. Thread-safe
// (one mutex). Write() runs the op at once on a copy of the state and keeps
// it only when the op succeeds, like a rolled-back transaction.
#pragma once

#include <map>
#include <mutex>
#include <vector>

#include "domain/identity.hpp"

namespace guichet::domain {

class MemoryIdentityStore final : public IdentityStore {
 public:
  Result<CitizenAccount> FindCitizenByEmail(const std::string& account_email) override;
  Result<CitizenAccount> FindCitizenBySubject(const std::string& oidc_subject) override;
  Result<CitizenAccount> GetCitizen(std::int64_t id) override;
  Result<AgentAccount> FindAgentByEmail(const std::string& email) override;
  Result<AgentAccount> GetAgent(std::int64_t id) override;
  Result<std::vector<AgentAccount>> ListAgentAccounts() override;
  Result<Session> FindSession(const std::string& hash) override;
  void Write(Op op, std::function<void(Status)> done) override;

  struct State {
    std::map<std::int64_t, CitizenAccount> citizens;
    std::map<std::int64_t, AgentAccount> agents;
    std::map<std::string, Session> sessions;
    std::map<std::string, std::pair<AccountToken, bool>> tokens;  // used?
    std::int64_t next_id = 1;
  };
  std::size_t SessionCount() const;

 private:
  mutable std::mutex mu_;
  State state_;  // GUARDED_BY(mu_)
};

// Keeps every message sent.
class MemoryMailer final : public AccountMailer {
 public:
  struct Message {
    std::string to, subject, text;
  };
  Status Send(const std::string& to, const std::string& subject, const std::string& text) override;
  std::vector<Message> Sent() const;

 private:
  mutable std::mutex mu_;
  std::vector<Message> sent_;  // GUARDED_BY(mu_)
};

}  // namespace guichet::domain
