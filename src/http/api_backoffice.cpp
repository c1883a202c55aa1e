#include "http/api_backoffice.hpp"

#include <array>
#include <charconv>
#include <functional>

#include "domain/validation.hpp"
#include "http/api_common.hpp"
#include "http/json_mapping.hpp"
#include "http/limits.hpp"
#include "http/log.hpp"
#include "http/problem.hpp"
#include "http/server.hpp"

namespace guichet::http {

using bhttp::status;
using bhttp::verb;
using nlohmann::json;

namespace {

constexpr size_t kMaxSearchLength = 200;
constexpr size_t kMaxBulkItems = 100;  // one bulk call stays one short batch of writes
constexpr int kMaxSearchResults = 50;

std::optional<std::int64_t> PositiveInt(const std::string& v) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n <= 0) return std::nullopt;
  return n;
}

std::optional<std::int64_t> IntOf(std::string_view v) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

// "2026-11-28" (a Paris day) or an RFC 3339 instant.
std::optional<Timestamp> ParseInstant(const std::string& v, bool end_of_day) {
  if (auto d = ParseDate(v)) {
    return end_of_day ? StartOfParisDay(AddDays(*d, 1)) - 1 : StartOfParisDay(*d);
  }
  return ParseIso8601(v);
}

bool IsAdministrator(const domain::Actor& a) {
  if (a.platform_admin || domain::ScopeOf(a).all) return true;
  for (const auto& r : a.EffectiveRoles()) {
    if (r == domain::kRoleAdministrator) return true;
  }
  return false;
}

// The inbox query from the URL; every problem at once.
Result<domain::RequestQuery> ParseInboxQuery(const Context& ctx, const domain::Actor& caller,
                                             Timestamp now) {
  using Sort = domain::RequestQuery::Sort;
  domain::RequestQuery q;
  q.limit = kDefaultPageSize;
  q.scope = domain::ScopeOf(caller);
  std::vector<FieldError> errs;
  std::optional<std::string> cursor;
  for (const auto& [k, v] : ctx.query) {
    if (ParseRequestFilter(k, v, q, errs)) {
      // status, category, team, channel, service
    } else if (k == "assignee") {
      if (v == "unassigned") {
        q.unassigned = true;
      } else if (v == "me") {
        if (caller.kind != domain::Actor::Kind::kAgent || caller.id == 0) {
          errs.push_back({"assignee", "« me » ne s’emploie que par un agent connecté."});
        } else {
          q.agent_id = caller.id;
        }
      } else if (auto id = PositiveInt(v)) {
        q.agent_id = *id;
      } else {
        errs.push_back({"assignee", "Attendu : me, unassigned ou l’identifiant d’un agent."});
      }
    } else if (k == "citizen") {
      // The citizen's other requests, within the caller's scope like the rest.
      if (auto id = PositiveInt(v)) {
        q.citizen_id = *id;
      } else {
        errs.push_back({"citizen", "L’identifiant d’un citoyen est attendu."});
      }
    } else if (k == "overdue") {
      if (v == "true") {
        q.overdue_at = now;
      } else if (v != "false") {
        errs.push_back({"overdue", "Attendu : true ou false."});
      }
    } else if (k == "from" || k == "to") {
      auto t = ParseInstant(v, k == "to");
      if (!t) {
        errs.push_back({k, "Date attendue (AAAA-MM-JJ ou RFC 3339)."});
      } else {
        (k == "from" ? q.created_from : q.created_to) = *t;
      }
    } else if (k == "q") {
      if (v.size() > kMaxSearchLength) {
        errs.push_back({"q", "La recherche est limitée à 200 caractères."});
      }
      if (v.find_first_not_of(" \t") != std::string::npos) q.fulltext = v;
    } else if (k == "sort") {
      if (v == "newest") {
        q.sort = Sort::kNewest;
      } else if (v == "due") {
        q.sort = Sort::kDueDate;
      } else if (v == "activity") {
        q.sort = Sort::kLastActivity;
      } else {
        errs.push_back({"sort", "Tri attendu : newest, due ou activity."});
      }
    } else if (k == "limit") {
      auto n = PositiveInt(v);
      if (!n || *n > kMaxPageSize) {
        errs.push_back({"limit", "Entier de 1 à " + std::to_string(kMaxPageSize) + " attendu."});
      } else {
        q.limit = static_cast<int>(*n);
      }
    } else if (k == "cursor") {
      cursor = v;
    } else {
      errs.push_back({k, "Paramètre inconnu."});
    }
  }
  if (cursor) {
    // newest: "<id>"; due and activity: "<key>.<id>".
    const size_t dot = cursor->find('.');
    if (q.sort == Sort::kNewest && dot == std::string::npos && PositiveInt(*cursor)) {
      q.before_id = PositiveInt(*cursor);
    } else if (q.sort != Sort::kNewest && dot != std::string::npos &&
               IntOf(std::string_view(*cursor).substr(0, dot)) &&
               PositiveInt(cursor->substr(dot + 1))) {
      q.after = {*IntOf(std::string_view(*cursor).substr(0, dot)),
                 *PositiveInt(cursor->substr(dot + 1))};
    } else {
      errs.push_back({"cursor", "Ce curseur ne vient pas d’une page de ce tri."});
    }
  }
  if (!errs.empty())
    return Error::Invalid("Les paramètres de la boîte de réception sont invalides.", errs);
  return q;
}

json CountsJson(const domain::InboxCounts& c) {
  return {{"total", c.total},
          {"by_category", c.by_category},
          {"by_channel", c.by_channel},
          {"overdue", c.overdue},
          {"mine", c.mine},
          {"unassigned", c.unassigned}};
}

json AuditJson(const domain::AuditEntry& e) {
  return {{"id", e.id},
          {"at", FormatIso8601(e.at, true)},
          {"actor", {{"kind", e.actor_kind}, {"id", e.actor_id}, {"label", e.actor_label}}},
          {"action", e.action},
          {"record", {{"type", e.record_type}, {"id", e.record_id}}},
          {"request_id", e.request_id ? json(*e.request_id) : json(nullptr)},
          {"citizen_id", e.citizen_id ? json(*e.citizen_id) : json(nullptr)},
          {"purpose", e.purpose},
          {"ip", e.ip},
          {"user_agent", e.user_agent},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

json CannedJson(const domain::CannedResponse& c) {
  return {{"id", c.id},
          {"title", c.title},
          {"body", c.body},
          {"team", c.team_id.empty() ? json(nullptr) : json(c.team_id)},
          {"created_at", FormatIso8601(c.created_at)},
          {"updated_at", FormatIso8601(c.updated_at)}};
}

json LinkJson(const domain::RequestLink& l) {
  return {{"from", l.from_id},
          {"to", l.to_id},
          {"kind", l.kind},
          {"author", l.author},
          {"created_at", FormatIso8601(l.created_at)}};
}

// A body that must be a JSON object with only `allowed` keys.
// The request named by `key` if the caller of `ctx` may see it.
using Visible = std::function<Result<domain::Request>(const Context&, const std::string&)>;
using Done = domain::Done<domain::Request>;

void CheckBulkIds(const json& body, std::vector<FieldError>& errs) {
  auto ids = body.find("ids");
  if (ids == body.end() || !ids->is_array() || ids->empty() || ids->size() > kMaxBulkItems) {
    errs.push_back({"ids", "Une liste de 1 à 100 demandes est attendue."});
  }
}

// Runs `start` on each request of `ids` the caller may see, one after the
// other: one result per id, in order (HTTP status, the request or why not),
// a failure never stopping the others.
asio::awaitable<json> ForEachRequest(const Context& ctx, const json& ids, const Visible& visible,
                                     std::function<void(std::int64_t, Done)> start) {
  json items = json::array();
  for (const auto& id : ids) {
    const std::string key = id.is_string()           ? id.get<std::string>()
                            : id.is_number_integer() ? std::to_string(id.get<std::int64_t>())
                                                     : std::string();
    json item = {{"id", id}};
    auto r = visible(ctx, key);
    Result<domain::Request> outcome = r;
    if (r.ok()) {
      const std::int64_t request_id = r->id;
      outcome = co_await AwaitCallback<Result<domain::Request>>(
          [&](auto done) { start(request_id, std::move(done)); });
    }
    if (outcome.ok()) {
      item["status"] = 200;
      item["request"] = ToJson(*outcome);
    } else {
      item["status"] = static_cast<int>(StatusFor(outcome.error().code()));
      item["detail"] = outcome.error().message();
    }
    items.push_back(std::move(item));
  }
  // A call about several requests is about none of them in particular.
  ctx.subject.reset();
  co_return items;
}

// The request of the path and the one a JSON body names in `field` (a
// reference or an id), both visible to the caller.
Result<std::pair<domain::Request, domain::Request>> PathAndBodyRequests(
    const Context& ctx, const Visible& visible, const char* field, const char* what,
    const char* missing, const char* unknown) {
  // The request of the path first: one the caller may not see is a 404,
  // whatever the body says.
  auto from = visible(ctx, ctx.Param("id"));
  if (!from.ok()) return from.error();
  auto body = ObjectBody(ctx, {field}, what);
  if (!body.ok()) return body.error();
  std::string key;
  if (auto it = body->find(field); it != body->end() && it->is_string()) {
    key = it->get<std::string>();
  } else if (it != body->end() && it->is_number_integer()) {
    key = std::to_string(it->get<std::int64_t>());
  }
  if (key.empty()) return Error::Invalid(what, {{field, missing}});
  auto other = visible(ctx, key);
  if (!other.ok()) return Error::Invalid(what, {{field, unknown}});
  NoteSubject(ctx, *from);  // the call is about the path's request, not the body's
  return std::pair{std::move(*from), std::move(*other)};
}

std::string PurposeOf(const Context& ctx) {
  auto it = ctx.req.find(kPurposeHeader);
  return it == ctx.req.end() ? std::string() : std::string(it->value());
}

}  // namespace

BackofficeApi::BackofficeApi(domain::CaseService& cases, domain::BackofficeService& backoffice,
                             domain::Store& store, const Clock& clock)
    : cases_(cases), backoffice_(backoffice), store_(store), clock_(clock) {}

void BackofficeApi::Register(Router& router) {
  // The request named in the path, if the caller may see it (else 404).
  const Visible visible = [this](const Context& ctx, const std::string& key) {
    return VisibleRequest(ctx, cases_, key);
  };

  router.Add(verb::get, "/api/v1/inbox", [this](Context& ctx) -> asio::awaitable<Response> {
    auto q = ParseInboxQuery(ctx, ApiCaller(ctx), clock_.Now());
    if (!q.ok()) co_return ctx.Problem(q.error());
    auto page = cases_.List(*q);
    if (!page.ok()) co_return ctx.Problem(page.error());
    json items = json::array();
    for (const auto& r : page->items) items.push_back(ToJson(r));
    json out = {{"items", std::move(items)}, {"next_cursor", nullptr}};
    if (page->next_after && q->sort != domain::RequestQuery::Sort::kNewest) {
      out["next_cursor"] =
          std::to_string(page->next_after->first) + "." + std::to_string(page->next_after->second);
    } else if (page->next_before_id && q->sort == domain::RequestQuery::Sort::kNewest) {
      out["next_cursor"] = std::to_string(*page->next_before_id);
    }
    co_return ctx.Json(status::ok, out.dump());
  });

  router.Add(verb::get, "/api/v1/inbox/counts", [this](Context& ctx) -> asio::awaitable<Response> {
    const domain::Actor caller = ApiCaller(ctx);
    // The inbox's filters but those the sidebar counts by (category,
    // assignee, overdue) and the page's (sort, cursor, limit).
    static constexpr std::array<std::string_view, 6> kCountFilters = {"team", "channel", "service",
                                                                      "q",    "from",    "to"};
    for (const auto& [k, v] : ctx.query) {
      if (std::find(kCountFilters.begin(), kCountFilters.end(), k) == kCountFilters.end()) {
        co_return ctx.Problem(Error::Invalid("Les paramètres des compteurs sont invalides.",
                                             {{k, "Paramètre inconnu."}}));
      }
    }
    const Timestamp now = clock_.Now();
    auto q = ParseInboxQuery(ctx, caller, now);
    if (!q.ok()) co_return ctx.Problem(q.error());
    std::optional<std::int64_t> me;
    if (caller.kind == domain::Actor::Kind::kAgent && caller.id) me = caller.id;
    auto counts = store_.CountInbox(*q, now, me);
    if (!counts.ok()) co_return ctx.Problem(counts.error());
    co_return ctx.Json(status::ok, CountsJson(*counts).dump());
  });

  router.Add(verb::get, "/api/v1/search", [this](Context& ctx) -> asio::awaitable<Response> {
    std::string text;
    int limit = 20;
    std::vector<FieldError> errs;
    for (const auto& [k, v] : ctx.query) {
      if (k == "q") {
        text = v;
      } else if (k == "limit") {
        auto n = PositiveInt(v);
        if (!n || *n > kMaxSearchResults) {
          errs.push_back({"limit", "Entier de 1 à 50 attendu."});
        } else {
          limit = static_cast<int>(*n);
        }
      } else {
        errs.push_back({k, "Paramètre inconnu."});
      }
    }
    if (text.find_first_not_of(" \t") == std::string::npos) {
      errs.push_back({"q", "Indiquez les mots à chercher."});
    } else if (text.size() > kMaxSearchLength) {
      errs.push_back({"q", "La recherche est limitée à 200 caractères."});
    } else if (!domain::IsValidUtf8(text)) {
      errs.push_back({"q", "La recherche n’est pas un texte UTF-8 valide."});
    }
    if (!errs.empty()) co_return ctx.Problem(Error::Invalid("La recherche est invalide.", errs));
    auto hits = store_.Search(text, domain::ScopeOf(ApiCaller(ctx)), limit);
    if (!hits.ok()) co_return ctx.Problem(hits.error());
    json items = json::array();
    for (const auto& h : *hits) {
      items.push_back({{"request", ToJson(h.request)}, {"snippet", h.snippet}, {"score", h.score}});
    }
    co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
  });

  router.Add(verb::post, "/api/v1/requests/{id}/assign",
             [this, visible](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto body = ParseBody(ctx.req.body());
               if (!body.ok()) co_return ctx.Problem(body.error());
               const domain::Actor caller = ApiCaller(ctx);
               // "me": the calling agent.
               if (body->contains("agent_id") && (*body)["agent_id"] == "me") {
                 if (caller.kind != domain::Actor::Kind::kAgent || caller.id == 0) {
                   co_return ctx.Problem(Error::Invalid(
                       "L’affectation contient des erreurs.",
                       {{"agent_id", "« me » ne s’emploie que par un agent connecté."}}));
                 }
                 (*body)["agent_id"] = caller.id;
               }
               auto a = ParseAssignment(*body);
               if (!a.ok()) co_return ctx.Problem(a.error());
               auto expected = ExpectedVersion(ctx);
               if (!expected.ok()) co_return ctx.Problem(expected.error());
               auto r = visible(ctx, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               auto updated = co_await AwaitCallback<Result<domain::Request>>([&](auto done) {
                 cases_.Assign(r->id, *a, caller, *expected, std::move(done));
               });
               if (!updated.ok()) co_return ctx.Problem(updated.error());
               co_return WithRequest(ctx, status::ok, *updated);
             });

  router.Add(verb::post, "/api/v1/requests/{id}/notes",
             [this, visible](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto body = ObjectBody(ctx, {"body"}, "La note contient des erreurs.");
               if (!body.ok()) co_return ctx.Problem(body.error());
               std::vector<FieldError> errs;
               std::string text = StringField(*body, "body", errs);
               if (!errs.empty()) {
                 co_return ctx.Problem(Error::Invalid("La note contient des erreurs.", errs));
               }
               auto expected = ExpectedVersion(ctx);
               if (!expected.ok()) co_return ctx.Problem(expected.error());
               auto r = visible(ctx, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               domain::NewEvent in{domain::EventKind::kNote, std::nullopt, std::move(text), "{}"};
               auto added = co_await AwaitCallback<Result<domain::EventAdded>>([&](auto done) {
                 cases_.AddEvent(r->id, in, ApiCaller(ctx), *expected, std::nullopt,
                                 std::move(done));
               });
               if (!added.ok()) co_return ctx.Problem(added.error());
               Response res = ctx.Json(status::created, ToJson(added->event).dump());
               res.set(bhttp::field::etag, ETagOf(added->request));
               co_return res;
             });

  router.Add(verb::post, "/api/v1/requests/{id}/replies",
             [this, visible](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto r = visible(ctx, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               auto body = ObjectBody(ctx, {"body", "channel", "canned_response_id"},
                                      "La réponse contient des erreurs.");
               if (!body.ok()) co_return ctx.Problem(body.error());
               std::vector<FieldError> errs;
               domain::Reply reply;
               reply.body = StringField(*body, "body", errs);
               const std::string channel = StringField(*body, "channel", errs);
               if (!channel.empty()) {
                 reply.channel = domain::ParseChannel(channel);
                 if (!reply.channel)
                   errs.push_back({"channel", "Canal inconnu : « " + channel + " »."});
               }
               if (auto it = body->find("canned_response_id");
                   it != body->end() && !it->is_null()) {
                 if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
                   errs.push_back({"canned_response_id", "Identifiant entier positif attendu."});
                 } else {
                   reply.canned_id = it->get<std::int64_t>();
                 }
               }
               if (reply.body.empty() && !reply.canned_id) {
                 errs.push_back({"body", "Le message est obligatoire (ou une réponse type)."});
               }
               if (!errs.empty()) {
                 co_return ctx.Problem(Error::Invalid("La réponse contient des erreurs.", errs));
               }
               auto expected = ExpectedVersion(ctx);
               if (!expected.ok()) co_return ctx.Problem(expected.error());
               auto added = co_await AwaitCallback<Result<domain::EventAdded>>([&](auto done) {
                 backoffice_.SendReply(*r, reply, ApiCaller(ctx), *expected, std::move(done));
               });
               if (!added.ok()) co_return ctx.Problem(added.error());
               Response res = ctx.Json(status::created, ToJson(added->event).dump());
               res.set(bhttp::field::etag, ETagOf(added->request));
               co_return res;
             });

  router.Add(verb::post, "/api/v1/requests/{id}/merge",
             [this, visible](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto pair = PathAndBodyRequests(
                   ctx, visible, "into", "La fusion contient des erreurs.",
                   "Indiquez la demande (référence ou identifiant) qui est gardée.",
                   "La demande visée n’existe pas.");
               if (!pair.ok()) co_return ctx.Problem(pair.error());
               const domain::Request& dup = pair->first;
               const domain::Request& target = pair->second;
               auto merged = co_await AwaitCallback<Result<domain::Merged>>([&](auto done) {
                 backoffice_.Merge(dup.id, target.id, ApiCaller(ctx), std::move(done));
               });
               if (!merged.ok()) co_return ctx.Problem(merged.error());
               co_return ctx.Json(status::ok, json{{"duplicate", ToJson(merged->duplicate)},
                                                   {"target", ToJson(merged->target)}}
                                                  .dump());
             });

  router.Add(verb::get, "/api/v1/requests/{id}/links",
             [this, visible](Context& ctx) -> asio::awaitable<Response> {
               auto r = visible(ctx, ctx.Param("id"));
               if (!r.ok()) co_return ctx.Problem(r.error());
               auto links = backoffice_.Links(r->id);
               if (!links.ok()) co_return ctx.Problem(links.error());
               json items = json::array();
               for (const auto& l : *links) items.push_back(LinkJson(l));
               co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
             });

  router.Add(verb::post, "/api/v1/requests/{id}/links",
             [this, visible](Context& ctx) -> asio::awaitable<Response> {
               if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
               auto pair =
                   PathAndBodyRequests(ctx, visible, "request", "Le lien contient des erreurs.",
                                       "Indiquez la demande liée (référence ou identifiant).",
                                       "La demande à lier n’existe pas.");
               if (!pair.ok()) co_return ctx.Problem(pair.error());
               const domain::Request& r = pair->first;
               const domain::Request& to = pair->second;
               auto link = co_await AwaitCallback<Result<domain::RequestLink>>([&](auto done) {
                 backoffice_.Link(r.id, to.id, ApiCaller(ctx), std::move(done));
               });
               if (!link.ok()) co_return ctx.Problem(link.error());
               co_return ctx.Json(status::created, LinkJson(*link).dump());
             });

  // Bulk actions: each item its own outcome, in the order given.
  router.Add(
      verb::post, "/api/v1/bulk/status",
      [this, visible](Context& ctx) -> asio::awaitable<Response> {
        if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
        auto body =
            ObjectBody(ctx, {"ids", "to", "comment"}, "L’action groupée contient des erreurs.");
        if (!body.ok()) co_return ctx.Problem(body.error());
        std::vector<FieldError> errs;
        const std::string to = StringField(*body, "to", errs);
        const std::string comment = StringField(*body, "comment", errs);
        if (to.empty()) errs.push_back({"to", "Le statut visé est obligatoire."});
        CheckBulkIds(*body, errs);
        if (!errs.empty()) {
          co_return ctx.Problem(Error::Invalid("L’action groupée contient des erreurs.", errs));
        }
        const domain::Actor caller = ApiCaller(ctx);
        json items = co_await ForEachRequest(
            ctx, (*body)["ids"], visible,
            [this, &to, &comment, &caller](std::int64_t id, Done done) {
              cases_.ChangeStatus(id, to, comment, caller, std::nullopt, std::move(done));
            });
        co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
      });

  router.Add(
      verb::post, "/api/v1/bulk/assign",
      [this, visible](Context& ctx) -> asio::awaitable<Response> {
        if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
        auto body = ParseBody(ctx.req.body());
        if (!body.ok()) co_return ctx.Problem(body.error());
        std::vector<FieldError> errs;
        CheckBulkIds(*body, errs);
        if (!errs.empty()) {
          co_return ctx.Problem(Error::Invalid("L’action groupée contient des erreurs.", errs));
        }
        const json ids = (*body)["ids"];
        body->erase("ids");
        auto a = ParseAssignment(*body);
        if (!a.ok()) co_return ctx.Problem(a.error());
        const domain::Actor caller = ApiCaller(ctx);
        const domain::Assignment assignment = *a;
        json items = co_await ForEachRequest(
            ctx, ids, visible, [this, &assignment, &caller](std::int64_t id, Done done) {
              cases_.Assign(id, assignment, caller, std::nullopt, std::move(done));
            });
        co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
      });

  router.Add(
      verb::get, "/api/v1/canned-responses", [this](Context& ctx) -> asio::awaitable<Response> {
        auto list = backoffice_.CannedResponses();
        if (!list.ok()) co_return ctx.Problem(list.error());
        const auto scope = domain::ScopeOf(ApiCaller(ctx));
        json items = json::array();
        for (const auto& c : *list) {
          const bool visible_to_caller = scope.all || c.team_id.empty() ||
                                         std::find(scope.team_ids.begin(), scope.team_ids.end(),
                                                   c.team_id) != scope.team_ids.end();
          if (visible_to_caller) items.push_back(CannedJson(c));
        }
        co_return ctx.Json(status::ok, ItemsJson(std::move(items)));
      });

  // Creates (no id) or replaces (id) a canned response from the body.
  auto save_canned = [this](Context& ctx, std::int64_t id) -> asio::awaitable<Response> {
    if (!IsJson(ctx)) co_return UnsupportedMedia(ctx);
    if (!domain::MayManageCannedResponses(ApiCaller(ctx))) {
      co_return ctx.Problem(Error::Forbidden(
          "Seuls les superviseurs et les administrateurs gèrent les réponses types."));
    }
    auto body = ObjectBody(ctx, {"title", "body", "team"}, "La réponse type contient des erreurs.");
    if (!body.ok()) co_return ctx.Problem(body.error());
    std::vector<FieldError> errs;
    domain::CannedResponse c;
    c.id = id;
    c.title = StringField(*body, "title", errs);
    c.body = StringField(*body, "body", errs);
    c.team_id = StringField(*body, "team", errs);
    if (!errs.empty()) {
      co_return ctx.Problem(Error::Invalid("La réponse type contient des erreurs.", errs));
    }
    if (id) {
      auto prior = backoffice_.GetCanned(id);
      if (!prior.ok()) co_return ctx.Problem(prior.error());
      c.created_at = prior->created_at;
    }
    auto saved = co_await AwaitCallback<Result<domain::CannedResponse>>(
        [&](auto done) { backoffice_.SaveCanned(c, std::move(done)); });
    if (!saved.ok()) co_return ctx.Problem(saved.error());
    Response res = ctx.Json(id ? status::ok : status::created, CannedJson(*saved).dump());
    if (!id)
      res.set(bhttp::field::location, "/api/v1/canned-responses/" + std::to_string(saved->id));
    co_return res;
  };

  router.Add(verb::post, "/api/v1/canned-responses",
             [save_canned](Context& ctx) -> asio::awaitable<Response> {
               co_return co_await save_canned(ctx, 0);
             });

  auto canned_id = [](const Context& ctx) -> Result<std::int64_t> {
    auto id = PositiveInt(ctx.Param("id"));
    if (!id) return Error::NotFound("Cette réponse type n’existe pas.");
    return *id;
  };

  router.Add(verb::get, "/api/v1/canned-responses/{id}",
             [this, canned_id](Context& ctx) -> asio::awaitable<Response> {
               auto id = canned_id(ctx);
               if (!id.ok()) co_return ctx.Problem(id.error());
               auto c = backoffice_.GetCanned(*id);
               if (!c.ok()) co_return ctx.Problem(c.error());
               co_return ctx.Json(status::ok, CannedJson(*c).dump());
             });

  router.Add(verb::put, "/api/v1/canned-responses/{id}",
             [save_canned, canned_id](Context& ctx) -> asio::awaitable<Response> {
               auto id = canned_id(ctx);
               if (!id.ok()) co_return ctx.Problem(id.error());
               co_return co_await save_canned(ctx, *id);
             });

  router.Add(verb::delete_, "/api/v1/canned-responses/{id}",
             [this, canned_id](Context& ctx) -> asio::awaitable<Response> {
               if (!domain::MayManageCannedResponses(ApiCaller(ctx))) {
                 co_return ctx.Problem(Error::Forbidden(
                     "Seuls les superviseurs et les administrateurs gèrent les réponses types."));
               }
               auto id = canned_id(ctx);
               if (!id.ok()) co_return ctx.Problem(id.error());
               auto deleted = co_await AwaitCallback<Result<bool>>(
                   [&](auto done) { backoffice_.DeleteCanned(*id, std::move(done)); });
               if (!deleted.ok()) co_return ctx.Problem(deleted.error());
               co_return ctx.Text(status::no_content, "", "application/json; charset=utf-8");
             });

  router.Add(verb::get, "/api/v1/audit", [this](Context& ctx) -> asio::awaitable<Response> {
    if (!IsAdministrator(ApiCaller(ctx))) {
      co_return ctx.Problem(
          Error::Forbidden("Le journal d’audit est réservé aux administrateurs."));
    }
    domain::AuditQuery q;
    std::vector<FieldError> errs;
    for (const auto& [k, v] : ctx.query) {
      if (k == "citizen_id" || k == "request_id" || k == "cursor" || k == "limit") {
        auto n = PositiveInt(v);
        if (!n) {
          errs.push_back({k, "Ce paramètre doit être un entier positif."});
        } else if (k == "citizen_id") {
          q.citizen_id = n;
        } else if (k == "request_id") {
          q.request_id = n;
        } else if (k == "cursor") {
          q.before_id = n;
        } else if (*n > kMaxPageSize) {
          errs.push_back({"limit", "Entier de 1 à " + std::to_string(kMaxPageSize) + " attendu."});
        } else {
          q.limit = static_cast<int>(*n);
        }
      } else if (k == "actor") {
        q.actor_label = v;
      } else if (k == "action") {
        q.action = v;
      } else if (k == "from" || k == "to") {
        auto t = ParseInstant(v, k == "to");
        if (!t) {
          errs.push_back({k, "Date attendue (AAAA-MM-JJ ou RFC 3339)."});
        } else {
          (k == "from" ? q.from : q.to) = *t;
        }
      } else {
        errs.push_back({k, "Paramètre inconnu."});
      }
    }
    if (!errs.empty()) {
      co_return ctx.Problem(Error::Invalid("Les paramètres du journal sont invalides.", errs));
    }
    auto page = store_.ListAudit(q);
    if (!page.ok()) co_return ctx.Problem(page.error());
    json items = json::array();
    for (const auto& e : *page) items.push_back(AuditJson(e));
    json out = {{"items", std::move(items)}, {"next_cursor", nullptr}};
    if (static_cast<int>(page->size()) == q.limit) {
      out["next_cursor"] = std::to_string(page->back().id);
    }
    co_return ctx.Json(status::ok, out.dump());
  });
}

domain::AuditEntry AuditEntryOf(const Context& ctx, Timestamp now) {
  const domain::Actor caller = ApiCaller(ctx);
  domain::AuditEntry e;
  e.at = now;
  switch (caller.kind) {
    case domain::Actor::Kind::kAgent:
      e.actor_kind = "agent";
      break;
    case domain::Actor::Kind::kApi:
      e.actor_kind = "api";
      break;
    case domain::Actor::Kind::kCitizen:
      e.actor_kind = "citizen";
      break;
    case domain::Actor::Kind::kSystem:
      e.actor_kind = "system";
      break;
    case domain::Actor::Kind::kAnonymous:  // a form filed without an account
      e.actor_kind = "anonymous";
      break;
  }
  e.actor_id = caller.id;
  e.actor_label = caller.Label();
  e.ip = ctx.remote;
  e.user_agent = ctx.Header(bhttp::field::user_agent).substr(0, 300);
  e.purpose = PurposeOf(ctx);
  return e;
}

void BackofficeApi::Audit(const Context& ctx, const Response& res) {
  const unsigned code = res.result_int();
  if (code >= 400) return;
  const bool read = ctx.req.method() == verb::get || ctx.req.method() == verb::head;
  const std::string& route = ctx.route;
  const bool api = route.rfind("/api/v1/", 0) == 0 || route.rfind("/open311/", 0) == 0;
  if (!api) return;
  // The reads that show a citizen's data, or the log of who saw it.
  static const std::vector<std::string> kPersonalReads = {"/api/v1/requests",
                                                          "/api/v1/requests/{id}",
                                                          "/api/v1/requests/{id}/events",
                                                          "/api/v1/requests/{id}/links",
                                                          "/api/v1/requests/{id}/scans",
                                                          "/api/v1/inbox",
                                                          "/api/v1/search",
                                                          "/api/v1/audit"};
  if (read &&
      std::find(kPersonalReads.begin(), kPersonalReads.end(), route) == kPersonalReads.end()) {
    return;
  }
  domain::AuditEntry e = AuditEntryOf(ctx, clock_.Now());
  e.action = read ? "read" : std::string(ctx.req.method_string());
  e.record_type = route;
  e.record_id = ctx.Param("id");
  // The request the call was about: in the path, or just created.
  std::string key;
  if (route.rfind("/api/v1/requests/{id}", 0) == 0) {
    key = e.record_id;
  } else if (!read) {
    // A write that made or touched a request says so in Location
    // (POST /api/v1/requests, a call, a visit or a letter recorded), or
    // named it (an Open311 report or update, whose answers have no Location).
    auto loc = res.find(bhttp::field::location);
    if (loc != res.end() && loc->value().starts_with("/api/v1/requests/")) {
      std::string_view l = loc->value();
      key = std::string(l.substr(l.rfind('/') + 1));
    } else if (ctx.subject) {
      key = ctx.subject->reference;
    }
    if (!key.empty()) e.record_id = key;
  }
  if (!key.empty()) {
    // The handler named it already (NoteSubject); read it only otherwise.
    std::optional<Context::Subject> subject = ctx.subject;
    if (!subject || (key != std::to_string(subject->request_id) && key != subject->reference)) {
      subject.reset();
      auto r = cases_.Get(key);
      if (r.ok()) subject = Context::Subject{r->id, r->citizen_id, r->reference};
    }
    if (subject) {
      e.request_id = subject->request_id;
      e.citizen_id = subject->citizen_id;
      if (e.purpose.empty()) e.purpose = "Traitement de la demande " + subject->reference;
    }
  }
  if (route == "/api/v1/search" || route == "/api/v1/inbox" || route == "/api/v1/requests") {
    if (e.purpose.empty()) e.purpose = read ? "Consultation d’une liste de demandes" : "";
  }
  backoffice_.AuditAfterResponse(std::move(e), [route](Status s) {
    if (!s.ok()) {
      LogEvent(spdlog::level::err, "audit non enregistré",
               {{"route", route}, {"cause", s.error().cause_or_message()}});
    }
  });
}

}  // namespace guichet::http
