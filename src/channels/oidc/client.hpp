// OpenID Connect login, FranceConnect style: the authorization-code flow with
// state, nonce and PKCE (S256) against one provider found by its discovery
// document. Begin() makes the provider URL and remembers the flow (hashed);
// Complete() takes that flow back once, exchanges the code at the token
// endpoint with the client secret (libcurl) and verifies the ID token against
// the provider's JWKS (cjose): signature, iss, aud, exp, iat, nonce.
// Thread-safe: pending flows and the cached documents are guarded by a mutex;
// network calls are blocking, so callers run them on a worker pool.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "domain/identity_service.hpp"

namespace guichet::channels::oidc {

struct Options {
  std::string issuer;  // e.g. https://fc.example.gouv.fr (no trailing slash needed)
  std::string client_id;
  std::string client_secret;  // never logged
  std::string redirect_uri;   // our /api/v1/auth/oidc/callback as the provider knows it
  std::string scope = "openid given_name family_name birthdate email";
  bool Enabled() const { return !issuer.empty() && !client_id.empty(); }
};

struct Started {
  std::string url;    // the provider's authorization endpoint with our parameters
  std::string state;  // for the caller to bind to the browser (cookie)
};

class Client {
 public:
  explicit Client(Options options);

  // The provider URL to send the browser to; the flow is remembered (state
  // hashed) for ten minutes. kUnavailable when the provider cannot be reached.
  Result<Started> Begin();
  // The citizen the provider vouches for, or kUnauthenticated (French message)
  // for an unknown, expired or replayed state, a refused code, or an ID token
  // that fails any check; kUnavailable when the provider cannot be reached.
  Result<domain::ProviderIdentity> Complete(const std::string& code, const std::string& state);

 private:
  struct Flow {
    std::string nonce;
    std::string verifier;
    std::chrono::steady_clock::time_point expires;
  };
  struct Discovery {
    std::string issuer, authorization_endpoint, token_endpoint, jwks_uri;
  };
  Result<Discovery> Discover();
  Result<std::string> Jwks(bool refresh);
  Result<domain::ProviderIdentity> Verify(const std::string& id_token, const Flow& flow);

  Options options_;
  std::mutex mu_;
  std::map<std::string, Flow> flows_;   // GUARDED_BY(mu_), keyed by SHA-256 of state
  std::optional<Discovery> discovery_;  // GUARDED_BY(mu_)
  std::string jwks_;                    // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point jwks_fetched_;  // GUARDED_BY(mu_)
};

}  // namespace guichet::channels::oidc
