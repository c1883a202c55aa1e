#include "domain/identity.hpp"

#include <algorithm>

#include "domain/enum_table.hpp"

namespace guichet::domain {
namespace {
constexpr EnumTable<TeamRole, 3> kTeamRoles{{
    {TeamRole::kAgent, "agent"},
    {TeamRole::kSupervisor, "supervisor"},
    {TeamRole::kAdministrator, "administrator"},
}};
constexpr EnumTable<AccountToken::Purpose, 3> kPurposes{{
    {AccountToken::Purpose::kVerify, "verify"},
    {AccountToken::Purpose::kMagic, "magic"},
    {AccountToken::Purpose::kReset, "reset"},
}};
}  // namespace

std::string_view ToString(TeamRole r) { return Name(kTeamRoles, r); }
std::optional<TeamRole> ParseTeamRole(std::string_view s) { return Lookup(kTeamRoles, s); }
std::string_view ToString(AccountToken::Purpose p) { return Name(kPurposes, p); }

bool AgentAccount::RequiresTotp() const {
  if (platform_admin) return true;
  return std::any_of(teams.begin(), teams.end(),
                     [](const Membership& m) { return m.role != TeamRole::kAgent; });
}

std::vector<std::string> WorkflowRolesOf(TeamRole r) {
  switch (r) {
    case TeamRole::kAgent:
      return {"agent"};
    case TeamRole::kSupervisor:
      return {"agent", "supervisor"};
    case TeamRole::kAdministrator:
      return {"agent", "supervisor", "administrator"};
  }
  return {"agent"};
}

Actor AgentAccount::ToActor() const {
  Actor a(Actor::Kind::kAgent, agent.id);
  a.platform_admin = platform_admin;
  TeamRole top = platform_admin ? TeamRole::kAdministrator : TeamRole::kAgent;
  for (const auto& m : teams) {
    a.team_ids.push_back(m.team_id);
    if (static_cast<int>(m.role) > static_cast<int>(top)) top = m.role;
  }
  a.roles = WorkflowRolesOf(top);
  return a;
}

}  // namespace guichet::domain
