// Who is calling: the router's guard. Resolves, in order, an
// `Authorization: Bearer` API key, then the session cookie, else anonymous;
// checks the route's Access policy; and for a cookie session, requires the
// CSRF token in X-CSRF-Token on every write (Bearer calls are exempt: a
// browser never adds that header by itself). Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "domain/api_keys.hpp"
#include "domain/identity_service.hpp"
#include "http/router.hpp"

namespace guichet::http {

inline constexpr std::string_view kSessionCookie = "guichet_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

class Authenticator {
 public:
  Authenticator(domain::IdentityService& identity, const domain::ApiKeyService& keys)
      : identity_(identity), keys_(keys) {}
  std::optional<Response> operator()(Context& ctx, Access access) const;

 private:
  domain::IdentityService& identity_;
  const domain::ApiKeyService& keys_;
};

// The value of a cookie of the request; empty when absent.
std::string CookieValue(const Context& ctx, std::string_view name);
// Set-Cookie for a new session, and for its removal. `secure`: browsers
// accept Secure cookies over plain http on 127.0.0.1/localhost.
std::string SessionCookie(const std::string& token, Timestamp max_age_micros);
std::string ClearedSessionCookie();

}  // namespace guichet::http
