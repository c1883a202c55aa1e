#include "app/identity_cli.hpp"

#include <cstdio>
#include <iostream>

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
    std::printf("second facteur (à saisir dans l’application d’authentification ; ne sera plus "
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

Status SeedDemoIdentities(domain::IdentityService& identity, domain::IdentityStore& identities) {
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
      {"Sophie Lefèvre", "sophie.lefevre@mairie-exemple.fr", {{"accueil", TeamRole::kAgent}}, false},
      {"Alice Admin", "admin@mairie-exemple.fr", {{"accueil", TeamRole::kAdministrator}}, true},
  };
  for (const auto& d : demo) {
    auto existing = identities.FindAgentByEmail(d.email);
    std::int64_t id = 0;
    if (existing.ok()) {
      if (!existing->password_hash.empty()) continue;  // seeded already
      domain::AgentChange c;
      c.password = kDemoPassword;
      c.teams = d.teams;
      c.platform_admin = d.admin;
      auto updated = identity.UpdateAgent(existing->agent.id, c);
      if (!updated.ok()) return updated.error();
      id = existing->agent.id;
    } else {
      auto created = identity.CreateAgent({d.name, d.email, kDemoPassword, d.teams, d.admin});
      if (!created.ok()) return created.error();
      id = created->account.agent.id;
    }
    auto acc = identities.GetAgent(id);
    if (!acc.ok()) return acc.error();
    if (acc->RequiresTotp()) {
      // A known secret, so the demo's second factor can be computed (oathtool).
      acc->totp_secret = kDemoTotpSecret;
      const domain::AgentAccount updated = *acc;
      GUICHET_TRY(identities.WriteSync(
          [updated](domain::IdentityTx& tx) { return tx.UpdateAgentAccount(updated); }));
    }
  }
  // A citizen account, verified, with the same demo password.
  if (!identities.FindCitizenByEmail("jeanne.dupont@example.org").ok()) {
    GUICHET_TRY(identity.SignUp("jeanne.dupont@example.org", kDemoPassword, "Jeanne Dupont"));
    auto c = identities.FindCitizenByEmail("jeanne.dupont@example.org");
    if (!c.ok()) return c.error();
    c->email_verified_at = c->citizen.created_at;
    const domain::CitizenAccount updated = *c;
    GUICHET_TRY(identities.WriteSync(
        [updated](domain::IdentityTx& tx) { return tx.UpdateCitizenAccount(updated); }));
  }
  return Status::Ok();
}

}  // namespace guichet::app
