// `guichet agent create|list`: agents from the command line, so that an
// installation can bootstrap its first platform administrator; and the demo
// accounts of `make run` (known passwords: demo only).
#pragma once

#include <string>
#include <vector>

#include "domain/identity_service.hpp"

namespace guichet::app {

// `teams`: "voirie:supervisor", "accueil" (role agent). The password is read
// from the first line of standard input (never from the command line, which
// other users of the machine can see). Prints the TOTP URI once when the
// roles require a second factor.
int RunAgentCreate(domain::IdentityService& identity, const std::string& name,
                   const std::string& email, const std::vector<std::string>& teams, bool admin);
int RunAgentList(domain::IdentityService& identity);

// The password of every demo account, and the TOTP secret of the demo
// supervisor and administrator (DEMO ONLY: printed in the README).
inline constexpr const char* kDemoPassword = "Guichet-Demo-2026!";
inline constexpr const char* kDemoTotpSecret = "JBSWY3DPEHPK3PXP";
// Demo agents with passwords and roles, and a verified demo citizen account.
Status SeedDemoIdentities(domain::IdentityStore& identities, Timestamp now);

}  // namespace guichet::app
