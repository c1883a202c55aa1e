#include "http/api_counter.hpp"

#include <algorithm>
#include <charconv>

#include "http/api_backoffice.hpp"
#include "http/api_common.hpp"
#include "http/json_mapping.hpp"
#include "http/log.hpp"
#include "http/problem.hpp"
#include "http/server.hpp"

namespace guichet::http {

using bhttp::status;
using bhttp::verb;
using nlohmann::json;

namespace {

constexpr int kDefaultLookupResults = 10;

json CitizenJson(const domain::Citizen& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"email", c.email},
          {"phone", c.phone},
          {"postal_address", c.postal_address},
          {"preferred_channel", ToString(c.preferred_channel)},
          {"created_at", FormatIso8601(c.created_at)}};
}

json ScanJson(const domain::PostalScan& s, const domain::Upload& u) {
  return {{"id", s.id},
          {"upload_id", s.upload_id},
          {"filename", u.filename},
          {"content_type", u.content_type},
          {"state", ToString(s.state)},
          {"attempts", s.attempts},
          {"text", s.text},
          {"error", s.error},
          {"created_at", FormatIso8601(s.created_at)},
          {"updated_at", FormatIso8601(s.updated_at)}};
}

// Every key of `j` must be in `allowed`.
void OnlyKeys(const json& j, std::initializer_list<std::string_view> allowed,
              std::vector<FieldError>& errs) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      errs.push_back({it.key(), "Ce champ n’est pas reconnu."});
    }
  }
}

std::optional<std::int64_t> Id(const json& j, const char* key, std::vector<FieldError>& errs) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    errs.push_back({key, "Ce champ doit être un identifiant entier positif."});
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

// A request named by reference or id in a body.
std::string RequestKey(const json& j, std::vector<FieldError>& errs) {
  auto it = j.find("request");
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  errs.push_back({"request", "Référence ou identifiant de demande attendu."});
  return {};
}

// The request a body names in "request" (reference or id), when the caller
// may see it; a field error otherwise. Absent: nullopt and no error.
std::optional<domain::Request> NamedRequest(const Context& ctx, const domain::CaseService& cases,
                                            const json& body, std::vector<FieldError>& errs) {
  const std::string key = RequestKey(body, errs);
  if (key.empty()) return std::nullopt;
  auto r = VisibleRequest(ctx, cases, key);
  if (!r.ok()) {
    errs.push_back({"request", "Cette demande n’existe pas."});
    return std::nullopt;
  }
  return std::move(*r);
}

Response Recorded(const Context& ctx, const domain::Recorded& r) {
  NoteSubject(ctx, r.request);
  json out = {{"request", ToJson(r.request)},
              {"event", r.created ? json(nullptr) : ToJson(r.event)},
              {"created", r.created}};
  Response res = ctx.Json(status::created, out.dump());
  res.set(bhttp::field::location, "/api/v1/requests/" + r.request.reference);
  res.set(bhttp::field::etag, ETagOf(r.request));
  return res;
}

}  // namespace

CounterApi::CounterApi(domain::CaseService& cases, domain::CounterService& counter,
                       domain::BackofficeService& backoffice, const Clock& clock)
    : cases_(cases), counter_(counter), backoffice_(backoffice), clock_(clock) {}

void CounterApi::Register(Router& router) {
  router.Add(verb::get, "/api/v1/citizens", [this](Context& ctx) -> asio::awaitable<Response> {
    std::string text;
    int limit = kDefaultLookupResults;
    std::vector<FieldError> errs;
    for (const auto& [k, v] : ctx.query) {
      if (k == "q") {
        text = v;
      } else if (k == "limit") {
        int n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || p != v.data() + v.size() || n < 1 ||
            n > domain::kMaxCitizenLookupResults) {
          errs.push_back({"limit", "Entier de 1 à 20 attendu."});
        } else {
          limit = n;
        }
      } else {
        errs.push_back({k, "Paramètre inconnu."});
      }
    }
    if (!errs.empty()) {
      co_return ctx.Problem(Error::Invalid("La recherche de citoyen est invalide.", errs));
    }
    auto q = domain::ParseCitizenLookup(text, limit);
    if (!q.ok()) co_return ctx.Problem(q.error());
    auto found = counter_.FindCitizens(*q);
    if (!found.ok()) co_return ctx.Problem(found.error());
    // Personal data was read: one audit line per citizen shown (their access
    // journal lists it), or one for a lookup that found nobody.
    const Timestamp now = clock_.Now();
    auto audit = [this, &ctx, now](std::optional<std::int64_t> citizen_id) {
      domain::AuditEntry e = AuditEntryOf(ctx, now);
      e.action = "read";
      e.record_type = "/api/v1/citizens";
      e.record_id = citizen_id ? std::to_string(*citizen_id) : std::string();
      e.citizen_id = citizen_id;
      if (e.purpose.empty()) e.purpose = "Recherche d’un citoyen (appel, accueil ou courrier)";
      backoffice_.Audit(std::move(e), [](Status s) {
        if (!s.ok()) {
          LogEvent(spdlog::level::err, "audit non enregistré",
                   {{"route", "/api/v1/citizens"}, {"cause", s.error().cause_or_message()}});
        }
      });
    };
    json items = json::array();
    for (const auto& c : *found) {
      items.push_back(CitizenJson(c));
      audit(c.id);
    }
    if (found->empty()) audit(std::nullopt);
    co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
  });

  router.Add(verb::post, "/api/v1/citizens", [this](Context& ctx) -> asio::awaitable<Response> {
    if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
    auto body = ParseBody(ctx.req.body());
    if (!body.ok()) co_return ctx.Problem(body.error());
    std::vector<FieldError> errs;
    OnlyKeys(*body, {"name", "email", "phone", "postal_address", "preferred_channel"}, errs);
    domain::NewCitizen in;
    in.name = StringField(*body, "name", errs);
    in.email = StringField(*body, "email", errs);
    in.phone = StringField(*body, "phone", errs);
    in.postal_address = StringField(*body, "postal_address", errs);
    if (auto ch = StringField(*body, "preferred_channel", errs); !ch.empty()) {
      in.preferred_channel = domain::ParseChannel(ch);
      if (!in.preferred_channel) {
        errs.push_back({"preferred_channel", "Le canal préféré est email, sms ou postal."});
      }
    }
    if (!errs.empty()) {
      co_return ctx.Problem(Error::Invalid("La fiche du citoyen contient des erreurs.", errs));
    }
    auto created = co_await AwaitCallback<Result<domain::CitizenCreated>>(
        [&](auto done) { counter_.CreateCitizen(std::move(in), std::move(done)); });
    if (!created.ok()) co_return ctx.Problem(created.error());
    if (!created->created) {
      // RFC 9457 extension member: the citizen who has this email or phone.
      Response res = ctx.Problem(Error::Conflict(
          "Un citoyen a déjà cette adresse électronique ou ce numéro de téléphone."));
      json problem = json::parse(res.body(), nullptr, false);
      problem["citizen"] = CitizenJson(created->citizen);
      res.body() = problem.dump();
      res.prepare_payload();
      co_return res;
    }
    co_return ctx.Json(status::created, CitizenJson(created->citizen).dump());
  });

  router.Add(verb::post, "/api/v1/contacts", [this](Context& ctx) -> asio::awaitable<Response> {
    if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
    auto body = ParseBody(ctx.req.body());
    if (!body.ok()) co_return ctx.Problem(body.error());
    std::vector<FieldError> errs;
    OnlyKeys(*body,
             {"channel", "citizen_id", "request", "service", "title", "description", "location"},
             errs);
    domain::RecordedContact in;
    const std::string channel = StringField(*body, "channel", errs);
    if (channel == "phone") {
      in.channel = domain::Channel::kPhone;
    } else if (channel == "counter") {
      in.channel = domain::Channel::kCounter;
    } else {
      errs.push_back({"channel", "Canal attendu : phone (appel) ou counter (accueil)."});
    }
    auto citizen = Id(*body, "citizen_id", errs);
    if (!citizen && !body->contains("citizen_id")) {
      errs.push_back({"citizen_id", "Indiquez le citoyen (recherchez-le ou créez sa fiche)."});
    }
    in.citizen_id = citizen.value_or(0);
    in.description = StringField(*body, "description", errs);
    if (in.description.find_first_not_of(" \t\r\n") == std::string::npos) {
      errs.push_back({"description", "Résumez l’appel ou la visite."});
    }
    const std::optional<domain::Request> existing = NamedRequest(ctx, cases_, *body, errs);
    if (!body->contains("request") || (*body)["request"].is_null()) {
      // A new request: the fields POST /api/v1/requests reads.
      json fields = json::object();
      for (const char* k : {"service", "title", "description", "location"}) {
        if (body->contains(k)) fields[k] = (*body)[k];
      }
      domain::NewRequest nr = ParseNewRequest(fields, errs);
      in.service_id = std::move(nr.service_id);
      in.title = std::move(nr.title);
      in.location = std::move(nr.location);
    } else {
      for (const char* k : {"service", "title", "location"}) {
        if (body->contains(k)) errs.push_back({k, "Sans objet pour une demande existante."});
      }
    }
    if (existing) in.request_id = existing->id;
    if (!errs.empty())
      co_return ctx.Problem(Error::Invalid("Le contact contient des erreurs.", errs));
    const domain::Actor actor = existing ? ApiCallerOn(ctx, *existing) : ApiCaller(ctx);
    auto recorded = co_await AwaitCallback<Result<domain::Recorded>>(
        [&](auto done) { counter_.RecordContact(std::move(in), actor, std::move(done)); });
    if (!recorded.ok()) co_return ctx.Problem(recorded.error());
    co_return Recorded(ctx, *recorded);
  });

  router.Add(verb::post, "/api/v1/postal-mail", [this](Context& ctx) -> asio::awaitable<Response> {
    if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
    auto body = ParseBody(ctx.req.body());
    if (!body.ok()) co_return ctx.Problem(body.error());
    std::vector<FieldError> errs;
    OnlyKeys(
        *body,
        {"upload_id", "citizen_id", "contact_name", "request", "service", "title", "description"},
        errs);
    domain::PostalLetter in;
    in.upload_id = StringField(*body, "upload_id", errs);
    if (in.upload_id.empty()) {
      errs.push_back({"upload_id", "Déposez d’abord le courrier numérisé (POST /api/v1/uploads)."});
    }
    in.citizen_id = Id(*body, "citizen_id", errs);
    in.contact_name = StringField(*body, "contact_name", errs);
    in.service_id = StringField(*body, "service", errs);
    in.title = StringField(*body, "title", errs);
    in.description = StringField(*body, "description", errs);
    const std::optional<domain::Request> existing = NamedRequest(ctx, cases_, *body, errs);
    if (existing) in.request_id = existing->id;
    if (body->contains("request") && !(*body)["request"].is_null()) {
      for (const char* k : {"service", "title", "contact_name"}) {
        if (body->contains(k)) errs.push_back({k, "Sans objet pour une demande existante."});
      }
    }
    if (!errs.empty())
      co_return ctx.Problem(Error::Invalid("Le courrier contient des erreurs.", errs));
    const domain::Actor actor = existing ? ApiCallerOn(ctx, *existing) : ApiCaller(ctx);
    auto recorded = co_await AwaitCallback<Result<domain::Recorded>>(
        [&](auto done) { counter_.ReceiveLetter(std::move(in), actor, std::move(done)); });
    if (!recorded.ok()) co_return ctx.Problem(recorded.error());
    co_return Recorded(ctx, *recorded);
  });

  router.Add(verb::get, "/api/v1/requests/{id}/scans",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto r = VisibleRequest(ctx, cases_, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               auto scans = counter_.Scans(r->id);
               if (!scans.ok()) co_return ctx.Problem(scans.error());
               json items = json::array();
               for (const auto& s : *scans) {
                 auto u = cases_.FindUpload(s.upload_id);
                 items.push_back(ScanJson(s, u.ok() ? *u : domain::Upload{}));
               }
               co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
             });
}

}  // namespace guichet::http
