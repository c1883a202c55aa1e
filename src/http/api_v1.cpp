#include "http/api_v1.hpp"

#include <charconv>

#include "domain/outbox.hpp"
#include "http/api_common.hpp"
#include "http/json_mapping.hpp"
#include "http/limits.hpp"
#include "http/server.hpp"

namespace guichet::http {

using bhttp::status;
using bhttp::verb;
using nlohmann::json;

namespace {

Result<domain::RequestQuery> ParseListQuery(const Context& ctx) {
  domain::RequestQuery q;
  q.limit = kDefaultPageSize;
  std::vector<FieldError> errs;
  for (const auto& [k, v] : ctx.query) {
    if (ParseRequestFilter(k, v, q, errs)) {
      // status, category, team, channel, service
    } else if (k == "agent_id" || k == "citizen_id" || k == "cursor" || k == "limit") {
      std::int64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || p != v.data() + v.size() || n <= 0) {
        errs.push_back({k, "Ce paramètre doit être un entier positif."});
      } else if (k == "agent_id") {
        q.agent_id = n;
      } else if (k == "citizen_id") {
        q.citizen_id = n;
      } else if (k == "cursor") {
        q.before_id = n;
      } else if (n > kMaxPageSize) {
        errs.push_back(
            {"limit", "La taille de page est limitée à " + std::to_string(kMaxPageSize) + "."});
      } else {
        q.limit = static_cast<int>(n);
      }
    } else if (k == "q") {
      if (v.size() > 200) errs.push_back({"q", "La recherche est limitée à 200 caractères."});
      q.text = v;
    } else {
      errs.push_back({k, "Paramètre inconnu."});
    }
  }
  if (!errs.empty()) return Error::Invalid("Les paramètres de la liste sont invalides.", errs);
  return q;
}

}  // namespace

ApiV1::ApiV1(domain::CaseService& cases, domain::Store& store, Metrics& metrics)
    : cases_(cases), store_(store), metrics_(metrics) {}

void ApiV1::Register(Router& router) {
  router.Add(verb::get, "/healthz", [](Context& ctx) -> asio::awaitable<Response> {
    co_return ctx.Json(status::ok, R"({"status":"ok"})");
  });

  router.Add(verb::get, "/readyz", [this](Context& ctx) -> asio::awaitable<Response> {
    if (store_.Ping()) co_return ctx.Json(status::ok, R"({"status":"ok","database":"ok"})");
    co_return ctx.Problem(status::service_unavailable, "La base de données ne répond pas.");
  });

  router.Add(verb::get, "/metrics", [this](Context& ctx) -> asio::awaitable<Response> {
    co_return ctx.Text(status::ok, metrics_.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });

  router.Add(verb::get, "/api/v1/openapi.json", [](Context& ctx) -> asio::awaitable<Response> {
    co_return ctx.Json(status::ok, OpenApiJson());
  });

  router.Add(verb::get, "/api/v1/services", [this](Context& ctx) -> asio::awaitable<Response> {
    json items = json::array();
    for (const auto& s : cases_.Services()) items.push_back(ToJson(s));
    co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
  });

  router.Add(verb::get, "/api/v1/teams", [this](Context& ctx) -> asio::awaitable<Response> {
    json items = json::array();
    for (const auto& t : cases_.Teams()) items.push_back(ToJson(t));
    co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
  });

  router.Add(verb::post, "/api/v1/requests", [this](Context& ctx) -> asio::awaitable<Response> {
    if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
    auto body = ParseBody(ctx.req.body());
    if (!body.ok()) co_return ctx.Problem(body.error());
    std::vector<FieldError> errs;
    domain::NewRequest input = ParseNewRequest(*body, errs);
    if (!errs.empty()) {
      // Every error at once: the domain's too. (Without shape errors, Create
      // validates by itself: checking here as well would do it twice.)
      for (auto& e : cases_.Validate(input)) {
        // A shape error on a field already says what is wrong with it.
        bool seen = false;
        for (const auto& prior : errs) seen = seen || prior.field == e.field;
        if (!seen) errs.push_back(std::move(e));
      }
      co_return ctx.Problem(Error::Invalid("La demande contient des erreurs.", std::move(errs)));
    }
    // A citizen files under their own account, whatever the body says.
    if (ApiCaller(ctx).kind == domain::Actor::Kind::kCitizen) input.citizen_id = ApiCaller(ctx).id;
    auto idem = IdempotencyOf(ctx);
    // No init-captures here: GCC 12 miscompiles them in lambdas inside coroutines.
    auto created = co_await AwaitCallback<Result<domain::Created>>(
        [&](auto done) { cases_.Create(std::move(input), ApiCaller(ctx), idem, std::move(done)); });
    if (!created.ok()) co_return ctx.Problem(created.error());
    Response res = WithRequest(ctx, status::created, created->request);
    res.set(bhttp::field::location, "/api/v1/requests/" + created->request.reference);
    if (created->replayed) res.set("Idempotent-Replayed", "true");
    co_return res;
  });

  router.Add(verb::get, "/api/v1/requests", [this](Context& ctx) -> asio::awaitable<Response> {
    auto q = ParseListQuery(ctx);
    if (!q.ok()) co_return ctx.Problem(q.error());
    if (!LimitToScope(ctx, *q)) co_return ctx.Json(status::ok, ToJsonText({}, std::nullopt));
    auto page = cases_.List(*q);
    if (!page.ok()) co_return ctx.Problem(page.error());
    std::optional<std::string> next;
    if (page->next_before_id) next = std::to_string(*page->next_before_id);
    co_return ctx.Json(status::ok, ToJsonText(page->items, next));
  });

  router.Add(verb::get, "/api/v1/requests/{id}", [this](Context& ctx) -> asio::awaitable<Response> {
    auto r = VisibleRequest(ctx, cases_, ctx.Param("id"));
    if (!r.ok()) co_return ctx.Problem(r.error());
    const std::string etag = ETagOf(*r);
    if (ctx.Header(bhttp::field::if_none_match) == etag) {
      Response res = ctx.Text(status::not_modified, "", "application/json; charset=utf-8");
      res.set(bhttp::field::etag, etag);
      co_return res;
    }
    co_return WithRequest(ctx, status::ok, *r);
  });

  router.Add(verb::patch, "/api/v1/requests/{id}",
             [this](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx, true)) co_return UnsupportedMedia(ctx);
               auto body = ParseBody(ctx.req.body());
               if (!body.ok()) co_return ctx.Problem(body.error());
               auto a = ParseAssignment(*body);
               if (!a.ok()) co_return ctx.Problem(a.error());
               auto expected = ExpectedVersion(ctx);
               if (!expected.ok()) co_return ctx.Problem(expected.error());
               auto r = VisibleRequest(ctx, cases_, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               auto updated = co_await AwaitCallback<Result<domain::Request>>([&](auto done) {
                 cases_.Assign(r->id, *a, ApiCallerOn(ctx, *r), *expected, std::move(done));
               });
               if (!updated.ok()) co_return ctx.Problem(updated.error());
               co_return WithRequest(ctx, status::ok, *updated);
             });

  router.Add(
      verb::get, "/api/v1/requests/{id}/events", [this](Context& ctx) -> asio::awaitable<Response> {
        auto r = VisibleRequest(ctx, cases_, ctx.Param("id"));
        if (!r.ok()) co_return ctx.Problem(r.error());
        auto events = cases_.Timeline(r->id);
        if (!events.ok()) co_return ctx.Problem(events.error());
        json items = json::array();
        // Internal notes are for staff, never for the citizen.
        const bool citizen = ApiCaller(ctx).kind == domain::Actor::Kind::kCitizen;
        const auto delivery = domain::DeliveryStatuses(*events);
        for (const auto& e : *events) {
          if (citizen && e.kind == domain::EventKind::kNote) continue;
          json item = ToJson(e);
          // An outbound message carries where its delivery stands.
          if (e.kind == domain::EventKind::kMessageOut) {
            auto it = delivery.find(e.id);
            item["delivery_status"] = it == delivery.end() ? json(nullptr) : json(it->second);
          }
          items.push_back(std::move(item));
        }
        co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
      });

  router.Add(verb::post, "/api/v1/requests/{id}/events",
             [this](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto body = ParseBody(ctx.req.body());
               if (!body.ok()) co_return ctx.Problem(body.error());
               auto in = ParseNewEvent(*body);
               if (!in.ok()) co_return ctx.Problem(in.error());
               auto expected = ExpectedVersion(ctx);
               if (!expected.ok()) co_return ctx.Problem(expected.error());
               auto r = VisibleRequest(ctx, cases_, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               auto idem = IdempotencyOf(ctx);
               auto added = co_await AwaitCallback<Result<domain::EventAdded>>([&](auto done) {
                 cases_.AddEvent(r->id, *in, ApiCallerOn(ctx, *r), *expected, idem,
                                 std::move(done));
               });
               if (!added.ok()) co_return ctx.Problem(added.error());
               json out = ToJson(added->event);
               if (added->replayed) {
                 // The original event is on the timeline; answer with it.
                 auto events = cases_.Timeline(r->id);
                 if (events.ok()) {
                   for (const auto& e : *events) {
                     if (e.id == added->event.id) out = ToJson(e);
                   }
                 }
               }
               Response res = ctx.Json(status::created, out.dump());
               res.set(bhttp::field::etag, ETagOf(added->request));
               if (added->replayed) res.set("Idempotent-Replayed", "true");
               co_return res;
             });

  router.Add(verb::get, "/api/v1/requests/{id}/transitions",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto r = VisibleRequest(ctx, cases_, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               const auto cat = cases_.catalogue();
               const auto& wf = cat->WorkflowOf(r->service_id);
               json items = json::array();
               for (const auto* t : wf.From(r->status)) {
                 const auto* target = wf.FindStatus(t->to);
                 items.push_back({{"name", t->name},
                                  {"to", t->to},
                                  {"label", !t->label.empty() ? t->label
                                            : target          ? target->label
                                                              : t->to},
                                  {"roles", RolesOf(*t)},
                                  {"comment_required", t->comment_required}});
               }
               co_return ctx.Json(status::ok, json{{"status", r->status}, {"items", items}}.dump());
             });

  router.Add(verb::post, "/api/v1/requests/{id}/transitions",
             [this](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto body = ParseBody(ctx.req.body());
               if (!body.ok()) co_return ctx.Problem(body.error());
               std::vector<FieldError> errs;
               std::string to, comment;
               for (auto it = body->begin(); it != body->end(); ++it) {
                 if (it.key() != "to" && it.key() != "comment") {
                   errs.push_back({it.key(), "Ce champ n’est pas reconnu."});
                 } else if (!it->is_string()) {
                   errs.push_back({it.key(), "Ce champ doit être une chaîne de caractères."});
                 } else {
                   (it.key() == "to" ? to : comment) = it->get<std::string>();
                 }
               }
               if (!errs.empty()) {
                 co_return ctx.Problem(
                     Error::Invalid("Le changement de statut contient des erreurs.", errs));
               }
               auto expected = ExpectedVersion(ctx);
               if (!expected.ok()) co_return ctx.Problem(expected.error());
               auto r = VisibleRequest(ctx, cases_, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               auto updated = co_await AwaitCallback<Result<domain::Request>>([&](auto done) {
                 cases_.ChangeStatus(r->id, to, comment, ApiCallerOn(ctx, *r), *expected,
                                     std::move(done));
               });
               if (!updated.ok()) co_return ctx.Problem(updated.error());
               co_return WithRequest(ctx, status::ok, *updated);
             });
}

}  // namespace guichet::http
