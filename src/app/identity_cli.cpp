#include "app/identity_cli.hpp"

#include <cstdio>
#include <iostream>

#include "domain/credentials.hpp"

namespace guichet::app {
namespace {

int Fail(const Error& e) {
  std::fprintf(stderr, "guichet: %s\n", e.message().c_str());
  for (const auto& f : e.fields()) {
    std::fprintf(stderr, "  %s : %s\n", f.field.c_str(), f.message.c_str());
  }
  const bool infra = e.code() == ErrorCode::kUnavailable || e.code() == ErrorCode::kInternal;
  return infra ? 3 : 1;
}

std::optional<domain::Membership> ParseTeam(const std::string& s) {
  const size_t colon = s.find(':');
  domain::Membership m;
  m.team_id = s.substr(0, colon);
  if (colon != std::string::npos) {
    auto role = domain::ParseTeamRole(s.substr(colon + 1));
    if (!role) return std::nullopt;
    m.role = *role;
  }
  return m;
}

}  // namespace

int RunAgentCreate(domain::IdentityService& identity, const std::string& name,
                   const std::string& email, const std::vector<std::string>& teams, bool admin) {
  domain::NewAgent a;
  a.name = name;
  a.email = email;
  a.platform_admin = admin;
  for (const auto& t : teams) {
    auto m = ParseTeam(t);
    if (!m) {
      std::fprintf(stderr, "guichet: « %s » : rôle inconnu (agent, supervisor, administrator)\n",
                   t.c_str());
      return 1;
    }
    a.teams.push_back(*m);
  }
  std::getline(std::cin, a.password);
  if (!a.password.empty() && a.password.back() == '\r') a.password.pop_back();
  auto created = identity.CreateAgent(a);
  if (!created.ok()) return Fail(created.error());
  std::printf("agent %lld créé : %s <%s>\n", static_cast<long long>(created->account.agent.id),
              name.c_str(), created->account.agent.email.c_str());
  if (!created->totp_uri.empty()) {
    std::printf(
        "second facteur (à saisir dans l’application d’authentification ; ne sera plus "
        "affiché) :\n%s\n",
        created->totp_uri.c_str());
  }
  return 0;
}

int RunAgentList(domain::IdentityService& identity) {
  auto agents = identity.Agents();
  if (!agents.ok()) return Fail(agents.error());
  std::printf("id\tadmin\tactif\ttotp\tcourriel\téquipes\n");
  for (const auto& a : *agents) {
    std::string teams;
    for (const auto& m : a.teams) {
      teams += (teams.empty() ? "" : ",") + m.team_id + ":" + std::string(domain::ToString(m.role));
    }
    std::printf("%lld\t%s\t%s\t%s\t%s\t%s\n", static_cast<long long>(a.agent.id),
                a.platform_admin ? "oui" : "non", a.active ? "oui" : "non",
                a.totp_secret.empty() ? "non" : "oui", a.agent.email.c_str(), teams.c_str());
  }
  return 0;
}

Status SeedDemoIdentities(domain::IdentityStore& identities, Timestamp now) {
  using domain::TeamRole;
  struct DemoAgent {
    const char* name;
    const char* email;
    std::vector<domain::Membership> teams;
    bool admin;
  };
  const std::vector<DemoAgent> demo = {
      {"Camille Martin", "camille.martin@mairie-exemple.fr", {{"voirie", TeamRole::kAgent}}, false},
      {"Karim Benali",
       "karim.benali@mairie-exemple.fr",
       {{"etat-civil", TeamRole::kSupervisor}},
       false},
      {"Sophie Lefèvre",
       "sophie.lefevre@mairie-exemple.fr",
       {{"accueil", TeamRole::kAgent}},
       false},
      {"Alice Admin", "admin@mairie-exemple.fr", {{"accueil", TeamRole::kAdministrator}}, true},
  };
  // One hash for every demo account (same password): seeding stays fast.
  const std::string hash = domain::HashPassword(kDemoPassword);
  for (const auto& d : demo) {
    auto existing = identities.FindAgentByEmail(d.email);
    if (existing.ok() && !existing->password_hash.empty()) continue;  // seeded already
    if (!existing.ok() && existing.error().code() != ErrorCode::kNotFound) return existing.error();
    domain::AgentAccount acc = existing.ok() ? *existing : domain::AgentAccount{};
    acc.agent.name = d.name;
    acc.agent.email = d.email;
    acc.agent.team_id = d.teams.front().team_id;
    acc.teams = d.teams;
    acc.platform_admin = d.admin;
    acc.password_hash = hash;
    // A known secret, so the demo's second factor can be computed (oathtool).
    if (acc.RequiresTotp()) acc.totp_secret = kDemoTotpSecret;
    GUICHET_TRY(identities.WriteSync([acc](domain::IdentityTx& tx) -> Status {
      if (acc.agent.id != 0) return tx.UpdateAgentAccount(acc);
      auto id = tx.InsertAgentAccount(acc);
      return id.ok() ? Status::Ok() : Status(id.error());
    }));
  }
  // A citizen account, verified, with the same demo password.
  if (!identities.FindCitizenByEmail("jeanne.dupont@example.org").ok()) {
    domain::CitizenAccount c;
    c.citizen.name = "Jeanne Dupont";
    c.citizen.email = c.account_email = "jeanne.dupont@example.org";
    c.citizen.created_at = c.email_verified_at.emplace(now);
    c.password_hash = hash;
    GUICHET_TRY(identities.WriteSync([c](domain::IdentityTx& tx) -> Status {
      auto id = tx.InsertCitizenAccount(c);
      return id.ok() ? Status::Ok() : Status(id.error());
    }));
  }
  return Status::Ok();
}

}  // namespace guichet::app
