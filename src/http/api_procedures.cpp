#include "http/api_procedures.hpp"

#include "domain/workflow_engine.hpp"
#include "http/api_common.hpp"
#include "http/json_mapping.hpp"
#include "http/limits.hpp"
#include "http/server.hpp"

namespace guichet::http {

using bhttp::status;
using bhttp::verb;
using nlohmann::json;

namespace {

json ToJson(const domain::Draft& d, const std::string& token) {
  return {{"token", token},
          {"service", d.service_id},
          {"data", json::parse(d.data_json, nullptr, false)},
          {"created_at", FormatIso8601(d.created_at)},
          {"updated_at", FormatIso8601(d.updated_at)},
          {"expires_at", FormatIso8601(d.expires_at)}};
}

json ToJson(const domain::Upload& u) {
  return {{"id", u.id},
          {"filename", u.filename},
          {"content_type", u.content_type},
          {"size", u.size},
          {"sha256", u.sha256},
          {"request_id", u.request_id ? json(*u.request_id) : json(nullptr)},
          {"created_at", FormatIso8601(u.created_at)}};
}

json ToJson(const std::vector<FieldError>& errs) {
  json out = json::array();
  // The shape of the `errors` of a problem: the same client code reads both.
  for (const auto& e : errs) out.push_back({{"field", e.field}, {"detail", e.message}});
  return out;
}

// A form submission: the answers and how to reach the citizen. The service
// comes from the path; the channel is the web unless a client says otherwise.
Result<domain::NewRequest> ParseSubmission(const json& body) {
  std::vector<FieldError> errs;
  if (body.contains("service")) {
    errs.push_back({"service", "La démarche est donnée par l’adresse ; retirez ce champ."});
  }
  json copy = body;
  copy.erase("service");
  domain::NewRequest in = ParseNewRequest(copy, errs);
  if (!copy.contains("channel")) in.channel = domain::Channel::kWeb;
  in.form_mode = domain::FormMode::kSubmit;
  if (!errs.empty()) return Error::Invalid("La demande contient des erreurs.", std::move(errs));
  return in;
}

Response Created(const Context& ctx, const domain::Created& created) {
  Response res = WithRequest(ctx, status::created, created.request);
  res.set(bhttp::field::location, "/api/v1/requests/" + created.request.reference);
  if (created.replayed) res.set("Idempotent-Replayed", "true");
  return res;
}

// The draft answers of a PUT or POST body: {"data": {...}}.
Result<std::string> DraftData(const Context& ctx) {
  auto body = ParseBody(ctx.req.body());
  if (!body.ok()) return body.error();
  std::vector<FieldError> errs;
  for (auto it = body->begin(); it != body->end(); ++it) {
    if (it.key() != "data") errs.push_back({it.key(), "Ce champ n’est pas reconnu."});
  }
  auto data = body->find("data");
  if (data == body->end() || !data->is_object()) {
    errs.push_back({"data", "Les réponses du formulaire (un objet) sont attendues."});
  }
  if (!errs.empty()) return Error::Invalid("Le brouillon contient des erreurs.", std::move(errs));
  return data->dump();
}

asio::awaitable<Response> SaveDraft(domain::DraftService& drafts, Context& ctx,
                                    const std::string& service, const std::string& token) {
  if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
  auto data = DraftData(ctx);
  if (!data.ok()) co_return ctx.Problem(data.error());
  auto saved = co_await AwaitCallback<Result<domain::SavedDraft>>(
      [&](auto done) { drafts.Save(service, token, std::move(*data), std::move(done)); });
  if (!saved.ok()) co_return ctx.Problem(saved.error());
  json out = ToJson(saved->draft, saved->token);
  out["warnings"] = ToJson(saved->warnings);
  Response res = ctx.Json(token.empty() ? status::created : status::ok, out.dump());
  if (token.empty()) res.set(bhttp::field::location, "/api/v1/drafts/" + saved->token);
  co_return res;
}

}  // namespace

// A signed-in citizen's submission is filed under their account.
void ProcedureApi::FileUnderCaller(const Context& ctx, domain::NewRequest& in) {
  if (ctx.actor.kind == domain::Actor::Kind::kCitizen) in.citizen_id = ctx.actor.id;
}

// An upload not attached yet is reachable by its unguessable id; once
// attached, only by those who may see its request.
Result<domain::Upload> ProcedureApi::VisibleUpload(const Context& ctx, const std::string& id) {
  auto u = cases_.FindUpload(id);
  if (!u.ok() || !u->request_id) return u;
  auto r = VisibleRequest(ctx, cases_, std::to_string(*u->request_id));
  if (!r.ok()) return Error::NotFound("Ce fichier n’existe pas.");
  return u;
}

ProcedureApi::ProcedureApi(domain::CaseService& cases, domain::DraftService& drafts, Reload reload)
    : cases_(cases), drafts_(drafts), reload_(std::move(reload)) {}

void ProcedureApi::Register(Router& router) {
  router.Add(verb::get, "/api/v1/services/{slug}",
             [this](Context& ctx) -> asio::awaitable<Response> {
               const auto cat = cases_.catalogue();
               const domain::Procedure* p = cat->FindProcedure(ctx.Param("slug"));
               if (!p || !p->active) {
                 co_return ctx.Problem(Error::NotFound("Cette démarche n’existe pas."));
               }
               co_return ctx.Json(status::ok, http::ToJson(*p, *cat).dump());
             });

  router.Add(verb::post, "/api/v1/services/{slug}/requests",
             [this](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto body = ParseBody(ctx.req.body());
               if (!body.ok()) co_return ctx.Problem(body.error());
               auto input = ParseSubmission(*body);
               if (!input.ok()) co_return ctx.Problem(input.error());
               input->service_id = ctx.Param("slug");
               FileUnderCaller(ctx, *input);
               auto idem = IdempotencyOf(ctx);
               auto created = co_await AwaitCallback<Result<domain::Created>>([&](auto done) {
                 cases_.Create(std::move(*input), ApiCaller(ctx), idem, std::move(done));
               });
               if (!created.ok()) co_return ctx.Problem(created.error());
               co_return Created(ctx, *created);
             });

  router.Add(verb::post, "/api/v1/services/{slug}/drafts",
             [this](Context& ctx) -> asio::awaitable<Response> {
               co_return co_await SaveDraft(drafts_, ctx, ctx.Param("slug"), "");
             });

  router.Add(verb::get, "/api/v1/drafts/{token}",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto d = drafts_.Get(ctx.Param("token"));
               if (!d.ok()) co_return ctx.Problem(d.error());
               co_return ctx.Json(status::ok, ToJson(*d, ctx.Param("token")).dump());
             });

  router.Add(verb::put, "/api/v1/drafts/{token}",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto d = drafts_.Get(ctx.Param("token"));
               if (!d.ok()) co_return ctx.Problem(d.error());
               co_return co_await SaveDraft(drafts_, ctx, d->service_id, ctx.Param("token"));
             });

  router.Add(verb::delete_, "/api/v1/drafts/{token}",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto deleted = co_await AwaitCallback<Result<bool>>(
                   [&](auto done) { drafts_.Delete(ctx.Param("token"), std::move(done)); });
               if (!deleted.ok()) co_return ctx.Problem(deleted.error());
               co_return ctx.Text(status::no_content, "", "text/plain");
             });

  router.Add(verb::post, "/api/v1/drafts/{token}/submit",
             [this](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto body = ParseBody(ctx.req.body());
               if (!body.ok()) co_return ctx.Problem(body.error());
               if (body->contains("data")) {
                 co_return ctx.Problem(Error::Invalid(
                     "La demande contient des erreurs.",
                     {{"data", "Les réponses viennent du brouillon : enregistrez-le d’abord."}}));
               }
               auto input = ParseSubmission(*body);
               if (!input.ok()) co_return ctx.Problem(input.error());
               FileUnderCaller(ctx, *input);
               auto idem = IdempotencyOf(ctx);
               auto created = co_await AwaitCallback<Result<domain::Created>>([&](auto done) {
                 drafts_.Submit(ctx.Param("token"), std::move(*input), ApiCaller(ctx), idem,
                                std::move(done));
               });
               if (!created.ok()) co_return ctx.Problem(created.error());
               co_return Created(ctx, *created);
             });

  router.Add(verb::post, kUploadPath, [this](Context& ctx) -> asio::awaitable<Response> {
    auto uploaded = co_await AwaitCallback<Result<domain::Upload>>([&](auto done) {
      drafts_.Upload(ctx.Query("filename").value_or(""), ctx.req.body(), std::move(done));
    });
    if (!uploaded.ok()) co_return ctx.Problem(uploaded.error());
    Response res = ctx.Json(status::created, ToJson(*uploaded).dump());
    res.set(bhttp::field::location, std::string(kUploadPath) + "/" + uploaded->id);
    co_return res;
  });

  router.Add(verb::get, "/api/v1/uploads/{id}", [this](Context& ctx) -> asio::awaitable<Response> {
    auto u = VisibleUpload(ctx, ctx.Param("id"));
    if (!u.ok()) co_return ctx.Problem(u.error());
    co_return ctx.Json(status::ok, ToJson(*u).dump());
  });

  router.Add(verb::get, "/api/v1/uploads/{id}/content",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto u = VisibleUpload(ctx, ctx.Param("id"));
               if (!u.ok()) co_return ctx.Problem(u.error());
               auto bytes = cases_.UploadContent(u->id);
               if (!bytes.ok()) co_return ctx.Problem(bytes.error());
               Response res = ctx.Text(status::ok, std::move(*bytes), u->content_type);
               // Served as a download of the sniffed type, never rendered as a page.
               res.set(bhttp::field::content_disposition, "attachment");
               res.set("X-Content-Type-Options", "nosniff");
               co_return res;
             });

  router.Add(verb::get, "/api/v1/requests/{id}/deadlines",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto r = VisibleRequest(ctx, cases_, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               auto deadlines = cases_.Deadlines(*r);
               if (!deadlines.ok()) co_return ctx.Problem(deadlines.error());
               json items = json::array();
               for (const auto& d : *deadlines) items.push_back(http::ToJson(d));
               co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
             });

  router.Add(verb::post, "/api/v1/requests/{id}/corrections",
             [this](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto body = ParseBody(ctx.req.body());
               if (!body.ok()) co_return ctx.Problem(body.error());
               auto c = ParseCorrection(*body);
               if (!c.ok()) co_return ctx.Problem(c.error());
               auto r = cases_.Get(ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               auto expected = ExpectedVersion(ctx);
               if (!expected.ok()) co_return ctx.Problem(expected.error());
               auto updated = co_await AwaitCallback<Result<domain::Request>>([&](auto done) {
                 cases_.SubmitCorrection(r->id, std::move(*c), *expected, std::move(done));
               });
               if (!updated.ok()) co_return ctx.Problem(updated.error());
               co_return WithRequest(ctx, status::ok, *updated);
             });

  router.Add(verb::post, "/api/v1/admin/catalogue/reload",
             [this](Context& ctx) -> asio::awaitable<Response> {
               const auto problems = reload_();
               if (!problems.empty()) {
                 Response res = ctx.Problem(Error::Rule("Le catalogue contient " +
                                                        std::to_string(problems.size()) +
                                                        " erreur(s) : l’ancien reste en service."));
                 auto j = json::parse(res.body());
                 j["problems"] = problems;
                 res.body() = j.dump();
                 res.prepare_payload();
                 co_return res;
               }
               const auto cat = cases_.catalogue();
               co_return ctx.Json(status::ok, json{{"status", "reloaded"},
                                                   {"procedures", cat->procedures.size()},
                                                   {"workflows", cat->workflows.size()},
                                                   {"teams", cat->teams.size()}}
                                                  .dump());
             });
}

}  // namespace guichet::http
