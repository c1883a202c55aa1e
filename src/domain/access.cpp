#include "domain/access.hpp"

#include <algorithm>

namespace guichet::domain {

bool AccessScope::Allows(const Request& r) const {
  if (all) return true;
  if (citizen_id && r.citizen_id && *citizen_id == *r.citizen_id) return true;
  return std::find(team_ids.begin(), team_ids.end(), r.team_id) != team_ids.end();
}

AccessScope ScopeOf(const Actor& a) {
  AccessScope s;
  switch (a.kind) {
    case Actor::Kind::kSystem:
      s.all = true;
      break;
    case Actor::Kind::kApi:
      s.all = a.team_ids.empty();
      s.team_ids = a.team_ids;
      break;
    case Actor::Kind::kAgent:
      s.all = a.platform_admin;
      s.team_ids = a.team_ids;
      break;
    case Actor::Kind::kCitizen:
      s.citizen_id = a.id;
      break;
    case Actor::Kind::kAnonymous:
      break;  // sees no request: a reference plus a proof goes through its own route
  }
  return s;
}

}  // namespace guichet::domain
