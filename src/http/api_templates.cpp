#include "http/api_templates.hpp"

#include "http/api_common.hpp"
#include "http/server.hpp"

namespace guichet::http {

using bhttp::status;
using bhttp::verb;
using nlohmann::json;

namespace {

json Opt(const std::optional<Timestamp>& t) { return t ? json(FormatIso8601(*t)) : json(nullptr); }

json TextJson(const domain::TemplateText& t, domain::Channel c) {
  json out = {{"body", t.body}};
  out["subject"] = c == domain::Channel::kSms ? json(nullptr) : json(t.subject);
  return out;
}

json ToJson(const domain::NotificationTemplate& t) {
  json out = TextJson(t.text, t.channel);
  out["id"] = t.id;
  out["event"] = t.event;
  out["channel"] = ToString(t.channel);
  out["label"] = t.label;
  out["customised"] = t.customised;
  out["updated_at"] = Opt(t.updated_at);
  out["updated_by"] = t.updated_by.empty() ? json(nullptr) : json(t.updated_by);
  out["variables"] = t.variables;
  out["default"] = TextJson(t.defaults, t.channel);
  return out;
}

json ToJson(const domain::RenderedMessage& m) {
  json out = {{"subject", m.sms ? json(nullptr) : json(m.subject)}, {"body", m.body}};
  if (m.sms) {
    out["sms"] = {
        {"encoding", m.sms->encoding}, {"units", m.sms->units}, {"segments", m.sms->segments}};
  } else {
    out["sms"] = nullptr;
  }
  return out;
}

}  // namespace

TemplatesApi::TemplatesApi(domain::TemplateService& templates) : templates_(templates) {}

void TemplatesApi::Register(Router& router) {
  router.Add(verb::get, "/api/v1/templates", [this](Context& ctx) -> asio::awaitable<Response> {
    auto list = templates_.List();
    if (!list.ok()) co_return ctx.Problem(list.error());
    json items = json::array();
    for (const auto& t : *list) items.push_back(ToJson(t));
    co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
  });

  router.Add(verb::get, "/api/v1/templates/{id}",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto t = templates_.Get(ctx.Param("id"));
               if (!t.ok()) co_return ctx.Problem(t.error());
               co_return ctx.Json(status::ok, ToJson(*t).dump());
             });

  router.Add(verb::put, "/api/v1/templates/{id}",
             [this](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               const std::string id = ctx.Param("id");
               if (auto t = templates_.Get(id); !t.ok()) co_return ctx.Problem(t.error());
               auto body = ObjectBody(ctx, {"subject", "body"}, "Le modèle contient des erreurs.");
               if (!body.ok()) co_return ctx.Problem(body.error());
               std::vector<FieldError> errs;
               domain::TemplateText text;
               text.subject = StringField(*body, "subject", errs);
               text.body = StringField(*body, "body", errs);
               if (!errs.empty()) {
                 co_return ctx.Problem(Error::Invalid("Le modèle contient des erreurs.", errs));
               }
               const domain::Actor actor = ApiCaller(ctx);
               auto saved = co_await AwaitCallback<Result<domain::NotificationTemplate>>(
                   [&](auto done) { templates_.Put(id, std::move(text), actor, std::move(done)); });
               if (!saved.ok()) co_return ctx.Problem(saved.error());
               co_return ctx.Json(status::ok, ToJson(*saved).dump());
             });

  router.Add(verb::delete_, "/api/v1/templates/{id}",
             [this](Context& ctx) -> asio::awaitable<Response> {
               const std::string id = ctx.Param("id");
               auto reset = co_await AwaitCallback<Result<domain::NotificationTemplate>>(
                   [&](auto done) { templates_.Reset(id, std::move(done)); });
               if (!reset.ok()) co_return ctx.Problem(reset.error());
               co_return ctx.Json(status::ok, ToJson(*reset).dump());
             });

  router.Add(verb::post, "/api/v1/templates/{id}/preview",
             [this](Context& ctx) -> asio::awaitable<Response> {
               const std::string id = ctx.Param("id");
               if (auto t = templates_.Get(id); !t.ok()) co_return ctx.Problem(t.error());
               // An empty body previews the template in use with the sample values.
               json body = json::object();
               if (!ctx.req.body().empty()) {
                 if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
                 auto parsed = ObjectBody(ctx, {"subject", "body", "variables"},
                                          "L’aperçu contient des erreurs.");
                 if (!parsed.ok()) co_return ctx.Problem(parsed.error());
                 body = std::move(*parsed);
               }
               std::vector<FieldError> errs;
               std::optional<domain::TemplateText> draft;
               if (body.contains("subject") || body.contains("body")) {
                 draft = domain::TemplateText{StringField(body, "subject", errs),
                                              StringField(body, "body", errs)};
               }
               domain::PlaceholderValues given;
               if (auto v = body.find("variables"); v != body.end() && !v->is_null()) {
                 if (!v->is_object()) {
                   errs.push_back({"variables", "Un objet { nom : valeur } est attendu."});
                 } else {
                   for (auto it = v->begin(); it != v->end(); ++it) {
                     if (!it->is_string()) {
                       errs.push_back({"variables." + it.key(), "La valeur doit être une chaîne."});
                     } else {
                       given[it.key()] = it->get<std::string>();
                     }
                   }
                 }
               }
               if (!errs.empty()) {
                 co_return ctx.Problem(Error::Invalid("L’aperçu contient des erreurs.", errs));
               }
               auto rendered = templates_.Preview(id, draft, given);
               if (!rendered.ok()) co_return ctx.Problem(rendered.error());
               co_return ctx.Json(status::ok, ToJson(*rendered).dump());
             });
}

}  // namespace guichet::http
