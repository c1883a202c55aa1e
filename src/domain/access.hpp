// What a caller may see and touch. One rule for every endpoint and every
// record: the handlers ask the scope, never the caller's kind directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/model.hpp"

namespace guichet::domain {

struct AccessScope {
  // Platform administrators, the system, and API keys without a team
  // restriction see every request.
  bool all = false;
  // Agents: the teams they belong to (Actor::team_ids).
  std::vector<std::string> team_ids;
  // Citizens: only the requests filed under their account.
  std::optional<std::int64_t> citizen_id;

  bool Allows(const Request& r) const;
  bool Nothing() const { return !all && team_ids.empty() && !citizen_id; }
};

// The scope of an actor: system and api → all (unless the actor carries
// teams); agent → their teams; citizen → their own requests.
AccessScope ScopeOf(const Actor& a);

}  // namespace guichet::domain
