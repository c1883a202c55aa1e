#include "storage/sql_identity_store.hpp"

namespace guichet::storage {

using domain::AccountToken;
using domain::AgentAccount;
using domain::CitizenAccount;
using domain::Session;
using domain::SessionKind;
using sql::Value;

namespace {

constexpr const char* kCitizenColumns =
    "id, name, email, phone, preferred_channel, created_at, postal_address, given_name, "
    "family_name, birthdate, account_email, password_hash, email_verified_at, oidc_subject";
constexpr const char* kAgentColumns =
    "id, name, email, team_id, password_hash, platform_admin, active, totp_secret, totp_pending, "
    "totp_last_step";

CitizenAccount CitizenFromRow(const sql::Rows& r) {
  CitizenAccount c;
  c.citizen.id = r.Int(0);
  c.citizen.name = r.Text(1);
  c.citizen.email = r.Text(2);
  c.citizen.phone = r.Text(3);
  c.citizen.preferred_channel = domain::ParseChannel(r.Text(4)).value_or(domain::Channel::kEmail);
  c.citizen.created_at = r.Int(5);
  c.citizen.postal_address = r.Text(6);
  c.citizen.given_name = r.Text(7);
  c.citizen.family_name = r.Text(8);
  c.citizen.birthdate = r.Text(9);
  if (!r.IsNull(10)) c.account_email = r.Text(10);
  if (!r.IsNull(11)) c.password_hash = r.Text(11);
  c.email_verified_at = r.OptInt(12);
  if (!r.IsNull(13)) c.oidc_subject = r.Text(13);
  return c;
}

Value TextOrNull(const std::string& s) { return s.empty() ? sql::Null() : Value(s); }

std::vector<domain::Membership> MembershipsOf(sql::Connection& c, std::int64_t agent_id) {
  std::vector<domain::Membership> out;
  const Value p[] = {agent_id};
  auto rows =
      c.Query("SELECT team_id, role FROM agent_teams WHERE agent_id = ? ORDER BY team_id", p);
  while (rows->Next()) {
    out.push_back(
        {rows->Text(0), domain::ParseTeamRole(rows->Text(1)).value_or(domain::TeamRole::kAgent)});
  }
  return out;
}

std::vector<AgentAccount> QueryAgents(sql::Connection& c, const std::string& where,
                                      std::span<const Value> params) {
  std::vector<AgentAccount> out;
  auto rows = c.Query(std::string("SELECT ") + kAgentColumns + " FROM agents " + where, params);
  while (rows->Next()) {
    AgentAccount a;
    a.agent = {rows->Int(0), rows->Text(1), rows->Text(2), rows->Text(3)};
    if (!rows->IsNull(4)) a.password_hash = rows->Text(4);
    a.platform_admin = rows->Int(5) != 0;
    a.active = rows->Int(6) != 0;
    if (!rows->IsNull(7)) a.totp_secret = rows->Text(7);
    if (!rows->IsNull(8)) a.totp_pending = rows->Text(8);
    a.totp_last_step = rows->Int(9);
    out.push_back(std::move(a));
  }
  for (auto& a : out) a.teams = MembershipsOf(c, a.agent.id);
  return out;
}

void WriteMemberships(sql::Connection& c, const AgentAccount& a) {
  const Value id[] = {a.agent.id};
  c.Execute("DELETE FROM agent_teams WHERE agent_id = ?", id);
  for (const auto& m : a.teams) {
    const Value p[] = {a.agent.id, m.team_id, std::string(domain::ToString(m.role))};
    c.Execute("INSERT INTO agent_teams (agent_id, team_id, role) VALUES (?, ?, ?)", p);
  }
}

std::string KindName(SessionKind k) { return k == SessionKind::kAgent ? "agent" : "citizen"; }

class SqlIdentityTx final : public domain::IdentityTx {
 public:
  explicit SqlIdentityTx(sql::Connection& c) : c_(c) {}

  Result<std::int64_t> InsertCitizenAccount(const CitizenAccount& a) override {
    const auto& c = a.citizen;
    const Value p[] = {c.name,
                       c.email,
                       c.phone,
                       std::string(domain::ToString(c.preferred_channel)),
                       c.created_at,
                       c.postal_address,
                       c.given_name,
                       c.family_name,
                       c.birthdate,
                       TextOrNull(a.account_email),
                       TextOrNull(a.password_hash),
                       sql::Opt(a.email_verified_at),
                       TextOrNull(a.oidc_subject)};
    auto id = c_.InsertId(
        "INSERT INTO citizens (name, email, phone, preferred_channel, created_at, "
        "postal_address, given_name, family_name, birthdate, account_email, password_hash, "
        "email_verified_at, oidc_subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        p);
    if (!id) return Error::Internal("INSERT citizens returned no id");
    return *id;
  }

  Status UpdateCitizenAccount(const CitizenAccount& a) override {
    const auto& c = a.citizen;
    const Value p[] = {c.name,
                       c.email,
                       c.phone,
                       std::string(domain::ToString(c.preferred_channel)),
                       c.postal_address,
                       c.given_name,
                       c.family_name,
                       c.birthdate,
                       TextOrNull(a.account_email),
                       TextOrNull(a.password_hash),
                       sql::Opt(a.email_verified_at),
                       TextOrNull(a.oidc_subject),
                       c.id};
    const auto n = c_.Execute(
        "UPDATE citizens SET name = ?, email = ?, phone = ?, preferred_channel = ?, "
        "postal_address = ?, given_name = ?, family_name = ?, birthdate = ?, account_email = ?, "
        "password_hash = ?, email_verified_at = ?, oidc_subject = ? WHERE id = ?",
        p);
    if (n == 0) return Error::NotFound("Ce compte n’existe pas.");
    return Status::Ok();
  }

  Result<std::int64_t> InsertAgentAccount(const AgentAccount& a) override {
    const Value p[] = {a.agent.name,
                       a.agent.email,
                       a.agent.team_id,
                       TextOrNull(a.password_hash),
                       std::int64_t{a.platform_admin},
                       std::int64_t{a.active},
                       TextOrNull(a.totp_secret),
                       TextOrNull(a.totp_pending),
                       a.totp_last_step};
    auto id = c_.InsertId(
        "INSERT INTO agents (name, email, team_id, password_hash, "
        "platform_admin, active, totp_secret, totp_pending, totp_last_step) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING "
        "RETURNING id",
        p);
    if (!id) return Error::Conflict("Un agent a déjà cette adresse électronique.");
    AgentAccount with_id = a;
    with_id.agent.id = *id;
    WriteMemberships(c_, with_id);
    return *id;
  }

  Status UpdateAgentAccount(const AgentAccount& a) override {
    const Value p[] = {a.agent.name,
                       a.agent.team_id,
                       TextOrNull(a.password_hash),
                       std::int64_t{a.platform_admin},
                       std::int64_t{a.active},
                       TextOrNull(a.totp_secret),
                       TextOrNull(a.totp_pending),
                       a.totp_last_step,
                       a.agent.id};
    const auto n = c_.Execute(
        "UPDATE agents SET name = ?, team_id = ?, password_hash = ?, platform_admin = ?, "
        "active = ?, totp_secret = ?, totp_pending = ?, totp_last_step = ? WHERE id = ?",
        p);
    if (n == 0) return Error::NotFound("Cet agent n’existe pas.");
    WriteMemberships(c_, a);
    return Status::Ok();
  }

  bool ClaimTotpStep(std::int64_t agent_id, std::int64_t step) override {
    const Value p[] = {step, agent_id, step};
    return c_.Execute("UPDATE agents SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
                      p) == 1;
  }

  Status InsertSession(const Session& s) override {
    const Value p[] = {s.hash,       KindName(s.kind), s.subject_id, s.csrf,
                       s.created_at, s.last_seen_at,   s.expires_at};
    c_.Execute(
        "INSERT INTO sessions (hash, kind, subject_id, csrf, created_at, last_seen_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        p);
    return Status::Ok();
  }

  Status DeleteSession(const std::string& hash) override {
    const Value p[] = {hash};
    c_.Execute("DELETE FROM sessions WHERE hash = ?", p);
    return Status::Ok();
  }

  Status DeleteSessionsOf(SessionKind kind, std::int64_t subject_id) override {
    const Value p[] = {KindName(kind), subject_id};
    c_.Execute("DELETE FROM sessions WHERE kind = ? AND subject_id = ?", p);
    return Status::Ok();
  }

  Status TouchSession(const std::string& hash, Timestamp now) override {
    const Value p[] = {now, hash, now};
    c_.Execute("UPDATE sessions SET last_seen_at = ? WHERE hash = ? AND last_seen_at < ?", p);
    return Status::Ok();
  }

  Status InsertToken(const AccountToken& t) override {
    const Value p[] = {t.hash, std::string(domain::ToString(t.purpose)), t.citizen_id, t.created_at,
                       t.expires_at};
    c_.Execute(
        "INSERT INTO account_tokens (hash, purpose, citizen_id, created_at, expires_at) VALUES "
        "(?, ?, ?, ?, ?)",
        p);
    return Status::Ok();
  }

  Result<AccountToken> ClaimToken(const std::string& hash, AccountToken::Purpose purpose,
                                  Timestamp now) override {
    // One statement marks and returns: two concurrent uses cannot both succeed.
    const Value p[] = {now, hash, std::string(domain::ToString(purpose)), now};
    auto rows = c_.Query(
        "UPDATE account_tokens SET used_at = ? WHERE hash = ? AND purpose = ? AND used_at IS "
        "NULL AND expires_at > ? RETURNING citizen_id, created_at, expires_at",
        p);
    if (!rows->Next()) return Error::NotFound("Ce lien n’est pas valide ou a expiré.");
    AccountToken t{hash, purpose, rows->Int(0), rows->Int(1), rows->Int(2)};
    while (rows->Next()) {
    }
    return t;
  }

 private:
  sql::Connection& c_;
};

template <typename T, typename Fn>
Result<T> ReadIdentity(SqlStore& store, Fn&& fn) {
  try {
    return store.WithReader([&](sql::Connection& c) -> Result<T> { return fn(c); });
  } catch (const sql::DbError& e) {
    return Error::Unavailable(e.what());
  }
}

Result<CitizenAccount> FindCitizen(SqlStore& store, const std::string& where, Value param) {
  return ReadIdentity<CitizenAccount>(store, [&](sql::Connection& c) -> Result<CitizenAccount> {
    const Value p[] = {param};
    auto rows =
        c.Query(std::string("SELECT ") + kCitizenColumns + " FROM citizens WHERE " + where, p);
    if (!rows->Next()) return Error::NotFound("Ce compte n’existe pas.");
    return CitizenFromRow(*rows);
  });
}

}  // namespace

Result<CitizenAccount> SqlIdentityStore::FindCitizenByEmail(const std::string& account_email) {
  return FindCitizen(store_, "account_email = ?", account_email);
}

Result<CitizenAccount> SqlIdentityStore::FindCitizenBySubject(const std::string& oidc_subject) {
  return FindCitizen(store_, "oidc_subject = ?", oidc_subject);
}

Result<CitizenAccount> SqlIdentityStore::GetCitizen(std::int64_t id) {
  return FindCitizen(store_, "id = ?", id);
}

Result<AgentAccount> SqlIdentityStore::FindAgentByEmail(const std::string& email) {
  return ReadIdentity<AgentAccount>(store_, [&](sql::Connection& c) -> Result<AgentAccount> {
    const Value p[] = {email};
    auto found = QueryAgents(c, "WHERE email = ?", p);
    if (found.empty()) return Error::NotFound("Cet agent n’existe pas.");
    return found.front();
  });
}

Result<AgentAccount> SqlIdentityStore::GetAgent(std::int64_t id) {
  return ReadIdentity<AgentAccount>(store_, [&](sql::Connection& c) -> Result<AgentAccount> {
    const Value p[] = {id};
    auto found = QueryAgents(c, "WHERE id = ?", p);
    if (found.empty()) return Error::NotFound("Cet agent n’existe pas.");
    return found.front();
  });
}

Result<std::vector<AgentAccount>> SqlIdentityStore::ListAgentAccounts() {
  return ReadIdentity<std::vector<AgentAccount>>(
      store_, [&](sql::Connection& c) -> Result<std::vector<AgentAccount>> {
        return QueryAgents(c, "ORDER BY id", {});
      });
}

Result<Session> SqlIdentityStore::FindSession(const std::string& hash) {
  return ReadIdentity<Session>(store_, [&](sql::Connection& c) -> Result<Session> {
    const Value p[] = {hash};
    auto rows = c.Query(
        "SELECT kind, subject_id, csrf, created_at, last_seen_at, expires_at FROM sessions "
        "WHERE hash = ?",
        p);
    if (!rows->Next()) return Error::NotFound("Session inconnue.");
    return Session{
        hash,         rows->Text(0) == "agent" ? SessionKind::kAgent : SessionKind::kCitizen,
        rows->Int(1), rows->Text(2),
        rows->Int(3), rows->Int(4),
        rows->Int(5)};
  });
}

void SqlIdentityStore::Write(Op op, std::function<void(Status)> done) {
  store_.WriteSql(
      [op = std::move(op)](sql::Connection& c) {
        SqlIdentityTx tx(c);
        return op(tx);
      },
      std::move(done));
}

}  // namespace guichet::storage
