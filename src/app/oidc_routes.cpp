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

Response NotConfigured(const Context& ctx) {
  return ctx.Problem(status::service_unavailable,
                     "La connexion par FranceConnect n’est pas configurée sur ce guichet.");
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

}  // namespace

void RegisterOidcRoutes(http::Router& router, channels::oidc::Client* client,
                        domain::IdentityService& identity, http::BlockingPool& pool,
                        OidcRoutesOptions options) {
  router.Add(http::bhttp::verb::get, "/api/v1/auth/oidc/start",
             [client, &pool](Context& ctx) -> http::asio::awaitable<Response> {
               if (!client) co_return NotConfigured(ctx);
               auto url = co_await http::OnPool<Result<channels::oidc::Started>>(
                   pool, [client] { return client->Begin(); });
               if (!url.ok()) co_return ctx.Problem(url.error());
               Response res = Redirect(ctx, status::found, url->url);
               res.set(http::bhttp::field::set_cookie,
                       StateCookie(url->state, kStateCookieSeconds));
               co_return res;
             });

  router.Add(
      http::bhttp::verb::get, "/api/v1/auth/oidc/callback",
      [client, &identity, &pool, options](Context& ctx) -> http::asio::awaitable<Response> {
        if (!client) co_return NotConfigured(ctx);
        const std::string code = ctx.Query("code").value_or("");
        const std::string state = ctx.Query("state").value_or("");
        const std::string cookie = http::CookieValue(ctx, kOidcStateCookie);
        std::vector<FieldError> errs;
        if (auto err = ctx.Query("error")) {
          // The citizen cancelled, or the provider refused: say so, in French.
          Response res = ctx.Problem(Error(ErrorCode::kUnauthenticated,
                                           "Le fournisseur d’identité n’a pas authentifié "
                                           "l’usager ; la connexion est annulée.",
                                           "oidc error=" + err->substr(0, 64)));
          res.set(http::bhttp::field::set_cookie, StateCookie("", 0));
          co_return res;
        }
        if (code.empty() || code.size() > kMaxParamBytes) {
          errs.push_back({"code", "Le code d’autorisation est absent ou trop long."});
        }
        if (state.empty() || state.size() > kMaxParamBytes) {
          errs.push_back({"state", "Le paramètre state est absent ou trop long."});
        }
        if (!errs.empty()) {
          co_return ctx.Problem(
              Error::Invalid("La réponse du fournisseur d’identité est incomplète.", errs));
        }
        // Login CSRF: the answer must come back to the browser that started the flow.
        if (!SameState(state, cookie)) {
          Response res = ctx.Problem(Error(
              ErrorCode::kUnauthenticated,
              "Cette connexion n’a pas été commencée depuis ce navigateur ; veuillez recommencer.",
              "oidc state cookie absent or different"));
          res.set(http::bhttp::field::set_cookie, StateCookie("", 0));
          co_return res;
        }
        auto session = co_await http::OnPool<Result<domain::IssuedSession>>(
            pool, [client, &identity, &code, &state]() -> Result<domain::IssuedSession> {
              auto who = client->Complete(code, state);
              if (!who.ok()) return who.error();
              return identity.LoginWithProvider(*who);
            });
        if (!session.ok()) {
          http::LogEvent(spdlog::level::warn, "connexion OIDC refusée",
                         {{"cause", session.error().cause()}, {"request_id", ctx.request_id}});
          Response res = ctx.Problem(session.error());
          res.set(http::bhttp::field::set_cookie, StateCookie("", 0));
          co_return res;
        }
        Response res = Redirect(ctx, status::see_other, options.after_login);
        res.insert(http::bhttp::field::set_cookie, StateCookie("", 0));
        res.insert(http::bhttp::field::set_cookie,
                   http::SessionCookie(session->token, options.session_absolute));
        co_return res;
      });
}

}  // namespace guichet::app
