// Use cases of identity: citizen sign-up, verification, password and magic
// link login, password reset, logout everywhere, preferences; agent login
// with TOTP, enrolment, and the administration of agents. Resolves a session
// token to the Actor the rest of the system checks.
//
// Thread-safe. Every method except Resolve() BLOCKS (password hashing,
// durable writes): run them on the identity worker pool. Resolve() only
// reads, and queues a touch of the session at most once a minute.
//
// Answers never tell whether an account exists: sign-up, magic link and
// reset answer the same for a known and an unknown address (the mail
// differs), and a failed login says only that the credentials are wrong.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "domain/identity.hpp"
#include "domain/store.hpp"

namespace guichet::domain {

struct IdentityOptions {
  std::string public_url = "http://127.0.0.1:8080";  // links in the mails start with it
  Timestamp session_idle = 30 * 60 * kMicrosPerSecond;
  Timestamp session_absolute = 12 * 3600 * kMicrosPerSecond;
  Timestamp verify_ttl = 48 * 3600 * kMicrosPerSecond;
  Timestamp magic_ttl = 15 * 60 * kMicrosPerSecond;
  Timestamp reset_ttl = 60 * 60 * kMicrosPerSecond;
  // Failed logins tolerated per account and per IP address within the window.
  int max_failures_per_account = 5;
  int max_failures_per_ip = 30;
  Timestamp throttle_window = 15 * 60 * kMicrosPerSecond;
};

// Counts failed logins in memory, per account and per IP. Thread-safe.
// (Per process: several servers behind a balancer each keep their count.)
class LoginThrottle {
 public:
  explicit LoginThrottle(const IdentityOptions& o) : options_(o) {}
  bool Blocked(const std::string& account, const std::string& ip, Timestamp now);
  void Failed(const std::string& account, const std::string& ip, Timestamp now);
  void Succeeded(const std::string& account);

 private:
  int Count(std::deque<Timestamp>& q, Timestamp now);
  const IdentityOptions& options_;
  std::mutex mu_;
  std::map<std::string, std::deque<Timestamp>> accounts_;  // GUARDED_BY(mu_)
  std::map<std::string, std::deque<Timestamp>> ips_;       // GUARDED_BY(mu_)
};

// A session just opened: the token goes in the cookie, the CSRF token in
// the page (the client echoes it in X-CSRF-Token on every write).
struct IssuedSession {
  std::string token;
  std::string csrf;
  Actor actor;
  Timestamp expires_at = 0;
};

// What a valid session token resolves to.
struct ResolvedSession {
  Session session;
  Actor actor;
};

struct NewAgent {
  std::string name;
  std::string email;
  std::string password;  // empty: the agent cannot log in with a password yet
  std::vector<Membership> teams;
  bool platform_admin = false;
};

struct CreatedAgent {
  AgentAccount account;
  std::string totp_uri;  // set when the roles require a second factor
};

struct AgentChange {
  std::optional<std::string> name;
  std::optional<std::vector<Membership>> teams;
  std::optional<bool> platform_admin;
  std::optional<bool> active;
  std::optional<std::string> password;
  // Forgets the agent's second factor: they enrol a new one at their next login.
  bool reset_totp = false;
};

struct Preferences {
  std::optional<Channel> preferred_channel;
  std::optional<std::string> name;
  std::optional<std::string> phone;
  std::optional<std::string> postal_address;
};

// What an identity provider asserted about a citizen (OpenID Connect).
struct ProviderIdentity {
  std::string subject;
  std::string email;
  bool email_verified = false;
  std::string given_name;
  std::string family_name;
  std::string birthdate;
};

class TemplateService;  // domain/templates.hpp

class IdentityService {
 public:
  IdentityService(IdentityStore& identities, Store& store, AccountMailer& mailer,
                  const Clock& clock, IdentityOptions options);

  // kInvalidArgument (field errors) for a malformed email or a weak password;
  // otherwise Ok whether or not the address already had an account.
  Status SignUp(const std::string& email, const std::string& password, const std::string& name);
  Result<IssuedSession> VerifyEmail(const std::string& token);
  // A new verification link for an account not verified yet; Ok (and
  // nothing sent) for an unknown or already verified address.
  Status ResendVerification(const std::string& email);
  // kUnauthenticated for wrong credentials or an unverified address;
  // kRateLimited when throttled.
  Result<IssuedSession> Login(const std::string& email, const std::string& password,
                              const std::string& ip);
  Status SendMagicLink(const std::string& email);
  Result<IssuedSession> ConsumeMagicLink(const std::string& token);
  Status SendPasswordReset(const std::string& email);
  // Sets the password and closes every session of the account.
  Status ResetPassword(const std::string& token, const std::string& password);
  // Logs in (and creates or links the account of) a citizen the identity
  // provider vouched for. Links to an existing account only when the
  // provider says the email is verified.
  Result<IssuedSession> LoginWithProvider(const ProviderIdentity& id);

  // `totp`: required when the agent's roles require it or they enrolled.
  // An agent who must have a second factor but has none (new, or reset by an
  // administrator) enrols at login: with the right password and no valid code
  // for the pending secret, `*enrol_uri` (when given) receives the otpauth://
  // URI of that secret and kUnauthenticated is returned; the same call with a
  // code of that secret confirms it and opens the session.
  Result<IssuedSession> AgentLogin(const std::string& email, const std::string& password,
                                   const std::string& totp, const std::string& ip,
                                   std::string* enrol_uri = nullptr);
  // A new secret, pending until ConfirmTotp() gets a valid code for it.
  Result<std::string> EnrollTotp(std::int64_t agent_id);
  Status ConfirmTotp(std::int64_t agent_id, const std::string& code);

  Status Logout(const std::string& session_hash);
  Status LogoutEverywhere(const Actor& actor);

  // kNotFound (never more) when the token is unknown or expired.
  Result<ResolvedSession> Resolve(const std::string& token);

  Result<CitizenAccount> Citizen(std::int64_t id);
  Result<CitizenAccount> UpdatePreferences(std::int64_t citizen_id, const Preferences& p);

  Result<CreatedAgent> CreateAgent(const NewAgent& a);
  Result<AgentAccount> UpdateAgent(std::int64_t id, const AgentChange& c);
  Result<std::vector<AgentAccount>> Agents();
  // The active agents holding a role in `team_id`, by name.
  Result<std::vector<AgentAccount>> AgentsOfTeam(const std::string& team_id);
  Result<AgentAccount> Agent(std::int64_t id);

  static std::string NormaliseEmail(const std::string& email);

  // Account mails are written from the notification templates (not owned;
  // set once at start-up, before any request). Without it the built-in text
  // goes out.
  void UseTemplates(const TemplateService* templates) { templates_ = templates; }

 private:
  // Sends the account mail of `event` (a template id's event) with `link`;
  // `subject` and `text` are the built-in version.
  Status MailAccount(std::string_view event, const std::string& to, const std::string& link,
                     const std::string& subject, const std::string& text);
  Result<IssuedSession> OpenSession(SessionKind kind, std::int64_t subject, Actor actor);
  // Claims a single-use link token of `purpose`: the citizen it was issued
  // to, or BadLink() (unknown, used, expired or malformed alike).
  Result<std::int64_t> ClaimLink(const std::string& token, AccountToken::Purpose purpose);
  Result<Actor> ActorOf(const Session& s);
  Status SendVerification(const std::string& email, std::int64_t citizen_id);
  std::string IssueToken(AccountToken::Purpose purpose, std::int64_t citizen_id, Timestamp ttl,
                         Status& status);
  Status CheckAgentInput(const std::string& name, const std::string& email,
                         const std::string& password, const std::vector<Membership>& teams);

  IdentityStore& identities_;
  Store& store_;
  AccountMailer& mailer_;
  const Clock& clock_;
  IdentityOptions options_;
  LoginThrottle throttle_;
  const TemplateService* templates_ = nullptr;
};

}  // namespace guichet::domain
