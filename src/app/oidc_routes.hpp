// The HTTP routes of the FranceConnect-style login (OpenID Connect):
//   GET /api/v1/auth/oidc/start     → 302 to the provider, with a cookie
//                                     binding the flow's state to this browser
//   GET /api/v1/auth/oidc/callback  → the provider's answer: a session opened
//                                     exactly as by password login, then 303 to
//                                     the portal; a French problem otherwise
//                                     (a browser: 303 to kOidcErrorPage).
// Without [oidc] both answer 503. The provider is called on `pool`.
#pragma once

#include <string>

#include "channels/oidc/client.hpp"
#include "domain/identity_service.hpp"
#include "http/blocking_pool.hpp"
#include "http/router.hpp"

namespace guichet::app {

// Holds the state between start and callback; Path-scoped to the callback.
inline constexpr std::string_view kOidcStateCookie = "guichet_oidc_state";
// Where a browser is sent when the login fails, with ?oidc_error=CODE
// (indisponible, annulee, navigateur, incomplete, refusee): the portal's
// account page, which explains the code.
inline constexpr std::string_view kOidcErrorPage = "/compte";

struct OidcRoutesOptions {
  std::string after_login = "/compte";  // a local path of the portal
  Timestamp session_absolute = 0;       // the session cookie's Max-Age (micros)
};

// `client` null: [oidc] is not configured.
void RegisterOidcRoutes(http::Router& router, channels::oidc::Client* client,
                        domain::IdentityService& identity, http::BlockingPool& pool,
                        OidcRoutesOptions options);

}  // namespace guichet::app
