#include "http/api_web.hpp"

#include <cmath>
#include <cstdio>

#include "domain/quality.hpp"
#include "http/api_common.hpp"
#include "http/json_mapping.hpp"
#include "http/server.hpp"

namespace guichet::http {

using bhttp::status;
using bhttp::verb;
using nlohmann::json;

namespace {

// The proof and the other members of a tracking body; `extra`: the members
// the route accepts besides reference and contact. Every error at once.
Result<json> ParseTrackBody(const Context& ctx, std::initializer_list<const char*> extra,
                            domain::TrackProof& proof) {
  auto body = ParseBody(ctx.req.body());
  if (!body.ok()) return body.error();
  std::vector<FieldError> errs;
  for (auto it = body->begin(); it != body->end(); ++it) {
    bool known = it.key() == "reference" || it.key() == "contact";
    for (const char* e : extra) known = known || it.key() == e;
    if (!known) errs.push_back({it.key(), "Ce champ n’est pas reconnu."});
  }
  const auto text = [&](const char* key, std::string& out, const char* missing) {
    auto it = body->find(key);
    if (it == body->end() || !it->is_string() || it->get<std::string>().empty()) {
      errs.push_back({key, missing});
    } else if (it->get<std::string>().size() > 320) {
      errs.push_back({key, "Ce champ est trop long."});
    } else {
      out = it->get<std::string>();
    }
  };
  text("reference", proof.reference, "La référence de la demande est obligatoire.");
  if (ctx.actor.kind == domain::Actor::Kind::kCitizen && ctx.actor.id) {
    // A signed-in citizen follows their own requests without the contact.
    proof.citizen_id = ctx.actor.id;
    if (auto c = body->find("contact"); c != body->end() && !c->is_null()) {
      if (!c->is_string() || c->get<std::string>().size() > 320) {
        errs.push_back({"contact", "Ce champ est trop long ou n’est pas un texte."});
      } else {
        proof.contact = c->get<std::string>();
      }
    }
  } else {
    text("contact", proof.contact,
         "L’adresse électronique ou le téléphone donné lors du dépôt est obligatoire.");
  }
  if (!errs.empty()) return Error::Invalid("La demande de suivi contient des erreurs.", errs);
  return *body;
}

std::string StatusLabel(const domain::Catalogue& cat, const std::string& service,
                        const std::string& code) {
  const auto* st = cat.WorkflowOf(service).FindStatus(code);
  return st && !st->label.empty() ? st->label : code;
}

json OptNumber(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json FiguresJson(const domain::QualityFigures& f) {
  return {{"received", f.received},
          {"answered", f.answered},
          {"median_first_answer_hours", OptNumber(f.median_first_answer_hours)},
          {"resolved", f.resolved},
          {"median_resolution_hours", OptNumber(f.median_resolution_hours)},
          {"commitment_base", f.commitment_base},
          {"within_commitment", OptNumber(f.within_commitment)},
          {"ratings", f.ratings},
          {"satisfaction", OptNumber(f.satisfaction)}};
}

std::string CsvNumber(const std::optional<double>& v) {
  if (!v) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", std::round(*v * 100) / 100);
  return buf;
}

// RFC 4180: quoted when it holds a comma, a quote or a line break.
std::string CsvText(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QualityCsv(const std::vector<domain::ServiceQuality>& items) {
  std::string out =
      "service,nom,periode,demandes_recues,demandes_repondues,"
      "delai_median_premiere_reponse_heures,demandes_resolues,delai_median_resolution_heures,"
      "base_engagement,part_dans_engagement,evaluations,satisfaction_moyenne\r\n";
  for (const auto& q : items) {
    for (const auto& [period, f] :
         {std::pair{"30j", &q.last_30_days}, std::pair{"12m", &q.last_12_months}}) {
      out += CsvText(q.service_id) + "," + CsvText(q.name) + "," + period + "," +
             std::to_string(f->received) + "," + std::to_string(f->answered) + "," +
             CsvNumber(f->median_first_answer_hours) + "," + std::to_string(f->resolved) + "," +
             CsvNumber(f->median_resolution_hours) + "," + std::to_string(f->commitment_base) +
             "," + CsvNumber(f->within_commitment) + "," + std::to_string(f->ratings) + "," +
             CsvNumber(f->satisfaction) + "\r\n";
    }
  }
  return out;
}

}  // namespace

WebApi::WebApi(domain::CaseService& cases, domain::TrackingService& tracking, domain::Store& store,
               const Clock& clock, PortalInfo portal)
    : cases_(cases),
      tracking_(tracking),
      store_(store),
      clock_(clock),
      portal_(std::move(portal)) {}

std::optional<Response> WebApi::Limited(const Context& ctx, const domain::TrackProof& proof) {
  // Only a proof by contact can be used to guess; a session proves nothing new.
  if (proof.contact.empty() && proof.citizen_id) return std::nullopt;
  if (limiter_.Allow(ctx.remote)) return std::nullopt;
  Response res = ctx.Problem(status::too_many_requests,
                             "Trop de tentatives de suivi depuis cette adresse ; réessayez dans "
                             "une minute.");
  res.set(bhttp::field::retry_after, std::to_string(limiter_.RetryAfterSeconds(ctx.remote)));
  return res;
}

void WebApi::Register(Router& router) {
  router.Add(verb::get, "/api/v1/portal", [this](Context& ctx) -> asio::awaitable<Response> {
    const auto cat = cases_.catalogue();
    json categories = json::array();
    json procedures = json::array();
    for (const auto& [slug, p] : cat->procedures) {
      if (!p.active) continue;
      procedures.push_back({{"slug", slug},
                            {"title", p.title},
                            {"category", p.category},
                            {"keywords", p.keywords},
                            {"description", p.description}});
      if (std::find(categories.begin(), categories.end(), p.category) == categories.end()) {
        categories.push_back(p.category);
      }
    }
    json body = {{"town", cat->town},
                 {"contact",
                  {{"email", portal_.contact_email},
                   {"phone", portal_.contact_phone},
                   {"address", portal_.contact_address}}},
                 {"categories", categories},
                 {"procedures", procedures},
                 {"map",
                  {{"tile_url", portal_.tile_url.empty() ? json(nullptr) : json(portal_.tile_url)},
                   {"attribution", portal_.tile_attribution},
                   {"center", {{"lat", portal_.map_lat}, {"lon", portal_.map_lon}}},
                   {"zoom", portal_.map_zoom}}},
                 {"oidc_login", portal_.oidc_login}};
    co_return ctx.Json(status::ok, body.dump());
  });

  router.Add(verb::post, "/api/v1/track", [this](Context& ctx) -> asio::awaitable<Response> {
    if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
    domain::TrackProof proof;
    auto body = ParseTrackBody(ctx, {}, proof);
    if (!body.ok()) co_return ctx.Problem(body.error());
    if (auto limited = Limited(ctx, proof)) co_return *limited;
    auto view = tracking_.Track(proof);
    if (!view.ok()) co_return ctx.Problem(view.error());
    const auto cat = cases_.catalogue();
    const domain::Request& r = view->request;
    const domain::Procedure* proc = cat->FindProcedure(r.service_id);
    json timeline = json::array();
    for (const auto& e : view->timeline) {
      json item = {{"id", e.id},
                   {"kind", ToString(e.kind)},
                   {"at", FormatIso8601(e.created_at)},
                   {"channel", e.channel ? json(ToString(*e.channel)) : json(nullptr)},
                   {"body", e.body}};
      const json data = json::parse(e.data_json, nullptr, false);
      if (e.kind == domain::EventKind::kStatusChange && data.is_object() &&
          data.value("to", "") != "") {
        item["status_label"] = StatusLabel(*cat, r.service_id, data.value("to", ""));
      }
      if (e.kind == domain::EventKind::kAttachment && data.is_object()) {
        auto u = cases_.FindUpload(data.value("upload", ""));
        if (u.ok()) item["file"] = {{"id", u->id}, {"filename", u->filename}};
      }
      timeline.push_back(std::move(item));
    }
    json deadlines = json::array();
    for (const auto& d : view->deadlines) deadlines.push_back(http::ToJson(d));
    json rating = nullptr;
    if (view->rating) {
      rating = {{"score", view->rating->score},
                {"comment", view->rating->comment},
                {"created_at", FormatIso8601(view->rating->created_at)}};
    }
    json out = {{"reference", r.reference},
                {"service", {{"id", r.service_id}, {"name", proc ? proc->title : r.service_id}}},
                {"title", r.title},
                {"status", r.status},
                {"status_label", StatusLabel(*cat, r.service_id, r.status)},
                {"category", ToString(r.category)},
                {"created_at", FormatIso8601(r.created_at)},
                {"updated_at", FormatIso8601(r.updated_at)},
                {"due_at", r.due_at ? json(FormatIso8601(*r.due_at)) : json(nullptr)},
                {"closed_at", r.closed_at ? json(FormatIso8601(*r.closed_at)) : json(nullptr)},
                {"deadlines", deadlines},
                {"timeline", timeline},
                {"rating", rating},
                {"can_rate", domain::IsTerminal(r.category) && !view->rating}};
    Response res = ctx.Json(status::ok, out.dump());
    // Personal data: never kept by a shared cache.
    res.set(bhttp::field::cache_control, "no-store");
    co_return res;
  });

  router.Add(
      verb::post, "/api/v1/track/messages", [this](Context& ctx) -> asio::awaitable<Response> {
        if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
        domain::TrackProof proof;
        auto body = ParseTrackBody(ctx, {"message", "files"}, proof);
        if (!body.ok()) co_return ctx.Problem(body.error());
        if (auto limited = Limited(ctx, proof)) co_return *limited;
        std::vector<FieldError> errs;
        std::string message;
        std::vector<std::string> files;
        if (auto m = body->find("message"); m != body->end()) {
          if (m->is_string()) {
            message = m->get<std::string>();
          } else {
            errs.push_back({"message", "Le message doit être un texte."});
          }
        }
        if (auto f = body->find("files"); f != body->end()) {
          if (!f->is_array() || f->size() > 10) {
            errs.push_back({"files", "Une liste de 10 fichiers au plus est attendue."});
          } else {
            for (const auto& id : *f) {
              if (id.is_string())
                files.push_back(id.get<std::string>());
              else
                errs.push_back({"files", "Chaque fichier est désigné par son id."});
            }
          }
        }
        if (!errs.empty()) {
          co_return ctx.Problem(Error::Invalid("Le message contient des erreurs.", errs));
        }
        auto updated = co_await AwaitCallback<Result<domain::Request>>([&](auto done) {
          tracking_.Reply(proof, std::move(message), std::move(files), std::move(done));
        });
        if (!updated.ok()) co_return ctx.Problem(updated.error());
        co_return ctx.Json(status::created, json{{"reference", updated->reference},
                                                 {"updated_at", FormatIso8601(updated->updated_at)}}
                                                .dump());
      });

  router.Add(verb::post, "/api/v1/track/rating", [this](Context& ctx) -> asio::awaitable<Response> {
    if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
    domain::TrackProof proof;
    auto body = ParseTrackBody(ctx, {"score", "comment"}, proof);
    if (!body.ok()) co_return ctx.Problem(body.error());
    if (auto limited = Limited(ctx, proof)) co_return *limited;
    std::vector<FieldError> errs;
    int score = 0;
    std::string comment;
    auto s = body->find("score");
    if (s == body->end() || !s->is_number_integer()) {
      errs.push_back({"score", "La note (un entier de 1 à 5) est obligatoire."});
    } else {
      score = static_cast<int>(std::clamp<std::int64_t>(s->get<std::int64_t>(), -1, 6));
    }
    if (auto c = body->find("comment"); c != body->end()) {
      if (c->is_string()) {
        comment = c->get<std::string>();
      } else {
        errs.push_back({"comment", "Le commentaire doit être un texte."});
      }
    }
    if (!errs.empty()) {
      co_return ctx.Problem(Error::Invalid("L’évaluation contient des erreurs.", errs));
    }
    auto rated = co_await AwaitCallback<Result<domain::Rating>>(
        [&](auto done) { tracking_.Rate(proof, score, std::move(comment), std::move(done)); });
    if (!rated.ok()) co_return ctx.Problem(rated.error());
    co_return ctx.Json(status::created, json{{"score", rated->score},
                                             {"comment", rated->comment},
                                             {"created_at", FormatIso8601(rated->created_at)}}
                                            .dump());
  });

  // A request made without an account becomes the signed-in citizen's:
  // proven like "Suivre ma demande", limited per address and per account.
  router.Add(verb::post, "/api/v1/track/attach", [this](Context& ctx) -> asio::awaitable<Response> {
    if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
    const std::int64_t citizen = ctx.actor.id;
    if (!attach_limiter_.Allow(std::to_string(citizen))) {
      Response res = ctx.Problem(status::too_many_requests,
                                 "Trop de tentatives de rattachement ; réessayez dans une heure.");
      res.set(bhttp::field::retry_after,
              std::to_string(attach_limiter_.RetryAfterSeconds(std::to_string(citizen))));
      co_return res;
    }
    domain::TrackProof proof;
    auto body = ParseTrackBody(ctx, {}, proof);
    if (!body.ok()) co_return ctx.Problem(body.error());
    if (proof.contact.empty()) {
      co_return ctx.Problem(
          Error::Invalid("La demande de rattachement contient des erreurs.",
                         {{"contact",
                           "L’adresse électronique ou le téléphone donné lors du dépôt est "
                           "obligatoire."}}));
    }
    if (auto limited = Limited(ctx, proof)) co_return *limited;
    auto attached = co_await AwaitCallback<Result<domain::Request>>(
        [&](auto done) { tracking_.Attach(proof, citizen, std::move(done)); });
    if (!attached.ok()) co_return ctx.Problem(attached.error());
    co_return ctx.Json(status::ok, ToJson(*attached).dump());
  });

  router.Add(verb::get, "/api/v1/quality", [this](Context& ctx) -> asio::awaitable<Response> {
    const auto format = ctx.Query("format").value_or("json");
    if (format != "json" && format != "csv") {
      co_return ctx.Problem(Error::Invalid("Le format demandé n’est pas proposé.",
                                           {{"format", "Valeurs permises : json, csv."}}));
    }
    const Timestamp now = clock_.Now();
    auto samples = store_.ListQualitySamples(now - domain::kQualityLongPeriod);
    if (!samples.ok()) co_return ctx.Problem(samples.error());
    const auto cat = cases_.catalogue();
    std::vector<domain::Service> services;
    for (auto& s : cases_.Services()) {
      if (!s.active) continue;
      if (const auto* p = cat->FindProcedure(s.id)) s.name = p->title;
      services.push_back(std::move(s));
    }
    const auto items = domain::ComputeQuality(*samples, services, now);
    if (format == "csv") {
      Response res = ctx.Text(status::ok, QualityCsv(items), "text/csv; charset=utf-8");
      res.set(bhttp::field::content_disposition, "attachment; filename=\"qualite.csv\"");
      co_return res;
    }
    json out = json::array();
    for (const auto& q : items) {
      out.push_back({{"service", q.service_id},
                     {"name", q.name},
                     {"last_30_days", FiguresJson(q.last_30_days)},
                     {"last_12_months", FiguresJson(q.last_12_months)}});
    }
    co_return ctx.Json(status::ok,
                       json{{"generated_at", FormatIso8601(now)}, {"items", out}}.dump());
  });
}

}  // namespace guichet::http
