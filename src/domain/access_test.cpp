#include "domain/access.hpp"

#include <gtest/gtest.h>

namespace guichet::domain {
namespace {

Request InTeam(std::string team, std::optional<std::int64_t> citizen = {}) {
  Request r;
  r.team_id = std::move(team);
  r.citizen_id = citizen;
  return r;
}

TEST(AccessScope, AgentSeesOnlyTheirTeams) {
  Actor a{Actor::Kind::kAgent, 7};
  a.team_ids = {"voirie"};
  auto s = ScopeOf(a);
  EXPECT_TRUE(s.Allows(InTeam("voirie")));
  EXPECT_FALSE(s.Allows(InTeam("etat-civil")));
}

TEST(AccessScope, CitizenSeesOnlyTheirOwn) {
  auto s = ScopeOf(Actor{Actor::Kind::kCitizen, 3});
  EXPECT_TRUE(s.Allows(InTeam("voirie", 3)));
  EXPECT_FALSE(s.Allows(InTeam("voirie", 4)));
  EXPECT_FALSE(s.Allows(InTeam("voirie")));
}

TEST(AccessScope, PlatformAdminAndSystemSeeAll) {
  Actor admin{Actor::Kind::kAgent, 1};
  admin.platform_admin = true;
  EXPECT_TRUE(ScopeOf(admin).Allows(InTeam("voirie")));
  EXPECT_TRUE(ScopeOf(Actor{}).Allows(InTeam("x")));
}

TEST(AccessScope, ApiKeyRestrictedToTeams) {
  Actor k{Actor::Kind::kApi, 2};
  EXPECT_TRUE(ScopeOf(k).all);
  k.team_ids = {"voirie"};
  EXPECT_FALSE(ScopeOf(k).Allows(InTeam("proprete")));
  EXPECT_TRUE(ScopeOf(k).Allows(InTeam("voirie")));
}

TEST(AccessScope, AgentWithoutTeamSeesNothing) {
  auto s = ScopeOf(Actor{Actor::Kind::kAgent, 9});
  EXPECT_TRUE(s.Nothing());
  EXPECT_FALSE(s.Allows(InTeam("voirie")));
}

}  // namespace
}  // namespace guichet::domain
