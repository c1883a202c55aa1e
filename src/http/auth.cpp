#include "http/auth.hpp"

#include <sodium.h>

#include "http/problem.hpp"

namespace guichet::http {
namespace {

bool IsLoopback(const std::string& remote) {
  return remote.rfind("127.", 0) == 0 || remote == "::1" || remote.rfind("::ffff:127.", 0) == 0;
}

bool IsSafe(bhttp::verb m) {
  return m == bhttp::verb::get || m == bhttp::verb::head || m == bhttp::verb::options;
}

bool SameSecret(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Response Unauthenticated(const Context& ctx, std::string detail) {
  Response res = ctx.Problem(Error(ErrorCode::kUnauthenticated, std::move(detail)));
  res.set(bhttp::field::www_authenticate, "Bearer realm=\"guichet\"");
  return res;
}

bool IsSupervisor(const Context& ctx) {
  if (ctx.actor.platform_admin) return true;
  for (const auto& m : ctx.memberships) {
    if (m.role != domain::TeamRole::kAgent) return true;
  }
  return false;
}

}  // namespace

std::string CookieValue(const Context& ctx, std::string_view name) {
  for (auto it = ctx.req.find(bhttp::field::cookie);
       it != ctx.req.end() && it->name() == bhttp::field::cookie; ++it) {
    std::string_view v = it->value();
    while (!v.empty()) {
      const size_t semi = v.find(';');
      std::string_view pair = v.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        return std::string(pair.substr(eq + 1));
      }
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  return {};
}

std::string SessionCookie(const std::string& token, Timestamp max_age_micros) {
  return std::string(kSessionCookie) + "=" + token +
         "; Path=/; Max-Age=" + std::to_string(max_age_micros / kMicrosPerSecond) +
         "; HttpOnly; Secure; SameSite=Lax";
}

std::string ClearedSessionCookie() {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax";
}

std::optional<Response> Authenticator::operator()(Context& ctx, Access access) const {
  if (access == Access::kLoopback) {
    if (IsLoopback(ctx.remote)) return std::nullopt;
    return ctx.Problem(Error::Forbidden("Cette ressource n’est servie qu’en local."));
  }
  const std::string bearer = domain::BearerToken(ctx.Header(bhttp::field::authorization));
  if (!bearer.empty()) {
    auto key = keys_.Authenticate(bearer);
    if (!key.ok()) {
      if (key.error().code() == ErrorCode::kUnauthenticated) {
        return Unauthenticated(ctx, key.error().message());
      }
      return ctx.Problem(key.error());
    }
    ctx.api_scope = key->scope;
    ctx.actor = domain::Actor(domain::Actor::Kind::kApi, key->id);
    if (!key->team_id.empty()) ctx.actor.team_ids = {key->team_id};
  } else if (auto token = CookieValue(ctx, kSessionCookie); !token.empty()) {
    auto s = identity_.Resolve(token);
    if (s.ok()) {
      // A write with the cookie alone may come from another site's form.
      if (!IsSafe(ctx.req.method()) &&
          !SameSecret(std::string(ctx.req[kCsrfHeader]), s->session.csrf)) {
        return ctx.Problem(Error::Forbidden(
            "Jeton anti-CSRF absent ou invalide : renvoyez l’en-tête X-CSRF-Token de la session."));
      }
      ctx.actor = s->actor;
      ctx.session_hash = s->session.hash;
      ctx.csrf_token = s->session.csrf;
      if (s->session.kind == domain::SessionKind::kAgent) {
        auto acc = identity_.Agent(s->session.subject_id);
        if (acc.ok()) ctx.memberships = acc->teams;
      }
    } else if (s.error().code() != ErrorCode::kNotFound) {
      return ctx.Problem(s.error());
    }
    // An unknown or expired session: the caller is anonymous.
  }
  const auto kind = ctx.actor.kind;
  const bool citizen = kind == domain::Actor::Kind::kCitizen;
  const bool agent = kind == domain::Actor::Kind::kAgent;
  const bool api = kind == domain::Actor::Kind::kApi &&
                   (ctx.api_scope == domain::kScopeApi || ctx.api_scope == domain::kScopeAdmin);
  const bool admin_key = kind == domain::Actor::Kind::kApi && ctx.api_scope == domain::kScopeAdmin;
  bool allowed = false;
  switch (access) {
    case Access::kPublic:
    case Access::kLoopback:
      allowed = true;
      break;
    case Access::kSignedIn:
      allowed = citizen || agent || api;
      break;
    case Access::kCitizen:
      allowed = citizen;
      break;
    case Access::kAgent:
      allowed = agent;
      break;
    case Access::kStaff:
      allowed = agent || api;
      break;
    case Access::kSupervisor:
      allowed = (agent && IsSupervisor(ctx)) || admin_key;
      break;
    case Access::kAdmin:
      allowed = (agent && ctx.actor.platform_admin) || admin_key;
      break;
  }
  if (allowed) return std::nullopt;
  if (kind == domain::Actor::Kind::kAnonymous) {
    return Unauthenticated(ctx,
                           "Authentification requise : connectez-vous ou présentez une clé "
                           "d’API (Authorization: Bearer).");
  }
  return ctx.Problem(Error::Forbidden("Votre rôle ne permet pas cette action."));
}

}  // namespace guichet::http
