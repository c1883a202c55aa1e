#include "http/api_identity.hpp"

#include <charconv>
#include <map>

#include "http/api_common.hpp"
#include "http/auth.hpp"
#include "http/json_mapping.hpp"

namespace guichet::http {

using bhttp::status;
using bhttp::verb;
using nlohmann::json;

namespace {

// No credential or name of ours is longer; a longer field is refused before any work.
constexpr std::size_t kMaxFieldBytes = 4096;

using Fields = std::map<std::string, json>;

// The JSON object body with only these fields; `required` must be present.
// Every error at once, per field, in French.
Result<Fields> ReadFields(const Context& ctx, std::initializer_list<std::string_view> required,
                          std::initializer_list<std::string_view> optional = {}) {
  if (!IsJson(ctx, true)) {
    return Error(ErrorCode::kInvalidArgument,
                 "Le corps doit être du JSON (Content-Type: application/json).");
  }
  auto body = ParseBody(ctx.req.body());
  if (!body.ok()) return body.error();
  std::vector<FieldError> errs;
  Fields out;
  for (auto it = body->begin(); it != body->end(); ++it) {
    const auto known = [&](std::initializer_list<std::string_view> l) {
      return std::find(l.begin(), l.end(), it.key()) != l.end();
    };
    if (!known(required) && !known(optional)) {
      errs.push_back({it.key(), "Ce champ n’est pas reconnu."});
    } else if (it->is_string() && it->get_ref<const std::string&>().size() > kMaxFieldBytes) {
      errs.push_back({it.key(), "Ce champ dépasse 4 096 octets."});
    } else {
      out[it.key()] = *it;
    }
  }
  for (auto r : required) {
    auto it = out.find(std::string(r));
    if (it == out.end() || (it->second.is_string() && it->second.get<std::string>().empty())) {
      errs.push_back({std::string(r), "Ce champ est obligatoire."});
    }
  }
  if (!errs.empty()) return Error::Invalid("La requête contient des erreurs.", std::move(errs));
  return out;
}

// A string field (empty when absent); a field error when of another type.
std::string Str(const Fields& f, const std::string& name, std::vector<FieldError>& errs) {
  auto it = f.find(name);
  if (it == f.end() || it->second.is_null()) return {};
  if (!it->second.is_string()) {
    errs.push_back({name, "Ce champ doit être une chaîne de caractères."});
    return {};
  }
  return it->second.get<std::string>();
}

std::optional<bool> Bool(const Fields& f, const std::string& name, std::vector<FieldError>& errs) {
  auto it = f.find(name);
  if (it == f.end()) return std::nullopt;
  if (!it->second.is_boolean()) {
    errs.push_back({name, "Ce champ doit être un booléen."});
    return std::nullopt;
  }
  return it->second.get<bool>();
}

// [{"team_id": "voirie", "role": "supervisor"}, …]
std::optional<std::vector<domain::Membership>> Teams(const Fields& f,
                                                     std::vector<FieldError>& errs) {
  auto it = f.find("teams");
  if (it == f.end()) return std::nullopt;
  std::vector<domain::Membership> out;
  if (!it->second.is_array() || it->second.size() > 100) {
    errs.push_back({"teams", "Une liste d’au plus 100 {team_id, role} est attendue."});
    return out;
  }
  for (const auto& m : it->second) {
    const auto role = m.is_object() && m.value("role", json()).is_string()
                          ? domain::ParseTeamRole(m["role"].get<std::string>())
                          : std::nullopt;
    if (!m.is_object() || !m.value("team_id", json()).is_string() || !role || m.size() != 2) {
      errs.push_back({"teams",
                      "Chaque équipe est {team_id, role} ; role : agent, supervisor ou "
                      "administrator."});
      continue;
    }
    out.push_back({m["team_id"].get<std::string>(), *role});
  }
  return out;
}

json ActorJson(const domain::Actor& a) {
  std::string kind = a.kind == domain::Actor::Kind::kCitizen ? "citizen"
                     : a.kind == domain::Actor::Kind::kAgent ? "agent"
                     : a.kind == domain::Actor::Kind::kApi   ? "api"
                                                             : "anonymous";
  return {{"kind", kind},
          {"id", a.id},
          {"roles", a.EffectiveRoles()},
          {"team_ids", a.team_ids},
          {"platform_admin", a.platform_admin}};
}

json AgentJson(const domain::AgentAccount& a) {
  json teams = json::array();
  for (const auto& m : a.teams) {
    teams.push_back({{"team_id", m.team_id}, {"role", domain::ToString(m.role)}});
  }
  return {{"id", a.agent.id},
          {"name", a.agent.name},
          {"email", a.agent.email},
          {"teams", teams},
          {"platform_admin", a.platform_admin},
          {"active", a.active},
          {"totp_enrolled", !a.totp_secret.empty()}};
}

json CitizenJson(const domain::CitizenAccount& c) {
  return {{"id", c.citizen.id},
          {"name", c.citizen.name},
          {"email", c.account_email.empty() ? c.citizen.email : c.account_email},
          {"email_verified", c.email_verified_at.has_value()},
          {"phone", c.citizen.phone},
          {"postal_address", c.citizen.postal_address},
          {"preferred_channel", domain::ToString(c.citizen.preferred_channel)},
          {"given_name", c.citizen.given_name},
          {"family_name", c.citizen.family_name},
          {"birthdate", c.citizen.birthdate},
          {"franceconnect", !c.oidc_subject.empty()}};
}

Response Accepted(const Context& ctx) {
  // The same answer whether or not the address has an account.
  return ctx.Json(status::accepted,
                  json{{"status", "accepted"},
                       {"detail",
                        "Si l’adresse correspond à un compte, un message vient d’y être "
                        "envoyé."}}
                      .dump());
}

Response NoContent(const Context& ctx) { return ctx.Text(status::no_content, "", "text/plain"); }

std::optional<std::int64_t> IdParam(const Context& ctx) {
  const std::string v = ctx.Param("id");
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n <= 0) return std::nullopt;
  return n;
}

}  // namespace

Response IdentityApi::SessionResponse(const Context& ctx, const domain::IssuedSession& s) const {
  json out = ActorJson(s.actor);
  out["csrf_token"] = s.csrf;
  out["expires_at"] = FormatIso8601(s.expires_at);
  Response res = ctx.Json(status::ok, out.dump());
  res.set(bhttp::field::set_cookie, SessionCookie(s.token, session_absolute_));
  res.set(bhttp::field::cache_control, "no-store");
  return res;
}

// A public "mail me" route (magic link, reset, verification again): one
// address in, the same 202 whether or not it has an account.
Handler IdentityApi::MailToAddress(Status (domain::IdentityService::*send)(const std::string&)) {
  return [this, send](Context& ctx) -> asio::awaitable<Response> {
    auto f = ReadFields(ctx, {"email"});
    if (!f.ok()) co_return ctx.Problem(f.error());
    std::vector<FieldError> errs;
    const std::string email = Str(*f, "email", errs);
    if (!errs.empty()) {
      co_return ctx.Problem(Error::Invalid("La requête contient des erreurs.", errs));
    }
    if (auto limited = MailLimited(ctx, email)) co_return *limited;
    auto s = co_await OnPool<Status>(pool_, [&] { return (identity_.*send)(email); });
    if (!s.ok()) co_return ctx.Problem(s.error());
    co_return Accepted(ctx);
  };
}

std::optional<Response> IdentityApi::MailLimited(const Context& ctx, const std::string& email) {
  const std::string address = domain::IdentityService::NormaliseEmail(email);
  long retry = 0;
  if (!mails_per_ip_.Allow(ctx.remote)) {
    retry = mails_per_ip_.RetryAfterSeconds(ctx.remote);
  } else if (!mails_per_address_.Allow(address)) {
    retry = mails_per_address_.RetryAfterSeconds(address);
  } else {
    return std::nullopt;
  }
  Response res = ctx.Problem(status::too_many_requests,
                             "Trop de demandes de message pour cette adresse ou depuis ce "
                             "poste ; réessayez dans une heure.");
  res.set(bhttp::field::retry_after, std::to_string(retry));
  return res;
}

void IdentityApi::Register(Router& router) {
  router.Add(verb::post, "/api/v1/auth/signup", [this](Context& ctx) -> asio::awaitable<Response> {
    auto f = ReadFields(ctx, {"email", "password"}, {"name"});
    if (!f.ok()) co_return ctx.Problem(f.error());
    std::vector<FieldError> errs;
    const std::string email = Str(*f, "email", errs), password = Str(*f, "password", errs),
                      name = Str(*f, "name", errs);
    if (!errs.empty())
      co_return ctx.Problem(Error::Invalid("La requête contient des erreurs.", errs));
    if (auto limited = MailLimited(ctx, email)) co_return *limited;
    auto s =
        co_await OnPool<Status>(pool_, [&] { return identity_.SignUp(email, password, name); });
    if (!s.ok()) co_return ctx.Problem(s.error());
    co_return Accepted(ctx);
  });

  // The three ways a token from a mail becomes a session.
  router.Add(verb::post, "/api/v1/auth/verify", [this](Context& ctx) -> asio::awaitable<Response> {
    auto f = ReadFields(ctx, {"token"});
    if (!f.ok()) co_return ctx.Problem(f.error());
    std::vector<FieldError> errs;
    const std::string token = Str(*f, "token", errs);
    if (!errs.empty())
      co_return ctx.Problem(Error::Invalid("La requête contient des erreurs.", errs));
    auto s = co_await OnPool<Result<domain::IssuedSession>>(
        pool_, [&] { return identity_.VerifyEmail(token); });
    if (!s.ok()) co_return ctx.Problem(s.error());
    co_return SessionResponse(ctx, *s);
  });

  router.Add(verb::post, "/api/v1/auth/magic-link/consume",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto f = ReadFields(ctx, {"token"});
               if (!f.ok()) co_return ctx.Problem(f.error());
               std::vector<FieldError> errs;
               const std::string token = Str(*f, "token", errs);
               if (!errs.empty()) {
                 co_return ctx.Problem(Error::Invalid("La requête contient des erreurs.", errs));
               }
               auto s = co_await OnPool<Result<domain::IssuedSession>>(
                   pool_, [&] { return identity_.ConsumeMagicLink(token); });
               if (!s.ok()) co_return ctx.Problem(s.error());
               co_return SessionResponse(ctx, *s);
             });

  router.Add(verb::post, "/api/v1/auth/login", [this](Context& ctx) -> asio::awaitable<Response> {
    auto f = ReadFields(ctx, {"email", "password"});
    if (!f.ok()) co_return ctx.Problem(f.error());
    std::vector<FieldError> errs;
    const std::string email = Str(*f, "email", errs), password = Str(*f, "password", errs);
    if (!errs.empty())
      co_return ctx.Problem(Error::Invalid("La requête contient des erreurs.", errs));
    auto s = co_await OnPool<Result<domain::IssuedSession>>(
        pool_, [&] { return identity_.Login(email, password, ctx.remote); });
    if (!s.ok()) co_return ctx.Problem(s.error());
    co_return SessionResponse(ctx, *s);
  });

  router.Add(
      verb::post, "/api/v1/auth/agent-login", [this](Context& ctx) -> asio::awaitable<Response> {
        auto f = ReadFields(ctx, {"email", "password"}, {"totp"});
        if (!f.ok()) co_return ctx.Problem(f.error());
        std::vector<FieldError> errs;
        const std::string email = Str(*f, "email", errs), password = Str(*f, "password", errs),
                          totp = Str(*f, "totp", errs);
        if (!errs.empty()) {
          co_return ctx.Problem(Error::Invalid("La requête contient des erreurs.", errs));
        }
        std::string enrol_uri;
        auto s = co_await OnPool<Result<domain::IssuedSession>>(pool_, [&] {
          return identity_.AgentLogin(email, password, totp, ctx.remote, &enrol_uri);
        });
        if (!enrol_uri.empty()) {
          // The password was right; no session until the new factor gives a code.
          Response res = ctx.Json(status::accepted,
                                  json{{"status", "totp_enrolment_required"},
                                       {"detail", s.ok() ? std::string() : s.error().message()},
                                       {"otpauth_uri", enrol_uri}}
                                      .dump());
          res.set(bhttp::field::cache_control, "no-store");
          co_return res;
        }
        if (!s.ok()) co_return ctx.Problem(s.error());
        co_return SessionResponse(ctx, *s);
      });

  router.Add(verb::post, "/api/v1/auth/magic-link",
             MailToAddress(&domain::IdentityService::SendMagicLink));

  router.Add(verb::post, "/api/v1/auth/password-reset",
             MailToAddress(&domain::IdentityService::SendPasswordReset));

  router.Add(verb::post, "/api/v1/auth/verify/resend",
             MailToAddress(&domain::IdentityService::ResendVerification));

  router.Add(verb::post, "/api/v1/auth/password-reset/confirm",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto f = ReadFields(ctx, {"token", "password"});
               if (!f.ok()) co_return ctx.Problem(f.error());
               std::vector<FieldError> errs;
               const std::string token = Str(*f, "token", errs),
                                 password = Str(*f, "password", errs);
               if (!errs.empty()) {
                 co_return ctx.Problem(Error::Invalid("La requête contient des erreurs.", errs));
               }
               auto s = co_await OnPool<Status>(
                   pool_, [&] { return identity_.ResetPassword(token, password); });
               if (!s.ok()) co_return ctx.Problem(s.error());
               co_return NoContent(ctx);
             });

  router.Add(verb::get, "/api/v1/auth/session", [](Context& ctx) -> asio::awaitable<Response> {
    json out = ActorJson(ctx.actor);
    if (!ctx.csrf_token.empty()) out["csrf_token"] = ctx.csrf_token;
    Response res = ctx.Json(status::ok, out.dump());
    res.set(bhttp::field::cache_control, "no-store");
    co_return res;
  });

  router.Add(verb::post, "/api/v1/auth/logout", [this](Context& ctx) -> asio::awaitable<Response> {
    if (ctx.session_hash.empty()) {
      co_return ctx.Problem(Error::Rule("Une clé d’API n’a pas de session à fermer."));
    }
    auto s = co_await OnPool<Status>(pool_, [&] { return identity_.Logout(ctx.session_hash); });
    if (!s.ok()) co_return ctx.Problem(s.error());
    Response res = NoContent(ctx);
    res.set(bhttp::field::set_cookie, ClearedSessionCookie());
    co_return res;
  });

  router.Add(
      verb::post, "/api/v1/auth/logout-all", [this](Context& ctx) -> asio::awaitable<Response> {
        if (ctx.session_hash.empty()) {
          co_return ctx.Problem(Error::Rule("Une clé d’API n’a pas de session à fermer."));
        }
        auto s =
            co_await OnPool<Status>(pool_, [&] { return identity_.LogoutEverywhere(ctx.actor); });
        if (!s.ok()) co_return ctx.Problem(s.error());
        Response res = NoContent(ctx);
        res.set(bhttp::field::set_cookie, ClearedSessionCookie());
        co_return res;
      });

  router.Add(verb::post, "/api/v1/auth/totp/enroll",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto uri = co_await OnPool<Result<std::string>>(
                   pool_, [&] { return identity_.EnrollTotp(ctx.actor.id); });
               if (!uri.ok()) co_return ctx.Problem(uri.error());
               Response res = ctx.Json(status::ok, json{{"otpauth_uri", *uri}}.dump());
               res.set(bhttp::field::cache_control, "no-store");
               co_return res;
             });

  router.Add(verb::post, "/api/v1/auth/totp/confirm",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto f = ReadFields(ctx, {"code"});
               if (!f.ok()) co_return ctx.Problem(f.error());
               std::vector<FieldError> errs;
               const std::string code = Str(*f, "code", errs);
               if (!errs.empty()) {
                 co_return ctx.Problem(Error::Invalid("La requête contient des erreurs.", errs));
               }
               auto s = co_await OnPool<Status>(
                   pool_, [&] { return identity_.ConfirmTotp(ctx.actor.id, code); });
               if (!s.ok()) co_return ctx.Problem(s.error());
               co_return NoContent(ctx);
             });

  router.Add(verb::get, "/api/v1/me", [this](Context& ctx) -> asio::awaitable<Response> {
    auto c = identity_.Citizen(ctx.actor.id);
    if (!c.ok()) co_return ctx.Problem(c.error());
    co_return ctx.Json(status::ok, CitizenJson(*c).dump());
  });

  router.Add(verb::patch, "/api/v1/me", [this](Context& ctx) -> asio::awaitable<Response> {
    auto f = ReadFields(ctx, {}, {"name", "phone", "postal_address", "preferred_channel"});
    if (!f.ok()) co_return ctx.Problem(f.error());
    std::vector<FieldError> errs;
    domain::Preferences p;
    for (const char* k : {"name", "phone", "postal_address"}) {
      if (!f->count(k)) continue;
      const std::string v = Str(*f, k, errs);
      (std::string_view(k) == "name"    ? p.name
       : std::string_view(k) == "phone" ? p.phone
                                        : p.postal_address) = v;
    }
    if (f->count("preferred_channel")) {
      const std::string v = Str(*f, "preferred_channel", errs);
      p.preferred_channel = domain::ParseChannel(v);
      if (!p.preferred_channel) {
        errs.push_back({"preferred_channel", "Le canal préféré est email, sms ou postal."});
      }
    }
    if (!errs.empty()) {
      co_return ctx.Problem(Error::Invalid("Les préférences contiennent des erreurs.", errs));
    }
    auto c = co_await OnPool<Result<domain::CitizenAccount>>(
        pool_, [&] { return identity_.UpdatePreferences(ctx.actor.id, p); });
    if (!c.ok()) co_return ctx.Problem(c.error());
    co_return ctx.Json(status::ok, CitizenJson(*c).dump());
  });

  router.Add(verb::get, "/api/v1/admin/agents", [this](Context& ctx) -> asio::awaitable<Response> {
    auto agents = identity_.Agents();
    if (!agents.ok()) co_return ctx.Problem(agents.error());
    json items = json::array();
    for (const auto& a : *agents) items.push_back(AgentJson(a));
    co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
  });

  router.Add(verb::post, "/api/v1/admin/agents", [this](Context& ctx) -> asio::awaitable<Response> {
    auto f = ReadFields(ctx, {"name", "email", "teams"}, {"password", "platform_admin"});
    if (!f.ok()) co_return ctx.Problem(f.error());
    std::vector<FieldError> errs;
    domain::NewAgent a;
    a.name = Str(*f, "name", errs);
    a.email = Str(*f, "email", errs);
    a.password = Str(*f, "password", errs);
    a.platform_admin = Bool(*f, "platform_admin", errs).value_or(false);
    a.teams = Teams(*f, errs).value_or(std::vector<domain::Membership>{});
    if (!errs.empty()) co_return ctx.Problem(Error::Invalid("L’agent contient des erreurs.", errs));
    auto created = co_await OnPool<Result<domain::CreatedAgent>>(
        pool_, [&] { return identity_.CreateAgent(a); });
    if (!created.ok()) co_return ctx.Problem(created.error());
    json out = AgentJson(created->account);
    // Shown once: the administrator hands it to the agent's authenticator app.
    if (!created->totp_uri.empty()) out["otpauth_uri"] = created->totp_uri;
    Response res = ctx.Json(status::created, out.dump());
    res.set(bhttp::field::location,
            "/api/v1/admin/agents/" + std::to_string(created->account.agent.id));
    res.set(bhttp::field::cache_control, "no-store");
    co_return res;
  });

  router.Add(verb::get, "/api/v1/admin/agents/{id}",
             [this](Context& ctx) -> asio::awaitable<Response> {
               const auto id = IdParam(ctx);
               if (!id) co_return ctx.Problem(Error::NotFound("Cet agent n’existe pas."));
               auto a = identity_.Agent(*id);
               if (!a.ok()) co_return ctx.Problem(a.error());
               co_return ctx.Json(status::ok, AgentJson(*a).dump());
             });

  router.Add(
      verb::patch, "/api/v1/admin/agents/{id}", [this](Context& ctx) -> asio::awaitable<Response> {
        const auto id = IdParam(ctx);
        if (!id) co_return ctx.Problem(Error::NotFound("Cet agent n’existe pas."));
        auto f = ReadFields(
            ctx, {}, {"name", "teams", "platform_admin", "active", "password", "reset_totp"});
        if (!f.ok()) co_return ctx.Problem(f.error());
        std::vector<FieldError> errs;
        domain::AgentChange c;
        if (f->count("name")) c.name = Str(*f, "name", errs);
        if (f->count("password")) c.password = Str(*f, "password", errs);
        c.teams = Teams(*f, errs);
        c.platform_admin = Bool(*f, "platform_admin", errs);
        c.active = Bool(*f, "active", errs);
        c.reset_totp = Bool(*f, "reset_totp", errs).value_or(false);
        if (!errs.empty()) {
          co_return ctx.Problem(Error::Invalid("L’agent contient des erreurs.", errs));
        }
        auto a = co_await OnPool<Result<domain::AgentAccount>>(
            pool_, [&] { return identity_.UpdateAgent(*id, c); });
        if (!a.ok()) co_return ctx.Problem(a.error());
        co_return ctx.Json(status::ok, AgentJson(*a).dump());
      });

  router.Add(
      verb::put, "/api/v1/admin/teams/{id}", [this](Context& ctx) -> asio::awaitable<Response> {
        auto f = ReadFields(ctx, {"name"}, {"email", "round_robin"});
        if (!f.ok()) co_return ctx.Problem(f.error());
        std::vector<FieldError> errs;
        domain::Team t{ctx.Param("id"), Str(*f, "name", errs), Str(*f, "email", errs),
                       Bool(*f, "round_robin", errs).value_or(false)};
        bool slug = !t.id.empty() && t.id.size() <= 64;
        for (char c : t.id)
          slug = slug && (std::islower(static_cast<unsigned char>(c)) ||
                          std::isdigit(static_cast<unsigned char>(c)) || c == '-');
        if (!slug)
          errs.push_back({"id",
                          "L’identifiant est en minuscules, chiffres et "
                          "tirets (64 caractères au plus)."});
        if (t.name.size() > 200) errs.push_back({"name", "200 caractères au plus."});
        if (!errs.empty()) {
          co_return ctx.Problem(Error::Invalid("L’équipe contient des erreurs.", errs));
        }
        auto s = co_await OnPool<Status>(pool_, [&] {
          return store_.WriteSync([&t](domain::WriteTx& tx) { return tx.UpsertTeam(t); });
        });
        if (!s.ok()) co_return ctx.Problem(s.error());
        co_return ctx.Json(
            status::ok,
            json{{"id", t.id}, {"name", t.name}, {"email", t.email}, {"round_robin", t.round_robin}}
                .dump());
      });

  // The agents a request of the team may be given to: staff of that team only.
  router.Add(
      verb::get, "/api/v1/teams/{id}/agents", [this](Context& ctx) -> asio::awaitable<Response> {
        const std::string team = ctx.Param("id");
        const auto scope = domain::ScopeOf(ApiCaller(ctx));
        const bool member = scope.all || std::find(scope.team_ids.begin(), scope.team_ids.end(),
                                                   team) != scope.team_ids.end();
        if (!member) co_return ctx.Problem(Error::NotFound("Cette équipe n’existe pas."));
        auto agents = identity_.AgentsOfTeam(team);
        if (!agents.ok()) co_return ctx.Problem(agents.error());
        json items = json::array();
        for (const auto& a : *agents) {
          std::string role;
          for (const auto& m : a.teams) {
            if (m.team_id == team) role = domain::ToString(m.role);
          }
          items.push_back({{"id", a.agent.id}, {"name", a.agent.name}, {"role", role}});
        }
        co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
      });
}

}  // namespace guichet::http
