#include "domain/identity_service.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <tuple>

#include "core/digest.hpp"
#include "domain/credentials.hpp"
#include "domain/templates.hpp"
#include "domain/validation.hpp"

namespace guichet::domain {
namespace {

// Session tokens and mailed tokens: 256 bits, base64url.
constexpr std::size_t kTokenBytes = 32;
// The session row is touched at most this often (idle expiry), not per request.
constexpr Timestamp kTouchEvery = 60 * kMicrosPerSecond;
constexpr std::size_t kMaxEmailLength = 254;

Error BadCredentials() {
  return Error(ErrorCode::kUnauthenticated, "Identifiant ou mot de passe incorrect.");
}
Error Throttled() {
  return Error(ErrorCode::kRateLimited,
               "Trop de tentatives de connexion. Réessayez dans quelques minutes.");
}
Error BadLink() {
  return Error::NotFound("Ce lien n’est pas valide ou a expiré. Demandez-en un nouveau.");
}

std::vector<FieldError> EmailErrors(const std::string& email) {
  if (email.size() > kMaxEmailLength || !IsValidEmail(email)) {
    return {{"email", "L’adresse électronique n’est pas valide."}};
  }
  return {};
}

}  // namespace

Status IdentityStore::WriteSync(Op op) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Status> result;
  Write(std::move(op), [&](Status s) {
    std::lock_guard lock(mu);
    result = std::move(s);
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return result.has_value(); });
  return *result;
}

// --- LoginThrottle -----------------------------------------------------------

int LoginThrottle::Count(std::deque<Timestamp>& q, Timestamp now) {
  while (!q.empty() && q.front() <= now - options_.throttle_window) q.pop_front();
  return static_cast<int>(q.size());
}

bool LoginThrottle::Blocked(const std::string& account, const std::string& ip, Timestamp now) {
  std::lock_guard lock(mu_);
  return Count(accounts_[account], now) >= options_.max_failures_per_account ||
         Count(ips_[ip], now) >= options_.max_failures_per_ip;
}

void LoginThrottle::Failed(const std::string& account, const std::string& ip, Timestamp now) {
  std::lock_guard lock(mu_);
  accounts_[account].push_back(now);
  ips_[ip].push_back(now);
  // Forget idle entries now and then, so unknown emails cannot grow the maps forever.
  if (accounts_.size() > 100'000) {
    for (auto it = accounts_.begin(); it != accounts_.end();) {
      it = Count(it->second, now) == 0 ? accounts_.erase(it) : std::next(it);
    }
  }
  if (ips_.size() > 100'000) {
    for (auto it = ips_.begin(); it != ips_.end();) {
      it = Count(it->second, now) == 0 ? ips_.erase(it) : std::next(it);
    }
  }
}

void LoginThrottle::Succeeded(const std::string& account) {
  std::lock_guard lock(mu_);
  accounts_.erase(account);
}

// --- IdentityService ---------------------------------------------------------

IdentityService::IdentityService(IdentityStore& identities, Store& store, AccountMailer& mailer,
                                 const Clock& clock, IdentityOptions options)
    : identities_(identities),
      store_(store),
      mailer_(mailer),
      clock_(clock),
      options_(std::move(options)),
      throttle_(options_) {}

Status IdentityService::MailAccount(std::string_view event, const std::string& to,
                                    const std::string& link, const std::string& subject,
                                    const std::string& text) {
  if (!templates_) return mailer_.Send(to, subject, text);
  const auto m = templates_->Render(event, Channel::kEmail, templates_->AccountValues(link));
  return mailer_.Send(to, m.subject, m.body);
}

std::string IdentityService::NormaliseEmail(const std::string& email) {
  std::string out;
  for (char c : email) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out.erase(0, std::min(out.find_first_not_of(' '), out.size()));
  return out;
}

std::string IdentityService::IssueToken(AccountToken::Purpose purpose, std::int64_t citizen_id,
                                        Timestamp ttl, Status& status) {
  const std::string token = RandomToken(kTokenBytes);
  const Timestamp now = clock_.Now();
  const AccountToken t{Sha256Hex(token), purpose, citizen_id, now, now + ttl};
  status = identities_.WriteSync([t](IdentityTx& tx) { return tx.InsertToken(t); });
  return token;
}

Result<IssuedSession> IdentityService::OpenSession(SessionKind kind, std::int64_t subject,
                                                   Actor actor) {
  // A new token at every login: a token planted before login is worthless.
  IssuedSession out;
  out.token = RandomToken(kTokenBytes);
  out.csrf = RandomToken(kTokenBytes);
  out.actor = std::move(actor);
  const Timestamp now = clock_.Now();
  out.expires_at = now + options_.session_absolute;
  const Session s{Sha256Hex(out.token), kind, subject, out.csrf, now, now, out.expires_at};
  GUICHET_TRY(identities_.WriteSync([s](IdentityTx& tx) { return tx.InsertSession(s); }));
  return out;
}

Status IdentityService::SignUp(const std::string& raw_email, const std::string& password,
                               const std::string& name) {
  const std::string email = NormaliseEmail(raw_email);
  std::vector<FieldError> errs = EmailErrors(email);
  if (auto why = PasswordProblem(password, email + " " + name)) errs.push_back({"password", *why});
  if (!IsValidUtf8(name) || Utf8Length(name) > 200) {
    errs.push_back({"name", "Le nom dépasse 200 caractères ou n’est pas en UTF-8."});
  }
  if (!errs.empty()) return Error::Invalid("L’inscription contient des erreurs.", std::move(errs));
  auto existing = identities_.FindCitizenByEmail(email);
  if (existing.ok() && existing->email_verified_at) {
    // Same answer as a new account; the owner of the address learns it by mail.
    const std::string link = options_.public_url + "/connexion";
    return MailAccount("account_exists", email, link, "Vous avez déjà un compte Guichet",
                       "Bonjour,\n\nQuelqu’un (peut-être vous) a demandé à créer un compte avec "
                       "cette adresse, qui en a déjà un. Pour vous connecter sans mot de passe : " +
                           link + "\n\nSi ce n’était pas vous, ignorez ce message.\n");
  }
  if (!existing.ok() && existing.error().code() != ErrorCode::kNotFound) return existing.error();
  CitizenAccount acc;
  if (existing.ok()) {
    acc = *existing;  // not verified yet: the new password replaces the unproven one
  } else {
    acc.citizen.created_at = clock_.Now();
    acc.citizen.email = email;
    acc.account_email = email;
  }
  acc.citizen.name = name;
  acc.password_hash = HashPassword(password);
  Status st = Status::Ok();
  std::int64_t id = acc.citizen.id;
  st = identities_.WriteSync([&acc, &id](IdentityTx& tx) -> Status {
    if (acc.citizen.id != 0) return tx.UpdateCitizenAccount(acc);
    auto r = tx.InsertCitizenAccount(acc);
    if (!r.ok()) return r.error();
    id = *r;
    return Status::Ok();
  });
  if (!st.ok()) {
    // A concurrent sign-up with the same address won: answer as for any address.
    if (st.error().code() == ErrorCode::kConflict) return Status::Ok();
    return st;
  }
  return SendVerification(email, id);
}

Status IdentityService::SendVerification(const std::string& email, std::int64_t citizen_id) {
  Status st = Status::Ok();
  const std::string token =
      IssueToken(AccountToken::Purpose::kVerify, citizen_id, options_.verify_ttl, st);
  GUICHET_TRY(st);
  const std::string link = options_.public_url + "/compte/verifier?token=" + token;
  return MailAccount("account_verify", email, link, "Confirmez votre adresse électronique",
                     "Bonjour,\n\nPour activer votre compte Guichet, ouvrez ce lien (valable 48 "
                     "heures) :\n" +
                         link + "\n\nSi vous n’avez rien demandé, ignorez ce message.\n");
}

Status IdentityService::ResendVerification(const std::string& raw_email) {
  const std::string email = NormaliseEmail(raw_email);
  auto errs = EmailErrors(email);
  if (!errs.empty()) return Error::Invalid("La demande contient des erreurs.", std::move(errs));
  auto acc = identities_.FindCitizenByEmail(email);
  if (!acc.ok()) {
    if (acc.error().code() != ErrorCode::kNotFound) return acc.error();
    return Status::Ok();  // no account: nothing is sent, and the answer is the same
  }
  if (acc->email_verified_at) return Status::Ok();
  return SendVerification(email, acc->citizen.id);
}

Result<std::int64_t> IdentityService::ClaimLink(const std::string& token,
                                                AccountToken::Purpose purpose) {
  if (token.empty() || token.size() > 100) return BadLink();
  const Timestamp now = clock_.Now();
  const std::string hash = Sha256Hex(token);
  std::int64_t citizen_id = 0;
  auto claimed = identities_.WriteSync([&](IdentityTx& tx) -> Status {
    auto t = tx.ClaimToken(hash, purpose, now);
    if (!t.ok()) return t.error();
    citizen_id = t->citizen_id;
    return Status::Ok();
  });
  if (!claimed.ok()) return BadLink();
  return citizen_id;
}

Result<IssuedSession> IdentityService::VerifyEmail(const std::string& token) {
  auto claimed = ClaimLink(token, AccountToken::Purpose::kVerify);
  if (!claimed.ok()) return claimed.error();
  const std::int64_t citizen_id = *claimed;
  const Timestamp now = clock_.Now();
  auto acc = identities_.GetCitizen(citizen_id);
  if (!acc.ok()) return acc.error();
  acc->email_verified_at = now;
  const CitizenAccount updated = *acc;
  GUICHET_TRY(identities_.WriteSync(
      [updated](IdentityTx& tx) { return tx.UpdateCitizenAccount(updated); }));
  return OpenSession(SessionKind::kCitizen, citizen_id, Actor(Actor::Kind::kCitizen, citizen_id));
}

Result<IssuedSession> IdentityService::Login(const std::string& raw_email,
                                             const std::string& password, const std::string& ip) {
  const std::string email = NormaliseEmail(raw_email);
  const Timestamp now = clock_.Now();
  if (throttle_.Blocked("c:" + email, ip, now)) return Throttled();
  auto acc = identities_.FindCitizenByEmail(email);
  if (!acc.ok() && acc.error().code() != ErrorCode::kNotFound) return acc.error();
  bool ok = false;
  if (acc.ok() && !acc->password_hash.empty()) {
    ok = VerifyPassword(password, acc->password_hash);
  } else {
    BurnPasswordVerification(password);  // as long as for a real account
  }
  if (!ok || !acc->email_verified_at) {
    throttle_.Failed("c:" + email, ip, now);
    return BadCredentials();
  }
  throttle_.Succeeded("c:" + email);
  return OpenSession(SessionKind::kCitizen, acc->citizen.id,
                     Actor(Actor::Kind::kCitizen, acc->citizen.id));
}

Status IdentityService::SendMagicLink(const std::string& raw_email) {
  const std::string email = NormaliseEmail(raw_email);
  auto errs = EmailErrors(email);
  if (!errs.empty()) return Error::Invalid("La demande contient des erreurs.", std::move(errs));
  auto acc = identities_.FindCitizenByEmail(email);
  if (!acc.ok()) {
    if (acc.error().code() != ErrorCode::kNotFound) return acc.error();
    return Status::Ok();  // no account: nothing is sent, and the answer is the same
  }
  Status st = Status::Ok();
  const std::string token =
      IssueToken(AccountToken::Purpose::kMagic, acc->citizen.id, options_.magic_ttl, st);
  GUICHET_TRY(st);
  const std::string link = options_.public_url + "/connexion/lien?token=" + token;
  return MailAccount("account_magic_link", email, link, "Votre lien de connexion",
                     "Bonjour,\n\nPour vous connecter à Guichet, ouvrez ce lien (valable 15 "
                     "minutes, une seule fois) :\n" +
                         link + "\n\nSi vous n’avez rien demandé, ignorez ce message.\n");
}

Result<IssuedSession> IdentityService::ConsumeMagicLink(const std::string& token) {
  auto claimed = ClaimLink(token, AccountToken::Purpose::kMagic);
  if (!claimed.ok()) return claimed.error();
  const std::int64_t citizen_id = *claimed;
  const Timestamp now = clock_.Now();
  auto acc = identities_.GetCitizen(citizen_id);
  if (!acc.ok()) return acc.error();
  if (!acc->email_verified_at) {
    // Opening a link sent to the address proves it.
    acc->email_verified_at = now;
    const CitizenAccount updated = *acc;
    GUICHET_TRY(identities_.WriteSync(
        [updated](IdentityTx& tx) { return tx.UpdateCitizenAccount(updated); }));
  }
  return OpenSession(SessionKind::kCitizen, citizen_id, Actor(Actor::Kind::kCitizen, citizen_id));
}

Status IdentityService::SendPasswordReset(const std::string& raw_email) {
  const std::string email = NormaliseEmail(raw_email);
  auto errs = EmailErrors(email);
  if (!errs.empty()) return Error::Invalid("La demande contient des erreurs.", std::move(errs));
  auto acc = identities_.FindCitizenByEmail(email);
  if (!acc.ok()) {
    if (acc.error().code() != ErrorCode::kNotFound) return acc.error();
    return Status::Ok();
  }
  Status st = Status::Ok();
  const std::string token =
      IssueToken(AccountToken::Purpose::kReset, acc->citizen.id, options_.reset_ttl, st);
  GUICHET_TRY(st);
  const std::string link = options_.public_url + "/compte/mot-de-passe?token=" + token;
  return MailAccount("account_password_reset", email, link,
                     "Réinitialisation de votre mot de passe",
                     "Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable "
                     "une heure, une seule fois) :\n" +
                         link +
                         "\n\nSi vous n’avez rien demandé, ignorez ce message : votre mot de "
                         "passe reste inchangé.\n");
}

Status IdentityService::ResetPassword(const std::string& token, const std::string& password) {
  if (token.empty() || token.size() > 100) return BadLink();
  // Checked before the token is used up, so a weak password can be retried.
  if (auto why = PasswordProblem(password)) {
    return Error::Invalid("Le mot de passe est refusé.", {{"password", *why}});
  }
  const std::string hash = HashPassword(password);
  const Timestamp now = clock_.Now();
  const std::string token_hash = Sha256Hex(token);
  std::int64_t citizen_id = 0;
  auto claimed = identities_.WriteSync([&](IdentityTx& tx) -> Status {
    auto t = tx.ClaimToken(token_hash, AccountToken::Purpose::kReset, now);
    if (!t.ok()) return t.error();
    citizen_id = t->citizen_id;
    return Status::Ok();
  });
  if (!claimed.ok()) return BadLink();
  auto acc = identities_.GetCitizen(citizen_id);
  if (!acc.ok()) return acc.error();
  acc->password_hash = hash;
  acc->email_verified_at = acc->email_verified_at.value_or(now);
  const CitizenAccount updated = *acc;
  // The new password and the end of every session commit together.
  return identities_.WriteSync([updated](IdentityTx& tx) -> Status {
    GUICHET_TRY(tx.UpdateCitizenAccount(updated));
    return tx.DeleteSessionsOf(SessionKind::kCitizen, updated.citizen.id);
  });
}

Result<IssuedSession> IdentityService::LoginWithProvider(const ProviderIdentity& id) {
  if (id.subject.empty()) return Error(ErrorCode::kUnauthenticated, "Identité incomplète.");
  const Timestamp now = clock_.Now();
  auto acc = identities_.FindCitizenBySubject(id.subject);
  if (!acc.ok() && acc.error().code() != ErrorCode::kNotFound) return acc.error();
  const std::string email = NormaliseEmail(id.email);
  if (!acc.ok() && id.email_verified && !email.empty()) {
    // Link to the account of the same address only when the provider vouches for it.
    acc = identities_.FindCitizenByEmail(email);
    if (!acc.ok() && acc.error().code() != ErrorCode::kNotFound) return acc.error();
  }
  CitizenAccount c = acc.ok() ? *acc : CitizenAccount{};
  if (!acc.ok()) {
    c.citizen.created_at = now;
    c.citizen.email = email;
    // An unverified address is not made anyone's login.
    if (id.email_verified && !email.empty()) c.account_email = email;
  }
  c.oidc_subject = id.subject;
  c.citizen.given_name = id.given_name;
  c.citizen.family_name = id.family_name;
  c.citizen.birthdate = id.birthdate;
  if (c.citizen.name.empty()) c.citizen.name = id.given_name + " " + id.family_name;
  if (id.email_verified && !c.email_verified_at && c.account_email == email) {
    c.email_verified_at = now;
  }
  std::int64_t cid = c.citizen.id;
  GUICHET_TRY(identities_.WriteSync([&c, &cid](IdentityTx& tx) -> Status {
    if (c.citizen.id != 0) return tx.UpdateCitizenAccount(c);
    auto r = tx.InsertCitizenAccount(c);
    if (!r.ok()) return r.error();
    cid = *r;
    return Status::Ok();
  }));
  return OpenSession(SessionKind::kCitizen, cid, Actor(Actor::Kind::kCitizen, cid));
}

Result<IssuedSession> IdentityService::AgentLogin(const std::string& raw_email,
                                                  const std::string& password,
                                                  const std::string& totp, const std::string& ip,
                                                  std::string* enrol_uri) {
  const std::string email = NormaliseEmail(raw_email);
  const Timestamp now = clock_.Now();
  if (throttle_.Blocked("a:" + email, ip, now)) return Throttled();
  auto acc = identities_.FindAgentByEmail(email);
  if (!acc.ok() && acc.error().code() != ErrorCode::kNotFound) return acc.error();
  bool ok = false;
  if (acc.ok() && !acc->password_hash.empty()) {
    ok = VerifyPassword(password, acc->password_hash) && acc->active;
  } else {
    BurnPasswordVerification(password);
  }
  if (ok && acc->RequiresTotp() && acc->totp_secret.empty() && enrol_uri) {
    // Enrolment at login, proven by the password: a code of the pending
    // secret confirms it; without one, the pending secret is handed out.
    const auto step =
        acc->totp_pending.empty() ? std::nullopt : TotpStep(acc->totp_pending, totp, now);
    if (!step) {
      if (acc->totp_pending.empty()) {
        acc->totp_pending = NewTotpSecret();
        const AgentAccount pending = *acc;
        GUICHET_TRY(identities_.WriteSync(
            [pending](IdentityTx& tx) { return tx.UpdateAgentAccount(pending); }));
      }
      *enrol_uri = TotpUri(acc->agent.email, acc->totp_pending);
      return Error(ErrorCode::kUnauthenticated,
                   "Enregistrez votre second facteur, puis saisissez le code qu’il affiche.");
    }
    acc->totp_secret = acc->totp_pending;
    acc->totp_pending.clear();
    acc->totp_last_step = *step;
    const AgentAccount enrolled = *acc;
    GUICHET_TRY(identities_.WriteSync(
        [enrolled](IdentityTx& tx) { return tx.UpdateAgentAccount(enrolled); }));
    throttle_.Succeeded("a:" + email);
    return OpenSession(SessionKind::kAgent, acc->agent.id, acc->ToActor());
  }
  if (ok && (acc->RequiresTotp() || !acc->totp_secret.empty())) {
    // No secret enrolled while one is required: the agent cannot log in.
    auto step = acc->totp_secret.empty() ? std::nullopt : TotpStep(acc->totp_secret, totp, now);
    ok = step.has_value();
    if (ok) {
      bool fresh = false;
      const std::int64_t agent_id = acc->agent.id;
      const std::int64_t s = *step;
      auto w = identities_.WriteSync([&fresh, agent_id, s](IdentityTx& tx) {
        fresh = tx.ClaimTotpStep(agent_id, s);
        return Status::Ok();
      });
      ok = w.ok() && fresh;  // a code is good once: a replayed one is refused
    }
  }
  if (!ok) {
    throttle_.Failed("a:" + email, ip, now);
    return Error(ErrorCode::kUnauthenticated,
                 "Identifiant, mot de passe ou code à usage unique incorrect.");
  }
  throttle_.Succeeded("a:" + email);
  return OpenSession(SessionKind::kAgent, acc->agent.id, acc->ToActor());
}

Result<std::string> IdentityService::EnrollTotp(std::int64_t agent_id) {
  auto acc = identities_.GetAgent(agent_id);
  if (!acc.ok()) return acc.error();
  acc->totp_pending = NewTotpSecret();
  const AgentAccount updated = *acc;
  GUICHET_TRY(
      identities_.WriteSync([updated](IdentityTx& tx) { return tx.UpdateAgentAccount(updated); }));
  return TotpUri(acc->agent.email, acc->totp_pending);
}

Status IdentityService::ConfirmTotp(std::int64_t agent_id, const std::string& code) {
  auto acc = identities_.GetAgent(agent_id);
  if (!acc.ok()) return acc.error();
  const auto step =
      acc->totp_pending.empty() ? std::nullopt : TotpStep(acc->totp_pending, code, clock_.Now());
  if (!step) {
    return Error::Invalid("Le code ne correspond pas.",
                          {{"code", "Le code à six chiffres ne correspond pas au secret enrôlé."}});
  }
  acc->totp_secret = acc->totp_pending;
  acc->totp_pending.clear();
  acc->totp_last_step = *step;
  const AgentAccount updated = *acc;
  return identities_.WriteSync(
      [updated](IdentityTx& tx) { return tx.UpdateAgentAccount(updated); });
}

Status IdentityService::Logout(const std::string& session_hash) {
  return identities_.WriteSync(
      [session_hash](IdentityTx& tx) { return tx.DeleteSession(session_hash); });
}

Status IdentityService::LogoutEverywhere(const Actor& actor) {
  if (actor.kind != Actor::Kind::kCitizen && actor.kind != Actor::Kind::kAgent) {
    return Error(ErrorCode::kUnauthenticated, "Aucune session ouverte.");
  }
  const SessionKind kind =
      actor.kind == Actor::Kind::kCitizen ? SessionKind::kCitizen : SessionKind::kAgent;
  const std::int64_t id = actor.id;
  return identities_.WriteSync(
      [kind, id](IdentityTx& tx) { return tx.DeleteSessionsOf(kind, id); });
}

Result<Actor> IdentityService::ActorOf(const Session& s) {
  if (s.kind == SessionKind::kCitizen) return Actor(Actor::Kind::kCitizen, s.subject_id);
  auto acc = identities_.GetAgent(s.subject_id);
  if (!acc.ok()) return acc.error();
  if (!acc->active) return Error::NotFound("Session inconnue.");
  return acc->ToActor();
}

Result<ResolvedSession> IdentityService::Resolve(const std::string& token) {
  if (token.empty() || token.size() > 100) return Error::NotFound("Session inconnue.");
  auto s = identities_.FindSession(Sha256Hex(token));
  if (!s.ok()) return s.error();
  const Timestamp now = clock_.Now();
  if (now >= s->expires_at || now >= s->last_seen_at + options_.session_idle) {
    return Error::NotFound("Session expirée.");
  }
  auto actor = ActorOf(*s);
  if (!actor.ok()) return actor.error();
  if (now - s->last_seen_at >= kTouchEvery) {
    const std::string hash = s->hash;
    identities_.Write([hash, now](IdentityTx& tx) { return tx.TouchSession(hash, now); },
                      [](Status) {});
  }
  return ResolvedSession{*s, *actor};
}

Result<CitizenAccount> IdentityService::Citizen(std::int64_t id) {
  return identities_.GetCitizen(id);
}

Result<CitizenAccount> IdentityService::UpdatePreferences(std::int64_t citizen_id,
                                                          const Preferences& p) {
  auto acc = identities_.GetCitizen(citizen_id);
  if (!acc.ok()) return acc.error();
  if (p.preferred_channel) acc->citizen.preferred_channel = *p.preferred_channel;
  if (p.name) acc->citizen.name = *p.name;
  if (p.phone) acc->citizen.phone = *p.phone;
  if (p.postal_address) acc->citizen.postal_address = *p.postal_address;
  std::vector<FieldError> errs;
  const auto ch = acc->citizen.preferred_channel;
  if (ch != Channel::kEmail && ch != Channel::kSms && ch != Channel::kPostal) {
    errs.push_back({"preferred_channel", "Le canal préféré est email, sms ou postal."});
  }
  if (ch == Channel::kSms && acc->citizen.phone.empty()) {
    errs.push_back({"phone", "Un numéro de téléphone est nécessaire pour être prévenu par SMS."});
  }
  if (ch == Channel::kPostal && acc->citizen.postal_address.empty()) {
    errs.push_back(
        {"postal_address", "Une adresse postale est nécessaire pour être prévenu par courrier."});
  }
  for (const auto* f : {&acc->citizen.name, &acc->citizen.phone}) {
    if (!IsValidUtf8(*f) || Utf8Length(*f) > 200) {
      errs.push_back({f == &acc->citizen.name ? "name" : "phone",
                      "Ce champ dépasse 200 caractères ou n’est pas en UTF-8."});
    }
  }
  if (!IsValidUtf8(acc->citizen.postal_address) || Utf8Length(acc->citizen.postal_address) > 500) {
    errs.push_back({"postal_address", "L’adresse dépasse 500 caractères ou n’est pas en UTF-8."});
  }
  if (!errs.empty()) return Error::Invalid("Les préférences contiennent des erreurs.", errs);
  const CitizenAccount updated = *acc;
  GUICHET_TRY(identities_.WriteSync(
      [updated](IdentityTx& tx) { return tx.UpdateCitizenAccount(updated); }));
  return updated;
}

Status IdentityService::CheckAgentInput(const std::string& name, const std::string& email,
                                        const std::string& password,
                                        const std::vector<Membership>& teams) {
  std::vector<FieldError> errs = EmailErrors(email);
  if (name.find_first_not_of(' ') == std::string::npos || !IsValidUtf8(name) ||
      Utf8Length(name) > 200) {
    errs.push_back({"name", "Le nom est obligatoire (200 caractères au plus)."});
  }
  if (!password.empty()) {
    if (auto why = PasswordProblem(password, email + " " + name)) {
      errs.push_back({"password", *why});
    }
  }
  auto known = store_.ListTeams();
  if (!known.ok()) return known.error();
  if (teams.empty()) errs.push_back({"teams", "Un agent appartient à une équipe au moins."});
  for (const auto& m : teams) {
    const bool exists =
        std::any_of(known->begin(), known->end(), [&](const Team& t) { return t.id == m.team_id; });
    if (!exists) errs.push_back({"teams", "L’équipe « " + m.team_id + " » n’existe pas."});
  }
  if (!errs.empty()) return Error::Invalid("L’agent contient des erreurs.", std::move(errs));
  return Status::Ok();
}

Result<CreatedAgent> IdentityService::CreateAgent(const NewAgent& a) {
  const std::string email = NormaliseEmail(a.email);
  GUICHET_TRY(CheckAgentInput(a.name, email, a.password, a.teams));
  CreatedAgent out;
  auto& acc = out.account;
  acc.agent.name = a.name;
  acc.agent.email = email;
  acc.agent.team_id = a.teams.front().team_id;
  acc.teams = a.teams;
  acc.platform_admin = a.platform_admin;
  if (!a.password.empty()) acc.password_hash = HashPassword(a.password);
  if (acc.RequiresTotp()) {
    // Enrolled at creation: the secret is shown once, to whoever creates the agent.
    acc.totp_secret = NewTotpSecret();
    out.totp_uri = TotpUri(email, acc.totp_secret);
  }
  GUICHET_TRY(identities_.WriteSync([&acc](IdentityTx& tx) -> Status {
    auto id = tx.InsertAgentAccount(acc);
    if (!id.ok()) return id.error();
    acc.agent.id = *id;
    return Status::Ok();
  }));
  return out;
}

Result<AgentAccount> IdentityService::UpdateAgent(std::int64_t id, const AgentChange& c) {
  auto acc = identities_.GetAgent(id);
  if (!acc.ok()) return acc.error();
  if (c.name) acc->agent.name = *c.name;
  if (c.teams) acc->teams = *c.teams;
  if (c.platform_admin) acc->platform_admin = *c.platform_admin;
  if (c.active) acc->active = *c.active;
  GUICHET_TRY(
      CheckAgentInput(acc->agent.name, acc->agent.email, c.password.value_or(""), acc->teams));
  if (c.password) acc->password_hash = HashPassword(*c.password);
  if (c.reset_totp) {
    acc->totp_secret.clear();
    acc->totp_pending.clear();
  }
  acc->agent.team_id = acc->teams.front().team_id;
  const AgentAccount updated = *acc;
  GUICHET_TRY(identities_.WriteSync([updated](IdentityTx& tx) -> Status {
    GUICHET_TRY(tx.UpdateAgentAccount(updated));
    // New roles or a deactivation take effect now, not at the next login.
    return tx.DeleteSessionsOf(SessionKind::kAgent, updated.agent.id);
  }));
  return updated;
}

Result<std::vector<AgentAccount>> IdentityService::Agents() {
  return identities_.ListAgentAccounts();
}

Result<AgentAccount> IdentityService::Agent(std::int64_t id) { return identities_.GetAgent(id); }

Result<std::vector<AgentAccount>> IdentityService::AgentsOfTeam(const std::string& team_id) {
  auto all = identities_.ListAgentAccounts();
  if (!all.ok()) return all.error();
  std::vector<AgentAccount> out;
  for (auto& a : *all) {
    const bool member = std::any_of(a.teams.begin(), a.teams.end(),
                                    [&](const Membership& m) { return m.team_id == team_id; });
    if (member && a.active) out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(), [](const AgentAccount& a, const AgentAccount& b) {
    return std::tie(a.agent.name, a.agent.id) < std::tie(b.agent.name, b.agent.id);
  });
  return out;
}

}  // namespace guichet::domain
