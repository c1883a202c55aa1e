// `guichet api-key create|list|revoke`: API keys for partner applications,
// managed by an administrator on the server. The secret is printed once.
#pragma once

#include <cstdint>
#include <string>

#include "domain/api_keys.hpp"

namespace guichet::app {

// Each returns the process exit code (0 on success, 1 on a refused input,
// kExitDatabase-like 3 when the database fails) and prints in French.
int RunApiKeyCreate(domain::ApiKeyService& keys, const std::string& name, const std::string& scope,
                    const std::string& team = "");
int RunApiKeyList(domain::ApiKeyService& keys);
int RunApiKeyRevoke(domain::ApiKeyService& keys, std::int64_t id);

}  // namespace guichet::app
