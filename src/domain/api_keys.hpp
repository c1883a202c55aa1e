// API keys of partner applications: created by an administrator (`guichet
// api-key create`), shown once, scoped to what they may do, revocable.
//
// Thread-safe. Create and Revoke block until the change is durable (they are
// used by the command line, not on the request path); Verify only reads.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "domain/store.hpp"

namespace guichet::domain {

// Scopes a key may carry: Open311 only; the API as staff (every team, or
// the key's team); the API as a platform administrator.
inline constexpr std::string_view kScopeOpen311 = "open311";
inline constexpr std::string_view kScopeApi = "api";
inline constexpr std::string_view kScopeAdmin = "admin";
// Every secret starts with this, so a leaked key is recognisable by scanners.
inline constexpr std::string_view kApiKeyPrefix = "gk_";
// 256 bits of randomness per key.
inline constexpr std::size_t kApiKeyRandomBytes = 32;
inline constexpr std::size_t kMaxApiKeyNameLength = 200;
// How long a server trusts what it last read of a known key: a key revoked by
// `guichet api-key revoke` (another process) is refused within this delay; by
// this service itself, at once. Reading the key anew on every request cost 4 to
// 5 µs of server time, a fifth of a /healthz carrying a key (docs/performance.md).
inline constexpr Timestamp kApiKeyRecheckDelay = kMicrosPerSecond;
// Keys remembered at most: past it, those read more than kApiKeyRecheckDelay
// ago are forgotten, and all of them if none was (many partners at once).
inline constexpr std::size_t kMaxRememberedApiKeys = 1024;

struct NewApiKey {
  ApiKey key;          // as stored (hash only)
  std::string secret;  // shown once, never stored
};

class ApiKeyService {
 public:
  ApiKeyService(Store& store, const Clock& clock);

  // kInvalidArgument for an empty or too long name, or an unknown scope.
  // `team_id`: restricts an "api" key to one team's requests (empty: all).
  Result<NewApiKey> Create(const std::string& name, const std::string& scope,
                           const std::string& team_id = "");
  Result<std::vector<ApiKey>> List() const;
  // kNotFound when no key has this id. Revoking twice keeps the first date.
  Status Revoke(std::int64_t id);
  // The key a caller presented, if it exists, is not revoked and carries
  // `scope`. kUnauthenticated when absent or unknown, kForbidden when revoked
  // or of another scope.
  Result<ApiKey> Verify(std::string_view secret, std::string_view scope) const;
  // The key of an `Authorization: Bearer` header, whatever its scope:
  // kUnauthenticated when unknown, kForbidden when revoked. A known key is
  // read from the store again once kApiKeyRecheckDelay has passed; an unknown
  // one every time (a key just created works at once).
  Result<ApiKey> Authenticate(std::string_view secret) const;

  static bool IsKnownScope(std::string_view scope);

 private:
  struct Remembered {
    ApiKey key;
    Timestamp read_at = 0;
  };
  std::optional<ApiKey> Recall(const std::string& hash, Timestamp now) const;
  void Remember(const ApiKey& key, Timestamp now) const;

  Store& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Remembered> remembered_;  // by hash
};

// The secret of an `Authorization: Bearer <secret>` header value; empty when
// the header is absent or of another scheme.
std::string BearerToken(std::string_view authorization);

}  // namespace guichet::domain
