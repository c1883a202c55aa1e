#include "app/oidc_routes.hpp"

#include "http/auth.hpp"
#include "http/log.hpp"
#include "http/server.hpp"

namespace guichet::app {

using http::Context;
using http::Response;
using http::bhttp::status;

namespace {

// Long enough to sign in at the provider; the server forgets the flow at the same time.
constexpr int kStateCookieSeconds = 10 * 60;
constexpr std::size_t kMaxParamBytes = 2048;  // codes and states are far shorter

std::string StateCookie(const std::string& state, int max_age) {
  return std::string(kOidcStateCookie) + "=" + state +
         "; Path=/api/v1/auth/oidc; Max-Age=" + std::to_string(max_age) +
         "; HttpOnly; Secure; SameSite=Lax";
}

Error NotConfigured() {
  return Error(ErrorCode::kUnavailable,
               "La connexion par FranceConnect n’est pas configurée sur ce guichet.",
               "[oidc] absent de la configuration");
}

Response Redirect(const Context& ctx, status s, const std::string& location) {
  Response res = ctx.Text(s, "", "text/plain");
  res.set(http::bhttp::field::location, location);
  res.set(http::bhttp::field::cache_control, "no-store");
  return res;
}

// Constant time: the state cookie is a secret of this browser.
bool SameState(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// A browser navigating here (Accept: text/html) gets the portal's account
// page back with a short code it explains, rather than raw JSON; API clients
// get the problem. Either way the cause is logged and the state cookie dropped.
bool FromBrowser(const Context& ctx) {
  return ctx.Header(http::bhttp::field::accept).find("text/html") != std::string::npos;
}

Response Refuse(const Context& ctx, const Error& error, std::string_view code) {
  http::LogEvent(
      error.code() == ErrorCode::kUnavailable ? spdlog::level::err : spdlog::level::warn,
      "connexion OIDC refusée",
      {{"code", std::string(code)}, {"cause", error.cause()}, {"request_id", ctx.request_id}});
  Response res = FromBrowser(ctx)
                     ? Redirect(ctx, status::see_other,
                                std::string(kOidcErrorPage) + "?oidc_error=" + std::string(code))
                     : ctx.Problem(error);
  res.set(http::bhttp::field::set_cookie, StateCookie("", 0));
  return res;
}

// The code the portal explains for a refusal: the provider or the network is
// down, or the login itself failed.
std::string_view CodeOf(const Error& error) {
  return error.code() == ErrorCode::kUnavailable ? "indisponible" : "refusee";
}

}  // namespace

void RegisterOidcRoutes(http::Router& router, channels::oidc::Client* client,
                        domain::IdentityService& identity, http::BlockingPool& pool,
                        OidcRoutesOptions options) {
  router.Add(http::bhttp::verb::get, "/api/v1/auth/oidc/start",
             [client, &pool](Context& ctx) -> http::asio::awaitable<Response> {
               if (!client) co_return Refuse(ctx, NotConfigured(), "indisponible");
               auto url = co_await http::OnPool<Result<channels::oidc::Started>>(
                   pool, [client] { return client->Begin(); });
               if (!url.ok()) co_return Refuse(ctx, url.error(), CodeOf(url.error()));
               Response res = Redirect(ctx, status::found, url->url);
               res.set(http::bhttp::field::set_cookie,
                       StateCookie(url->state, kStateCookieSeconds));
               co_return res;
             });

  router.Add(http::bhttp::verb::get, "/api/v1/auth/oidc/callback",
             [client, &identity, &pool, options](Context& ctx) -> http::asio::awaitable<Response> {
               if (!client) co_return Refuse(ctx, NotConfigured(), "indisponible");
               const std::string code = ctx.Query("code").value_or("");
               const std::string state = ctx.Query("state").value_or("");
               const std::string cookie = http::CookieValue(ctx, kOidcStateCookie);
               std::vector<FieldError> errs;
               if (auto err = ctx.Query("error")) {
                 // The citizen cancelled, or the provider refused: say so, in French.
                 co_return Refuse(ctx,
                                  Error(ErrorCode::kUnauthenticated,
                                        "Le fournisseur d’identité n’a pas authentifié "
                                        "l’usager ; la connexion est annulée.",
                                        "oidc error=" + err->substr(0, 64)),
                                  "annulee");
               }
               if (code.empty() || code.size() > kMaxParamBytes) {
                 errs.push_back({"code", "Le code d’autorisation est absent ou trop long."});
               }
               if (state.empty() || state.size() > kMaxParamBytes) {
                 errs.push_back({"state", "Le paramètre state est absent ou trop long."});
               }
               if (!errs.empty()) {
                 co_return Refuse(
                     ctx,
                     Error::Invalid("La réponse du fournisseur d’identité est incomplète.", errs),
                     "incomplete");
               }
               // Login CSRF: the answer must come back to the browser that started the flow.
               if (!SameState(state, cookie)) {
                 co_return Refuse(
                     ctx,
                     Error(ErrorCode::kUnauthenticated,
                           "Cette connexion n’a pas été commencée depuis ce navigateur ; veuillez "
                           "recommencer.",
                           "oidc state cookie absent or different"),
                     "navigateur");
               }
               auto session = co_await http::OnPool<Result<domain::IssuedSession>>(
                   pool, [client, &identity, &code, &state]() -> Result<domain::IssuedSession> {
                     auto who = client->Complete(code, state);
                     if (!who.ok()) return who.error();
                     return identity.LoginWithProvider(*who);
                   });
               if (!session.ok()) co_return Refuse(ctx, session.error(), CodeOf(session.error()));
               Response res = Redirect(ctx, status::see_other, options.after_login);
               res.insert(http::bhttp::field::set_cookie, StateCookie("", 0));
               res.insert(http::bhttp::field::set_cookie,
                          http::SessionCookie(session->token, options.session_absolute));
               co_return res;
             });
}

}  // namespace guichet::app
