#include "domain/memory_identity_store.hpp"

namespace guichet::domain {
namespace {

class MemoryIdentityTx final : public IdentityTx {
 public:
  explicit MemoryIdentityTx(MemoryIdentityStore::State& s) : s_(s) {}

  Result<std::int64_t> InsertCitizenAccount(const CitizenAccount& c) override {
    for (const auto& [id, other] : s_.citizens) {
      if ((!c.account_email.empty() && other.account_email == c.account_email) ||
          (!c.oidc_subject.empty() && other.oidc_subject == c.oidc_subject)) {
        return Error::Conflict("Ce compte existe déjà.");
      }
    }
    CitizenAccount copy = c;
    copy.citizen.id = s_.next_id++;
    s_.citizens[copy.citizen.id] = copy;
    return copy.citizen.id;
  }
  Status UpdateCitizenAccount(const CitizenAccount& c) override {
    auto it = s_.citizens.find(c.citizen.id);
    if (it == s_.citizens.end()) return Error::NotFound("Ce compte n’existe pas.");
    it->second = c;
    return Status::Ok();
  }
  Result<std::int64_t> InsertAgentAccount(const AgentAccount& a) override {
    for (const auto& [id, other] : s_.agents) {
      if (other.agent.email == a.agent.email) return Error::Conflict("Adresse déjà prise.");
    }
    AgentAccount copy = a;
    copy.agent.id = s_.next_id++;
    s_.agents[copy.agent.id] = copy;
    return copy.agent.id;
  }
  Status UpdateAgentAccount(const AgentAccount& a) override {
    auto it = s_.agents.find(a.agent.id);
    if (it == s_.agents.end()) return Error::NotFound("Cet agent n’existe pas.");
    it->second = a;
    return Status::Ok();
  }
  bool ClaimTotpStep(std::int64_t agent_id, std::int64_t step) override {
    auto it = s_.agents.find(agent_id);
    if (it == s_.agents.end() || it->second.totp_last_step >= step) return false;
    it->second.totp_last_step = step;
    return true;
  }
  Status InsertSession(const Session& s) override {
    s_.sessions[s.hash] = s;
    return Status::Ok();
  }
  Status DeleteSession(const std::string& hash) override {
    s_.sessions.erase(hash);
    return Status::Ok();
  }
  Status DeleteSessionsOf(SessionKind kind, std::int64_t subject_id) override {
    std::erase_if(s_.sessions, [&](const auto& kv) {
      return kv.second.kind == kind && kv.second.subject_id == subject_id;
    });
    return Status::Ok();
  }
  Status TouchSession(const std::string& hash, Timestamp now) override {
    if (auto it = s_.sessions.find(hash); it != s_.sessions.end()) {
      it->second.last_seen_at = std::max(it->second.last_seen_at, now);
    }
    return Status::Ok();
  }
  Status InsertToken(const AccountToken& t) override {
    s_.tokens[t.hash] = {t, false};
    return Status::Ok();
  }
  Result<AccountToken> ClaimToken(const std::string& hash, AccountToken::Purpose purpose,
                                  Timestamp now) override {
    auto it = s_.tokens.find(hash);
    if (it == s_.tokens.end() || it->second.second || it->second.first.purpose != purpose ||
        it->second.first.expires_at <= now) {
      return Error::NotFound("Ce lien n’est pas valide ou a expiré.");
    }
    it->second.second = true;
    return it->second.first;
  }

 private:
  MemoryIdentityStore::State& s_;
};

template <typename T, typename Map, typename Pred>
Result<T> FindIn(std::mutex& mu, const Map& m, Pred pred, const char* what) {
  std::lock_guard lock(mu);
  for (const auto& [k, v] : m) {
    if (pred(v)) return v;
  }
  return Error::NotFound(what);
}

}  // namespace

Result<CitizenAccount> MemoryIdentityStore::FindCitizenByEmail(const std::string& email) {
  return FindIn<CitizenAccount>(
      mu_, state_.citizens, [&](const auto& c) { return c.account_email == email; },
      "Ce compte n’existe pas.");
}
Result<CitizenAccount> MemoryIdentityStore::FindCitizenBySubject(const std::string& sub) {
  return FindIn<CitizenAccount>(
      mu_, state_.citizens, [&](const auto& c) { return !sub.empty() && c.oidc_subject == sub; },
      "Ce compte n’existe pas.");
}
Result<CitizenAccount> MemoryIdentityStore::GetCitizen(std::int64_t id) {
  return FindIn<CitizenAccount>(
      mu_, state_.citizens, [&](const auto& c) { return c.citizen.id == id; },
      "Ce compte n’existe pas.");
}
Result<AgentAccount> MemoryIdentityStore::FindAgentByEmail(const std::string& email) {
  return FindIn<AgentAccount>(
      mu_, state_.agents, [&](const auto& a) { return a.agent.email == email; },
      "Cet agent n’existe pas.");
}
Result<AgentAccount> MemoryIdentityStore::GetAgent(std::int64_t id) {
  return FindIn<AgentAccount>(
      mu_, state_.agents, [&](const auto& a) { return a.agent.id == id; },
      "Cet agent n’existe pas.");
}
Result<std::vector<AgentAccount>> MemoryIdentityStore::ListAgentAccounts() {
  std::lock_guard lock(mu_);
  std::vector<AgentAccount> out;
  for (const auto& [id, a] : state_.agents) out.push_back(a);
  return out;
}
Result<Session> MemoryIdentityStore::FindSession(const std::string& hash) {
  std::lock_guard lock(mu_);
  auto it = state_.sessions.find(hash);
  if (it == state_.sessions.end()) return Error::NotFound("Session inconnue.");
  return it->second;
}
std::size_t MemoryIdentityStore::SessionCount() const {
  std::lock_guard lock(mu_);
  return state_.sessions.size();
}

void MemoryIdentityStore::Write(Op op, std::function<void(Status)> done) {
  Status result = Status::Ok();
  {
    std::lock_guard lock(mu_);
    State copy = state_;
    MemoryIdentityTx tx(copy);
    result = op(tx);
    if (result.ok()) state_ = std::move(copy);
  }
  done(std::move(result));
}

Status MemoryMailer::Send(const std::string& to, const std::string& subject,
                          const std::string& text) {
  std::lock_guard lock(mu_);
  sent_.push_back({to, subject, text});
  return Status::Ok();
}

std::vector<MemoryMailer::Message> MemoryMailer::Sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

}  // namespace guichet::domain
