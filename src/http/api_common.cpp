#include "http/api_common.hpp"

#include <algorithm>
#include <charconv>

#include "domain/access.hpp"

#include "core/digest.hpp"
#include "http/json_mapping.hpp"

namespace guichet::http {

std::string ItemsJson(nlohmann::json items) {
  nlohmann::json out = nlohmann::json::object();
  out["items"] = std::move(items);
  return out.dump();
}

namespace {

std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    if (end > start) out.push_back(v.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

bool ParseRequestFilter(const std::string& k, const std::string& v, domain::RequestQuery& q,
                        std::vector<FieldError>& errs) {
  if (k == "status") {
    q.statuses = SplitList(v);
  } else if (k == "category") {
    for (const auto& c : SplitList(v)) {
      if (auto cat = domain::ParseStatusCategory(c)) {
        q.categories.push_back(*cat);
      } else {
        errs.push_back({"category", "Catégorie inconnue : « " + c + " »."});
      }
    }
  } else if (k == "team") {
    q.team_id = v;
  } else if (k == "channel") {
    if (auto ch = domain::ParseChannel(v)) {
      q.channel = *ch;
    } else {
      errs.push_back({"channel", "Canal inconnu : « " + v + " »."});
    }
  } else if (k == "service") {
    q.service_id = v;
  } else {
    return false;
  }
  return true;
}

domain::Actor ApiCaller(const Context& ctx) { return ctx.actor; }

domain::Actor ApiCallerOn(const Context& ctx, const domain::Request& r) {
  domain::Actor a = ctx.actor;
  if (a.kind != domain::Actor::Kind::kAgent || a.platform_admin) return a;
  for (const auto& m : ctx.memberships) {
    if (m.team_id == r.team_id) a.roles = domain::WorkflowRolesOf(m.role);
  }
  return a;
}

Result<domain::Request> VisibleRequest(const Context& ctx, const domain::CaseService& cases,
                                       const std::string& id_or_reference) {
  auto r = cases.Get(id_or_reference);
  if (!r.ok()) return r;
  if (!domain::ScopeOf(ctx.actor).Allows(*r)) {
    return Error::NotFound("Aucune demande ne correspond à « " + id_or_reference + " ».");
  }
  NoteSubject(ctx, *r);
  return r;
}

void NoteSubject(const Context& ctx, const domain::Request& r) {
  ctx.subject = Context::Subject{r.id, r.citizen_id, r.reference};
}

bool LimitToScope(const Context& ctx, domain::RequestQuery& q) {
  const auto scope = domain::ScopeOf(ctx.actor);
  if (scope.all) return true;
  if (scope.citizen_id) {
    if (q.citizen_id && *q.citizen_id != *scope.citizen_id) return false;
    q.citizen_id = scope.citizen_id;
    return true;
  }
  if (scope.team_ids.empty()) return false;
  if (q.team_id) {
    return std::find(scope.team_ids.begin(), scope.team_ids.end(), *q.team_id) !=
           scope.team_ids.end();
  }
  q.team_ids = scope.team_ids;
  return true;
}

std::string ETagOf(const domain::Request& r) { return "\"v" + std::to_string(r.version) + "\""; }

// If-Match: "v3" or W/"v3" → 3; "*" or absent → no expectation.
Result<std::optional<std::int64_t>> ExpectedVersion(const Context& ctx) {
  std::string v = ctx.Header(bhttp::field::if_match);
  if (v.empty() || v == "*") return std::optional<std::int64_t>();
  if (v.rfind("W/", 0) == 0) v = v.substr(2);
  std::int64_t n = 0;
  if (v.size() > 3 && v.front() == '"' && v.back() == '"' && v[1] == 'v') {
    const char* b = v.data() + 2;
    const char* e = v.data() + v.size() - 1;
    auto [p, ec] = std::from_chars(b, e, n);
    if (ec == std::errc() && p == e) return std::optional<std::int64_t>(n);
  }
  // An ETag we never issued cannot match the current one.
  return Error::Stale("L’en-tête If-Match ne correspond pas à la version actuelle de la demande.");
}

std::optional<domain::Idempotency> IdempotencyOf(const Context& ctx) {
  auto it = ctx.req.find("Idempotency-Key");
  if (it == ctx.req.end()) return std::nullopt;
  return domain::Idempotency{
      std::string(it->value()),
      Sha256Hex(std::string(ctx.req.method_string()) + " " + ctx.path + "\n" + ctx.req.body())};
}

bool IsJson(const Context& ctx, bool allow_merge_patch) {
  const std::string ct = ctx.Header(bhttp::field::content_type);
  std::string base = ct.substr(0, ct.find(';'));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  return base == "application/json" ||
         (allow_merge_patch && base == "application/merge-patch+json");
}

Response UnsupportedMedia(const Context& ctx) {
  return ctx.Problem(bhttp::status::unsupported_media_type,
                     "Le corps doit être du JSON (Content-Type: application/json).");
}

Response WithRequest(const Context& ctx, bhttp::status st, const domain::Request& r) {
  NoteSubject(ctx, r);
  Response res = ctx.Json(st, ToJsonText(r));
  res.set(bhttp::field::etag, ETagOf(r));
  return res;
}

Result<nlohmann::json> ObjectBody(const Context& ctx,
                                  std::initializer_list<std::string_view> allowed,
                                  const char* what) {
  auto body = ParseBody(ctx.req.body());
  if (!body.ok()) return body.error();
  std::vector<FieldError> errs;
  for (auto it = body->begin(); it != body->end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      errs.push_back({it.key(), "Ce champ n’est pas reconnu."});
    }
  }
  if (!errs.empty()) return Error::Invalid(what, errs);
  return body;
}

std::string StringField(const nlohmann::json& j, const char* key, std::vector<FieldError>& errs) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) {
    errs.push_back({key, "Ce champ doit être une chaîne de caractères."});
    return {};
  }
  return it->get<std::string>();
}

}  // namespace guichet::http
