// Identity: citizen accounts, agents with roles per team, sessions, and the
// ports they need (IdentityStore, AccountMailer). Value types and ports only;
// the use cases are in identity_service.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "domain/model.hpp"

namespace guichet::domain {

// An agent's role in one team. Supervisors and administrators must use a
// second factor (TOTP).
enum class TeamRole { kAgent, kSupervisor, kAdministrator };
std::string_view ToString(TeamRole r);
// The workflow roles (workflow.hpp) a team role grants: each role includes those below it.
std::vector<std::string> WorkflowRolesOf(TeamRole r);
std::optional<TeamRole> ParseTeamRole(std::string_view s);

struct Membership {
  std::string team_id;
  TeamRole role = TeamRole::kAgent;
};

struct AgentAccount {
  Agent agent;                // id, name, email, team_id (the first team)
  std::string password_hash;  // Argon2id string (crypto_pwhash_str); empty: cannot log in
  bool platform_admin = false;
  bool active = true;
  std::string totp_secret;   // base32; empty when not enrolled
  std::string totp_pending;  // base32 being enrolled, until confirmed
  std::int64_t totp_last_step = 0;
  std::vector<Membership> teams;

  // Supervisors, administrators and platform administrators.
  bool RequiresTotp() const;
  // The Actor of this agent: team_ids, workflow roles, platform_admin.
  Actor ToActor() const;
};

struct CitizenAccount {
  Citizen citizen;
  std::string account_email;  // lower-case; the login
  std::string password_hash;  // empty: magic link or OpenID Connect only
  std::optional<Timestamp> email_verified_at;
  std::string oidc_subject;  // empty when never logged in through the provider
};

enum class SessionKind { kCitizen, kAgent };

// A session as stored: `hash` is the SHA-256 (hex) of the cookie's token.
struct Session {
  std::string hash;
  SessionKind kind = SessionKind::kCitizen;
  std::int64_t subject_id = 0;
  std::string csrf;  // the synchronizer token writes must echo in X-CSRF-Token
  Timestamp created_at = 0;
  Timestamp last_seen_at = 0;
  Timestamp expires_at = 0;  // absolute expiry
};

// A link sent by email; `hash` is the SHA-256 of the token in the link.
struct AccountToken {
  enum class Purpose { kVerify, kMagic, kReset };
  std::string hash;
  Purpose purpose = Purpose::kVerify;
  std::int64_t citizen_id = 0;
  Timestamp created_at = 0;
  Timestamp expires_at = 0;
};
std::string_view ToString(AccountToken::Purpose p);

// Writes inside one transaction of the store's writer. Not thread-safe.
class IdentityTx {
 public:
  virtual ~IdentityTx() = default;
  // kConflict when the account email (or OIDC subject) is taken.
  virtual Result<std::int64_t> InsertCitizenAccount(const CitizenAccount& c) = 0;
  // Writes name, contact, preferences, password, verification, OIDC fields.
  virtual Status UpdateCitizenAccount(const CitizenAccount& c) = 0;
  // kConflict when the email is taken.
  virtual Result<std::int64_t> InsertAgentAccount(const AgentAccount& a) = 0;
  // Writes every field and replaces the memberships.
  virtual Status UpdateAgentAccount(const AgentAccount& a) = 0;
  // Accepts a TOTP time step once: false when this step or a later one was used.
  virtual bool ClaimTotpStep(std::int64_t agent_id, std::int64_t step) = 0;

  virtual Status InsertSession(const Session& s) = 0;
  virtual Status DeleteSession(const std::string& hash) = 0;
  virtual Status DeleteSessionsOf(SessionKind kind, std::int64_t subject_id) = 0;
  virtual Status TouchSession(const std::string& hash, Timestamp now) = 0;

  virtual Status InsertToken(const AccountToken& t) = 0;
  // Marks an unused, unexpired token of this purpose used and returns it;
  // kNotFound otherwise (unknown, used, expired: the caller cannot tell).
  virtual Result<AccountToken> ClaimToken(const std::string& hash, AccountToken::Purpose purpose,
                                          Timestamp now) = 0;
};

// Thread-safe. Reads see committed data; Write() has the semantics of
// Store::Write (group commit, an op may run twice, `done` once durable).
class IdentityStore {
 public:
  using Op = std::function<Status(IdentityTx&)>;
  virtual ~IdentityStore() = default;

  virtual Result<CitizenAccount> FindCitizenByEmail(const std::string& account_email) = 0;
  virtual Result<CitizenAccount> FindCitizenBySubject(const std::string& oidc_subject) = 0;
  virtual Result<CitizenAccount> GetCitizen(std::int64_t id) = 0;
  virtual Result<AgentAccount> FindAgentByEmail(const std::string& email) = 0;
  virtual Result<AgentAccount> GetAgent(std::int64_t id) = 0;
  virtual Result<std::vector<AgentAccount>> ListAgentAccounts() = 0;
  virtual Result<Session> FindSession(const std::string& hash) = 0;

  virtual void Write(Op op, std::function<void(Status)> done) = 0;
  // Blocks until durable: for the identity worker pool and tools, never an I/O thread.
  Status WriteSync(Op op);
};

// Sends the messages of the account lifecycle (verification, magic link,
// password reset). Thread-safe. Plain UTF-8 text.
class AccountMailer {
 public:
  virtual ~AccountMailer() = default;
  virtual Status Send(const std::string& to, const std::string& subject,
                      const std::string& text) = 0;
};

}  // namespace guichet::domain
